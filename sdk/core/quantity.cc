#include "kubecpp/core/quantity.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kubecpp/core/internal/json_reader.h"

namespace kube {
namespace {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr int64_t kNanosPerUnit = 1'000'000'000;
constexpr int64_t kNanosPerMilli = 1'000'000;
// The largest magnitude a Quantity holds, in nano-units: 2^127 - 1.
constexpr UInt128 kMaxNanos = (UInt128{1} << 127) - 1;
// Upstream caps a binary SI amount at the largest int64 (in whole units).
constexpr UInt128 kBinaryCapNanos =
    UInt128{static_cast<uint64_t>(std::numeric_limits<int64_t>::max())} * kNanosPerUnit;

// Upstream's error texts (ErrFormatWrong, ErrNumeric, ErrSuffix).
constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrNumeric = "unable to parse numeric part of quantity";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";

Status ParseError(std::string_view text, std::string_view what) {
  std::string message = "invalid quantity \"";
  message.append(text);
  message.append("\": ");
  message.append(what);
  return BadRequestError(std::move(message));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSuffixLetter(char c) {
  return std::string_view("eEinumkKMGTP").find(c) != std::string_view::npos;
}

// The parts of a quantity's text, split the way upstream's scanner
// (parseQuantityString) splits them.
struct Parts {
  bool negative = false;
  // The sign and digits before the suffix, as written ("-01.50"); may hold no digit.
  std::string_view number;
  // The integer digits without leading zeros; "0" when there are none.
  std::string_view integer = "0";
  // The digits after the point, as written.
  std::string_view fraction;
  std::string_view suffix;
};

// Splits `text` into its parts; nullopt when it does not match the grammar.
std::optional<Parts> Split(std::string_view text) {
  Parts parts;
  const size_t end = text.size();
  size_t pos = 0;
  if (pos < end && (text[pos] == '-' || text[pos] == '+')) {
    parts.negative = text[pos] == '-';
    ++pos;
  }
  while (pos < end && text[pos] == '0') ++pos;
  if (pos == end) {  // only a sign and zeros: the value is zero
    parts.number = "0";
    return parts;
  }

  size_t i = pos;
  while (i < end && IsDigit(text[i])) ++i;
  if (i > pos) parts.integer = text.substr(pos, i - pos);
  pos = i;
  if (pos < end && text[pos] == '.') {
    ++pos;
    i = pos;
    while (i < end && IsDigit(text[i])) ++i;
    parts.fraction = text.substr(pos, i - pos);
    pos = i;
  }
  parts.number = text.substr(0, pos);

  // The suffix: letters, then an optional sign and digits.
  const size_t suffix_start = pos;
  while (pos < end && IsSuffixLetter(text[pos])) ++pos;
  if (pos < end && (text[pos] == '-' || text[pos] == '+')) ++pos;
  while (pos < end && IsDigit(text[pos])) ++pos;
  if (pos != end) return std::nullopt;
  parts.suffix = text.substr(suffix_start);
  return parts;
}

struct Suffix {
  Quantity::Format format;
  // Power of 10 (decimal formats) or of 2 (BinarySI).
  int32_t exponent;
};

// Parses a signed base-10 int64 as Go's strconv.ParseInt(s, 10, 64) does.
std::optional<int64_t> ParseInt64(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  // Modular conversion (C++20) also maps 2^63 to INT64_MIN.
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

std::optional<Suffix> InterpretSuffix(std::string_view s) {
  using F = Quantity::Format;
  struct Entry {
    std::string_view text;
    Suffix suffix;
  };
  static constexpr Entry kTable[] = {
      {"", {F::kDecimalSI, 0}},   {"n", {F::kDecimalSI, -9}}, {"u", {F::kDecimalSI, -6}},
      {"m", {F::kDecimalSI, -3}}, {"k", {F::kDecimalSI, 3}},  {"M", {F::kDecimalSI, 6}},
      {"G", {F::kDecimalSI, 9}},  {"T", {F::kDecimalSI, 12}}, {"P", {F::kDecimalSI, 15}},
      {"E", {F::kDecimalSI, 18}}, {"Ki", {F::kBinarySI, 10}}, {"Mi", {F::kBinarySI, 20}},
      {"Gi", {F::kBinarySI, 30}}, {"Ti", {F::kBinarySI, 40}}, {"Pi", {F::kBinarySI, 50}},
      {"Ei", {F::kBinarySI, 60}},
  };
  for (const Entry& entry : kTable) {
    if (entry.text == s) return entry.suffix;
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::optional<int64_t> exponent = ParseInt64(s.substr(1));
    if (!exponent) return std::nullopt;
    // Upstream parses 64 bits and keeps the low 32 (modular since C++20).
    return Suffix{F::kDecimalExponent, static_cast<int32_t>(*exponent)};
  }
  return std::nullopt;
}

// Upstream reads a numeric part without digits ("", "+", ".") as zero on its int64
// fast path but fails with ErrNumeric on its arbitrary-precision path, which it
// takes for a decimal exponent below -9 and for the Pi and Ei suffixes.
bool NoDigitsIsAnError(const Suffix& suffix) {
  if (suffix.format == Quantity::Format::kBinarySI) {
    // Fast path only while 15 - 1 - exponent*3/10 - 1 >= 0.
    return 13 - suffix.exponent * 3 / 10 < 0;
  }
  return suffix.exponent < -9;
}

// `digits` times `multiplier`, as a decimal digit string.
std::string MultiplyDigits(std::string_view digits, uint64_t multiplier) {
  std::string out(digits.size() + 20, '0');
  UInt128 carry = 0;
  size_t o = out.size();
  for (size_t i = digits.size(); i > 0; --i) {
    const UInt128 cur = UInt128{static_cast<uint64_t>(digits[i - 1] - '0')} * multiplier + carry;
    out[--o] = static_cast<char>('0' + static_cast<int>(cur % 10));
    carry = cur / 10;
  }
  while (carry != 0) {
    out[--o] = static_cast<char>('0' + static_cast<int>(carry % 10));
    carry /= 10;
  }
  return out;
}

// Reads a digit string; nullopt when the value exceeds kMaxNanos.
std::optional<UInt128> ReadDigits(std::string_view digits) {
  UInt128 value = 0;
  for (char c : digits) {
    const auto digit = static_cast<unsigned>(c - '0');
    if (value > (kMaxNanos - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// digits * 10^shift, rounded up to a whole number; nullopt when above kMaxNanos.
std::optional<UInt128> ScaleRoundingUp(std::string_view digits, int64_t shift) {
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return UInt128{0};
  digits.remove_prefix(first);
  if (shift >= 0) {
    // kMaxNanos has 39 digits.
    if (static_cast<uint64_t>(shift) > 39 - std::min<size_t>(digits.size(), 39)) {
      return std::nullopt;
    }
    std::string scaled(digits);
    scaled.append(static_cast<size_t>(shift), '0');
    return ReadDigits(scaled);
  }
  const uint64_t drop = 0 - static_cast<uint64_t>(shift);
  if (drop >= digits.size()) return UInt128{1};  // a non-zero value below one
  const size_t keep = digits.size() - static_cast<size_t>(drop);
  std::optional<UInt128> whole = ReadDigits(digits.substr(0, keep));
  if (!whole) return std::nullopt;
  if (digits.find_first_not_of('0', keep) != std::string_view::npos) {
    if (*whole == kMaxNanos) return std::nullopt;
    ++*whole;
  }
  return whole;
}

std::string ToDigits(UInt128 value) {
  if (value == 0) return "0";
  char buffer[40];
  size_t pos = sizeof(buffer);
  while (value != 0) {
    buffer[--pos] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  }
  return std::string(buffer + pos, sizeof(buffer) - pos);
}

UInt128 Magnitude(Int128 value) {
  return value < 0 ? UInt128{0} - static_cast<UInt128>(value) : static_cast<UInt128>(value);
}

// |nanos| / divisor rounded away from zero, with the sign of nanos, saturated to int64.
int64_t DivideAwayFromZero(Int128 nanos, int64_t divisor) {
  const UInt128 magnitude = Magnitude(nanos);
  const auto d = static_cast<UInt128>(divisor);
  UInt128 quotient = magnitude / d;
  if (magnitude % d != 0) ++quotient;
  constexpr auto kMax = static_cast<UInt128>(std::numeric_limits<int64_t>::max());
  if (nanos >= 0) {
    return quotient > kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(quotient);
  }
  if (quotient > kMax) return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(quotient);
}

// a + b (or a - b), saturated to +-kMaxNanos.
Int128 SaturatingAdd(Int128 a, Int128 b, bool subtract) {
  Int128 result = 0;
  const bool overflow =
      subtract ? __builtin_sub_overflow(a, b, &result) : __builtin_add_overflow(a, b, &result);
  const auto max = static_cast<Int128>(kMaxNanos);
  // Both operands lie within +-kMaxNanos, so an overflow goes the way of a.
  if (overflow) return a < 0 ? -max : max;
  if (result < -max) return -max;
  return result;
}

}  // namespace

Result<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) return ParseError(text, kErrFormatWrong);
  std::optional<Parts> parts = Split(text);
  if (!parts) return ParseError(text, kErrFormatWrong);
  std::optional<Suffix> suffix = InterpretSuffix(parts->suffix);
  if (!suffix) return ParseError(text, kErrSuffix);
  if (parts->number.find_first_of("0123456789") == std::string_view::npos &&
      NoDigitsIsAnError(*suffix)) {
    return ParseError(text, kErrNumeric);
  }

  const bool binary = suffix->format == Format::kBinarySI;
  std::string digits(parts->integer);
  digits.append(parts->fraction);
  if (binary) digits = MultiplyDigits(digits, uint64_t{1} << suffix->exponent);
  // The value is digits * 10^(exponent - fraction digits); in nano-units, 9 more.
  const int64_t shift =
      (binary ? 0 : int64_t{suffix->exponent}) - static_cast<int64_t>(parts->fraction.size()) + 9;
  std::optional<UInt128> magnitude = ScaleRoundingUp(digits, shift);

  Format format = suffix->format;
  if (binary) {
    if (!magnitude || *magnitude > kBinaryCapNanos) magnitude = kBinaryCapNanos;
    // A non-zero binary amount below one is not written in binary.
    if (*magnitude != 0 && *magnitude < static_cast<UInt128>(kNanosPerUnit)) {
      format = Format::kDecimalSI;
    }
  } else if (!magnitude) {
    return ParseError(text, "out of range: the magnitude must be below 2^127 nano-units");
  }
  const auto nanos = static_cast<Int128>(*magnitude);
  return Quantity(parts->negative ? -nanos : nanos, format);
}

Quantity Quantity::FromInt(int64_t value, Format format) {
  return Quantity(Int128{value} * kNanosPerUnit, format);
}

Quantity Quantity::FromMilli(int64_t value, Format format) {
  return Quantity(Int128{value} * kNanosPerMilli, format);
}

std::string_view Quantity::FormatName(Format format) {
  switch (format) {
    case Format::kDecimalSI:
      return "DecimalSI";
    case Format::kBinarySI:
      return "BinarySI";
    case Format::kDecimalExponent:
      return "DecimalExponent";
  }
  return "Unknown";
}

std::string Quantity::ToString() const {
  if (nanos_ == 0) return "0";
  std::string out = nanos_ < 0 ? "-" : "";
  UInt128 magnitude = Magnitude(nanos_);
  const auto per_unit = static_cast<UInt128>(kNanosPerUnit);

  if (format_ == Format::kBinarySI && magnitude >= 1024 * per_unit && magnitude % per_unit == 0) {
    static constexpr std::string_view kBinarySuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    UInt128 units = magnitude / per_unit;
    size_t power = 0;
    // Past Ei there is no suffix; upstream then drops it (and so the value's
    // scale). This keeps "Ei" and a larger mantissa instead.
    while (power + 1 < std::size(kBinarySuffixes) && units % 1024 == 0) {
      units /= 1024;
      ++power;
    }
    out += ToDigits(units);
    out += kBinarySuffixes[power];
    return out;
  }

  // Decimal: the exponent is the largest multiple of 3 that keeps the mantissa whole.
  int zeros = 0;
  for (UInt128 m = magnitude; m % 10 == 0; m /= 10) ++zeros;
  const int kept = zeros - zeros % 3;
  for (int i = 0; i < kept; ++i) magnitude /= 10;
  const int exponent = kept - 9;
  out += ToDigits(magnitude);
  if (format_ != Format::kDecimalExponent && exponent <= 18) {
    // DecimalSI, or BinarySI that cannot be written in binary.
    static constexpr std::string_view kDecimalSuffixes[] = {"n", "u", "m", "",  "k",
                                                            "M", "G", "T", "P", "E"};
    out += kDecimalSuffixes[(exponent + 9) / 3];
  } else if (exponent != 0) {
    out += 'e';
    out += std::to_string(exponent);
  }
  return out;
}

int64_t Quantity::Value() const { return DivideAwayFromZero(nanos_, kNanosPerUnit); }

int64_t Quantity::MilliValue() const { return DivideAwayFromZero(nanos_, kNanosPerMilli); }

int Quantity::Cmp(const Quantity& other) const {
  return (nanos_ > other.nanos_) - (nanos_ < other.nanos_);
}

Quantity Quantity::Add(const Quantity& other) const {
  return Quantity(SaturatingAdd(nanos_, other.nanos_, /*subtract=*/false),
                  IsZero() ? other.format_ : format_);
}

Quantity Quantity::Sub(const Quantity& other) const {
  return Quantity(SaturatingAdd(nanos_, other.nanos_, /*subtract=*/true),
                  IsZero() ? other.format_ : format_);
}

Quantity Quantity::Neg() const { return Quantity(-nanos_, format_); }

std::ostream& operator<<(std::ostream& os, const Quantity& q) { return os << q.ToString(); }

void ToJson(const Quantity& v, nlohmann::json* out) { *out = v.ToString(); }

Status FromJsonAt(const nlohmann::json& in, std::string_view path, Quantity* out) {
  if (in.is_null()) return Status();
  std::string text;
  if (in.is_string()) {
    text = in.get<std::string>();
  } else if (in.is_number()) {
    text = in.dump();  // upstream accepts unquoted numbers: cpu: 0.5
  } else {
    return JsonTypeError(path, "quantity string", in);
  }
  auto q = Quantity::Parse(text);
  if (!q) return internal::PathError(path, q.error().message());
  *out = *q;
  return Status();
}

}  // namespace kube
