// Unit tests of the Deployment controller's pure logic: fenceposts, hashing, rollout
// arithmetic (the Appendix trace), proportional scaling, revisions, cleanup order and
// conditions (docs/k8s-semantics.md B2 and the Appendix).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "controllers/deployment/rollout.h"
#include "controllers/deployment/status.h"
#include "controllers/deployment/util.h"
#include "kubecpp/core/json.h"

namespace kube::controllers::deployment {
namespace {

using api::apps::v1::DeploymentStrategy;
using api::apps::v1::DeploymentStrategyType;
using api::apps::v1::RollingUpdateDeployment;
using api::core::v1::PodTemplateSpec;

std::optional<IntOrString> Parse(const char* text) {
  if (text == nullptr) return std::nullopt;
  return IntOrString::Parse(text);
}

Deployment MakeDeployment(int32_t replicas, const char* surge = "25%",
                          const char* unavailable = "25%") {
  Deployment d;
  d.metadata.name = "web";
  d.metadata.namespace_ = "default";
  d.metadata.generation = 1;
  d.spec.emplace();
  d.spec->replicas = replicas;
  d.spec->strategy = DeploymentStrategy{};
  d.spec->strategy->type = DeploymentStrategyType::kRollingUpdate;
  d.spec->strategy->rolling_update = RollingUpdateDeployment{};
  d.spec->strategy->rolling_update->max_surge = Parse(surge);
  d.spec->strategy->rolling_update->max_unavailable = Parse(unavailable);
  d.spec->selector.match_labels["app"] = "web";
  d.spec->template_.metadata.emplace();
  d.spec->template_.metadata->labels["app"] = "web";
  return d;
}

PodTemplateSpec Template(const std::string& image) {
  PodTemplateSpec t;
  t.metadata.emplace();
  t.metadata->labels["app"] = "web";
  t.spec.emplace();
  t.spec->containers.emplace_back();
  t.spec->containers.back().name = "web";
  t.spec->containers.back().image = image;
  return t;
}

ReplicaSet MakeRS(const std::string& name, int seconds, std::optional<std::string> revision) {
  ReplicaSet rs;
  rs.metadata.name = name;
  rs.metadata.creation_timestamp =
      Time(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000 + seconds)));
  if (revision) rs.metadata.annotations[std::string(kRevisionAnnotation)] = *revision;
  rs.spec.emplace();
  rs.spec->replicas = 0;
  rs.status.emplace();
  return rs;
}

// --- Fenceposts (Appendix table) -------------------------------------------------------

struct FencepostCase {
  int32_t d;
  const char* surge;
  const char* unavailable;
  int32_t resolved_surge;
  int32_t resolved_unavailable;
  int32_t max_total;
  int32_t min_available;
};

TEST(DeploymentFenceposts, AppendixTable) {
  const FencepostCase cases[] = {
      {10, "25%", "25%", 3, 2, 13, 8}, {3, "25%", "25%", 1, 0, 4, 3}, {1, "25%", "25%", 1, 0, 2, 1},
      {2, "0%", "1%", 0, 1, 2, 1},     {5, "0", "1", 0, 1, 5, 4},     {0, "25%", "25%", 0, 0, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.d) + " " + c.surge + " " + c.unavailable);
    Deployment d = MakeDeployment(c.d, c.surge, c.unavailable);
    EXPECT_EQ(MaxSurge(d), c.resolved_surge);
    EXPECT_EQ(MaxUnavailable(d), c.resolved_unavailable);
    EXPECT_EQ(c.d + MaxSurge(d), c.max_total);
    EXPECT_EQ(c.d - MaxUnavailable(d), c.min_available);
  }
}

TEST(DeploymentFenceposts, AbsentValuesCountAsZeroAndForceOneUnavailable) {
  auto f = ResolveFenceposts(std::nullopt, std::nullopt, 4);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (Fenceposts{0, 1}));
}

