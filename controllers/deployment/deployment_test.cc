// The Deployment controller against the in-process fake apiserver
// (docs/k8s-semantics.md B2, scenarios C82-C84).
//
// As upstream's controller unit tests do, the tests play the ReplicaSet controller:
// after a sync they write each ReplicaSet's status by hand (Settle), and they drive
// the Deployment controller one Sync at a time, waiting before each sync until the
// informer caches hold what the apiserver holds. Time is a FakeClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/status.h"
#include "controllers/deployment/util.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::controllers::deployment {
namespace {

using api::apps::v1::DeploymentStrategy;
using api::apps::v1::DeploymentStrategyType;
using api::apps::v1::RollingUpdateDeployment;
using api::core::v1::Pod;
using controller::Action;
using std::chrono::seconds;

constexpr auto kWait = std::chrono::seconds(30);

std::string Ann(const ObjectMeta& meta, std::string_view key) {
  auto it = meta.annotations.find(std::string(key));
  return it == meta.annotations.end() ? "" : it->second;
}

// Waits (for real) until `done` holds, polling; false after kWait.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

class DeploymentControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FakeApiServerOptions server_options;
    server_options.clock = &clock_;
    server_options.seed = 42;
    server_ = std::make_unique<testing::FakeApiServer>(server_options);
    client_ = server_->NewClient();
    factory_ = std::make_unique<cache::InformerFactory>(client_.get());
    recorder_ = std::make_unique<manager::EventRecorder>(
        client_.get(), manager::EventRecorderOptions{.component = "deployment-controller"});
    Options options;
    options.workers = 1;
    options.clock = &clock_;
    auto dc = DeploymentController::New(client_.get(), *factory_, recorder_.get(), options);
    ASSERT_TRUE(dc.ok()) << dc.error();
    dc_ = *dc;
    factory_->Start(stop_.get_token());
    ASSERT_TRUE(factory_->WaitForCacheSync(stop_.get_token(), kWait).ok());
  }

  void TearDown() override {
    stop_.request_stop();
    recorder_->Shutdown();
  }

  // --- Objects ---

  static Deployment NewDeployment(const std::string& name, int32_t replicas,
                                  const std::string& image) {
    Deployment d;
    d.metadata.name = name;
    d.metadata.namespace_ = "default";
    d.spec.emplace();
    d.spec->replicas = replicas;
    d.spec->selector.match_labels["app"] = name;
    d.spec->strategy = DeploymentStrategy{};
    d.spec->strategy->type = DeploymentStrategyType::kRollingUpdate;
    d.spec->strategy->rolling_update = RollingUpdateDeployment{};
    d.spec->strategy->rolling_update->max_surge = IntOrString::FromString("25%");
    d.spec->strategy->rolling_update->max_unavailable = IntOrString::FromString("25%");
    d.spec->template_.metadata.emplace();
    d.spec->template_.metadata->labels["app"] = name;
    d.spec->template_.spec.emplace();
    d.spec->template_.spec->containers.emplace_back();
    d.spec->template_.spec->containers.back().name = "web";
    d.spec->template_.spec->containers.back().image = image;
    return d;
  }

  Deployment Create(const Deployment& d) {
    client::Api<Deployment> api(client_.get(), "default");
    auto created = api.Create(d);
    EXPECT_TRUE(created.ok()) << created.error();
    return created.ok() ? *created : d;
  }

  Deployment Get(const std::string& name) {
    client::Api<Deployment> api(client_.get(), "default");
    auto d = api.Get(name);
    EXPECT_TRUE(d.ok()) << d.error();
    return d.ok() ? *d : Deployment{};
  }

  // Edits the Deployment's spec/metadata (a user's kubectl edit).
  void Edit(const std::string& name, const std::function<void(Deployment&)>& mutate) {
    client::Api<Deployment> api(client_.get(), "default");
    Deployment d = Get(name);
    mutate(d);
    auto updated = api.Update(d);
    ASSERT_TRUE(updated.ok()) << updated.error();
  }

  void SetImage(const std::string& name, const std::string& image) {
    Edit(name, [&](Deployment& d) { d.spec->template_.spec->containers[0].image = image; });
  }

  // The ReplicaSets of the namespace, oldest first.
  std::vector<ReplicaSet> ReplicaSets() {
    client::Api<ReplicaSet> api(client_.get(), "default");
    auto list = api.List();
    EXPECT_TRUE(list.ok());
    std::vector<ReplicaSet> out = list.ok() ? list->items : std::vector<ReplicaSet>{};
    SortByCreationTimestamp(&out);
    return out;
  }

  std::vector<ReplicaSet> OwnedBy(const Deployment& d) {
    std::vector<ReplicaSet> out;
    for (ReplicaSet& rs : ReplicaSets()) {
      const OwnerReference* ref = rs.metadata.ControllerRef();
      if (ref != nullptr && ref->uid == d.metadata.uid) out.push_back(std::move(rs));
    }
    return out;
  }

  std::vector<int32_t> Sizes(const std::vector<ReplicaSet>& rss) {
    std::vector<int32_t> out;
    for (const ReplicaSet& rs : rss) out.push_back(SpecReplicas(rs));
    return out;
  }

  // Plays the ReplicaSet controller: status.replicas = spec.replicas, ready and
  // available = spec.replicas unless `unavailable(rs)` holds (then 0), and the
  // generation observed.
  void Settle(const std::function<bool(const ReplicaSet&)>& unavailable = nullptr) {
    client::Api<ReplicaSet> api(client_.get(), "default");
    for (ReplicaSet rs : ReplicaSets()) {
      const int32_t n = SpecReplicas(rs);
      const int32_t ready = unavailable && unavailable(rs) ? 0 : n;
      api::apps::v1::ReplicaSetStatus want = rs.status.value_or(api::apps::v1::ReplicaSetStatus{});
      want.replicas = n;
      want.ready_replicas = ready;
      want.available_replicas = ready;
      want.fully_labeled_replicas = n;
      want.observed_generation = rs.metadata.generation;
      if (rs.status && *rs.status == want) continue;
      rs.status = want;
      auto updated = api.UpdateStatus(rs);
      // With a running controller a conflict just means "settle again later".
      if (!tolerate_conflicts_ || (!updated.ok() && !IsConflict(updated.error()))) {
        ASSERT_TRUE(updated.ok()) << updated.error();
      }
    }
  }

  // --- Syncing ---

  template <typename T>
  bool CacheMatches(const cache::Informer<T>& informer) {
    client::Api<T> api(client_.get());
    auto list = api.List();
    if (!list.ok()) return false;
    std::map<std::string, std::string> want;
    for (const T& item : list->items) {
      want[item.metadata.namespace_ + "/" + item.metadata.name] = item.metadata.resource_version;
    }
    auto cached = informer.GetIndexer().List();
    if (cached.size() != want.size()) return false;
    for (const auto& o : cached) {
      auto it = want.find(o->metadata.namespace_ + "/" + o->metadata.name);
      if (it == want.end() || it->second != o->metadata.resource_version) return false;
    }
    return true;
  }

  void WaitCaches() {
    ASSERT_TRUE(WaitFor([&] {
      return CacheMatches(*dc_->deployments()) && CacheMatches(*dc_->replica_sets()) &&
             CacheMatches(*dc_->pods());
    })) << "informer caches did not catch up";
  }

  Result<Action> Sync(const std::string& name) {
    WaitCaches();
    return dc_->Sync(ObjectKey{"default", name});
  }

  void SyncOk(const std::string& name) {
    auto r = Sync(name);
    ASSERT_TRUE(r.ok()) << r.error();
  }

  // kubectl rollout status's checks.
  static bool RolloutComplete(const Deployment& d) {
    if (!d.status) return false;
    const DeploymentStatus& s = *d.status;
    if (s.observed_generation.value_or(0) < d.metadata.generation) return false;
    const DeploymentCondition* p = GetCondition(s, kConditionProgressing);
    if (p != nullptr && p->reason == std::string(kReasonProgressDeadlineExceeded)) return false;
    const int32_t want = DesiredReplicas(d);
    return s.updated_replicas.value_or(0) == want && s.replicas.value_or(0) == want &&
           s.available_replicas.value_or(0) == want;
  }

  // Sync + Settle until the rollout is complete and a further sync changes nothing;
  // `check` runs after every sync and settle.
  void Converge(const std::string& name, const std::function<void()>& check = nullptr) {
    for (int i = 0; i < 40; ++i) {
      const int64_t rv_before = server_->resource_version();
      SyncOk(name);
      if (check) check();
      Settle();
      if (check) check();
      if (server_->resource_version() == rv_before && RolloutComplete(Get(name))) return;
    }
    FAIL() << "deployment " << name << " did not converge";
  }

  // The Progressing reasons the Deployment went through after resourceVersion `rv`.
  std::vector<std::string> ProgressingReasonsSince(const std::string& name, const std::string& rv) {
    client::Api<Deployment> api(client_.get(), "default");
    const std::string last = Get(name).metadata.resource_version;
    std::vector<std::string> reasons;
    if (last == rv) return reasons;
    client::ListOptions options;
    options.resource_version = rv;
    options.field_selector = "metadata.name=" + name;
    options.timeout_seconds = 30;
    Status s = api.Watch(options, [&](client::TypedEvent<Deployment>&& e) {
      if (e.object.status) {
        if (const DeploymentCondition* c = GetCondition(*e.object.status, kConditionProgressing)) {
          if (reasons.empty() || reasons.back() != c->reason.value_or("")) {
            reasons.push_back(c->reason.value_or(""));
          }
        }
      }
      return e.object.metadata.resource_version != last;
    });
    EXPECT_TRUE(s.ok()) << s;
    return reasons;
  }

  testing::FakeClock clock_;
  std::unique_ptr<testing::FakeApiServer> server_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<cache::InformerFactory> factory_;
  std::unique_ptr<manager::EventRecorder> recorder_;
  std::shared_ptr<DeploymentController> dc_;
  std::stop_source stop_;
  bool tolerate_conflicts_ = false;
};

