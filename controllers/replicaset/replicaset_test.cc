// ReplicaSet controller tests (docs/k8s-semantics.md B0.3, B1, C77-C81) against the
// in-process fake apiserver with a FakeClock. There is no pod simulator: the tests
// bind pods to nodes and write their status themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controllers/common/claim.h"
#include "controllers/common/pod_util.h"
#include "controllers/replicaset/expectations.h"
#include "controllers/replicaset/pod_ranking.h"
#include "controllers/replicaset/replicaset_controller.h"
#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/core/json.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/transport/transport.h"

namespace kube::controllers::replicaset {
namespace {

namespace v1 = api::core::v1;
using api::apps::v1::ReplicaSet;
using PodPtr = std::shared_ptr<const v1::Pod>;
using std::chrono::seconds;

constexpr std::chrono::seconds kWait(30);

// ---- Expectations (B0.3) ---------------------------------------------------------

TEST(Expectations, SatisfiedWithoutRecordAndAfterAllObserved) {
  testing::FakeClock clock;
  Expectations e(clock);
  EXPECT_TRUE(e.Satisfied("ns/rs"));
  e.ExpectCreations("ns/rs", 2);
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  e.CreationObserved("ns/rs");
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  e.CreationObserved("ns/rs");
  EXPECT_TRUE(e.Satisfied("ns/rs"));
}

TEST(Expectations, DeletionsCountEachPodOnce) {
  testing::FakeClock clock;
  Expectations e(clock);
  e.ExpectDeletions("ns/rs", {"ns/a", "ns/b"});
  e.DeletionObserved("ns/rs", "ns/a");
  e.DeletionObserved("ns/rs", "ns/a");  // update with deletionTimestamp, then delete
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  EXPECT_EQ(e.PendingDeletions("ns/rs"), 1);
  e.DeletionObserved("ns/rs", "ns/other");
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  e.DeletionObserved("ns/rs", "ns/b");
  EXPECT_TRUE(e.Satisfied("ns/rs"));
}

TEST(Expectations, ExpireAfterFiveMinutes) {
  testing::FakeClock clock;
  Expectations e(clock);
  e.ExpectCreations("ns/rs", 3);
  clock.Step(std::chrono::minutes(5));
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  clock.Step(seconds(1));
  EXPECT_TRUE(e.Satisfied("ns/rs"));
  e.ExpectCreations("ns/rs", 1);  // a new record starts a new timestamp
  EXPECT_FALSE(e.Satisfied("ns/rs"));
  e.Delete("ns/rs");
  EXPECT_TRUE(e.Satisfied("ns/rs"));
  EXPECT_EQ(e.PendingCreations("ns/rs"), 0);
}

// ---- Deletion ranking (B1.5, C79) ------------------------------------------------

const auto kNow = std::chrono::system_clock::time_point(seconds(1'700'000'000));

struct PodSpecForRank {
  std::string uid = "m";
  std::string node;
  v1::PodStatusPhase::Value phase = v1::PodStatusPhase::kRunning;
  bool ready = false;
  std::chrono::nanoseconds ready_ago{0};  // 0: zero ready time
  std::string cost;                       // deletion-cost annotation ("" none)
  int32_t restarts = 0;
  std::chrono::nanoseconds created_ago{0};  // 0: zero creation time
};

v1::Pod RankPod(const PodSpecForRank& s) {
  v1::Pod pod;
  pod.metadata.uid = s.uid;
  if (!s.cost.empty()) pod.metadata.annotations[std::string(kPodDeletionCostAnnotation)] = s.cost;
  if (s.created_ago.count() != 0) {
    pod.metadata.creation_timestamp =
        Time(kNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(s.created_ago));
  }
  v1::PodSpec spec;
  if (!s.node.empty()) spec.node_name = s.node;
  pod.spec = spec;
  v1::PodStatus status;
  status.phase = s.phase;
  v1::PodCondition ready;
  ready.type = "Ready";
  ready.status = s.ready ? "True" : "False";
  if (s.ready_ago.count() != 0) {
    ready.last_transition_time =
        Time(kNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(s.ready_ago));
  }
  status.conditions = std::vector<v1::PodCondition>{ready};
  v1::ContainerStatus cs;
  cs.name = "c";
  cs.restart_count = s.restarts;
  status.container_statuses = std::vector<v1::ContainerStatus>{cs};
  pod.status = status;
  return pod;
}

TEST(PodRanking, C79_ComparisonTable) {
  using P = v1::PodStatusPhase;
  struct Case {
    const char* name;
    PodSpecForRank first;  // expected to be deleted first
    int first_rank;
    PodSpecForRank second;
    int second_rank;
  };
  const auto h = std::chrono::hours(1);
  const Case cases[] = {
      {"unscheduled before scheduled", {.node = ""}, 0, {.node = "n1"}, 0},
      {"unscheduled pending before scheduled running ready",
       {.node = "", .phase = P::kPending},
       0,
       {.node = "n1", .ready = true},
       0},
      {"pending before unknown",
       {.node = "n", .phase = P::kPending},
       0,
       {.node = "n", .phase = P::kUnknown},
       0},
      {"unknown before running",
       {.node = "n", .phase = P::kUnknown},
       0,
       {.node = "n", .phase = P::kRunning},
       0},
      {"not ready before ready", {.node = "n", .ready = false}, 0, {.node = "n", .ready = true}, 0},
      {"lower deletion cost first", {.node = "n", .cost = "-5"}, 0, {.node = "n"}, 0},
      {"deletion cost beats rank", {.node = "n", .cost = "1"}, 0, {.node = "n", .cost = "2"}, 9},
      {"invalid cost counts as zero",
       {.node = "n", .cost = "-1"},
       0,
       {.node = "n", .cost = "x"},
       0},
      {"higher rank first", {.node = "n1"}, 2, {.node = "n2"}, 1},
      {"rank beats ready time",
       {.node = "n1", .ready = true, .ready_ago = 10 * h},
       3,
       {.node = "n2", .ready = true, .ready_ago = std::chrono::seconds(1)},
       1},
      {"zero ready time first",
       {.node = "n", .ready = true},
       0,
       {.node = "n", .ready = true, .ready_ago = std::chrono::seconds(5)},
       0},
      {"recently ready first across log2 buckets",
       {.uid = "z", .node = "n", .ready = true, .ready_ago = std::chrono::seconds(10)},
       0,
       {.uid = "a", .node = "n", .ready = true, .ready_ago = std::chrono::seconds(100)},
       0},
      // 2^34 ns = 17.18 s and 2^35 ns = 34.36 s: 20 s and 30 s share a bucket, so the
      // smaller uid goes first although it became ready earlier.
      {"same log2 bucket falls back to uid",
       {.uid = "a", .node = "n", .ready = true, .ready_ago = std::chrono::seconds(30)},
       0,
       {.uid = "b", .node = "n", .ready = true, .ready_ago = std::chrono::seconds(20)},
       0},
      {"more restarts first", {.node = "n", .restarts = 3}, 0, {.node = "n", .restarts = 1}, 0},
      {"zero creation time first",
       {.node = "n"},
       0,
       {.node = "n", .created_ago = std::chrono::seconds(5)},
       0},
      {"newer first across buckets",
       {.uid = "z", .node = "n", .created_ago = seconds(2)},
       0,
       {.uid = "a", .node = "n", .created_ago = seconds(4000)},
       0},
      {"creation in same bucket falls back to uid",
       {.uid = "a", .node = "n", .created_ago = seconds(30)},
       0,
       {.uid = "b", .node = "n", .created_ago = seconds(20)},
       0},
  };
  for (const Case& c : cases) {
    const v1::Pod a = RankPod(c.first);
    const v1::Pod b = RankPod(c.second);
    EXPECT_TRUE(PodDeletionLess(a, c.first_rank, b, c.second_rank, kNow)) << c.name;
    EXPECT_FALSE(PodDeletionLess(b, c.second_rank, a, c.first_rank, kNow)) << c.name;
  }
  const v1::Pod same = RankPod({.node = "n"});
  EXPECT_FALSE(PodDeletionLess(same, 0, same, 0, kNow));
}

TEST(PodRanking, RanksCountActiveRelatedPodsOnTheSameNode) {
  auto pod = [](std::string node, bool active) {
    v1::Pod p = RankPod({.node = std::move(node)});
    if (!active) p.status->phase = v1::PodStatusPhase::kSucceeded;
    return std::make_shared<const v1::Pod>(p);
  };
  std::vector<PodPtr> related = {pod("n1", true), pod("n1", true), pod("n1", false),
                                 pod("n2", true)};
  std::vector<PodPtr> pods = {pod("n1", true), pod("n2", true), pod("n3", true)};
  EXPECT_EQ(RelatedPodRanks(pods, related), (std::vector<int>{2, 1, 0}));
}

TEST(PodRanking, PodsToDeleteTakesTheFirstNInOrder) {
  auto a = std::make_shared<const v1::Pod>(RankPod({.uid = "a", .node = "n", .ready = true}));
  auto b = std::make_shared<const v1::Pod>(RankPod({.uid = "b", .node = ""}));
  auto c = std::make_shared<const v1::Pod>(RankPod({.uid = "c", .node = "n", .ready = false}));
  auto victims = PodsToDelete({a, b, c}, {}, 2, kNow);
  ASSERT_EQ(victims.size(), 2u);
  EXPECT_EQ(victims[0]->metadata.uid, "b");
  EXPECT_EQ(victims[1]->metadata.uid, "c");
  EXPECT_EQ(PodsToDelete({a, b, c}, {}, 3, kNow).size(), 3u);
}

// ---- Controller against the fake apiserver ----------------------------------------

// Passes requests to the fake apiserver, failing chosen pod creations with 403
// (a quota rejection) to test slow start (C78).
class FaultyTransport final : public transport::Transport {
 public:
  explicit FaultyTransport(std::unique_ptr<transport::Transport> inner)
      : inner_(std::move(inner)) {}

  // Fails the `nth` pod create (1-based), and, when `fail_from` > 0, every create from
  // the `fail_from`-th on, until Clear().
  void FailCreate(int nth, int fail_from) {
    std::lock_guard lock(mu_);
    fail_nth_ = nth;
    fail_from_ = fail_from;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    fail_nth_ = 0;
    fail_from_ = 0;
  }
  int creates_attempted() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  int creates_succeeded() const {
    std::lock_guard lock(mu_);
    return successes_;
  }

  Result<transport::Response> Send(const transport::Request& request,
                                   std::stop_token stop) override {
    if (IsPodCreate(request)) {
      bool fail = false;
      {
        std::lock_guard lock(mu_);
        const int n = ++attempts_;
        fail = n == fail_nth_ || (fail_from_ > 0 && n >= fail_from_);
      }
      if (fail) {
        Status s = Status(Code::kForbidden, "pods \"x\" is forbidden: exceeded quota");
        return transport::Response{403, {{"Content-Type", "application/json"}}, s.ToJson()};
      }
      auto r = inner_->Send(request, stop);
      if (r && r->status_code == 201) {
        std::lock_guard lock(mu_);
        ++successes_;
      }
      return r;
    }
    return inner_->Send(request, stop);
  }
  Result<transport::Response> Stream(const transport::Request& request,
                                     const transport::ChunkHandler& on_chunk,
                                     std::stop_token stop) override {
    return inner_->Stream(request, on_chunk, stop);
  }

 private:
  static bool IsPodCreate(const transport::Request& r) {
    if (r.method != "POST") return false;
    const std::string path = r.target.substr(0, r.target.find('?'));
    return path.size() >= 5 && path.compare(path.size() - 5, 5, "/pods") == 0;
  }

  std::unique_ptr<transport::Transport> inner_;
  mutable std::mutex mu_;
  int fail_nth_ = 0;
  int fail_from_ = 0;
  int attempts_ = 0;
  int successes_ = 0;
};

class ReplicaSetControllerTest : public ::testing::Test {
 protected:
  ReplicaSetControllerTest() : server_(ServerOptions(&clock_)) {
    auto transport = std::make_unique<FaultyTransport>(server_.NewTransport());
    faulty_ = transport.get();
    client::Config config;
    config.server = "http://in-process.fake-apiserver";
    config.qps = 0;
    client_ = std::make_unique<client::Client>(std::move(config), std::move(transport), nullptr);
    sets_ = std::make_unique<client::Api<ReplicaSet>>(client_.get(), "default");
    pods_ = std::make_unique<client::Api<v1::Pod>>(client_.get(), "default");
  }
  ~ReplicaSetControllerTest() override { Stop(); }

  static testing::FakeApiServerOptions ServerOptions(Clock* clock) {
    testing::FakeApiServerOptions o;
    o.clock = clock;
    o.seed = 42;
    return o;
  }

  Options ControllerOptions() {
    Options o;
    o.workers = 2;
    o.clock = &clock_;
    return o;
  }

  // Starts informers and, unless `run` is false, the controller's workers.
  void Start(Options options, bool run = true) {
    informers_ = std::make_unique<cache::InformerFactory>(client_.get());
    auto rs = ReplicaSetController::New(client_.get(), *informers_, options);
    ASSERT_TRUE(rs) << rs.error();
    rs_ = *rs;
    auto c = rs_->NewController();
    ASSERT_TRUE(c) << c.error();
    controller_ = std::move(*c);
    stop_ = std::make_unique<std::stop_source>();
    informers_->Start(stop_->get_token());
    ASSERT_TRUE(informers_->WaitForCacheSync(stop_->get_token(), kWait).ok());
    if (run) {
      runner_ = std::jthread([this](std::stop_token st) { (void)controller_->Run(st); });
      ASSERT_TRUE(Eventually([&] { return controller_->started(); }));
    }
  }
  void Start() { Start(ControllerOptions()); }
  void Stop() {
    if (runner_.joinable()) {
      runner_.request_stop();
      runner_.join();
    }
    if (stop_) stop_->request_stop();
    controller_.reset();
    rs_.reset();
    informers_.reset();
  }

  // Polls `pred` (real time, up to kWait); with `step`, moves the fake clock 1 s per
  // poll so backoff and delayed requeues fire.
  bool Eventually(const std::function<bool()>& pred, bool step = false) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      if (step) clock_.Step(seconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

  ReplicaSet MakeRs(const std::string& name, int32_t replicas, int32_t min_ready = 0) {
    ReplicaSet rs;
    rs.metadata.name = name;
    rs.metadata.namespace_ = "default";
    api::apps::v1::ReplicaSetSpec spec;
    spec.replicas = replicas;
    if (min_ready > 0) spec.min_ready_seconds = min_ready;
    spec.selector.match_labels = {{"app", name}};
    v1::PodTemplateSpec tmpl;
    tmpl.metadata = ObjectMeta();
    tmpl.metadata->labels = {{"app", name}, {"tier", "web"}};
    v1::PodSpec pod_spec;
    v1::Container c;
    c.name = "web";
    c.image = "nginx:1.25";
    pod_spec.containers.push_back(c);
    tmpl.spec = pod_spec;
    spec.template_ = tmpl;
    rs.spec = spec;
    return rs;
  }
  ReplicaSet CreateRs(const ReplicaSet& rs) {
    auto created = sets_->Create(rs);
    EXPECT_TRUE(created) << created.error();
    return created ? *created : ReplicaSet();
  }
  ReplicaSet GetRs(const std::string& name) {
    auto rs = sets_->Get(name);
    EXPECT_TRUE(rs) << rs.error();
    return rs ? *rs : ReplicaSet();
  }
  void Scale(const std::string& name, int32_t replicas) {
    auto r = sets_->Patch(name, client::PatchType::kMerge,
                          Json{{"spec", {{"replicas", replicas}}}}.dump());
    ASSERT_TRUE(r) << r.error();
  }

  std::vector<v1::Pod> AllPods() {
    auto list = pods_->List();
    EXPECT_TRUE(list) << list.error();
    return list ? list->items : std::vector<v1::Pod>{};
  }
  // Pods controlled by `rs` that are active (not terminal, not terminating).
  std::vector<v1::Pod> ActiveOwned(const ReplicaSet& rs) {
    std::vector<v1::Pod> out;
    for (auto& p : AllPods()) {
      const OwnerReference* ref = p.metadata.ControllerRef();
      if (ref != nullptr && ref->uid == rs.metadata.uid && IsPodActive(p)) out.push_back(p);
    }
    return out;
  }
  bool PodExistsActive(const std::string& name) {
    auto p = pods_->Get(name);
    return p && IsPodActive(*p);
  }

  // Waits until the controller's pod cache holds `pod` at its resourceVersion or later.
  void WaitCached(const v1::Pod& pod) {
    auto informer = informers_->For<v1::Pod>();
    ASSERT_TRUE(informer);
    const int64_t want = std::stoll(pod.metadata.resource_version);
    ASSERT_TRUE(Eventually([&] {
      auto cached = (*informer)->GetIndexer().Get(pod.metadata.key());
      return cached && std::stoll(cached->metadata.resource_version) >= want;
    }));
  }

  void Bind(const std::string& pod, const std::string& node) {
    Json body = {{"apiVersion", "v1"},
                 {"kind", "Binding"},
                 {"metadata", {{"name", pod}}},
                 {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    auto r =
        client_->Call("POST", "/api/v1/namespaces/default/pods/" + pod + "/binding", body.dump());
    ASSERT_TRUE(r) << r.error();
  }
  // Writes phase and the Ready condition (transition time: now on the fake clock).
  v1::Pod SetStatus(const std::string& name, v1::PodStatusPhase::Value phase, bool ready) {
    auto pod = pods_->Get(name);
    EXPECT_TRUE(pod) << pod.error();
    if (!pod) return v1::Pod();
    v1::PodStatus status = pod->status.value_or(v1::PodStatus{});
    status.phase = phase;
    v1::PodCondition c;
    c.type = "Ready";
    c.status = ready ? "True" : "False";
    c.last_transition_time = Time(clock_.WallNow());
    status.conditions = std::vector<v1::PodCondition>{c};
    pod->status = status;
    auto updated = pods_->UpdateStatus(*pod);
    EXPECT_TRUE(updated) << updated.error();
    return updated ? *updated : v1::Pod();
  }
  void MakeReady(const ReplicaSet& rs, const std::string& node = "n1") {
    for (const auto& p : ActiveOwned(rs)) {
      if (!p.spec->node_name) Bind(p.metadata.name, node);
      SetStatus(p.metadata.name, v1::PodStatusPhase::kRunning, true);
    }
  }

  testing::FakeClock clock_;
  testing::FakeApiServer server_;
  FaultyTransport* faulty_ = nullptr;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<client::Api<ReplicaSet>> sets_;
  std::unique_ptr<client::Api<v1::Pod>> pods_;
  std::unique_ptr<cache::InformerFactory> informers_;
  std::shared_ptr<ReplicaSetController> rs_;
  std::unique_ptr<controller::Controller> controller_;
  std::unique_ptr<std::stop_source> stop_;
  std::jthread runner_;
};

TEST_F(ReplicaSetControllerTest, C77_CreatesReplicasWithOwnerRefsAndReportsStatus) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 3));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 3; }));
  for (const auto& p : ActiveOwned(rs)) {
    EXPECT_EQ(p.metadata.generate_name, "web-");
    EXPECT_EQ(p.metadata.name.rfind("web-", 0), 0u);
    EXPECT_EQ(p.metadata.labels,
              (std::map<std::string, std::string>{{"app", "web"}, {"tier", "web"}}));
    ASSERT_EQ(p.metadata.owner_references.size(), 1u);
    const OwnerReference& ref = p.metadata.owner_references[0];
    EXPECT_EQ(ref.api_version, "apps/v1");
    EXPECT_EQ(ref.kind, "ReplicaSet");
    EXPECT_EQ(ref.name, "web");
    EXPECT_EQ(ref.uid, rs.metadata.uid);
    EXPECT_EQ(ref.controller, true);
    EXPECT_EQ(ref.block_owner_deletion, true);
    EXPECT_EQ(p.spec->containers.at(0).image, "nginx:1.25");
  }
  MakeReady(rs);
  ASSERT_TRUE(Eventually([&] {
    auto st = GetRs("web").status;
    return st && st->replicas == 3 && st->fully_labeled_replicas == 3 && st->ready_replicas == 3 &&
           st->available_replicas == 3 && st->observed_generation == 1;
  })) << Json(GetRs("web").status.value_or(api::apps::v1::ReplicaSetStatus{})).dump();
  EXPECT_EQ(AllPods().size(), 3u);  // never more than asked for
}

TEST_F(ReplicaSetControllerTest, C78_SlowStartStopsAfterAFailedBatchThenRecovers) {
  // The 4th create fails; so does every one after the first three batches (1 + 2 + 4),
  // until the fault clears, so later syncs add nothing.
  faulty_->FailCreate(4, /*fail_from=*/8);
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 10));
  ASSERT_TRUE(Eventually([&] {
    auto st = GetRs("web").status;
    if (!st || !st->conditions) return false;
    for (const auto& c : *st->conditions) {
      if (c.type == "ReplicaFailure") return c.status == "True" && c.reason == "FailedCreate";
    }
    return false;
  }));
  // Batches 1, 2 and 4: seven attempts, one failed, six pods; no further batch.
  EXPECT_GE(faulty_->creates_attempted(), 7);
  EXPECT_EQ(faulty_->creates_succeeded(), 6);
  EXPECT_EQ(ActiveOwned(rs).size(), 6u);
  auto failure = GetRs("web").status->conditions->at(0);
  EXPECT_NE(failure.message.value_or("").find("exceeded quota"), std::string::npos);

  faulty_->Clear();
  ASSERT_TRUE(Eventually(
      [&] {
        auto st = GetRs("web").status;
        return ActiveOwned(rs).size() == 10 && st && st->replicas == 10 && !st->conditions;
      },
      /*step=*/true));
  EXPECT_EQ(AllPods().size(), 10u);
}

