#include "kubecpp/core/quantity.h"

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kubecpp/core/json.h"

// Every expected value below is what k8s.io/apimachinery's resource.Quantity produces
// (ParseQuantity, then CanonicalizeBytes / Format / Value / MilliValue), taken from
// upstream's quantity_test.go tables and from running upstream on the same input.
// Where kubecpp deliberately differs, the test says so.

namespace kube {
namespace {

using F = Quantity::Format;
using ::testing::HasSubstr;

Quantity MustParse(std::string_view text) {
  Result<Quantity> q = Quantity::Parse(text);
  EXPECT_TRUE(q.ok()) << text << ": " << q.status();
  return q.value_or(Quantity());
}

struct ParseCase {
  std::string_view input;
  std::string_view canonical;
  F format;
};
// Readable, stable test names in ctest (the default prints the struct's bytes).
void PrintTo(const ParseCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class QuantityParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(QuantityParseTest, ParsesToUpstreamCanonicalStringAndFormat) {
  const ParseCase& c = GetParam();
  Result<Quantity> q = Quantity::Parse(c.input);
  ASSERT_TRUE(q.ok()) << c.input << ": " << q.status();
  EXPECT_EQ(q->ToString(), c.canonical) << c.input;
  EXPECT_EQ(q->format(), c.format) << c.input;
  // The canonical string parses back to the same value.
  Result<Quantity> again = Quantity::Parse(q->ToString());
  ASSERT_TRUE(again.ok()) << q->ToString();
  EXPECT_EQ(*again, *q) << c.input;
}

// Upstream's negation test: "-<input>" is the negated value in the same format.
TEST_P(QuantityParseTest, NegativeInputParsesToNegatedValue) {
  const ParseCase& c = GetParam();
  if (c.input.starts_with('-') || c.input.starts_with('+')) return;
  Result<Quantity> q = Quantity::Parse("-" + std::string(c.input));
  ASSERT_TRUE(q.ok()) << c.input << ": " << q.status();
  EXPECT_EQ(q->ToString(), c.canonical == "0" ? "0" : "-" + std::string(c.canonical));
  EXPECT_EQ(q->format(), c.format);
  EXPECT_EQ(*q, MustParse(c.input).Neg());
}

INSTANTIATE_TEST_SUITE_P(
    Upstream, QuantityParseTest,
    ::testing::Values(
        ParseCase{"0", "0", F::kDecimalSI}, ParseCase{"0n", "0", F::kDecimalSI},
        ParseCase{"0u", "0", F::kDecimalSI}, ParseCase{"0m", "0", F::kDecimalSI},
        ParseCase{"0Ki", "0", F::kBinarySI}, ParseCase{"0k", "0", F::kDecimalSI},
        ParseCase{"0Mi", "0", F::kBinarySI}, ParseCase{"0M", "0", F::kDecimalSI},
        ParseCase{"0Gi", "0", F::kBinarySI}, ParseCase{"0G", "0", F::kDecimalSI},
        ParseCase{"0Ti", "0", F::kBinarySI}, ParseCase{"0T", "0", F::kDecimalSI},
        ParseCase{"1", "1", F::kDecimalSI}, ParseCase{"1Ki", "1Ki", F::kBinarySI},
        ParseCase{"8Ki", "8Ki", F::kBinarySI}, ParseCase{"7Mi", "7Mi", F::kBinarySI},
        ParseCase{"6Gi", "6Gi", F::kBinarySI}, ParseCase{"5Ti", "5Ti", F::kBinarySI},
        ParseCase{"4Pi", "4Pi", F::kBinarySI}, ParseCase{"3Ei", "3Ei", F::kBinarySI},
        ParseCase{"10Ti", "10Ti", F::kBinarySI}, ParseCase{"100Ti", "100Ti", F::kBinarySI},
        ParseCase{"5n", "5n", F::kDecimalSI}, ParseCase{"4u", "4u", F::kDecimalSI},
        ParseCase{"3m", "3m", F::kDecimalSI}, ParseCase{"9", "9", F::kDecimalSI},
        ParseCase{"8k", "8k", F::kDecimalSI}, ParseCase{"50k", "50k", F::kDecimalSI},
        ParseCase{"7M", "7M", F::kDecimalSI}, ParseCase{"6G", "6G", F::kDecimalSI},
        ParseCase{"5T", "5T", F::kDecimalSI}, ParseCase{"40T", "40T", F::kDecimalSI},
        ParseCase{"300T", "300T", F::kDecimalSI}, ParseCase{"2P", "2P", F::kDecimalSI},
        ParseCase{"1E", "1E", F::kDecimalSI}, ParseCase{"1E-3", "1e-3", F::kDecimalExponent},
        ParseCase{"1e3", "1e3", F::kDecimalExponent}, ParseCase{"1E6", "1e6", F::kDecimalExponent},
        ParseCase{"1e9", "1e9", F::kDecimalExponent},
        ParseCase{"1E12", "1e12", F::kDecimalExponent},
        ParseCase{"1e15", "1e15", F::kDecimalExponent},
        ParseCase{"1E18", "1e18", F::kDecimalExponent},
        ParseCase{"1e14", "100e12", F::kDecimalExponent},
        ParseCase{"1e13", "10e12", F::kDecimalExponent},
        ParseCase{"100.035k", "100035", F::kDecimalSI}, ParseCase{"0.001", "1m", F::kDecimalSI},
        ParseCase{"0.0005k", "500m", F::kDecimalSI}, ParseCase{"0.005", "5m", F::kDecimalSI},
        ParseCase{"0.05", "50m", F::kDecimalSI}, ParseCase{"0.5", "500m", F::kDecimalSI},
        ParseCase{"0.00050k", "500m", F::kDecimalSI}, ParseCase{"0.00500", "5m", F::kDecimalSI},
        ParseCase{"0.05000", "50m", F::kDecimalSI}, ParseCase{"0.50000", "500m", F::kDecimalSI},
        ParseCase{"0.5e0", "500e-3", F::kDecimalExponent},
        ParseCase{"0.5e-1", "50e-3", F::kDecimalExponent},
        ParseCase{"0.5e-2", "5e-3", F::kDecimalExponent},
        ParseCase{"10.035M", "10035k", F::kDecimalSI},
        ParseCase{"1.2e3", "1200", F::kDecimalExponent},
        ParseCase{"1.3E+6", "1300e3", F::kDecimalExponent},
        ParseCase{"1.40e9", "1400e6", F::kDecimalExponent},
        ParseCase{"1.53E12", "1530e9", F::kDecimalExponent},
        ParseCase{"1.6e15", "1600e12", F::kDecimalExponent},
        ParseCase{"1.7E18", "1700e15", F::kDecimalExponent},
        ParseCase{"9.01", "9010m", F::kDecimalSI}, ParseCase{"8.1k", "8100", F::kDecimalSI},
        ParseCase{"7.123456M", "7123456", F::kDecimalSI},
        ParseCase{"6.987654321G", "6987654321", F::kDecimalSI},
        ParseCase{"5.444T", "5444G", F::kDecimalSI}, ParseCase{"40.1T", "40100G", F::kDecimalSI},
        ParseCase{"300.2T", "300200G", F::kDecimalSI}, ParseCase{"2.5P", "2500T", F::kDecimalSI},
        ParseCase{"1.01E", "1010P", F::kDecimalSI}, ParseCase{"3.001n", "4n", F::kDecimalSI},
        ParseCase{"1.1E-9", "2e-9", F::kDecimalExponent},
        ParseCase{"0.0000000001", "1n", F::kDecimalSI},
        ParseCase{"0.0000000005", "1n", F::kDecimalSI},
        ParseCase{"0.00000000050", "1n", F::kDecimalSI},
        ParseCase{"0.5e-9", "1e-9", F::kDecimalExponent}, ParseCase{"0.9n", "1n", F::kDecimalSI},
        ParseCase{"0.00000012345", "124n", F::kDecimalSI},
        ParseCase{"0.00000012354", "124n", F::kDecimalSI},
        ParseCase{"9Ei", "9223372036854775807", F::kBinarySI},
        ParseCase{"9223372036854775807Ki", "9223372036854775807", F::kBinarySI},
        ParseCase{"12E", "12E", F::kDecimalSI}, ParseCase{"100.035Ki", "102435840m", F::kBinarySI},
        ParseCase{"0.5Mi", "512Ki", F::kBinarySI},
        ParseCase{"0.05Gi", "53687091200m", F::kBinarySI},
        ParseCase{"0.025Ti", "27487790694400m", F::kBinarySI},
        ParseCase{"0.000000000001Ki", "2n", F::kDecimalSI}, ParseCase{".001", "1m", F::kDecimalSI},
        ParseCase{".0001k", "100m", F::kDecimalSI}, ParseCase{"1.", "1", F::kDecimalSI},
        ParseCase{"1.G", "1G", F::kDecimalSI}, ParseCase{"1024Mi", "1Gi", F::kBinarySI},
        ParseCase{"1000M", "1G", F::kDecimalSI}, ParseCase{".001Ki", "1024m", F::kBinarySI},
        ParseCase{".000001Ki", "1024u", F::kDecimalSI},
        ParseCase{".000000001Ki", "1024n", F::kDecimalSI},
        ParseCase{".000000000001Ki", "2n", F::kDecimalSI},
        ParseCase{"307200Ki", "300Mi", F::kBinarySI},
        ParseCase{"1025024Mi", "1001Gi", F::kBinarySI}, ParseCase{"5000m", "5", F::kDecimalSI},
        ParseCase{"0.001T", "1G", F::kDecimalSI}, ParseCase{"1000u", "1m", F::kDecimalSI},
        ParseCase{"1.08", "1080m", F::kDecimalSI}, ParseCase{"1080000000n", "1080m", F::kDecimalSI},
        ParseCase{".001e12", "1e9", F::kDecimalExponent},
        ParseCase{"0.001e0", "1e-3", F::kDecimalExponent},
        ParseCase{"1000e-12", "1e-9", F::kDecimalExponent}, ParseCase{"1000m", "1", F::kDecimalSI},
        ParseCase{"1.5Gi", "1536Mi", F::kBinarySI}, ParseCase{"0.1", "100m", F::kDecimalSI},
        ParseCase{"1.5", "1500m", F::kDecimalSI}, ParseCase{"1.5e3", "1500", F::kDecimalExponent},
        ParseCase{"-1000m", "-1", F::kDecimalSI}, ParseCase{"-1.5Gi", "-1536Mi", F::kBinarySI},
        ParseCase{"-0.9n", "-1n", F::kDecimalSI}, ParseCase{"-3.001n", "-4n", F::kDecimalSI},
        ParseCase{"-9Ei", "-9223372036854775807", F::kBinarySI},
        ParseCase{"+1", "1", F::kDecimalSI}, ParseCase{"01", "1", F::kDecimalSI},
        ParseCase{"1.234", "1234m", F::kDecimalSI},
        ParseCase{"8Ei", "9223372036854775807", F::kBinarySI},
        ParseCase{"1023Ki", "1023Ki", F::kBinarySI}, ParseCase{"1024", "1024", F::kDecimalSI},
        ParseCase{"1025Ki", "1025Ki", F::kBinarySI}, ParseCase{"1.5Ki", "1536", F::kBinarySI},
        ParseCase{"1Gi", "1Gi", F::kBinarySI}, ParseCase{"1G", "1G", F::kDecimalSI},
        ParseCase{"512Mi", "512Mi", F::kBinarySI}, ParseCase{"1e4", "10e3", F::kDecimalExponent},
        ParseCase{"1e-1", "100e-3", F::kDecimalExponent},
        ParseCase{"10e5", "1e6", F::kDecimalExponent},
        ParseCase{"1.5e4", "15e3", F::kDecimalExponent},
        ParseCase{"-1.5m", "-1500u", F::kDecimalSI}, ParseCase{".5Ki", "512", F::kBinarySI},
        ParseCase{"5.Ei", "5Ei", F::kBinarySI}, ParseCase{"1.5Ei", "1536Pi", F::kBinarySI},
        ParseCase{"1e+3", "1e3", F::kDecimalExponent}, ParseCase{"-.5Ei", "-512Pi", F::kBinarySI},
        ParseCase{"1e-10", "1e-9", F::kDecimalExponent},
        ParseCase{"1.23456789E", "1234567890G", F::kDecimalSI}, ParseCase{"Ki", "0", F::kBinarySI},
        ParseCase{"Ti", "0", F::kBinarySI}, ParseCase{".", "0", F::kDecimalSI},
        ParseCase{"+", "0", F::kDecimalSI}, ParseCase{"-", "0", F::kDecimalSI},
        ParseCase{"e3", "0", F::kDecimalExponent}, ParseCase{"0.1Ki", "102400m", F::kBinarySI},
        ParseCase{"1023.5Ki", "1048064", F::kBinarySI},
        ParseCase{"-.0000000001Ki", "-103n", F::kDecimalSI},
        ParseCase{"10000Ei", "9223372036854775807", F::kBinarySI},
        ParseCase{"1e9223372036854775807", "100e-3", F::kDecimalExponent},
        ParseCase{"99999999999999999999999999999", "99999999999999999999999999999", F::kDecimalSI},
        ParseCase{"18446744073709551616", "18446744073709551616", F::kDecimalSI},
        ParseCase{"-1e-3", "-1e-3", F::kDecimalExponent},
        ParseCase{"0.000000000000000000000000000000000000000001", "1n", F::kDecimalSI}));

// Input that keeps upstream's cached text in String() (a leading "+", leading zeros,
// "1.234") is still written canonically, as upstream's CanonicalizeBytes writes it.
TEST(Quantity, ToStringIsCanonicalEvenWhereUpstreamEchoesTheInput) {
  EXPECT_EQ(MustParse("+1").ToString(), "1");
  EXPECT_EQ(MustParse("01").ToString(), "1");
  EXPECT_EQ(MustParse("1.234").ToString(), "1234m");
  EXPECT_EQ(MustParse("1.").ToString(), "1");
  EXPECT_EQ(MustParse("+1Ki").ToString(), "1Ki");
}

// The issue's examples.
TEST(Quantity, FormatsIssueExamples) {
  EXPECT_EQ(MustParse("1000m").ToString(), "1");
  EXPECT_EQ(MustParse("1.5Gi").ToString(), "1536Mi");
  EXPECT_EQ(MustParse("0.1").ToString(), "100m");
  EXPECT_EQ(MustParse("1.5").ToString(), "1500m");
}

struct InvalidCase {
  std::string_view input;
  std::string_view upstream_error;
};
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

constexpr std::string_view kFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kSuffix = "unable to parse quantity's suffix";
constexpr std::string_view kNumeric = "unable to parse numeric part of quantity";

class QuantityInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(QuantityInvalidTest, FailsWithUpstreamErrorNamingTheInput) {
  const InvalidCase& c = GetParam();
  Result<Quantity> q = Quantity::Parse(c.input);
  ASSERT_FALSE(q.ok()) << "\"" << c.input << "\" parsed as " << q->ToString();
  EXPECT_EQ(q.error().code(), Code::kBadRequest);
  EXPECT_THAT(q.error().message(), HasSubstr("\"" + std::string(c.input) + "\""));
  EXPECT_THAT(q.error().message(), HasSubstr(std::string(c.upstream_error)));
}

INSTANTIATE_TEST_SUITE_P(
    Upstream, QuantityInvalidTest,
    ::testing::Values(InvalidCase{"", kFormatWrong}, InvalidCase{"1.2.3", kFormatWrong},
                      InvalidCase{"1Kb", kFormatWrong}, InvalidCase{" 1", kFormatWrong},
                      InvalidCase{"1 ", kFormatWrong}, InvalidCase{"1.1.M", kFormatWrong},
                      InvalidCase{"1+1.0M", kFormatWrong}, InvalidCase{"aoeu", kFormatWrong},
                      InvalidCase{"1e3e3", kFormatWrong}, InvalidCase{"1e", kSuffix},
                      InvalidCase{"--1", kSuffix}, InvalidCase{"1i", kSuffix},
                      InvalidCase{"0.1mi", kSuffix}, InvalidCase{"0.1am", kFormatWrong},
                      InvalidCase{".5i", kSuffix}, InvalidCase{"-3.01i", kSuffix},
                      InvalidCase{"-3.01e-", kSuffix}, InvalidCase{"1ee3", kSuffix},
                      InvalidCase{"1E+", kSuffix}, InvalidCase{"1Ki3", kSuffix},
                      InvalidCase{"1e9223372036854775808", kSuffix}, InvalidCase{"Pi", kNumeric},
                      InvalidCase{"-Ei", kNumeric}, InvalidCase{".e-10", kNumeric},
                      InvalidCase{"e-10", kNumeric}));

// Upstream's scanner reads a missing number as zero: these are not errors upstream.
TEST(Quantity, ParsesMissingNumberAsZeroLikeUpstream) {
  for (std::string_view text : {"Ki", "Ti", ".", "+", "-", "-.", "m", "e3", "e-9"}) {
    Result<Quantity> q = Quantity::Parse(text);
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    EXPECT_TRUE(q->IsZero()) << text;
  }
  EXPECT_EQ(MustParse("Ki").format(), F::kBinarySI);
  EXPECT_EQ(MustParse("e3").format(), F::kDecimalExponent);
}

TEST(Quantity, RoundsBelowNanoAwayFromZero) {
  EXPECT_EQ(MustParse("0.9n"), MustParse("1n"));
  EXPECT_EQ(MustParse("-0.9n").ToString(), "-1n");
  EXPECT_EQ(MustParse("3.001n").ToString(), "4n");
  EXPECT_EQ(MustParse("-3.001n").ToString(), "-4n");
  EXPECT_EQ(MustParse("0.00000012345").ToString(), "124n");
  EXPECT_EQ(MustParse("1.0000000001").ToString(), "1000000001n");
  EXPECT_EQ(MustParse("1e-10").ToString(), "1e-9");
  EXPECT_EQ(MustParse("0.00000000001Ki").ToString(), "11n");
  EXPECT_EQ(MustParse("-.0000000001Ki").ToString(), "-103n");
  EXPECT_EQ(MustParse("0.0000000000000000000000000000000000000001").ToString(), "1n");
}

TEST(Quantity, CapsBinaryAtMaxInt64ButNotDecimal) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (std::string_view text : {"8Ei", "9Ei", "10000Ei", "9223372036854775807Ki"}) {
    Quantity q = MustParse(text);
    EXPECT_EQ(q.ToString(), "9223372036854775807") << text;
    EXPECT_EQ(q.Value(), kMax) << text;
    EXPECT_EQ(q.format(), F::kBinarySI) << text;
  }
  EXPECT_EQ(MustParse("-9Ei").Value(), -kMax);
  EXPECT_EQ(MustParse("7Ei").ToString(), "7Ei");
  // Decimal quantities keep values beyond int64.
  EXPECT_EQ(MustParse("18446744073709551616").ToString(), "18446744073709551616");
  EXPECT_GT(MustParse("12E"), MustParse("9Ei"));
}

struct ValueCase {
  std::string_view input;
  int64_t value;
  int64_t milli_value;
};
void PrintTo(const ValueCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class QuantityValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(QuantityValueTest, RoundsAwayFromZeroLikeUpstream) {
  const ValueCase& c = GetParam();
  Quantity q = MustParse(c.input);
  EXPECT_EQ(q.Value(), c.value) << c.input;
  EXPECT_EQ(q.MilliValue(), c.milli_value) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Upstream, QuantityValueTest,
    ::testing::Values(ValueCase{"0", 0, 0}, ValueCase{"1", 1, 1000}, ValueCase{"1100m", 2, 1100},
                      ValueCase{"1.5", 2, 1500}, ValueCase{"-1.5", -2, -1500},
                      ValueCase{"-1100m", -2, -1100}, ValueCase{"100m", 1, 100},
                      ValueCase{"1.5Gi", 1610612736, 1610612736000}, ValueCase{"5n", 1, 1},
                      ValueCase{"-5n", -1, -1}, ValueCase{"3m", 1, 3}, ValueCase{"-3m", -1, -3},
                      ValueCase{"-1.5m", -1, -2}, ValueCase{"0.9n", 1, 1},
                      ValueCase{"-1000m", -1, -1000}, ValueCase{"100.035Ki", 102436, 102435840},
                      ValueCase{".001Ki", 2, 1024}, ValueCase{"0.05Gi", 53687092, 53687091200},
                      ValueCase{"1.0000000001", 2, 1001}, ValueCase{"999999999n", 1, 1000},
                      ValueCase{"1000001u", 2, 1001},
                      ValueCase{"2P", 2000000000000000, 2000000000000000000}));

// Upstream overflows (an undefined result) where kubecpp saturates.
TEST(Quantity, ValueAndMilliValueSaturateInsteadOfOverflowing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(MustParse("1E").Value(), 1000000000000000000);
  EXPECT_EQ(MustParse("1E").MilliValue(), kMax);
  EXPECT_EQ(MustParse("-1E").MilliValue(), kMin);
  EXPECT_EQ(MustParse("12E").Value(), kMax);
  EXPECT_EQ(MustParse("-12E").Value(), kMin);
  EXPECT_EQ(MustParse("9Ei").MilliValue(), kMax);
}

// Upstream's arbitrary-precision path rounds a negative value towards +infinity in
// Value() ("-0.9n" gives 1); kubecpp rounds away from zero as documented upstream.
TEST(Quantity, NegativeValueRoundsAwayFromZeroEverywhere) {
  EXPECT_EQ(MustParse("-0.9n").Value(), -1);
  EXPECT_EQ(MustParse("-0.9n").MilliValue(), -1);
  EXPECT_EQ(MustParse("-.5Ei").Value(), -576460752303423488);
}

TEST(Quantity, ComparesByValueAcrossFormats) {
  EXPECT_GT(MustParse("1Gi"), MustParse("1G"));
  EXPECT_EQ(MustParse("1000m"), MustParse("1"));
  EXPECT_GT(MustParse("1Ki"), MustParse("1k"));
  EXPECT_LT(MustParse("-1"), MustParse("0"));
  EXPECT_GT(MustParse("1n"), MustParse("0"));
  EXPECT_LT(MustParse("1E"), MustParse("1Ei"));
  EXPECT_EQ(MustParse("100m"), MustParse("0.1"));
  EXPECT_EQ(MustParse("1e3"), MustParse("1k"));
  EXPECT_EQ(MustParse("0Ki"), MustParse("0"));
  EXPECT_EQ(MustParse("1Gi").Cmp(MustParse("1G")), 1);
  EXPECT_EQ(MustParse("1G").Cmp(MustParse("1Gi")), -1);
  EXPECT_EQ(MustParse("1000M").Cmp(MustParse("1G")), 0);
  EXPECT_NE(MustParse("1n"), MustParse("2n"));
}

struct ArithmeticCase {
  std::string_view a;
  char op;
  std::string_view b;
  std::string_view result;
  F format;
};
void PrintTo(const ArithmeticCase& c, std::ostream* os) {
  *os << '"' << c.a << ' ' << c.op << ' ' << c.b << '"';
}

class QuantityArithmeticTest : public ::testing::TestWithParam<ArithmeticCase> {};

TEST_P(QuantityArithmeticTest, MatchesUpstreamAddAndSub) {
  const ArithmeticCase& c = GetParam();
  Quantity a = MustParse(c.a);
  Quantity b = MustParse(c.b);
  Quantity got = c.op == '+' ? a + b : a - b;
  EXPECT_EQ(got.ToString(), c.result) << c.a << c.op << c.b;
  EXPECT_EQ(got.format(), c.format) << c.a << c.op << c.b;
  Quantity in_place = a;
  if (c.op == '+') {
    in_place += b;
  } else {
    in_place -= b;
  }
  EXPECT_EQ(in_place, got);
}

INSTANTIATE_TEST_SUITE_P(
    Upstream, QuantityArithmeticTest,
    ::testing::Values(ArithmeticCase{"100m", '+', "900m", "1", F::kDecimalSI},
                      ArithmeticCase{"1Gi", '-', "512Mi", "512Mi", F::kBinarySI},
                      ArithmeticCase{"0", '+', "1Gi", "1Gi", F::kBinarySI},
                      ArithmeticCase{"0Ki", '+', "5", "5", F::kDecimalSI},
                      ArithmeticCase{"10", '+', "10", "20", F::kDecimalSI},
                      ArithmeticCase{"10Ki", '+', "1", "10241", F::kBinarySI},
                      ArithmeticCase{"1Gi", '+', "1m", "1073741824001m", F::kBinarySI},
                      ArithmeticCase{"1Mi", '+', "1Mi", "2Mi", F::kBinarySI},
                      ArithmeticCase{"5", '-', "5", "0", F::kDecimalSI},
                      ArithmeticCase{"0", '-', "50", "-50", F::kDecimalSI},
                      ArithmeticCase{"1.5", '-', "2", "-500m", F::kDecimalSI},
                      ArithmeticCase{"1Gi", '-', "1Gi", "0", F::kBinarySI},
                      ArithmeticCase{"1e3", '+', "1", "1001", F::kDecimalExponent},
                      ArithmeticCase{"500m", '+', "500m", "1", F::kDecimalSI},
                      ArithmeticCase{"8Ei", '+', "8Ei", "18446744073709551614", F::kBinarySI},
                      ArithmeticCase{"-1Ki", '+', "1Ki", "0", F::kBinarySI},
                      ArithmeticCase{"1Ki", '-', "2Ki", "-1Ki", F::kBinarySI}));

TEST(Quantity, NegKeepsFormatAndDoubleNegationCancels) {
  Quantity q = MustParse("10Ki");
  EXPECT_EQ(q.Neg().ToString(), "-10Ki");
  EXPECT_EQ(q.Neg().format(), F::kBinarySI);
  EXPECT_EQ((-q).Neg(), q);
  EXPECT_EQ(Quantity().Neg(), Quantity());
  EXPECT_EQ(Quantity().Neg().ToString(), "0");
}

TEST(Quantity, AddThenSubCancels) {
  Quantity sum;
  const std::string_view values[] = {"1.5Gi", "100m", "3e7", "123456789n", "9Ei", "12E"};
  for (std::string_view v : values) sum += MustParse(v);
  for (std::string_view v : values) sum -= MustParse(v);
  EXPECT_TRUE(sum.IsZero());
}

TEST(Quantity, SignAndIsZero) {
  EXPECT_EQ(MustParse("-1n").Sign(), -1);
  EXPECT_EQ(MustParse("0Gi").Sign(), 0);
  EXPECT_EQ(MustParse("5m").Sign(), 1);
  EXPECT_TRUE(MustParse("-0").IsZero());
  EXPECT_TRUE(Quantity().IsZero());
  EXPECT_FALSE(MustParse("1n").IsZero());
}

// Upstream's TestQuantityString cases built with NewQuantity / NewMilliQuantity.
TEST(Quantity, FromIntAndFromMilliFormatLikeUpstream) {
  EXPECT_EQ(Quantity::FromInt(1024 * 1024 * 1024, F::kBinarySI).ToString(), "1Gi");
  EXPECT_EQ(Quantity::FromInt(300 * 1024 * 1024, F::kBinarySI).ToString(), "300Mi");
  EXPECT_EQ(Quantity::FromInt(6 * 1024, F::kBinarySI).ToString(), "6Ki");
  EXPECT_EQ(Quantity::FromInt(5, F::kBinarySI).ToString(), "5");
  EXPECT_EQ(Quantity::FromInt(1025, F::kBinarySI).ToString(), "1025");
  EXPECT_EQ(Quantity::FromInt(1000000000, F::kDecimalSI).ToString(), "1G");
  EXPECT_EQ(Quantity::FromInt(1000, F::kDecimalExponent).ToString(), "1e3");
  EXPECT_EQ(Quantity::FromInt(0, F::kBinarySI).ToString(), "0");
  EXPECT_EQ(Quantity::FromInt(-5).ToString(), "-5");
  EXPECT_EQ(Quantity::FromMilli(500, F::kBinarySI).ToString(), "500m");
  EXPECT_EQ(Quantity::FromMilli(1080).ToString(), "1080m");
  EXPECT_EQ(Quantity::FromMilli(80, F::kDecimalExponent).ToString(), "80e-3");
  EXPECT_EQ(Quantity::FromMilli(1234567, F::kBinarySI).ToString(), "1234567m");
  EXPECT_EQ(Quantity::FromInt(1).MilliValue(), 1000);
  EXPECT_EQ(Quantity::FromMilli(1).Value(), 1);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Quantity::FromInt(kMax).Value(), kMax);
  EXPECT_EQ(Quantity::FromInt(kMax).ToString(), "9223372036854775807");
}

TEST(Quantity, SetFormatChangesOnlyTheText) {
  Quantity q = MustParse("1536Mi");
  q.set_format(F::kDecimalSI);
  EXPECT_EQ(q.ToString(), "1610612736");
  EXPECT_EQ(q, MustParse("1.5Gi"));
  q.set_format(F::kDecimalExponent);
  EXPECT_EQ(q.ToString(), "1610612736");
  EXPECT_EQ(MustParse("1G").ToString(), "1G");
  Quantity g = MustParse("1G");
  g.set_format(F::kDecimalExponent);
  EXPECT_EQ(g.ToString(), "1e9");
}

TEST(Quantity, FormatNameSpellsUpstreamNames) {
  EXPECT_EQ(Quantity::FormatName(F::kDecimalSI), "DecimalSI");
  EXPECT_EQ(Quantity::FormatName(F::kBinarySI), "BinarySI");
  EXPECT_EQ(Quantity::FormatName(F::kDecimalExponent), "DecimalExponent");
}

TEST(Quantity, StreamsCanonicalString) {
  std::ostringstream os;
  os << MustParse("1.5Gi") << " " << MustParse("0.1");
  EXPECT_EQ(os.str(), "1536Mi 100m");
}

// Deliberate differences from upstream, each fixing a case where upstream loses the
// value.
TEST(Quantity, WritesDecimalSIBeyondExaAsExponent) {
  // Upstream v0.37 drops the exponent ("1000E" -> "1"); later upstream writes "1e21".
  EXPECT_EQ(MustParse("1000E").ToString(), "1e21");
  EXPECT_EQ(MustParse("1000E").format(), F::kDecimalSI);
  EXPECT_EQ(MustParse("100000000000000000000000000000").ToString(), "100e27");
}

TEST(Quantity, WritesBinaryBeyondEiWithEiSuffix) {
  Quantity q = MustParse("1Ei");
  Quantity sum;
  for (int i = 0; i < 1024; ++i) sum += q;
  EXPECT_EQ(sum.ToString(), "1024Ei");
}

TEST(Quantity, RejectsMagnitudesBeyondTheRepresentableRange) {
  for (std::string_view text :
       {"1e30", "-1e30", "1e2147483647", "1000000000000000000000000000000"}) {
    Result<Quantity> q = Quantity::Parse(text);
    ASSERT_FALSE(q.ok()) << text;
    EXPECT_THAT(q.error().message(), HasSubstr("\"" + std::string(text) + "\""));
    EXPECT_THAT(q.error().message(), HasSubstr("out of range"));
  }
  EXPECT_EQ(MustParse("1e29").ToString(), "100e27");
  EXPECT_EQ(MustParse("0e999").ToString(), "0");
  // Exponents keep only their low 32 bits, as upstream's do: 2^63-1 wraps to -1.
  EXPECT_EQ(MustParse("1e9223372036854775807").ToString(), "100e-3");
}

TEST(Quantity, AddSaturatesAtTheRepresentableRange) {
  Quantity big = MustParse("1e29");
  Quantity sum = big + big;
  EXPECT_GT(sum, big);
  EXPECT_EQ(sum + big, sum);
  EXPECT_EQ((-big) - big - big, -sum);
}

}  // namespace
}  // namespace kube

namespace kube {
namespace {

TEST(QuantityJson, WritesCanonicalStringAndReadsStringsOrNumbers) {
  auto q = Decode<Quantity>(R"("1.5Gi")");
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(Encode(*q), R"("1536Mi")");
  auto n = Decode<Quantity>("0.5");
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(n->ToString(), "500m");
  auto i = Decode<Quantity>("2");
  ASSERT_TRUE(i) << i.error();
  EXPECT_EQ(i->ToString(), "2");
}

TEST(QuantityJson, BadQuantityNamesItsPath) {
  Json doc = Json::parse(R"({"cpu": "2 cores"})");
  Quantity q;
  Status s = FromJsonAt(doc["cpu"], "resources.requests.cpu", &q);
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_EQ(s.message().rfind("resources.requests.cpu: invalid quantity \"2 cores\"", 0), 0u)
      << s.message();
  EXPECT_FALSE(Decode<Quantity>("[1]"));
}

}  // namespace
}  // namespace kube
