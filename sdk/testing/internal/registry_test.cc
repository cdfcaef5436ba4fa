// Expected values come from what a v1.33 kube-apiserver serves in discovery
// (kubectl api-resources -o wide) and docs/k8s-semantics.md section A2.
#include "kubecpp/testing/internal/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kube::testing::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct BuiltinCase {
  std::string group;
  std::string plural;
  std::string kind;
  std::string singular;
  std::vector<std::string> short_names;
  bool namespaced;
  bool has_status;
  bool has_scale;
  bool all_category;
};

class BuiltinResourceTest : public ::testing::TestWithParam<BuiltinCase> {};

TEST_P(BuiltinResourceTest, MatchesUpstreamDiscovery) {
  const BuiltinCase& c = GetParam();
  Registry registry;
  const ResourceInfo* r = registry.FindByGroupResource(c.group, c.plural);
  ASSERT_NE(r, nullptr) << c.plural;
  EXPECT_EQ(r->kind, c.kind);
  EXPECT_EQ(r->singular, c.singular);
  EXPECT_EQ(r->short_names, c.short_names);
  EXPECT_EQ(r->namespaced, c.namespaced);
  EXPECT_EQ(r->has_status, c.has_status);
  EXPECT_EQ(r->has_scale, c.has_scale);
  bool all = std::find(r->categories.begin(), r->categories.end(), "all") != r->categories.end();
  EXPECT_EQ(all, c.all_category);
  EXPECT_FALSE(r->custom);
  EXPECT_TRUE(r->schema.is_null());
}

INSTANTIATE_TEST_SUITE_P(
    Registry, BuiltinResourceTest,
    ::testing::Values(
        BuiltinCase{"", "pods", "Pod", "pod", {"po"}, true, true, false, true},
        BuiltinCase{"", "services", "Service", "service", {"svc"}, true, true, false, true},
        BuiltinCase{"", "namespaces", "Namespace", "namespace", {"ns"}, false, true, false, false},
        BuiltinCase{"", "configmaps", "ConfigMap", "configmap", {"cm"}, true, false, false, false},
        BuiltinCase{"", "endpoints", "Endpoints", "endpoints", {"ep"}, true, false, false, false},
        BuiltinCase{"", "nodes", "Node", "node", {"no"}, false, true, false, false},
        BuiltinCase{"",
                    "serviceaccounts",
                    "ServiceAccount",
                    "serviceaccount",
                    {"sa"},
                    true,
                    false,
                    false,
                    false},
        BuiltinCase{"", "events", "Event", "event", {"ev"}, true, false, false, false},
        BuiltinCase{"", "secrets", "Secret", "secret", {}, true, false, false, false},
        BuiltinCase{"",
                    "persistentvolumeclaims",
                    "PersistentVolumeClaim",
                    "persistentvolumeclaim",
                    {"pvc"},
                    true,
                    true,
                    false,
                    false},
        BuiltinCase{"",
                    "persistentvolumes",
                    "PersistentVolume",
                    "persistentvolume",
                    {"pv"},
                    false,
                    true,
                    false,
                    false},
        BuiltinCase{"",
                    "replicationcontrollers",
                    "ReplicationController",
                    "replicationcontroller",
                    {"rc"},
                    true,
                    true,
                    true,
                    true},
        BuiltinCase{
            "apps", "deployments", "Deployment", "deployment", {"deploy"}, true, true, true, true},
        BuiltinCase{
            "apps", "replicasets", "ReplicaSet", "replicaset", {"rs"}, true, true, true, true},
        BuiltinCase{
            "apps", "statefulsets", "StatefulSet", "statefulset", {"sts"}, true, true, true, true},
        BuiltinCase{
            "apps", "daemonsets", "DaemonSet", "daemonset", {"ds"}, true, true, false, true},
        BuiltinCase{"apps",
                    "controllerrevisions",
                    "ControllerRevision",
                    "controllerrevision",
                    {},
                    true,
                    false,
                    false,
                    false},
        BuiltinCase{"batch", "jobs", "Job", "job", {}, true, true, false, true},
        BuiltinCase{"batch", "cronjobs", "CronJob", "cronjob", {"cj"}, true, true, false, true},
        BuiltinCase{"autoscaling",
                    "horizontalpodautoscalers",
                    "HorizontalPodAutoscaler",
                    "horizontalpodautoscaler",
                    {"hpa"},
                    true,
                    true,
                    false,
                    true},
        BuiltinCase{"events.k8s.io", "events", "Event", "event", {"ev"}, true, false, false, false},
        BuiltinCase{
            "coordination.k8s.io", "leases", "Lease", "lease", {}, true, false, false, false},
        BuiltinCase{"discovery.k8s.io",
                    "endpointslices",
                    "EndpointSlice",
                    "endpointslice",
                    {},
                    true,
                    false,
                    false,
                    false},
        BuiltinCase{"apiextensions.k8s.io",
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    "customresourcedefinition",
                    {"crd", "crds"},
                    false,
                    true,
                    false,
                    false}),
    [](const ::testing::TestParamInfo<BuiltinCase>& param_info) {
      std::string name = param_info.param.plural + "_" + param_info.param.group;
      for (char& ch : name) {
        if (ch == '.') ch = '_';
      }
      return name;
    });

