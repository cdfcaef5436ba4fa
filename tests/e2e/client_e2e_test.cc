// The SDK's client against a real kube-apiserver and etcd (kube::testing::EnvTest):
// CRUD, paging, watch and resume, 410 after compaction, server-side apply conflicts,
// status and scale subresources, delete propagation and a CRD.
//
// One EnvTest serves the whole suite; each test works in a namespace of its own. No
// controllers run, so Deployments never get pods, namespaces never finish deleting
// and the garbage collector never removes deletion finalizers. Every test is skipped
// when scripts/build-envtest.sh has not built the binaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e_cluster.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/testing/envtest.h"

namespace kube::e2e {
namespace {

using client::DynamicApi;
using client::EventType;
using client::ListOptions;
using client::PatchType;
using client::ResourceRef;
using client::WatchEvent;

Unstructured NewConfigMap(const std::string& name, Json data = Json::object()) {
  return Object({{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", name}}},
                 {"data", std::move(data)}});
}

TEST_F(ClientE2E, ConfigMapCreateGetUpdatePatchDelete) {
  DynamicApi cms = Api(kConfigMaps);
  auto created = cms.Create(NewConfigMap("app", {{"color", "red"}}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->namespace_(), ns_);
  EXPECT_FALSE(created->uid().empty());
  EXPECT_FALSE(created->resource_version().empty());

  auto again = cms.Create(NewConfigMap("app"));
  EXPECT_TRUE(IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(again.status().http_code(), 409);

  auto got = cms.Get("app");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->GetString({"data", "color"}), "red");

  // Update with the current resourceVersion succeeds; with the old one it conflicts.
  Unstructured changed = *got;
  changed.Set({"data", "color"}, "blue");
  auto updated = cms.Update(changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(updated->resource_version(), got->resource_version());
  auto stale = cms.Update(changed);
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status();

  auto merged = cms.Patch("app", PatchType::kMerge, R"({"data":{"size":"xl"}})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->GetString({"data", "color"}), "blue");
  EXPECT_EQ(merged->GetString({"data", "size"}), "xl");
  auto json_patched =
      cms.Patch("app", PatchType::kJson, R"([{"op":"remove","path":"/data/color"}])");
  ASSERT_TRUE(json_patched.ok()) << json_patched.status();
  EXPECT_EQ(json_patched->Get({"data", "color"}), nullptr);
  auto failed_test =
      cms.Patch("app", PatchType::kJson, R"([{"op":"test","path":"/data/size","value":"s"}])");
  EXPECT_FALSE(failed_test.ok());

  ASSERT_TRUE(cms.Delete("app").ok());
  EXPECT_TRUE(IsNotFound(cms.Get("app").status()));
  EXPECT_TRUE(IsNotFound(cms.Delete("app")));
}

TEST_F(ClientE2E, ListPagesWithLimitAndContinue) {
  DynamicApi cms = Api(kConfigMaps);
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(cms.Create(NewConfigMap("cm-" + std::to_string(i))).ok());
  }
  // One page by hand: the continue token and the count of what is left.
  auto first = client_->Call("GET", "/api/v1/namespaces/" + ns_ + "/configmaps?limit=3");
  ASSERT_TRUE(first.ok()) << first.status();
  auto page = ParseJson(*first);
  ASSERT_TRUE(page.ok());
  const Json& meta = (*page)["metadata"];
  ASSERT_TRUE(meta.contains("continue"));
  // No controller publishes kube-root-ca.crt here: the namespace holds just the 7.
  EXPECT_EQ(meta.value("remainingItemCount", int64_t{-1}), 4);
  EXPECT_EQ((*page)["items"].size(), 3u);

  // The next page through DynamicApi, from that token.
  std::string token = meta["continue"].get<std::string>();
  auto second = cms.List(ListOptions{.limit = 3, .continue_ = token});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->items.size(), 3u);
  EXPECT_FALSE(second->metadata.continue_.empty());

  // With a limit and no token, List follows every page.
  auto all = cms.List(ListOptions{.limit = 2});
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> names;
  for (const auto& item : all->items) names.push_back(item.name());
  for (int i = 0; i < 7; ++i) {
    EXPECT_NE(std::find(names.begin(), names.end(), "cm-" + std::to_string(i)), names.end());
  }
  EXPECT_TRUE(all->metadata.continue_.empty());
}

// Collects the events of a watch until `count` arrived (then stops it).
std::vector<WatchEvent> WatchEvents(DynamicApi& api, ListOptions options, size_t count,
                                    Status* status) {
  std::vector<WatchEvent> events;
  options.timeout_seconds = 60;
  *status = api.Watch(options, [&](WatchEvent&& e) {
    if (e.type == EventType::kBookmark) return true;
    events.push_back(std::move(e));
    return events.size() < count;
  });
  return events;
}

TEST_F(ClientE2E, WatchReplaysFromAResourceVersionAndResumes) {
  DynamicApi cms = Api(kConfigMaps);
  auto start = cms.List();
  ASSERT_TRUE(start.ok()) << start.status();
  const std::string rv0 = start->metadata.resource_version;
  ASSERT_TRUE(cms.Create(NewConfigMap("w", {{"n", "1"}})).ok());
  ASSERT_TRUE(cms.Patch("w", PatchType::kMerge, R"({"data":{"n":"2"}})").ok());
  ASSERT_TRUE(cms.Delete("w").ok());

  Status status;
  auto events = WatchEvents(cms, ListOptions{.resource_version = rv0}, 3, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(events[1].type, EventType::kModified);
  EXPECT_EQ(events[1].object.GetString({"data", "n"}), "2");
  EXPECT_EQ(events[2].type, EventType::kDeleted);
  for (const auto& e : events) EXPECT_EQ(e.object.name(), "w");

  // Resuming from the MODIFIED event's resourceVersion gives only what followed.
  auto resumed = WatchEvents(
      cms, ListOptions{.resource_version = events[1].object.resource_version()}, 1, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].type, EventType::kDeleted);
  EXPECT_EQ(resumed[0].object.resource_version(), events[2].object.resource_version());
}

TEST_F(ClientE2E, LiveWatchSeesWritesMadeAfterItStarted) {
  DynamicApi cms = Api(kConfigMaps);
  auto start = cms.List();
  ASSERT_TRUE(start.ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<WatchEvent> events;
  Status watch_status;
  std::atomic<bool> done{false};
  std::jthread watcher([&](std::stop_token stop) {
    DynamicApi api = Api(kConfigMaps);
    watch_status = api.Watch(
        ListOptions{.resource_version = start->metadata.resource_version,
                    .timeout_seconds = 60,
                    .allow_watch_bookmarks = true},
        [&](WatchEvent&& e) {
          std::lock_guard lock(mu);
          if (e.type != EventType::kBookmark) events.push_back(std::move(e));
          cv.notify_all();
          return events.size() < 2;
        },
        stop);
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  });
  ASSERT_TRUE(cms.Create(NewConfigMap("live-1")).ok());
  ASSERT_TRUE(cms.Create(NewConfigMap("live-2")).ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return events.size() >= 2 || done; }));
    ASSERT_EQ(events.size(), 2u) << watch_status;
    EXPECT_EQ(events[0].object.name(), "live-1");
    EXPECT_EQ(events[1].object.name(), "live-2");
  }
  watcher.join();
  EXPECT_TRUE(watch_status.ok()) << watch_status;
}

TEST_F(ClientE2E, TooOldResourceVersionIsGoneAfterCompaction) {
  DynamicApi cms = Api(kConfigMaps);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(cms.Create(NewConfigMap("old-" + std::to_string(i))).ok());
  }
  auto before = cms.List();
  ASSERT_TRUE(before.ok());
  const std::string old_rv = before->metadata.resource_version;
  auto first = client_->Call("GET", "/api/v1/namespaces/" + ns_ + "/configmaps?limit=2");
  ASSERT_TRUE(first.ok()) << first.status();
  auto page = ParseJson(*first);
  ASSERT_TRUE(page.ok());
  const std::string token = (*page)["metadata"].value("continue", "");
  ASSERT_FALSE(token.empty());

