#include "kubecpp/testing/internal/schema.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/validation.h"

namespace kube::testing::internal {
namespace {

using kube::internal::Quote;

// ---------------------------------------------------------------------------
// Small JSON accessors that never throw.

const Json* Get(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

const Json* GetObject(const Json& obj, std::string_view key) {
  const Json* v = Get(obj, key);
  return (v != nullptr && v->is_object()) ? v : nullptr;
}

std::string GetString(const Json& obj, std::string_view key) {
  const Json* v = Get(obj, key);
  return (v != nullptr && v->is_string()) ? v->get<std::string>() : std::string();
}

bool GetBool(const Json& obj, std::string_view key) {
  const Json* v = Get(obj, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::optional<double> GetNumber(const Json& obj, std::string_view key) {
  const Json* v = Get(obj, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::optional<int64_t> GetInt(const Json& obj, std::string_view key) {
  const Json* v = Get(obj, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  return v->get<int64_t>();
}

bool HasKey(const Json& obj, std::string_view key) { return Get(obj, key) != nullptr; }

// ---------------------------------------------------------------------------
// Go-style rendering of values, as field.Error prints its BadValue.

// %v of a float64: shortest digits, exponent form when exp < -4 || exp >= 21 is
// what JSON does; fmt uses precision 6 for that decision ("1e+06").
std::string GoFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  std::string out;
  if (s[0] == '-') {
    out = "-";
    s.erase(0, 1);
  }
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out += "0";
    out += std::to_string(a);
  } else if (exp >= 0) {
    size_t int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits + std::string(int_len - digits.size(), '0');
    } else {
      out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  } else {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  }
  return out;
}

std::string GoNumber(const Json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return GoFloat(v.get<double>());
}

// %#v of an unstructured value (map[string]interface {}{...}).
std::string GoSharpV(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "interface {}(nil)";
    case Json::value_t::string:
      return Quote(v.get<std::string>());
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return GoNumber(v);
    case Json::value_t::object: {
      std::string out = "map[string]interface {}{";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += Quote(it.key()) + ":" + GoSharpV(it.value());
      }
      return out + "}";
    }
    case Json::value_t::array: {
      std::string out = "[]interface {}{";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ", ";
        out += GoSharpV(v[i]);
      }
      return out + "}";
    }
    default:
      return "<unknown>";
  }
}

// How field.Error.ErrorBody prints a BadValue.
std::string GoValue(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return Quote(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return GoNumber(v);
  return GoSharpV(v);
}

// ---------------------------------------------------------------------------
// field.Error constructors; the cause message is field.Error.ErrorBody().

StatusCause Cause(std::string_view reason, std::string field, std::string body,
                  std::string_view detail) {
  if (!detail.empty()) body += ": " + std::string(detail);
  return StatusCause{
      .reason = std::string(reason), .message = std::move(body), .field = std::move(field)};
}
StatusCause Required(std::string field, std::string_view detail) {
  return Cause("FieldValueRequired", std::move(field), "Required value", detail);
}
StatusCause InvalidRendered(std::string field, const std::string& rendered,
                            std::string_view detail) {
  return Cause("FieldValueInvalid", std::move(field), "Invalid value: " + rendered, detail);
}
StatusCause Invalid(std::string field, const Json& value, std::string_view detail) {
  return InvalidRendered(std::move(field), GoValue(value), detail);
}
StatusCause TypeInvalid(std::string field, const Json& value, std::string_view detail) {
  return Cause("FieldValueTypeInvalid", std::move(field), "Invalid value: " + GoValue(value),
               detail);
}
StatusCause NotSupported(std::string field, const Json& value,
                         const std::vector<std::string>& supported) {
  std::string detail;
  for (size_t i = 0; i < supported.size(); ++i) {
    detail += (i == 0 ? "supported values: " : ", ") + Quote(supported[i]);
  }
  return Cause("FieldValueNotSupported", std::move(field), "Unsupported value: " + GoValue(value),
               detail);
}
StatusCause Duplicate(std::string field, const Json& value) {
  return Cause("FieldValueDuplicate", std::move(field), "Duplicate value: " + GoValue(value), "");
}
StatusCause Forbidden(std::string field, std::string_view detail) {
  return Cause("FieldValueForbidden", std::move(field), "Forbidden", detail);
}
StatusCause TooLong(std::string field, int64_t max) {
  return Cause("FieldValueTooLong", std::move(field), "Too long",
               "may not be more than " + std::to_string(max) + (max == 1 ? " byte" : " bytes"));
}
StatusCause TooMany(std::string field, int64_t actual, int64_t max) {
  return Cause("FieldValueTooMany", std::move(field), "Too many: " + std::to_string(actual),
               "must have at most " + std::to_string(max) + (max == 1 ? " item" : " items"));
}

// field.Path helpers.
std::string Child(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}
std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
std::string Key(const std::string& path, std::string_view key) {
  return path + "[" + std::string(key) + "]";
}

// ---------------------------------------------------------------------------
// Regular expressions (`pattern`), compiled once per thread.

std::shared_ptr<const std::regex> CompilePattern(const std::string& pattern, std::string* error) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const std::regex>> cache;
  thread_local std::unordered_map<std::string, std::string> errors;
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  if (auto it = errors.find(pattern); it != errors.end()) {
    if (error != nullptr) *error = it->second;
    return nullptr;
  }
  if (cache.size() + errors.size() > 512) {
    cache.clear();
    errors.clear();
  }
  try {
    auto re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
    cache.emplace(pattern, re);
    return re;
  } catch (const std::regex_error& e) {
    errors.emplace(pattern, e.what());
    if (error != nullptr) *error = e.what();
    return nullptr;
  }
}

bool PatternMatches(const std::regex& re, const std::string& s) {
  try {
    return std::regex_search(s, re);
  } catch (const std::regex_error&) {
    return false;  // complexity limits: treat as no match
  }
}

// ---------------------------------------------------------------------------
// Formats (kube-openapi strfmt, the subset CRDs use most).

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  int y = ToInt(s.substr(0, 4)), m = ToInt(s.substr(5, 2)), d = ToInt(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + ((m == 2 && IsLeap(y)) ? 1 : 0);
  return d <= max;
}

// RFC 3339 date-time as strfmt.ParseDateTime accepts it: a 'T' (or 't'), seconds,
// optional fraction, optional zone (Z or ±hh:mm / ±hhmm).
bool IsDateTime(std::string_view s) {
  if (s.size() < 19 || !IsDate(s.substr(0, 10)) || (s[10] != 'T' && s[10] != 't')) return false;
  std::string_view t = s.substr(11);
  if (t[2] != ':' || t[5] != ':' || !AllDigits(t.substr(0, 2)) || !AllDigits(t.substr(3, 2)) ||
      !AllDigits(t.substr(6, 2))) {
    return false;
  }
  if (ToInt(t.substr(0, 2)) > 23 || ToInt(t.substr(3, 2)) > 59 || ToInt(t.substr(6, 2)) > 60) {
    return false;
  }
  std::string_view rest = t.substr(8);
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1) return false;
    rest = rest.substr(n);
  }
  if (rest.empty() || rest == "Z" || rest == "z") return true;
  if (rest[0] != '+' && rest[0] != '-') return false;
  rest = rest.substr(1);
  if (rest.size() == 5 && rest[2] == ':') {
    return AllDigits(rest.substr(0, 2)) && AllDigits(rest.substr(3, 2));
  }
  return rest.size() == 4 && AllDigits(rest);
}

bool IsBase64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return false;
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return pad <= 2;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsUuid(std::string_view s) {
  // (?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$
  static constexpr size_t kGroups[] = {8, 4, 4, 4, 12};
  size_t pos = 0;
  for (size_t g = 0; g < 5; ++g) {
    if (g > 0 && pos < s.size() && s[pos] == '-') ++pos;
    for (size_t i = 0; i < kGroups[g]; ++i, ++pos) {
      if (pos >= s.size() || !IsHex(s[pos])) return false;
    }
  }
  return pos == s.size();
}

bool IsIPv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool IsIPv6(const std::string& s) {
  in6_addr a{};
  return s.find(':') != std::string::npos && inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool IsCidr(const std::string& s) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) return false;
  std::string ip = s.substr(0, slash);
  std::string_view bits = std::string_view(s).substr(slash + 1);
  if (!AllDigits(bits) || bits.size() > 3) return false;
  int n = ToInt(bits);
  if (IsIPv4(ip)) return n <= 32;
  if (IsIPv6(ip)) return n <= 128;
  return false;
}

