// The namespace controller against the in-process fake apiserver running as
// kube-apiserver does (builtin_namespace_deletion = false): scenario C70 of
// docs/k8s-semantics.md, the deletion conditions, graceful pods, custom resources.
#include "controllers/namespace/namespace_controller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::controllers::namespace_ {
namespace {

using client::DynamicApi;
using client::ResourceRef;

const ResourceRef kNamespaces{{"", "v1", "namespaces"}, "Namespace", false};
const ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
const ResourceRef kPods{{"", "v1", "pods"}, "Pod", true};
const ResourceRef kSecrets{{"", "v1", "secrets"}, "Secret", true};
const ResourceRef kCrds{
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, "CustomResourceDefinition", false};
const ResourceRef kWidgets{{"example.com", "v1", "widgets"}, "Widget", true};

Unstructured Object(Json json) { return *Unstructured::FromJson(std::move(json)); }

Json ConfigMapJson(const std::string& name, Json finalizers = Json::array()) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
  if (!finalizers.empty()) cm["metadata"]["finalizers"] = std::move(finalizers);
  return cm;
}

Json PodJson(const std::string& name, const std::string& node = "") {
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

class NamespaceControllerTest : public ::testing::Test {
 protected:
  static testing::FakeApiServerOptions ApiOptions(Clock* clock) {
    testing::FakeApiServerOptions options;
    options.clock = clock;
    options.builtin_namespace_deletion = false;
    return options;
  }

  void SetUp() override {
    auto controller =
        NewController(controller_client_.get(), informers_, {.workers = 2, .clock = &clock_});
    ASSERT_TRUE(controller.ok()) << controller.error();
    controller_ = std::move(*controller);
    informers_.Start(stop_.get_token());
    runner_ = std::thread([this] { (void)controller_->Run(stop_.get_token()); });
  }
  void TearDown() override {
    stop_.request_stop();
    if (runner_.joinable()) runner_.join();
  }

  // Polls `done`; steps the controller's clock by a second each round so requeues
  // after an estimate come due.
  bool WaitFor(const std::function<bool()>& done, bool step_clock = false) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      if (step_clock) clock_.Step(std::chrono::seconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  void CreateNamespace(const std::string& name) {
    ASSERT_TRUE(
        DynamicApi(client_.get(), kNamespaces)
            .Create(Object(
                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}}))
            .ok());
  }
  Result<Unstructured> Create(const ResourceRef& ref, Json object, const std::string& ns) {
    return DynamicApi(client_.get(), ref, ns).Create(Object(std::move(object)));
  }
  Result<Unstructured> GetNamespace(const std::string& name) {
    return DynamicApi(client_.get(), kNamespaces).Get(name);
  }
  bool NamespaceGone(const std::string& name) {
    auto ns = GetNamespace(name);
    return !ns.ok() && IsNotFound(ns.error());
  }
  // The condition of `type` on namespace `name`, or an empty object.
  Json ConditionOf(const std::string& name, const std::string& type) {
    auto ns = GetNamespace(name);
    if (!ns.ok()) return Json::object();
    const Json* conditions = ns->Get({"status", "conditions"});
    if (conditions == nullptr || !conditions->is_array()) return Json::object();
    for (const Json& c : *conditions) {
      if (c.is_object() && c.value("type", "") == type) return c;
    }
    return Json::object();
  }

  // One clock for the apiserver's timestamps and the controller's estimates.
  testing::FakeClock clock_;
  testing::FakeApiServer apiserver_{ApiOptions(&clock_)};
  std::unique_ptr<client::Client> client_ = apiserver_.NewClient();
  std::unique_ptr<client::Client> controller_client_ = apiserver_.NewClient();
  cache::InformerFactory informers_{controller_client_.get()};
  std::unique_ptr<controller::Controller> controller_;
  std::stop_source stop_;
  std::thread runner_;
};

