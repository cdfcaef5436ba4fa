#include "kubecpp/manager/event_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::manager {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::StartsWith;

const client::ResourceRef kEvents{{"", "v1", "events"}, "Event", true};

bool WaitFor(const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

ObjectReference Pod(std::string name = "web-0", std::string ns = "default") {
  ObjectReference ref;
  ref.api_version = "v1";
  ref.kind = "Pod";
  ref.namespace_ = std::move(ns);
  ref.name = std::move(name);
  ref.uid = "uid-" + ref.name;
  ref.resource_version = "42";
  return ref;
}

class EventRecorderTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventRecorder> NewRecorder(EventRecorderOptions options = {}) {
    if (options.component.empty()) options.component = "widget-controller";
    return std::make_unique<EventRecorder>(client_.get(), std::move(options), clock_);
  }
  // Waits until the recorder has finished with `n` accepted events.
  void WaitProcessed(EventRecorder& recorder, uint64_t n) {
    ASSERT_TRUE(WaitFor([&] { return recorder.stats().processed() >= n; }))
        << "processed " << recorder.stats().processed() << " of " << n;
    EXPECT_EQ(recorder.stats().processed(), n);
  }
  std::vector<Unstructured> Events(const std::string& ns = "default") {
    client::DynamicApi events(client_.get(), kEvents, ns);
    auto list = events.List();
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? list->items : std::vector<Unstructured>{};
  }
  // Events by message.
  std::map<std::string, Unstructured> EventsByMessage(const std::string& ns = "default") {
    std::map<std::string, Unstructured> out;
    for (auto& e : Events(ns)) out[e.GetString({"message"})] = e;
    return out;
  }

  testing::FakeClock clock_;
  testing::FakeApiServer api_;
  std::unique_ptr<client::Client> client_ = api_.NewClient();
};