TEST_F(ReplicaSetControllerTest, C78_FirstSyncCreatesOneThenTwoThenFour) {
  // Without the controller's workers: one sync, run by hand, with the 4th create failing.
  faulty_->FailCreate(4, /*fail_from=*/0);
  Start(ControllerOptions(), /*run=*/false);
  const ReplicaSet rs = CreateRs(MakeRs("web", 10));
  auto informer = informers_->For<ReplicaSet>();
  ASSERT_TRUE(
      Eventually([&] { return (*informer)->GetIndexer().Get(rs.metadata.key()) != nullptr; }));
  controller::Request req;
  req.key = rs.metadata.key();
  auto result = rs_->Reconcile(req);
  ASSERT_FALSE(result);  // the failure is returned so the key backs off
  EXPECT_EQ(result.error().code(), Code::kForbidden);
  EXPECT_EQ(faulty_->creates_attempted(), 7);
  EXPECT_EQ(faulty_->creates_succeeded(), 6);
  // 10 expected; 4 given up (3 skipped + 1 failed): 6 still to be observed.
  EXPECT_EQ(rs_->expectations().PendingCreations("default/web"), 6);
  auto st = GetRs("web").status;
  ASSERT_TRUE(st && st->conditions);
  EXPECT_EQ(st->conditions->at(0).type, "ReplicaFailure");
  EXPECT_EQ(st->conditions->at(0).reason, "FailedCreate");
  EXPECT_EQ(st->replicas, 0);  // counted before the creates
}

