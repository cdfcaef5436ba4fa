// Expected values come from k8s.io/apimachinery/pkg/labels/selector_test.go and
// pkg/apis/meta/v1/helpers.go, and from docs/k8s-semantics.md section A10.
#include "kubecpp/core/labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Labels = std::map<std::string, std::string>;

Requirement Req(std::string key, SelectionOperator op, std::vector<std::string> values = {}) {
  Result<Requirement> r = Requirement::Create(std::move(key), op, std::move(values));
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

// --- Parse: valid input -------------------------------------------------------------

struct ValidParseCase {
  std::string input;
  std::string canonical;  // ToString() of the parsed selector
};

TEST(LabelSelectorParse, AcceptsUpstreamSyntaxAndPrintsCanonicalForm) {
  const std::vector<ValidParseCase> cases = {
      // TestSelectorParse good strings: canonical form is the input without spaces.
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"", ""},
      {"x!=a,y=b", "x!=a,y=b"},
      {"x=", "x="},
      {"x= ", "x="},
      {"x=,z= ", "x=,z="},
      {"x= ,z= ", "x=,z="},
      {"!x", "!x"},
      {"x>1", "x>1"},
      {"x>1,z<5", "x>1,z<5"},
      // TestSetSelectorParser valid cases.
      {"\rx", "x"},
      {"this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"},
      {"this-is-another-dns.domain.com/key-with-dash in (so,what)",
       "this-is-another-dns.domain.com/key-with-dash in (so,what)"},
      {"0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
       "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"},
      {"foo  in\t (abc)", "foo in (abc)"},
      {"x notin\n (abc)", "x notin (abc)"},
      {"x  notin\t\t\t(abc,def)", "x notin (abc,def)"},
      {"x in (abc,def)", "x in (abc,def)"},
      {"x in (abc,)", "x in (,abc)"},
      {"x in ()", "x in ()"},
      {"x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"},
      {"x,y in (a)", "x,y in (a)"},
      {"x=a", "x=a"},
      {"x<7", "x<7"},
      {"x=a,y!=b", "x=a,y!=b"},
      {"x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"},
      {"x notin ( )", "x notin ()"},
      {"x notin (, a)", "x notin (,a)"},
      {"a ", "a"},
      {"a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"},
      // 'in' and 'notin' are plain words where a key or value is expected.
      {"notin=in", "notin=in"},
      {"in in (in)", "in in (in)"},
      // Sorted by key, stable for equal keys; == is kept as written.
      {"x=a,a=x", "a=x,x=a"},
      {"z=1,a in (b,a),m", "a in (a,b),m,z=1"},
      {"x==a", "x==a"},
      {"z!=a,z", "z!=a,z"},
      // Set values are de-duplicated; empty entries mean the empty value.
      {"x in (a,a,b)", "x in (a,b)"},
      {"x in (,)", "x in ()"},
      {"x in (a,,b)", "x in (,a,b)"},
      {" x = a , y ", "x=a,y"},
      {"app.kubernetes.io/name=web", "app.kubernetes.io/name=web"},
      {"x>0,x<10", "x>0,x<10"},
      {std::string(63, 'k') + "=" + std::string(63, 'v'),
       std::string(63, 'k') + "=" + std::string(63, 'v')},
  };
  for (const ValidParseCase& c : cases) {
    SCOPED_TRACE("input: \"" + c.input + "\"");
    Result<Selector> parsed = Selector::Parse(c.input);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->ToString(), c.canonical);
    EXPECT_FALSE(parsed->IsNothing());
    // The canonical form parses back to an equal selector.
    Result<Selector> reparsed = Selector::Parse(parsed->ToString());
    ASSERT_TRUE(reparsed.ok()) << reparsed.status();
    EXPECT_EQ(*reparsed, *parsed);
  }
}

TEST(LabelSelectorParse, ParsesIntoSortedRequirements) {
  Result<Selector> s = Selector::Parse("x notin (abc,,def),bar,z in (),w");
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<Requirement> want = {
      Req("bar", SelectionOperator::kExists),
      Req("w", SelectionOperator::kExists),
      Req("x", SelectionOperator::kNotIn, {"", "abc", "def"}),
      Req("z", SelectionOperator::kIn, {""}),
  };
  EXPECT_EQ(s->requirements(), want);
}

