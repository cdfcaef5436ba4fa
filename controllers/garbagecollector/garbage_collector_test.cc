// The garbage collector against the in-process fake apiserver: the cascades of
// docs/k8s-semantics.md C63-C69 (with hand-made Deployment -> ReplicaSet -> Pod
// ownerReference chains, no workload controllers), cycles, virtual owners, custom
// resources and the B5.5 invariants.
#include "controllers/garbagecollector/garbage_collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace kube::controllers::garbagecollector {
namespace {

using client::DeleteOptions;
using client::DynamicApi;
using client::PropagationPolicy;
using client::ResourceRef;

const ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};
const ResourceRef kReplicaSets{{"apps", "v1", "replicasets"}, "ReplicaSet", true};
const ResourceRef kPods{{"", "v1", "pods"}, "Pod", true};
const ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
const ResourceRef kNamespaces{{"", "v1", "namespaces"}, "Namespace", false};
const ResourceRef kCrds{
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, "CustomResourceDefinition", false};
const ResourceRef kWidgets{{"example.com", "v1", "widgets"}, "Widget", true};

constexpr auto kWait = std::chrono::seconds(30);

// Polls `done` until it holds or `timeout` passes (real time: the collector works on
// its own threads).
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

Json OwnerRef(const Unstructured& owner, bool block = true, bool controller = true) {
  Json ref = {{"apiVersion", owner.api_version()},
              {"kind", owner.kind()},
              {"name", owner.name()},
              {"uid", owner.uid()}};
  if (controller) ref["controller"] = true;
  if (block) ref["blockOwnerDeletion"] = true;
  return ref;
}

Json Labels(const std::string& app) { return {{"app", app}}; }

Json PodTemplate(const std::string& app) {
  return {{"metadata", {{"labels", Labels(app)}}},
          {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.25"}}}}}}};
}

Json DeploymentJson(const std::string& name) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", Labels(name)}}},
            {"template", PodTemplate(name)}}}};
}

Json ReplicaSetJson(const std::string& name, const std::string& app, Json owners) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}, {"ownerReferences", std::move(owners)}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", Labels(app)}}},
            {"template", PodTemplate(app)}}}};
}

Json PodJson(const std::string& name, Json owners = Json::array(),
             Json finalizers = Json::array()) {
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", Labels("web")}}},
              {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.25"}}}}}}};
  if (!owners.empty()) pod["metadata"]["ownerReferences"] = std::move(owners);
  if (!finalizers.empty()) pod["metadata"]["finalizers"] = std::move(finalizers);
  return pod;
}

Json ConfigMapJson(const std::string& name, Json owners = Json::array()) {
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", name}}},
             {"data", {{"k", "v"}}}};
  if (!owners.empty()) cm["metadata"]["ownerReferences"] = std::move(owners);
  return cm;
}

Json WidgetCrd() {
  Json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "widgets.example.com"}}},
          {"spec",
           {{"group", "example.com"},
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
               {"schema", {{"openAPIV3Schema", schema}}}}}}}}};
}