TEST_F(EventRecorderTest, CreatesCoreV1EventWithClientGoFields) {
  auto recorder = NewRecorder({.component = "widget-controller", .host = "node-1"});
  recorder->Event(Pod(), EventType::kWarning, "BackOff", "restarting failed container");
  WaitProcessed(*recorder, 1);

  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  const Unstructured& e = events[0];
  // <involvedObject.name>.<hex of unix nanos>: 2024-01-01T00:00:00Z.
  EXPECT_EQ(e.name(), "web-0.17a6101701650000");
  EXPECT_EQ(e.namespace_(), "default");
  EXPECT_EQ(e.GetString({"involvedObject", "kind"}), "Pod");
  EXPECT_EQ(e.GetString({"involvedObject", "apiVersion"}), "v1");
  EXPECT_EQ(e.GetString({"involvedObject", "namespace"}), "default");
  EXPECT_EQ(e.GetString({"involvedObject", "name"}), "web-0");
  EXPECT_EQ(e.GetString({"involvedObject", "uid"}), "uid-web-0");
  EXPECT_EQ(e.GetString({"involvedObject", "resourceVersion"}), "42");
  EXPECT_EQ(e.GetString({"reason"}), "BackOff");
  EXPECT_EQ(e.GetString({"message"}), "restarting failed container");
  EXPECT_EQ(e.GetString({"type"}), "Warning");
  EXPECT_EQ(e.GetString({"source", "component"}), "widget-controller");
  EXPECT_EQ(e.GetString({"source", "host"}), "node-1");
  EXPECT_EQ(e.GetString({"firstTimestamp"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(e.GetString({"lastTimestamp"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(*e.Get({"count"}), 1);
  EXPECT_EQ(e.GetString({"reportingComponent"}), "widget-controller");
  EXPECT_EQ(e.GetString({"reportingInstance"}), "node-1");
  EXPECT_EQ(recorder->stats().created, 1u);
}

TEST_F(EventRecorderTest, EventsAtTheSameInstantGetDistinctNames) {
  auto recorder = NewRecorder();
  recorder->Event(Pod(), EventType::kNormal, "Pulling", "pulling image");
  recorder->Event(Pod(), EventType::kNormal, "Pulled", "pulled image");
  WaitProcessed(*recorder, 2);
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].name(), events[1].name());
  EXPECT_EQ(recorder->stats().created, 2u);
}

TEST_F(EventRecorderTest, IdenticalEventsPatchCountAndLastTimestamp) {
  auto recorder = NewRecorder();
  for (int i = 0; i < 3; ++i) {
    recorder->Event(Pod(), EventType::kNormal, "Synced", "synced successfully");
    WaitProcessed(*recorder, i + 1);
    clock_.Step(minutes(1));
  }
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].Get({"count"}), 3);
  EXPECT_EQ(events[0].GetString({"firstTimestamp"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(events[0].GetString({"lastTimestamp"}), "2024-01-01T00:02:00Z");
  EXPECT_EQ(api_.RequestCount("create", "events"), 1);
  EXPECT_EQ(api_.RequestCount("patch", "events"), 2);
  EXPECT_EQ(recorder->stats().created, 1u);
  EXPECT_EQ(recorder->stats().patched, 2u);
}

TEST_F(EventRecorderTest, EventDeletedBeforeItsPatchIsCreatedAgain) {
  auto recorder = NewRecorder();
  recorder->Event(Pod(), EventType::kNormal, "Synced", "ok");
  WaitProcessed(*recorder, 1);
  client::DynamicApi events(client_.get(), kEvents, "default");
  ASSERT_TRUE(events.Delete(Events()[0].name()).ok());
  recorder->Event(Pod(), EventType::kNormal, "Synced", "ok");
  WaitProcessed(*recorder, 2);
  auto after = Events();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(*after[0].Get({"count"}), 2);
  EXPECT_EQ(api_.RequestCount("create", "events"), 2);
}

TEST_F(EventRecorderTest, TenSimilarEventsAreCombined) {
  auto recorder = NewRecorder();
  // Same reason, 11 different messages: the 10th distinct message starts one
  // combined Event; the 11th updates it.
  for (int i = 0; i < 11; ++i) {
    recorder->Event(Pod(), EventType::kWarning, "FailedScheduling",
                    "0/" + std::to_string(i) + " nodes available");
    clock_.Step(seconds(1));
  }
  WaitProcessed(*recorder, 11);
  auto by_message = EventsByMessage();
  ASSERT_EQ(by_message.size(), 10u);
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(by_message.contains("0/" + std::to_string(i) + " nodes available")) << i;
  }
  auto combined = by_message.find("(combined from similar events): 0/10 nodes available");
  ASSERT_NE(combined, by_message.end());
  EXPECT_EQ(*combined->second.Get({"count"}), 2);
  EXPECT_EQ(combined->second.GetString({"reason"}), "FailedScheduling");
  EXPECT_EQ(combined->second.GetString({"type"}), "Warning");
  EXPECT_EQ(recorder->stats().created, 10u);
  EXPECT_EQ(recorder->stats().patched, 1u);
}

TEST_F(EventRecorderTest, SimilarEventsTenMinutesApartAreNotCombined) {
  auto recorder = NewRecorder();
  for (int i = 0; i < 12; ++i) {
    recorder->Event(Pod(), EventType::kWarning, "FailedScheduling", "attempt " + std::to_string(i));
    clock_.Step(minutes(10) + seconds(1));
  }
  WaitProcessed(*recorder, 12);
  EXPECT_EQ(Events().size(), 12u);
  for (const auto& [message, e] : EventsByMessage()) {
    EXPECT_THAT(message, StartsWith("attempt "));
  }
}

TEST_F(EventRecorderTest, SpamFilterAllowsBurstOf25ThenOnePerFiveMinutes) {
  auto recorder = NewRecorder();
  // Different reasons, so nothing is aggregated: only the spam filter acts.
  int sent = 0;
  auto send = [&] {
    recorder->Event(Pod(), EventType::kNormal, "Reason" + std::to_string(sent), "m");
    ++sent;
  };
  for (int i = 0; i < 26; ++i) send();
  WaitProcessed(*recorder, 26);
  EXPECT_EQ(recorder->stats().created, 25u);
  EXPECT_EQ(recorder->stats().spam_dropped, 1u);
  EXPECT_EQ(Events().size(), 25u);

  clock_.Step(minutes(5));
  send();
  WaitProcessed(*recorder, 27);
  EXPECT_EQ(recorder->stats().created, 26u);

  clock_.Step(minutes(4) + seconds(59));
  send();
  WaitProcessed(*recorder, 28);
  EXPECT_EQ(recorder->stats().created, 26u);
  EXPECT_EQ(recorder->stats().spam_dropped, 2u);

  // Another object has its own bucket.
  recorder->Event(Pod("web-1"), EventType::kNormal, "Reason0", "m");
  WaitProcessed(*recorder, 29);
  EXPECT_EQ(recorder->stats().created, 27u);
}

TEST_F(EventRecorderTest, ClusterScopedObjectEventsGoToDefaultNamespace) {
  auto recorder = NewRecorder();
  ObjectReference node;
  node.api_version = "v1";
  node.kind = "Node";
  node.name = "node-1";
  node.uid = "n1";
  recorder->Event(node, EventType::kNormal, "NodeReady", "node is ready");
  ObjectReference pod = Pod("api-0", "kube-system");
  recorder->Event(pod, EventType::kNormal, "Started", "started");
  WaitProcessed(*recorder, 2);
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].GetString({"involvedObject", "name"}), "node-1");
  EXPECT_EQ(events[0].Get({"involvedObject", "namespace"}), nullptr);
  auto system = Events("kube-system");
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(system[0].GetString({"involvedObject", "name"}), "api-0");
}

TEST_F(EventRecorderTest, NeverBlocksOnSlowApiServerAndDropsWhenQueueIsFull) {
  auto recorder = NewRecorder();  // queue of 1000
  const auto latency = seconds(2);
  api_.SetLatency(latency);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1100; ++i) {
    recorder->Event(Pod(), EventType::kNormal, "Tick", "tick");
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // The writer is stuck in its first request for 2 s; the callers were not.
  EXPECT_LT(elapsed, latency);
  const uint64_t dropped = recorder->stats().queue_dropped;
  EXPECT_GE(dropped, 99u);
  EXPECT_LE(dropped, 100u);
  api_.SetLatency(milliseconds(0));
  recorder->Shutdown();
  const auto stats = recorder->stats();
  EXPECT_EQ(stats.processed() + stats.queue_dropped, 1100u);
  // Identical events: one Event patched up to the spam filter's burst.
  EXPECT_EQ(stats.created, 1u);
  EXPECT_EQ(stats.patched, 24u);
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].Get({"count"}), 25);
}