// --- C82 --------------------------------------------------------------------------------

TEST_F(DeploymentControllerTest, C82_InitialRolloutCreatesOneNamedReplicaSet) {
  const Deployment d = Create(NewDeployment("web", 3, "nginx:1"));
  SyncOk("web");
  std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 1u);
  const ReplicaSet& rs = rss[0];
  const std::string hash = rs.metadata.labels.at("pod-template-hash");
  EXPECT_EQ(rs.metadata.name, "web-" + hash);
  EXPECT_GE(hash.size(), 1u);
  EXPECT_LE(hash.size(), 10u);
  EXPECT_EQ(hash.find_first_not_of("456789bcdf"), std::string::npos) << hash;
  EXPECT_EQ(rs.spec->selector.match_labels.at("pod-template-hash"), hash);
  EXPECT_EQ(rs.spec->selector.match_labels.at("app"), "web");
  EXPECT_EQ(rs.spec->template_->metadata->labels.at("pod-template-hash"), hash);
  EXPECT_EQ(SpecReplicas(rs), 3);
  EXPECT_EQ(Ann(rs.metadata, kRevisionAnnotation), "1");
  EXPECT_EQ(Ann(rs.metadata, kDesiredReplicasAnnotation), "3");
  EXPECT_EQ(Ann(rs.metadata, kMaxReplicasAnnotation), "4");
  const OwnerReference* ref = rs.metadata.ControllerRef();
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->uid, d.metadata.uid);
  EXPECT_EQ(ref->kind, "Deployment");
  EXPECT_EQ(ref->block_owner_deletion, true);

  Converge("web");
  const Deployment done = Get("web");
  EXPECT_EQ(Ann(done.metadata, kRevisionAnnotation), "1");
  EXPECT_EQ(done.metadata.generation, d.metadata.generation);  // status writes never bump
  ASSERT_TRUE(done.status.has_value());
  EXPECT_EQ(done.status->replicas, 3);
  EXPECT_EQ(done.status->updated_replicas, 3);
  EXPECT_EQ(done.status->ready_replicas, 3);
  EXPECT_EQ(done.status->available_replicas, 3);
  EXPECT_EQ(done.status->observed_generation, done.metadata.generation);
  const DeploymentCondition* available = GetCondition(*done.status, kConditionAvailable);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->status, "True");
  EXPECT_EQ(available->reason, std::string(kReasonMinimumReplicasAvailable));
  const DeploymentCondition* progressing = GetCondition(*done.status, kConditionProgressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->status, "True");
  EXPECT_EQ(progressing->reason, std::string(kReasonNewReplicaSetAvailable));
  EXPECT_EQ(progressing->message,
            "ReplicaSet \"" + rs.metadata.name + "\" has successfully progressed.");
  EXPECT_TRUE(RolloutComplete(done));
}