TEST(Registry, NamespacesAndServicesDoNotSupportDeleteCollection) {
  Registry registry;
  EXPECT_FALSE(registry.Find("", "v1", "namespaces")->HasVerb("deletecollection"));
  EXPECT_FALSE(registry.Find("", "v1", "services")->HasVerb("deletecollection"));
  EXPECT_TRUE(registry.Find("", "v1", "pods")->HasVerb("deletecollection"));
  EXPECT_THAT(registry.Find("apps", "v1", "deployments")->verbs,
              ElementsAre("create", "delete", "deletecollection", "get", "list", "patch", "update",
                          "watch"));
}

TEST(Registry, PodsServeBindingSubresource) {
  Registry registry;
  EXPECT_THAT(registry.Find("", "v1", "pods")->extra_subresources, ElementsAre("binding"));
}

TEST(Registry, CrdCategoryIsApiExtensions) {
  Registry registry;
  EXPECT_THAT(registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")->categories,
              ElementsAre("api-extensions"));
}

TEST(Registry, ScaleSubresourceReadsReplicasAndSelector) {
  Registry registry;
  const ResourceInfo* d = registry.Find("apps", "v1", "deployments");
  EXPECT_EQ(d->scale_spec_replicas_path, ".spec.replicas");
  EXPECT_EQ(d->scale_status_replicas_path, ".status.replicas");
  EXPECT_EQ(d->scale_label_selector_path, ".spec.selector");
  EXPECT_EQ(registry.Find("", "v1", "pods")->scale_label_selector_path, "");
}

TEST(Registry, NamesAndVersionsOfAnEntry) {
  Registry registry;
  const ResourceInfo* d = registry.Find("apps", "v1", "deployments");
  EXPECT_EQ(d->qualified_resource(), "deployments.apps");
  EXPECT_EQ(d->api_version(), "apps/v1");
  EXPECT_EQ(d->list_kind(), "DeploymentList");
  EXPECT_EQ(d->gvk(), (GroupVersionKind{"apps", "v1", "Deployment"}));
  const ResourceInfo* p = registry.Find("", "v1", "pods");
  EXPECT_EQ(p->qualified_resource(), "pods");
  EXPECT_EQ(p->api_version(), "v1");
}