TEST_F(NamespaceControllerTest, C70DeletionEmptiesTheNamespaceThenRemovesIt) {
  CreateNamespace("team");
  ASSERT_TRUE(Create(kConfigMaps, ConfigMapJson("held", {"example.com/hold"}), "team").ok());
  ASSERT_TRUE(Create(kConfigMaps, ConfigMapJson("plain"), "team").ok());
  ASSERT_TRUE(Create(kPods, PodJson("unscheduled"), "team").ok());
  ASSERT_TRUE(Create(kSecrets,
                     {{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", {{"name", "token"}}},
                      {"stringData", {{"k", "v"}}}},
                     "team")
                  .ok());

  ASSERT_TRUE(DynamicApi(client_.get(), kNamespaces).Delete("team").ok());
  EXPECT_EQ(GetNamespace("team")->GetString({"status", "phase"}), "Terminating");
  // Creates are refused while it terminates.
  auto refused = Create(kConfigMaps, ConfigMapJson("late"), "team");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Code::kForbidden);
  ASSERT_FALSE(refused.error().details().causes.empty());
  EXPECT_EQ(refused.error().details().causes[0].reason, "NamespaceTerminating");

  // Everything without a finalizer goes; the held ConfigMap stays and is reported.
  ASSERT_TRUE(WaitFor([&] {
    return ConditionOf("team", "NamespaceFinalizersRemaining").value("status", "") == "True";
  }));
  auto left = DynamicApi(client_.get(), kConfigMaps, "team").List();
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->items.size(), 1u);
  EXPECT_EQ(left->items[0].name(), "held");
  EXPECT_TRUE(DynamicApi(client_.get(), kPods, "team").List()->items.empty());
  EXPECT_TRUE(DynamicApi(client_.get(), kSecrets, "team").List()->items.empty());
  auto ns = GetNamespace("team");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(*ns->Get({"spec", "finalizers"}), Json::array({"kubernetes"}));

  // Releasing the finalizer lets the next pass finalize the namespace.
  ASSERT_TRUE(DynamicApi(client_.get(), kConfigMaps, "team")
                  .Patch("held", client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
                  .ok());
  EXPECT_TRUE(WaitFor([&] { return NamespaceGone("team"); }, /*step_clock=*/true));
}

