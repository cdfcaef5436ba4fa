#include "kubecpp/core/labels.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <system_error>

#include "kubecpp/core/internal/json_reader.h"
#include "kubecpp/core/validation.h"

namespace kube {
namespace {

using internal::Quote;

// Go's strconv.ParseInt(s, 10, 64): optional sign, then one or more decimal digits,
// within the int64 range.
std::optional<std::int64_t> ParseInt64(std::string_view s) {
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    digits.remove_prefix(1);
  }
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  // from_chars takes a leading '-' but not a '+'.
  std::string_view text = s.front() == '+' ? digits : s;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %#v of a []string, as the apiserver prints a bad value list.
std::string GoStringSlice(const std::vector<std::string>& values) {
  std::string out = "[]string{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(values[i]);
  }
  out += "}";
  return out;
}

// The text of one apiserver field error, "<path>: Invalid value: <value>: <detail>".
std::string InvalidField(std::string_view path, std::string_view quoted_value,
                         std::string_view detail) {
  std::string out(path);
  out += ": Invalid value: ";
  out += quoted_value;
  out += ": ";
  out += detail;
  return out;
}

// Upstream's aggregate error text: the single error, or "[e1, e2, ...]".
std::string Aggregate(const std::vector<std::string>& errors) {
  if (errors.size() == 1) return errors.front();
  return "[" + Join(errors, ", ") + "]";
}

// --- Lexer -------------------------------------------------------------------------

enum class TokenKind {
  kIdentifier,
  kIn,
  kNotIn,
  kOpenParen,
  kCloseParen,
  kComma,
  kNot,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreaterThan,
  kLessThan,
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string_view text;
  std::size_t pos;  // byte offset in the input
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecial(char c) {
  switch (c) {
    case '=':
    case '!':
    case '(':
    case ')':
    case ',':
    case '>':
    case '<':
      return true;
    default:
      return false;
  }
}

TokenKind SpecialKind(std::string_view text) {
  if (text == "!=") return TokenKind::kNotEquals;
  if (text == "==") return TokenKind::kDoubleEquals;
  switch (text.front()) {
    case '=':
      return TokenKind::kEquals;
    case '!':
      return TokenKind::kNot;
    case '(':
      return TokenKind::kOpenParen;
    case ')':
      return TokenKind::kCloseParen;
    case ',':
      return TokenKind::kComma;
    case '>':
      return TokenKind::kGreaterThan;
    default:
      return TokenKind::kLessThan;
  }
}

// Splits the input into tokens, ending with one kEnd. Special symbols take the longest
// match ("!=" and "==" before "!" and "="); every other run of characters up to a
// special symbol or whitespace is a word, and the words "in" and "notin" are keywords.
std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t pos = 0;
  while (true) {
    while (pos < s.size() && IsWhitespace(s[pos])) ++pos;
    if (pos == s.size()) {
      tokens.push_back({TokenKind::kEnd, {}, pos});
      return tokens;
    }
    if (IsSpecial(s[pos])) {
      std::string_view two = s.substr(pos, 2);
      std::size_t len = (two == "!=" || two == "==") ? 2 : 1;
      std::string_view text = s.substr(pos, len);
      tokens.push_back({SpecialKind(text), text, pos});
      pos += len;
      continue;
    }
    std::size_t end = pos;
    while (end < s.size() && !IsSpecial(s[end]) && !IsWhitespace(s[end])) ++end;
    std::string_view word = s.substr(pos, end - pos);
    TokenKind kind = word == "in"      ? TokenKind::kIn
                     : word == "notin" ? TokenKind::kNotIn
                                       : TokenKind::kIdentifier;
    tokens.push_back({kind, word, pos});
    pos = end;
  }
}

// --- Parser ------------------------------------------------------------------------

// Where a token is read decides how the keywords "in" and "notin" are taken: as
// operators after a key, as plain words everywhere else ("notin=in" is valid).
enum class Context { kOperator, kValue };

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), tokens_(Lex(input)) {}

  Result<Selector> Parse() {
    Selector selector;
    if (Peek(Context::kValue) == TokenKind::kEnd) return selector;
    while (true) {
      TokenKind kind = Peek(Context::kValue);
      if (kind != TokenKind::kIdentifier && kind != TokenKind::kNot) {
        return Expected("a key or '!'", Current(), LastConsumed());
      }
      Result<Requirement> requirement = ParseRequirement();
      if (!requirement) return requirement.error();
      selector.Add(*std::move(requirement));

      const Token* before = LastConsumed();
      Token next = Next(Context::kValue);
      if (next.kind == TokenKind::kEnd) return selector;
      if (next.kind != TokenKind::kComma) return Expected("',' or end of input", next, before);
    }
  }

 private:
  TokenKind Kind(const Token& token, Context context) const {
    if (context == Context::kValue &&
        (token.kind == TokenKind::kIn || token.kind == TokenKind::kNotIn)) {
      return TokenKind::kIdentifier;
    }
    return token.kind;
  }
  const Token& Current() const { return tokens_[index_]; }
  TokenKind Peek(Context context) const { return Kind(Current(), context); }
  Token Next(Context context) {
    Token token = tokens_[index_];
    token.kind = Kind(token, context);
    if (index_ + 1 < tokens_.size()) ++index_;  // kEnd repeats forever
    return token;
  }
  // The last token consumed, if any. Only meaningful before kEnd was consumed.
  const Token* LastConsumed() const { return index_ > 0 ? &tokens_[index_ - 1] : nullptr; }

  Status Fail(std::string_view detail) const {
    return BadRequestError("unable to parse label selector " + Quote(input_) + ": " +
                           std::string(detail));
  }

  static std::string Describe(const Token& token) {
    if (token.kind == TokenKind::kEnd) return "end of input";
    return Quote(token.text) + " at position " + std::to_string(token.pos);
  }

  // "expected <what> after "<prev>", found <token>".
  Status Expected(std::string_view what, const Token& found, const Token* after = nullptr) const {
    std::string detail = "expected ";
    detail += what;
    if (after != nullptr) detail += " after " + Quote(after->text);
    detail += ", found " + Describe(found);
    return Fail(detail);
  }

  Result<Requirement> ParseRequirement() {
    const std::size_t start = Current().pos;
    bool does_not_exist = false;
    Token key_token = Next(Context::kValue);
    if (key_token.kind == TokenKind::kNot) {
      does_not_exist = true;
      Token bang = key_token;
      key_token = Next(Context::kValue);
      if (key_token.kind != TokenKind::kIdentifier) return Expected("a key", key_token, &bang);
    }
    // The caller checked the first token, so key_token is an identifier here.
    std::string key(key_token.text);
    if (std::vector<std::string> errs = IsQualifiedName(key); !errs.empty()) {
      return Fail("invalid label key " + Quote(key) + " at position " +
                  std::to_string(key_token.pos) + ": " + Join(errs, "; "));
    }

    SelectionOperator op = SelectionOperator::kExists;
    std::vector<std::string> values;
    TokenKind after_key = Peek(Context::kValue);
    if (does_not_exist) {
      // "!key" takes nothing more; whatever follows is the caller's to reject.
      op = SelectionOperator::kDoesNotExist;
    } else if (after_key == TokenKind::kEnd || after_key == TokenKind::kComma) {
      op = SelectionOperator::kExists;
    } else {
      Token op_token = Next(Context::kOperator);
      switch (op_token.kind) {
        case TokenKind::kEquals:
          op = SelectionOperator::kEquals;
          break;
        case TokenKind::kDoubleEquals:
          op = SelectionOperator::kDoubleEquals;
          break;
        case TokenKind::kNotEquals:
          op = SelectionOperator::kNotEquals;
          break;
        case TokenKind::kIn:
          op = SelectionOperator::kIn;
          break;
        case TokenKind::kNotIn:
          op = SelectionOperator::kNotIn;
          break;
        case TokenKind::kGreaterThan:
          op = SelectionOperator::kGreaterThan;
          break;
        case TokenKind::kLessThan:
          op = SelectionOperator::kLessThan;
          break;
        default:
          return Expected("an operator (=, ==, !=, in, notin, >, <)", op_token, &key_token);
      }
      Result<std::vector<std::string>> parsed =
          (op == SelectionOperator::kIn || op == SelectionOperator::kNotIn)
              ? ParseValueSet(op_token)
              : ParseValue(op_token);
      if (!parsed) return parsed.error();
      values = *std::move(parsed);
    }

    Result<Requirement> requirement = Requirement::Create(std::move(key), op, std::move(values));
    if (!requirement) {
      const Token* last = LastConsumed();
      std::size_t end = last != nullptr ? last->pos + last->text.size() : start;
      return Fail("invalid requirement " + Quote(input_.substr(start, end - start)) +
                  " at position " + std::to_string(start) + ": " + requirement.error().message());
    }
    return requirement;
  }

  // "(" [values separated by ','] ")"; empty entries stand for the empty value, so
  // "()", "(,a)" and "(a,)" all contain "". The result is sorted and de-duplicated.
  Result<std::vector<std::string>> ParseValueSet(const Token& op_token) {
    Token open = Next(Context::kValue);
    if (open.kind != TokenKind::kOpenParen) return Expected("'('", open, &op_token);

    std::set<std::string> set;
    auto finish = [&set]() { return std::vector<std::string>(set.begin(), set.end()); };
    TokenKind first = Peek(Context::kValue);
    if (first == TokenKind::kCloseParen) {
      Next(Context::kValue);
      return std::vector<std::string>{""};
    }
    if (first != TokenKind::kIdentifier && first != TokenKind::kComma) {
      return Expected("a value, ',' or ')'", Current(), &open);
    }
    Token last = open;
    while (true) {
      Token token = Next(Context::kValue);
      if (token.kind == TokenKind::kIdentifier) {
        set.emplace(token.text);
        TokenKind following = Peek(Context::kValue);
        if (following == TokenKind::kCloseParen) {
          Next(Context::kValue);
          return finish();
        }
        if (following != TokenKind::kComma) {
          return Expected("',' or ')'", Current(), &token);
        }
      } else if (token.kind == TokenKind::kComma) {
        if (set.empty()) set.emplace();  // "(," starts with an empty value
        TokenKind following = Peek(Context::kValue);
        if (following == TokenKind::kCloseParen) {
          set.emplace();  // ",)" ends with an empty value
          Next(Context::kValue);
          return finish();
        }
        if (following == TokenKind::kComma) {
          Next(Context::kValue);
          set.emplace();  // ",," has an empty value between
        }
      } else {
        return Expected("a value or ','", token, &last);
      }
      last = *LastConsumed();
    }
  }

  // The single value after =, ==, !=, > or <; nothing before ',' or the end means "".
  Result<std::vector<std::string>> ParseValue(const Token& op_token) {
    TokenKind kind = Peek(Context::kValue);
    if (kind == TokenKind::kEnd || kind == TokenKind::kComma) {
      return std::vector<std::string>{""};
    }
    Token token = Next(Context::kValue);
    if (token.kind != TokenKind::kIdentifier) return Expected("a value", token, &op_token);
    return std::vector<std::string>{std::string(token.text)};
  }

  std::string_view input_;
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
};

}  // namespace

