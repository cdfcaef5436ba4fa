#include "kubecpp/core/condition.h"

#include <gtest/gtest.h>

#include "kubecpp/core/json.h"

namespace kube {
namespace {

Time At(const char* text) { return *Time::Parse(text); }

Condition Ready(const char* status, const char* reason = "R") {
  Condition c;
  c.type = "Ready";
  c.status = status;
  c.reason = reason;
  c.message = "m";
  return c;
}

TEST(Condition, NewConditionGetsNowAsTransitionTime) {
  std::vector<Condition> conditions;
  EXPECT_TRUE(SetStatusCondition(&conditions, Ready("True"), At("2024-01-01T00:00:00Z")));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].last_transition_time, At("2024-01-01T00:00:00Z"));
}

TEST(Condition, NewConditionKeepsExplicitTransitionTime) {
  std::vector<Condition> conditions;
  Condition c = Ready("True");
  c.last_transition_time = At("2023-06-01T00:00:00Z");
  SetStatusCondition(&conditions, c, At("2024-01-01T00:00:00Z"));
  EXPECT_EQ(conditions[0].last_transition_time, At("2023-06-01T00:00:00Z"));
}

TEST(Condition, SameStatusKeepsTransitionTimeButUpdatesReason) {
  std::vector<Condition> conditions;
  SetStatusCondition(&conditions, Ready("True", "A"), At("2024-01-01T00:00:00Z"));
  EXPECT_TRUE(SetStatusCondition(&conditions, Ready("True", "B"), At("2024-02-01T00:00:00Z")));
  EXPECT_EQ(conditions[0].reason, "B");
  EXPECT_EQ(conditions[0].last_transition_time, At("2024-01-01T00:00:00Z"));
}

TEST(Condition, StatusChangeMovesTransitionTime) {
  std::vector<Condition> conditions;
  SetStatusCondition(&conditions, Ready("True"), At("2024-01-01T00:00:00Z"));
  EXPECT_TRUE(SetStatusCondition(&conditions, Ready("False"), At("2024-02-01T00:00:00Z")));
  EXPECT_EQ(conditions[0].status, "False");
  EXPECT_EQ(conditions[0].last_transition_time, At("2024-02-01T00:00:00Z"));
}

TEST(Condition, IdenticalSetReportsNoChange) {
  std::vector<Condition> conditions;
  SetStatusCondition(&conditions, Ready("True"), At("2024-01-01T00:00:00Z"));
  EXPECT_FALSE(SetStatusCondition(&conditions, Ready("True"), At("2024-03-01T00:00:00Z")));
}

TEST(Condition, FindRemoveAndPredicates) {
  std::vector<Condition> conditions;
  SetStatusCondition(&conditions, Ready("True"), At("2024-01-01T00:00:00Z"));
  Condition progressing = Ready("False");
  progressing.type = "Progressing";
  SetStatusCondition(&conditions, progressing, At("2024-01-01T00:00:00Z"));
  EXPECT_TRUE(IsStatusConditionTrue(conditions, "Ready"));
  EXPECT_TRUE(IsStatusConditionFalse(conditions, "Progressing"));
  EXPECT_FALSE(IsStatusConditionTrue(conditions, "Missing"));
  EXPECT_FALSE(IsStatusConditionFalse(conditions, "Missing"));
  ASSERT_NE(FindStatusCondition(conditions, "Progressing"), nullptr);
  EXPECT_TRUE(RemoveStatusCondition(&conditions, "Progressing"));
  EXPECT_FALSE(RemoveStatusCondition(&conditions, "Progressing"));
  EXPECT_EQ(FindStatusCondition(conditions, "Progressing"), nullptr);
}

TEST(Condition, JsonUsesMetaV1FieldNames) {
  Condition c = Ready("True");
  c.observed_generation = 3;
  c.last_transition_time = At("2024-01-01T00:00:00Z");
  Json j;
  ToJson(c, &j);
  EXPECT_EQ(j, Json::parse(R"({"type":"Ready","status":"True","reason":"R","message":"m",
      "lastTransitionTime":"2024-01-01T00:00:00Z","observedGeneration":3})"));
  auto back = Decode<Condition>(j.dump());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, c);
}

}  // namespace
}  // namespace kube
