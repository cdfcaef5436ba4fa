#include "kubecpp/metrics/internal/text_format.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace kube::metrics::internal {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void AppendFloat(std::string& out, double value) {
  if (value == 0) {  // also -0, as Go's writeFloat
    out += '0';
    return;
  }
  if (value == 1) {
    out += '1';
    return;
  }
  if (value == -1) {
    out += "-1";
    return;
  }
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  // The shortest round-trip digits; Go and C++ agree on them and on the %e spelling
  // (mantissa "d.ddd", exponent with a sign and at least two digits).
  char buf[64];
  const auto sci = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  if (sci.ec != std::errc()) return;  // cannot happen with 64 bytes
  const std::string_view text(buf, static_cast<size_t>(sci.ptr - buf));
  const size_t e = text.find('e');
  int exponent = 0;
  const char* exp_begin = text.data() + e + 1;
  if (*exp_begin == '+') ++exp_begin;  // from_chars takes no '+'
  std::from_chars(exp_begin, text.data() + text.size(), exponent);
  // strconv 'g' with the shortest precision switches to %e outside [-4, 6).
  if (exponent < -4 || exponent >= 6) {
    out += text;
    return;
  }
  const auto fixed = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
  if (fixed.ec != std::errc()) return;
  out.append(buf, static_cast<size_t>(fixed.ptr - buf));
}

std::string FormatFloat(double value) {
  std::string out;
  AppendFloat(out, value);
  return out;
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsAsciiAlpha(c) || c == '_' || c == ':' || (i > 0 && IsAsciiDigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsAsciiAlpha(c) || c == '_' || (i > 0 && IsAsciiDigit(c));
    if (!ok) return false;
  }
  return true;
}

}  // namespace kube::metrics::internal
