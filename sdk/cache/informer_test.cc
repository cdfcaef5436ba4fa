#include "kubecpp/cache/informer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <latch>
#include <thread>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/cache/internal/informer_test_util.h"

namespace kube::cache {
namespace {

using ::testing::HasSubstr;
using testutil::kConfigMaps;
using testutil::Recorder;

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

class InformerTest : public testutil::InformerTestBase {};

TEST_F(InformerTest, HandlersSeeEventsInOrderAndASlowHandlerDoesNotBlockTheCache) {
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  std::latch release(1);
  std::vector<std::string> seen;
  std::mutex mu;
  informer->AddEventHandler({.on_add = [&](const auto& o, bool) {
    release.wait();  // the first call blocks until the cache has everything
    std::lock_guard lock(mu);
    seen.push_back(o->name());
  }});
  StartAndSync(*informer);
  std::vector<std::string> want;
  for (int i = 0; i < 30; ++i) {
    want.push_back("cm-" + std::to_string(i));
    Create(want.back(), "1");
  }
  ASSERT_TRUE(Eventually([&] { return informer->GetIndexer().size() == 30; }));
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(seen.empty());
  }
  release.count_down();
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 30;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, want);
}

TEST_F(InformerTest, HandlerAddedAfterSyncGetsSyntheticAddsThenLiveEvents) {
  Create("a", "1");
  Create("b", "1");
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  StartAndSync(*informer);
  HandlerRegistration reg = informer->AddEventHandler(rec.Funcs());
  ASSERT_TRUE(Eventually([&] { return reg.HasSynced(); }));
  Create("c", "1");
  ASSERT_TRUE(Eventually([&] { return rec.size() == 3; }));
  std::vector<std::string> events = rec.events();
  std::sort(events.begin(), events.begin() + 2);
  EXPECT_EQ(events, (std::vector<std::string>{"add* a", "add* b", "add c"}));
}

TEST_F(InformerTest, RemovedHandlerIsNotCalledAgain) {
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  Recorder removed, kept;
  HandlerRegistration reg = informer->AddEventHandler(removed.Funcs());
  informer->AddEventHandler(kept.Funcs());
  StartAndSync(*informer);
  Create("a", "1");
  ASSERT_TRUE(Eventually([&] { return removed.size() == 1 && kept.size() == 1; }));
  reg.Remove();
  reg.Remove();  // idempotent
  EXPECT_FALSE(reg.HasSynced());
  Create("b", "1");
  ASSERT_TRUE(Eventually([&] { return kept.size() == 2; }));
  EXPECT_EQ(removed.size(), 1u);
}

TEST_F(InformerTest, ResyncRedeliversEveryObjectAsAnUpdateWithOldEqualNew) {
  Create("a", "1");
  Create("b", "1");
  InformerOptions options = Options();
  options.resync_period = std::chrono::seconds(30);
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  informer->AddEventHandler(rec.Funcs());
  informer->Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return rec.size() == 2; }));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));  // the resync timer
  clock_.Step(std::chrono::seconds(30));
  ASSERT_TRUE(Eventually([&] { return rec.size() == 4; }));
  std::vector<std::string> events = rec.events();
  std::sort(events.begin() + 2, events.end());
  EXPECT_EQ(events[2], "update a (resync)");
  EXPECT_EQ(events[3], "update b (resync)");
}

TEST_F(InformerTest, DefaultTransformDropsManagedFieldsAndMetadataOnlyKeepsOnlyMetadata) {
  Create("a", "1");
  auto raw = cms_.Get("a");
  ASSERT_TRUE(raw.ok());
  ASSERT_NE(raw->Get({"metadata", "managedFields"}), nullptr) << "the fake should track fields";

  auto full = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  StartAndSync(*full);
  auto a = full->GetIndexer().Get("default/a");
  EXPECT_EQ(a->Get({"metadata", "managedFields"}), nullptr);
  EXPECT_EQ(a->GetString({"data", "v"}), "1");

  InformerOptions options = Options();
  options.transform = MetadataOnlyTransform();
  auto meta = NewDynamicInformer(client_.get(), kConfigMaps, options);
  StartAndSync(*meta);
  auto m = meta->GetIndexer().Get("default/a");
  EXPECT_EQ(m->Get({"data"}), nullptr);
  EXPECT_EQ(m->Get({"metadata", "managedFields"}), nullptr);
  EXPECT_EQ(m->kind(), "ConfigMap");
  EXPECT_EQ(m->name(), "a");
  EXPECT_FALSE(m->resource_version().empty());
}