TEST(DeploymentFenceposts, MalformedValueIsAnError) {
  EXPECT_FALSE(ResolveFenceposts(IntOrString::FromString("abc"), std::nullopt, 4).ok());
}

TEST(DeploymentFenceposts, RecreateHasNoSurgeNorUnavailable) {
  Deployment d = MakeDeployment(10);
  d.spec->strategy->type = DeploymentStrategyType::kRecreate;
  EXPECT_EQ(MaxSurge(d), 0);
  EXPECT_EQ(MaxUnavailable(d), 0);
}

TEST(DeploymentFenceposts, MaxUnavailableCappedAtReplicas) {
  EXPECT_EQ(MaxUnavailable(MakeDeployment(3, "0", "5")), 3);
}

// --- Hash ----------------------------------------------------------------------------

TEST(DeploymentHash, SafeEncodingMapsEachDigit) {
  EXPECT_EQ(SafeEncodeUint32(1234567890), "56789bcdf4");
  EXPECT_EQ(SafeEncodeUint32(0), "4");
}

TEST(DeploymentHash, DeterministicAndUsesSafeAlphabet) {
  const std::string h = ComputeHash(Template("nginx:1"), std::nullopt);
  EXPECT_EQ(h, ComputeHash(Template("nginx:1"), std::nullopt));
  EXPECT_GE(h.size(), 1u);
  EXPECT_LE(h.size(), 10u);
  EXPECT_EQ(h.find_first_not_of("456789bcdf"), std::string::npos) << h;
}

TEST(DeploymentHash, ChangesWithTemplateAndCollisionCount) {
  const std::string h = ComputeHash(Template("nginx:1"), std::nullopt);
  EXPECT_NE(h, ComputeHash(Template("nginx:2"), std::nullopt));
  EXPECT_NE(h, ComputeHash(Template("nginx:1"), 1));
  EXPECT_NE(ComputeHash(Template("nginx:1"), 1), ComputeHash(Template("nginx:1"), 2));
}

TEST(DeploymentHash, IgnoresPodTemplateHashLabel) {
  PodTemplateSpec labelled = Template("nginx:1");
  labelled.metadata->labels["pod-template-hash"] = "abc";
  EXPECT_EQ(ComputeHash(labelled, std::nullopt), ComputeHash(Template("nginx:1"), std::nullopt));
  EXPECT_TRUE(EqualIgnoreHash(labelled, Template("nginx:1")));
  EXPECT_FALSE(EqualIgnoreHash(labelled, Template("nginx:2")));
}

TEST(DeploymentHash, EmptyLabelsEqualAbsentLabels) {
  PodTemplateSpec a;
  a.metadata.emplace();
  a.metadata->labels["pod-template-hash"] = "x";
  PodTemplateSpec b;
  EXPECT_TRUE(EqualIgnoreHash(a, b));
}

TEST(DeploymentHash, TemplateReadBackFromTheServerEqualsTheTypedOne) {
  // kubectl rollout undo sends the old ReplicaSet's template as the apiserver returns
  // it: "creationTimestamp": null and "resources": {} included.
  auto served = kube::Json::parse(R"({"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},
      "spec":{"containers":[{"name":"web","image":"nginx:1","resources":{},"ports":[]}]}})");
  PodTemplateSpec from_server;
  ASSERT_TRUE(FromJsonAt(served, "", &from_server).ok());
  PodTemplateSpec typed = Template("nginx:1");
  EXPECT_TRUE(EqualIgnoreHash(from_server, typed));
  EXPECT_EQ(ComputeHash(from_server, std::nullopt), ComputeHash(typed, std::nullopt));
}

// --- Rolling update arithmetic (Appendix trace) ---------------------------------------