TEST(LabelSelectorParse, EmptyStringIsEverything) {
  Result<Selector> s = Selector::Parse("");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Empty());
  EXPECT_EQ(*s, Selector::Everything());
}

// --- Parse: invalid input -----------------------------------------------------------

struct InvalidParseCase {
  std::string input;
  std::string detail;  // must appear in the message
};

TEST(LabelSelectorParse, RejectsMalformedInputNamingTokenAndPosition) {
  const std::vector<InvalidParseCase> cases = {
      // TestSelectorParse bad strings.
      {"x=a||y=b", R"(values[0][x]: Invalid value: "a||y")"},
      {"x==a==b", R"(expected ',' or end of input after "a", found "==" at position 4)"},
      {"!x=a", R"(expected ',' or end of input after "x", found "=" at position 2)"},
      {"x<a", "for 'Gt', 'Lt' operators, the value must be an integer"},
      // TestSetSelectorParser invalid cases.
      {"x,,y", R"(expected a key or '!' after ",", found "," at position 2)"},
      {",x,y", R"(expected a key or '!', found "," at position 0)"},
      {"x nott in (y)",
       R"(expected an operator (=, ==, !=, in, notin, >, <) after "x", found "nott" at position 2)"},
      {"a in (xyz),", R"(expected a key or '!' after ",", found end of input)"},
      {"a in (xyz)b notin ()",
       R"-(expected ',' or end of input after ")", found "b" at position 10)-"},
      {"a in (xyz abc)", R"(expected ',' or ')' after "xyz", found "abc" at position 10)"},
      {"a notin(", R"(expected a value, ',' or ')' after "(", found end of input)"},
      {"a (", R"(after "a", found "(" at position 2)"},
      {"(", R"(expected a key or '!', found "(" at position 0)"},
      // More structure errors.
      {"x in (a,,)", R"-(expected a value or ',' after ",", found ")" at position 9)-"},
      {"x in a", R"(expected '(' after "in", found "a" at position 5)"},
      {"x=(", R"(expected a value after "=", found "(" at position 2)"},
      {"!", R"(expected a key after "!", found end of input)"},
      {"!!x", R"(expected a key after "!", found "!" at position 1)"},
      {"x>=1", R"(expected a value after ">", found "=" at position 2)"},
      {"x in (a) y", R"-(expected ',' or end of input after ")", found "y" at position 9)-"},
      {"x notin (a),", "found end of input"},
      {"=x", R"(expected a key or '!', found "=" at position 0)"},
      // Gt/Lt need one integer that is also a valid label value.
      {"x>", R"(invalid requirement "x>" at position 0)"},
      {"y=1,x>1.5", R"(invalid requirement "x>1.5" at position 4)"},
      {"x>-1", R"(values[0][x]: Invalid value: "-1")"},
      {"x<99999999999999999999", "the value must be an integer"},
      // Invalid keys and values are named.
      {"bad$key=x", R"(invalid label key "bad$key" at position 0: name part must consist of)"},
      {"a/b/c", R"(invalid label key "a/b/c" at position 0: a valid label key must consist of)"},
      {"example.com/=x", R"(invalid label key "example.com/" at position 0: name part must be)"},
      {"Example.com/x", R"(prefix part a lowercase RFC 1123 subdomain)"},
      {std::string(64, 'k'), "name part must be no more than 63 characters"},
      {"x=" + std::string(64, 'v'), "must be no more than 63 characters"},
      {"x in (ok,-bad)", R"(Invalid value: "-bad": a valid label must be an empty string)"},
      {"x=a b", R"(found "b" at position 4)"},
  };
  for (const InvalidParseCase& c : cases) {
    SCOPED_TRACE("input: \"" + c.input + "\"");
    Result<Selector> parsed = Selector::Parse(c.input);
    ASSERT_FALSE(parsed.ok()) << "parsed as " << parsed->ToString();
    EXPECT_EQ(parsed.error().code(), Code::kBadRequest);
    EXPECT_THAT(parsed.error().message(), StartsWith("unable to parse label selector \""));
    EXPECT_THAT(parsed.error().message(), HasSubstr(c.detail));
  }
}

TEST(LabelSelectorParse, UnterminatedSetNamesLastValueAndEndOfInput) {
  Result<Selector> parsed = Selector::Parse("a in (x");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(),
            R"(unable to parse label selector "a in (x": expected ',' or ')' after "x", )"
            "found end of input");
}

// --- Matching -----------------------------------------------------------------------

struct MatchCase {
  std::string selector;
  Labels labels;
  bool match;
};

TEST(LabelSelectorMatches, FollowsUpstreamSemanticsForEveryOperator) {
  const Labels foo_baz = {{"foo", "bar"}, {"baz", "blah"}};
  const std::vector<MatchCase> cases = {
      // TestSelectorMatches.
      {"", {{"x", "y"}}, true},
      {"x=y", {{"x", "y"}}, true},
      {"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
      {"notin=in", {{"notin", "in"}}, true},
      {"x", {{"x", "z"}}, true},
      {"!x", {{"y", "z"}}, true},
      {"x>1", {{"x", "2"}}, true},
      {"x<1", {{"x", "0"}}, true},
      {"x=z", {}, false},
      {"x=y", {{"x", "z"}}, false},
      {"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
      {"x", {{"y", "z"}}, false},
      {"!x", {{"x", "z"}}, false},
      {"x>1", {{"x", "0"}}, false},
      {"x<1", {{"x", "2"}}, false},
      {"foo=bar", foo_baz, true},
      {"baz=blah", foo_baz, true},
      {"foo=bar,baz=blah", foo_baz, true},
      {"foo=blah", foo_baz, false},
      {"baz=bar", foo_baz, false},
      {"foo=bar,foobar=bar,baz=blah", foo_baz, false},
      // TestRequirementSelectorMatching.
      {"x in (foo),y notin (alpha)", {{"x", "foo"}, {"y", "baz"}}, true},
      {"x in (foo),y in (alpha)", {{"x", "foo"}, {"y", "baz"}}, false},
      {"x notin (),y", {{"y", ""}}, true},
      {"!x,y", {{"y", ""}}, true},
      {"x notin (),!y", {{"y", ""}}, false},
      {"x in ()", {{"y", "baz"}}, false},
      {"z>1", {{"z", "2"}}, true},
      {"z>1", {{"z", "v2"}}, false},
      // Absent keys: only !=, notin and ! match them.
      {"x!=y", {}, true},
      {"x notin (a,b)", {}, true},
      {"!x", {}, true},
      {"x=", {}, false},
      {"x==a", {}, false},
      {"x in (a)", {}, false},
      {"x", {}, false},
      {"x>1", {}, false},
      {"x<1", {}, false},
      // Present keys.
      {"x=", {{"x", ""}}, true},
      {"x==a", {{"x", "a"}}, true},
      {"x in (a,b)", {{"x", "b"}}, true},
      {"x in ()", {{"x", ""}}, true},
      {"x notin (a,b)", {{"x", "c"}}, true},
      {"x notin (a,b)", {{"x", "a"}}, false},
      {"x notin ()", {{"x", ""}}, false},
      {"x!=a", {{"x", "a"}}, false},
      // Gt/Lt compare numerically, not as text.
      {"x>9", {{"x", "10"}}, true},
      {"x<10", {{"x", "9"}}, true},
      {"x>10", {{"x", "9"}}, false},
      {"x>1", {{"x", "1"}}, false},
      {"x<1", {{"x", "-5"}}, true},
      {"x>1", {{"x", ""}}, false},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE("selector: \"" + c.selector + "\"");
    Result<Selector> s = Selector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->Matches(c.labels), c.match);
  }
}

TEST(LabelSelectorMatches, EverythingMatchesAllAndNothingMatchesNone) {
  EXPECT_TRUE(Selector::Everything().Matches({{"x", "y"}}));
  EXPECT_TRUE(Selector::Everything().Matches({}));
  EXPECT_TRUE(Selector::Everything().Empty());
  EXPECT_FALSE(Selector::Everything().IsNothing());

  EXPECT_FALSE(Selector::Nothing().Matches({{"x", "y"}}));
  EXPECT_FALSE(Selector::Nothing().Matches({}));
  EXPECT_FALSE(Selector::Nothing().Empty());
  EXPECT_TRUE(Selector::Nothing().IsNothing());
  EXPECT_EQ(Selector::Nothing().ToString(), "");
  EXPECT_TRUE(Selector::Nothing().requirements().empty());
  EXPECT_NE(Selector::Nothing(), Selector::Everything());
}

// --- Requirements, ToString and Add -------------------------------------------------

struct RequirementCase {
  std::string key;
  SelectionOperator op;
  std::vector<std::string> values;
  bool ok;
};

TEST(Requirement, CreateValidatesKeyOperatorAndValues) {
  using Op = SelectionOperator;
  const std::vector<RequirementCase> cases = {
      // TestRequirementConstructor.
      {"x", Op::kIn, {}, false},
      {"x", Op::kNotIn, {}, false},
      {"x", Op::kIn, {"foo"}, true},
      {"x", Op::kNotIn, {"foo"}, true},
      {"x", Op::kExists, {}, true},
      {"x", Op::kDoesNotExist, {}, true},
      {"1foo", Op::kIn, {"bar"}, true},
      {"1234", Op::kIn, {"bar"}, true},
      {"y", Op::kGreaterThan, {"1"}, true},
      {"z", Op::kLessThan, {"6"}, true},
      {"foo", Op::kGreaterThan, {"bar"}, false},
      {"barz", Op::kLessThan, {"blah"}, false},
      {std::string(254, 'a'), Op::kExists, {}, false},
      // Value counts per operator.
      {"x", Op::kExists, {"a"}, false},
      {"x", Op::kDoesNotExist, {"a"}, false},
      {"x", Op::kEquals, {}, false},
      {"x", Op::kEquals, {"a", "b"}, false},
      {"x", Op::kDoubleEquals, {"a"}, true},
      {"x", Op::kNotEquals, {""}, true},
      {"x", Op::kGreaterThan, {"1", "2"}, false},
      {"x", Op::kGreaterThan, {}, false},
      {"x", Op::kIn, {"a", "", "b"}, true},
      // Keys and values.
      {"", Op::kExists, {}, false},
      {"x", Op::kIn, {"bad value"}, false},
      {"x", Op::kEquals, {std::string(64, 'v')}, false},
      {"example.com/" + std::string(63, 'k'), Op::kExists, {}, true},
  };
  for (const RequirementCase& c : cases) {
    SCOPED_TRACE("key: \"" + c.key + "\" op: " + std::string(SelectionOperatorName(c.op)));
    Result<Requirement> r = Requirement::Create(c.key, c.op, c.values);
    EXPECT_EQ(r.ok(), c.ok) << r.status();
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Code::kInvalid);
    }
  }
}