TEST_F(DeploymentControllerTest, C82_NewReplicaSetCreatedConditionBeforeAvailability) {
  Create(NewDeployment("web", 3, "nginx:1"));
  auto r = Sync("web");
  ASSERT_TRUE(r.ok()) << r.error();
  const Deployment d = Get("web");
  ASSERT_TRUE(d.status.has_value());
  const DeploymentCondition* p = GetCondition(*d.status, kConditionProgressing);
  ASSERT_NE(p, nullptr);
  // The first sync created the RS and then reported the rollout step.
  EXPECT_EQ(p->status, "True");
  EXPECT_TRUE(p->reason == std::string(kReasonNewReplicaSetCreated) ||
              p->reason == std::string(kReasonReplicaSetUpdated))
      << p->reason.value_or("");
  const DeploymentCondition* a = GetCondition(*d.status, kConditionAvailable);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status, "False");
  EXPECT_EQ(a->reason, std::string(kReasonMinimumReplicasUnavailable));
  EXPECT_EQ(a->message, std::string("Deployment does not have minimum availability."));
  // Not complete: a deadline check is scheduled (600 s + 1 s from now).
  EXPECT_EQ(r->requeue_after(), seconds(601));
}

// --- C83 --------------------------------------------------------------------------------

TEST_F(DeploymentControllerTest, C83_RollingUpdateFollowsAppendixTrace) {
  Create(NewDeployment("web", 10, "nginx:1"));
  Converge("web");
  clock_.Step(seconds(1));  // the new RS is younger than the old one
  SetImage("web", "nginx:2");

  auto check_invariants = [&] {
    int32_t total = 0, available = 0;
    for (const ReplicaSet& rs : ReplicaSets()) {
      total += SpecReplicas(rs);
      available += AvailableReplicas(rs);
    }
    EXPECT_LE(total, 13);
    EXPECT_GE(available, 8);
  };
  // Trace steps 1-2 happen in one sync: n created with 3; n not available yet,
  // budget 13 - 8 - 3 = 2, so o 10 -> 8.
  SyncOk("web");
  check_invariants();
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{8, 3}));
  Settle();
  check_invariants();
  // 3: n = 3 + min(13 - 11, 7) = 5.
  SyncOk("web");
  check_invariants();
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{8, 5}));
  Settle();
  // 4: budget 13 - 8 - 0 = 5, o 8 -> 3.
  SyncOk("web");
  check_invariants();
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{3, 5}));
  Settle();
  // 5: n = 5 + min(13 - 8, 5) = 10.
  SyncOk("web");
  check_invariants();
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{3, 10}));
  Settle();
  // 6: o 3 -> 0.
  SyncOk("web");
  check_invariants();
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0, 10}));
  Settle();
  // 7: complete.
  Converge("web", check_invariants);
  const Deployment d = Get("web");
  EXPECT_EQ(Ann(d.metadata, kRevisionAnnotation), "2");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 2u);  // the old RS is kept as history
  EXPECT_EQ(Ann(rss[0].metadata, kRevisionAnnotation), "1");
  EXPECT_EQ(Ann(rss[1].metadata, kRevisionAnnotation), "2");
  EXPECT_TRUE(RolloutComplete(d));
  EXPECT_EQ(GetCondition(*d.status, kConditionProgressing)->reason,
            std::string(kReasonNewReplicaSetAvailable));
}

