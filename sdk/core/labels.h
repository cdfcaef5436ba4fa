// Label selectors: which objects a query, a watch or a spec.selector picks by labels.
//
// A `Selector` is an AND of `Requirement`s (key, operator, values). It has two
// external forms: the string syntax of the `labelSelector=` query parameter and
// `kubectl get -l` ("app=web,tier in (a,b),!canary"), parsed by `Selector::Parse` and
// written back by `ToString` in upstream's canonical form; and the `LabelSelector`
// object embedded in specs (metav1.LabelSelector: matchLabels + matchExpressions),
// converted by `LabelSelectorAsSelector` / `SelectorAsLabelSelector`. Matching follows
// k8s.io/apimachinery/pkg/labels exactly, including that `!=` and `notin` match objects
// that lack the key. An empty selector matches everything; `Selector::Nothing()` (what
// a null LabelSelector means) matches nothing. Keys and values are checked with the
// rules in validation.h.
//
// Thread-safety: value types; thread-compatible.
#ifndef KUBECPP_CORE_LABELS_H_
#define KUBECPP_CORE_LABELS_H_

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"

namespace kube {

// How a requirement relates a key to its values (upstream selection.Operator).
enum class SelectionOperator {
  kEquals,        // key=value: present with that value.
  kDoubleEquals,  // key==value: same as kEquals.
  kNotEquals,     // key!=value: absent, or present with another value.
  kIn,            // key in (a,b): present with one of the values.
  kNotIn,         // key notin (a,b): absent, or present with none of the values.
  kExists,        // key: present with any value.
  kDoesNotExist,  // !key: absent.
  kGreaterThan,   // key>N: present and its value is an integer greater than N.
  kLessThan,      // key<N: present and its value is an integer less than N.
};

// Upstream's spelling: "=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt".
std::string_view SelectionOperatorName(SelectionOperator op);

// One validated condition on one label key. Built only through Create, so every
// Requirement is valid.
class Requirement {
 public:
  // Checks and builds a requirement. `key` must be a qualified name and every value a
  // valid label value; kIn/kNotIn need at least one value, kEquals/kDoubleEquals/
  // kNotEquals exactly one, kExists/kDoesNotExist none, kGreaterThan/kLessThan exactly
  // one base-10 integer. Values are kept in the given order (ToString sorts them).
  // Errors: InvalidError listing every problem in the apiserver's field-error form,
  // e.g. `key: Invalid value: "Bad Key": name part must consist of ...` or
  // `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't
  // be empty`; several problems are joined as "[e1, e2]".
  [[nodiscard]] static Result<Requirement> Create(std::string key, SelectionOperator op,
                                                  std::vector<std::string> values);

  const std::string& key() const { return key_; }
  SelectionOperator op() const { return op_; }
  const std::vector<std::string>& values() const { return values_; }

  // Whether `labels` satisfy this requirement (see SelectionOperator). For kGreaterThan
  // and kLessThan a label value that is not an integer does not match.
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // Canonical text: "key=v", "key==v", "key!=v", "key in (a,b)", "key notin (a,b)",
  // "key", "!key", "key>1", "key<1"; set values sorted, ")" closing.
  std::string ToString() const;

  friend bool operator==(const Requirement&, const Requirement&) = default;

 private:
  Requirement(std::string key, SelectionOperator op, std::vector<std::string> values)
      : key_(std::move(key)), op_(op), values_(std::move(values)) {}

  std::string key_;
  SelectionOperator op_ = SelectionOperator::kExists;
  std::vector<std::string> values_;
};

// An AND of requirements, kept sorted by key (stable for equal keys), or the special
// selector that matches nothing. A default-constructed Selector is Everything().
class Selector {
 public:
  Selector() = default;

  // Matches every label set; Empty() is true; ToString() is "".
  static Selector Everything() { return Selector(); }
  // Matches no label set, not even an empty one; Empty() is false; ToString() is "".
  // This is what a null LabelSelector means.
  static Selector Nothing();

  // Parses the string syntax: comma-separated (ANDed) requirements, each one of
  // `k=v`, `k==v`, `k!=v`, `k in (v1,v2)`, `k notin (v1,v2)`, `k`, `!k`, `k>N`, `k<N`,
  // with optional whitespace between tokens. A value may be empty (`k=`, `k in ()`,
  // `k in (a,)`); `in`/`notin` are plain words where a value is expected. Set values
  // are de-duplicated and sorted. "" parses to Everything().
  // Errors: BadRequestError `unable to parse label selector "<s>": <detail>` where the
  // detail names the offending token and its 0-based byte position (e.g. `expected ','
  // or ')' after "x", found end of input`), or the invalid key or value and why.
  [[nodiscard]] static Result<Selector> Parse(std::string_view selector);

