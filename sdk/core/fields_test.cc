// Expected values come from k8s.io/apimachinery/pkg/fields/selector_test.go and
// docs/k8s-semantics.md section A10.
#include "kubecpp/core/fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kube {
namespace {

using ::testing::HasSubstr;
using Fields = std::map<std::string, std::string>;

TEST(FieldSelectorParse, AcceptsUpstreamSyntaxAndPrintsCanonicalForm) {
  struct Case {
    std::string input;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      // TestSelectorParse good strings: they print back unchanged.
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"", ""},
      {"x!=a,y=b", "x!=a,y=b"},
      {R"(x=a||y\=b)", R"(x=a||y\=b)"},
      {R"(x=a\=\=b)", R"(x=a\=\=b)"},
      // "==" is written as "=".
      {"x==a", "x=a"},
      // Terms are sorted by their text (TestDeterministicParse).
      {"x=a,a=x", "a=x,x=a"},
      {"a=x,x=a", "a=x,x=a"},
      {"status.phase!=Failed,spec.nodeName=n1", "spec.nodeName=n1,status.phase!=Failed"},
      // Empty terms are skipped; empty values are allowed.
      {",a=b,", "a=b"},
      {"spec.nodeName=", "spec.nodeName="},
      {"spec.nodeName!=", "spec.nodeName!="},
      // Escapes.
      // (upstream sorts the raw terms, and '2' sorts before '=').
      {R"(k=\,,k2=v2)", R"(k2=v2,k=\,)"},
      {R"(k=\\,k2=v2)", R"(k2=v2,k=\\)"},
      {R"(k=\\\,,k2=v2)", R"(k2=v2,k=\\\,)"},
      {R"(complex=\=value\\\,\\)", R"(complex=\=value\\\,\\)"},
      // '!' needs no escape; "\!" is accepted as '!' too (see fields.h).
      {"k=a!b", "k=a!b"},
      {R"(k=\!x)", "k=!x"},
      // Values are arbitrary text, not label values.
      {"metadata.name=My Pod", "metadata.name=My Pod"},
      {"x=in (a)", "x=in (a)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("input: " + c.input);
    Result<FieldSelector> parsed = FieldSelector::Parse(c.input);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->ToString(), c.canonical);
    Result<FieldSelector> reparsed = FieldSelector::Parse(parsed->ToString());
    ASSERT_TRUE(reparsed.ok()) << reparsed.status();
    EXPECT_EQ(*reparsed, *parsed);
  }
}