TEST_F(DeploymentControllerTest, C83_MaxSurgeZeroNeverExceedsDesired) {
  Deployment d = NewDeployment("web", 10, "nginx:1");
  d.spec->strategy->rolling_update->max_surge = IntOrString::FromInt(0);
  d.spec->strategy->rolling_update->max_unavailable = IntOrString::FromInt(1);
  Create(d);
  Converge("web");
  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  int syncs = 0;
  Converge("web", [&] {
    ++syncs;
    int32_t total = 0, available = 0;
    for (const ReplicaSet& rs : ReplicaSets()) {
      total += SpecReplicas(rs);
      available += AvailableReplicas(rs);
    }
    EXPECT_LE(total, 10);
    EXPECT_GE(available, 9);
  });
  EXPECT_GT(syncs, 10);  // one replica at a time
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0, 10}));
}

TEST_F(DeploymentControllerTest, C83_StalledRolloutExceedsProgressDeadline) {
  Create(NewDeployment("web", 10, "nginx:1"));
  Converge("web");
  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  const std::string old_name = ReplicaSets()[0].metadata.name;
  auto new_never_ready = [&](const ReplicaSet& rs) { return rs.metadata.name != old_name; };
  Result<Action> last = Action::Done();
  for (int i = 0; i < 6; ++i) {
    last = Sync("web");
    ASSERT_TRUE(last.ok()) << last.error();
    Settle(new_never_ready);
  }
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{8, 5}));  // 13 total, stalled
  Deployment d = Get("web");
  const DeploymentCondition* p = GetCondition(*d.status, kConditionProgressing);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, "True");
  // The controller asks to look again when the deadline passes.
  ASSERT_GT(last->requeue_after(), seconds(0));
  EXPECT_LE(last->requeue_after(), seconds(601));

  clock_.Step(last->requeue_after());
  SyncOk("web");
  d = Get("web");
  p = GetCondition(*d.status, kConditionProgressing);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, "False");
  EXPECT_EQ(p->reason, std::string(kReasonProgressDeadlineExceeded));
  const std::string new_name = ReplicaSets()[1].metadata.name;
  EXPECT_EQ(p->message, "ReplicaSet \"" + new_name + "\" has timed out progressing.");
  EXPECT_FALSE(RolloutComplete(d));
  // Timing out only reports: the replica sets are unchanged.
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{8, 5}));
}

// --- C84 --------------------------------------------------------------------------------