bool IsMac(std::string_view s) {
  // 01:23:45:67:89:ab, 01-23-..., 0123.4567.89ab (6, 8 or 20 octets).
  for (char sep : {':', '-'}) {
    for (size_t octets : {6u, 8u, 20u}) {
      if (s.size() != octets * 3 - 1) continue;
      bool ok = true;
      for (size_t i = 0; i < s.size() && ok; ++i) {
        ok = (i % 3 == 2) ? s[i] == sep : IsHex(s[i]);
      }
      if (ok) return true;
    }
  }
  for (size_t octets : {6u, 8u, 20u}) {
    size_t groups = octets / 2;
    if (s.size() != groups * 5 - 1) continue;
    bool ok = true;
    for (size_t i = 0; i < s.size() && ok; ++i) ok = (i % 5 == 4) ? s[i] == '.' : IsHex(s[i]);
    if (ok) return true;
  }
  return false;
}

bool IsHostname(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool IsEmail(std::string_view s) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  return IsHostname(s.substr(at + 1));
}

// Whether `value` is valid for a known string format; unknown formats (which the
// apiserver strips from the schema) are always valid.
bool ValidFormat(std::string_view format, const std::string& value) {
  if (format == "date-time" || format == "datetime") return IsDateTime(value);
  if (format == "date") return IsDate(value);
  if (format == "byte") return IsBase64(value);
  if (format == "uuid" || format == "uuid3" || format == "uuid4" || format == "uuid5") {
    return IsUuid(value);
  }
  if (format == "ipv4") return IsIPv4(value);
  if (format == "ipv6") return IsIPv6(value);
  if (format == "cidr") return IsCidr(value);
  if (format == "mac") return IsMac(value);
  if (format == "hostname") return IsHostname(value);
  if (format == "email") return IsEmail(value);
  return true;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Schema node helpers.

// The accepted JSON types of a node; int-or-string means integer or string.
std::vector<std::string> SchemaTypes(const Json& s) {
  if (GetBool(s, "x-kubernetes-int-or-string")) return {"integer", "string"};
  std::string t = GetString(s, "type");
  if (t.empty()) return {};
  return {t};
}

std::string JoinTypes(const std::vector<std::string>& types) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i) out += (i ? "," : "") + types[i];
  return out;
}