TEST(Registry, LookupsAreExact) {
  Registry registry;
  EXPECT_EQ(registry.Find("", "v1", "Pods"), nullptr);
  EXPECT_EQ(registry.Find("", "v1", "pod"), nullptr);
  EXPECT_EQ(registry.Find("apps", "v1", "pods"), nullptr);
  EXPECT_EQ(registry.Find("apps", "v1beta1", "deployments"), nullptr);
  EXPECT_EQ(registry.FindByGroupResource("apps", "nope"), nullptr);
}

TEST(Registry, GroupsFollowUpstreamPriority) {
  Registry registry;
  EXPECT_THAT(registry.Groups(),
              ElementsAre("apps", "events.k8s.io", "autoscaling", "batch", "apiextensions.k8s.io",
                          "coordination.k8s.io", "discovery.k8s.io"));
  EXPECT_THAT(registry.Versions(""), ElementsAre("v1"));
  EXPECT_THAT(registry.Versions("autoscaling"), ElementsAre("v2"));
  EXPECT_THAT(registry.Versions("nope.example.com"), IsEmpty());
}

ResourceInfo Widget(std::string version, bool storage) {
  ResourceInfo r;
  r.group = "example.com";
  r.version = std::move(version);
  r.kind = "Widget";
  r.plural = "widgets";
  r.singular = "widget";
  r.custom = true;
  r.storage_version = storage;
  r.verbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  return r;
}

TEST(Registry, CustomGroupsComeAfterBuiltinGroupsByName) {
  Registry registry;
  ResourceInfo b = Widget("v1", true);
  b.group = "b.example.com";
  registry.Add(b);
  ResourceInfo a = Widget("v1", true);
  a.group = "a.example.com";
  registry.Add(a);
  std::vector<std::string> groups = registry.Groups();
  ASSERT_GE(groups.size(), 2u);
  EXPECT_EQ(groups[groups.size() - 2], "a.example.com");
  EXPECT_EQ(groups.back(), "b.example.com");
  EXPECT_EQ(registry.All().back()->group, "b.example.com");
}

TEST(Registry, VersionsSortKubeAware) {
  Registry registry;
  for (const char* v : {"v1alpha1", "foo", "v2beta1", "v1", "v1beta2", "v1beta1", "v10", "bar"}) {
    registry.Add(Widget(v, false));
  }
  EXPECT_THAT(registry.Versions("example.com"),
              ElementsAre("v10", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"));
}

TEST(Registry, FindByGroupResourcePrefersStorageVersion) {
  Registry registry;
  registry.Add(Widget("v1", false));
  registry.Add(Widget("v1beta1", true));
  const ResourceInfo* r = registry.FindByGroupResource("example.com", "widgets");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, "v1beta1");
}

TEST(Registry, AddReplacesAndRemoveDeletes) {
  Registry registry;
  registry.Add(Widget("v1", true));
  ResourceInfo updated = Widget("v1", true);
  updated.short_names = {"wd"};
  registry.Add(updated);
  size_t count = 0;
  for (const ResourceInfo* r : registry.All()) count += r->group == "example.com" ? 1 : 0;
  EXPECT_EQ(count, 1u);
  EXPECT_THAT(registry.Find("example.com", "v1", "widgets")->short_names, ElementsAre("wd"));
  registry.Remove("example.com", "v1", "widgets");
  EXPECT_EQ(registry.Find("example.com", "v1", "widgets"), nullptr);
  EXPECT_THAT(registry.Versions("example.com"), IsEmpty());
}

TEST(Registry, AllListsCoreFirstThenGroupsAlphabeticalWithin) {
  Registry registry;
  std::vector<const ResourceInfo*> all = registry.All();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front()->plural, "configmaps");
  EXPECT_EQ(all.front()->group, "");
  std::vector<std::string> core;
  for (const ResourceInfo* r : all) {
    if (r->group.empty()) core.push_back(r->plural);
  }
  EXPECT_TRUE(std::is_sorted(core.begin(), core.end()));
  EXPECT_EQ(all.size(), BuiltinResources().size());
}

}  // namespace
}  // namespace kube::testing::internal
