// Quantity: a fixed-point amount of a resource ("500m", "1.5Gi", "1e3"), as Kubernetes'
// resource.Quantity (k8s.io/apimachinery/pkg/api/resource) defines it.
//
// Container requests and limits, volume sizes and quotas are Quantities. A Quantity
// holds an exact value with nano (1e-9) resolution and never goes through floating
// point. Parsing accepts the upstream grammar: an optional sign, a number ("1", "1.5",
// "1.", ".5") and a suffix: decimal SI (n u m "" k M G T P E), binary SI (Ki Mi Gi Ti
// Pi Ei) or a decimal exponent ("e3", "E-6"; a bare "E" is exa). The suffix chooses
// the Format that ToString() writes the value back in. ToString() writes the canonical
// form: "1000m" -> "1", "0.1" -> "100m", "1.5Gi" -> "1536Mi". Comparison is by value
// only; the format does not take part ("1000m" == "1").
//
// Limits: precision finer than 1n is rounded away from zero when parsing ("0.1n" ->
// "1n", "-0.1n" -> "-1n"); a binary SI amount is capped at 2^63-1 ("8Ei" parses as
// 9223372036854775807), both as upstream does. Unlike upstream, which has unbounded
// decimals, a magnitude of 2^127 nano-units (about 1.7e29) or more is rejected by
// Parse, and Add/Sub saturate at that bound.
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_QUANTITY_H_
#define KUBECPP_CORE_QUANTITY_H_

#include <compare>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "kubecpp/core/result.h"

namespace kube {

class Quantity {
 public:
  // How ToString() writes the value; remembered from the parsed suffix.
  enum class Format {
    kDecimalSI,        // "12M" (12 * 10^6), "500m"
    kBinarySI,         // "12Mi" (12 * 2^20)
    kDecimalExponent,  // "12e6"
  };

  // Zero in DecimalSI.
  Quantity() = default;

  // Parses `text` (no surrounding whitespace allowed). The format comes from the
  // suffix; a binary SI value that rounds to between -1 and 1 (exclusive, not zero)
  // becomes DecimalSI, as upstream does. As upstream, a missing number reads as zero
  // ("Ki", ".", "-"). Errors (kBadRequest, message naming `text`, with upstream's text):
  // text not matching the grammar, an unknown suffix, a numeric part with no digit
  // where upstream needs one, or a magnitude of 2^127 nano-units or more.
  [[nodiscard]] static Result<Quantity> Parse(std::string_view text);
  // `value` whole units in `format` (upstream NewQuantity).
  static Quantity FromInt(int64_t value, Format format = Format::kDecimalSI);
  // `value` thousandths in `format` (upstream NewMilliQuantity).
  static Quantity FromMilli(int64_t value, Format format = Format::kDecimalSI);

  Format format() const { return format_; }
  // Changes only how the value is written; the value stays as it is.
  void set_format(Format format) { format_ = format; }
  // "DecimalSI", "BinarySI" or "DecimalExponent", as upstream spells the format.
  static std::string_view FormatName(Format format);

  // The canonical text (upstream CanonicalizeBytes): "0" for zero; binary SI when
  // the format is BinarySI, |value| >= 1024 and the value is whole ("1536Mi"),
  // otherwise the decimal form with the largest exponent that is a multiple of 3
  // and keeps the mantissa whole ("1500m", "15e3"). Always canonical, also where
  // upstream's String() echoes the parsed text ("+1", "1.234" -> "1", "1234m").
  // Where upstream loses the value we keep it: a DecimalSI exponent above 18 is
  // written as an exponent ("1000E" -> "1e21"), binary past Ei keeps "Ei" ("1024Ei").
  std::string ToString() const;

  // The value rounded to a whole number away from zero ("1100m" -> 2, "-1.5" -> -2),
  // saturated at the int64 limits (upstream overflows instead).
  int64_t Value() const;
  // The value in thousandths, rounded away from zero and saturated like Value().
  int64_t MilliValue() const;

  bool IsZero() const { return nanos_ == 0; }
  // -1, 0 or 1.
  int Sign() const { return (nanos_ > 0) - (nanos_ < 0); }
  // -1, 0 or 1 as this value is less than, equal to or greater than `other`'s.
  int Cmp(const Quantity& other) const;

  // The sum; in this quantity's format, or in `other`'s when this one is zero.
  // Saturates at +-(2^127 - 1) nano-units.
  Quantity Add(const Quantity& other) const;
  // The difference; formats and saturation as Add.
  Quantity Sub(const Quantity& other) const;
  // The negated value in the same format.
  Quantity Neg() const;

  Quantity& operator+=(const Quantity& other) { return *this = Add(other); }
  Quantity& operator-=(const Quantity& other) { return *this = Sub(other); }
  friend Quantity operator+(const Quantity& a, const Quantity& b) { return a.Add(b); }
  friend Quantity operator-(const Quantity& a, const Quantity& b) { return a.Sub(b); }
  friend Quantity operator-(const Quantity& q) { return q.Neg(); }

  // By value only, ignoring the format (upstream Equal / Cmp).
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nanos_ == b.nanos_; }
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.nanos_ <=> b.nanos_;
  }

 private:
  __extension__ typedef __int128 Nanos;

  Quantity(Nanos nanos, Format format) : nanos_(nanos), format_(format) {}

  // The value in units of 1e-9. Invariant: |nanos_| <= 2^127 - 1.
  Nanos nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

// Writes q.ToString().
std::ostream& operator<<(std::ostream& os, const Quantity& q);

// JSON codec (see json.h): a Quantity is written as its canonical string; a JSON
// string or number is accepted on input, as upstream's UnmarshalJSON does.
void ToJson(const Quantity& v, nlohmann::json* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, Quantity* out);

}  // namespace kube

#endif  // KUBECPP_CORE_QUANTITY_H_