TEST(DeploymentRollout, C83_AppendixTraceStepByStep) {
  const int32_t d = 10, surge = 3, unavailable = 2;
  // 1. create n = min(13 - 10, 10) = 3.
  int32_t n = NewReplicasForRollingUpdate(d, surge, /*total=*/10, /*new=*/0);
  EXPECT_EQ(n, 3);
  // 2. n not yet available: budget 13 - 8 - 3 = 2; o 10 -> 8.
  auto old = ScaleDownOldReplicaSets(d, unavailable, {3, 0}, {{10, 10}});
  EXPECT_EQ(old, std::vector<int32_t>{8});
  // 3. n available: n = 3 + min(13 - 11, 7) = 5.
  n = NewReplicasForRollingUpdate(d, surge, 11, 3);
  EXPECT_EQ(n, 5);
  // 4. budget 13 - 8 - 0 = 5; o 8 -> 3.
  old = ScaleDownOldReplicaSets(d, unavailable, {5, 5}, {{8, 8}});
  EXPECT_EQ(old, std::vector<int32_t>{3});
  // 5. n = 5 + min(13 - 8, 5) = 10.
  EXPECT_EQ(NewReplicasForRollingUpdate(d, surge, 8, 5), 10);
  // 6. o 3 -> 0.
  old = ScaleDownOldReplicaSets(d, unavailable, {10, 10}, {{3, 3}});
  EXPECT_EQ(old, std::vector<int32_t>{0});
}

TEST(DeploymentRollout, NewReplicaSetAboveDesiredGoesDownToIt) {
  EXPECT_EQ(NewReplicasForRollingUpdate(5, 2, 12, 12), 5);
}

TEST(DeploymentRollout, SurgeExhaustedLeavesNewUnchanged) {
  EXPECT_EQ(NewReplicasForRollingUpdate(10, 3, 13, 5), 5);
}

TEST(DeploymentRollout, StalledNewReplicaSetBlocksOldScaleDown) {
  // Old 8 available, new 5 unavailable: budget 13 - 8 - 5 = 0.
  EXPECT_EQ(ScaleDownOldReplicaSets(10, 2, {5, 0}, {{8, 8}}), std::vector<int32_t>{8});
}

TEST(DeploymentRollout, UnhealthyOldReplicasAreCleanedUpFirst) {
  // Oldest RS has 4 replicas but only 1 available; budget 13 - 8 - 0 = 5.
  // Cleanup removes its 3 unavailable, then available 1 + 6 + 3 = 10 > 8 by 2,
  // taken from the oldest first (1 -> 0) and then the next (6 -> 5).
  EXPECT_EQ(ScaleDownOldReplicaSets(10, 2, {3, 3}, {{4, 1}, {6, 6}}), (std::vector<int32_t>{0, 5}));
}

TEST(DeploymentRollout, NoOldReplicasNothingToDo) {
  EXPECT_EQ(ScaleDownOldReplicaSets(10, 2, {10, 10}, {{0, 0}}), std::vector<int32_t>{0});
}

TEST(DeploymentRollout, MaxSurgeZeroMaxUnavailableOneNeverExceedsDesired) {
  // D=5, surge 0, unavailable 1: the new RS starts at 0 and the old RS goes first.
  EXPECT_EQ(NewReplicasForRollingUpdate(5, 0, 5, 0), 0);
  EXPECT_EQ(ScaleDownOldReplicaSets(5, 1, {0, 0}, {{5, 5}}), std::vector<int32_t>{4});
  EXPECT_EQ(NewReplicasForRollingUpdate(5, 0, 4, 0), 1);
}

// --- Proportional scaling (C84 b) ------------------------------------------------------

TEST(DeploymentProportionalScaling, C84b_ScaleUpMidRollout) {
  // Old 8, new 5 (both annotated max-replicas 13), D 10 -> 15: allowed 19, toAdd 6.
  auto sizes = ProportionalScale(15, 4, 13, {{8, 13}, {5, 13}});
  EXPECT_EQ(sizes, (std::vector<int32_t>{12, 7}));
}