bool IsIntegral(const Json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The schema for property `key` of an object node: properties[key], else the
// additionalProperties schema. `*via_additional` tells which.
const Json* PropertySchema(const Json& s, const std::string& key, bool* via_additional) {
  *via_additional = false;
  if (const Json* props = GetObject(s, "properties")) {
    if (const Json* p = Get(*props, key)) return p;
  }
  if (const Json* ap = Get(s, "additionalProperties")) {
    *via_additional = true;
    return ap;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Custom resource validation (kube-openapi SchemaValidator + apiextensions field
// error conversion).

class Validator {
 public:
  // `base` is the field path of the validated value ("" for a custom resource,
  // "...default" when checking a schema default).
  Validator(std::string base, std::vector<StatusCause>* out) : base_(std::move(base)), out_(out) {}

  // `name` is kube-openapi's dotted path of the value ("spec.replicas", "" at the
  // root, ".spec" for a required property of the root).
  void Validate(const Json& s, const Json& v, const std::string& name) {
    if (!s.is_object()) return;
    std::vector<std::string> types = SchemaTypes(s);
    if (v.is_null()) {
      if (!types.empty() && !GetBool(s, "nullable")) {
        out_->push_back(TypeInvalid(FieldOf(name), "null", TypeMessage(name, types, "null")));
      }
      return;
    }
    if (!types.empty()) {
      std::string t = std::string(JsonTypeName(v));
      bool ok = Contains(types, t) ||
                (t == "number" && IsIntegral(v) && Contains(types, "integer")) ||
                (t == "integer" && Contains(types, "number"));
      if (!ok) {
        out_->push_back(TypeInvalid(FieldOf(name), t, TypeMessage(name, types, t)));
        return;
      }
    }
    ValidateCombinators(s, v, name);
    if (v.is_string()) ValidateString(s, v, name);
    if (v.is_number()) ValidateNumber(s, v, name);
    if (v.is_array()) ValidateArray(s, v, name);
    ValidateEnum(s, v, name);
    if (v.is_object()) ValidateObject(s, v, name);
  }

 private:
  // errPath := fldPath.Child(strings.TrimPrefix(name, ".")) as upstream converts.
  std::string FieldOf(const std::string& name) const {
    std::string_view n = name;
    if (!n.empty() && n.front() == '.') n.remove_prefix(1);
    if (n.empty()) return base_.empty() ? "<nil>" : base_;
    return Child(base_, n);
  }
  std::string BaseField() const { return base_.empty() ? "<nil>" : base_; }

  static std::string In(const std::string& name) { return name + " in body"; }

  static std::string TypeMessage(const std::string& name, const std::vector<std::string>& types,
                                 const std::string& actual) {
    return In(name) + " must be of type " + JoinTypes(types) + ": " + Quote(actual);
  }

  void ValidateCombinators(const Json& s, const Json& v, const std::string& name) {
    const std::string quoted = Quote(name);
    if (const Json* any = Get(s, "anyOf"); any != nullptr && any->is_array() && !any->empty()) {
      std::optional<std::vector<StatusCause>> best;
      bool ok = false;
      for (const Json& alt : *any) {
        std::vector<StatusCause> errs;
        Validator(base_, &errs).Validate(alt, v, name);
        if (errs.empty()) {
          ok = true;
          break;
        }
        if (!best || errs.size() < best->size()) best = std::move(errs);
      }
      if (!ok) {
        out_->push_back(InvalidRendered(BaseField(), "\"\"",
                                        quoted + " must validate at least one schema (anyOf)"));
        out_->insert(out_->end(), best->begin(), best->end());
      }
    }
    if (const Json* one = Get(s, "oneOf"); one != nullptr && one->is_array() && !one->empty()) {
      std::optional<std::vector<StatusCause>> best;
      int valid = 0;
      for (const Json& alt : *one) {
        std::vector<StatusCause> errs;
        Validator(base_, &errs).Validate(alt, v, name);
        if (errs.empty()) {
          ++valid;
        } else if (valid == 0 && (!best || errs.size() < best->size())) {
          best = std::move(errs);
        }
      }
      if (valid != 1) {
        std::string more = valid == 0 ? "Found none valid"
                                      : "Found " + std::to_string(valid) + " valid alternatives";
        out_->push_back(
            InvalidRendered(BaseField(), "\"\"",
                            quoted + " must validate one and only one schema (oneOf). " + more));
        if (valid == 0 && best) out_->insert(out_->end(), best->begin(), best->end());
      }
    }
    if (const Json* all = Get(s, "allOf"); all != nullptr && all->is_array() && !all->empty()) {
      size_t valid = 0;
      for (const Json& alt : *all) {
        size_t before = out_->size();
        Validate(alt, v, name);
        if (out_->size() == before) ++valid;
      }
      if (valid != all->size()) {
        out_->push_back(InvalidRendered(BaseField(), "\"\"",
                                        quoted + " must validate all the schemas (allOf)" +
                                            (valid == 0 ? ". None validated" : "")));
      }
    }
    if (const Json* neg = GetObject(s, "not")) {
      std::vector<StatusCause> errs;
      Validator(base_, &errs).Validate(*neg, v, name);
      if (errs.empty()) {
        out_->push_back(
            InvalidRendered(BaseField(), "\"\"", quoted + " must not validate the schema (not)"));
      }
    }
  }

  void ValidateString(const Json& s, const Json& v, const std::string& name) {
    const std::string str = v.get<std::string>();
    size_t runes = RuneCount(str);
    if (auto max = GetInt(s, "maxLength"); max && static_cast<int64_t>(runes) > *max) {
      out_->push_back(TooLong(FieldOf(name), *max));
      return;
    }
    if (auto min = GetInt(s, "minLength"); min && static_cast<int64_t>(runes) < *min) {
      out_->push_back(
          Invalid(FieldOf(name), v,
                  In(name) + " should be at least " + std::to_string(*min) + " chars long"));
      return;
    }
    if (std::string pattern = GetString(s, "pattern"); !pattern.empty()) {
      auto re = CompilePattern(pattern, nullptr);
      if (re != nullptr && !PatternMatches(*re, str)) {
        out_->push_back(Invalid(FieldOf(name), v, In(name) + " should match '" + pattern + "'"));
        return;
      }
    }
    if (std::string format = GetString(s, "format"); !format.empty()) {
      if (!ValidFormat(format, str)) {
        out_->push_back(TypeInvalid(FieldOf(name), v,
                                    In(name) + " must be of type " + format + ": " + Quote(str)));
      }
    }
  }

  // The bound as Go prints it: like the value's kind when both are integral.
  static std::string Bound(const Json& v, double bound) {
    if (IsIntegral(v) && !v.is_number_float() && std::floor(bound) == bound &&
        std::fabs(bound) < 9.2e18) {
      return std::to_string(static_cast<int64_t>(bound));
    }
    return GoFloat(bound);
  }

  void ValidateNumber(const Json& s, const Json& v, const std::string& name) {
    const double d = v.get<double>();
    std::string format = GetString(s, "format");
    if ((format == "int32" || format == "int64") && v.is_number()) {
      bool in_range = true;
      if (format == "int32") {
        in_range = d >= -2147483648.0 && d <= 2147483647.0;
      } else if (v.is_number_unsigned()) {
        in_range = v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX);
      }
      if (!in_range) {
        out_->push_back(InvalidRendered(
            BaseField(), "\"\"",
            "Checked value must be of type integer with format " + format + " in " + name));
      }
    }
    if (auto factor = GetNumber(s, "multipleOf"); factor && *factor > 0) {
      double q = d / *factor;
      if (std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q))) {
        out_->push_back(
            Invalid(FieldOf(name), v, In(name) + " should be a multiple of " + Bound(v, *factor)));
      }
    }
    if (auto max = GetNumber(s, "maximum")) {
      bool exclusive = GetBool(s, "exclusiveMaximum");
      if (exclusive ? d >= *max : d > *max) {
        out_->push_back(Invalid(
            FieldOf(name), v,
            In(name) + (exclusive ? " should be less than " : " should be less than or equal to ") +
                Bound(v, *max)));
      }
    }
    if (auto min = GetNumber(s, "minimum")) {
      bool exclusive = GetBool(s, "exclusiveMinimum");
      if (exclusive ? d <= *min : d < *min) {
        out_->push_back(Invalid(
            FieldOf(name), v,
            In(name) +
                (exclusive ? " should be greater than " : " should be greater than or equal to ") +
                Bound(v, *min)));
      }
    }
  }

  void ValidateArray(const Json& s, const Json& v, const std::string& name) {
    if (const Json* items = GetObject(s, "items")) {
      for (size_t i = 0; i < v.size(); ++i) Validate(*items, v[i], Index(name, i));
    }
    const int64_t size = static_cast<int64_t>(v.size());
    if (auto min = GetInt(s, "minItems"); min && size < *min) {
      out_->push_back(
          Invalid(FieldOf(name), size,
                  In(name) + " should have at least " + std::to_string(*min) + " items"));
    }
    if (auto max = GetInt(s, "maxItems"); max && size > *max) {
      out_->push_back(TooMany(FieldOf(name), size, *max));
    }
    if (GetBool(s, "uniqueItems")) {
      bool dup = false;
      for (size_t i = 0; i < v.size() && !dup; ++i) {
        for (size_t j = i + 1; j < v.size() && !dup; ++j) dup = v[i] == v[j];
      }
      if (dup) {
        out_->push_back(Invalid(FieldOf(name), "", In(name) + " shouldn't contain duplicates"));
      }
    }
  }

  void ValidateEnum(const Json& s, const Json& v, const std::string& name) {
    const Json* values = Get(s, "enum");
    if (values == nullptr || !values->is_array() || values->empty()) return;
    for (const Json& allowed : *values) {
      if (allowed == v) return;
    }
    std::vector<std::string> supported;
    for (const Json& allowed : *values) {
      supported.push_back(allowed.is_string() ? allowed.get<std::string>() : allowed.dump());
    }
    out_->push_back(NotSupported(FieldOf(name), v, supported));
  }

  void ValidateObject(const Json& s, const Json& v, const std::string& name) {
    const int64_t keys = static_cast<int64_t>(v.size());
    if (auto min = GetInt(s, "minProperties"); min && keys < *min) {
      out_->push_back(
          Invalid(FieldOf(name), keys,
                  In(name) + " should have at least " + std::to_string(*min) + " properties"));
      return;
    }
    if (auto max = GetInt(s, "maxProperties"); max && keys > *max) {
      out_->push_back(TooMany(FieldOf(name), keys, *max));
      return;
    }
    const Json* props = GetObject(s, "properties");
    const Json* additional = Get(s, "additionalProperties");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props != nullptr && props->contains(it.key())) continue;
      if (additional != nullptr && additional->is_boolean() && !additional->get<bool>()) {
        out_->push_back(Invalid(FieldOf(name), it.key(),
                                name + "." + it.key() + " in body is a forbidden property"));
      } else if (additional != nullptr && additional->is_object()) {
        Validate(*additional, it.value(), name + "." + it.key());
      }
    }
    if (props != nullptr) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (const Json* child = Get(v, it.key())) {
          Validate(it.value(), *child, name.empty() ? it.key() : name + "." + it.key());
        }
      }
    }
    if (const Json* required = Get(s, "required"); required != nullptr && required->is_array()) {
      for (const Json& r : *required) {
        if (r.is_string() && !v.contains(r.get<std::string>())) {
          out_->push_back(Required(FieldOf(name + "." + r.get<std::string>()), ""));
        }
      }
    }
  }

  std::string base_;
  std::vector<StatusCause>* out_;
};

