#include "kubecpp/core/time.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "kubecpp/core/status.h"

namespace kube {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// ---------------------------------------------------------------------------
// RFC 3339

// Wraps `text` in double quotes the way Go's time package quotes values in its
// errors: quotes and backslashes are escaped, control and non-ASCII bytes are
// written as \xNN.
std::string Quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte >= 0x80) {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    } else {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

Status TimeError(std::string_view text, std::string_view reason) {
  return BadRequestError("parsing time " + Quote(text) + ": " + std::string(reason));
}

bool IsDigit(char ch) { return ch >= '0' && ch <= '9'; }

// Reads the fixed-width decimal field text[pos, pos+width). Returns false when any
// byte is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!IsDigit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// A parsed RFC 3339 timestamp: whole seconds since the epoch (UTC) and the
// fraction of a second in nanoseconds (truncated past the ninth digit).
struct ParsedTime {
  std::chrono::sys_seconds seconds;
  int64_t nanos = 0;
};

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)". 'T' and 'Z' may be lower
// case, as RFC 3339 allows.
Result<ParsedTime> ParseRfc3339(std::string_view text) {
  // "2006-01-02T15:04:05" is 19 bytes.
  constexpr size_t kDateTimeLen = 19;
  if (text.size() < kDateTimeLen) return TimeError(text, "too short");
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, 0, 4, year) || text[4] != '-' || !ReadDigits(text, 5, 2, month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, day)) {
    return TimeError(text, "want a date of the form YYYY-MM-DD");
  }
  if (text[10] != 'T' && text[10] != 't') return TimeError(text, "want 'T' after the date");
  if (!ReadDigits(text, 11, 2, hour) || text[13] != ':' || !ReadDigits(text, 14, 2, minute) ||
      text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return TimeError(text, "want a time of the form HH:MM:SS");
  }
  if (month < 1 || month > 12) return TimeError(text, "month out of range");
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return TimeError(text, "day out of range");
  if (hour > 23) return TimeError(text, "hour out of range");
  if (minute > 59) return TimeError(text, "minute out of range");
  if (second > 59) return TimeError(text, "second out of range");

  std::string_view rest = text.substr(kDateTimeLen);
  int64_t nanos = 0;
  if (!rest.empty() && rest.front() == '.') {
    size_t n = 1;
    int64_t scale = 100'000'000;
    while (n < rest.size() && IsDigit(rest[n])) {
      nanos += (rest[n] - '0') * scale;
      scale /= 10;  // digits past the ninth become 0 * 0: truncated
      ++n;
    }
    if (n == 1) return TimeError(text, "want digits after '.'");
    rest.remove_prefix(n);
  }

  int offset_minutes = 0;
  if (rest.size() == 1 && (rest[0] == 'Z' || rest[0] == 'z')) {
    // UTC.
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int off_hours = 0, off_minutes = 0;
    if (!ReadDigits(rest, 1, 2, off_hours) || !ReadDigits(rest, 4, 2, off_minutes)) {
      return TimeError(text, "want a time zone offset of the form +HH:MM");
    }
    if (off_hours > 23) return TimeError(text, "time zone offset hour out of range");
    if (off_minutes > 59) return TimeError(text, "time zone offset minute out of range");
    offset_minutes = off_hours * 60 + off_minutes;
    if (rest[0] == '-') offset_minutes = -offset_minutes;
  } else if (rest.empty()) {
    return TimeError(text, "missing time zone (want 'Z' or +HH:MM)");
  } else {
    return TimeError(text, "want 'Z' or a time zone offset of the form +HH:MM");
  }

  // Local time minus its offset from UTC is UTC.
  const std::chrono::sys_seconds utc = std::chrono::sys_days{date} + hours{hour} + minutes{minute} +
                                       seconds{second} - minutes{offset_minutes};
  return ParsedTime{utc, nanos};
}

// Writes "YYYY-MM-DDTHH:MM:SS" for the whole-second part of `tp`, followed by
// `fraction_digits` digits of `sub_second` (in units of 10^-fraction_digits s)
// when fraction_digits > 0, and "Z".
template <typename Duration>
std::string FormatUtc(std::chrono::sys_time<Duration> tp, int fraction_digits) {
  const auto day_point = std::chrono::floor<days>(tp);
  const std::chrono::year_month_day date{day_point};
  const std::chrono::hh_mm_ss<Duration> clock{tp - day_point};
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                        static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                        static_cast<int>(clock.minutes().count()),
                        static_cast<int>(clock.seconds().count()));
  std::string out(buf, static_cast<size_t>(n));
  if (fraction_digits > 0) {
    n = std::snprintf(buf, sizeof(buf), ".%0*lld", fraction_digits,
                      static_cast<long long>(clock.subseconds().count()));
    out.append(buf, static_cast<size_t>(n));
  }
  out.push_back('Z');
  return out;
}

// ---------------------------------------------------------------------------
// Durations

constexpr uint64_t kTwo63 = uint64_t{1} << 63;

Status DurationError(std::string_view message, std::string_view text) {
  return BadRequestError(std::string(message) + " " + Quote(text));
}