  // Newer writes, then compaction past them: the old revision is gone from etcd.
  ASSERT_TRUE(cms.Create(NewConfigMap("new")).ok());
  auto revision = SharedCluster()->env->CompactEtcd();
  ASSERT_TRUE(revision.ok()) << revision.status();

  auto exact = cms.List(ListOptions{.resource_version = old_rv, .resource_version_match = "Exact"});
  EXPECT_TRUE(IsGone(exact.status())) << exact.status();
  EXPECT_EQ(exact.status().http_code(), 410);
  EXPECT_EQ(exact.status().reason(), "Expired");

  auto next = cms.List(ListOptions{.limit = 2, .continue_ = token});
  EXPECT_TRUE(IsGone(next.status())) << next.status();
  EXPECT_EQ(next.status().reason(), "Expired");

  // Watches are served by the apiserver's watch cache, which keeps its own window of
  // events (at least 75 s): a compacted revision inside it still replays...
  Status status;
  auto replayed = WatchEvents(cms, ListOptions{.resource_version = old_rv}, 1, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].object.name(), "new");
  // ...and one older than the window ends with an ERROR event carrying 410 Expired
  // ("too old resource version: 1 (N)").
  auto events = WatchEvents(cms, ListOptions{.resource_version = "1"}, 1, &status);
  EXPECT_TRUE(IsGone(status)) << status;
  EXPECT_TRUE(events.empty());