TEST_F(ReplicaSetControllerTest, C79_ScaleDownDeletesUnscheduledThenPendingThenNotReady) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 4));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 4; }));
  auto pods = ActiveOwned(rs);
  const std::string a = pods[0].metadata.name, b = pods[1].metadata.name, c = pods[2].metadata.name,
                    d = pods[3].metadata.name;
  WaitCached(SetStatus(a, v1::PodStatusPhase::kPending, false));
  Bind(b, "n1");
  WaitCached(SetStatus(b, v1::PodStatusPhase::kPending, false));
  Bind(c, "n1");
  WaitCached(SetStatus(c, v1::PodStatusPhase::kRunning, false));
  Bind(d, "n1");
  WaitCached(SetStatus(d, v1::PodStatusPhase::kRunning, true));

  Scale("web", 3);
  ASSERT_TRUE(Eventually([&] { return !PodExistsActive(a); }));
  EXPECT_TRUE(PodExistsActive(b) && PodExistsActive(c) && PodExistsActive(d));
  Scale("web", 2);
  ASSERT_TRUE(Eventually([&] { return !PodExistsActive(b); }));
  EXPECT_TRUE(PodExistsActive(c) && PodExistsActive(d));
  Scale("web", 1);
  ASSERT_TRUE(Eventually([&] { return !PodExistsActive(c); }));
  EXPECT_TRUE(PodExistsActive(d));
  ASSERT_TRUE(Eventually([&] { return GetRs("web").status->replicas == 1; }));
  EXPECT_EQ(ActiveOwned(rs).size(), 1u);
}