// The multiplier in nanoseconds of a unit name, or 0 for an unknown unit.
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60 * uint64_t{1'000'000'000};
  if (unit == "h") return 3600 * uint64_t{1'000'000'000};
  return 0;
}

// Consumes leading decimal digits of `s` into `value`. Returns false when the value
// exceeds 2^63.
bool ConsumeInt(std::string_view& s, uint64_t& value) {
  value = 0;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (value > kTwo63 / 10) return false;
    value = value * 10 + static_cast<uint64_t>(s[i] - '0');
    if (value > kTwo63) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Consumes leading decimal digits of `s` as the digits after a decimal point:
// value / scale is the fraction. Digits beyond 63 bits of precision are skipped.
void ConsumeFraction(std::string_view& s, uint64_t& value, double& scale) {
  value = 0;
  scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (value > (kTwo63 - 1) / 10) {
      overflow = true;
      continue;
    }
    const uint64_t next = value * 10 + static_cast<uint64_t>(s[i] - '0');
    if (next > kTwo63) {
      overflow = true;
      continue;
    }
    value = next;
    scale *= 10;
  }
  s.remove_prefix(i);
}

// Writes the fraction value / 10^precision into the front of `out` (which is
// built back to front) without trailing zeros, and without the point when the
// fraction is zero. Returns value / 10^precision.
uint64_t PrependFraction(std::string& out, uint64_t value, int precision) {
  bool print = false;
  for (int i = 0; i < precision; ++i) {
    const uint64_t digit = value % 10;
    print = print || digit != 0;
    if (print) out.insert(out.begin(), static_cast<char>('0' + digit));
    value /= 10;
  }
  if (print) out.insert(out.begin(), '.');
  return value;
}

void PrependInt(std::string& out, uint64_t value) { out.insert(0, std::to_string(value)); }

}  // namespace

Time::Time(Clock::time_point tp) : tp_(std::chrono::floor<seconds>(tp)) {}

Time Time::Now() { return Time(Clock::now()); }

Result<Time> Time::Parse(std::string_view text) {
  Result<ParsedTime> parsed = ParseRfc3339(text);
  if (!parsed) return parsed.error();
  Time t;
  t.tp_ = parsed->seconds;
  return t;
}

std::string Time::ToString() const { return FormatUtc(tp_, 0); }

MicroTime::MicroTime(Clock::time_point tp) : tp_(std::chrono::floor<microseconds>(tp)) {}

MicroTime MicroTime::Now() { return MicroTime(Clock::now()); }

Result<MicroTime> MicroTime::Parse(std::string_view text) {
  Result<ParsedTime> parsed = ParseRfc3339(text);
  if (!parsed) return parsed.error();
  MicroTime t;
  t.tp_ = parsed->seconds + microseconds{parsed->nanos / 1000};
  return t;
}

std::string MicroTime::ToString() const { return FormatUtc(tp_, 6); }

Result<nanoseconds> ParseDuration(std::string_view text) {
  const std::string_view orig = text;
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return nanoseconds{0};
  if (s.empty()) return DurationError("invalid duration", orig);

  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || IsDigit(s.front()))) {
      return DurationError("invalid duration", orig);
    }
    const size_t before_int = s.size();
    uint64_t whole = 0;
    if (!ConsumeInt(s, whole)) return DurationError("invalid duration", orig);
    const bool has_int_digits = s.size() != before_int;

    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction_digits = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      const size_t before_fraction = s.size();
      ConsumeFraction(s, fraction, scale);
      has_fraction_digits = s.size() != before_fraction;
    }
    if (!has_int_digits && !has_fraction_digits) {
      return DurationError("invalid duration", orig);  // ".s", "-.s"
    }

    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' && !IsDigit(s[unit_len])) ++unit_len;
    if (unit_len == 0) return DurationError("missing unit in duration", orig);
    const std::string_view unit_name = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    const uint64_t unit = UnitNanos(unit_name);
    if (unit == 0) {
      return DurationError("unknown unit " + Quote(unit_name) + " in duration", orig);
    }

    if (whole > kTwo63 / unit) return DurationError("invalid duration", orig);
    uint64_t value = whole * unit;
    if (fraction > 0) {
      // A double keeps fractions of an hour accurate to the nanosecond; the
      // product is at most 3.6e12.
      value += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(unit) / scale));
      if (value > kTwo63) return DurationError("invalid duration", orig);
    }
    total += value;
    if (total > kTwo63) return DurationError("invalid duration", orig);
  }
  if (negative) {
    // 2^63 negates to INT64_MIN; C++20 defines the modular conversion.
    return nanoseconds{static_cast<int64_t>(uint64_t{0} - total)};
  }
  if (total > kTwo63 - 1) return DurationError("invalid duration", orig);
  return nanoseconds{static_cast<int64_t>(total)};
}

std::string FormatDuration(nanoseconds d) {
  const int64_t count = d.count();
  const bool negative = count < 0;
  uint64_t u = static_cast<uint64_t>(count);
  if (negative) u = uint64_t{0} - u;

  std::string out;
  constexpr uint64_t kSecond = 1'000'000'000;
  if (u < kSecond) {
    // Below one second use the largest unit that keeps an integer part: 1.2ms.
    int precision = 0;
    if (u == 0) return "0s";
    if (u < 1'000) {
      out = "ns";
      precision = 0;
    } else if (u < 1'000'000) {
      out = "\u00b5s";
      precision = 3;
    } else {
      out = "ms";
      precision = 6;
    }
    u = PrependFraction(out, u, precision);
    PrependInt(out, u);
  } else {
    out = "s";
    u = PrependFraction(out, u, 9);
    // u is whole seconds.
    PrependInt(out, u % 60);
    u /= 60;
    if (u > 0) {
      // u is whole minutes.
      out.insert(out.begin(), 'm');
      PrependInt(out, u % 60);
      u /= 60;
      if (u > 0) {
        // u is whole hours; days vary in length, so hours are the largest unit.
        out.insert(out.begin(), 'h');
        PrependInt(out, u);
      }
    }
  }
  if (negative) out.insert(out.begin(), '-');
  return out;
}

std::ostream& operator<<(std::ostream& os, const Time& t) { return os << t.ToString(); }

std::ostream& operator<<(std::ostream& os, const MicroTime& t) { return os << t.ToString(); }

}  // namespace kube
