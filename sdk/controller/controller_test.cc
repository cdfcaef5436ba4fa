// Controller, Builder, sources and handlers against the in-process fake apiserver.
#include "kubecpp/controller/controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/cache/internal/informer_test_util.h"
#include "kubecpp/controller/builder.h"
#include "kubecpp/controller/read_your_writes.h"

namespace kube::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

// A tiny typed resource, as codegen would produce it.
struct TestConfigMap {
  static constexpr std::string_view kGroup = "", kVersion = "v1", kKind = "ConfigMap",
                                    kPlural = "configmaps";
  static constexpr bool kNamespaced = true;
  ObjectMeta metadata;
  Json data;
};
void ToJson(const TestConfigMap& v, Json* out) {
  Json meta;
  ToJson(v.metadata, &meta);
  (*out)["metadata"] = std::move(meta);
  if (!v.data.is_null()) (*out)["data"] = v.data;
}
Status FromJsonAt(const Json& in, std::string_view path, TestConfigMap* out) {
  if (!in.is_object()) return JsonTypeError(path, "object", in);
  if (auto it = in.find("metadata"); it != in.end()) {
    KUBE_RETURN_IF_ERROR(FromJsonAt(*it, "metadata", &out->metadata));
  }
  if (auto it = in.find("data"); it != in.end()) out->data = *it;
  return Status();
}

const client::ResourceRef kSecrets{{"", "v1", "secrets"}, "Secret", true};

// Records every reconcile; the behaviour per call is set by the test.
class Recorder {
 public:
  std::shared_ptr<Reconciler> Make(
      std::function<Result<Action>(const Request&, int attempt)> fn = nullptr) {
    return ReconcilerFunc([this, fn](const Request& req) -> Result<Action> {
      int attempt;
      {
        std::lock_guard lock(mu_);
        keys_.push_back(req.key.ToString());
        attempt = ++attempts_[req.key.ToString()];
      }
      return fn ? fn(req, attempt) : Action::Done();
    });
  }
  std::vector<std::string> keys() const {
    std::lock_guard lock(mu_);
    return keys_;
  }
  int attempts(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = attempts_.find(key);
    return it == attempts_.end() ? 0 : it->second;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    keys_.clear();
    attempts_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> keys_;
  std::map<std::string, int> attempts_;
};

class ControllerTest : public cache::testutil::InformerTestBase {
 protected:
  ControllerTest() : informers_(client_.get()) {}
  ~ControllerTest() override { StopAll(); }

  ControllerOptions Options(std::string name = "test") {
    return ControllerOptions{.name = std::move(name), .clock = &clock_};
  }

  // Takes the controller, starts the informers and the controller and waits until its
  // workers run. The fixture stops it before destroying it.
  void Run(std::unique_ptr<Controller> c) {
    controller_ = std::move(c);
    informers_.Start(stop_.get_token());
    runner_ = std::jthread([this](std::stop_token st) { run_status_ = controller_->Run(st); });
    ASSERT_TRUE(Eventually([&] { return controller_->started(); }, true));
  }
  void StopAll() {
    if (runner_.joinable()) {
      runner_.request_stop();
      runner_.join();
    }
    stop_.request_stop();
  }

  void CreateSecret(const std::string& name, const std::string& owner_cm, bool controller) {
    auto cm = cms_.Get(owner_cm);
    ASSERT_TRUE(cm.ok()) << cm.status();
    Unstructured s;
    s.set_api_version("v1");
    s.set_kind("Secret");
    s.set_name(name);
    s.set_namespace("default");
    s.Set({"metadata", "ownerReferences"}, Json::array({{{"apiVersion", "v1"},
                                                         {"kind", "ConfigMap"},
                                                         {"name", owner_cm},
                                                         {"uid", cm->uid()},
                                                         {"controller", controller}}}));
    client::DynamicApi secrets(client_.get(), kSecrets, "default");
    ASSERT_TRUE(secrets.Create(s).ok());
  }

  cache::InformerFactory informers_;
  Recorder rec_;
  std::unique_ptr<Controller> controller_;
  std::jthread runner_;
  Status run_status_;
};

TEST_F(ControllerTest, ForReconcilesEveryExistingObjectThenEachChange) {
  Create("a", "1");
  Create("b", "1");
  auto c = Builder(informers_).For<TestConfigMap>().WithOptions(Options()).Build(rec_.Make());
  ASSERT_TRUE(c.ok()) << c.status();
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.keys().size() >= 2; }));
  EXPECT_THAT(rec_.keys(), IsSupersetOf({"default/a", "default/b"}));
  Update("a", "2");
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/a") >= 2; }));
  Delete("b");
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/b") >= 2; }));
}

