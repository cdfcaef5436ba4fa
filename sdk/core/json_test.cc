#include "kubecpp/core/json.h"

#include <gtest/gtest.h>

#include "kubecpp/core/meta.h"

namespace kube {
namespace {

TEST(Json, ParseReportsByteOffsetOfMalformedInput) {
  auto r = ParseJson(R"({"a": 1,})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kBadRequest);
  EXPECT_NE(r.error().message().find("malformed JSON (byte 9)"), std::string::npos)
      << r.error().message();
}

TEST(Json, ParseRejectsTruncatedAndEmptyInput) {
  EXPECT_FALSE(ParseJson(""));
  EXPECT_FALSE(ParseJson(R"({"metadata": {"name": "x")"));
  EXPECT_FALSE(ParseJson("nul"));
  EXPECT_TRUE(ParseJson(" null "));
}

TEST(Json, DecodeReportsPathOfWrongType) {
  auto r = Decode<ObjectMeta>(R"({"name":"a","labels":{"app":7}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "labels.app: expected string, got integer");

  auto r2 = Decode<ObjectMeta>(R"({"ownerReferences":[{"name":"x","uid":5}]})");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().message(), "ownerReferences[0].uid: expected string, got integer");

  auto r3 = Decode<ObjectMeta>(R"("just a string")");
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().message(), "expected object, got string");
}

TEST(Json, DecodeReportsBadTimestampWithPath) {
  auto r = Decode<ObjectMeta>(R"({"creationTimestamp":"yesterday"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().rfind("creationTimestamp: ", 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find("yesterday"), std::string::npos);
}

TEST(Json, NullFieldsReadAsUnset) {
  auto r = Decode<ObjectMeta>(
      R"({"name":"a","labels":null,"creationTimestamp":null,"deletionGracePeriodSeconds":null})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->labels.empty());
  EXPECT_TRUE(r->creation_timestamp.IsZero());
  EXPECT_FALSE(r->deletion_grace_period_seconds.has_value());
}

TEST(Json, IntegralFloatsAreAcceptedAsIntegers) {
  auto r = Decode<ObjectMeta>(R"({"generation":3.0})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->generation, 3);
  EXPECT_FALSE(Decode<ObjectMeta>(R"({"generation":3.5})"));
}

TEST(RawJson, EmptyAndEquality) {
  EXPECT_TRUE(RawJson().empty());
  EXPECT_TRUE(RawJson(Json::object()).empty());
  EXPECT_TRUE(RawJson(Json(nullptr)).empty());
  EXPECT_FALSE(RawJson(Json{{"a", 1}}).empty());
  EXPECT_EQ(RawJson(), RawJson(Json::object()));
  EXPECT_EQ(RawJson(Json{{"a", 1}}), RawJson(Json{{"a", 1}}));
  EXPECT_NE(RawJson(Json{{"a", 1}}), RawJson(Json{{"a", 2}}));
  EXPECT_EQ(RawJson(Json{{"a", 1}}).ToString(), R"({"a":1})");
}

}  // namespace
}  // namespace kube
