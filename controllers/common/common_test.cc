// Tests of the shared controller helpers: claiming (B0.1/B0.2) on the in-process fake
// apiserver, and the pod predicates of B1.4.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controllers/common/claim.h"
#include "controllers/common/pod_util.h"
#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/core/json.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace kube::controllers {
namespace {

using api::apps::v1::ReplicaSet;
using api::core::v1::Pod;
using PodPtr = std::shared_ptr<const Pod>;

Pod MakePod(std::string name, std::map<std::string, std::string> labels) {
  Pod pod;
  pod.metadata.name = std::move(name);
  pod.metadata.namespace_ = "default";
  pod.metadata.labels = std::move(labels);
  api::core::v1::PodSpec spec;
  api::core::v1::Container c;
  c.name = "c";
  c.image = "nginx";
  spec.containers.push_back(c);
  pod.spec = spec;
  return pod;
}

controller::OwnerInfo RsOwner(std::string uid) {
  return controller::OwnerInfo{{"apps", "v1", "ReplicaSet"}, "rs", "default", std::move(uid)};
}

class ClaimTest : public ::testing::Test {
 protected:
  ClaimTest() : client_(server_.NewClient()), pods_(client_.get(), "default") {}

  PodPtr Create(Pod pod) {
    auto created = pods_.Create(pod);
    EXPECT_TRUE(created) << created.error();
    return std::make_shared<const Pod>(*created);
  }
  Pod Live(const std::string& name) {
    auto pod = pods_.Get(name);
    EXPECT_TRUE(pod) << pod.error();
    return pod ? *pod : Pod();
  }
  ClaimContext Context(std::string uid = "rs-uid") {
    ClaimContext ctx;
    ctx.owner = RsOwner(std::move(uid));
    ctx.selector = *Selector::Parse("app=web");
    ctx.recheck_owner = [this] {
      ++rechecks_;
      return recheck_status_;
    };
    return ctx;
  }

  testing::FakeApiServer server_;
  std::unique_ptr<client::Client> client_;
  client::Api<Pod> pods_;
  int rechecks_ = 0;
  Status recheck_status_;
};

TEST(Claim, NewControllerRefSetsControllerAndBlockOwnerDeletion) {
  OwnerReference ref = NewControllerRef(RsOwner("u1"));
  EXPECT_EQ(ref.api_version, "apps/v1");
  EXPECT_EQ(ref.kind, "ReplicaSet");
  EXPECT_EQ(ref.name, "rs");
  EXPECT_EQ(ref.uid, "u1");
  EXPECT_EQ(ref.controller, true);
  EXPECT_EQ(ref.block_owner_deletion, true);
}

TEST(Claim, DecisionTableFollowsB02) {
  struct Case {
    const char* name;
    const char* controller_uid;  // "" orphan
    bool matches;
    bool owner_deleting;
    bool object_deleting;
    ClaimDecision want;
  };
  const Case cases[] = {
      {"other controller, matching", "other", true, false, false, ClaimDecision::kIgnore},
      {"other controller, not matching", "other", false, false, false, ClaimDecision::kIgnore},
      {"ours, matching", "rs-uid", true, false, false, ClaimDecision::kKeep},
      {"ours, matching, owner deleting", "rs-uid", true, true, false, ClaimDecision::kKeep},
      {"ours, not matching", "rs-uid", false, false, false, ClaimDecision::kRelease},
      {"ours, not matching, owner deleting", "rs-uid", false, true, false, ClaimDecision::kIgnore},
      {"ours, not matching, object deleting", "rs-uid", false, false, true, ClaimDecision::kIgnore},
      {"orphan, matching", "", true, false, false, ClaimDecision::kAdopt},
      {"orphan, not matching", "", false, false, false, ClaimDecision::kIgnore},
      {"orphan, matching, owner deleting", "", true, true, false, ClaimDecision::kIgnore},
      {"orphan, matching, object deleting", "", true, false, true, ClaimDecision::kIgnore},
  };
  for (const Case& c : cases) {
    ClaimContext ctx;
    ctx.owner = RsOwner("rs-uid");
    ctx.selector = *Selector::Parse("app=web");
    ctx.owner_being_deleted = c.owner_deleting;
    ObjectMeta meta;
    meta.labels = {{"app", c.matches ? "web" : "db"}};
    if (*c.controller_uid != '\0') {
      meta.owner_references.push_back(NewControllerRef(RsOwner(c.controller_uid)));
    }
    if (c.object_deleting) meta.deletion_timestamp = Time::Now();
    EXPECT_EQ(DecideClaim(ctx, meta), c.want) << c.name;
  }
}

TEST(Claim, NonControllerOwnerReferenceDoesNotBlockAdoption) {
  ClaimContext ctx;
  ctx.owner = RsOwner("rs-uid");
  ctx.selector = *Selector::Parse("app=web");
  ObjectMeta meta;
  meta.labels = {{"app", "web"}};
  OwnerReference plain = NewControllerRef(RsOwner("x"));
  plain.controller = false;
  meta.owner_references.push_back(plain);
  EXPECT_EQ(DecideClaim(ctx, meta), ClaimDecision::kAdopt);
}

TEST_F(ClaimTest, AdoptsOrphanWithControllerRefAfterOneRecheck) {
  PodPtr a = Create(MakePod("a", {{"app", "web"}}));
  PodPtr b = Create(MakePod("b", {{"app", "web"}}));
  PodPtr other = Create(MakePod("c", {{"app", "db"}}));
  auto claimed = ClaimObjects<Pod>(Context(), {a, b, other}, pods_);
  ASSERT_TRUE(claimed) << claimed.error();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ(rechecks_, 1);
  for (const auto& p : *claimed) {
    const OwnerReference* ref = p->metadata.ControllerRef();
    ASSERT_NE(ref, nullptr);
    EXPECT_EQ(ref->uid, "rs-uid");
  }
  Pod live = Live("a");
  ASSERT_EQ(live.metadata.owner_references.size(), 1u);
  EXPECT_EQ(live.metadata.owner_references[0], NewControllerRef(RsOwner("rs-uid")));
  EXPECT_TRUE(Live("c").metadata.owner_references.empty());
}

TEST_F(ClaimTest, FailedRecheckAdoptsNothingAndReturnsTheError) {
  PodPtr a = Create(MakePod("a", {{"app", "web"}}));
  recheck_status_ = NotFoundError("replicasets \"rs\" not found");
  auto claimed = ClaimObjects<Pod>(Context(), {a}, pods_);
  ASSERT_FALSE(claimed);
  EXPECT_TRUE(IsNotFound(claimed.error()));
  EXPECT_TRUE(Live("a").metadata.owner_references.empty());
}

TEST_F(ClaimTest, NoRecheckWithoutAdoption) {
  Pod p = MakePod("a", {{"app", "web"}});
  p.metadata.owner_references.push_back(NewControllerRef(RsOwner("rs-uid")));
  PodPtr a = Create(p);
  auto claimed = ClaimObjects<Pod>(Context(), {a}, pods_);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->size(), 1u);
  EXPECT_EQ(rechecks_, 0);
}