TEST_F(NamespaceControllerTest, ConditionsReportWhatRemainsAndWhy) {
  CreateNamespace("busy");
  ASSERT_TRUE(Create(kConfigMaps, ConfigMapJson("a", {"example.com/hold"}), "busy").ok());
  ASSERT_TRUE(
      Create(kConfigMaps, ConfigMapJson("b", {"example.com/hold", "example.com/other"}), "busy")
          .ok());
  ASSERT_TRUE(DynamicApi(client_.get(), kNamespaces).Delete("busy").ok());
  ASSERT_TRUE(WaitFor([&] {
    return ConditionOf("busy", "NamespaceContentRemaining").value("status", "") == "True";
  }));
  struct Want {
    const char* type;
    const char* status;
    const char* reason;
    const char* message;
  };
  const Want wants[] = {
      {"NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
       "All resources successfully discovered"},
      {"NamespaceDeletionGVParsingFailure", "False", "ParsedGroupVersions",
       "All legacy kube types successfully parsed"},
      {"NamespaceDeletionContentFailure", "False", "ContentDeleted",
       "All content successfully deleted, may be waiting on finalization"},
      {"NamespaceContentRemaining", "True", "SomeResourcesRemain",
       "Some resources are remaining: configmaps. has 2 resource instances"},
      {"NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
       "Some content in the namespace has finalizers remaining: example.com/hold in 2 resource "
       "instances, example.com/other in 1 resource instances"},
  };
  for (const Want& want : wants) {
    Json c = ConditionOf("busy", want.type);
    ASSERT_FALSE(c.empty()) << want.type;
    EXPECT_EQ(c.value("status", ""), want.status) << want.type;
    EXPECT_EQ(c.value("reason", ""), want.reason) << want.type;
    EXPECT_EQ(c.value("message", ""), want.message) << want.type;
    EXPECT_FALSE(c.value("lastTransitionTime", "").empty()) << want.type;
  }
  EXPECT_EQ(GetNamespace("busy")->GetString({"status", "phase"}), "Terminating");
  for (const char* name : {"a", "b"}) {
    ASSERT_TRUE(DynamicApi(client_.get(), kConfigMaps, "busy")
                    .Patch(name, client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
                    .ok());
  }
  EXPECT_TRUE(WaitFor([&] { return NamespaceGone("busy"); }, /*step_clock=*/true));
}

TEST_F(NamespaceControllerTest, GracefullyTerminatingPodsAreWaitedFor) {
  CreateNamespace("pods");
  ASSERT_TRUE(Create(kPods, PodJson("scheduled", "node-1"), "pods").ok());
  ASSERT_TRUE(DynamicApi(client_.get(), kNamespaces).Delete("pods").ok());
  // The pod gets its 30 s grace period (no kubelet here to finish it).
  ASSERT_TRUE(WaitFor([&] {
    auto pod = DynamicApi(client_.get(), kPods, "pods").Get("scheduled");
    return pod.ok() && pod->Get({"metadata", "deletionTimestamp"}) != nullptr &&
           ConditionOf("pods", "NamespaceContentRemaining").value("status", "") == "True";
  }));
  EXPECT_EQ(ConditionOf("pods", "NamespaceContentRemaining").value("message", ""),
            "Some resources are remaining: pods. has 1 resource instances");
  EXPECT_EQ(ConditionOf("pods", "NamespaceFinalizersRemaining").value("status", ""), "False");
  EXPECT_FALSE(NamespaceGone("pods"));
  // The kubelet's final delete.
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(DynamicApi(client_.get(), kPods, "pods").Delete("scheduled", now).ok());
  EXPECT_TRUE(WaitFor([&] { return NamespaceGone("pods"); }, /*step_clock=*/true));
}

TEST_F(NamespaceControllerTest, CustomResourcesInTheNamespaceAreDeleted) {
  Json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  ASSERT_TRUE(
      Create(kCrds,
             {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "widgets.example.com"}}},
              {"spec",
               {{"group", "example.com"},
                {"scope", "Namespaced"},
                {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}}},
                {"versions",
                 {{{"name", "v1"},
                   {"served", true},
                   {"storage", true},
                   {"schema", {{"openAPIV3Schema", schema}}}}}}}}},
             "")
          .ok());
  CreateNamespace("custom");
  ASSERT_TRUE(Create(kWidgets,
                     {{"apiVersion", "example.com/v1"},
                      {"kind", "Widget"},
                      {"metadata", {{"name", "w"}, {"finalizers", {"example.com/hold"}}}}},
                     "custom")
                  .ok());
  ASSERT_TRUE(DynamicApi(client_.get(), kNamespaces).Delete("custom").ok());
  ASSERT_TRUE(WaitFor([&] {
    return ConditionOf("custom", "NamespaceContentRemaining").value("message", "") ==
           "Some resources are remaining: widgets.example.com has 1 resource instances";
  }));
  ASSERT_TRUE(DynamicApi(client_.get(), kWidgets, "custom")
                  .Patch("w", client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
                  .ok());
  EXPECT_TRUE(WaitFor([&] { return NamespaceGone("custom"); }, /*step_clock=*/true));
}

TEST_F(NamespaceControllerTest, ActiveNamespacesAreLeftAlone) {
  CreateNamespace("keep");
  ASSERT_TRUE(Create(kConfigMaps, ConfigMapJson("stay"), "keep").ok());
  // A deletion elsewhere completes, so the controller has looked at both.
  CreateNamespace("drop");
  ASSERT_TRUE(DynamicApi(client_.get(), kNamespaces).Delete("drop").ok());
  ASSERT_TRUE(WaitFor([&] { return NamespaceGone("drop"); }));
  auto ns = GetNamespace("keep");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->GetString({"status", "phase"}), "Active");
  EXPECT_EQ(ns->Get({"status", "conditions"}), nullptr);
  EXPECT_TRUE(DynamicApi(client_.get(), kConfigMaps, "keep").Get("stay").ok());
}