TEST_F(ControllerTest, BuilderNeedsExactlyOneForAndNamesTheControllerAfterIt) {
  auto none = Builder(informers_).Build(rec_.Make());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), Code::kInvalid);
  EXPECT_THAT(none.error().message(), HasSubstr("For() must be called exactly once"));

  auto two = Builder(informers_).For<TestConfigMap>().ForResource(kSecrets).Build(rec_.Make());
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.error().message(), HasSubstr("called 2 times"));

  auto named = Builder(informers_).For<TestConfigMap>().Build(rec_.Make());
  ASSERT_TRUE(named.ok());
  EXPECT_EQ((*named)->name(), "configmap");
}

TEST_F(ControllerTest, OwnsEnqueuesTheControllerOwnerOnly) {
  Create("owner", "1");
  Create("other", "1");
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .OwnsResource(kSecrets)
               .WithOptions(Options())
               .Build(rec_.Make());
  ASSERT_TRUE(c.ok()) << c.status();
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.keys().size() >= 2; }));
  CreateSecret("s1", "owner", /*controller=*/true);
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/owner") >= 2; }));
  CreateSecret("s2", "other", /*controller=*/false);  // not the controller: ignored
  CreateSecret("s3", "owner", /*controller=*/true);
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/owner") >= 3; }));
  EXPECT_EQ(rec_.attempts("default/other"), 1);
  EXPECT_EQ(rec_.attempts("default/s1"), 0);
}

TEST_F(ControllerTest, WatchesMapsObjectsToRequestsAndPredicatesFilterEvents) {
  Create("target", "1");
  auto c = Builder(informers_)
               .For<TestConfigMap>({NewPredicateFuncs<TestConfigMap>(
                   [](const TestConfigMap& cm) { return cm.metadata.name == "target"; })})
               .WatchesResource(
                   kSecrets,
                   [](const Unstructured& s) {
                     return std::vector<ObjectKey>{{s.namespace_(), s.annotations()["for"]}};
                   })
               .WithOptions(Options())
               .Build(rec_.Make());
  ASSERT_TRUE(c.ok()) << c.status();
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.keys().size() >= 1; }));
  Create("filtered-out", "1");
  Unstructured s;
  s.set_api_version("v1");
  s.set_kind("Secret");
  s.set_name("pointer");
  s.set_namespace("default");
  s.set_annotations({{"for", "target"}});
  client::DynamicApi secrets(client_.get(), kSecrets, "default");
  ASSERT_TRUE(secrets.Create(s).ok());
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/target") >= 2; }));
  EXPECT_EQ(rec_.attempts("default/filtered-out"), 0);
}