// apiextensions listtype.ValidateListSetsAndMaps and objectmeta.Validate (embedded
// resources): a second walk with field.Path naming (Child/Index/Key).
void ValidateExtensions(const Json* s, const Json& v, const std::string& path,
                        std::vector<StatusCause>* out) {
  if (s == nullptr || !s->is_object()) return;
  if (v.is_object()) {
    if (GetBool(*s, "x-kubernetes-embedded-resource")) {
      for (std::string_view field : {"apiVersion", "kind"}) {
        const Json* f = Get(v, field);
        if (f == nullptr) {
          out->push_back(Required(Child(path, field), "must not be empty"));
        } else if (!f->is_string()) {
          out->push_back(Invalid(Child(path, field), *f, "must be a string"));
        } else if (f->get<std::string>().empty()) {
          out->push_back(Invalid(Child(path, field), *f, "must not be empty"));
        }
      }
    }
    const Json* props = GetObject(*s, "properties");
    const Json* additional = GetObject(*s, "additionalProperties");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props != nullptr && props->contains(it.key())) {
        ValidateExtensions(Get(*props, it.key()), it.value(), Child(path, it.key()), out);
      } else if (additional != nullptr) {
        ValidateExtensions(additional, it.value(), Key(path, it.key()), out);
      }
    }
    return;
  }
  if (!v.is_array()) return;
  std::string list_type = GetString(*s, "x-kubernetes-list-type");
  if (list_type == "set") {
    for (size_t i = 1; i < v.size(); ++i) {
      size_t earlier = 0;
      for (size_t j = 0; j < i; ++j) earlier += v[j] == v[i] ? 1 : 0;
      if (earlier == 1) out->push_back(Duplicate(Index(path, i), v[i]));
    }
  } else if (list_type == "map") {
    bool objects = true;
    for (size_t i = 0; i < v.size() && objects; ++i) {
      if (!v[i].is_null() && !v[i].is_object()) {
        out->push_back(
            Invalid(Index(path, i), v[i], "must be an object for an array of list-type map"));
        objects = false;
      }
    }
    const Json* map_keys = Get(*s, "x-kubernetes-list-map-keys");
    if (objects && map_keys != nullptr && map_keys->is_array()) {
      std::vector<Json> keys;
      for (const Json& item : v) {
        Json key = Json::object();
        for (const Json& k : *map_keys) {
          if (!k.is_string()) continue;
          if (const Json* kv = Get(item, k.get<std::string>())) key[k.get<std::string>()] = *kv;
        }
        keys.push_back(std::move(key));
      }
      for (size_t i = 1; i < keys.size(); ++i) {
        size_t earlier = 0;
        for (size_t j = 0; j < i; ++j) earlier += keys[j] == keys[i] ? 1 : 0;
        if (earlier == 1) out->push_back(Duplicate(Index(path, i), keys[i]));
      }
    }
  }
  const Json* items = GetObject(*s, "items");
  for (size_t i = 0; i < v.size(); ++i) ValidateExtensions(items, v[i], Index(path, i), out);
}

// ---------------------------------------------------------------------------
// Pruning (apiextensions pruning.Prune).

bool IsMetaField(const std::string& k) {
  return k == "apiVersion" || k == "kind" || k == "metadata";
}

void Prune(Json* x, const Json* s, const std::string& path, std::vector<std::string>* pruned);

void SkipPrune(Json* x, const Json* s, const std::string& path, std::vector<std::string>* pruned) {
  if (s == nullptr || !s->is_object()) return;
  if (x->is_object()) {
    bool embedded = GetBool(*s, "x-kubernetes-embedded-resource");
    for (auto it = x->begin(); it != x->end(); ++it) {
      if (embedded && IsMetaField(it.key())) continue;
      bool via_additional = false;
      const Json* child = PropertySchema(*s, it.key(), &via_additional);
      if (child == nullptr) continue;
      Prune(&it.value(), child->is_object() ? child : nullptr, Child(path, it.key()), pruned);
    }
  } else if (x->is_array()) {
    const Json* items = GetObject(*s, "items");
    for (size_t i = 0; i < x->size(); ++i) SkipPrune(&(*x)[i], items, Index(path, i), pruned);
  }
}

// `s` == nullptr means "no schema here": every object field below goes.
void Prune(Json* x, const Json* s, const std::string& path, std::vector<std::string>* pruned) {
  if (s != nullptr && GetBool(*s, "x-kubernetes-preserve-unknown-fields")) {
    SkipPrune(x, s, path, pruned);
    return;
  }
  if (x->is_object()) {
    bool embedded = s != nullptr && GetBool(*s, "x-kubernetes-embedded-resource");
    std::vector<std::string> drop;
    for (auto it = x->begin(); it != x->end(); ++it) {
      if (embedded && IsMetaField(it.key())) continue;
      bool via_additional = false;
      const Json* child = s == nullptr ? nullptr : PropertySchema(*s, it.key(), &via_additional);
      if (child != nullptr) {
        Prune(&it.value(), child->is_object() ? child : nullptr, Child(path, it.key()), pruned);
      } else {
        pruned->push_back(Child(path, it.key()));
        drop.push_back(it.key());
      }
    }
    for (const std::string& k : drop) x->erase(k);
  } else if (x->is_array()) {
    const Json* items = s == nullptr ? nullptr : GetObject(*s, "items");
    for (size_t i = 0; i < x->size(); ++i) Prune(&(*x)[i], items, Index(path, i), pruned);
  }
}

// ---------------------------------------------------------------------------
// Defaulting (apiextensions defaulting.PruneNonNullableNullsWithoutDefaults and
// defaulting.Default).

bool IsNonNullableNull(const Json& x, const Json* s) {
  return x.is_null() && s != nullptr && s->is_object() && !GetBool(*s, "nullable");
}

const Json* FieldSchema(const Json* s, const std::string& key) {
  if (s == nullptr) return nullptr;
  bool via_additional = false;
  const Json* child = PropertySchema(*s, key, &via_additional);
  return (child != nullptr && child->is_object()) ? child : nullptr;
}