TEST(Requirement, CreateErrorsUseApiserverFieldErrorText) {
  using Op = SelectionOperator;
  EXPECT_EQ(Requirement::Create("x", Op::kIn, {}).error().message(),
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't "
            "be empty");
  EXPECT_EQ(Requirement::Create("x", Op::kGreaterThan, {"a"}).error().message(),
            R"(values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an )"
            "integer");
  EXPECT_EQ(Requirement::Create("x", Op::kEquals, {"a", "b"}).error().message(),
            R"(values: Invalid value: []string{"a", "b"}: exact-match compatibility requires )"
            "one single value");
  EXPECT_THAT(Requirement::Create("Bad Key", Op::kExists, {}).error().message(),
              StartsWith(R"(key: Invalid value: "Bad Key": name part must consist of )"
                         "alphanumeric characters"));
  // Several problems are aggregated as "[e1, e2]".
  std::string both = Requirement::Create("Bad Key", Op::kIn, {}).error().message();
  EXPECT_THAT(both, StartsWith(R"([key: Invalid value: "Bad Key": )"));
  EXPECT_THAT(both, HasSubstr(", values: Invalid value: []string{}: for 'in', 'notin'"));
}

TEST(LabelSelectorToString, WritesUpstreamCanonicalForm) {
  using Op = SelectionOperator;
  struct Case {
    std::vector<Requirement> requirements;
    std::string want;
  };
  // TestToString.
  const std::vector<Case> cases = {
      {{Req("x", Op::kIn, {"abc", "def"}), Req("y", Op::kNotIn, {"jkl"}), Req("z", Op::kExists)},
       "x in (abc,def),y notin (jkl),z"},
      {{Req("x", Op::kNotIn, {"abc", "def"}), Req("y", Op::kNotEquals, {"jkl"}),
        Req("z", Op::kDoesNotExist)},
       "x notin (abc,def),y!=jkl,!z"},
      {{Req("x", Op::kNotIn, {"abc"}), Req("y", Op::kIn, {"jkl", "mno"}),
        Req("z", Op::kNotIn, {""})},
       "x notin (abc),y in (jkl,mno),z notin ()"},
      {{Req("x", Op::kEquals, {"abc"}), Req("y", Op::kDoubleEquals, {"jkl"}),
        Req("z", Op::kNotEquals, {"a"}), Req("z", Op::kExists)},
       "x=abc,y==jkl,z!=a,z"},
      {{Req("x", Op::kGreaterThan, {"2"}), Req("y", Op::kLessThan, {"8"}), Req("z", Op::kExists)},
       "x>2,y<8,z"},
      // Added out of order: kept sorted by key.
      {{Req("z", Op::kExists), Req("a", Op::kIn, {"b", "a"}), Req("m", Op::kDoesNotExist)},
       "a in (a,b),!m,z"},
  };
  for (const Case& c : cases) {
    Selector s;
    for (const Requirement& r : c.requirements) s.Add(r);
    EXPECT_EQ(s.ToString(), c.want);
    Result<Selector> reparsed = Selector::Parse(s.ToString());
    ASSERT_TRUE(reparsed.ok()) << reparsed.status();
    EXPECT_EQ(reparsed->ToString(), c.want);
  }
}