TEST_F(ControllerTest, ErrorsAreRetriedWithBackoffUntilSuccess) {
  Create("flaky", "1");
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .WithOptions(Options())
               .Build(rec_.Make([](const Request&, int attempt) -> Result<Action> {
                 if (attempt <= 3) return Status(Code::kUnavailable, "try again");
                 return Action::Done();
               }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  // 5 ms, 10 ms, 20 ms of the fake clock: Eventually steps it.
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/flaky") >= 4; }, true));
  const int after_success = rec_.attempts("default/flaky");
  for (int i = 0; i < 5; ++i) clock_.Step(std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(rec_.attempts("default/flaky"), after_success);  // success: no more retries
}

TEST_F(ControllerTest, TerminalErrorsAreNotRetried) {
  Create("bad", "1");
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .WithOptions(Options())
               .Build(rec_.Make([](const Request&, int) -> Result<Action> {
                 return TerminalError(Status(Code::kInvalid, "spec.x is wrong"));
               }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/bad") == 1; }));
  // An error would be retried after 5 ms, 10 ms, ...: a minute of backoff brings none.
  // (Not much longer: past the informer's 5-10 minute watch timeout a re-list would
  // deliver the object again, which is a new event, not a retry.)
  for (int i = 0; i < 60; ++i) clock_.Step(std::chrono::seconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(rec_.attempts("default/bad"), 1);
  Update("bad", "2");  // a new event reconciles it again
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/bad") >= 2; }, true));
}

TEST_F(ControllerTest, AThrownExceptionIsCaughtAndRetried) {
  Create("throws", "1");
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .WithOptions(Options())
               .Build(rec_.Make([](const Request&, int attempt) -> Result<Action> {
                 if (attempt == 1) throw std::runtime_error("boom");
                 return Action::Done();
               }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/throws") >= 2; }, true));
}

TEST_F(ControllerTest, RequeueAfterReconcilesAgainAfterTheDelay) {
  Create("poll", "1");
  auto c =
      Builder(informers_)
          .For<TestConfigMap>()
          .WithOptions(Options())
          .Build(rec_.Make([](const Request&, int attempt) -> Result<Action> {
            return attempt < 3 ? Action::RequeueAfter(std::chrono::minutes(1)) : Action::Done();
          }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/poll") == 1; }));
  clock_.Step(std::chrono::seconds(59));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(rec_.attempts("default/poll"), 1);
  clock_.Step(std::chrono::seconds(1));
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/poll") == 2; }));
}

TEST_F(ControllerTest, NeverReconcilesOneKeyTwiceAtOnce) {
  for (int i = 0; i < 4; ++i) Create("k" + std::to_string(i), "0");
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> max_parallel{0};
  std::atomic<int> calls{0};
  auto reconciler = ReconcilerFunc([&](const Request& req) -> Result<Action> {
    {
      std::lock_guard lock(mu);
      if (!in_flight.insert(req.key.ToString()).second) overlap = true;
      max_parallel = std::max<int>(max_parallel, static_cast<int>(in_flight.size()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    {
      std::lock_guard lock(mu);
      in_flight.erase(req.key.ToString());
    }
    ++calls;
    return Action::Done();
  });
  ControllerOptions options = Options();
  options.max_concurrent_reconciles = 4;
  auto c = Builder(informers_).For<TestConfigMap>().WithOptions(options).Build(reconciler);
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  for (int round = 0; round < 200; ++round)
    controller_->Enqueue({"default", "k" + std::to_string(round % 4)});
  ASSERT_TRUE(Eventually(
      [&] { return controller_->queue_length() == 0 && controller_->active_workers() == 0; }));
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(calls.load(), 4);
  EXPECT_LE(max_parallel.load(), 4);
  StopAll();  // the reconciler refers to this test's locals
}

TEST_F(ControllerTest, StopLetsInFlightReconcilesFinishAndAbortCancelsThem) {
  Create("slow", "1");
  std::latch entered(1);
  std::atomic<bool> saw_abort{false};
  std::atomic<bool> finished{false};
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .WithOptions(Options())
               .Build(ReconcilerFunc([&](const Request& req) -> Result<Action> {
                 entered.count_down();
                 // Waits for the abort, like a reconcile blocked in a client call.
                 while (!req.stop.stop_requested()) {
                   std::this_thread::sleep_for(std::chrono::milliseconds(1));
                 }
                 saw_abort = true;
                 finished = true;
                 return Action::Done();
               }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  entered.wait();
  runner_.request_stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(finished.load());  // Run waits for the reconcile in flight
  controller_->Abort();
  runner_.join();
  EXPECT_TRUE(saw_abort.load());
  EXPECT_TRUE(run_status_.ok()) << run_status_;
}

TEST_F(ControllerTest, CacheSyncTimeoutNamesTheResourceAndTheError) {
  client::ResourceRef widgets{{"example.com", "v1", "widgets"}, "Widget", true};
  ControllerOptions options{.name = "widgets",
                            .cache_sync_timeout = std::chrono::milliseconds(300)};
  auto c = Builder(informers_).ForResource(widgets).WithOptions(options).Build(rec_.Make());
  ASSERT_TRUE(c.ok());
  informers_.Start(stop_.get_token());
  Status s = (*c)->Run(stop_.get_token());
  ASSERT_EQ(s.code(), Code::kTimeout) << s;
  EXPECT_THAT(s.message(), HasSubstr("widgets"));
  EXPECT_THAT(s.message(), HasSubstr("NotFound"));
}

TEST_F(ControllerTest, ReconcileSeesTheLastKnownStateOfADeletedObject) {
  Create("gone", "last-value");
  std::mutex mu;
  std::string seen;
  auto c = Builder(informers_)
               .For<TestConfigMap>()
               .WithOptions(Options())
               .Build(ReconcilerFunc([&](const Request& req) -> Result<Action> {
                 if (auto last = req.LastKnownState<TestConfigMap>()) {
                   std::lock_guard lock(mu);
                   seen = last->data.value("v", "");
                 }
                 return Action::Done();
               }));
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  Delete("gone");
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return seen == "last-value";
  }));
  StopAll();  // the reconciler refers to this test's locals
}

TEST_F(ControllerTest, WatchesCanBeAddedAndRemovedWhileRunning) {
  Create("target", "1");
  auto c = Builder(informers_).For<TestConfigMap>().WithOptions(Options()).Build(rec_.Make());
  ASSERT_TRUE(c.ok());
  Run(std::move(*c));
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/target") >= 1; }));
  auto secrets = informers_.ForResource(kSecrets);
  ASSERT_TRUE(secrets.ok());
  auto id = controller_->Watch(
      std::make_unique<KindSource<Unstructured>>(*secrets, [](const Unstructured&) {
        return std::vector<ObjectKey>{{"default", "target"}};
      }));
  client::DynamicApi api(client_.get(), kSecrets, "default");
  Unstructured s;
  s.set_api_version("v1");
  s.set_kind("Secret");
  s.set_name("s");
  s.set_namespace("default");
  ASSERT_TRUE(api.Create(s).ok());
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/target") >= 2; }));
  ASSERT_TRUE(controller_->RemoveWatch(id).ok());
  s.set_name("s2");
  ASSERT_TRUE(api.Create(s).ok());
  Create("marker", "1");  // ordered after s2 in the apiserver: its reconcile comes later
  ASSERT_TRUE(Eventually([&] { return rec_.attempts("default/marker") >= 1; }));
  EXPECT_EQ(rec_.attempts("default/target"), 2);
  EXPECT_EQ(controller_->RemoveWatch(id).code(), Code::kNotFound);
}

TEST_F(ControllerTest, ReadYourWritesNeverReturnsAnOlderVersionThanTheLastWrite) {
  Create("cm", "1");
  auto informer = informers_.ForResource(cache::testutil::kConfigMaps, InformerTestBase::Options());
  ASSERT_TRUE(informer.ok());
  informers_.Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return (*informer)->HasSynced(); }, true));
  ReadYourWrites<Unstructured> reader(*informer);
  ASSERT_EQ(reader.Get({"default", "cm"})->GetString({"data", "v"}), "1");

  // Hold the cache back: the watch drops and cannot come back for now.
  server_->InjectFault({.verb = "watch", .http_code = 500, .times = 1000000});
  server_->InjectFault({.verb = "list", .http_code = 500, .times = 1000000});
  server_->CloseWatches("configmaps");
  auto live = cms_.Get("cm");
  live->Set({"data", "v"}, Json("2"));
  auto written = cms_.Update(*live);
  ASSERT_TRUE(written.ok());
  reader.Wrote(*written);
  EXPECT_EQ((*informer)->GetIndexer().Get(ObjectKey{"default", "cm"})->GetString({"data", "v"}),
            "1");  // the cache is stale
  EXPECT_EQ(reader.Get({"default", "cm"})->GetString({"data", "v"}), "2");

  ASSERT_TRUE(cms_.Delete("cm").ok());
  reader.Deleted({"default", "cm"}, written->resource_version());
  EXPECT_EQ(reader.Get({"default", "cm"}), nullptr);

  server_->ClearFaults();  // the cache catches up and the record is dropped
  ASSERT_TRUE(Eventually(
      [&] {
        return (*informer)->GetIndexer().Get(ObjectKey{"default", "cm"}) == nullptr;
      },
      true));
  EXPECT_EQ(reader.Get({"default", "cm"}), nullptr);
  EXPECT_EQ(reader.pending(), 0u);
}

TEST(ResourceVersionTest, DecimalVersionsCompareAsNumbers) {
  EXPECT_TRUE(ResourceVersionOlder("9", "10"));
  EXPECT_FALSE(ResourceVersionOlder("10", "9"));
  EXPECT_FALSE(ResourceVersionOlder("10", "10"));
  EXPECT_TRUE(ResourceVersionOlder("abc", "abd"));  // opaque: differing counts as newer
}

}  // namespace
}  // namespace kube::controller