void PruneNonNullableNulls(Json* x, const Json* s) {
  if (x->is_object()) {
    std::vector<std::string> drop;
    for (auto it = x->begin(); it != x->end(); ++it) {
      const Json* child = FieldSchema(s, it.key());
      if (IsNonNullableNull(it.value(), child) && !HasKey(*child, "default")) {
        drop.push_back(it.key());
      } else {
        PruneNonNullableNulls(&it.value(), child);
      }
    }
    for (const std::string& k : drop) x->erase(k);
  } else if (x->is_array()) {
    const Json* items = s == nullptr ? nullptr : GetObject(*s, "items");
    for (Json& item : *x) PruneNonNullableNulls(&item, items);
  }
}

void Default(Json* x, const Json* s) {
  if (s == nullptr || !s->is_object()) return;
  if (x->is_object()) {
    if (const Json* props = GetObject(*s, "properties")) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        const Json* def = Get(it.value(), "default");
        if (def == nullptr || def->is_null()) continue;
        auto cur = x->find(it.key());
        if (cur == x->end() || IsNonNullableNull(*cur, &it.value())) (*x)[it.key()] = *def;
      }
    }
    const Json* additional = GetObject(*s, "additionalProperties");
    const Json* props = GetObject(*s, "properties");
    for (auto it = x->begin(); it != x->end(); ++it) {
      if (props != nullptr && props->contains(it.key())) {
        Default(&it.value(), Get(*props, it.key()));
      } else if (additional != nullptr) {
        const Json* def = Get(*additional, "default");
        if (def != nullptr && !def->is_null() && IsNonNullableNull(it.value(), additional)) {
          it.value() = *def;
        }
        Default(&it.value(), additional);
      }
    }
  } else if (x->is_array()) {
    const Json* items = GetObject(*s, "items");
    if (items == nullptr) return;
    const Json* def = Get(*items, "default");
    for (Json& item : *x) {
      if (def != nullptr && !def->is_null() && IsNonNullableNull(item, items)) item = *def;
      Default(&item, items);
    }
  }
}

// ---------------------------------------------------------------------------
// CRD validation.

enum class Level { kRoot, kItem, kField };

const std::vector<std::string>& KnownTypes() {
  static const std::vector<std::string> kTypes = {"array",  "boolean", "integer",
                                                  "number", "object",  "string"};
  return kTypes;
}

bool IsIntOrStringAnyOf(const Json& any) {
  static const Json kPattern = Json::array({{{"type", "integer"}}, {{"type", "string"}}});
  return any == kPattern;
}

class CrdSchemaChecker {
 public:
  explicit CrdSchemaChecker(std::vector<StatusCause>* out) : out_(out) {}