TEST(Requirement, ToStringSortsValuesWithoutChangingThem) {
  Requirement r = Req("x", SelectionOperator::kIn, {"def", "abc"});
  EXPECT_EQ(r.ToString(), "x in (abc,def)");
  EXPECT_EQ(r.values(), (std::vector<std::string>{"def", "abc"}));
}

TEST(LabelSelectorAdd, AddsInKeyOrderAndLeavesNothingAlone) {
  // TestAdd.
  Selector s;
  s.Add(Req("key", SelectionOperator::kIn, {"value"}));
  EXPECT_EQ(s.requirements(),
            (std::vector<Requirement>{Req("key", SelectionOperator::kIn, {"value"})}));
  s.Add(Req("key2", SelectionOperator::kEquals, {"value2"}));
  EXPECT_EQ(s.requirements(),
            (std::vector<Requirement>{Req("key", SelectionOperator::kIn, {"value"}),
                                      Req("key2", SelectionOperator::kEquals, {"value2"})}));
  EXPECT_FALSE(s.Empty());

  Selector nothing = Selector::Nothing();
  nothing.Add(Req("a", SelectionOperator::kExists));
  EXPECT_TRUE(nothing.IsNothing());
  EXPECT_TRUE(nothing.requirements().empty());
}

TEST(LabelSelectorRequiresExactMatch, ReportsSingleValueEqualityOnly) {
  struct Case {
    std::string selector;
    std::string key;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"x=a", "x", "a"},       {"x==a", "x", "a"}, {"x in (a)", "x", "a"},   {"x=", "x", ""},
      {"x in (a,b)", "x", {}}, {"x!=a", "x", {}},  {"x notin (a)", "x", {}}, {"x", "x", {}},
      {"y=a", "x", {}},        {"", "x", {}},      {"a=1,x=b", "x", "b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.selector);
    Result<Selector> s = Selector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->RequiresExactMatch(c.key), c.want);
  }
  EXPECT_EQ(Selector::Nothing().RequiresExactMatch("x"), std::nullopt);
}

