#include "kubecpp/cache/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace kube::cache {
namespace {

std::shared_ptr<const Unstructured> Obj(std::string ns, std::string name,
                                        std::map<std::string, std::string> labels = {},
                                        std::vector<std::string> owner_uids = {}) {
  Unstructured u;
  u.set_api_version("v1");
  u.set_kind("ConfigMap");
  if (!ns.empty()) u.set_namespace(ns);
  u.set_name(name);
  if (!labels.empty()) u.set_labels(labels);
  Json owners = Json::array();
  for (const auto& uid : owner_uids) owners.push_back({{"uid", uid}, {"name", "o"}});
  if (!owner_uids.empty()) u.Set({"metadata", "ownerReferences"}, owners);
  return std::make_shared<const Unstructured>(std::move(u));
}

std::vector<std::string> Names(const std::vector<std::shared_ptr<const Unstructured>>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.push_back(o->name());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(MetaNamespaceKey, JoinsNamespaceAndNameOrUsesNameAlone) {
  EXPECT_EQ(MetaNamespaceKey("ns", "a"), "ns/a");
  EXPECT_EQ(MetaNamespaceKey("", "node-1"), "node-1");
  EXPECT_EQ(MetaNamespaceKey(ObjectKey{"x", "y"}), "x/y");
}

TEST(SplitMetaNamespaceKey, SplitsAndRejectsExtraSlashes) {
  EXPECT_EQ(*SplitMetaNamespaceKey("ns/a"), (ObjectKey{"ns", "a"}));
  EXPECT_EQ(*SplitMetaNamespaceKey("node-1"), (ObjectKey{"", "node-1"}));
  EXPECT_EQ(SplitMetaNamespaceKey("a/b/c").status().code(), Code::kBadRequest);
}

TEST(Store, GetReturnsWhatWasAddedAndNullAfterDelete) {
  Indexer<Unstructured> store;
  auto a = Obj("ns", "a");
  store.Add(a);
  EXPECT_EQ(store.Get("ns/a"), a);  // same pointer: no copy
  EXPECT_EQ(store.Get(ObjectKey{"ns", "a"}), a);
  EXPECT_EQ(store.size(), 1u);
  store.Delete("ns/a");
  EXPECT_EQ(store.Get("ns/a"), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

TEST(Store, UpdateReplacesButEarlierSnapshotsStayValid) {
  Indexer<Unstructured> store;
  auto v1 = Obj("ns", "a", {{"v", "1"}});
  store.Add(v1);
  auto held = store.Get("ns/a");
  store.Update(Obj("ns", "a", {{"v", "2"}}));
  EXPECT_EQ(held->labels().at("v"), "1");
  EXPECT_EQ(store.Get("ns/a")->labels().at("v"), "2");
}

TEST(Store, ClusterScopedObjectsAreKeyedByName) {
  Indexer<Unstructured> store;
  store.Add(Obj("", "node-1"));
  EXPECT_NE(store.Get("node-1"), nullptr);
  EXPECT_EQ(store.ListKeys(), std::vector<std::string>{"node-1"});
}

TEST(Store, ListFiltersByLabelSelector) {
  Indexer<Unstructured> store;
  store.Add(Obj("ns", "a", {{"app", "web"}}));
  store.Add(Obj("ns", "b", {{"app", "db"}}));
  store.Add(Obj("other", "c", {{"app", "web"}, {"tier", "x"}}));
  EXPECT_EQ(Names(store.List()), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Names(store.List(*Selector::Parse("app=web"))), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(Names(store.List(*Selector::Parse("app!=web"))), std::vector<std::string>{"b"});
  EXPECT_EQ(Names(store.List("ns", *Selector::Parse("app=web"))), std::vector<std::string>{"a"});
  EXPECT_TRUE(store.List(Selector::Nothing()).empty());
}

TEST(Indexer, NamespaceIndexIsBuiltInAndFollowsUpdatesAndDeletes) {
  Indexer<Unstructured> store;
  store.Add(Obj("ns1", "a"));
  store.Add(Obj("ns1", "b"));
  store.Add(Obj("ns2", "c"));
  store.Add(Obj("", "cluster"));
  EXPECT_EQ(Names(*store.ByIndex(kNamespaceIndex, "ns1")), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Names(*store.ByIndex(kNamespaceIndex, "")), std::vector<std::string>{"cluster"});
  store.Delete("ns1/a");
  EXPECT_EQ(*store.IndexKeys(kNamespaceIndex, "ns1"), std::vector<std::string>{"ns1/b"});
  EXPECT_EQ(*store.ListIndexFuncValues(kNamespaceIndex),
            (std::vector<std::string>{"", "ns1", "ns2"}));
  store.Delete("ns2/c");
  EXPECT_EQ(*store.ListIndexFuncValues(kNamespaceIndex), (std::vector<std::string>{"", "ns1"}));
}

TEST(Indexer, OwnerUidIndexFindsDependentsOfEachOwner) {
  Indexer<Unstructured> store;
  ASSERT_TRUE(
      store.AddIndexers({{std::string(kOwnerUidIndex), OwnerUidIndexFunc<Unstructured>()}}).ok());
  store.Add(Obj("ns", "a", {}, {"u1"}));
  store.Add(Obj("ns", "b", {}, {"u1", "u2"}));
  store.Add(Obj("ns", "c"));
  EXPECT_EQ(Names(*store.ByIndex(kOwnerUidIndex, "u1")), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Names(*store.ByIndex(kOwnerUidIndex, "u2")), std::vector<std::string>{"b"});
  // The owner list changes: the index moves with it.
  store.Update(Obj("ns", "b", {}, {"u2"}));
  EXPECT_EQ(Names(*store.ByIndex(kOwnerUidIndex, "u1")), std::vector<std::string>{"a"});
  EXPECT_TRUE(store.ByIndex(kOwnerUidIndex, "nobody")->empty());
}

TEST(Indexer, AddIndexersIndexesExistingObjectsAndRejectsDuplicates) {
  Indexer<Unstructured> store;
  store.Add(Obj("ns", "a", {{"app", "web"}}));
  IndexFunc<Unstructured> by_app = [](const Unstructured& u) {
    auto labels = u.labels();
    auto it = labels.find("app");
    return it == labels.end() ? std::vector<std::string>{} : std::vector<std::string>{it->second};
  };
  ASSERT_TRUE(store.AddIndexers({{"app", by_app}}).ok());
  EXPECT_EQ(Names(*store.ByIndex("app", "web")), std::vector<std::string>{"a"});
  EXPECT_EQ(store.AddIndexers({{"app", by_app}}).code(), Code::kAlreadyExists);
  EXPECT_EQ(store.AddIndexers({{std::string(kNamespaceIndex), by_app}}).code(),
            Code::kAlreadyExists);
}

TEST(Indexer, ByIndexOnUnknownIndexIsNotFound) {
  Indexer<Unstructured> store;
  EXPECT_EQ(store.ByIndex("nope", "x").status().code(), Code::kNotFound);
  EXPECT_EQ(store.IndexKeys("nope", "x").status().code(), Code::kNotFound);
}

TEST(Store, ReplaceSwapsContentAndIndices) {
  Indexer<Unstructured> store;
  store.Add(Obj("ns1", "old"));
  store.Replace({Obj("ns2", "new1"), Obj("ns2", "new2")});
  EXPECT_EQ(store.Get("ns1/old"), nullptr);
  EXPECT_EQ(Names(*store.ByIndex(kNamespaceIndex, "ns2")),
            (std::vector<std::string>{"new1", "new2"}));
  EXPECT_TRUE(store.ByIndex(kNamespaceIndex, "ns1")->empty());
}

struct Widget {
  ObjectMeta metadata;
  int size = 0;
};

TEST(Store, WorksWithTypedObjectsHavingObjectMeta) {
  Indexer<Widget> store;
  ASSERT_TRUE(store.AddIndexers({{std::string(kOwnerUidIndex), OwnerUidIndexFunc<Widget>()}}).ok());
  auto w = std::make_shared<Widget>();
  w->metadata.namespace_ = "ns";
  w->metadata.name = "w";
  w->metadata.labels = {{"app", "x"}};
  w->metadata.owner_references.push_back(OwnerReference{.name = "o", .uid = "u9"});
  w->size = 3;
  store.Add(w);
  EXPECT_EQ(store.Get("ns/w")->size, 3);
  EXPECT_EQ(store.List(*Selector::Parse("app=x")).size(), 1u);
  EXPECT_EQ(store.ByIndex(kOwnerUidIndex, "u9")->size(), 1u);
}

// Meaningful under ThreadSanitizer: one writer and several readers at once.
TEST(Store, ConcurrentReadersSeeConsistentSnapshotsWhileOneThreadWrites) {
  Indexer<Unstructured> store;
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int64_t> reads{0};
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        for (const auto& o : store.List()) ASSERT_FALSE(o->name().empty());
        auto by_ns = store.ByIndex(kNamespaceIndex, "ns");
        ASSERT_TRUE(by_ns.ok());
        for (const auto& o : *by_ns) ASSERT_EQ(o->namespace_(), "ns");
        if (auto o = store.Get("ns/k7")) {
          ASSERT_EQ(o->name(), "k7");
        }
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    std::string name = "k" + std::to_string(i % 50);
    store.Add(Obj(i % 3 == 0 ? "other" : "ns", name, {{"i", std::to_string(i)}}));
    if (i % 7 == 0) store.Delete("ns/" + name);
    if (i % 500 == 0) store.Replace({Obj("ns", "k7")});
  }
  while (reads.load() < 10) std::this_thread::yield();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace kube::cache