  // validateStructuralInvariants plus the API checks of
  // ValidateCustomResourceDefinitionOpenAPISchema for one node.
  void Check(const Json& s, Level lvl, const std::string& path) {
    if (!s.is_object()) {
      out_->push_back(Invalid(path, s, "must be an object"));
      return;
    }
    const std::string type = GetString(s, "type");
    const bool int_or_string = GetBool(s, "x-kubernetes-int-or-string");
    const bool preserve = GetBool(s, "x-kubernetes-preserve-unknown-fields");
    const bool embedded = GetBool(s, "x-kubernetes-embedded-resource");
    const Json* props = GetObject(s, "properties");
    const Json* additional = Get(s, "additionalProperties");

    CheckApiRules(s, type, path);

    // items
    if (const Json* items = Get(s, "items")) {
      if (items->is_array()) {
        out_->push_back(
            Forbidden(Child(path, "items"), "items must be a schema object and not an array"));
      } else {
        Check(*items, Level::kItem, Child(path, "items"));
      }
    } else if (type == "array") {
      out_->push_back(Required(Child(path, "items"), "must be specified"));
    }
    // properties
    if (props != nullptr) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        Check(it.value(), Level::kField, Key(Child(path, "properties"), it.key()));
      }
    }
    // additionalProperties
    if (additional != nullptr) {
      if (lvl == Level::kRoot) {
        out_->push_back(
            Forbidden(Child(path, "additionalProperties"), "must not be used at the root"));
      }
      if (props != nullptr && !props->empty() &&
          (additional->is_object() || (additional->is_boolean() && !additional->get<bool>()))) {
        out_->push_back(Forbidden(Child(path, "additionalProperties"),
                                  "additionalProperties and properties are mutual exclusive"));
      }
      if (additional->is_object()) {
        Check(*additional, Level::kField, Child(path, "additionalProperties"));
      }
      if (embedded) {
        out_->push_back(Forbidden(Child(path, "additionalProperties"),
                                  "must not be used if x-kubernetes-embedded-resource is set"));
      }
    }

    // extensions
    if (int_or_string && preserve) {
      out_->push_back(Invalid(Child(path, "x-kubernetes-preserve-unknown-fields"), true,
                              "must be false if x-kubernetes-int-or-string is true"));
    }
    if (int_or_string && embedded) {
      out_->push_back(Invalid(Child(path, "x-kubernetes-embedded-resource"), true,
                              "must be false if x-kubernetes-int-or-string is true"));
    }

    // value validations (allOf/anyOf/oneOf/not) must not carry structure.
    const Json* any = Get(s, "anyOf");
    bool skip_any = int_or_string && any != nullptr && IsIntOrStringAnyOf(*any);
    bool skip_first_all_any = false;
    if (const Json* all = Get(s, "allOf"); all != nullptr && all->is_array() && !all->empty()) {
      const Json* first_any = Get((*all)[0], "anyOf");
      skip_first_all_any = int_or_string && first_any != nullptr && IsIntOrStringAnyOf(*first_any);
    }
    CheckValueValidation(s, skip_any, skip_first_all_any, lvl, path);

    // type
    if (embedded && type != "object") {
      if (type.empty()) {
        out_->push_back(Required(Child(path, "type"),
                                 "must be object if x-kubernetes-embedded-resource is true"));
      } else {
        out_->push_back(Invalid(Child(path, "type"), type,
                                "must be object if x-kubernetes-embedded-resource is true"));
      }
    } else if (type.empty() && !int_or_string && !preserve) {
      switch (lvl) {
        case Level::kRoot:
          out_->push_back(Required(Child(path, "type"), "must not be empty at the root"));
          break;
        case Level::kItem:
          out_->push_back(
              Required(Child(path, "type"), "must not be empty for specified array items"));
          break;
        case Level::kField:
          out_->push_back(
              Required(Child(path, "type"), "must not be empty for specified object fields"));
          break;
      }
    }
    if (lvl == Level::kRoot && !type.empty() && type != "object") {
      out_->push_back(Invalid(Child(path, "type"), type, "must be object at the root"));
    }

    // TypeMeta / ObjectMeta at the root and in embedded resources.
    const bool check_metadata = lvl == Level::kRoot || embedded;
    if (props != nullptr && check_metadata) {
      for (std::string_view meta : {"kind", "apiVersion"}) {
        if (const Json* p = Get(*props, meta)) {
          std::string t = GetString(*p, "type");
          if (t != "string") {
            out_->push_back(
                Invalid(Child(Key(Child(path, "properties"), meta), "type"), t, "must be string"));
          }
        }
      }
    }
    if (const Json* meta = props == nullptr ? nullptr : Get(*props, "metadata")) {
      CheckMetadata(*meta, check_metadata, lvl, Key(Child(path, "properties"), "metadata"));
    }
    if (embedded && !preserve && (props == nullptr || props->empty())) {
      out_->push_back(
          Required(Child(path, "properties"),
                   "must not be empty if x-kubernetes-embedded-resource is true without "
                   "x-kubernetes-preserve-unknown-fields"));
    }
  }

 private:
  void CheckApiRules(const Json& s, const std::string& type, const std::string& path) {
    if (!type.empty()) {
      if (type == "null") {
        out_->push_back(Forbidden(Child(path, "type"),
                                  "type cannot be set to null, use nullable as an alternative"));
      } else if (!Contains(KnownTypes(), type)) {
        out_->push_back(NotSupported(Child(path, "type"), type, KnownTypes()));
      }
    }
    static constexpr std::pair<std::string_view, std::string_view> kUnsupported[] = {
        {"$ref", "$ref is not supported"},
        {"id", "id is not supported"},
        {"additionalItems", "additionalItems is not supported"},
        {"patternProperties", "patternProperties is not supported"},
        {"definitions", "definitions is not supported"},
        {"dependencies", "dependencies is not supported"},
    };
    for (const auto& [key, msg] : kUnsupported) {
      if (HasKey(s, key)) out_->push_back(Forbidden(Child(path, key), msg));
    }
    if (GetBool(s, "uniqueItems")) {
      out_->push_back(Forbidden(Child(path, "uniqueItems"),
                                "uniqueItems cannot be set to true since the runtime complexity "
                                "becomes quadratic"));
    }
    if (std::string pattern = GetString(s, "pattern"); !pattern.empty()) {
      std::string error;
      if (CompilePattern(pattern, &error) == nullptr) {
        out_->push_back(Invalid(Child(path, "pattern"), pattern,
                                "must be a valid regular expression, but isn't: " + error));
      }
    }
    const Json* list_type = Get(s, "x-kubernetes-list-type");
    const Json* map_keys = Get(s, "x-kubernetes-list-map-keys");
    if (list_type != nullptr) {
      std::string lt = list_type->is_string() ? list_type->get<std::string>() : "";
      if (lt != "atomic" && lt != "set" && lt != "map") {
        out_->push_back(NotSupported(Child(path, "x-kubernetes-list-type"), *list_type,
                                     {"atomic", "set", "map"}));
      }
      if (type != "array") {
        out_->push_back(Invalid(Child(path, "type"), type,
                                "must be array if x-kubernetes-list-type is specified"));
      }
      if (lt == "map" && (map_keys == nullptr || !map_keys->is_array() || map_keys->empty())) {
        out_->push_back(Required(Child(path, "x-kubernetes-list-map-keys"),
                                 "must not be empty if x-kubernetes-list-type is map"));
      }
      if (lt != "map" && map_keys != nullptr) {
        out_->push_back(Forbidden(Child(path, "x-kubernetes-list-map-keys"),
                                  "requires x-kubernetes-list-type: map"));
      }
    } else if (map_keys != nullptr) {
      out_->push_back(Forbidden(Child(path, "x-kubernetes-list-map-keys"),
                                "requires x-kubernetes-list-type: map"));
    }
  }

  void CheckValueValidation(const Json& s, bool skip_any, bool skip_first_all_any, Level lvl,
                            const std::string& path) {
    if (const Json* any = Get(s, "anyOf"); any != nullptr && any->is_array() && !skip_any) {
      for (size_t i = 0; i < any->size(); ++i) {
        CheckNested((*any)[i], false, lvl, Index(Child(path, "anyOf"), i));
      }
    }
    if (const Json* all = Get(s, "allOf"); all != nullptr && all->is_array()) {
      for (size_t i = 0; i < all->size(); ++i) {
        CheckNested((*all)[i], skip_first_all_any && i == 0, lvl, Index(Child(path, "allOf"), i));
      }
    }
    if (const Json* one = Get(s, "oneOf"); one != nullptr && one->is_array()) {
      for (size_t i = 0; i < one->size(); ++i) {
        CheckNested((*one)[i], false, lvl, Index(Child(path, "oneOf"), i));
      }
    }
    if (const Json* neg = Get(s, "not")) CheckNested(*neg, false, lvl, Child(path, "not"));
  }

  void CheckNested(const Json& v, bool skip_any, Level lvl, const std::string& path) {
    if (!v.is_object()) return;
    CheckValueValidation(v, skip_any, false, lvl, path);
    if (std::string pattern = GetString(v, "pattern"); !pattern.empty()) {
      std::string error;
      if (CompilePattern(pattern, &error) == nullptr) {
        out_->push_back(Invalid(Child(path, "pattern"), pattern,
                                "must be a valid regular expression, but isn't: " + error));
      }
    }
    if (const Json* items = GetObject(v, "items"))
      CheckNested(*items, false, lvl, Child(path, "items"));
    if (const Json* props = GetObject(v, "properties")) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        CheckNested(it.value(), false, Level::kField, Key(Child(path, "properties"), it.key()));
      }
    }
    if (HasKey(v, "type"))
      out_->push_back(Forbidden(Child(path, "type"), "must be empty to be structural"));
    if (HasKey(v, "additionalProperties")) {
      out_->push_back(
          Forbidden(Child(path, "additionalProperties"), "must be undefined to be structural"));
    }
    if (HasKey(v, "default")) {
      out_->push_back(Forbidden(Child(path, "default"), "must be undefined to be structural"));
    }
    if (!GetString(v, "title").empty()) {
      out_->push_back(Forbidden(Child(path, "title"), "must be empty to be structural"));
    }
    if (!GetString(v, "description").empty()) {
      out_->push_back(Forbidden(Child(path, "description"), "must be empty to be structural"));
    }
    if (GetBool(v, "nullable")) {
      out_->push_back(Forbidden(Child(path, "nullable"), "must be false to be structural"));
    }
    if (HasKey(v, "externalDocs")) {
      out_->push_back(Forbidden(Child(path, "externalDocs"), "must be undefined to be structural"));
    }
    for (std::string_view ext : {"x-kubernetes-preserve-unknown-fields",
                                 "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string"}) {
      if (GetBool(v, ext))
        out_->push_back(Forbidden(Child(path, ext), "must be false to be structural"));
    }
    if (HasKey(v, "x-kubernetes-list-map-keys")) {
      out_->push_back(
          Forbidden(Child(path, "x-kubernetes-list-map-keys"), "must be empty to be structural"));
    }
    for (std::string_view ext : {"x-kubernetes-list-type", "x-kubernetes-map-type"}) {
      if (HasKey(v, ext))
        out_->push_back(Forbidden(Child(path, ext), "must be undefined to be structural"));
    }
    if (HasKey(v, "x-kubernetes-validations")) {
      out_->push_back(
          Forbidden(Child(path, "x-kubernetes-validations"), "must be empty to be structural"));
    }
    if (const Json* props = GetObject(v, "properties");
        props != nullptr && props->contains("metadata")) {
      out_->push_back(Forbidden(Key(Child(path, "properties"), "metadata"),
                                "must not be specified in a nested context"));
    }
  }

  void CheckMetadata(const Json& m, bool check_metadata, Level lvl, const std::string& path) {
    std::string type = GetString(m, "type");
    if (check_metadata && type != "object") {
      out_->push_back(Invalid(Child(path, "type"), type, "must be object"));
    }
    if (lvl != Level::kRoot || !m.is_object()) return;
    bool restricted = false;
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.key() == "type" || it.key() == "default") continue;
      if (it.key() == "properties" && it.value().is_object()) {
        const Json& p = it.value();
        bool only_names = !p.empty() && p.size() <= 2;
        for (auto pit = p.begin(); pit != p.end() && only_names; ++pit) {
          only_names = pit.key() == "name" || pit.key() == "generateName";
        }
        if (only_names) continue;
      }
      restricted = true;
    }
    if (restricted) {
      out_->push_back(Forbidden(path,
                                "must not specify anything other than name and generateName, but "
                                "metadata is implicitly specified"));
    }
  }

  std::vector<StatusCause>* out_;
};