TEST(LabelSelectorFromSet, BuildsSortedEqualityRequirements) {
  Result<Selector> empty = Selector::FromSet({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Empty());

  Result<Selector> s = Selector::FromSet({{"foo", "bar"}, {"baz", "blah"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ToString(), "baz=blah,foo=bar");
  EXPECT_TRUE(s->Matches({{"foo", "bar"}, {"baz", "blah"}, {"x", "y"}}));
  EXPECT_FALSE(s->Matches({{"foo", "bar"}}));

  Result<Selector> bad = Selector::FromSet({{"foo", "=blah"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Code::kInvalid);
  EXPECT_THAT(bad.error().message(), HasSubstr(R"(Invalid value: "=blah")"));
}

// --- LabelSelector ------------------------------------------------------------------

TEST(LabelSelectorAsSelector, NullSelectsNothingAndEmptySelectsEverything) {
  Result<Selector> from_null = LabelSelectorAsSelector(nullptr);
  ASSERT_TRUE(from_null.ok());
  EXPECT_TRUE(from_null->IsNothing());
  EXPECT_FALSE(from_null->Matches({}));
  EXPECT_FALSE(from_null->Matches({{"app", "web"}}));

  LabelSelector empty;
  Result<Selector> from_empty = LabelSelectorAsSelector(&empty);
  ASSERT_TRUE(from_empty.ok());
  EXPECT_TRUE(from_empty->Empty());
  EXPECT_TRUE(from_empty->Matches({}));
  EXPECT_TRUE(from_empty->Matches({{"app", "web"}}));
}

TEST(LabelSelectorAsSelector, ConvertsMatchLabelsAndExpressions) {
  LabelSelector ls;
  ls.match_labels = {{"app", "web"}};
  ls.match_expressions = {
      {"env", "In", {"prod", "dev"}},
      {"canary", "DoesNotExist", {}},
      {"zone", "NotIn", {"a"}},
      {"gpu", "Exists", {}},
  };
  Result<Selector> s = LabelSelectorAsSelector(&ls);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ToString(), "app=web,!canary,env in (dev,prod),gpu,zone notin (a)");
  EXPECT_TRUE(s->Matches({{"app", "web"}, {"env", "dev"}, {"gpu", "1"}}));
  EXPECT_TRUE(s->Matches({{"app", "web"}, {"env", "prod"}, {"gpu", ""}, {"zone", "b"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"env", "dev"}, {"gpu", "1"}, {"canary", "x"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"env", "dev"}, {"gpu", "1"}, {"zone", "a"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"env", "qa"}, {"gpu", "1"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"env", "dev"}}));
}

TEST(LabelSelectorAsSelector, RejectsInvalidSelectors) {
  struct Case {
    LabelSelector selector;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {{{}, {{"x", "Foo", {"a"}}}}, R"("Foo" is not a valid label selector operator)"},
      {{{}, {{"x", "in", {"a"}}}}, R"("in" is not a valid label selector operator)"},
      {{{}, {{"x", "In", {}}}}, "values set can't be empty"},
      {{{}, {{"x", "NotIn", {}}}}, "values set can't be empty"},
      {{{}, {{"x", "Exists", {"a"}}}}, "values set must be empty for exists and does not exist"},
      {{{}, {{"x", "DoesNotExist", {"a"}}}}, "values set must be empty"},
      {{{}, {{"Bad Key", "Exists", {}}}}, R"(key: Invalid value: "Bad Key")"},
      {{{{"Bad Key", "v"}}, {}}, R"(key: Invalid value: "Bad Key")"},
      {{{{"k", "bad value"}}, {}}, R"(values[0][k]: Invalid value: "bad value")"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.detail);
    Result<Selector> s = LabelSelectorAsSelector(&c.selector);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), Code::kInvalid);
    EXPECT_THAT(s.error().message(), HasSubstr(c.detail));
  }
  LabelSelector foo{{}, {{"x", "Foo", {"a"}}}};
  EXPECT_EQ(LabelSelectorAsSelector(&foo).error().message(),
            R"("Foo" is not a valid label selector operator)");
}

TEST(SelectorAsLabelSelector, SplitsEqualityIntoMatchLabels) {
  Result<Selector> s = Selector::Parse("app=web,env in (prod,dev),!canary,gpu,zone notin (a),x==y");
  ASSERT_TRUE(s.ok()) << s.status();
  Result<LabelSelector> ls = SelectorAsLabelSelector(*s);
  ASSERT_TRUE(ls.ok()) << ls.status();
  LabelSelector want;
  want.match_labels = {{"app", "web"}, {"x", "y"}};
  want.match_expressions = {
      {"canary", "DoesNotExist", {}},
      {"env", "In", {"dev", "prod"}},
      {"gpu", "Exists", {}},
      {"zone", "NotIn", {"a"}},
  };
  EXPECT_EQ(*ls, want);

  // And back: the same selector.
  Result<Selector> back = LabelSelectorAsSelector(&*ls);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToString(), "app=web,!canary,env in (dev,prod),gpu,x=y,zone notin (a)");
}

TEST(SelectorAsLabelSelector, EverythingIsEmptyAndNothingHasNoObjectForm) {
  Result<LabelSelector> everything = SelectorAsLabelSelector(Selector::Everything());
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(*everything, LabelSelector{});

  Result<LabelSelector> nothing = SelectorAsLabelSelector(Selector::Nothing());
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code(), Code::kBadRequest);
}