DeleteOptions WithPolicy(PropagationPolicy policy) {
  DeleteOptions options;
  options.propagation_policy = policy;
  return options;
}

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_.request_stop();
    if (runner_.joinable()) runner_.join();
  }

  void StartGc(Options options = {}) {
    options.workers = 2;
    gc_ = std::make_unique<GarbageCollector>(gc_client_.get(), std::move(options));
    runner_ = std::thread([this] { (void)gc_->Run(stop_.get_token()); });
    ASSERT_TRUE(WaitFor([&] { return gc_->IsSynced(); })) << "garbage collector never synced";
  }

  Unstructured Create(const ResourceRef& ref, Json object, const std::string& ns = "default") {
    auto parsed = Unstructured::FromJson(std::move(object));
    EXPECT_TRUE(parsed.ok());
    DynamicApi api(client_.get(), ref, ns);
    auto created = api.Create(*parsed);
    EXPECT_TRUE(created.ok()) << created.error();
    return created.ok() ? *created : Unstructured();
  }
  Result<Unstructured> Get(const ResourceRef& ref, const std::string& name,
                           const std::string& ns = "default") {
    return DynamicApi(client_.get(), ref, ns).Get(name);
  }
  bool Gone(const ResourceRef& ref, const std::string& name, const std::string& ns = "default") {
    auto got = Get(ref, name, ns);
    return !got.ok() && IsNotFound(got.error());
  }
  bool Exists(const ResourceRef& ref, const std::string& name, const std::string& ns = "default") {
    return Get(ref, name, ns).ok();
  }
  Status Delete(const ResourceRef& ref, const std::string& name, DeleteOptions options = {},
                const std::string& ns = "default") {
    return DynamicApi(client_.get(), ref, ns).Delete(name, options);
  }
  void RemoveFinalizers(const ResourceRef& ref, const std::string& name) {
    auto patched =
        DynamicApi(client_.get(), ref, "default")
            .Patch(name, client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})");
    ASSERT_TRUE(patched.ok()) << patched.error();
  }
  // Creates a pod whose only owner does not exist and waits for the collector to
  // delete it: everything queued before it has been looked at by then.
  void Barrier() {
    static int n = 0;
    const std::string name = "barrier-" + std::to_string(++n);
    Json ref = {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"name", "never-existed"},
                {"uid", "00000000-dead-beef-0000-" + std::to_string(n)}};
    Create(kPods, PodJson(name, Json::array({ref})));
    ASSERT_TRUE(WaitFor([&] { return Gone(kPods, name); })) << "barrier pod never collected";
  }
  // The collector acts on what its informers have shown (as upstream's does): tests
  // that delete an owner right after creating dependents first wait for the graph.
  void WaitForDependents(const Unstructured& owner, size_t n) {
    ASSERT_TRUE(WaitFor([&] { return gc_->graph().Dependents(owner.uid()).size() == n; }))
        << "the graph never saw " << n << " dependents of " << owner.name();
  }
  static bool HasFinalizer(const Unstructured& object, const std::string& finalizer) {
    const Json* list = object.Get({"metadata", "finalizers"});
    if (list == nullptr || !list->is_array()) return false;
    for (const Json& f : *list) {
      if (f == finalizer) return true;
    }
    return false;
  }
  static bool Terminating(const Result<Unstructured>& object) {
    return object.ok() && object->Get({"metadata", "deletionTimestamp"}) != nullptr;
  }

  // Deployment "web" -> ReplicaSet "web-1" -> Pods "web-1-a", "web-1-b" (all owner
  // references controller and blockOwnerDeletion, as the workload controllers write
  // them). `hold` adds the finalizer example.com/hold to pod "web-1-a".
  void CreateChain(bool hold = false) {
    deployment_ = Create(kDeployments, DeploymentJson("web"));
    replica_set_ = Create(kReplicaSets, ReplicaSetJson("web-1", "web", {OwnerRef(deployment_)}));
    Create(kPods, PodJson("web-1-a", {OwnerRef(replica_set_)},
                          hold ? Json::array({"example.com/hold"}) : Json::array()));
    Create(kPods, PodJson("web-1-b", {OwnerRef(replica_set_)}));
    WaitForDependents(deployment_, 1);
    WaitForDependents(replica_set_, 2);
  }

  testing::FakeApiServer apiserver_;
  std::unique_ptr<client::Client> client_ = apiserver_.NewClient();
  std::unique_ptr<client::Client> gc_client_ = apiserver_.NewClient();
  std::unique_ptr<GarbageCollector> gc_;
  std::stop_source stop_;
  std::thread runner_;
  Unstructured deployment_;
  Unstructured replica_set_;
};

TEST_F(GarbageCollectorTest, C63BackgroundCascadeRemovesReplicaSetsAndPodsAfterTheOwner) {
  StartGc();
  CreateChain();
  ASSERT_TRUE(Delete(kDeployments, "web").ok());
  EXPECT_TRUE(Gone(kDeployments, "web"));  // the owner goes at once
  EXPECT_TRUE(WaitFor([&] {
    return Gone(kReplicaSets, "web-1") && Gone(kPods, "web-1-a") && Gone(kPods, "web-1-b");
  }));
}