// An RS owned by a (pretend) Deployment: related pods make co-located pods go first.
TEST_F(ReplicaSetControllerTest, C79_ScaleDownPrefersTheCrowdedNodeAndLowDeletionCost) {
  Start();
  ReplicaSet spec = MakeRs("web", 3);
  spec.metadata.owner_references.push_back(NewControllerRef(
      controller::OwnerInfo{{"apps", "v1", "Deployment"}, "web", "default", "deploy-uid"}));
  const ReplicaSet rs = CreateRs(spec);
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 3; }));
  auto pods = ActiveOwned(rs);
  Bind(pods[0].metadata.name, "n1");
  Bind(pods[1].metadata.name, "n1");
  Bind(pods[2].metadata.name, "n2");
  for (const auto& p : pods)
    WaitCached(SetStatus(p.metadata.name, v1::PodStatusPhase::kRunning, true));

  Scale("web", 2);
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  EXPECT_TRUE(PodExistsActive(pods[2].metadata.name)) << "the lone pod on n2 must stay";

  // Deletion cost -5 beats everything below it (rank, ready time, age): the n2 pod,
  // now equal in rank with the remaining n1 pod, goes.
  const std::string cheap = pods[2].metadata.name;
  auto patched = pods_->Patch(
      cheap, client::PatchType::kMerge,
      Json{{"metadata", {{"annotations", {{std::string(kPodDeletionCostAnnotation), "-5"}}}}}}
          .dump());
  ASSERT_TRUE(patched) << patched.error();
  WaitCached(*patched);
  Scale("web", 1);
  ASSERT_TRUE(Eventually([&] { return !PodExistsActive(cheap); }));
  EXPECT_EQ(ActiveOwned(rs).size(), 1u);
}

