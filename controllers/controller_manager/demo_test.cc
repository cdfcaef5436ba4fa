#include "controllers/controller_manager/demo.h"

#include <gtest/gtest.h>

namespace kube::controllers {
namespace {

TEST(FormatTable, PrintsPriorityZeroColumnsAlignedLikeKubectl) {
  auto table = Json::parse(R"({"kind":"Table","columnDefinitions":[
      {"name":"Name","type":"string","priority":0},
      {"name":"Ready","type":"string","priority":0},
      {"name":"Containers","type":"string","priority":1},
      {"name":"Age","type":"string","priority":0}],
    "rows":[{"cells":["web","3/3","nginx","5s"]},{"cells":["api-long-name","0/1","x","12m"]}]})");
  EXPECT_EQ(FormatTable(table, "deployment.apps/"),
            "NAME                            READY   AGE\n"
            "deployment.apps/web             3/3     5s\n"
            "deployment.apps/api-long-name   0/1     12m\n");
}

TEST(FormatTable, ToleratesMissingParts) {
  EXPECT_EQ(FormatTable(Json::object(), ""), "\n");
  auto table = Json::parse(R"({"columnDefinitions":[{"name":"Name"},{"name":"Count"}],
                               "rows":[{"cells":["a"]},{"cells":["b",null]}]})");
  EXPECT_EQ(FormatTable(table, ""), "NAME   COUNT\na      \nb      <none>\n");
}

TEST(RolloutComplete, FollowsKubectlRolloutStatus) {
  struct Case {
    const char* json;
    bool complete;
  };
  for (
      const Case& c : std::vector<Case>{
          // Rolled out.
          {R"({"metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,
               "replicas":3,"updatedReplicas":3,"availableReplicas":3}})",
           true},
          // The controller has not seen the latest spec.
          {R"({"metadata":{"generation":3},"spec":{"replicas":3},"status":{"observedGeneration":2,
               "replicas":3,"updatedReplicas":3,"availableReplicas":3}})",
           false},
          // Not every replica updated.
          {R"({"metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,
               "replicas":4,"updatedReplicas":2,"availableReplicas":3}})",
           false},
          // Old replicas still terminating.
          {R"({"metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,
               "replicas":4,"updatedReplicas":3,"availableReplicas":3}})",
           false},
          // Updated but not available yet.
          {R"({"metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,
               "replicas":3,"updatedReplicas":3,"availableReplicas":2}})",
           false},
          // Scaled to zero.
          {R"({"metadata":{"generation":4},"spec":{"replicas":0},"status":{"observedGeneration":4}})",
           true},
          // replicas absent means 1.
          {R"({"metadata":{"generation":1},"spec":{},"status":{"observedGeneration":1}})", false},
      }) {
    EXPECT_EQ(RolloutComplete(Json::parse(c.json)), c.complete) << c.json;
  }
}

}  // namespace
}  // namespace kube::controllers