TEST_F(DeploymentControllerTest, C84a_RecreateWaitsForOldPodsToGo) {
  Deployment d = NewDeployment("web", 3, "nginx:1");
  d.spec->strategy->type = DeploymentStrategyType::kRecreate;
  d.spec->strategy->rolling_update.reset();
  Create(d);
  Converge("web");
  const ReplicaSet old_rs = ReplicaSets()[0];
  // A pod of the old RS that is slow to terminate (a finalizer holds it).
  Pod pod;
  pod.metadata.name = "web-old-pod";
  pod.metadata.namespace_ = "default";
  pod.metadata.labels = old_rs.spec->template_->metadata->labels;
  pod.metadata.finalizers.push_back("example.com/hold");
  OwnerReference ref;
  ref.api_version = "apps/v1";
  ref.kind = "ReplicaSet";
  ref.name = old_rs.metadata.name;
  ref.uid = old_rs.metadata.uid;
  ref.controller = true;
  pod.metadata.owner_references.push_back(ref);
  pod.spec = old_rs.spec->template_->spec;
  client::Api<Pod> pods(client_.get(), "default");
  ASSERT_TRUE(pods.Create(pod).ok());

  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  SyncOk("web");  // old RS to 0 first
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0}));
  Settle();
  ASSERT_TRUE(pods.Delete("web-old-pod").ok());  // terminating, still present
  SyncOk("web");
  EXPECT_EQ(ReplicaSets().size(), 1u) << "new RS created while an old pod exists";
  Deployment mid = Get("web");
  const DeploymentCondition* available = GetCondition(*mid.status, kConditionAvailable);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->status, "False");

  // The pod goes away: the new RS is created at full size.
  ASSERT_TRUE(
      pods.Patch("web-old-pod", client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
          .ok());
  SyncOk("web");
  std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 2u);
  EXPECT_EQ(Sizes(rss), (std::vector<int32_t>{0, 3}));
  Converge("web");
  const Deployment done = Get("web");
  const DeploymentCondition* after = GetCondition(*done.status, kConditionAvailable);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->status, "True");
}

TEST_F(DeploymentControllerTest, C84b_ProportionalScalingMidRollout) {
  Create(NewDeployment("web", 10, "nginx:1"));
  Converge("web");
  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  const std::string old_name = ReplicaSets()[0].metadata.name;
  for (int i = 0; i < 4; ++i) {
    SyncOk("web");
    Settle([&](const ReplicaSet& rs) { return rs.metadata.name != old_name; });
  }
  std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(Sizes(rss), (std::vector<int32_t>{8, 5}));
  EXPECT_EQ(Ann(rss[0].metadata, kMaxReplicasAnnotation), "13");
  EXPECT_EQ(Ann(rss[1].metadata, kMaxReplicasAnnotation), "13");

  Edit("web", [](Deployment& d) { d.spec->replicas = 15; });
  SyncOk("web");
  rss = ReplicaSets();
  EXPECT_EQ(Sizes(rss), (std::vector<int32_t>{12, 7}));
  for (const ReplicaSet& rs : rss) {
    EXPECT_EQ(Ann(rs.metadata, kDesiredReplicasAnnotation), "15") << rs.metadata.name;
    EXPECT_EQ(Ann(rs.metadata, kMaxReplicasAnnotation), "19") << rs.metadata.name;
  }
}

TEST_F(DeploymentControllerTest, C84c_PausedDeploymentScalesButDoesNotRollOut) {
  Create(NewDeployment("web", 3, "nginx:1"));
  Converge("web");
  Edit("web", [](Deployment& d) { d.spec->paused = true; });
  SyncOk("web");
  const Deployment paused = Get("web");
  const DeploymentCondition* p = GetCondition(*paused.status, kConditionProgressing);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, "Unknown");
  EXPECT_EQ(p->reason, std::string(kReasonDeploymentPaused));
  EXPECT_EQ(p->message, std::string("Deployment is paused"));

  SetImage("web", "nginx:2");
  SyncOk("web");
  EXPECT_EQ(ReplicaSets().size(), 1u);  // no rollout while paused
  Edit("web", [](Deployment& d) { d.spec->replicas = 5; });
  SyncOk("web");
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{5}));  // scaling still applies
  Settle();

  const std::string rv = Get("web").metadata.resource_version;
  clock_.Step(seconds(1));
  Edit("web", [](Deployment& d) { d.spec->paused = false; });
  SyncOk("web");
  const std::vector<std::string> reasons = ProgressingReasonsSince("web", rv);
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), std::string(kReasonDeploymentResumed)),
            reasons.end());
  EXPECT_EQ(ReplicaSets().size(), 2u);  // the rollout starts
  Converge("web");
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0, 5}));
}