TEST_F(ClaimTest, ReleasesOwnedObjectThatNoLongerMatchesKeepingOtherReferences) {
  Pod p = MakePod("a", {{"app", "db"}});
  p.metadata.owner_references.push_back(NewControllerRef(RsOwner("rs-uid")));
  OwnerReference plain = NewControllerRef(RsOwner("someone"));
  plain.name = "someone";
  plain.controller = false;
  p.metadata.owner_references.push_back(plain);
  PodPtr a = Create(p);
  auto claimed = ClaimObjects<Pod>(Context(), {a}, pods_);
  ASSERT_TRUE(claimed) << claimed.error();
  EXPECT_TRUE(claimed->empty());
  Pod live = Live("a");
  ASSERT_EQ(live.metadata.owner_references.size(), 1u);
  EXPECT_EQ(live.metadata.owner_references[0].uid, "someone");
}

TEST_F(ClaimTest, ReleaseOfDeletedObjectIsSuccess) {
  Pod p = MakePod("a", {{"app", "db"}});
  p.metadata.owner_references.push_back(NewControllerRef(RsOwner("rs-uid")));
  PodPtr a = Create(p);
  ASSERT_TRUE(pods_.Delete("a").ok());
  auto claimed = ClaimObjects<Pod>(Context(), {a}, pods_);
  ASSERT_TRUE(claimed) << claimed.error();
  EXPECT_TRUE(claimed->empty());
}