TEST(DeploymentProportionalScaling, ScaleDownMidRollout) {
  // Old 12, new 7 (max 19), D 15 -> 10: allowed 13, toAdd -6.
  // old: round(12*13/19) - 12 = -4; new: round(7*13/19) - 7 = -2.
  auto sizes = ProportionalScale(10, 3, 19, {{12, 19}, {7, 19}});
  EXPECT_EQ(sizes, (std::vector<int32_t>{8, 5}));
}

TEST(DeploymentProportionalScaling, ScaleToZeroEmptiesEveryReplicaSet) {
  auto sizes = ProportionalScale(0, 0, 13, {{8, 13}, {5, 13}});
  EXPECT_EQ(sizes, (std::vector<int32_t>{0, 0}));
}

TEST(DeploymentProportionalScaling, LeftoverGoesToLargestAndTiesPreferNewerWhenAdding) {
  // Two RSs of 2 (no annotation, status.replicas 4), D 3 -> 4, surge 1: allowed 5,
  // toAdd 1. Fractions round(2*5/4)-2 = 1 each; the newer (index 1) gets it first.
  auto sizes = ProportionalScale(4, 1, 4, {{2, std::nullopt}, {2, std::nullopt}});
  EXPECT_EQ(sizes, (std::vector<int32_t>{2, 3}));
}

TEST(DeploymentProportionalScaling, TiesPreferOlderWhenRemoving) {
  auto sizes = ProportionalScale(2, 0, 4, {{2, 4}, {2, 4}});
  // allowed 2, toAdd -2: fraction round(2*2/4)-2 = -1 each.
  EXPECT_EQ(sizes, (std::vector<int32_t>{1, 1}));
  sizes = ProportionalScale(3, 0, 4, {{2, 4}, {2, 4}});
  // toAdd -1: the older one (index 0) gives it up.
  EXPECT_EQ(sizes, (std::vector<int32_t>{1, 2}));
}

// --- Revisions and annotations -------------------------------------------------------

TEST(DeploymentRevision, NewReplicaSetGetsRevisionAndReplicaAnnotations) {
  Deployment d = MakeDeployment(3);
  d.metadata.annotations["team"] = "x";
  d.metadata.annotations[std::string(kLastAppliedConfigAnnotation)] = "{}";
  d.metadata.annotations[std::string(kRevisionAnnotation)] = "7";
  ReplicaSet rs;
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, &rs, 1, /*exists=*/false));
  EXPECT_EQ(rs.metadata.annotations["team"], "x");
  EXPECT_EQ(rs.metadata.annotations.count(std::string(kLastAppliedConfigAnnotation)), 0u);
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionAnnotation)], "1");
  EXPECT_EQ(rs.metadata.annotations[std::string(kDesiredReplicasAnnotation)], "3");
  EXPECT_EQ(rs.metadata.annotations[std::string(kMaxReplicasAnnotation)], "4");
  EXPECT_EQ(rs.metadata.annotations.count(std::string(kRevisionHistoryAnnotation)), 0u);
}

TEST(DeploymentRevision, ReusedReplicaSetRecordsPreviousRevision) {
  Deployment d = MakeDeployment(3);
  ReplicaSet rs;
  rs.metadata.annotations[std::string(kRevisionAnnotation)] = "1";
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, &rs, 3, true));
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionAnnotation)], "3");
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionHistoryAnnotation)], "1");
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, &rs, 5, true));
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionHistoryAnnotation)], "1,3");
  // A higher revision is never lowered.
  EXPECT_FALSE(SetNewReplicaSetAnnotations(d, &rs, 4, true));
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionAnnotation)], "5");
}

TEST(DeploymentRevision, HistoryDropsOldestEntriesBeyondLimit) {
  Deployment d = MakeDeployment(1);
  ReplicaSet rs;
  rs.metadata.annotations[std::string(kRevisionAnnotation)] = "30";
  rs.metadata.annotations[std::string(kRevisionHistoryAnnotation)] = "10,20";
  // "10,20" + ",30" is 8 characters; a limit of 6 drops "10".
  EXPECT_TRUE(SetNewReplicaSetAnnotations(d, &rs, 40, true, 6));
  EXPECT_EQ(rs.metadata.annotations[std::string(kRevisionHistoryAnnotation)], "20,30");
}

