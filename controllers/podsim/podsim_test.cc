// The pod simulator (docs/k8s-semantics.md A18) on the in-process fake apiserver, with
// a FakeClock for every delay, plus the scheduling arithmetic checked against the
// upstream kube-scheduler's numbers.
#include "controllers/podsim/podsim.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controllers/podsim/scheduling.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::controllers::podsim {
namespace {

using api::core::v1::Node;
using api::core::v1::Pod;
using std::chrono::seconds;

const client::ResourceRef kPods{{"", "v1", "pods"}, "Pod", true};
const client::ResourceRef kEvents{{"", "v1", "events"}, "Event", true};

Pod ParsePod(const std::string& json) {
  Pod pod;
  auto parsed = ParseJson(json);
  EXPECT_TRUE(parsed.ok()) << json;
  if (parsed.ok()) {
    EXPECT_TRUE(FromJson(*parsed, &pod).ok());
  }
  return pod;
}

// --- Scheduling arithmetic ------------------------------------------------------------

TEST(Scheduling, PodRequestsTakeTheLargerOfContainersAndInitContainersPlusOverhead) {
  struct Case {
    std::string name;
    std::string spec;
    Resources requests;
    Resources non_zero;
  };
  const std::vector<Case> cases = {
      {"no requests",
       R"({"containers":[{"name":"a"}]})",
       {0, 0},
       {kDefaultMilliCpuRequest, kDefaultMemoryRequest}},
      {"summed over containers",
       R"({"containers":[{"name":"a","resources":{"requests":{"cpu":"250m","memory":"1Gi"}}},
                         {"name":"b","resources":{"requests":{"cpu":"1"}}}]})",
       {1250, 1LL << 30},
       {1250, (1LL << 30) + kDefaultMemoryRequest}},
      {"an init container larger than the sum wins per resource",
       R"({"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2","memory":"1Mi"}}}],
           "containers":[{"name":"a","resources":{"requests":{"cpu":"500m","memory":"2Mi"}}}]})",
       {2000, 2LL << 20},
       {2000, 2LL << 20}},
      {"overhead is added",
       R"({"overhead":{"cpu":"100m","memory":"10Mi"},
           "containers":[{"name":"a","resources":{"requests":{"cpu":"1","memory":"1Mi"}}}]})",
       {1100, 11LL << 20},
       {1100, 11LL << 20}},
  };
  for (const Case& c : cases) {
    Pod pod = ParsePod(R"({"metadata":{"name":"p"},"spec":)" + c.spec + "}");
    EXPECT_EQ(PodRequests(pod), c.requests) << c.name;
    EXPECT_EQ(NonZeroPodRequests(pod), c.non_zero) << c.name;
  }
}

TEST(Scheduling, FitFailuresNameEveryShortResource) {
  NodeUsage node{.allocatable = {4000, 16LL << 30}, .allowed_pods = 2};
  node.requested = {3500, 15LL << 30};
  node.pods = 1;
  EXPECT_TRUE(FitFailures({500, 1LL << 30}, node).empty());
  EXPECT_EQ(FitFailures({501, 1LL << 30}, node), std::vector<std::string>{"Insufficient cpu"});
  EXPECT_EQ(FitFailures({0, (1LL << 30) + 1}, node),
            std::vector<std::string>{"Insufficient memory"});
  node.pods = 2;
  EXPECT_EQ(FitFailures({0, 0}, node), std::vector<std::string>{"Too many pods"});
  // A pod without requests fits however full the node is (upstream checks > 0 only).
  node.pods = 0;
  node.requested = {4000, 16LL << 30};
  EXPECT_TRUE(FitFailures({0, 0}, node).empty());
}

TEST(Scheduling, LeastAllocatedScoreIsTheIntegerMeanOfFreeShares) {
  NodeUsage node{.allocatable = {4000, 16LL << 30}};
  // cpu (4000-1000)*100/4000 = 75, memory (16Gi-4Gi)*100/16Gi = 75.
  EXPECT_EQ(LeastAllocatedScore({1000, 4LL << 30}, node), 75);
  node.non_zero_requested = {2000, 0};
  // cpu 25, memory 75 -> 50.
  EXPECT_EQ(LeastAllocatedScore({1000, 4LL << 30}, node), 50);
  // Over-committed cpu scores 0 for cpu: (0 + 100) / 2.
  EXPECT_EQ(LeastAllocatedScore({3000, 0}, node), 50);
  // Integer division, as upstream: cpu 3900*100/4000 = 97 (97.5), memory 100.
  EXPECT_EQ(LeastAllocatedScore({100, 0}, NodeUsage{.allocatable = {4000, 16LL << 30}}), 98);
}