std::string_view SelectionOperatorName(SelectionOperator op) {
  switch (op) {
    case SelectionOperator::kEquals:
      return "=";
    case SelectionOperator::kDoubleEquals:
      return "==";
    case SelectionOperator::kNotEquals:
      return "!=";
    case SelectionOperator::kIn:
      return "in";
    case SelectionOperator::kNotIn:
      return "notin";
    case SelectionOperator::kExists:
      return "exists";
    case SelectionOperator::kDoesNotExist:
      return "!";
    case SelectionOperator::kGreaterThan:
      return "gt";
    case SelectionOperator::kLessThan:
      return "lt";
  }
  return "unknown";
}

// --- Requirement -------------------------------------------------------------------

Result<Requirement> Requirement::Create(std::string key, SelectionOperator op,
                                        std::vector<std::string> values) {
  std::vector<std::string> errors;
  if (std::vector<std::string> errs = IsQualifiedName(key); !errs.empty()) {
    errors.push_back(InvalidField("key", Quote(key), Join(errs, "; ")));
  }
  auto values_error = [&](std::string_view detail) {
    errors.push_back(InvalidField("values", GoStringSlice(values), detail));
  };
  switch (op) {
    case SelectionOperator::kIn:
    case SelectionOperator::kNotIn:
      if (values.empty()) values_error("for 'in', 'notin' operators, values set can't be empty");
      break;
    case SelectionOperator::kEquals:
    case SelectionOperator::kDoubleEquals:
    case SelectionOperator::kNotEquals:
      if (values.size() != 1) values_error("exact-match compatibility requires one single value");
      break;
    case SelectionOperator::kExists:
    case SelectionOperator::kDoesNotExist:
      if (!values.empty()) {
        values_error("values set must be empty for exists and does not exist");
      }
      break;
    case SelectionOperator::kGreaterThan:
    case SelectionOperator::kLessThan:
      if (values.size() != 1) {
        values_error("for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          errors.push_back(InvalidField("values[" + std::to_string(i) + "]", Quote(values[i]),
                                        "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::vector<std::string> errs = IsValidLabelValue(values[i]); !errs.empty()) {
      errors.push_back(InvalidField("values[" + std::to_string(i) + "][" + key + "]",
                                    Quote(values[i]), Join(errs, "; ")));
    }
  }
  if (!errors.empty()) return InvalidError(Aggregate(errors));
  return Requirement(std::move(key), op, std::move(values));
}

bool Requirement::Matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(key_);
  const bool present = it != labels.end();
  auto has_value = [&]() {
    return std::find(values_.begin(), values_.end(), it->second) != values_.end();
  };
  switch (op_) {
    case SelectionOperator::kIn:
    case SelectionOperator::kEquals:
    case SelectionOperator::kDoubleEquals:
      return present && has_value();
    case SelectionOperator::kNotIn:
    case SelectionOperator::kNotEquals:
      return !present || !has_value();
    case SelectionOperator::kExists:
      return present;
    case SelectionOperator::kDoesNotExist:
      return !present;
    case SelectionOperator::kGreaterThan:
    case SelectionOperator::kLessThan: {
      if (!present || values_.size() != 1) return false;
      std::optional<std::int64_t> actual = ParseInt64(it->second);
      std::optional<std::int64_t> bound = ParseInt64(values_.front());
      if (!actual || !bound) return false;
      return op_ == SelectionOperator::kGreaterThan ? *actual > *bound : *actual < *bound;
    }
  }
  return false;
}