TEST(NamespaceControllerManager, RunsInAManagerAndFinalizesDeletedNamespaces) {
  testing::FakeApiServerOptions api_options;
  api_options.builtin_namespace_deletion = false;
  testing::FakeApiServer apiserver(api_options);
  metrics::Registry registry;
  manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &registry;
  auto mgr = manager::Manager::New(apiserver.NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.error();
  ASSERT_TRUE(SetupWithManager(**mgr, {.workers = 2}).ok());
  std::stop_source stop;
  std::thread runner([&] { (void)(*mgr)->Start(stop.get_token()); });

  auto client = apiserver.NewClient();
  DynamicApi namespaces(client.get(), kNamespaces);
  ASSERT_TRUE(
      namespaces
          .Create(Object(
              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "gone"}}}}))
          .ok());
  ASSERT_TRUE(
      DynamicApi(client.get(), kConfigMaps, "gone").Create(Object(ConfigMapJson("x"))).ok());
  ASSERT_TRUE(namespaces.Delete("gone").ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    auto ns = namespaces.Get("gone");
    gone = !ns.ok() && IsNotFound(ns.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(gone);
  stop.request_stop();
  runner.join();
}

TEST(UpdateDeletionConditions, TransitionTimeChangesOnlyWhenTheStatusFlips) {
  Json ns = {{"status", {{"phase", "Terminating"}}}};
  ContentTotals remaining;
  remaining.remaining_by_resource["configmaps."] = 1;
  EXPECT_TRUE(UpdateDeletionConditions(&ns, "", remaining, "2024-01-01T00:00:00Z"));
  ASSERT_EQ(ns["status"]["conditions"].size(), 5u);
  // Same input: nothing to write.
  EXPECT_FALSE(UpdateDeletionConditions(&ns, "", remaining, "2024-01-01T00:01:00Z"));
  // Message change only: time kept.
  remaining.remaining_by_resource["configmaps."] = 2;
  EXPECT_TRUE(UpdateDeletionConditions(&ns, "", remaining, "2024-01-01T00:02:00Z"));
  const Json& content = ns["status"]["conditions"][3];
  EXPECT_EQ(content["type"], "NamespaceContentRemaining");
  EXPECT_EQ(content["message"],
            "Some resources are remaining: configmaps. has 2 resource instances");
  EXPECT_EQ(content["lastTransitionTime"], "2024-01-01T00:00:00Z");
  // Status flip: time moves.
  EXPECT_TRUE(UpdateDeletionConditions(&ns, "", ContentTotals{}, "2024-01-01T00:03:00Z"));
  EXPECT_EQ(ns["status"]["conditions"][3]["status"], "False");
  EXPECT_EQ(ns["status"]["conditions"][3]["reason"], "ContentRemoved");
  EXPECT_EQ(ns["status"]["conditions"][3]["lastTransitionTime"], "2024-01-01T00:03:00Z");
}

TEST(UpdateDeletionConditions, FailuresUseUpstreamReasons) {
  Json ns = Json::object();
  ContentTotals totals;
  totals.errors = {"b failed", "a failed"};
  EXPECT_TRUE(UpdateDeletionConditions(&ns, "connection refused", totals, "2024-01-01T00:00:00Z"));
  const Json& conditions = ns["status"]["conditions"];
  EXPECT_EQ(conditions[0]["type"], "NamespaceDeletionDiscoveryFailure");
  EXPECT_EQ(conditions[0]["status"], "True");
  EXPECT_EQ(conditions[0]["reason"], "DiscoveryFailed");
  EXPECT_EQ(conditions[0]["message"], "connection refused");
  EXPECT_EQ(conditions[2]["type"], "NamespaceDeletionContentFailure");
  EXPECT_EQ(conditions[2]["reason"], "ContentDeletionFailed");
  EXPECT_EQ(conditions[2]["message"],
            "Failed to delete all resource types, 2 remaining: a failed, b failed");
}

}  // namespace
}  // namespace kube::controllers::namespace_