TEST(DeploymentRevision, MaxRevisionIgnoresUnparsable) {
  ReplicaSet a = MakeRS("a", 0, "3");
  ReplicaSet b = MakeRS("b", 1, "x");
  ReplicaSet c = MakeRS("c", 2, std::nullopt);
  EXPECT_EQ(MaxRevision({&a, &b, &c}), 3);
}

TEST(DeploymentRevision, ReplicasAnnotations) {
  ReplicaSet rs;
  EXPECT_TRUE(ReplicasAnnotationsNeedUpdate(rs, 3, 4));
  EXPECT_TRUE(SetReplicasAnnotations(&rs, 3, 4));
  EXPECT_FALSE(ReplicasAnnotationsNeedUpdate(rs, 3, 4));
  EXPECT_EQ(DesiredReplicasAnnotation(rs), 3);
  EXPECT_EQ(MaxReplicasAnnotation(rs), 4);
  EXPECT_FALSE(SetReplicasAnnotations(&rs, 3, 4));
}

// --- Cleanup (B2.7) -------------------------------------------------------------------

TEST(DeploymentCleanup, DeletesLowestRevisionsBeyondLimit) {
  Deployment d = MakeDeployment(1);
  d.spec->revision_history_limit = 2;
  std::vector<ReplicaSet> old = {MakeRS("r3", 0, "3"), MakeRS("r1", 1, "1"), MakeRS("r4", 2, "4"),
                                 MakeRS("r2", 3, "2")};
  EXPECT_EQ(ReplicaSetsToCleanUp(d, old), (std::vector<size_t>{1, 3}));
}

TEST(DeploymentCleanup, SkipsReplicaSetsWithReplicasOrUnobservedGeneration) {
  Deployment d = MakeDeployment(1);
  d.spec->revision_history_limit = 0;
  std::vector<ReplicaSet> old = {MakeRS("a", 0, "1"), MakeRS("b", 1, "2"), MakeRS("c", 2, "3"),
                                 MakeRS("d", 3, "4")};
  old[0].spec->replicas = 1;
  old[1].status->replicas = 1;
  old[2].metadata.generation = 2;
  old[2].status->observed_generation = 1;
  EXPECT_EQ(ReplicaSetsToCleanUp(d, old), (std::vector<size_t>{3}));
}

TEST(DeploymentCleanup, NoLimitOrSentinelKeepsEverything) {
  Deployment d = MakeDeployment(1);
  std::vector<ReplicaSet> old = {MakeRS("a", 0, "1")};
  EXPECT_TRUE(ReplicaSetsToCleanUp(d, old).empty());
  d.spec->revision_history_limit = kNoLimit;
  EXPECT_TRUE(ReplicaSetsToCleanUp(d, old).empty());
}

TEST(DeploymentCleanup, EqualRevisionsFallBackToCreationOrder) {
  Deployment d = MakeDeployment(1);
  d.spec->revision_history_limit = 1;
  std::vector<ReplicaSet> old = {MakeRS("late", 5, std::nullopt), MakeRS("early", 1, std::nullopt)};
  EXPECT_EQ(ReplicaSetsToCleanUp(d, old), (std::vector<size_t>{1}));
}

// --- Identity ----------------------------------------------------------------------------