TEST_F(DeploymentControllerTest, C84d_RollbackByTemplateReusesReplicaSet) {
  Create(NewDeployment("web", 3, "nginx:1"));
  Converge("web");
  const std::string v1_name = ReplicaSets()[0].metadata.name;
  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  Converge("web");
  clock_.Step(seconds(1));
  SetImage("web", "nginx:1");  // what `kubectl rollout undo` does
  Converge("web");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 2u);  // no third RS
  const ReplicaSet& v1 = rss[0];
  EXPECT_EQ(v1.metadata.name, v1_name);
  EXPECT_EQ(SpecReplicas(v1), 3);
  EXPECT_EQ(Ann(v1.metadata, kRevisionAnnotation), "3");
  EXPECT_EQ(Ann(v1.metadata, kRevisionHistoryAnnotation), "1");
  EXPECT_EQ(SpecReplicas(rss[1]), 0);
  EXPECT_EQ(Ann(Get("web").metadata, kRevisionAnnotation), "3");
}

TEST_F(DeploymentControllerTest, C84e_RevisionHistoryLimitKeepsNewestOldReplicaSets) {
  Deployment d = NewDeployment("web", 2, "nginx:0");
  d.spec->revision_history_limit = 2;
  Create(d);
  Converge("web");
  for (int v = 1; v <= 5; ++v) {
    clock_.Step(seconds(1));
    SetImage("web", "nginx:" + std::to_string(v));
    Converge("web");
  }
  SyncOk("web");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 3u);
  std::vector<std::string> revisions;
  for (const ReplicaSet& rs : rss) revisions.push_back(Ann(rs.metadata, kRevisionAnnotation));
  EXPECT_EQ(revisions, (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(Sizes(rss), (std::vector<int32_t>{0, 0, 2}));
}

TEST_F(DeploymentControllerTest, C84f_AnnotationsPropagateExceptLastApplied) {
  Deployment d = NewDeployment("web", 1, "nginx:1");
  d.metadata.annotations["team"] = "x";
  d.metadata.annotations[std::string(kLastAppliedConfigAnnotation)] = "{}";
  Create(d);
  Converge("web");
  ReplicaSet rs = ReplicaSets()[0];
  EXPECT_EQ(Ann(rs.metadata, "team"), "x");
  EXPECT_EQ(rs.metadata.annotations.count(std::string(kLastAppliedConfigAnnotation)), 0u);

  const int64_t generation = Get("web").metadata.generation;
  Edit("web", [](Deployment& dep) { dep.metadata.annotations["team"] = "y"; });
  EXPECT_EQ(Get("web").metadata.generation, generation + 1);
  Converge("web");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 1u);  // no new RS for an annotation change
  EXPECT_EQ(Ann(rss[0].metadata, "team"), "y");
  EXPECT_EQ(Get("web").status->observed_generation, generation + 1);
}

TEST_F(DeploymentControllerTest, C84g_HashCollisionBumpsCollisionCount) {
  const Deployment d = Create(NewDeployment("web", 2, "nginx:1"));
  const std::string squatted = "web-" + ComputeHash(d.spec->template_, std::nullopt);
  // An unrelated RS (not selected by the Deployment) already has that name.
  ReplicaSet other;
  other.metadata.name = squatted;
  other.metadata.namespace_ = "default";
  other.spec.emplace();
  other.spec->replicas = 0;
  other.spec->selector.match_labels["app"] = "other";
  other.spec->template_ = d.spec->template_;
  other.spec->template_->metadata->labels["app"] = "other";
  client::Api<ReplicaSet> rs_api(client_.get(), "default");
  ASSERT_TRUE(rs_api.Create(other).ok());

  auto first = Sync("web");
  EXPECT_FALSE(first.ok());  // requeued
  EXPECT_EQ(Get("web").status->collision_count, 1);
  SyncOk("web");
  const std::vector<ReplicaSet> owned = OwnedBy(d);
  ASSERT_EQ(owned.size(), 1u);
  EXPECT_NE(owned[0].metadata.name, squatted);
  EXPECT_EQ(owned[0].metadata.name, "web-" + ComputeHash(d.spec->template_, 1));
  Converge("web");
  EXPECT_EQ(Get("web").status->collision_count, 1);
}

TEST_F(DeploymentControllerTest, C84h_DeletedReplicaSetIsRecreatedWithSameName) {
  Create(NewDeployment("web", 2, "nginx:1"));
  Converge("web");
  const std::string name = ReplicaSets()[0].metadata.name;
  client::Api<ReplicaSet> rs_api(client_.get(), "default");
  ASSERT_TRUE(rs_api.Delete(name).ok());
  ASSERT_TRUE(ReplicaSets().empty());
  SyncOk("web");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 1u);
  EXPECT_EQ(rss[0].metadata.name, name);
  EXPECT_EQ(SpecReplicas(rss[0]), 2);
}