TEST(FieldSelectorParse, RejectsMalformedInputNamingTheTerm) {
  struct Case {
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      // TestSelectorParse bad strings.
      {"x=a||y=b", R"(invalid field selector "x=a||y=b": unescaped '=' in the value of term )"
                   R"("x=a||y=b")"},
      {"x==a==b", R"(invalid field selector "x==a==b": unescaped '=' in the value of term )"
                  R"("x==a==b")"},
      {"x=a,b", R"(invalid field selector "x=a,b": term "b" has no operator (=, == or !=))"},
      {"x in (a)",
       R"-(invalid field selector "x in (a)": term "x in (a)" has no operator (=, == or !=))-"},
      // Terms are checked in sorted order: "b" < "c)" < "x in (a".
      {"x in (a,b,c)", R"(term "b" has no operator (=, == or !=))"},
      {"x", R"(invalid field selector "x": term "x" has no operator (=, == or !=))"},
      // TestEscapeValue invalid sequences.
      {R"(k=\a)", R"(invalid field selector "k=\\a": invalid escape sequence "\\a" in term )"
                  R"("k=\\a")"},
      {R"(k=\)", R"(invalid escape sequence "\" (a trailing backslash) in term "k=\\")"},
      {R"(k=\\\)", R"(invalid escape sequence "\" (a trailing backslash) in term "k=\\\\\\")"},
      {"a=b=c", R"(unescaped '=' in the value of term "a=b=c")"},
      {"a=b,c", R"(term "c" has no operator)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("input: " + c.input);
    Result<FieldSelector> parsed = FieldSelector::Parse(c.input);
    ASSERT_FALSE(parsed.ok()) << "parsed as " << parsed->ToString();
    EXPECT_EQ(parsed.error().code(), Code::kBadRequest);
    EXPECT_THAT(parsed.error().message(), HasSubstr(c.message));
  }
}

TEST(FieldSelectorParse, ExposesUnescapedTermsForServerChecks) {
  Result<FieldSelector> s = FieldSelector::Parse(
      R"(spec.nodeName=node-1,status.phase!=Failed,metadata.name==web,metadata.namespace=a\,b)");
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<FieldSelectorTerm> want = {
      {"metadata.name", SelectionOperator::kEquals, "web"},
      {"metadata.namespace", SelectionOperator::kEquals, "a,b"},
      {"spec.nodeName", SelectionOperator::kEquals, "node-1"},
      {"status.phase", SelectionOperator::kNotEquals, "Failed"},
  };
  EXPECT_EQ(s->terms(), want);
}

TEST(FieldSelectorMatches, FollowsUpstreamSemantics) {
  struct Case {
    std::string selector;
    Fields fields;
    bool match;
  };
  const Fields fieldset = {{"foo", "bar"}, {"baz", "blah"}, {"complex", R"(=value\,\)"}};
  const std::vector<Case> cases = {
      // TestSelectorMatches.
      {"", {{"x", "y"}}, true},
      {"x=y", {{"x", "y"}}, true},
      {"x=y,z=w", {{"x", "y"}, {"z", "w"}}, true},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true},
      {"notin=in", {{"notin", "in"}}, true},
      {"x=y", {{"x", "z"}}, false},
      {"x=y,z=w", {{"x", "w"}, {"z", "w"}}, false},
      {"x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false},
      {"foo=bar", fieldset, true},
      {"baz=blah", fieldset, true},
      {"foo=bar,baz=blah", fieldset, true},
      {R"(foo=bar,baz=blah,complex=\=value\\\,\\)", fieldset, true},
      {"foo=blah", fieldset, false},
      {"baz=bar", fieldset, false},
      {"foo=bar,foobar=bar,baz=blah", fieldset, false},
      // A missing field reads as "".
      {"spec.nodeName=", {}, true},
      {"spec.nodeName=", {{"spec.nodeName", "node-1"}}, false},
      {"spec.nodeName!=", {{"spec.nodeName", "node-1"}}, true},
      {"x!=y", {}, true},
      {"x=y", {}, false},
      {"x==y", {{"x", "y"}}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("selector: " + c.selector);
    Result<FieldSelector> s = FieldSelector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->Matches(c.fields), c.match);
  }
}

TEST(FieldSelectorEscape, EscapesBackslashCommaAndEquals) {
  struct Case {
    std::string raw;
    std::string escaped;
  };
  // TestEscapeValue.
  const std::vector<Case> cases = {
      {"", ""},       {"a", "a"},        {"=", R"(\=)"},
      {",", R"(\,)"}, {R"(\)", R"(\\)"}, {R"(\=\,\)", R"(\\\=\\\,\\)"},
      {"a!b", "a!b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("raw: " + c.raw);
    EXPECT_EQ(EscapeFieldSelectorValue(c.raw), c.escaped);
    // Escaped values parse back to the raw value.
    Result<FieldSelector> s = FieldSelector::Parse("f=" + c.escaped);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(s->terms().size(), 1u);
    EXPECT_EQ(s->terms()[0].value, c.raw);
    EXPECT_EQ(FieldSelector::FromSet({{"f", c.raw}}).ToString(), "f=" + c.escaped);
  }
}

TEST(FieldSelectorRequiresExactMatch, ReportsFirstEqualityTerm) {
  struct Case {
    std::string selector;
    std::string field;
    std::optional<std::string> want;
  };
  // TestRequiresExactMatch, in string form.
  const std::vector<Case> cases = {
      {"", "test", std::nullopt},       {"a=b", "test", std::nullopt},
      {"test=b", "test", "b"},          {"test=", "test", ""},
      {"test==b", "test", "b"},         {"test!=b", "test", std::nullopt},
      {"test!=", "test", std::nullopt}, {"a=x,test=b", "test", "b"},
      {"test!=a,test=b", "test", "b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("selector: " + c.selector);
    Result<FieldSelector> s = FieldSelector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->RequiresExactMatch(c.field), c.want);
  }
}

TEST(FieldSelector, EverythingIsEmptyAndMatchesAll) {
  EXPECT_TRUE(FieldSelector::Everything().Empty());
  EXPECT_TRUE(FieldSelector::Everything().Matches({{"x", "y"}}));
  EXPECT_EQ(FieldSelector::Everything().ToString(), "");
  Result<FieldSelector> empty = FieldSelector::Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Empty());
  Result<FieldSelector> commas = FieldSelector::Parse(",,");
  ASSERT_TRUE(commas.ok());
  EXPECT_TRUE(commas->Empty());
  Result<FieldSelector> one = FieldSelector::Parse("a=b");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->Empty());
}

TEST(FieldSelectorFromSet, MatchesExactlyTheSet) {
  // TestSetMatches.
  const Fields labelset = {{"foo", "bar"}, {"baz", "blah"}};
  EXPECT_TRUE(FieldSelector::FromSet({}).Matches(labelset));
  EXPECT_TRUE(FieldSelector::FromSet({}).Empty());
  EXPECT_TRUE(FieldSelector::FromSet({{"foo", "bar"}}).Matches(labelset));
  EXPECT_TRUE(FieldSelector::FromSet({{"baz", "blah"}}).Matches(labelset));
  EXPECT_TRUE(FieldSelector::FromSet({{"foo", "bar"}, {"baz", "blah"}}).Matches(labelset));
  EXPECT_FALSE(FieldSelector::FromSet({{"foo", "=blah"}}).Matches(labelset));
  EXPECT_FALSE(FieldSelector::FromSet({{"baz", "=bar"}}).Matches(labelset));
  EXPECT_FALSE(FieldSelector::FromSet({{"foo", "=bar"}, {"foobar", "bar"}, {"baz", "blah"}})
                   .Matches(labelset));
  EXPECT_EQ(FieldSelector::FromSet({{"b", "2"}, {"a", "1"}}).ToString(), "a=1,b=2");
}

}  // namespace
}  // namespace kube