TEST_F(GarbageCollectorTest, C64ForegroundCascadeKeepsTheOwnerUntilDependentsAreGone) {
  StartGc();
  CreateChain(/*hold=*/true);
  ASSERT_TRUE(Delete(kDeployments, "web", WithPolicy(PropagationPolicy::kForeground)).ok());
  // The unheld pod goes; the RS is deleted in the foreground too and waits for the
  // held pod; the Deployment waits for the RS.
  ASSERT_TRUE(
      WaitFor([&] { return Gone(kPods, "web-1-b") && Terminating(Get(kPods, "web-1-a")); }));
  auto rs = Get(kReplicaSets, "web-1");
  ASSERT_TRUE(Terminating(rs));
  EXPECT_TRUE(HasFinalizer(*rs, "foregroundDeletion"));
  auto deployment = Get(kDeployments, "web");
  ASSERT_TRUE(Terminating(deployment));
  EXPECT_TRUE(HasFinalizer(*deployment, "foregroundDeletion"));

  RemoveFinalizers(kPods, "web-1-a");
  EXPECT_TRUE(WaitFor([&] {
    return Gone(kPods, "web-1-a") && Gone(kReplicaSets, "web-1") && Gone(kDeployments, "web");
  }));
}

TEST_F(GarbageCollectorTest, C65OrphanCascadeLeavesReplicaSetsWithoutTheOwnerReference) {
  StartGc();
  CreateChain();
  ASSERT_TRUE(Delete(kDeployments, "web", WithPolicy(PropagationPolicy::kOrphan)).ok());
  ASSERT_TRUE(WaitFor([&] { return Gone(kDeployments, "web"); }));
  auto rs = Get(kReplicaSets, "web-1");
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->Get({"metadata", "ownerReferences"}), nullptr) << rs->ToString();
  EXPECT_FALSE(Terminating(rs));
  EXPECT_EQ(*rs->Get({"spec", "replicas"}), 2);
  for (const char* pod : {"web-1-a", "web-1-b"}) {
    auto p = Get(kPods, pod);
    ASSERT_TRUE(p.ok()) << pod;
    EXPECT_EQ((*p->Get({"metadata", "ownerReferences"}))[0]["uid"], replica_set_.uid());
  }
  Barrier();
  EXPECT_TRUE(Exists(kReplicaSets, "web-1"));
}

TEST_F(GarbageCollectorTest, C67PodWithAMissingOwnerUidIsDeleted) {
  StartGc();
  Unstructured cm = Create(kConfigMaps, ConfigMapJson("settings"));
  Json wrong_uid = OwnerRef(cm, false, false);
  wrong_uid["uid"] = "11111111-2222-3333-4444-555555555555";
  Create(kPods, PodJson("stray", {wrong_uid}));
  Create(kPods, PodJson("owned", {OwnerRef(cm, false, false)}));
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "stray"); }));
  Barrier();
  EXPECT_TRUE(Exists(kPods, "owned"));

  ASSERT_TRUE(Delete(kConfigMaps, "settings").ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "owned"); }));
}

TEST_F(GarbageCollectorTest, C68OwnerInAnotherNamespaceIsTreatedAsDangling) {
  StartGc();
  Create(kNamespaces,
         {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}}, "");
  Unstructured cm = Create(kConfigMaps, ConfigMapJson("shared"), "other");
  Create(kPods, PodJson("cross", {OwnerRef(cm, false, false)}));
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "cross"); }));
  EXPECT_TRUE(Exists(kConfigMaps, "shared", "other"));
}

TEST_F(GarbageCollectorTest, C69OnlyBlockingDependentsHoldAForegroundDeletion) {
  StartGc();
  Unstructured owner = Create(kConfigMaps, ConfigMapJson("owner"));
  Create(kPods, PodJson("d1", {OwnerRef(owner, /*block=*/true)}, {"example.com/hold"}));
  Create(kPods, PodJson("d2", {OwnerRef(owner, /*block=*/false)}));
  WaitForDependents(owner, 2);
  ASSERT_TRUE(Delete(kConfigMaps, "owner", WithPolicy(PropagationPolicy::kForeground)).ok());
  ASSERT_TRUE(WaitFor([&] { return Gone(kPods, "d2") && Terminating(Get(kPods, "d1")); }));
  Barrier();
  auto held = Get(kConfigMaps, "owner");
  ASSERT_TRUE(Terminating(held));
  EXPECT_TRUE(HasFinalizer(*held, "foregroundDeletion"));

  RemoveFinalizers(kPods, "d1");
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "d1") && Gone(kConfigMaps, "owner"); }));
}