// defaulting.ValidateDefaults: every default (through properties and items, not
// additionalProperties) must be pruned and validate against its node. Defaults in
// TypeMeta/ObjectMeta of the root or of embedded resources are left to the engine.
void CheckDefaults(const Json& s, bool embedded_root, bool inside_meta, const std::string& path,
                   std::vector<StatusCause>* out) {
  if (!s.is_object()) return;
  bool embedded = embedded_root || GetBool(s, "x-kubernetes-embedded-resource");
  if (embedded) inside_meta = false;
  if (const Json* def = Get(s, "default"); def != nullptr && !def->is_null() && !inside_meta) {
    std::string def_path = Child(path, "default");
    Json pruned = *def;
    std::vector<std::string> dropped;
    if (embedded) {
      Json clone = s;
      clone["x-kubernetes-embedded-resource"] = true;
      Prune(&pruned, &clone, "", &dropped);
    } else {
      Prune(&pruned, &s, "", &dropped);
    }
    if (!dropped.empty()) {
      out->push_back(Invalid(def_path, *def, "must not have unknown fields"));
    }
    std::vector<StatusCause> errs;
    Validator(def_path, &errs).Validate(s, *def, "");
    ValidateExtensions(&s, *def, def_path, &errs);
    out->insert(out->end(), errs.begin(), errs.end());
  }
  if (const Json* items = GetObject(s, "items")) {
    CheckDefaults(*items, false, inside_meta, Child(path, "items"), out);
  }
  if (const Json* props = GetObject(s, "properties")) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      bool sub_meta = inside_meta || (embedded && IsMetaField(it.key()));
      CheckDefaults(it.value(), false, sub_meta, Key(Child(path, "properties"), it.key()), out);
    }
  }
}

// validateSimpleJSONPath plus the ".spec"/".status" prefix rules of the scale
// subresource.
void CheckScalePath(const Json& scale, std::string_view key, bool required,
                    const std::vector<std::string_view>& prefixes, std::string_view under,
                    const std::string& path, std::vector<StatusCause>* out) {
  std::string field = Child(path, key);
  std::string value = GetString(scale, key);
  if (value.empty()) {
    if (required) out->push_back(Required(field, ""));
    return;
  }
  if (value.front() != '.') {
    out->push_back(Invalid(field, value, "must be a simple json path starting with ."));
    return;
  }
  bool ok = std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) {
    return value.size() > p.size() && value.compare(0, p.size(), p) == 0;
  });
  if (!ok)
    out->push_back(Invalid(field, value, "should be a json path under " + std::string(under)));
}

std::string VersionsValue(const Json& versions) {
  std::string out = "[]apiextensions.CustomResourceDefinitionVersion{";
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i > 0) out += ", ";
    out += "apiextensions.CustomResourceDefinitionVersion{Name:" +
           Quote(GetString(versions[i], "name")) +
           ", Served:" + (GetBool(versions[i], "served") ? "true" : "false") +
           ", Storage:" + (GetBool(versions[i], "storage") ? "true" : "false") + ", ...}";
  }
  return out + "}";
}

std::string JoinMessages(const std::vector<std::string>& msgs) {
  std::string out;
  for (size_t i = 0; i < msgs.size(); ++i) out += (i ? "," : "") + msgs[i];
  return out;
}

void CheckDns1035(const Json& names, std::string_view key, bool mixed_case, const std::string& path,
                  std::vector<StatusCause>* out) {
  std::string v = GetString(names, key);
  if (v.empty()) return;
  std::vector<std::string> errs = IsDns1035Label(mixed_case ? kube::internal::AsciiLower(v) : v);
  if (errs.empty()) return;
  out->push_back(Invalid(Child(path, key), v,
                         (mixed_case ? "may have mixed case, but should otherwise match: " : "") +
                             JoinMessages(errs)));
}

}  // namespace

void ApplyCrdDefaults(Json* crd) {
  if (crd == nullptr || !crd->is_object()) return;
  Json& spec = (*crd)["spec"];
  if (!spec.is_object()) return;
  Json& names = spec["names"];
  if (!names.is_object()) names = Json::object();
  std::string kind = GetString(names, "kind");
  if (!kind.empty()) {
    if (GetString(names, "singular").empty()) names["singular"] = kube::internal::AsciiLower(kind);
    if (GetString(names, "listKind").empty()) names["listKind"] = kind + "List";
  }
  Json& conversion = spec["conversion"];
  if (!conversion.is_object()) conversion = Json::object();
  if (GetString(conversion, "strategy").empty()) conversion["strategy"] = "None";
}