TEST_F(DeploymentControllerTest, C84i_ScaleToZero) {
  Create(NewDeployment("web", 3, "nginx:1"));
  Converge("web");
  Edit("web", [](Deployment& d) { d.spec->replicas = 0; });
  Converge("web");
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0}));
  const Deployment d = Get("web");
  const DeploymentCondition* a = GetCondition(*d.status, kConditionAvailable);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->status, "True");
  EXPECT_TRUE(RolloutComplete(d));
}

TEST_F(DeploymentControllerTest, C84j_EmptySelectorIsRejectedByTheApiserver) {
  Deployment d = NewDeployment("all", 1, "nginx:1");
  d.spec->selector = LabelSelector{};
  client::Api<Deployment> api(client_.get(), "default");
  auto created = api.Create(d);
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(IsInvalid(created.error())) << created.error();
}

TEST_F(DeploymentControllerTest, C84j_SelectingAllOnlyUpdatesObservedGeneration) {
  // The apiserver refuses `selector: {}`, so the stored object is valid and the
  // controller is handed a copy with the selector emptied (fault injection).
  Create(NewDeployment("all", 2, "nginx:1"));
  WaitCaches();
  Deployment d = *dc_->deployments()->GetIndexer().Get(ObjectKey{"default", "all"});
  d.spec->selector = LabelSelector{};
  auto r = dc_->SyncObject(d);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(ReplicaSets().empty());
  const Deployment after = Get("all");
  ASSERT_TRUE(after.status.has_value());
  EXPECT_EQ(after.status->observed_generation, after.metadata.generation);
  EXPECT_FALSE(after.status->conditions.has_value());
  // The warning event (written asynchronously by the recorder).
  client::DynamicApi events(client_.get(), {{"", "v1", "events"}, "Event", true}, "default");
  EXPECT_TRUE(WaitFor([&] {
    auto list = events.List();
    if (!list.ok()) return false;
    for (const auto& e : list->items) {
      const Json* reason = e.Get({"reason"});
      if (reason != nullptr && reason->is_string() && *reason == "SelectingAll") return true;
    }
    return false;
  }));
}

TEST_F(DeploymentControllerTest, ReplicaSetCreateErrorIsReportedAndRetried) {
  Create(NewDeployment("web", 2, "nginx:1"));
  testing::FaultSpec fault;
  fault.verb = "create";
  fault.resource = "replicasets";
  fault.http_code = 500;
  server_->InjectFault(fault);
  auto failed = Sync("web");
  EXPECT_FALSE(failed.ok());
  const Deployment d = Get("web");
  ASSERT_TRUE(d.status.has_value());
  const DeploymentCondition* p = GetCondition(*d.status, kConditionProgressing);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, "False");
  EXPECT_EQ(p->reason, std::string(kReasonReplicaSetCreateError));
  EXPECT_EQ(p->message.value_or("").rfind("Failed to create new replica set \"web-", 0), 0u)
      << p->message.value_or("");
  Converge("web");  // the retry succeeds
  EXPECT_EQ(ReplicaSets().size(), 1u);
}

TEST_F(DeploymentControllerTest, ExistingMatchingReplicaSetIsFoundNotCreated) {
  const Deployment d = Create(NewDeployment("web", 2, "nginx:1"));
  // A ReplicaSet with the Deployment's template, adopted on the first sync.
  ReplicaSet rs;
  rs.metadata.name = "web-legacy";
  rs.metadata.namespace_ = "default";
  rs.metadata.labels["app"] = "web";
  rs.spec.emplace();
  rs.spec->replicas = 2;
  rs.spec->selector.match_labels["app"] = "web";
  rs.spec->template_ = d.spec->template_;
  client::Api<ReplicaSet> rs_api(client_.get(), "default");
  ASSERT_TRUE(rs_api.Create(rs).ok());
  Settle();
  const std::string rv = Get("web").metadata.resource_version;
  SyncOk("web");
  const std::vector<std::string> reasons = ProgressingReasonsSince("web", rv);
  ASSERT_FALSE(reasons.empty());
  EXPECT_EQ(reasons.front(), std::string(kReasonFoundNewReplicaSet));
  Converge("web");
  const std::vector<ReplicaSet> rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 1u);
  EXPECT_EQ(rss[0].metadata.name, "web-legacy");
  EXPECT_EQ(Ann(rss[0].metadata, kRevisionAnnotation), "1");
  EXPECT_EQ(Ann(Get("web").metadata, kRevisionAnnotation), "1");
}

// --- Event handlers and the running controller -----------------------------------------