TEST(Claim, PatchesCarryTheObjectUidPrecondition) {
  const Json adopt = *ParseJson(AdoptPatch(RsOwner("rs-uid"), "pod-uid"));
  EXPECT_EQ(adopt["metadata"]["uid"], "pod-uid");
  ASSERT_EQ(adopt["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(adopt["metadata"]["ownerReferences"][0]["uid"], "rs-uid");
  EXPECT_EQ(adopt["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(adopt["metadata"]["ownerReferences"][0]["blockOwnerDeletion"], true);
  EXPECT_EQ(*ParseJson(ReleasePatch("rs-uid", "pod-uid")),
            *ParseJson(R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"rs-uid"}],)"
                       R"("uid":"pod-uid"}})"));
}

TEST_F(ClaimTest, IgnoresObjectsOwnedByAnotherController) {
  Pod p = MakePod("a", {{"app", "web"}});
  p.metadata.owner_references.push_back(NewControllerRef(RsOwner("other")));
  PodPtr a = Create(p);
  auto claimed = ClaimObjects<Pod>(Context(), {a}, pods_);
  ASSERT_TRUE(claimed);
  EXPECT_TRUE(claimed->empty());
  ASSERT_EQ(Live("a").metadata.owner_references.size(), 1u);
  EXPECT_EQ(Live("a").metadata.owner_references[0].uid, "other");
}

TEST_F(ClaimTest, WorksForReplicaSetsToo) {
  client::Api<ReplicaSet> sets(client_.get(), "default");
  ReplicaSet rs;
  rs.metadata.name = "web-1";
  rs.metadata.labels = {{"app", "web"}};
  api::apps::v1::ReplicaSetSpec spec;
  spec.selector.match_labels = {{"app", "web"}};
  api::core::v1::PodTemplateSpec tmpl;
  tmpl.metadata = ObjectMeta();
  tmpl.metadata->labels = {{"app", "web"}};
  tmpl.spec = MakePod("x", {}).spec;
  spec.template_ = tmpl;
  rs.spec = spec;
  auto created = sets.Create(rs);
  ASSERT_TRUE(created) << created.error();
  ClaimContext ctx;
  ctx.owner = {{"apps", "v1", "Deployment"}, "web", "default", "dep-uid"};
  ctx.selector = *Selector::Parse("app=web");
  auto claimed =
      ClaimObjects<ReplicaSet>(ctx, {std::make_shared<const ReplicaSet>(*created)}, sets);
  ASSERT_TRUE(claimed) << claimed.error();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0]->metadata.ControllerRef()->kind, "Deployment");
}

// ---- pod_util -------------------------------------------------------------------

Pod PodWithReady(const char* status, Time since) {
  Pod pod;
  api::core::v1::PodStatus st;
  api::core::v1::PodCondition c;
  c.type = "Ready";
  c.status = status;
  if (!since.IsZero()) c.last_transition_time = since;
  st.conditions = std::vector<api::core::v1::PodCondition>{c};
  st.phase = api::core::v1::PodStatusPhase::kRunning;
  pod.status = st;
  return pod;
}

TEST(PodUtil, ReadinessAndConditions) {
  const Time t0(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
  EXPECT_TRUE(IsPodReady(PodWithReady("True", t0)));
  EXPECT_FALSE(IsPodReady(PodWithReady("False", t0)));
  EXPECT_FALSE(IsPodReady(Pod()));
  EXPECT_EQ(GetPodCondition(Pod(), "Ready"), nullptr);
  EXPECT_EQ(PodReadySince(PodWithReady("True", t0)), t0);
  EXPECT_TRUE(PodReadySince(PodWithReady("False", t0)).IsZero());
}

TEST(PodUtil, TerminalAndActive) {
  Pod pod = PodWithReady("True", Time());
  EXPECT_FALSE(IsPodTerminal(pod));
  EXPECT_TRUE(IsPodActive(pod));
  for (auto phase :
       {api::core::v1::PodStatusPhase::kSucceeded, api::core::v1::PodStatusPhase::kFailed}) {
    pod.status->phase = phase;
    EXPECT_TRUE(IsPodTerminal(pod));
    EXPECT_FALSE(IsPodActive(pod));
  }
  pod.status->phase = api::core::v1::PodStatusPhase::kPending;
  pod.metadata.deletion_timestamp = Time::Now();
  EXPECT_FALSE(IsPodTerminal(pod));
  EXPECT_FALSE(IsPodActive(pod));
}

TEST(PodUtil, AvailableOnlyStrictlyAfterMinReadySeconds) {
  using std::chrono::seconds;
  const auto t0 = std::chrono::system_clock::time_point(seconds(1'700'000'000));
  const Pod ready = PodWithReady("True", Time(t0));
  EXPECT_TRUE(IsPodAvailable(ready, 0, t0));
  EXPECT_FALSE(IsPodAvailable(ready, 5, t0 + seconds(4)));
  EXPECT_FALSE(IsPodAvailable(ready, 5, t0 + seconds(5)));
  EXPECT_TRUE(IsPodAvailable(ready, 5, t0 + seconds(5) + std::chrono::milliseconds(1)));
  EXPECT_TRUE(IsPodAvailable(ready, 5, Time(t0 + seconds(6))));
  EXPECT_FALSE(IsPodAvailable(PodWithReady("False", Time(t0)), 0, t0 + seconds(100)));
  EXPECT_FALSE(IsPodAvailable(PodWithReady("True", Time()), 5, t0));
}

TEST(PodUtil, MaxContainerRestarts) {
  Pod pod = PodWithReady("True", Time());
  EXPECT_EQ(MaxContainerRestarts(pod), 0);
  api::core::v1::ContainerStatus a, b;
  a.restart_count = 2;
  b.restart_count = 7;
  pod.status->container_statuses = std::vector<api::core::v1::ContainerStatus>{a, b};
  EXPECT_EQ(MaxContainerRestarts(pod), 7);
}

}  // namespace
}  // namespace kube::controllers