  // Paged lists still work: a fresh list does not depend on old revisions.
  auto fresh = cms.List(ListOptions{.limit = 2});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_GE(fresh->items.size(), 5u);
}

TEST_F(ClientE2E, ServerSideApplyConflictNamesTheOtherManager) {
  DynamicApi cms = Api(kConfigMaps);
  Unstructured alice = NewConfigMap("shared", {{"owner", "alice"}});
  alice.set_namespace(ns_);
  auto applied = cms.Apply(alice, "alice");
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->GetString({"data", "owner"}), "alice");

  Unstructured bob = NewConfigMap("shared", {{"owner", "bob"}});
  bob.set_namespace(ns_);
  const Status conflict = cms.Apply(bob, "bob").status();
  ASSERT_TRUE(IsConflict(conflict)) << conflict;
  EXPECT_EQ(conflict.http_code(), 409);
  EXPECT_NE(conflict.message().find("alice"), std::string::npos) << conflict;
  ASSERT_EQ(conflict.details().causes.size(), 1u) << conflict;
  const StatusCause& cause = conflict.details().causes[0];
  EXPECT_EQ(cause.reason, "FieldManagerConflict");
  EXPECT_EQ(cause.field, ".data.owner");
  EXPECT_NE(cause.message.find("\"alice\""), std::string::npos) << cause.message;

  // Same value: shared ownership, no conflict. Force: bob takes the field.
  Unstructured agree = NewConfigMap("shared", {{"owner", "alice"}});
  agree.set_namespace(ns_);
  EXPECT_TRUE(cms.Apply(agree, "carol").ok());
  auto forced = cms.Apply(bob, "bob", /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(forced->GetString({"data", "owner"}), "bob");
  std::vector<std::string> managers;
  if (const Json* fields = forced->Get({"metadata", "managedFields"}); fields != nullptr) {
    for (const auto& entry : *fields) managers.push_back(entry.value("manager", ""));
  }
  EXPECT_NE(std::find(managers.begin(), managers.end(), "bob"), managers.end());
}