TEST_F(DeploymentControllerTest, OrphanReplicaSetIsAdopted) {
  const Deployment d = Create(NewDeployment("web", 2, "nginx:1"));
  ReplicaSet orphan;
  orphan.metadata.name = "web-orphan";
  orphan.metadata.namespace_ = "default";
  orphan.metadata.labels["app"] = "web";
  orphan.spec.emplace();
  orphan.spec->replicas = 0;
  orphan.spec->selector.match_labels["app"] = "web";
  orphan.spec->template_ = d.spec->template_;
  orphan.spec->template_->spec->containers[0].image = "nginx:0";
  client::Api<ReplicaSet> rs_api(client_.get(), "default");
  ASSERT_TRUE(rs_api.Create(orphan).ok());
  Converge("web");
  const std::vector<ReplicaSet> owned = OwnedBy(d);
  ASSERT_EQ(owned.size(), 2u);
  EXPECT_TRUE(owned[0].metadata.name == "web-orphan" || owned[1].metadata.name == "web-orphan");
}

TEST_F(DeploymentControllerTest, RunningControllerRollsOutWithoutManualSyncs) {
  // The controller's own workers (real-time queue), and this thread playing the
  // ReplicaSet controller until the rollout completes.
  Options options;
  options.workers = 2;
  options.name = "deployment-e2e";
  auto dc = DeploymentController::New(client_.get(), *factory_, recorder_.get(), options);
  ASSERT_TRUE(dc.ok());
  auto controller = (*dc)->NewController();
  ASSERT_TRUE(controller.ok()) << controller.error();
  std::jthread runner([&](std::stop_token st) { (void)(*controller)->Run(st); });
  tolerate_conflicts_ = true;

  Create(NewDeployment("web", 4, "nginx:1"));
  ASSERT_TRUE(WaitFor([&] {
    Settle();
    return RolloutComplete(Get("web"));
  }));
  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  ASSERT_TRUE(WaitFor([&] {
    Settle();
    const Deployment d = Get("web");
    return Ann(d.metadata, kRevisionAnnotation) == "2" && RolloutComplete(d);
  }));
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0, 4}));
  runner.request_stop();
}

TEST_F(DeploymentControllerTest, C84a_RunningRecreateWakesOnLastPodDeletion) {
  Options options;
  options.workers = 1;
  options.name = "deployment-recreate";
  auto dc = DeploymentController::New(client_.get(), *factory_, recorder_.get(), options);
  ASSERT_TRUE(dc.ok());
  auto controller = (*dc)->NewController();
  ASSERT_TRUE(controller.ok()) << controller.error();
  std::jthread runner([&](std::stop_token st) { (void)(*controller)->Run(st); });
  tolerate_conflicts_ = true;

  Deployment d = NewDeployment("web", 2, "nginx:1");
  d.spec->strategy->type = DeploymentStrategyType::kRecreate;
  d.spec->strategy->rolling_update.reset();
  Create(d);
  ASSERT_TRUE(WaitFor([&] {
    Settle();
    return RolloutComplete(Get("web"));
  }));
  const ReplicaSet old_rs = ReplicaSets()[0];
  Pod pod;
  pod.metadata.name = "web-old-pod";
  pod.metadata.namespace_ = "default";
  pod.metadata.labels = old_rs.spec->template_->metadata->labels;
  pod.metadata.finalizers.push_back("example.com/hold");
  OwnerReference ref;
  ref.api_version = "apps/v1";
  ref.kind = "ReplicaSet";
  ref.name = old_rs.metadata.name;
  ref.uid = old_rs.metadata.uid;
  ref.controller = true;
  pod.metadata.owner_references.push_back(ref);
  pod.spec = old_rs.spec->template_->spec;
  client::Api<Pod> pods(client_.get(), "default");
  ASSERT_TRUE(pods.Create(pod).ok());
  ASSERT_TRUE(pods.Delete("web-old-pod").ok());  // terminating: held by the finalizer

  clock_.Step(seconds(1));
  SetImage("web", "nginx:2");
  ASSERT_TRUE(WaitFor([&] {
    Settle();
    const std::vector<ReplicaSet> rss = ReplicaSets();
    return rss.size() == 1 && SpecReplicas(rss[0]) == 0 && StatusReplicas(rss[0]) == 0;
  }));
  EXPECT_EQ(ReplicaSets().size(), 1u);  // the terminating pod holds the new RS back
  // Only the pod's deletion can wake the controller now.
  ASSERT_TRUE(
      pods.Patch("web-old-pod", client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
          .ok());
  ASSERT_TRUE(WaitFor([&] {
    Settle();
    const Deployment now = Get("web");
    return Ann(now.metadata, kRevisionAnnotation) == "2" && RolloutComplete(now);
  }));
  EXPECT_EQ(Sizes(ReplicaSets()), (std::vector<int32_t>{0, 2}));
}

}  // namespace
}  // namespace kube::controllers::deployment
