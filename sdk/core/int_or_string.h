// IntOrString: a field that holds either a 32-bit integer or a string.
//
// This is intstr.IntOrString from k8s.io/apimachinery. Kubernetes uses it for
// fields such as a Service's `targetPort` (a port number or a port name) and a
// Deployment's `maxSurge` / `maxUnavailable` (a count or a percentage like "25%").
// On the wire it is a bare JSON number or a bare JSON string; the JSON codec in
// json.h maps it with the accessors below. GetScaledValueFromIntOrPercent resolves
// a count-or-percentage against a total, as the Deployment controller does.
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_INT_OR_STRING_H_
#define KUBECPP_CORE_INT_OR_STRING_H_

#include <compare>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "kubecpp/core/result.h"

namespace kube {

class IntOrString {
 public:
  enum class Type { kInt, kString };

  // The integer 0, like Go's zero value.
  IntOrString() = default;

  // Holds the integer `value`.
  static IntOrString FromInt(int32_t value);
  // Holds the string `value`, even when it looks like a number ("80" stays a string).
  static IntOrString FromString(std::string value);
  // Holds an integer when `text` is a decimal int32 ("80", "-1"), otherwise the
  // string ("http", "25%"). Mirrors intstr.Parse.
  static IntOrString Parse(std::string_view text);

  Type type() const { return type_; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_string() const { return type_ == Type::kString; }

  // The integer held; 0 when is_string() (the Go IntVal field).
  int32_t int_value() const { return int_value_; }
  // The string held; empty when is_int() (the Go StrVal field).
  const std::string& str_value() const { return str_value_; }

  // The string held, or the decimal form of the integer: "80", "http", "25%".
  std::string ToString() const;

  // Equal when the type and the held value are equal: FromInt(80) differs from
  // FromString("80"), as in Go.
  friend bool operator==(const IntOrString&, const IntOrString&) = default;

 private:
  Type type_ = Type::kInt;
  int32_t int_value_ = 0;
  std::string str_value_;
};

// Writes ToString().
std::ostream& operator<<(std::ostream& os, const IntOrString& value);

// JSON codec (see json.h): an int32 JSON number or a JSON string.
void ToJson(const IntOrString& v, nlohmann::json* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, IntOrString* out);

// Resolves an int-or-percentage against `total` (intstr.GetScaledValueFromIntOrPercent):
// an integer is returned as is; a string "N%" yields N * total / 100, rounded up when
// `round_up` (maxSurge) and down otherwise (maxUnavailable).
// Errors (kBadRequest): a string without a trailing '%' ("invalid value for
// IntOrString: invalid type: string is not a percentage"), a percentage that is not a
// decimal integer ("abc%"), or a result outside the range of int.
[[nodiscard]] Result<int> GetScaledValueFromIntOrPercent(const IntOrString& value, int total,
                                                         bool round_up);

}  // namespace kube

#endif  // KUBECPP_CORE_INT_OR_STRING_H_