std::string Requirement::ToString() const {
  std::string out;
  if (op_ == SelectionOperator::kDoesNotExist) out += "!";
  out += key_;
  switch (op_) {
    case SelectionOperator::kExists:
    case SelectionOperator::kDoesNotExist:
      return out;
    case SelectionOperator::kEquals:
      out += "=";
      break;
    case SelectionOperator::kDoubleEquals:
      out += "==";
      break;
    case SelectionOperator::kNotEquals:
      out += "!=";
      break;
    case SelectionOperator::kIn:
      out += " in (";
      break;
    case SelectionOperator::kNotIn:
      out += " notin (";
      break;
    case SelectionOperator::kGreaterThan:
      out += ">";
      break;
    case SelectionOperator::kLessThan:
      out += "<";
      break;
  }
  std::vector<std::string> sorted = values_;
  std::sort(sorted.begin(), sorted.end());
  out += Join(sorted, ",");
  if (op_ == SelectionOperator::kIn || op_ == SelectionOperator::kNotIn) out += ")";
  return out;
}

// --- Selector ----------------------------------------------------------------------

Selector Selector::Nothing() {
  Selector selector;
  selector.nothing_ = true;
  return selector;
}

Result<Selector> Selector::Parse(std::string_view selector) { return Parser(selector).Parse(); }