TEST_F(GarbageCollectorTest, NonBlockingDependentsDoNotHoldTheOwner) {
  StartGc();
  Unstructured owner = Create(kConfigMaps, ConfigMapJson("owner"));
  Create(kPods, PodJson("loose", {OwnerRef(owner, /*block=*/false)}, {"example.com/hold"}));
  WaitForDependents(owner, 1);
  ASSERT_TRUE(Delete(kConfigMaps, "owner", WithPolicy(PropagationPolicy::kForeground)).ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kConfigMaps, "owner"); }));
  EXPECT_TRUE(WaitFor([&] { return Terminating(Get(kPods, "loose")); }));
  RemoveFinalizers(kPods, "loose");
}

TEST_F(GarbageCollectorTest, ADependentWithOneLiveOwnerLosesOnlyItsDanglingReferences) {
  StartGc();
  Unstructured live = Create(kConfigMaps, ConfigMapJson("live"));
  Json dangling = {{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"name", "gone"},
                   {"uid", "99999999-0000-0000-0000-000000000000"}};
  Create(kPods, PodJson("shared", {OwnerRef(live, false, false), dangling}));
  ASSERT_TRUE(WaitFor([&] {
    auto pod = Get(kPods, "shared");
    return pod.ok() && pod->Get({"metadata", "ownerReferences"})->size() == 1;
  }));
  auto pod = Get(kPods, "shared");
  EXPECT_EQ((*pod->Get({"metadata", "ownerReferences"}))[0]["uid"], live.uid());
  EXPECT_FALSE(Terminating(pod));
}

TEST_F(GarbageCollectorTest, ObjectsWithoutOwnersAreNeverCollected) {
  StartGc();
  Create(kConfigMaps, ConfigMapJson("lonely"));
  Create(kPods, PodJson("solo"));
  Barrier();
  EXPECT_TRUE(Exists(kConfigMaps, "lonely"));
  EXPECT_TRUE(Exists(kPods, "solo"));
}

TEST_F(GarbageCollectorTest, OtherFinalizersAreNeverTouchedAndKeepTheObject) {
  StartGc();
  Json ref = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"name", "missing"},
              {"uid", "12345678-0000-0000-0000-000000000000"}};
  Create(kPods, PodJson("kept", {ref}, {"example.com/hold"}));
  ASSERT_TRUE(WaitFor([&] { return Terminating(Get(kPods, "kept")); }));
  Barrier();
  auto pod = Get(kPods, "kept");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(*pod->Get({"metadata", "finalizers"}), Json::array({"example.com/hold"}));
  RemoveFinalizers(kPods, "kept");
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "kept"); }));
}

TEST_F(GarbageCollectorTest, ForegroundDeletionOfAnOwnershipCycleCompletes) {
  StartGc();
  Unstructured a = Create(kConfigMaps, ConfigMapJson("a"));
  Unstructured b = Create(kConfigMaps, ConfigMapJson("b", {OwnerRef(a)}));
  auto patched = DynamicApi(client_.get(), kConfigMaps, "default")
                     .Patch("a", client::PatchType::kMerge,
                            Json{{"metadata", {{"ownerReferences", {OwnerRef(b)}}}}}.dump());
  ASSERT_TRUE(patched.ok()) << patched.error();
  WaitForDependents(a, 1);
  ASSERT_TRUE(WaitFor([&] {
    auto node = gc_->graph().GetNode(a.uid());
    return node && node->owners.size() == 1;
  }));
  ASSERT_TRUE(Delete(kConfigMaps, "a", WithPolicy(PropagationPolicy::kForeground)).ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kConfigMaps, "a") && Gone(kConfigMaps, "b"); }));
}

TEST_F(GarbageCollectorTest, AnUnobservedOwnerIsRecheckedUntilItDisappears) {
  // ConfigMaps are not monitored here, so the owner stays a virtual node that only
  // the delete queue's rechecks can find gone.
  Options options;
  options.ignored_resources = DefaultIgnoredResources();
  options.ignored_resources.insert({"", "configmaps"});
  StartGc(options);
  Unstructured cm = Create(kConfigMaps, ConfigMapJson("unwatched"));
  Create(kPods, PodJson("follower", {OwnerRef(cm, false, false)}));
  ASSERT_TRUE(WaitFor([&] { return gc_->graph().GetNode(cm.uid()).has_value(); }));
  EXPECT_TRUE(gc_->graph().IsVirtual(cm.uid()));
  Barrier();
  EXPECT_TRUE(Exists(kPods, "follower"));
  ASSERT_TRUE(Delete(kConfigMaps, "unwatched").ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kPods, "follower"); }));
}