TEST_F(ReplicaSetControllerTest, C80_AdoptsOrphansReleasesRelabeledPodsIgnoresOthers) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));

  // A pod of another controller with matching labels: never touched.
  v1::Pod foreign;
  foreign.metadata.name = "foreign";
  foreign.metadata.labels = {{"app", "web"}};
  foreign.metadata.owner_references.push_back(NewControllerRef(
      controller::OwnerInfo{{"apps", "v1", "ReplicaSet"}, "other", "default", "other-uid"}));
  foreign.spec = rs.spec->template_->spec;
  ASSERT_TRUE(pods_->Create(foreign));

  // An orphan that matches and is already scheduled: adopted, and the surplus (one of
  // the unscheduled pods, which rank first for deletion) deleted.
  v1::Pod orphan;
  orphan.metadata.name = "orphan";
  orphan.metadata.labels = {{"app", "web"}};
  orphan.spec = rs.spec->template_->spec;
  orphan.spec->node_name = "n1";
  ASSERT_TRUE(pods_->Create(orphan));
  ASSERT_TRUE(Eventually([&] {
    auto p = pods_->Get("orphan");
    return p && p->metadata.ControllerRef() != nullptr &&
           p->metadata.ControllerRef()->uid == rs.metadata.uid && ActiveOwned(rs).size() == 2 &&
           AllPods().size() == 3;
  }));

  // Relabel an owned pod out of the selector: released and replaced.
  std::string relabeled;
  for (const auto& p : ActiveOwned(rs)) {
    if (p.metadata.name != "orphan") relabeled = p.metadata.name;
  }
  ASSERT_FALSE(relabeled.empty());
  ASSERT_TRUE(pods_->Patch(relabeled, client::PatchType::kMerge,
                           R"({"metadata":{"labels":{"app":"moved"}}})"));
  ASSERT_TRUE(Eventually([&] {
    auto p = pods_->Get(relabeled);
    return p && p->metadata.owner_references.empty() && ActiveOwned(rs).size() == 2;
  }));
  auto still_foreign = pods_->Get("foreign");
  ASSERT_TRUE(still_foreign);
  ASSERT_EQ(still_foreign->metadata.owner_references.size(), 1u);
  EXPECT_EQ(still_foreign->metadata.owner_references[0].uid, "other-uid");
  EXPECT_TRUE(PodExistsActive("orphan"));
  EXPECT_TRUE(Eventually([&] { return GetRs("web").status->replicas == 2; }));
}

