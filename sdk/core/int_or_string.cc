#include "kubecpp/core/int_or_string.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include "kubecpp/core/internal/json_reader.h"
#include "kubecpp/core/status.h"

namespace kube {
namespace {

// Parses `text` the way Go's strconv.Atoi does: an optional '+' or '-' followed by
// one or more decimal digits, nothing else. On failure returns false and sets
// `why` to "invalid syntax" or "value out of range".
bool Atoi(std::string_view text, int64_t& out, std::string& why) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) {
    why = "invalid syntax";
    return false;
  }
  uint64_t magnitude = 0;
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, 10);
  if (end != digits.data() + digits.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    why = "invalid syntax";
    return false;
  }
  constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|
  if (ec == std::errc::result_out_of_range || magnitude > kMaxMagnitude ||
      (!negative && magnitude == kMaxMagnitude)) {
    why = "value out of range";
    return false;
  }
  // C++20 defines the modular conversion, so 2^63 negates to INT64_MIN.
  out = negative ? static_cast<int64_t>(uint64_t{0} - magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

}  // namespace

IntOrString IntOrString::FromInt(int32_t value) {
  IntOrString result;
  result.type_ = Type::kInt;
  result.int_value_ = value;
  return result;
}

IntOrString IntOrString::FromString(std::string value) {
  IntOrString result;
  result.type_ = Type::kString;
  result.str_value_ = std::move(value);
  return result;
}

IntOrString IntOrString::Parse(std::string_view text) {
  int64_t parsed = 0;
  std::string why;
  if (Atoi(text, parsed, why) && parsed >= std::numeric_limits<int32_t>::min() &&
      parsed <= std::numeric_limits<int32_t>::max()) {
    return FromInt(static_cast<int32_t>(parsed));
  }
  return FromString(std::string(text));
}

std::string IntOrString::ToString() const {
  return is_string() ? str_value_ : std::to_string(int_value_);
}

std::ostream& operator<<(std::ostream& os, const IntOrString& value) {
  return os << value.ToString();
}

Result<int> GetScaledValueFromIntOrPercent(const IntOrString& value, int total, bool round_up) {
  constexpr std::string_view kPrefix = "invalid value for IntOrString: ";
  if (value.is_int()) return static_cast<int>(value.int_value());

  const std::string& text = value.str_value();
  if (text.empty() || text.back() != '%') {
    return BadRequestError(std::string(kPrefix) + "invalid type: string is not a percentage");
  }
  const std::string_view number(text.data(), text.size() - 1);
  int64_t percent = 0;
  std::string why;
  if (!Atoi(number, percent, why)) {
    return BadRequestError(std::string(kPrefix) + "invalid value \"" + text +
                           "\": strconv.Atoi: parsing \"" + std::string(number) + "\": " + why);
  }
  // Upstream computes in float64; so do we, so that rounding matches exactly.
  const double scaled = static_cast<double>(percent) * static_cast<double>(total) / 100;
  const double rounded = round_up ? std::ceil(scaled) : std::floor(scaled);
  if (!(rounded >= static_cast<double>(std::numeric_limits<int>::min()) &&
        rounded <= static_cast<double>(std::numeric_limits<int>::max()))) {
    return BadRequestError(std::string(kPrefix) + "\"" + text + "\" of " + std::to_string(total) +
                           " is out of range");
  }
  return static_cast<int>(rounded);
}

void ToJson(const IntOrString& v, nlohmann::json* out) {
  if (v.is_int()) {
    *out = v.int_value();
  } else {
    *out = v.str_value();
  }
}

Status FromJsonAt(const nlohmann::json& in, std::string_view path, IntOrString* out) {
  if (in.is_null()) return Status();
  if (in.is_string()) {
    *out = IntOrString::FromString(in.get<std::string>());
    return Status();
  }
  if (in.is_number_integer()) {
    auto v = in.get<int64_t>();
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return internal::PathError(path, "value " + std::to_string(v) + " does not fit in int32");
    }
    *out = IntOrString::FromInt(static_cast<int32_t>(v));
    return Status();
  }
  return JsonTypeError(path, "integer or string", in);
}

}  // namespace kube