Status ValidateCrd(const Json& crd) {
  std::vector<StatusCause> causes;
  const Json empty = Json::object();
  const Json* metadata = GetObject(crd, "metadata");
  const Json* spec_ptr = GetObject(crd, "spec");
  const Json& spec = spec_ptr != nullptr ? *spec_ptr : empty;
  const Json* names_ptr = GetObject(spec, "names");
  const Json& names = names_ptr != nullptr ? *names_ptr : empty;

  const std::string name = metadata != nullptr ? GetString(*metadata, "name") : "";
  const std::string group = GetString(spec, "group");
  const std::string plural = GetString(names, "plural");
  const std::string kind = GetString(names, "kind");

  // metadata.name
  if (name.empty()) {
    causes.push_back(Required("metadata.name", "name or generateName is required"));
  } else {
    for (const std::string& msg : IsDns1123Subdomain(name)) {
      causes.push_back(Invalid("metadata.name", name, msg));
    }
    if (name != plural + "." + group) {
      causes.push_back(
          Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
    }
  }

  // spec.group
  if (group.empty()) {
    causes.push_back(Required("spec.group", ""));
  } else if (auto errs = IsDns1123Subdomain(group); !errs.empty()) {
    causes.push_back(Invalid("spec.group", group, JoinMessages(errs)));
  } else if (group.find('.') == std::string::npos) {
    causes.push_back(Invalid("spec.group", group, "should be a domain with at least one dot"));
  }

  // spec.scope
  const std::string scope = GetString(spec, "scope");
  if (scope.empty()) {
    causes.push_back(Required("spec.scope", ""));
  } else if (scope != "Cluster" && scope != "Namespaced") {
    causes.push_back(NotSupported("spec.scope", scope, {"Cluster", "Namespaced"}));
  }

  // spec.versions
  const Json* versions = Get(spec, "versions");
  if (versions == nullptr || !versions->is_array() || versions->empty()) {
    causes.push_back(Required("spec.versions", "must have at least one version"));
  } else {
    int storage = 0;
    std::set<std::string> seen;
    bool unique = true;
    for (size_t i = 0; i < versions->size(); ++i) {
      const Json& v = (*versions)[i];
      const std::string vpath = Index("spec.versions", i);
      const std::string vname = GetString(v, "name");
      if (GetBool(v, "storage")) ++storage;
      if (!seen.insert(vname).second) unique = false;
      if (auto errs = IsDns1035Label(vname); !errs.empty()) {
        causes.push_back(Invalid(vpath + ".name", vname, JoinMessages(errs)));
      }
    }
    if (!unique) {
      causes.push_back(InvalidRendered("spec.versions", VersionsValue(*versions),
                                       "must contain unique version names"));
    }
    if (storage != 1) {
      causes.push_back(InvalidRendered("spec.versions", VersionsValue(*versions),
                                       "must have exactly one version marked as storage version"));
    }
  }

  // spec.names
  if (plural.empty()) causes.push_back(Required("spec.names.plural", ""));
  if (kind.empty()) causes.push_back(Required("spec.names.kind", ""));
  Json effective_names = names;
  if (!kind.empty()) {
    if (GetString(names, "singular").empty()) {
      effective_names["singular"] = kube::internal::AsciiLower(kind);
    }
    if (GetString(names, "listKind").empty()) effective_names["listKind"] = kind + "List";
  }
  CheckDns1035(effective_names, "plural", false, "spec.names", &causes);
  CheckDns1035(effective_names, "singular", false, "spec.names", &causes);
  CheckDns1035(effective_names, "kind", true, "spec.names", &causes);
  CheckDns1035(effective_names, "listKind", true, "spec.names", &causes);
  if (const Json* short_names = Get(names, "shortNames"); short_names && short_names->is_array()) {
    for (size_t i = 0; i < short_names->size(); ++i) {
      const Json& sn = (*short_names)[i];
      std::string s = sn.is_string() ? sn.get<std::string>() : "";
      if (auto errs = IsDns1035Label(s); !errs.empty()) {
        causes.push_back(Invalid(Index("spec.names.shortNames", i), sn, JoinMessages(errs)));
      }
    }
  }
  if (!kind.empty() && kind == GetString(effective_names, "listKind")) {
    causes.push_back(Invalid("spec.names.listKind", kind, "kind and listKind may not be the same"));
  }

  if (GetBool(spec, "preserveUnknownFields")) {
    causes.push_back(Invalid("spec.preserveUnknownFields", true,
                             "cannot set to true, set x-kubernetes-preserve-unknown-fields to "
                             "true in openAPIV3Schema instead"));
  }
  if (const Json* conversion = GetObject(spec, "conversion")) {
    std::string strategy = GetString(*conversion, "strategy");
    if (!strategy.empty() && strategy != "None" && strategy != "Webhook") {
      causes.push_back(NotSupported("spec.conversion.strategy", strategy, {"None", "Webhook"}));
    }
  }

  // Per version: schema and subresources.
  if (versions != nullptr && versions->is_array()) {
    for (size_t i = 0; i < versions->size(); ++i) {
      const Json& v = (*versions)[i];
      const std::string vpath = Index("spec.versions", i);
      const Json* schema = nullptr;
      if (const Json* sch = GetObject(v, "schema")) schema = Get(*sch, "openAPIV3Schema");
      const std::string spath = vpath + ".schema.openAPIV3Schema";
      if (schema == nullptr || schema->is_null()) {
        causes.push_back(Required(spath, "schemas are required"));
      } else {
        size_t before = causes.size();
        CrdSchemaChecker(&causes).Check(*schema, Level::kRoot, spath);
        if (causes.size() == before) CheckDefaults(*schema, true, false, spath, &causes);
      }
      if (const Json* sub = GetObject(v, "subresources")) {
        if (const Json* scale = GetObject(*sub, "scale")) {
          const std::string scale_path = vpath + ".subresources.scale";
          CheckScalePath(*scale, "specReplicasPath", true, {".spec."}, ".spec", scale_path,
                         &causes);
          CheckScalePath(*scale, "statusReplicasPath", true, {".status."}, ".status", scale_path,
                         &causes);
          CheckScalePath(*scale, "labelSelectorPath", false, {".spec.", ".status."},
                         "either .spec or .status", scale_path, &causes);
        }
      }
    }
  }

  if (causes.empty()) return Status();
  return InvalidStatus(kCrdKind, kCrdGroup, name, causes);
}

const Json* FindVersionSchema(const Json& crd, std::string_view version) {
  const Json* spec = GetObject(crd, "spec");
  const Json* versions = spec == nullptr ? nullptr : Get(*spec, "versions");
  if (versions == nullptr || !versions->is_array()) return nullptr;
  for (const Json& v : *versions) {
    if (GetString(v, "name") != version) continue;
    const Json* schema = GetObject(v, "schema");
    const Json* open_api = schema == nullptr ? nullptr : GetObject(*schema, "openAPIV3Schema");
    return open_api;
  }
  return nullptr;
}

std::vector<std::string> PruneUnknownFields(const Json& schema, Json* obj) {
  std::vector<std::string> pruned;
  if (obj == nullptr) return pruned;
  // The resource root behaves like an embedded resource: TypeMeta and metadata stay.
  Json root = schema.is_object() ? schema : Json::object();
  root["x-kubernetes-embedded-resource"] = true;
  Prune(obj, &root, "", &pruned);
  return pruned;
}

void ApplySchemaDefaults(const Json& schema, Json* obj) {
  if (obj == nullptr || !schema.is_object()) return;
  PruneNonNullableNulls(obj, &schema);
  Default(obj, &schema);
}

std::vector<StatusCause> ValidateAgainstSchema(const Json& schema, const Json& obj) {
  std::vector<StatusCause> causes;
  if (!schema.is_object()) return causes;
  Validator("", &causes).Validate(schema, obj, "");
  ValidateExtensions(&schema, obj, "", &causes);
  return causes;
}

Status InvalidStatus(std::string_view kind, std::string_view group, std::string_view name,
                     const std::vector<StatusCause>& causes) {
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  std::vector<std::string> lines;
  for (const StatusCause& c : causes) {
    std::string line = c.field + ": " + c.message;
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
  }
  std::string joined;
  if (lines.size() == 1) {
    joined = lines[0];
  } else {
    joined = "[";
    for (size_t i = 0; i < lines.size(); ++i) joined += (i ? ", " : "") + lines[i];
    joined += "]";
  }
  Status status = InvalidError(qualified + " " + Quote(name) + " is invalid: " + joined);
  StatusDetails details;
  details.name = std::string(name);
  details.group = std::string(group);
  details.kind = std::string(kind);
  details.causes = causes;
  status.set_details(std::move(details));
  return status;
}

}  // namespace kube::testing::internal