TEST_F(InformerTest, LabelSelectorScopesTheCacheAndAnObjectLeavingItIsDeleted) {
  Create("web", "1", "default", {{"app", "web"}});
  Create("db", "1", "default", {{"app", "db"}});
  InformerOptions options = Options();
  options.label_selector = "app=web";
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  informer->AddEventHandler(rec.Funcs());
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().ListKeys(), std::vector<std::string>{"default/web"});
  auto cm = cms_.Get("web");
  ASSERT_TRUE(cm.ok());
  cm->set_labels({{"app", "other"}});
  ASSERT_TRUE(cms_.Update(*cm).ok());
  ASSERT_TRUE(Eventually([&] { return informer->GetIndexer().size() == 0; }));
  ASSERT_TRUE(Eventually([&] { return rec.size() == 2; }));
  EXPECT_EQ(rec.events()[1], "delete web 1");
}

TEST_F(InformerTest, NamespaceScopedInformerSeesOnlyItsNamespace) {
  Unstructured ns;
  ns.set_api_version("v1");
  ns.set_kind("Namespace");
  ns.set_name("team");
  ASSERT_TRUE(client::DynamicApi(client_.get(), {{"", "v1", "namespaces"}, "Namespace", false})
                  .Create(ns)
                  .ok());
  Create("a", "1", "default");
  Create("b", "1", "team");
  InformerOptions options = Options();
  options.namespace_ = "team";
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().ListKeys(), std::vector<std::string>{"team/b"});
  EXPECT_EQ(informer->description(), "configmaps (namespace team)");
}

TEST_F(InformerTest, TypedInformerDecodesObjects) {
  Create("a", "1");
  auto informer = NewInformer<TestConfigMap>(client_.get(), Options());
  std::atomic<int> adds{0};
  informer->AddEventHandler({.on_add = [&](const auto& o, bool) {
    if (o->metadata.name == "a") ++adds;
  }});
  ASSERT_TRUE(informer
                  ->AddIndexers({{"v",
                                  [](const TestConfigMap& c) {
                                    return std::vector<std::string>{
                                        c.data.value("v", std::string())};
                                  }}})
                  .ok());
  StartAndSync(*informer);
  std::shared_ptr<const TestConfigMap> a = informer->GetIndexer().Get("default/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->data.value("v", ""), "1");
  EXPECT_TRUE(a->metadata.managed_fields.empty());
  EXPECT_EQ(informer->GetIndexer().ByIndex("v", "1")->size(), 1u);
  ASSERT_TRUE(Eventually([&] { return adds.load() == 1; }));
}

TEST_F(InformerTest, WaitForSyncReportsAnInformerNeverStarted) {
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  auto wait = std::async(std::launch::async,
                         [&] { return informer->WaitForSync({}, std::chrono::seconds(5)); });
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(std::chrono::seconds(5));
  Status s = wait.get();
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_THAT(s.message(), HasSubstr("configmaps (all namespaces) did not sync within 5000 ms: "
                                     "the informer was never started"));
}

TEST_F(InformerTest, WaitForSyncIsCancelledByStop) {
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  std::stop_source stop;
  auto wait = std::async(std::launch::async, [&] {
    return informer->WaitForSync(stop.get_token(), std::chrono::hours(1));
  });
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  stop.request_stop();
  EXPECT_EQ(wait.get().code(), Code::kCancelled);
}

TEST_F(InformerTest, FactorySharesOneInformerPerWatch) {
  Create("a", "1");
  InformerFactory factory(client_.get());
  auto first = factory.For<TestConfigMap>(Options());
  auto second = factory.For<TestConfigMap>(Options());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  auto dyn1 = factory.ForResource(kConfigMaps, Options());
  auto dyn2 = factory.ForResource(kConfigMaps, Options());
  ASSERT_TRUE(dyn1.ok() && dyn2.ok());
  EXPECT_EQ(dyn1->get(), dyn2->get());
  InformerOptions scoped = Options();
  scoped.namespace_ = "default";
  auto other = factory.For<TestConfigMap>(scoped);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), first->get());
  EXPECT_EQ(factory.size(), 3u);

  factory.Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return (*first)->HasSynced() && (*dyn1)->HasSynced(); }, true));
  EXPECT_TRUE(factory.WaitForCacheSync({}, std::chrono::seconds(10)).ok());
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 3);  // one per distinct watch
  // An informer asked for after Start is started at once.
  InformerOptions labelled = Options();
  labelled.label_selector = "x=y";
  auto late = factory.ForResource(kConfigMaps, labelled);
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(Eventually([&] { return (*late)->HasSynced(); }, true));
}

