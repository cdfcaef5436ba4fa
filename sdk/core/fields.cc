#include "kubecpp/core/fields.h"

#include <algorithm>
#include <array>

#include "kubecpp/core/validation.h"

namespace kube {
namespace {

using internal::Quote;

// Splits at commas that are not escaped; backslash sequences stay in the terms.
std::vector<std::string_view> SplitTerms(std::string_view selector) {
  std::vector<std::string_view> terms;
  if (selector.empty()) return terms;
  std::size_t start = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < selector.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (selector[i] == '\\') {
      escaped = true;
    } else if (selector[i] == ',') {
      terms.push_back(selector.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(selector.substr(start));
  return terms;
}

struct SplitTerm {
  std::string_view field;
  std::string_view op;
  std::string_view raw_value;
};

// Splits at the first position where "!=", "==" or "=" starts ("!=" and "==" win over
// "=" at the same position, so "a==b" is a, ==, b rather than a, =, =b).
std::optional<SplitTerm> SplitAtOperator(std::string_view term) {
  constexpr std::array<std::string_view, 3> kOperators = {"!=", "==", "="};
  for (std::size_t i = 0; i < term.size(); ++i) {
    std::string_view rest = term.substr(i);
    for (std::string_view op : kOperators) {
      if (rest.substr(0, op.size()) == op) {
        return SplitTerm{term.substr(0, i), op, rest.substr(op.size())};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string EscapeFieldSelectorValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

Result<FieldSelector> FieldSelector::Parse(std::string_view selector) {
  auto fail = [selector](std::string_view detail) {
    return BadRequestError("invalid field selector " + Quote(selector) + ": " +
                           std::string(detail));
  };
  std::vector<std::string_view> parts = SplitTerms(selector);
  std::sort(parts.begin(), parts.end());

  FieldSelector result;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    std::optional<SplitTerm> split = SplitAtOperator(part);
    if (!split) return fail("term " + Quote(part) + " has no operator (=, == or !=)");

    std::string value;
    value.reserve(split->raw_value.size());
    for (std::size_t i = 0; i < split->raw_value.size(); ++i) {
      char c = split->raw_value[i];
      if (c == '\\') {
        if (i + 1 == split->raw_value.size()) {
          return fail("invalid escape sequence \"\\\" (a trailing backslash) in term " +
                      Quote(part));
        }
        char escaped = split->raw_value[++i];
        if (escaped != '\\' && escaped != ',' && escaped != '=' && escaped != '!') {
          return fail("invalid escape sequence " + Quote(split->raw_value.substr(i - 1, 2)) +
                      " in term " + Quote(part));
        }
        value += escaped;
      } else if (c == '=' || c == ',') {
        return fail(std::string("unescaped '") + c + "' in the value of term " + Quote(part));
      } else {
        value += c;
      }
    }
    result.terms_.push_back(FieldSelectorTerm{
        .field = std::string(split->field),
        .op = split->op == "!=" ? SelectionOperator::kNotEquals : SelectionOperator::kEquals,
        .value = std::move(value),
    });
  }
  return result;
}

FieldSelector FieldSelector::FromSet(const std::map<std::string, std::string>& set) {
  FieldSelector result;
  for (const auto& [field, value] : set) {
    result.terms_.push_back(FieldSelectorTerm{field, SelectionOperator::kEquals, value});
  }
  return result;
}

bool FieldSelector::Matches(const std::map<std::string, std::string>& fields) const {
  return std::all_of(terms_.begin(), terms_.end(), [&fields](const FieldSelectorTerm& term) {
    auto it = fields.find(term.field);
    std::string_view actual = it == fields.end() ? std::string_view() : it->second;
    bool equal = actual == term.value;
    return term.op == SelectionOperator::kNotEquals ? !equal : equal;
  });
}

std::string FieldSelector::ToString() const {
  std::string out;
  for (std::size_t i = 0; i < terms_.size(); ++i) {
    if (i > 0) out += ",";
    out += terms_[i].field;
    out += terms_[i].op == SelectionOperator::kNotEquals ? "!=" : "=";
    out += EscapeFieldSelectorValue(terms_[i].value);
  }
  return out;
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const FieldSelectorTerm& term : terms_) {
    if (term.field == field && term.op != SelectionOperator::kNotEquals) return term.value;
  }
  return std::nullopt;
}

}  // namespace kube
