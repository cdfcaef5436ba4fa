// Expected values come from k8s.io/apimachinery/pkg/util/validation (validation.go and
// its tests) and docs/k8s-semantics.md section A4 "Names".
#include "kubecpp/core/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Upstream's exact messages, including the "',  or '" that its RegexError writes
// between examples.
const char kLabelMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char kSubdomainMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char kDns1035Msg[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const char kNamePartMsg[] =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const char kLabelValueMsg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

void ExpectValid(std::vector<std::string> (*check)(std::string_view),
                 const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    EXPECT_THAT(check(v), IsEmpty()) << "value: \"" << v << "\"";
  }
}

void ExpectInvalid(std::vector<std::string> (*check)(std::string_view),
                   const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    EXPECT_THAT(check(v), Not(IsEmpty())) << "value: \"" << v << "\"";
  }
}

TEST(IsDns1123Label, AcceptsLowercaseAlphanumericsAndInnerDashes) {
  ExpectValid(IsDns1123Label, {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a",
                               "1-a", "1--a--b--2", std::string(63, 'a')});
}

TEST(IsDns1123Label, RejectsEverythingElse) {
  ExpectInvalid(IsDns1123Label, {"",    "A",
                                 "ABC", "aBc",
                                 "A1",  "A-1",
                                 "1-A", "-",
                                 "a-",  "-a",
                                 "1-",  "-1",
                                 "_",   "a_",
                                 "_a",  "a_b",
                                 "1_",  "_1",
                                 "1_2", ".",
                                 "a.",  ".a",
                                 "a.b", "1.",
                                 ".1",  "1.2",
                                 " ",   "a ",
                                 " a",  "a b",
                                 "1 ",  " 1",
                                 "1 2", std::string(64, 'a')});
}

TEST(IsDns1123Label, WordsErrorsLikeUpstream) {
  EXPECT_THAT(IsDns1123Label(std::string(64, 'a')),
              ElementsAre("must be no more than 63 characters"));
  EXPECT_THAT(IsDns1123Label("a.b"), ElementsAre("must not contain dots"));
  EXPECT_THAT(IsDns1123Label("Upper"), ElementsAre(kLabelMsg));
  EXPECT_THAT(IsDns1123Label("-a"), ElementsAre(kLabelMsg));
  EXPECT_THAT(IsDns1123Label(""), ElementsAre(kLabelMsg));
  EXPECT_THAT(IsDns1123Label(std::string(64, 'A')),
              ElementsAre("must be no more than 63 characters", kLabelMsg));
}

TEST(IsDns1123Subdomain, AcceptsDottedLabelsUpTo253Characters) {
  ExpectValid(IsDns1123Subdomain,
              {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a",
               "1--a--b--2", "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1",
               "0.a", "01.a", "1.2.3.4", "a.b.c.d.e", "example.com",
               // Upstream checks only the total length, not each label's.
               std::string(253, 'a'),
               std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                   "." + std::string(61, 'd')});
}

TEST(IsDns1123Subdomain, RejectsEverythingElse) {
  ExpectInvalid(IsDns1123Subdomain, {"",
                                     "A",
                                     "ABC",
                                     "aBc",
                                     "A1",
                                     "A-1",
                                     "1-A",
                                     "-",
                                     "a-",
                                     "-a",
                                     "1-",
                                     "-1",
                                     "_",
                                     "a_",
                                     "_a",
                                     "a_b",
                                     "1_",
                                     "_1",
                                     "1_2",
                                     ".",
                                     "a.",
                                     ".a",
                                     "a..b",
                                     "1.",
                                     ".1",
                                     "1..2",
                                     " ",
                                     "a ",
                                     " a",
                                     "a b",
                                     "1 ",
                                     " 1",
                                     "1 2",
                                     "A.a",
                                     "aB.a",
                                     "ab.A",
                                     "A1.a",
                                     "a1.A",
                                     "A.1",
                                     "aB.1",
                                     "A1.1",
                                     "1A.1",
                                     "0.A",
                                     "01.A",
                                     "012.A",
                                     "1A.a",
                                     "1a.A",
                                     "A.B.C.D.E",
                                     "AA.BB.CC.DD.EE",
                                     "a.B.c.d.e",
                                     "aa.bB.cc.dd.ee",
                                     "a@b",
                                     "a,b",
                                     "a_b",
                                     "a;b",
                                     "a:b",
                                     "a%b",
                                     "a?b",
                                     "a$b",
                                     "a.-b",
                                     "a-.b",
                                     std::string(254, 'a')});
}

TEST(IsDns1123Subdomain, WordsErrorsLikeUpstream) {
  EXPECT_THAT(IsDns1123Subdomain(std::string(254, 'a')),
              ElementsAre("must be no more than 253 characters"));
  EXPECT_THAT(IsDns1123Subdomain("Example.com"), ElementsAre(kSubdomainMsg));
  EXPECT_THAT(IsDns1123Subdomain("a."), ElementsAre(kSubdomainMsg));
}