TEST_F(ReplicaSetControllerTest, C81_AvailableAfterMinReadySecondsWithoutAnotherEvent) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 3, /*min_ready=*/5));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 3; }));
  const auto t0 = clock_.WallNow();
  MakeReady(rs);
  ASSERT_TRUE(Eventually([&] {
    auto st = GetRs("web").status;
    return st && st->ready_replicas == 3;
  }));
  EXPECT_EQ(GetRs("web").status->available_replicas.value_or(0), 0);
  // Only the clock moves now: the sync requeued itself for when the pods turn available.
  ASSERT_TRUE(Eventually([&] { return GetRs("web").status->available_replicas.value_or(0) == 3; },
                         /*step=*/true));
  // Ready at t0 (whole seconds): available strictly after t0 + 5 s.
  EXPECT_GT(clock_.WallNow() - t0, seconds(5));
}

TEST_F(ReplicaSetControllerTest, B16_TerminalPodIsReplacedAndKept) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  const std::string failed = ActiveOwned(rs)[0].metadata.name;
  SetStatus(failed, v1::PodStatusPhase::kFailed, false);
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2 && AllPods().size() == 3; }));
  auto p = pods_->Get(failed);
  ASSERT_TRUE(p);
  ASSERT_NE(p->metadata.ControllerRef(), nullptr);
  EXPECT_EQ(p->metadata.ControllerRef()->uid, rs.metadata.uid);
  EXPECT_TRUE(Eventually([&] { return GetRs("web").status->replicas == 2; }));
}

