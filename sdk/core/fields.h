// Field selectors: which objects a list or watch picks by the values of a few fields.
//
// The `fieldSelector=` query parameter ("spec.nodeName=node-1,status.phase!=Failed")
// is an AND of terms, each `field=value`, `field==value` or `field!=value`. Values may
// be empty (`spec.nodeName=` selects unscheduled pods) and use backslash escapes for
// the characters the syntax needs (`\,` `\=` `\\`). A `FieldSelector` is the parsed
// form: `terms()` lets a server reject fields it does not support ("field label not
// supported"), `Matches` evaluates it against the field values an object exposes, and
// `ToString` writes it back escaped. Semantics follow k8s.io/apimachinery/pkg/fields:
// a field missing from the map has the value "", so `f=` and `f!=x` match it.
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_FIELDS_H_
#define KUBECPP_CORE_FIELDS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/labels.h"
#include "kubecpp/core/result.h"

namespace kube {

// One term of a field selector. `op` is SelectionOperator::kEquals (for both "=" and
// "==") or SelectionOperator::kNotEquals; `value` is unescaped.
struct FieldSelectorTerm {
  std::string field;
  SelectionOperator op = SelectionOperator::kEquals;
  std::string value;
  friend bool operator==(const FieldSelectorTerm&, const FieldSelectorTerm&) = default;
};

class FieldSelector {
 public:
  // Everything().
  FieldSelector() = default;

  // Matches every object; Empty() is true; ToString() is "".
  static FieldSelector Everything() { return FieldSelector(); }

  // Parses the string syntax. Terms are split at unescaped commas; empty terms are
  // skipped ("" parses to Everything()). Each term is split at the first "!=", "=="
  // or "=" (whichever starts first; the field itself has no escapes), and its value
  // is unescaped: `\,` `\=` `\!` `\\` stand for the character, any other backslash
  // sequence is an error, and an unescaped '=' in a value is an error. Terms are kept
  // in upstream's order: sorted by their raw text.
  // Errors: BadRequestError `invalid field selector "<s>": ...` naming the term, e.g.
  // `term "x" has no operator (=, == or !=)`, `invalid escape sequence "\a" in term
  // "k=\a"`, `unescaped '=' in the value of term "x==a==b"`.
  [[nodiscard]] static Result<FieldSelector> Parse(std::string_view selector);

  // A selector requiring field=value for every entry, in key order.
  static FieldSelector FromSet(const std::map<std::string, std::string>& set);

  // Whether every term holds for `fields` (field path -> value, e.g.
  // "metadata.name" -> "web-0"). A field absent from the map counts as "".
  bool Matches(const std::map<std::string, std::string>& fields) const;

  // True when there are no terms.
  bool Empty() const { return terms_.empty(); }

  // Canonical text: terms joined by ',', each "field=value" or "field!=value" with the
  // value escaped by EscapeFieldSelectorValue ("==" is written as "=").
  std::string ToString() const;

  // The terms, in the order described at Parse.
  const std::vector<FieldSelectorTerm>& terms() const { return terms_; }

  // If some term requires `field` to equal a value (= or ==), the first such value;
  // otherwise nullopt. Servers use it to look up by metadata.name or
  // metadata.namespace directly.
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;

  friend bool operator==(const FieldSelector&, const FieldSelector&) = default;

 private:
  std::vector<FieldSelectorTerm> terms_;
};

// Escapes a literal value for use in a field selector: '\' -> "\\", ',' -> "\,",
// '=' -> "\=" (upstream's fields.EscapeValue; '!' needs no escape and is kept).
std::string EscapeFieldSelectorValue(std::string_view value);

}  // namespace kube

#endif  // KUBECPP_CORE_FIELDS_H_