TEST(DeploymentIdentity, NewReplicaSetIsOldestWithEqualTemplate) {
  Deployment d = MakeDeployment(1);
  d.spec->template_ = Template("v2");
  std::vector<ReplicaSet> rss = {MakeRS("b", 0, "1"), MakeRS("a", 0, "2"), MakeRS("c", 1, "3")};
  rss[0].spec->template_ = Template("v1");
  rss[1].spec->template_ = Template("v2");
  rss[1].spec->template_->metadata->labels["pod-template-hash"] = "h";
  rss[2].spec->template_ = Template("v2");
  SortByCreationTimestamp(&rss);
  EXPECT_EQ(rss[0].metadata.name, "a");  // same timestamp as "b": by name
  auto idx = FindNewReplicaSet(d, rss);
  ASSERT_TRUE(idx.has_value());
  EXPECT_EQ(rss[*idx].metadata.name, "a");
}

// --- Conditions and status (B2.8) ------------------------------------------------------

Time At(int seconds) {
  return Time(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000 + seconds)));
}

TEST(DeploymentConditions, SameStatusAndReasonIsNoOp) {
  DeploymentStatus s;
  SetCondition(&s, NewCondition("Available", "True", "A", "m", At(0)));
  SetCondition(&s, NewCondition("Available", "True", "A", "other", At(10)));
  ASSERT_EQ(s.conditions->size(), 1u);
  EXPECT_EQ(s.conditions->front().message, "m");
  EXPECT_EQ(s.conditions->front().last_update_time, At(0));
}

TEST(DeploymentConditions, NewReasonKeepsTransitionTimeWhenStatusUnchanged) {
  DeploymentStatus s;
  SetCondition(&s, NewCondition("Progressing", "True", "A", "m", At(0)));
  SetCondition(&s, NewCondition("Progressing", "True", "B", "m", At(10)));
  EXPECT_EQ(s.conditions->front().last_transition_time, At(0));
  EXPECT_EQ(s.conditions->front().last_update_time, At(10));
  SetCondition(&s, NewCondition("Progressing", "False", "C", "m", At(20)));
  EXPECT_EQ(s.conditions->front().last_transition_time, At(20));
}

TEST(DeploymentStatusCalc, SumsReplicaSetsAndSetsAvailable) {
  Deployment d = MakeDeployment(10);
  ReplicaSet o = MakeRS("o", 0, "1");
  o.spec->replicas = 8;
  o.status->replicas = 8;
  o.status->ready_replicas = 8;
  o.status->available_replicas = 8;
  ReplicaSet n = MakeRS("n", 1, "2");
  n.spec->replicas = 5;
  n.status->replicas = 5;
  n.status->ready_replicas = 2;
  n.status->available_replicas = 1;
  DeploymentStatus s = CalculateStatus({&o, &n}, &n, d, At(0));
  EXPECT_EQ(s.replicas, 13);
  EXPECT_EQ(s.updated_replicas, 5);
  EXPECT_EQ(s.ready_replicas, 10);
  EXPECT_EQ(s.available_replicas, 9);
  EXPECT_EQ(s.unavailable_replicas, 4);
  EXPECT_EQ(s.observed_generation, 1);
  const DeploymentCondition* a = GetCondition(s, kConditionAvailable);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status, "True");  // 9 >= 10 - 2
  EXPECT_EQ(a->reason, std::string(kReasonMinimumReplicasAvailable));
  EXPECT_EQ(a->message, std::string("Deployment has minimum availability."));
}

TEST(DeploymentStatusCalc, ProgressDeadlineExceededAfterDeadline) {
  Deployment d = MakeDeployment(10);
  d.spec->progress_deadline_seconds = 600;
  d.status.emplace();
  SetCondition(&*d.status, NewCondition("Progressing", "True", "ReplicaSetUpdated", "m", At(0)));
  d.status->observed_generation = 1;
  DeploymentStatus s = *d.status;
  EXPECT_FALSE(DeploymentTimedOut(d, s, At(600)));
  EXPECT_TRUE(DeploymentTimedOut(d, s, At(601)));
  EXPECT_EQ(ProgressRequeueAfter(d, s, At(100)), std::chrono::seconds(501));
}

}  // namespace
}  // namespace kube::controllers::deployment