TEST_F(InformerTest, FactoryRefusesASecondCacheWithAnotherTransform) {
  InformerFactory factory(client_.get());
  ASSERT_TRUE(factory.ForResource(kConfigMaps, Options()).ok());
  InformerOptions meta = Options();
  meta.transform = MetadataOnlyTransform();
  auto refused = factory.ForResource(kConfigMaps, meta);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kAlreadyExists);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("configmaps (all namespaces) is already cached with transform "
                        "\"strip-managed-fields\"; refusing to build a second cache of it with "
                        "transform \"metadata-only\""));
  EXPECT_EQ(factory.size(), 1u);
}

TEST_F(InformerTest, FactoryWaitForCacheSyncNamesTheStuckInformer) {
  Create("a", "1");
  server_->InjectFault({.verb = "list", .resource = "secrets", .http_code = 403, .times = 1000});
  InformerFactory factory(client_.get());
  auto cms = factory.ForResource(kConfigMaps, Options());
  auto secrets = factory.ForResource(testutil::kSecrets, Options());
  ASSERT_TRUE(cms.ok() && secrets.ok());
  factory.Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return (*cms)->HasSynced() && !(*secrets)->LastError().ok(); }));
  auto wait = std::async(std::launch::async,
                         [&] { return factory.WaitForCacheSync({}, std::chrono::seconds(2)); });
  ASSERT_TRUE(clock_.BlockUntilSleepers(2));
  clock_.Step(std::chrono::seconds(3));
  Status s = wait.get();
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_THAT(s.message(), HasSubstr("1 of 2 informers not synced: informer of secrets "
                                     "(all namespaces) did not sync"));
  EXPECT_THAT(s.message(), HasSubstr("Forbidden"));
}

// Meaningful under ThreadSanitizer: writers hit the apiserver while readers query
// the cache, a handler runs and handlers come and go.
TEST_F(InformerTest, ConcurrentWritersReadersAndHandlersConverge) {
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  std::atomic<int> calls{0};
  informer->AddEventHandler({.on_update = [&](const auto&, const auto&) { ++calls; }});
  StartAndSync(*informer);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      client::DynamicApi api(client_.get(), kConfigMaps, "default");
      for (int i = 0; i < 40; ++i) {
        std::string name = "w" + std::to_string(w) + "-" + std::to_string(i % 10);
        auto got = api.Get(name);
        if (got.ok()) {
          got->Set({"data", "v"}, Json(std::to_string(i)));
          (void)api.Update(*got);
        } else {
          (void)api.Create(ConfigMap(name, std::to_string(i)));
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!done.load()) {
      for (const auto& o : informer->GetIndexer().List()) ASSERT_FALSE(o->name().empty());
      (void)informer->GetIndexer().ByIndex(kNamespaceIndex, "default");
    }
  });
  threads.emplace_back([&] {
    while (!done.load()) {
      Recorder r;
      HandlerRegistration reg = informer->AddEventHandler(r.Funcs());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      reg.Remove();
    }
  });
  threads[0].join();
  threads[1].join();
  auto list = cms_.List();
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(Eventually([&] {
    if (informer->GetIndexer().size() != list->items.size()) return false;
    for (const auto& item : list->items) {
      auto cached = informer->GetIndexer().Get("default/" + item.name());
      if (!cached || cached->resource_version() != item.resource_version()) return false;
    }
    return true;
  }));
  done = true;
  threads[2].join();
  threads[3].join();
  EXPECT_GT(calls.load(), 0);
}

}  // namespace
}  // namespace kube::cache