Unstructured NewDeployment(const std::string& name, int replicas) {
  const Json labels = {{"app", name}};
  Json container = {{"name", "c"}, {"image", "nginx:1.27"}};
  Json pod_spec = {{"containers", Json::array({container})}};
  Json template_ = {{"metadata", {{"labels", labels}}}, {"spec", pod_spec}};
  Json spec = {
      {"replicas", replicas}, {"selector", {{"matchLabels", labels}}}, {"template", template_}};
  return Object({{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata", {{"name", name}}},
                 {"spec", spec}});
}

TEST_F(ClientE2E, DeploymentStatusAndScaleSubresources) {
  DynamicApi deployments = Api(kDeployments);
  auto created = deployments.Create(NewDeployment("web", 1));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->Get({"status", "replicas"}), nullptr);  // no controller ran

  // Status writes go through /status only; the main resource ignores them.
  Unstructured with_status = *created;
  with_status.Set({"status"}, {{"replicas", 1}, {"readyReplicas", 1}, {"observedGeneration", 1}});
  auto status_written = deployments.UpdateStatus(with_status);
  ASSERT_TRUE(status_written.ok()) << status_written.status();
  EXPECT_EQ(status_written->Get({"status", "readyReplicas"})->get<int>(), 1);
  Unstructured sneaky = *status_written;
  sneaky.Set({"status", "readyReplicas"}, 7);
  auto main_update = deployments.Update(sneaky);
  ASSERT_TRUE(main_update.ok()) << main_update.status();
  EXPECT_EQ(main_update->Get({"status", "readyReplicas"})->get<int>(), 1);
  // Only spec changes bump the generation.
  EXPECT_EQ(main_update->generation(), 1);

  // Scale: autoscaling/v1 Scale view of spec.replicas, status.replicas and the selector.
  auto scale_text = client_->Call("GET", client::ResourcePath(kDeployments, ns_, "web", "scale"));
  ASSERT_TRUE(scale_text.ok()) << scale_text.status();
  auto scale = Unstructured::Parse(*scale_text);
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ(scale->api_version(), "autoscaling/v1");
  EXPECT_EQ(scale->kind(), "Scale");
  EXPECT_EQ(scale->Get({"spec", "replicas"})->get<int>(), 1);
  EXPECT_EQ(scale->Get({"status", "replicas"})->get<int>(), 1);
  EXPECT_EQ(scale->GetString({"status", "selector"}), "app=web");

  auto scaled =
      deployments.Patch("web", PatchType::kMerge, R"({"spec":{"replicas":4}})", {}, "scale");
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_EQ(scaled->kind(), "Scale");
  EXPECT_EQ(scaled->Get({"spec", "replicas"})->get<int>(), 4);
  auto after = deployments.Get("web");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->Get({"spec", "replicas"})->get<int>(), 4);
  EXPECT_EQ(after->generation(), 2);
  EXPECT_EQ(after->Get({"status", "replicas"})->get<int>(), 1);  // nobody reconciled

  auto invalid =
      deployments.Patch("web", PatchType::kMerge, R"({"spec":{"replicas":-1}})", {}, "scale");
  EXPECT_TRUE(IsInvalid(invalid.status())) << invalid.status();
}