  // A selector requiring key=value for every entry, sorted by key; an empty map gives
  // Everything(). Errors: InvalidError as Requirement::Create for a bad key or value.
  [[nodiscard]] static Result<Selector> FromSet(const std::map<std::string, std::string>& set);

  // Whether every requirement matches `labels`. Nothing() matches nothing.
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // True when the selector restricts nothing (no requirements and not Nothing()).
  bool Empty() const { return !nothing_ && requirements_.empty(); }
  bool IsNothing() const { return nothing_; }

  // Canonical text: the requirements' ToString joined by ',' in key order. Parsing the
  // result gives an equal selector (except that Nothing() prints as "").
  std::string ToString() const;

  // The requirements, sorted by key. Empty for Everything() and Nothing().
  const std::vector<Requirement>& requirements() const { return requirements_; }

  // ANDs `requirement` in, keeping key order. No effect on Nothing(). Returns *this.
  Selector& Add(Requirement requirement);

  // If the selector pins `key` to a single value (the first requirement on `key` is
  // =, == or in with one value), that value; otherwise nullopt.
  std::optional<std::string> RequiresExactMatch(std::string_view key) const;

  friend bool operator==(const Selector&, const Selector&) = default;

 private:
  std::vector<Requirement> requirements_;
  bool nothing_ = false;
};

// metav1.LabelSelectorOperator values.
inline constexpr std::string_view kLabelSelectorOpIn = "In";
inline constexpr std::string_view kLabelSelectorOpNotIn = "NotIn";
inline constexpr std::string_view kLabelSelectorOpExists = "Exists";
inline constexpr std::string_view kLabelSelectorOpDoesNotExist = "DoesNotExist";

// metav1.LabelSelectorRequirement: one entry of matchExpressions.
struct LabelSelectorRequirement {
  std::string key;
  std::string operator_;  // "In", "NotIn", "Exists" or "DoesNotExist"
  std::vector<std::string> values;
  friend bool operator==(const LabelSelectorRequirement&,
                         const LabelSelectorRequirement&) = default;
};

// metav1.LabelSelector, the form embedded in specs (Deployment.spec.selector, ...).
// matchLabels and matchExpressions are ANDed. An empty LabelSelector selects
// everything; a null one (nullptr / std::nullopt in the enclosing type) selects
// nothing.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};

// Converts the object form into a Selector, as metav1.LabelSelectorAsSelector:
// nullptr gives Nothing(), an empty LabelSelector gives Everything(), otherwise one
// kEquals requirement per matchLabels entry plus one per matchExpressions entry.
// Errors: InvalidError `"Foo" is not a valid label selector operator` for an unknown
// operator, or as Requirement::Create for bad keys, values or value counts.
[[nodiscard]] Result<Selector> LabelSelectorAsSelector(const LabelSelector* selector);

// Converts a Selector into the object form, as metav1.ParseToLabelSelector: = and ==
// become matchLabels (a later requirement on the same key wins), in/notin/exists/!
// become matchExpressions in key order with sorted values. Everything() gives an
// empty LabelSelector.
// Errors: BadRequestError for > and < (`"gt" isn't supported in label selectors`),
// for != (`"!=" is not a valid label selector operator`), and for Nothing(), which
// has no object form other than null.
[[nodiscard]] Result<LabelSelector> SelectorAsLabelSelector(const Selector& selector);

// The selector as kubectl prints it (metav1.FormatLabelSelector): the canonical
// string, "<none>" when that is empty (including for nullptr), "<error>" when the
// LabelSelector is invalid.
std::string FormatLabelSelector(const LabelSelector* selector);

// JSON codecs (see json.h) with the metav1 field names: matchLabels, matchExpressions,
// key, operator, values.
void ToJson(const LabelSelectorRequirement& v, nlohmann::json* out);
void ToJson(const LabelSelector& v, nlohmann::json* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path,
                                LabelSelectorRequirement* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path,
                                LabelSelector* out);

}  // namespace kube

#endif  // KUBECPP_CORE_LABELS_H_