TEST_F(GarbageCollectorTest, ClusterScopedDependentOfANamespacedOwnerIsLeftAlone) {
  StartGc();
  Json ref = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"name", "nowhere"},
              {"uid", "abcdef00-0000-0000-0000-000000000000"}};
  Create(kNamespaces,
         {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", "owned-ns"}, {"ownerReferences", {ref}}}}},
         "");
  Barrier();
  auto ns = Get(kNamespaces, "owned-ns", "");
  ASSERT_TRUE(ns.ok());
  EXPECT_FALSE(Terminating(ns));
}

TEST_F(GarbageCollectorTest, CustomResourcesCreatedAfterStartAreCollected) {
  StartGc();
  Create(kCrds, WidgetCrd(), "");
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& ref : gc_->MonitoredResources()) {
      if (ref.gvr == kWidgets.gvr) return true;
    }
    return false;
  })) << "the Widget resource was never monitored";
  // A custom resource owning a built-in object, and the reverse.
  Unstructured widget =
      Create(kWidgets,
             {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w"}}}});
  Create(kConfigMaps, ConfigMapJson("widget-config", {OwnerRef(widget)}));
  WaitForDependents(widget, 1);
  Unstructured cm = Create(kConfigMaps, ConfigMapJson("parent"));
  Create(kWidgets, {{"apiVersion", "example.com/v1"},
                    {"kind", "Widget"},
                    {"metadata", {{"name", "child"}, {"ownerReferences", {OwnerRef(cm)}}}}});

  ASSERT_TRUE(Delete(kWidgets, "w", WithPolicy(PropagationPolicy::kForeground)).ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kConfigMaps, "widget-config") && Gone(kWidgets, "w"); }));
  ASSERT_TRUE(Delete(kConfigMaps, "parent").ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(kWidgets, "child"); }));
}

TEST_F(GarbageCollectorTest, OrphanedCustomResourceDependentsSurvive) {
  StartGc();
  Create(kCrds, WidgetCrd(), "");
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& ref : gc_->MonitoredResources()) {
      if (ref.gvr == kWidgets.gvr) return true;
    }
    return false;
  }));
  Unstructured cm = Create(kConfigMaps, ConfigMapJson("parent"));
  Create(kWidgets, {{"apiVersion", "example.com/v1"},
                    {"kind", "Widget"},
                    {"metadata", {{"name", "kept"}, {"ownerReferences", {OwnerRef(cm)}}}}});
  WaitForDependents(cm, 1);
  ASSERT_TRUE(Delete(kConfigMaps, "parent", WithPolicy(PropagationPolicy::kOrphan)).ok());
  ASSERT_TRUE(WaitFor([&] { return Gone(kConfigMaps, "parent"); }));
  auto widget = Get(kWidgets, "kept");
  ASSERT_TRUE(widget.ok());
  EXPECT_EQ(widget->Get({"metadata", "ownerReferences"}), nullptr);
}

TEST_F(GarbageCollectorTest, RunTwiceIsRejected) {
  StartGc();
  Status second = gc_->Run(stop_.get_token());
  EXPECT_EQ(second.code(), Code::kInvalid);
}

TEST(GarbageCollectorManager, RunsInAManagerAndCollectsDependents) {
  testing::FakeApiServer apiserver;
  metrics::Registry registry;
  manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &registry;
  auto mgr = manager::Manager::New(apiserver.NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.error();
  Options gc_options;
  gc_options.workers = 2;
  ASSERT_TRUE(SetupWithManager(**mgr, gc_options).ok());
  std::stop_source stop;
  std::thread runner([&] { (void)(*mgr)->Start(stop.get_token()); });

  auto client = apiserver.NewClient();
  DynamicApi configmaps(client.get(), kConfigMaps, "default");
  auto owner = configmaps.Create(*Unstructured::FromJson(ConfigMapJson("owner")));
  ASSERT_TRUE(owner.ok());
  ASSERT_TRUE(
      configmaps.Create(*Unstructured::FromJson(ConfigMapJson("dependent", {OwnerRef(*owner)})))
          .ok());
  ASSERT_TRUE(configmaps.Delete("owner").ok());
  EXPECT_TRUE(WaitFor([&] {
    auto got = configmaps.Get("dependent");
    return !got.ok() && IsNotFound(got.error());
  }));
  stop.request_stop();
  runner.join();
}

}  // namespace
}  // namespace kube::controllers::garbagecollector