TEST(SelectorAsLabelSelector, RejectsOperatorsTheObjectFormLacks) {
  struct Case {
    std::string selector;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"x>1", R"("gt" isn't supported in label selectors)"},
      {"a=b,x<1", R"("lt" isn't supported in label selectors)"},
      {"x!=a", R"("!=" is not a valid label selector operator)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.selector);
    Result<Selector> s = Selector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.status();
    Result<LabelSelector> ls = SelectorAsLabelSelector(*s);
    ASSERT_FALSE(ls.ok());
    EXPECT_EQ(ls.error().code(), Code::kBadRequest);
    EXPECT_EQ(ls.error().message(), c.message);
  }
}

TEST(SelectorAsLabelSelector, RoundTripsObjectForm) {
  LabelSelector ls;
  ls.match_labels = {{"app.kubernetes.io/name", "db"}, {"tier", "backend"}};
  ls.match_expressions = {{"release", "In", {"a", "b"}}, {"skip", "DoesNotExist", {}}};
  Result<Selector> s = LabelSelectorAsSelector(&ls);
  ASSERT_TRUE(s.ok()) << s.status();
  Result<LabelSelector> back = SelectorAsLabelSelector(*s);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, ls);
}

TEST(FormatLabelSelector, PrintsAsKubectlDoes) {
  EXPECT_EQ(FormatLabelSelector(nullptr), "<none>");
  LabelSelector empty;
  EXPECT_EQ(FormatLabelSelector(&empty), "<none>");
  LabelSelector simple{{{"app", "web"}}, {}};
  EXPECT_EQ(FormatLabelSelector(&simple), "app=web");
  LabelSelector mixed{{{"app", "web"}}, {{"tier", "In", {"b", "a"}}}};
  EXPECT_EQ(FormatLabelSelector(&mixed), "app=web,tier in (a,b)");
  LabelSelector invalid{{}, {{"x", "Foo", {}}}};
  EXPECT_EQ(FormatLabelSelector(&invalid), "<error>");
  LabelSelector bad_key{{{"-x", "y"}}, {}};
  EXPECT_EQ(FormatLabelSelector(&bad_key), "<error>");
}

