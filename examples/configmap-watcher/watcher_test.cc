// How to test a controller with kubecpp: run it in a manager on the in-process fake
// apiserver and assert on what it writes.
#include "watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace watcher {
namespace {

const kube::client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
const kube::client::ResourceRef kEvents{{"", "v1", "events"}, "Event", true};

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kube::manager::ManagerOptions options;
    options.metrics_bind_address = "0";     // no ports in unit tests
    options.metrics_registry = &registry_;  // metrics of this test only
    auto mgr = kube::manager::Manager::New(apiserver_.NewClient(), options);
    ASSERT_TRUE(mgr.ok()) << mgr.status();
    mgr_ = std::move(*mgr);
    ASSERT_TRUE(SetupWithManager(*mgr_).ok());
    runner_ = std::thread([this] { (void)mgr_->Start(stop_.get_token()); });
  }
  void TearDown() override {
    stop_.request_stop();
    if (runner_.joinable()) runner_.join();
  }

  kube::Unstructured ConfigMap(const std::string& name, bool watched, const std::string& color) {
    auto cm = kube::Unstructured::Parse(R"({"apiVersion":"v1","kind":"ConfigMap"})");
    cm->set_name(name);
    cm->set_namespace("default");
    if (watched) cm->set_labels({{kWatchLabel, "true"}});
    cm->Set({"data", "color"}, kube::Json(color));
    return *cm;
  }
  // The hash annotation once it differs from `previous` ("" after 10 s).
  std::string HashOf(const std::string& name, const std::string& previous = "") {
    for (int i = 0; i < 1000; ++i) {
      if (auto cm = api_.Get(name); cm) {
        std::string hash = cm->annotations()[kHashAnnotation];
        if (!hash.empty() && hash != previous) return hash;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return "";
  }

  kube::testing::FakeApiServer apiserver_;
  std::unique_ptr<kube::client::Client> user_ = apiserver_.NewClient();
  kube::client::DynamicApi api_{user_.get(), kConfigMaps, "default"};
  kube::metrics::Registry registry_;
  std::unique_ptr<kube::manager::Manager> mgr_;
  std::stop_source stop_;
  std::thread runner_;
};

TEST_F(WatcherTest, AnnotatesWatchedConfigMapsWithTheirContentHash) {
  ASSERT_TRUE(api_.Create(ConfigMap("settings", true, "blue")).ok());
  const std::string hash = HashOf("settings");
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash, ContentHash(*api_.Get("settings")));

  auto live = api_.Get("settings");
  live->Set({"data", "color"}, kube::Json("green"));
  ASSERT_TRUE(api_.Update(*live).ok());
  const std::string changed = HashOf("settings", hash);
  ASSERT_FALSE(changed.empty());
  EXPECT_NE(changed, hash);
}

TEST_F(WatcherTest, LeavesUnlabelledConfigMapsAlone) {
  ASSERT_TRUE(api_.Create(ConfigMap("ignored", false, "blue")).ok());
  ASSERT_TRUE(api_.Create(ConfigMap("watched", true, "blue")).ok());
  ASSERT_FALSE(HashOf("watched").empty());  // the controller has run
  EXPECT_TRUE(api_.Get("ignored")->annotations().empty());
}

TEST_F(WatcherTest, RecordsAnEventWhenTheHashChanges) {
  ASSERT_TRUE(api_.Create(ConfigMap("settings", true, "blue")).ok());
  ASSERT_FALSE(HashOf("settings").empty());
  kube::client::DynamicApi events(user_.get(), kEvents, "default");
  bool found = false;
  for (int i = 0; i < 1000 && !found; ++i) {
    auto list = events.List();
    for (const auto& e : list ? list->items : std::vector<kube::Unstructured>{}) {
      found |= e.GetString({"reason"}) == "HashUpdated" &&
               e.GetString({"involvedObject", "name"}) == "settings";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(found);
}

TEST(ContentHashTest, DependsOnTheDataOnly) {
  auto a = kube::Unstructured::Parse(R"({"metadata":{"name":"a"},"data":{"k":"v"}})");
  auto b = kube::Unstructured::Parse(R"({"metadata":{"name":"b"},"data":{"k":"v"}})");
  auto c = kube::Unstructured::Parse(R"({"metadata":{"name":"a"},"data":{"k":"w"}})");
  EXPECT_EQ(ContentHash(*a), ContentHash(*b));
  EXPECT_NE(ContentHash(*a), ContentHash(*c));
  EXPECT_EQ(ContentHash(*a).size(), 16u);
}

}  // namespace
}  // namespace watcher