TEST(Scheduling, FitErrorMessageCountsReasonsSortedAsStrings) {
  EXPECT_EQ(FitErrorMessage(3, {{"Insufficient cpu", 3}}),
            "0/3 nodes are available: 3 Insufficient cpu.");
  EXPECT_EQ(FitErrorMessage(3, {{"Insufficient cpu", 2}, {"Insufficient memory", 1}}),
            "0/3 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.");
  EXPECT_EQ(FitErrorMessage(0, {}), "no nodes available to schedule pods");
}

// --- The simulator --------------------------------------------------------------------

// One simulator run: its informers, the simulator and the thread running it.
struct SimRun {
  std::stop_source stop;
  std::unique_ptr<cache::InformerFactory> informers;
  std::unique_ptr<PodSimulator> sim;
  std::thread thread;
  Status result;

  ~SimRun() {
    stop.request_stop();
    if (thread.joinable()) thread.join();
    sim.reset();
    informers.reset();
  }
};

class PodSimTest : public ::testing::Test {
 protected:
  // Starts a simulator with `options` on the fixture's clock.
  void Start(PodSimulator::Options options = {}) {
    options.clock = &clock_;
    options.metrics_registry = &registry_;
    run_ = std::make_unique<SimRun>();
    run_->informers = std::make_unique<cache::InformerFactory>(client_.get());
    auto sim = PodSimulator::New(client_.get(), *run_->informers, &recorder_, options);
    ASSERT_TRUE(sim.ok()) << sim.status();
    run_->sim = std::move(*sim);
    run_->informers->Start(run_->stop.get_token());
    SimRun* run = run_.get();
    run->thread = std::thread([run] { run->result = run->sim->Run(run->stop.get_token()); });
  }
  void StopSimulator() { run_.reset(); }
  void TearDown() override { run_.reset(); }

  PodSimulator& sim() { return *run_->sim; }