TEST(IsDns1035Label, RequiresALeadingLetter) {
  ExpectValid(IsDns1035Label, {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", "my-name", "abc-123",
                               std::string(63, 'a')});
  ExpectInvalid(
      IsDns1035Label,
      {"0",  "01",  "012", "1a", "1-a", "1--a--b--2", "",   "A",  "ABC", "aBc",
       "A1", "A-1", "1-A", "-",  "a-",  "-a",         "1-", "-1", "_",   "a_",
       "_a", "a_b", "1_",  "_1", "1_2", ".",          "a.", ".a", "a.b", "1.",
       ".1", "1.2", " ",   "a ", " a",  "a b",        "1 ", " 1", "1 2", std::string(64, 'a')});
  EXPECT_THAT(IsDns1035Label("1a"), ElementsAre(kDns1035Msg));
  EXPECT_THAT(IsDns1035Label(std::string(64, 'a')),
              ElementsAre("must be no more than 63 characters"));
}

TEST(IsQualifiedName, AcceptsOptionalPrefixAndMixedCaseName) {
  ExpectValid(IsQualifiedName,
              {"simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
               "now-with-dashes/simple", "now-with-dashes/now-with-dashes", "now.with.dots/simple",
               "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678",
               "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
               "app.kubernetes.io/name", std::string(63, 'a'),
               std::string(253, 'a') + "/" + std::string(63, 'b')});
}

TEST(IsQualifiedName, RejectsBadPrefixesAndNames) {
  ExpectInvalid(IsQualifiedName,
                {"nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-",
                 "only/one/slash", "Example.com/abc", "example_com/abc", "example.com/", "/simple",
                 std::string(64, 'a'), std::string(254, 'a') + "/abc", "", "a b", "a..", "_a"});
}

TEST(IsQualifiedName, WordsErrorsLikeUpstream) {
  EXPECT_THAT(IsQualifiedName(std::string(64, 'a')),
              ElementsAre("name part must be no more than 63 characters"));
  EXPECT_THAT(IsQualifiedName(""), ElementsAre("name part must be non-empty", kNamePartMsg));
  EXPECT_THAT(IsQualifiedName("/simple"), ElementsAre("prefix part must be non-empty"));
  EXPECT_THAT(IsQualifiedName("Bad Key"), ElementsAre(kNamePartMsg));
  EXPECT_THAT(IsQualifiedName("Example.com/abc"),
              ElementsAre(std::string("prefix part ") + kSubdomainMsg));
  EXPECT_THAT(IsQualifiedName(std::string(254, 'a') + "/abc"),
              ElementsAre("prefix part must be no more than 253 characters"));
  std::vector<std::string> slashes = IsQualifiedName("only/one/slash");
  ASSERT_THAT(slashes, SizeIs(1));
  EXPECT_THAT(slashes[0], StartsWith("a valid label key must consist of alphanumeric"));
  EXPECT_THAT(slashes[0], HasSubstr("with an optional DNS subdomain prefix and '/' (e.g. "
                                    "'example.com/MyName')"));
}

TEST(IsValidLabelValue, AcceptsEmptyAndShortQualifiedNames) {
  ExpectValid(IsValidLabelValue,
              {"", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234",
               "Uppercase_Is_OK_123", "a.b", "1.2.3", std::string(63, 'a')});
  ExpectInvalid(IsValidLabelValue,
                {"nospecialchars%^=@", "Tama-nui-te-r\xc4\x81", "cantendwithadash-",
                 "-cantstartwithadash", "a/b", " ", "a b", ".a", std::string(64, 'a')});
  EXPECT_THAT(IsValidLabelValue(std::string(64, 'a')),
              ElementsAre("must be no more than 63 characters"));
  EXPECT_THAT(IsValidLabelValue("-x"), ElementsAre(kLabelValueMsg));
}

TEST(ValidateLabels, AcceptsValidLabels) {
  EXPECT_TRUE(ValidateLabels({}, "metadata.labels").ok());
  EXPECT_TRUE(
      ValidateLabels({{"app", "web"}, {"app.kubernetes.io/name", ""}}, "metadata.labels").ok());
}

TEST(ValidateLabels, NamesKeyValueAndFieldPath) {
  Status bad_key = ValidateLabels({{"Bad Key", "x"}}, "metadata.labels");
  EXPECT_EQ(bad_key.code(), Code::kInvalid);
  EXPECT_EQ(bad_key.message(),
            std::string(R"(metadata.labels: Invalid value: "Bad Key": )") + kNamePartMsg);
  ASSERT_THAT(bad_key.details().causes, SizeIs(1));
  EXPECT_EQ(bad_key.details().causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(bad_key.details().causes[0].field, "metadata.labels");
  EXPECT_EQ(bad_key.details().causes[0].message,
            std::string(R"(Invalid value: "Bad Key": )") + kNamePartMsg);

  Status bad_value = ValidateLabels({{"app", "-web"}}, "spec.template.metadata.labels");
  EXPECT_EQ(
      bad_value.message(),
      std::string(R"(spec.template.metadata.labels: Invalid value: "-web": )") + kLabelValueMsg);

  Status both = ValidateLabels({{"a", "-x"}, {"b/", "y"}}, "metadata.labels");
  EXPECT_EQ(both.code(), Code::kInvalid);
  EXPECT_THAT(both.message(), StartsWith(R"([metadata.labels: Invalid value: "-x": )"));
  EXPECT_THAT(both.message(),
              HasSubstr(R"(, metadata.labels: Invalid value: "b/": name part must be non-empty)"));
  EXPECT_THAT(both.details().causes, SizeIs(3));  // "b/": non-empty and regex
}

TEST(InternalQuote, EscapesLikeGoPercentQ) {
  EXPECT_EQ(internal::Quote("plain"), R"("plain")");
  EXPECT_EQ(internal::Quote("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\x01")");
}

}  // namespace
}  // namespace kube
