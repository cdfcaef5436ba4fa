#include "kubecpp/core/int_or_string.h"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "kubecpp/core/json.h"
#include "kubecpp/core/status.h"

namespace kube {
namespace {

TEST(IntOrString, DefaultIsIntZero) {
  const IntOrString v;
  EXPECT_TRUE(v.is_int());
  EXPECT_FALSE(v.is_string());
  EXPECT_EQ(v.type(), IntOrString::Type::kInt);
  EXPECT_EQ(v.int_value(), 0);
  EXPECT_EQ(v, IntOrString::FromInt(0));
}

TEST(IntOrString, FromIntHoldsInt) {
  const IntOrString v = IntOrString::FromInt(8080);
  EXPECT_TRUE(v.is_int());
  EXPECT_EQ(v.int_value(), 8080);
  EXPECT_EQ(v.str_value(), "");
  EXPECT_EQ(v.ToString(), "8080");
  EXPECT_EQ(IntOrString::FromInt(-3).ToString(), "-3");
}

TEST(IntOrString, FromStringHoldsStringEvenWhenNumeric) {
  const IntOrString v = IntOrString::FromString("80");
  EXPECT_TRUE(v.is_string());
  EXPECT_EQ(v.str_value(), "80");
  EXPECT_EQ(v.int_value(), 0);
  EXPECT_EQ(v.ToString(), "80");
  EXPECT_NE(v, IntOrString::FromInt(80));
  EXPECT_EQ(v, IntOrString::FromString("80"));
  EXPECT_NE(v, IntOrString::FromString("http"));
}

TEST(IntOrString, ParsePicksIntForDecimalInt32) {
  EXPECT_EQ(IntOrString::Parse("80"), IntOrString::FromInt(80));
  EXPECT_EQ(IntOrString::Parse("-1"), IntOrString::FromInt(-1));
  EXPECT_EQ(IntOrString::Parse("+7"), IntOrString::FromInt(7));
  EXPECT_EQ(IntOrString::Parse("http"), IntOrString::FromString("http"));
  EXPECT_EQ(IntOrString::Parse("25%"), IntOrString::FromString("25%"));
  EXPECT_EQ(IntOrString::Parse(""), IntOrString::FromString(""));
  EXPECT_EQ(IntOrString::Parse("2147483648"), IntOrString::FromString("2147483648"));
}

TEST(IntOrString, StreamsToString) {
  std::ostringstream os;
  os << IntOrString::FromInt(3) << " " << IntOrString::FromString("25%");
  EXPECT_EQ(os.str(), "3 25%");
}

// The rolling-update fenceposts a Deployment resolves: maxSurge rounds up,
// maxUnavailable rounds down (k8s.io/kubernetes pkg/controller/deployment/util).
struct FencepostCase {
  const char* max_surge;
  const char* max_unavailable;
  int desired;
  int want_surge;
  int want_unavailable;
};

void PrintTo(const FencepostCase& c, std::ostream* os) {
  *os << c.max_surge << "/" << c.max_unavailable << " of " << c.desired;
}

class DeploymentFencepostTest : public testing::TestWithParam<FencepostCase> {};

TEST_P(DeploymentFencepostTest, SurgeRoundsUpUnavailableRoundsDown) {
  const FencepostCase& c = GetParam();
  Result<int> surge =
      GetScaledValueFromIntOrPercent(IntOrString::FromString(c.max_surge), c.desired, true);
  Result<int> unavailable =
      GetScaledValueFromIntOrPercent(IntOrString::FromString(c.max_unavailable), c.desired, false);
  ASSERT_TRUE(surge.ok()) << surge.error();
  ASSERT_TRUE(unavailable.ok()) << unavailable.error();
  EXPECT_EQ(*surge, c.want_surge);
  EXPECT_EQ(*unavailable, c.want_unavailable);
}

INSTANTIATE_TEST_SUITE_P(
    Percentages, DeploymentFencepostTest,
    testing::Values(FencepostCase{"25%", "25%", 10, 3, 2}, FencepostCase{"25%", "25%", 3, 1, 0},
                    FencepostCase{"25%", "25%", 1, 1, 0}, FencepostCase{"0%", "1%", 2, 0, 0},
                    FencepostCase{"25%", "25%", 0, 0, 0}, FencepostCase{"0%", "0%", 0, 0, 0},
                    FencepostCase{"39%", "39%", 10, 4, 3}, FencepostCase{"33%", "33%", 7, 3, 2},
                    FencepostCase{"100%", "100%", 5, 5, 5}, FencepostCase{"50%", "50%", 4, 2, 2},
                    FencepostCase{"200%", "150%", 3, 6, 4}));

TEST(GetScaledValueFromIntOrPercent, IntIsReturnedUnscaled) {
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromInt(5), 100, true), 5);
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromInt(5), 0, false), 5);
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromInt(-2), 10, false), -2);
}

TEST(GetScaledValueFromIntOrPercent, SignedPercentagesFollowAtoi) {
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromString("+10%"), 15, true), 2);
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromString("-10%"), 15, true), -1);
  EXPECT_EQ(*GetScaledValueFromIntOrPercent(IntOrString::FromString("-10%"), 15, false), -2);
}

TEST(GetScaledValueFromIntOrPercent, StringWithoutPercentIsAnError) {
  for (const char* text : {"25", "", "http", "25%x"}) {
    Result<int> r = GetScaledValueFromIntOrPercent(IntOrString::FromString(text), 10, true);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code(), Code::kBadRequest);
    EXPECT_EQ(r.error().message(),
              "invalid value for IntOrString: invalid type: string is not a percentage");
  }
}

TEST(GetScaledValueFromIntOrPercent, BadNumberIsAnErrorNamingTheValue) {
  Result<int> r = GetScaledValueFromIntOrPercent(IntOrString::FromString("abc%"), 10, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kBadRequest);
  EXPECT_EQ(r.error().message(),
            "invalid value for IntOrString: invalid value \"abc%\": strconv.Atoi: parsing "
            "\"abc\": invalid syntax");

  for (const char* text : {"%", " 5%", "5 %", "1.5%", "0x10%", "--1%", "+%"}) {
    Result<int> bad = GetScaledValueFromIntOrPercent(IntOrString::FromString(text), 10, false);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.error().message().find(std::string("\"") + text + "\""), std::string::npos)
        << bad.error().message();
  }
}

TEST(GetScaledValueFromIntOrPercent, OutOfRangeIsAnError) {
  Result<int> huge =
      GetScaledValueFromIntOrPercent(IntOrString::FromString("99999999999999999999%"), 10, true);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message().find("value out of range"), std::string::npos);

  Result<int> too_big =
      GetScaledValueFromIntOrPercent(IntOrString::FromString("9000000000000%"), 1000, true);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message().find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace kube

namespace kube {
namespace {

TEST(IntOrStringJson, RoundTripsIntsAndStrings) {
  auto i = Decode<IntOrString>("3");
  ASSERT_TRUE(i) << i.error();
  EXPECT_TRUE(i->is_int());
  EXPECT_EQ(i->int_value(), 3);
  EXPECT_EQ(Encode(*i), "3");
  auto s = Decode<IntOrString>(R"("25%")");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->is_string());
  EXPECT_EQ(Encode(*s), R"("25%")");
}

TEST(IntOrStringJson, RejectsOtherTypesAndOverflow) {
  EXPECT_EQ(Decode<IntOrString>("true").error().message(),
            "expected integer or string, got boolean");
  EXPECT_FALSE(Decode<IntOrString>("1.5"));
  EXPECT_FALSE(Decode<IntOrString>("4294967296"));
}

}  // namespace
}  // namespace kube