TEST_F(ClientE2E, DeletePropagationPolicyDecidesTheDeletionFinalizer) {
  DynamicApi cms = Api(kConfigMaps);
  struct Case {
    std::string name;
    client::PropagationPolicy policy;
    std::string finalizer;  // "" when the object is removed at once
  };
  const std::vector<Case> cases = {
      {"background", client::PropagationPolicy::kBackground, ""},
      {"default", client::PropagationPolicy::kDefault, ""},
      {"foreground", client::PropagationPolicy::kForeground, "foregroundDeletion"},
      {"orphan", client::PropagationPolicy::kOrphan, "orphan"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(cms.Create(NewConfigMap(c.name)).ok());
    ASSERT_TRUE(cms.Delete(c.name, client::DeleteOptions{.propagation_policy = c.policy}).ok());
    auto got = cms.Get(c.name);
    if (c.finalizer.empty()) {
      EXPECT_TRUE(IsNotFound(got.status())) << got.status();
      continue;
    }
    // No garbage collector runs, so the object waits with the finalizer set.
    ASSERT_TRUE(got.ok()) << got.status();
    auto meta = got->metadata();
    ASSERT_TRUE(meta.ok());
    EXPECT_TRUE(meta->IsBeingDeleted());
    EXPECT_EQ(meta->finalizers, std::vector<std::string>{c.finalizer});
    // Removing the finalizer (the garbage collector's job) completes the deletion.
    ASSERT_TRUE(cms.Patch(c.name, PatchType::kMerge, R"({"metadata":{"finalizers":null}})").ok());
    EXPECT_TRUE(IsNotFound(cms.Get(c.name).status()));
  }
}

TEST_F(ClientE2E, CrdIsServedThroughDynamicApiOnceEstablished) {
  const std::string group = "e2e.kubecpp.dev";
  Json schema = {
      {"type", "object"},
      {"properties",
       {{"spec",
         {{"type", "object"}, {"properties", {{"size", {{"type", "integer"}, {"minimum", 1}}}}}}},
        {"status", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  Unstructured crd = Object({{"apiVersion", "apiextensions.k8s.io/v1"},
                             {"kind", "CustomResourceDefinition"},
                             {"metadata", {{"name", "widgets." + group}}},
                             {"spec",
                              {{"group", group},
                               {"scope", "Namespaced"},
                               {"names",
                                {{"plural", "widgets"},
                                 {"singular", "widget"},
                                 {"kind", "Widget"},
                                 {"listKind", "WidgetList"}}},
                               {"versions",
                                {{{"name", "v1"},
                                  {"served", true},
                                  {"storage", true},
                                  {"schema", {{"openAPIV3Schema", schema}}},
                                  {"subresources", {{"status", Json::object()}}}}}}}}});
  DynamicApi crds(client_, kCrds);
  auto created = crds.Create(crd);
  ASSERT_TRUE(created.ok()) << created.status();

  auto established = [&] {
    auto got = crds.Get("widgets." + group);
    if (!got) return false;
    const Json* conditions = got->Get({"status", "conditions"});
    if (conditions == nullptr || !conditions->is_array()) return false;
    for (const auto& c : *conditions) {
      if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
    }
    return false;
  };
  ASSERT_TRUE(Eventually(established)) << "CRD not Established";

  const ResourceRef widgets{{group, "v1", "widgets"}, "Widget", true};
  DynamicApi api = Api(widgets);
  Unstructured widget = Object({{"apiVersion", group + "/v1"},
                                {"kind", "Widget"},
                                {"metadata", {{"name", "w1"}}},
                                {"spec", {{"size", 3}}}});
  // Established means the handler serves; allow a moment in case it lags on a loaded
  // machine.
  Result<Unstructured> made = NotFoundError("not tried");
  ASSERT_TRUE(Eventually([&] {
    made = api.Create(widget);
    return !IsNotFound(made.status());
  }));
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->Get({"spec", "size"})->get<int>(), 3);

  // The schema is enforced, status is a subresource, and discovery finds the kind.
  Unstructured bad = widget;
  bad.set_name("w2");
  bad.Set({"spec", "size"}, 0);
  auto rejected = api.Create(bad);
  EXPECT_TRUE(IsInvalid(rejected.status())) << rejected.status();
  Unstructured with_status = *made;
  with_status.Set({"status"}, {{"phase", "Ready"}});
  auto ignored = api.Update(with_status);
  ASSERT_TRUE(ignored.ok()) << ignored.status();
  EXPECT_EQ(ignored->Get({"status"}), nullptr);
  Unstructured ready = *ignored;
  ready.Set({"status"}, {{"phase", "Ready"}});
  auto status_set = api.UpdateStatus(ready);
  ASSERT_TRUE(status_set.ok()) << status_set.status();
  EXPECT_EQ(status_set->GetString({"status", "phase"}), "Ready");

  // Discovery is refreshed asynchronously; the mapper rediscovers on a miss.
  client::RESTMapper mapper(client_);
  Result<ResourceRef> mapped = NotFoundError("not tried");
  ASSERT_TRUE(Eventually([&] {
    mapped = mapper.ResourceFor(GroupVersionKind{group, "v1", "Widget"});
    return mapped.ok();
  })) << mapped.status();
  EXPECT_EQ(mapped->gvr.resource, "widgets");
  EXPECT_TRUE(mapped->namespaced);
  auto listed = api.List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->kind, "WidgetList");
}

TEST_F(ClientE2E, DiscoveryReportsVersionAndBuiltInResources) {
  auto version = client::GetServerVersion(*client_);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(version->git_version.rfind("v1.33.", 0), 0u) << version->git_version;
  auto resources = client::DiscoverResources(*client_);
  ASSERT_TRUE(resources.ok()) << resources.status();
  auto has = [&](const std::string& group, const std::string& plural, bool namespaced) {
    return std::any_of(resources->begin(), resources->end(), [&](const auto& r) {
      return r.ref.gvr.group == group && r.ref.gvr.resource == plural &&
             r.ref.namespaced == namespaced;
    });
  };
  EXPECT_TRUE(has("", "configmaps", true));
  EXPECT_TRUE(has("apps", "deployments", true));
  EXPECT_TRUE(has("", "namespaces", false));
  EXPECT_TRUE(has("apiextensions.k8s.io", "customresourcedefinitions", false));
}

}  // namespace
}  // namespace kube::e2e