TEST_F(EventRecorderTest, ShutdownWritesQueuedEventsThenRefusesNewOnes) {
  auto recorder = NewRecorder();
  for (int i = 0; i < 5; ++i) {
    recorder->Event(Pod(), EventType::kNormal, "Step" + std::to_string(i), "m");
  }
  recorder->Shutdown();
  EXPECT_EQ(Events().size(), 5u);
  EXPECT_EQ(recorder->stats().created, 5u);
  recorder->Event(Pod(), EventType::kNormal, "Late", "m");
  EXPECT_EQ(recorder->stats().queue_dropped, 1u);
  recorder->Shutdown();  // idempotent
}

TEST_F(EventRecorderTest, RejectedEventIsDroppedNotRetried) {
  auto recorder = NewRecorder();
  api_.InjectFault({.verb = "create", .resource = "events", .http_code = 403});
  recorder->Event(Pod(), EventType::kNormal, "Denied", "m");
  WaitProcessed(*recorder, 1);
  EXPECT_EQ(recorder->stats().failed, 1u);
  EXPECT_EQ(api_.RequestCount("create", "events"), 1);
  EXPECT_TRUE(Events().empty());
}

struct Widget {
  static constexpr std::string_view kGroup = "example.com", kVersion = "v1", kKind = "Widget";
  ObjectMeta metadata;
};

TEST(ReferenceToTest, BuildsReferencesFromTypedAndUnstructuredObjects) {
  Widget w;
  w.metadata.name = "w";
  w.metadata.namespace_ = "ns";
  w.metadata.uid = "u";
  w.metadata.resource_version = "7";
  ObjectReference ref = ReferenceTo(w);
  EXPECT_EQ(ref.api_version, "example.com/v1");
  EXPECT_EQ(ref.kind, "Widget");
  EXPECT_EQ(ref.namespace_, "ns");
  EXPECT_EQ(ref.name, "w");
  EXPECT_EQ(ref.uid, "u");
  EXPECT_EQ(ref.resource_version, "7");

  auto node = Unstructured::Parse(
      R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n","uid":"x","resourceVersion":"3"}})");
  ASSERT_TRUE(node.ok());
  ref = ReferenceTo(*node);
  EXPECT_EQ(ref.api_version, "v1");
  EXPECT_EQ(ref.kind, "Node");
  EXPECT_EQ(ref.namespace_, "");
  EXPECT_EQ(ref.name, "n");
  EXPECT_EQ(ref.uid, "x");
  EXPECT_EQ(ref.resource_version, "3");
  EXPECT_EQ(EventTypeName(EventType::kNormal), "Normal");
  EXPECT_EQ(EventTypeName(EventType::kWarning), "Warning");
}

}  // namespace
}  // namespace kube::manager