TEST_F(ReplicaSetControllerTest, B16_TerminatingPodsAreNotCountedButReported) {
  Options options = ControllerOptions();
  options.terminating_replicas = true;
  Start(options);
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  const std::string victim = ActiveOwned(rs)[0].metadata.name;
  Bind(victim, "n1");  // scheduled pods are deleted gracefully: they stay terminating
  ASSERT_TRUE(pods_->Delete(victim).ok());
  auto p = pods_->Get(victim);
  ASSERT_TRUE(p) << "graceful deletion keeps the pod";
  ASSERT_TRUE(p->metadata.IsBeingDeleted());
  ASSERT_TRUE(Eventually([&] {
    auto st = GetRs("web").status;
    return ActiveOwned(rs).size() == 2 && st && st->replicas == 2 && st->terminating_replicas == 1;
  }));
}

TEST_F(ReplicaSetControllerTest, B16_TemplateChangeLeavesExistingPodsAlone) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  std::set<std::string> before;
  for (const auto& p : ActiveOwned(rs)) before.insert(p.metadata.name);
  auto patched = sets_->Patch(
      "web", client::PatchType::kStrategicMerge,
      R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}})");
  ASSERT_TRUE(patched) << patched.error();
  ASSERT_TRUE(Eventually([&] { return GetRs("web").status->observed_generation == 2; }));
  std::set<std::string> after;
  for (const auto& p : ActiveOwned(rs)) {
    after.insert(p.metadata.name);
    EXPECT_EQ(p.spec->containers.at(0).image, "nginx:1.25");
  }
  EXPECT_EQ(after, before);
  Scale("web", 3);
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 3; }));
  for (const auto& p : ActiveOwned(rs)) {
    if (!before.count(p.metadata.name)) {
      EXPECT_EQ(p.spec->containers.at(0).image, "nginx:1.26");
    }
  }
}