  // Polls `done` every 5 ms (real time) for up to 30 s; with `step`, moves the clock
  // forward by it before each poll.
  bool WaitFor(const std::function<bool()>& done, Clock::Duration step = {}) {
    for (int i = 0; i < 6000; ++i) {
      if (done()) return true;
      if (step > Clock::Duration::zero()) clock_.Step(step);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  // Creates a pod named `name` with one container requesting `cpu` / `memory` ("" for
  // none); `extra` is merged into the pod.
  void CreatePod(const std::string& name, const std::string& cpu = "",
                 const std::string& memory = "", const Json& extra = Json::object()) {
    Json requests = Json::object();
    if (!cpu.empty()) requests["cpu"] = cpu;
    if (!memory.empty()) requests["memory"] = memory;
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec",
                 {{"containers", Json::array({{{"name", "app"},
                                               {"image", "nginx:1.27"},
                                               {"resources", {{"requests", requests}}}}})}}}};
    pod.merge_patch(extra);
    auto object = Unstructured::FromJson(pod);
    ASSERT_TRUE(object.ok());
    auto created = pods_.Create(*object);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  std::optional<Pod> GetPod(const std::string& name) {
    client::Api<Pod> pods(client_.get(), "default");
    auto pod = pods.Get(name);
    if (!pod.ok()) return std::nullopt;
    return *pod;
  }
  std::string PhaseOf(const std::string& name) {
    auto pod = GetPod(name);
    return pod && pod->status && pod->status->phase ? std::string(pod->status->phase->ToString())
                                                    : "";
  }
  std::string NodeOf(const std::string& name) {
    auto pod = GetPod(name);
    return pod && pod->spec ? pod->spec->node_name.value_or("") : "";
  }
  // The status of the pod's condition `type` ("" when absent or no pod).
  std::string ConditionOf(const std::string& name, std::string_view type) {
    auto pod = GetPod(name);
    if (!pod) return "";
    const auto* c = GetCondition(*pod, type);
    return c != nullptr ? c->status : "";
  }
  static const api::core::v1::PodCondition* GetCondition(const Pod& pod, std::string_view type) {
    if (!pod.status || !pod.status->conditions) return nullptr;
    for (const auto& c : *pod.status->conditions) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }
  bool IsReady(const std::string& name) { return ConditionOf(name, "Ready") == "True"; }
  std::optional<Node> GetNode(const std::string& name) {
    client::Api<Node> nodes(client_.get());
    auto node = nodes.Get(name);
    if (!node.ok()) return std::nullopt;
    return *node;
  }
  std::string NodeReady(const std::string& name) {
    auto node = GetNode(name);
    if (!node || !node->status || !node->status->conditions) return "";
    for (const auto& c : *node->status->conditions) {
      if (c.type == "Ready") return c.status;
    }
    return "";
  }
  // Messages of the Events with `reason` about pod `name`.
  std::vector<std::string> EventMessages(const std::string& name, const std::string& reason) {
    client::DynamicApi events(client_.get(), kEvents, "default");
    std::vector<std::string> out;
    auto list = events.List();
    if (!list.ok()) return out;
    for (const auto& e : list->items) {
      const Json& o = e.object();
      if (o.value("reason", "") != reason) continue;
      if (!o.contains("involvedObject") || o["involvedObject"].value("name", "") != name) continue;
      out.push_back(o.value("message", ""));
    }
    return out;
  }
  Status Delete(const std::string& name, std::optional<int64_t> grace = std::nullopt) {
    return pods_.Delete(name, {.grace_period_seconds = grace});
  }

  testing::FakeClock clock_;
  testing::FakeApiServer apiserver_{{.clock = &clock_}};
  std::unique_ptr<client::Client> client_ = apiserver_.NewClient();
  client::DynamicApi pods_{client_.get(), kPods, "default"};
  metrics::Registry registry_;
  manager::EventRecorder recorder_{client_.get(), {.component = "default-scheduler"}, clock_};
  std::unique_ptr<SimRun> run_;
};

TEST_F(PodSimTest, CreatesReadyNodesWithCapacityAddressesAndZones) {
  Start({.nodes = 3, .zones = {"zone-a", "zone-b"}});
  ASSERT_TRUE(WaitFor([&] { return NodeReady("podsim-node-2") == "True"; }));
  EXPECT_EQ(sim().node_names(),
            (std::vector<std::string>{"podsim-node-0", "podsim-node-1", "podsim-node-2"}));
  const std::vector<std::string> zones = {"zone-a", "zone-b", "zone-a"};
  for (int i = 0; i < 3; ++i) {
    const std::string name = "podsim-node-" + std::to_string(i);
    auto node = GetNode(name);
    ASSERT_TRUE(node) << name;
    EXPECT_EQ(node->metadata.labels["topology.kubernetes.io/zone"], zones[i]);
    EXPECT_EQ(node->metadata.labels["kubernetes.io/hostname"], name);
    EXPECT_EQ(NodeReady(name), "True");
    ASSERT_TRUE(node->status && node->status->capacity && node->status->allocatable);
    EXPECT_EQ(node->status->capacity->at("cpu").ToString(), "4");
    EXPECT_EQ(node->status->allocatable->at("memory").ToString(), "16Gi");
    EXPECT_EQ(node->status->capacity->at("pods").ToString(), "110");
    ASSERT_TRUE(node->status->addresses);
    EXPECT_EQ(node->status->addresses->at(0).type, "InternalIP");
    EXPECT_EQ(node->status->addresses->at(0).address, "172.18.0." + std::to_string(i + 2));
    ASSERT_TRUE(node->spec);
    EXPECT_EQ(node->spec->pod_cidr.value_or(""), "10.244." + std::to_string(i) + ".0/24");
  }
}

TEST_F(PodSimTest, BindsStartsAndReadiesAPodLikeKubeletAndScheduler) {
  Start({.nodes = 1});
  CreatePod("web", "100m", "64Mi");
  ASSERT_TRUE(WaitFor([&] { return IsReady("web"); }));
  auto pod = GetPod("web");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->spec->node_name.value_or(""), "podsim-node-0");
  EXPECT_EQ(pod->status->phase->ToString(), "Running");
  EXPECT_EQ(pod->status->pod_ip.value_or(""), "10.244.0.2");
  ASSERT_TRUE(pod->status->pod_i_ps);
  EXPECT_EQ(pod->status->pod_i_ps->at(0).ip, "10.244.0.2");
  EXPECT_EQ(pod->status->host_ip.value_or(""), "172.18.0.2");
  ASSERT_TRUE(pod->status->start_time);
  for (const char* type : {"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
    const auto* c = GetCondition(*pod, type);
    ASSERT_NE(c, nullptr) << type;
    EXPECT_EQ(c->status, "True") << type;
    EXPECT_TRUE(c->last_transition_time) << type;
  }
  ASSERT_TRUE(pod->status->container_statuses);
  const auto& container = pod->status->container_statuses->at(0);
  EXPECT_EQ(container.name, "app");
  EXPECT_TRUE(container.ready);
  EXPECT_EQ(container.restart_count, 0);
  EXPECT_EQ(container.image, "nginx:1.27");
  EXPECT_FALSE(container.image_id.empty());
  EXPECT_FALSE(container.container_id.value_or("").empty());
  ASSERT_TRUE(container.state && container.state->running);
  EXPECT_TRUE(container.state->running->started_at);
  ASSERT_TRUE(WaitFor([&] { return !EventMessages("web", "Scheduled").empty(); }));
  EXPECT_EQ(EventMessages("web", "Scheduled")[0],
            "Successfully assigned default/web to podsim-node-0");
}

TEST_F(PodSimTest, SpreadsPodsToTheLeastAllocatedNode) {
  Start({.nodes = 3});
  // Each pod is placed before the next is created, so the order is deterministic.
  const std::vector<std::pair<std::string, std::string>> pods = {
      {"a", "2"},              // all empty: tie, lowest name
      {"b", "1"},              // node-0 has less free cpu
      {"c", "1"}, {"d", "1"},  // node-1 and node-2 tie at 2 cpu: node-1
      {"e", "1"},              // node-2 (1 cpu) is now the least allocated
  };
  const std::vector<std::string> want = {"podsim-node-0", "podsim-node-1", "podsim-node-2",
                                         "podsim-node-1", "podsim-node-2"};
  for (size_t i = 0; i < pods.size(); ++i) {
    CreatePod(pods[i].first, pods[i].second);
    ASSERT_TRUE(WaitFor([&] { return !NodeOf(pods[i].first).empty(); })) << pods[i].first;
    EXPECT_EQ(NodeOf(pods[i].first), want[i]) << pods[i].first;
  }
}

TEST_F(PodSimTest, PodThatFitsNowhereStaysPendingWithFailedSchedulingUntilCapacityFrees) {
  Start({.nodes = 3});
  for (const char* name : {"big-0", "big-1", "big-2"}) {
    CreatePod(name, "3");
    ASSERT_TRUE(WaitFor([&] { return IsReady(name); })) << name;
  }
  CreatePod("late", "2");
  const std::string message = "0/3 nodes are available: 3 Insufficient cpu.";
  ASSERT_TRUE(WaitFor([&] { return ConditionOf("late", "PodScheduled") == "False"; }));
  auto pod = GetPod("late");
  const auto* scheduled = GetCondition(*pod, "PodScheduled");
  EXPECT_EQ(scheduled->reason.value_or(""), "Unschedulable");
  EXPECT_EQ(scheduled->message.value_or(""), message);
  EXPECT_EQ(pod->status->phase->ToString(), "Pending");
  EXPECT_EQ(pod->spec->node_name.value_or(""), "");
  ASSERT_TRUE(WaitFor([&] { return !EventMessages("late", "FailedScheduling").empty(); }));
  EXPECT_EQ(EventMessages("late", "FailedScheduling")[0], message);

  const std::string freed = NodeOf("big-1");
  ASSERT_TRUE(Delete("big-1").ok());
  ASSERT_TRUE(WaitFor([&] { return IsReady("late"); }));
  EXPECT_EQ(NodeOf("late"), freed);
  EXPECT_EQ(ConditionOf("late", "PodScheduled"), "True");
}

TEST_F(PodSimTest, NodeSelectorPicksTheZoneAndExplainsAMismatch) {
  Start({.nodes = 3, .zones = {"zone-a", "zone-b", "zone-c"}});
  CreatePod("in-b", "", "",
            {{"spec", {{"nodeSelector", {{"topology.kubernetes.io/zone", "zone-b"}}}}}});
  ASSERT_TRUE(WaitFor([&] { return IsReady("in-b"); }));
  EXPECT_EQ(NodeOf("in-b"), "podsim-node-1");
  CreatePod("nowhere", "", "", {{"spec", {{"nodeSelector", {{"disk", "ssd"}}}}}});
  ASSERT_TRUE(WaitFor([&] { return ConditionOf("nowhere", "PodScheduled") == "False"; }));
  EXPECT_EQ(GetCondition(*GetPod("nowhere"), "PodScheduled")->message.value_or(""),
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
}

TEST_F(PodSimTest, StartAndReadyDelaysRunOnTheInjectedClock) {
  Start({.nodes = 1, .start_delay = seconds(5), .ready_delay = seconds(10)});
  CreatePod("slow");
  ASSERT_TRUE(WaitFor([&] { return !NodeOf("slow").empty(); }));
  // Without the clock moving nothing more happens.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(PhaseOf("slow"), "Pending");

  ASSERT_TRUE(WaitFor([&] { return PhaseOf("slow") == "Running"; }, seconds(1)));
  auto pod = GetPod("slow");
  EXPECT_EQ(ConditionOf("slow", "Ready"), "False");
  EXPECT_EQ(GetCondition(*pod, "ContainersReady")->reason.value_or(""), "ContainersNotReady");
  EXPECT_EQ(GetCondition(*pod, "ContainersReady")->message.value_or(""),
            "containers with unready status: [app]");
  EXPECT_FALSE(pod->status->container_statuses->at(0).ready);
  const auto start = pod->status->start_time->time_point();
  EXPECT_GE(start - pod->metadata.creation_timestamp.time_point(), seconds(5));

  ASSERT_TRUE(WaitFor([&] { return IsReady("slow"); }, seconds(1)));
  pod = GetPod("slow");
  EXPECT_GE(GetCondition(*pod, "Ready")->last_transition_time->time_point() - start, seconds(10));
  EXPECT_TRUE(pod->status->container_statuses->at(0).ready);
}

TEST_F(PodSimTest, ReadyWaitsForEveryReadinessGateConditionToBeTrue) {
  Start({.nodes = 1});
  CreatePod("gated", "", "",
            {{"spec", {{"readinessGates", Json::array({{{"conditionType", "example.com/lb"}}})}}}});
  ASSERT_TRUE(WaitFor([&] { return ConditionOf("gated", "ContainersReady") == "True"; }));
  auto pod = GetPod("gated");
  const auto* ready = GetCondition(*pod, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, "False");
  EXPECT_EQ(ready->reason.value_or(""), "ReadinessGatesNotReady");
  EXPECT_EQ(ready->message.value_or(""),
            "corresponding condition of pod readiness gate \"example.com/lb\" does not exist.");

  // Whoever owns the gate (a load balancer controller) sets its condition.
  auto patched = pods_.Patch(
      "gated", client::PatchType::kStrategicMerge,
      R"({"status":{"conditions":[{"type":"example.com/lb","status":"True"}]}})", {}, "status");
  ASSERT_TRUE(patched.ok()) << patched.status();
  ASSERT_TRUE(WaitFor([&] { return IsReady("gated"); }));
  EXPECT_EQ(ConditionOf("gated", "example.com/lb"), "True");  // left in place
}

TEST_F(PodSimTest, GracefulDeletionCompletesAfterTheCappedGracePeriod) {
  Start({.nodes = 1, .grace_period_cap = seconds(30)});
  CreatePod("short", "", "", {{"spec", {{"terminationGracePeriodSeconds", 10}}}});
  CreatePod("long", "", "", {{"spec", {{"terminationGracePeriodSeconds", 600}}}});
  ASSERT_TRUE(WaitFor([&] { return IsReady("short") && IsReady("long"); }));
  ASSERT_TRUE(Delete("short").ok());
  ASSERT_TRUE(Delete("long").ok());
  const auto deleted_at = clock_.Now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(GetPod("short"));  // terminating, not gone
  EXPECT_TRUE(GetPod("short")->metadata.IsBeingDeleted());

  ASSERT_TRUE(WaitFor([&] { return !GetPod("short"); }, seconds(1)));
  EXPECT_GE(clock_.Now() - deleted_at, seconds(10));
  ASSERT_TRUE(WaitFor([&] { return !GetPod("long"); }, seconds(1)));
  EXPECT_GE(clock_.Now() - deleted_at, seconds(30));  // the cap, not 600 s
}

TEST_F(PodSimTest, GracefulDeletionIsImmediateByDefault) {
  Start({.nodes = 1});
  CreatePod("web");
  ASSERT_TRUE(WaitFor([&] { return IsReady("web"); }));
  ASSERT_TRUE(Delete("web").ok());  // grace 30 s by default
  ASSERT_TRUE(WaitFor([&] { return !GetPod("web"); }));
}

TEST_F(PodSimTest, TerminatingPodThatFailsIsDeletedAtOnce) {
  Start({.nodes = 1, .grace_period_cap = seconds(30)});
  CreatePod("web");
  ASSERT_TRUE(WaitFor([&] { return IsReady("web"); }));
  ASSERT_TRUE(Delete("web").ok());
  ASSERT_TRUE(WaitFor([&] {
    auto pod = GetPod("web");
    return pod && pod->metadata.IsBeingDeleted();
  }));
  ASSERT_TRUE(sim().FailPod("default", "web").ok());  // its containers are gone
  ASSERT_TRUE(WaitFor([&] { return !GetPod("web"); }));
}

TEST_F(PodSimTest, FailPodTerminatesItsContainersAndItStaysFailed) {
  Start({.nodes = 1});
  CreatePod("doomed");
  ASSERT_TRUE(WaitFor([&] { return IsReady("doomed"); }));
  ASSERT_TRUE(sim().FailPod("default", "doomed").ok());
  ASSERT_TRUE(WaitFor([&] { return PhaseOf("doomed") == "Failed"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto pod = GetPod("doomed");
  EXPECT_EQ(pod->status->phase->ToString(), "Failed");
  EXPECT_EQ(ConditionOf("doomed", "Ready"), "False");
  const auto& container = pod->status->container_statuses->at(0);
  EXPECT_FALSE(container.ready);
  ASSERT_TRUE(container.state && container.state->terminated);
  EXPECT_EQ(container.state->terminated->exit_code, 1);
  EXPECT_TRUE(IsNotFound(sim().FailPod("default", "missing")));
}

TEST_F(PodSimTest, CrashPodCountsARestartAndTheContainerComesBack) {
  Start({.nodes = 1, .ready_delay = seconds(3)});
  CreatePod("flaky");
  ASSERT_TRUE(WaitFor([&] { return IsReady("flaky"); }, seconds(1)));
  ASSERT_TRUE(sim().CrashPod("default", "flaky").ok());
  auto pod = GetPod("flaky");
  EXPECT_EQ(ConditionOf("flaky", "Ready"), "False");
  EXPECT_EQ(pod->status->container_statuses->at(0).restart_count, 1);
  ASSERT_TRUE(pod->status->container_statuses->at(0).last_state);
  EXPECT_TRUE(pod->status->container_statuses->at(0).last_state->terminated);
  ASSERT_TRUE(WaitFor([&] { return IsReady("flaky"); }, seconds(1)));
  pod = GetPod("flaky");
  EXPECT_EQ(pod->status->container_statuses->at(0).restart_count, 1);
  EXPECT_EQ(pod->status->phase->ToString(), "Running");
}

TEST_F(PodSimTest, PodsCanBeKeptNotReadyByKnobOrAnnotation) {
  Start({.nodes = 1});
  CreatePod("web");
  CreatePod("never", "", "",
            {{"metadata", {{"annotations", {{std::string(kNeverReadyAnnotation), "true"}}}}}});
  ASSERT_TRUE(WaitFor([&] { return IsReady("web"); }));
  ASSERT_TRUE(WaitFor([&] { return PhaseOf("never") == "Running"; }));
  EXPECT_EQ(ConditionOf("never", "Ready"), "False");

  sim().SetPodReady("default", "web", false);
  ASSERT_TRUE(WaitFor([&] { return ConditionOf("web", "Ready") == "False"; }));
  EXPECT_EQ(PhaseOf("web"), "Running");
  sim().SetPodReady("default", "web", true);
  ASSERT_TRUE(WaitFor([&] { return IsReady("web"); }));
  EXPECT_EQ(ConditionOf("never", "Ready"), "False");
}

TEST_F(PodSimTest, FailNodeFailsItsPodsAndStopsSchedulingThere) {
  Start({.nodes = 2});
  CreatePod("a", "1");
  CreatePod("b", "1");
  ASSERT_TRUE(WaitFor([&] { return IsReady("a") && IsReady("b"); }));
  const std::string lost = NodeOf("a");
  const std::string kept = lost == "podsim-node-0" ? "podsim-node-1" : "podsim-node-0";
  ASSERT_EQ(NodeOf("b"), kept);

  ASSERT_TRUE(sim().FailNode(lost).ok());
  EXPECT_EQ(NodeReady(lost), "Unknown");
  auto pod = GetPod("a");
  EXPECT_EQ(pod->status->phase->ToString(), "Failed");
  EXPECT_EQ(pod->status->reason.value_or(""), "NodeLost");
  EXPECT_EQ(ConditionOf("a", "Ready"), "False");
  EXPECT_EQ(PhaseOf("b"), "Running");

  // The replacement a ReplicaSet would create lands on the healthy node.
  CreatePod("a-2", "1");
  ASSERT_TRUE(WaitFor([&] { return IsReady("a-2"); }));
  EXPECT_EQ(NodeOf("a-2"), kept);

  ASSERT_TRUE(sim().RestoreNode(lost).ok());
  EXPECT_EQ(NodeReady(lost), "True");
  CreatePod("c", "1");
  ASSERT_TRUE(WaitFor([&] { return IsReady("c"); }));
  EXPECT_EQ(NodeOf("c"), lost);
  EXPECT_TRUE(IsNotFound(sim().FailNode("no-such-node")));
}

TEST_F(PodSimTest, PendingPodIsScheduledOnceItsNodeIsRestored) {
  Start({.nodes = 1});
  ASSERT_TRUE(WaitFor([&] { return NodeReady("podsim-node-0") == "True"; }));
  ASSERT_TRUE(sim().FailNode("podsim-node-0").ok());
  CreatePod("waiting");
  ASSERT_TRUE(WaitFor([&] { return ConditionOf("waiting", "PodScheduled") == "False"; }));
  EXPECT_EQ(GetCondition(*GetPod("waiting"), "PodScheduled")->message.value_or(""),
            "0/1 nodes are available: 1 node(s) had untolerated taint "
            "{node.kubernetes.io/unreachable: }.");
  ASSERT_TRUE(sim().RestoreNode("podsim-node-0").ok());
  ASSERT_TRUE(WaitFor([&] { return IsReady("waiting"); }));
  EXPECT_EQ(NodeOf("waiting"), "podsim-node-0");
}

TEST_F(PodSimTest, RestartedSimulatorLeavesRunningPodsAloneAndKeepsTheirIps) {
  Start({.nodes = 1});
  std::set<std::string> ips;
  std::map<std::string, std::string> versions;
  for (const char* name : {"p0", "p1", "p2"}) {
    CreatePod(name);
    ASSERT_TRUE(WaitFor([&] { return IsReady(name); }));
  }
  for (const char* name : {"p0", "p1", "p2"}) {
    auto pod = GetPod(name);
    ips.insert(pod->status->pod_ip.value_or(""));
    versions[name] = pod->metadata.resource_version;
  }
  ASSERT_EQ(ips.size(), 3u);
  StopSimulator();

  Start({.nodes = 1});
  CreatePod("p3");
  ASSERT_TRUE(WaitFor([&] { return IsReady("p3"); }));
  EXPECT_FALSE(ips.contains(GetPod("p3")->status->pod_ip.value_or("")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (const auto& [name, version] : versions) {
    EXPECT_EQ(GetPod(name)->metadata.resource_version, version) << name << " was rewritten";
  }
}

TEST_F(PodSimTest, CompleteAfterAnnotationEndsRunToCompletionPods) {
  Start({.nodes = 1});
  CreatePod("job", "", "",
            {{"metadata", {{"annotations", {{std::string(kCompleteAfterAnnotation), "5s"}}}}},
             {"spec", {{"restartPolicy", "Never"}}}});
  ASSERT_TRUE(WaitFor([&] { return IsReady("job"); }));
  const auto started = clock_.Now();
  ASSERT_TRUE(WaitFor([&] { return PhaseOf("job") == "Succeeded"; }, seconds(1)));
  EXPECT_GE(clock_.Now() - started, seconds(5));
  auto pod = GetPod("job");
  EXPECT_EQ(pod->status->container_statuses->at(0).state->terminated->exit_code, 0);
}

TEST_F(PodSimTest, ManyPodsScheduleQuicklyAndSpreadEvenly) {
  Start({.nodes = 3, .workers = 5});
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) CreatePod("pod-" + std::to_string(i));
  client::Api<Pod> pods(client_.get(), "default");
  std::vector<Pod> items;
  ASSERT_TRUE(WaitFor([&] {
    auto list = pods.List();
    if (!list.ok()) return false;
    int ready = 0;
    for (const Pod& p : list->items) {
      const auto* c = GetCondition(p, "Ready");
      if (c != nullptr && c->status == "True") ++ready;
    }
    items = list->items;
    return ready == kCount;
  }));
  std::map<std::string, int> per_node;
  std::set<std::string> ips;
  for (const Pod& p : items) {
    ++per_node[p.spec->node_name.value_or("")];
    ips.insert(p.status->pod_ip.value_or(""));
  }
  EXPECT_EQ(ips.size(), static_cast<size_t>(kCount));  // no IP handed out twice
  ASSERT_EQ(per_node.size(), 3u);
  for (const auto& [node, count] : per_node) {
    EXPECT_GE(count, 90) << node;
    EXPECT_LE(count, 110) << node;
  }
}

TEST(PodSimManager, SetupWithManagerRunsTheSimulatorAsARunnable) {
  testing::FakeApiServer apiserver;
  metrics::Registry registry;
  manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &registry;
  auto mgr = manager::Manager::New(apiserver.NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.status();
  auto sim = SetupWithManager(**mgr, {.nodes = 2});
  ASSERT_TRUE(sim.ok()) << sim.status();
  EXPECT_EQ((*sim)->node_names().size(), 2u);
  std::stop_source stop;
  std::thread runner([&] { (void)(*mgr)->Start(stop.get_token()); });

  auto client = apiserver.NewClient();
  client::DynamicApi pods(client.get(), kPods, "default");
  auto pod = Unstructured::FromJson(
      {{"apiVersion", "v1"},
       {"kind", "Pod"},
       {"metadata", {{"name", "web"}, {"namespace", "default"}}},
       {"spec", {{"containers", Json::array({{{"name", "app"}, {"image", "nginx"}}})}}}});
  ASSERT_TRUE(pods.Create(*pod).ok());
  client::Api<Pod> typed(client.get(), "default");
  bool ready = false;
  for (int i = 0; i < 3000 && !ready; ++i) {
    auto live = typed.Get("web");
    if (live.ok() && live->status && live->status->conditions) {
      for (const auto& c : *live->status->conditions)
        ready |= c.type == "Ready" && c.status == "True";
    }
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ready);
  stop.request_stop();
  runner.join();
}

TEST(PodSimOptions, RejectsBadOptions) {
  testing::FakeApiServer apiserver;
  auto client = apiserver.NewClient();
  cache::InformerFactory informers(client.get());
  EXPECT_EQ(PodSimulator::New(client.get(), informers, nullptr, {.nodes = -1}).status().code(),
            Code::kInvalid);
  EXPECT_EQ(PodSimulator::New(client.get(), informers, nullptr, {.cpu = "lots"}).status().code(),
            Code::kInvalid);
  EXPECT_EQ(PodSimulator::New(client.get(), informers, nullptr, {.workers = 0}).status().code(),
            Code::kInvalid);
}

}  // namespace
}  // namespace kube::controllers::podsim