TEST(SelectionOperatorName, UsesUpstreamSpelling) {
  using Op = SelectionOperator;
  EXPECT_EQ(SelectionOperatorName(Op::kEquals), "=");
  EXPECT_EQ(SelectionOperatorName(Op::kDoubleEquals), "==");
  EXPECT_EQ(SelectionOperatorName(Op::kNotEquals), "!=");
  EXPECT_EQ(SelectionOperatorName(Op::kIn), "in");
  EXPECT_EQ(SelectionOperatorName(Op::kNotIn), "notin");
  EXPECT_EQ(SelectionOperatorName(Op::kExists), "exists");
  EXPECT_EQ(SelectionOperatorName(Op::kDoesNotExist), "!");
  EXPECT_EQ(SelectionOperatorName(Op::kGreaterThan), "gt");
  EXPECT_EQ(SelectionOperatorName(Op::kLessThan), "lt");
}

}  // namespace
}  // namespace kube

namespace kube {
namespace {

TEST(LabelSelectorJson, RoundTripsMetaV1Form) {
  constexpr const char* kText =
      R"({"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]},{"key":"x","operator":"Exists"}],"matchLabels":{"app":"web"}})";
  auto sel = Decode<LabelSelector>(kText);
  ASSERT_TRUE(sel) << sel.error();
  EXPECT_EQ(sel->match_labels.at("app"), "web");
  ASSERT_EQ(sel->match_expressions.size(), 2u);
  EXPECT_EQ(sel->match_expressions[0].operator_, "In");
  EXPECT_EQ(Encode(*sel), kText);
  auto parsed = LabelSelectorAsSelector(&*sel);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->ToString(), "app=web,tier in (a,b),x");
}

TEST(LabelSelectorJson, EmptyObjectIsEmptySelector) {
  auto sel = Decode<LabelSelector>("{}");
  ASSERT_TRUE(sel);
  EXPECT_EQ(*sel, LabelSelector{});
  EXPECT_EQ(Encode(*sel), "{}");
}

TEST(LabelSelectorJson, WrongTypesNameTheField) {
  auto sel = Decode<LabelSelector>(R"({"matchExpressions":[{"key":"a","values":"x"}]})");
  ASSERT_FALSE(sel);
  EXPECT_EQ(sel.error().message(), "matchExpressions[0].values: expected array, got string");
}

}  // namespace
}  // namespace kube