TEST_F(ReplicaSetControllerTest, FailedDeleteSetsReplicaFailureUntilARetrySucceeds) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  // Every pod delete fails until the faults are cleared (the RS's own status write
  // queues it again at once, so a single failure would be retried right away).
  server_.InjectFault({.verb = "delete", .resource = "pods", .http_code = 403, .times = 100000});
  Scale("web", 1);
  auto failure_reason = [&]() -> std::string {
    auto st = GetRs("web").status;
    if (!st || !st->conditions) return "";
    for (const auto& c : *st->conditions) {
      if (c.type == "ReplicaFailure") return c.reason.value_or("");
    }
    return "";
  };
  ASSERT_TRUE(Eventually([&] { return failure_reason() == "FailedDelete"; }));
  EXPECT_EQ(ActiveOwned(rs).size(), 2u);
  server_.ClearFaults();
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 1 && failure_reason().empty(); },
                         /*step=*/true));
}

TEST_F(ReplicaSetControllerTest, RecordsSuccessfulCreateAndDeleteEvents) {
  manager::EventRecorder recorder(client_.get(), {.component = "replicaset-controller"}, clock_);
  Options options = ControllerOptions();
  options.recorder = &recorder;
  Start(options);
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 2; }));
  std::set<std::string> want;
  for (const auto& p : ActiveOwned(rs))
    want.insert("SuccessfulCreate/Created pod: " + p.metadata.name);
  Scale("web", 1);
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 1; }));
  client::DynamicApi events(client_.get(), {{"", "v1", "events"}, "Event", true}, "default");
  auto seen = [&] {
    std::set<std::string> got;
    auto list = events.List();
    if (!list) return got;
    for (const auto& e : list->items) {
      const Json& j = e.object();
      auto involved = j.find("involvedObject");
      if (involved == j.end() || involved->value("name", "") != "web") continue;
      got.insert(j.value("reason", "") + "/" + j.value("message", ""));
    }
    return got;
  };
  ASSERT_TRUE(Eventually([&] {
    auto got = seen();
    bool deleted = false;
    for (const auto& g : got) deleted |= g.rfind("SuccessfulDelete/Deleted pod: web-", 0) == 0;
    return deleted && std::includes(got.begin(), got.end(), want.begin(), want.end());
  }));
  Stop();  // before the recorder goes
}

TEST_F(ReplicaSetControllerTest, RestartedControllerDoesNotDoubleCreate) {
  Start();
  const ReplicaSet rs = CreateRs(MakeRs("web", 3));
  ASSERT_TRUE(Eventually([&] { return ActiveOwned(rs).size() == 3; }));
  Stop();
  // A new controller with empty expectations: its cache already holds the 3 pods.
  Start(ControllerOptions(), /*run=*/false);
  controller::Request req;
  req.key = rs.metadata.key();
  ASSERT_TRUE(rs_->Reconcile(req));
  EXPECT_EQ(AllPods().size(), 3u);
  EXPECT_EQ(faulty_->creates_succeeded(), 3);
}

TEST_F(ReplicaSetControllerTest, UnobservedCreationsBlockSyncUntilExpectationsExpire) {
  Start(ControllerOptions(), /*run=*/false);
  const ReplicaSet rs = CreateRs(MakeRs("web", 2));
  auto informer = informers_->For<ReplicaSet>();
  ASSERT_TRUE(
      Eventually([&] { return (*informer)->GetIndexer().Get(rs.metadata.key()) != nullptr; }));
  // Pretend two creations are in flight whose pods were never seen.
  rs_->expectations().ExpectCreations("default/web", 2);
  controller::Request req;
  req.key = rs.metadata.key();
  ASSERT_TRUE(rs_->Reconcile(req));
  EXPECT_EQ(AllPods().size(), 0u);
  EXPECT_EQ(GetRs("web").status->observed_generation, 1) << "status is written regardless";
  clock_.Step(std::chrono::minutes(5) + seconds(1));
  ASSERT_TRUE(rs_->Reconcile(req));
  EXPECT_EQ(AllPods().size(), 2u);
}

TEST_F(ReplicaSetControllerTest, DeletedReplicaSetForgetsExpectations) {
  Start(ControllerOptions(), /*run=*/false);
  rs_->expectations().ExpectCreations("default/gone", 3);
  controller::Request req;
  req.key = ObjectKey{"default", "gone"};
  auto result = rs_->Reconcile(req);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->done());
  EXPECT_EQ(rs_->expectations().PendingCreations("default/gone"), 0);
}

}  // namespace
}  // namespace kube::controllers::replicaset