Result<Selector> Selector::FromSet(const std::map<std::string, std::string>& set) {
  Selector selector;
  for (const auto& [key, value] : set) {
    Result<Requirement> requirement = Requirement::Create(key, SelectionOperator::kEquals, {value});
    if (!requirement) return requirement.error();
    selector.Add(*std::move(requirement));
  }
  return selector;
}

bool Selector::Matches(const std::map<std::string, std::string>& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&labels](const Requirement& r) { return r.Matches(labels); });
}

std::string Selector::ToString() const {
  std::string out;
  for (std::size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ",";
    out += requirements_[i].ToString();
  }
  return out;
}

Selector& Selector::Add(Requirement requirement) {
  if (nothing_) return *this;
  auto pos =
      std::upper_bound(requirements_.begin(), requirements_.end(), requirement.key(),
                       [](const std::string& key, const Requirement& r) { return key < r.key(); });
  requirements_.insert(pos, std::move(requirement));
  return *this;
}

std::optional<std::string> Selector::RequiresExactMatch(std::string_view key) const {
  for (const Requirement& r : requirements_) {
    if (r.key() != key) continue;
    switch (r.op()) {
      case SelectionOperator::kEquals:
      case SelectionOperator::kDoubleEquals:
      case SelectionOperator::kIn:
        if (r.values().size() == 1) return r.values().front();
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

// --- LabelSelector -----------------------------------------------------------------

Result<Selector> LabelSelectorAsSelector(const LabelSelector* selector) {
  if (selector == nullptr) return Selector::Nothing();
  Selector result;
  for (const auto& [key, value] : selector->match_labels) {
    Result<Requirement> requirement = Requirement::Create(key, SelectionOperator::kEquals, {value});
    if (!requirement) return requirement.error();
    result.Add(*std::move(requirement));
  }
  for (const LabelSelectorRequirement& expression : selector->match_expressions) {
    SelectionOperator op;
    if (expression.operator_ == kLabelSelectorOpIn) {
      op = SelectionOperator::kIn;
    } else if (expression.operator_ == kLabelSelectorOpNotIn) {
      op = SelectionOperator::kNotIn;
    } else if (expression.operator_ == kLabelSelectorOpExists) {
      op = SelectionOperator::kExists;
    } else if (expression.operator_ == kLabelSelectorOpDoesNotExist) {
      op = SelectionOperator::kDoesNotExist;
    } else {
      return InvalidError(Quote(expression.operator_) + " is not a valid label selector operator");
    }
    Result<Requirement> requirement = Requirement::Create(expression.key, op, expression.values);
    if (!requirement) return requirement.error();
    result.Add(*std::move(requirement));
  }
  return result;
}

Result<LabelSelector> SelectorAsLabelSelector(const Selector& selector) {
  if (selector.IsNothing()) {
    return BadRequestError(
        "the selector that matches nothing has no LabelSelector form other than null");
  }
  LabelSelector result;
  for (const Requirement& r : selector.requirements()) {
    std::string_view op;
    switch (r.op()) {
      case SelectionOperator::kEquals:
      case SelectionOperator::kDoubleEquals:
        result.match_labels[r.key()] = r.values().front();
        continue;
      case SelectionOperator::kIn:
        op = kLabelSelectorOpIn;
        break;
      case SelectionOperator::kNotIn:
        op = kLabelSelectorOpNotIn;
        break;
      case SelectionOperator::kExists:
        op = kLabelSelectorOpExists;
        break;
      case SelectionOperator::kDoesNotExist:
        op = kLabelSelectorOpDoesNotExist;
        break;
      case SelectionOperator::kGreaterThan:
      case SelectionOperator::kLessThan:
        return BadRequestError(Quote(SelectionOperatorName(r.op())) +
                               " isn't supported in label selectors");
      case SelectionOperator::kNotEquals:
        return BadRequestError(Quote(SelectionOperatorName(r.op())) +
                               " is not a valid label selector operator");
    }
    std::set<std::string> values(r.values().begin(), r.values().end());
    result.match_expressions.push_back(LabelSelectorRequirement{
        .key = r.key(),
        .operator_ = std::string(op),
        .values = std::vector<std::string>(values.begin(), values.end()),
    });
  }
  return result;
}

std::string FormatLabelSelector(const LabelSelector* selector) {
  Result<Selector> parsed = LabelSelectorAsSelector(selector);
  if (!parsed) return "<error>";
  std::string text = parsed->ToString();
  return text.empty() ? "<none>" : text;
}

void ToJson(const LabelSelectorRequirement& v, nlohmann::json* out) {
  *out = Json{{"key", v.key}, {"operator", v.operator_}};
  internal::PutIfNotEmpty(out, "values", v.values);
}

void ToJson(const LabelSelector& v, nlohmann::json* out) {
  *out = Json::object();
  internal::PutIfNotEmpty(out, "matchLabels", v.match_labels);
  internal::PutIfNotEmpty(out, "matchExpressions", v.match_expressions);
}

Status FromJsonAt(const nlohmann::json& in, std::string_view path, LabelSelectorRequirement* out) {
  Status s;
  internal::ObjectReader r(in, path, &s);
  r.Read("key", &out->key);
  r.Read("operator", &out->operator_);
  r.Read("values", &out->values);
  return s;
}

Status FromJsonAt(const nlohmann::json& in, std::string_view path, LabelSelector* out) {
  Status s;
  internal::ObjectReader r(in, path, &s);
  r.Read("matchLabels", &out->match_labels);
  r.Read("matchExpressions", &out->match_expressions);
  return s;
}

}  // namespace kube
