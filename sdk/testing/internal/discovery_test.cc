// Shapes follow docs/k8s-semantics.md A2 and C1-C4, and what kubectl 1.32 reads:
// legacy discovery, aggregated discovery (apidiscovery.k8s.io/v2) and OpenAPI v3 with
// x-kubernetes-group-version-kind and the fieldValidation parameter on PATCH.
#include "kubecpp/testing/internal/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kube::testing::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const Json* FindByName(const Json& array, std::string_view key, std::string_view value) {
  for (const Json& e : array) {
    auto it = e.find(key);
    if (it != e.end() && it->is_string() && it->get<std::string>() == value) return &e;
  }
  return nullptr;
}

ResourceInfo Widget() {
  ResourceInfo r;
  r.group = "example.com";
  r.version = "v1";
  r.kind = "Widget";
  r.plural = "widgets";
  r.singular = "widget";
  r.short_names = {"wd"};
  r.custom = true;
  r.has_status = true;
  r.verbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  r.schema =
      Json{{"type", "object"},
           {"properties",
            Json{{"spec", Json{{"type", "object"},
                               {"description", "widget spec"},
                               {"properties", Json{{"size", Json{{"type", "integer"}}}}}}}}}};
  return r;
}

// --- /version, /api, /apis -------------------------------------------------------

TEST(Discovery, VersionReportsMajorMinorAndGitVersion) {
  Json v = VersionInfo();
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], "33");
  EXPECT_EQ(v["gitVersion"], "v1.33.0");
  EXPECT_EQ(v["gitTreeState"], "clean");
  EXPECT_EQ(v["platform"], "linux/amd64");
  EXPECT_TRUE(v.contains("buildDate"));
  EXPECT_TRUE(v.contains("goVersion"));
}

TEST(Discovery, VersionIsConfigurable) {
  Json v = VersionInfo({.git_version = "v1.31.4"});
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], "31");
  EXPECT_EQ(v["gitVersion"], "v1.31.4");
  EXPECT_EQ(v["minCompatibilityMinor"], "30");
}

TEST(Discovery, ApiVersionsListsV1AndServerAddress) {
  Json v = ApiVersions("127.0.0.1:6443");
  EXPECT_EQ(v["kind"], "APIVersions");
  EXPECT_EQ(v["versions"], Json::array({"v1"}));
  ASSERT_EQ(v["serverAddressByClientCIDRs"].size(), 1u);
  EXPECT_EQ(v["serverAddressByClientCIDRs"][0]["clientCIDR"], "0.0.0.0/0");
  EXPECT_EQ(v["serverAddressByClientCIDRs"][0]["serverAddress"], "127.0.0.1:6443");
}

TEST(Discovery, ApiGroupListHasPreferredVersions) {
  Registry registry;
  Json list = ApiGroupList(registry);
  EXPECT_EQ(list["kind"], "APIGroupList");
  EXPECT_EQ(list["apiVersion"], "v1");
  const Json& groups = list["groups"];
  ASSERT_FALSE(groups.empty());
  EXPECT_EQ(groups[0]["name"], "apps");
  EXPECT_FALSE(groups[0].contains("kind"));
  for (std::string_view g : {"apps", "discovery.k8s.io", "apiextensions.k8s.io"}) {
    const Json* e = FindByName(groups, "name", g);
    ASSERT_NE(e, nullptr) << g;
    EXPECT_EQ((*e)["preferredVersion"]["groupVersion"], std::string(g) + "/v1");
    EXPECT_EQ((*e)["preferredVersion"]["version"], "v1");
    EXPECT_EQ((*e)["versions"][0]["groupVersion"], std::string(g) + "/v1");
  }
}

TEST(Discovery, ApiGroupHasKindAndIsNullForUnknownGroups) {
  Registry registry;
  Json g = ApiGroup(registry, "apps");
  EXPECT_EQ(g["kind"], "APIGroup");
  EXPECT_EQ(g["apiVersion"], "v1");
  EXPECT_EQ(g["name"], "apps");
  EXPECT_TRUE(ApiGroup(registry, "nope.example.com").is_null());
  EXPECT_TRUE(ApiGroup(registry, "").is_null());
}

TEST(Discovery, CustomGroupPrefersHighestVersion) {
  Registry registry;
  ResourceInfo beta = Widget();
  beta.version = "v1beta1";
  registry.Add(beta);
  registry.Add(Widget());
  Json g = ApiGroup(registry, "example.com");
  EXPECT_EQ(g["preferredVersion"]["version"], "v1");
  ASSERT_EQ(g["versions"].size(), 2u);
  EXPECT_EQ(g["versions"][1]["groupVersion"], "example.com/v1beta1");
  Json list = ApiGroupList(registry);
  EXPECT_EQ(list["groups"].back()["name"], "example.com");
}

// --- APIResourceList ---------------------------------------------------------------

TEST(Discovery, AppsResourceListHasDeploymentsStatusAndScale) {
  Registry registry;
  Json list = ApiResourceList(registry, "apps", "v1");
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["groupVersion"], "apps/v1");
  const Json& rs = list["resources"];
  const Json* d = FindByName(rs, "name", "deployments");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ((*d)["singularName"], "deployment");
  EXPECT_EQ((*d)["namespaced"], true);
  EXPECT_EQ((*d)["kind"], "Deployment");
  EXPECT_EQ((*d)["shortNames"], Json::array({"deploy"}));
  EXPECT_EQ((*d)["categories"], Json::array({"all"}));
  EXPECT_EQ((*d)["verbs"], Json::array({"create", "delete", "deletecollection", "get", "list",
                                        "patch", "update", "watch"}));
  EXPECT_FALSE(d->contains("group"));

  const Json* status = FindByName(rs, "name", "deployments/status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ((*status)["kind"], "Deployment");
  EXPECT_EQ((*status)["verbs"], Json::array({"get", "patch", "update"}));
  EXPECT_FALSE(status->contains("group"));

  const Json* scale = FindByName(rs, "name", "deployments/scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ((*scale)["group"], "autoscaling");
  EXPECT_EQ((*scale)["version"], "v1");
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_EQ((*scale)["verbs"], Json::array({"get", "patch", "update"}));
}

TEST(Discovery, SubresourcesFollowTheirParent) {
  Registry registry;
  Json list = ApiResourceList(registry, "apps", "v1");
  std::vector<std::string> names;
  for (const Json& r : list["resources"]) names.push_back(r["name"]);
  auto pos = [&names](std::string_view n) {
    return std::find(names.begin(), names.end(), n) - names.begin();
  };
  EXPECT_EQ(pos("deployments/scale"), pos("deployments") + 1);
  EXPECT_EQ(pos("deployments/status"), pos("deployments") + 2);
}

TEST(Discovery, PodsBindingIsCreateOnly) {
  Registry registry;
  Json list = ApiResourceList(registry, "", "v1");
  EXPECT_EQ(list["groupVersion"], "v1");
  const Json* binding = FindByName(list["resources"], "name", "pods/binding");
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ((*binding)["kind"], "Binding");
  EXPECT_EQ((*binding)["verbs"], Json::array({"create"}));
  const Json* ns = FindByName(list["resources"], "name", "namespaces");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ((*ns)["namespaced"], false);
  EXPECT_EQ((*ns)["shortNames"], Json::array({"ns"}));
  const Json* fin = FindByName(list["resources"], "name", "namespaces/finalize");
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ((*fin)["verbs"], Json::array({"update"}));
  const Json* cm = FindByName(list["resources"], "name", "configmaps");
  ASSERT_NE(cm, nullptr);
  EXPECT_FALSE(cm->contains("categories"));
}

TEST(Discovery, ResourceListIsNullForUnknownGroupVersion) {
  Registry registry;
  EXPECT_TRUE(ApiResourceList(registry, "nope.example.com", "v1").is_null());
  EXPECT_TRUE(ApiResourceList(registry, "apps", "v1beta1").is_null());
}

TEST(Discovery, CustomResourceAppearsWithItsStatus) {
  Registry registry;
  registry.Add(Widget());
  Json list = ApiResourceList(registry, "example.com", "v1");
  ASSERT_TRUE(list.is_object());
  ASSERT_EQ(list["resources"].size(), 2u);
  EXPECT_EQ(list["resources"][0]["name"], "widgets");
  EXPECT_EQ(list["resources"][0]["shortNames"], Json::array({"wd"}));
  EXPECT_EQ(list["resources"][1]["name"], "widgets/status");
}

// --- aggregated discovery --------------------------------------------------------

TEST(Discovery, KubectlAcceptHeaderWantsAggregated) {
  EXPECT_TRUE(WantsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/"
      "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"));
  EXPECT_TRUE(WantsAggregatedDiscovery(
      "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"));
}

TEST(Discovery, PlainOrOlderAcceptHeadersWantLegacy) {
  EXPECT_FALSE(WantsAggregatedDiscovery(""));
  EXPECT_FALSE(WantsAggregatedDiscovery("application/json"));
  EXPECT_FALSE(WantsAggregatedDiscovery("application/json, */*"));
  EXPECT_FALSE(WantsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
      "application/json"));
  EXPECT_FALSE(WantsAggregatedDiscovery(
      "application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"));
}

TEST(Discovery, AggregatedContentTypeIsExact) {
  EXPECT_EQ(kAggregatedDiscoveryContentType,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
}

TEST(Discovery, AggregatedCoreHasOneUnnamedGroup) {
  Registry registry;
  Json list = AggregatedCoreDiscovery(registry);
  EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2");
  EXPECT_TRUE(list["metadata"].is_object());
  ASSERT_EQ(list["items"].size(), 1u);
  const Json& core = list["items"][0];
  EXPECT_EQ(core["metadata"]["name"], "");
  ASSERT_EQ(core["versions"].size(), 1u);
  EXPECT_EQ(core["versions"][0]["version"], "v1");
  EXPECT_EQ(core["versions"][0]["freshness"], "Current");
  const Json* pods = FindByName(core["versions"][0]["resources"], "resource", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ((*pods)["responseKind"], (Json{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}));
  EXPECT_EQ((*pods)["scope"], "Namespaced");
  EXPECT_EQ((*pods)["singularResource"], "pod");
  EXPECT_EQ((*pods)["shortNames"], Json::array({"po"}));
  const Json* nodes = FindByName(core["versions"][0]["resources"], "resource", "nodes");
  ASSERT_NE(nodes, nullptr);
  EXPECT_EQ((*nodes)["scope"], "Cluster");
}

TEST(Discovery, AggregatedDeploymentHasScaleSubresource) {
  Registry registry;
  Json list = AggregatedGroupsDiscovery(registry);
  const Json& items = list["items"];
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0]["metadata"]["name"], "apps");
  const Json* deploy = FindByName(items[0]["versions"][0]["resources"], "resource", "deployments");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ((*deploy)["categories"], Json::array({"all"}));
  EXPECT_EQ((*deploy)["responseKind"]["kind"], "Deployment");
  const Json* scale = FindByName((*deploy)["subresources"], "subresource", "scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ((*scale)["responseKind"],
            (Json{{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}));
  EXPECT_EQ((*scale)["verbs"], Json::array({"get", "patch", "update"}));
  for (const Json& item : items) EXPECT_NE(item["metadata"]["name"], "");
}

// --- media ranges ----------------------------------------------------------------

TEST(Discovery, ParseAcceptHeaderKeepsOrderAndParameters) {
  std::vector<MediaRange> ranges = ParseAcceptHeader(
      "application/json;as=Table;v=v1;g=meta.k8s.io, Application/YAML ; q=0.9,garbage,*/*");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].subtype, "json");
  EXPECT_EQ(ranges[0].Param("as"), "Table");
  EXPECT_EQ(ranges[0].Param("g"), "meta.k8s.io");
  EXPECT_EQ(ranges[1].type, "application");
  EXPECT_EQ(ranges[1].subtype, "yaml");
  EXPECT_EQ(ranges[1].Param("q"), "0.9");
  EXPECT_EQ(ranges[2].type, "*");
  EXPECT_EQ(ranges[2].Param("as"), "");
}

// --- OpenAPI ---------------------------------------------------------------------

TEST(OpenApi, V3IndexListsEveryGroupVersionWithHash) {
  Registry registry;
  Json index = OpenApiV3Index(registry);
  const Json& paths = index["paths"];
  ASSERT_TRUE(paths.contains("api/v1"));
  ASSERT_TRUE(paths.contains("apis/apps/v1"));
  ASSERT_TRUE(paths.contains("apis/apiextensions.k8s.io/v1"));
  EXPECT_THAT(paths["apis/apps/v1"]["serverRelativeURL"].get<std::string>(),
              StartsWith("/openapi/v3/apis/apps/v1?hash="));
}

TEST(OpenApi, V3IndexHashChangesWithTheDocument) {
  Registry registry;
  registry.Add(Widget());
  std::string before =
      OpenApiV3Index(registry)["paths"]["apis/example.com/v1"]["serverRelativeURL"];
  std::string apps_before = OpenApiV3Index(registry)["paths"]["apis/apps/v1"]["serverRelativeURL"];
  ResourceInfo changed = Widget();
  changed.schema["properties"]["spec"]["description"] = "changed";
  registry.Add(changed);
  Json after = OpenApiV3Index(registry);
  EXPECT_NE(after["paths"]["apis/example.com/v1"]["serverRelativeURL"], before);
  EXPECT_EQ(after["paths"]["apis/apps/v1"]["serverRelativeURL"], apps_before);
}

TEST(OpenApi, V3DeploymentSchemaCarriesGroupVersionKind) {
  Registry registry;
  Json doc = OpenApiV3GroupVersion(registry, "apps", "v1");
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.0.0");
  const Json& schemas = doc["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("io.k8s.api.apps.v1.Deployment"));
  const Json& d = schemas["io.k8s.api.apps.v1.Deployment"];
  EXPECT_EQ(d["x-kubernetes-group-version-kind"],
            Json::array({Json{{"group", "apps"}, {"kind", "Deployment"}, {"version", "v1"}}}));
  EXPECT_EQ(d["properties"]["metadata"]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(d["properties"]["spec"]["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_TRUE(schemas.contains("io.k8s.api.apps.v1.DeploymentList"));
  EXPECT_TRUE(schemas.contains("io.k8s.api.autoscaling.v1.Scale"));
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  const Json& meta = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"];
  for (const char* f : {"name", "namespace", "labels", "annotations", "ownerReferences",
                        "finalizers", "managedFields", "uid", "resourceVersion"}) {
    EXPECT_TRUE(meta.contains(f)) << f;
  }
}

TEST(OpenApi, EveryReferenceResolves) {
  Registry registry;
  registry.Add(Widget());
  for (const auto& [group, version] : std::vector<std::pair<std::string, std::string>>{
           {"", "v1"}, {"apps", "v1"}, {"example.com", "v1"}}) {
    Json doc = OpenApiV3GroupVersion(registry, group, version);
    const Json& schemas = doc["components"]["schemas"];
    std::string text = doc.dump();
    const std::string needle = "\"$ref\":\"#/components/schemas/";
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 1)) {
      size_t start = pos + needle.size();
      std::string name = text.substr(start, text.find('"', start) - start);
      EXPECT_TRUE(schemas.contains(name)) << group << "/" << version << ": " << name;
    }
  }
}

TEST(OpenApi, V3PatchOperationsDeclareFieldValidation) {
  Registry registry;
  Json doc = OpenApiV3GroupVersion(registry, "apps", "v1");
  const Json& item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  ASSERT_TRUE(item.contains("patch"));
  const Json& patch = item["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            (Json{{"group", "apps"}, {"kind", "Deployment"}, {"version", "v1"}}));
  const Json* fv = FindByName(patch["parameters"], "name", "fieldValidation");
  ASSERT_NE(fv, nullptr);
  EXPECT_EQ((*fv)["in"], "query");
  EXPECT_TRUE(patch["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  const Json& scale = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  EXPECT_EQ(scale["patch"]["x-kubernetes-group-version-kind"]["kind"], "Scale");
}

TEST(OpenApi, V3CoreDocumentServesNamespacesForCrdFallback) {
  // kubectl checks v1 Namespace PATCH for fieldValidation when a CRD's document is
  // missing.
  Registry registry;
  Json doc = OpenApiV3GroupVersion(registry, "", "v1");
  const Json& ns = doc["paths"]["/api/v1/namespaces/{name}"];
  ASSERT_TRUE(ns.contains("patch"));
  EXPECT_NE(FindByName(ns["patch"]["parameters"], "name", "fieldValidation"), nullptr);
  EXPECT_TRUE(doc["paths"].contains("/api/v1/pods"));  // list across namespaces
  EXPECT_FALSE(doc["paths"]["/api/v1/namespaces/{namespace}/services"].contains("delete"));
}

TEST(OpenApi, V3CustomResourceWrapsCrdSchema) {
  Registry registry;
  registry.Add(Widget());
  Json doc = OpenApiV3GroupVersion(registry, "example.com", "v1");
  ASSERT_TRUE(doc.is_object());
  const Json& schemas = doc["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("com.example.v1.Widget"));
  const Json& w = schemas["com.example.v1.Widget"];
  EXPECT_EQ(w["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
  EXPECT_EQ(w["properties"]["spec"]["properties"]["size"]["type"], "integer");
  EXPECT_EQ(w["properties"]["apiVersion"]["type"], "string");
  EXPECT_TRUE(w["properties"]["metadata"].contains("$ref"));
  EXPECT_TRUE(
      doc["paths"].contains("/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status"));
  EXPECT_TRUE(OpenApiV3GroupVersion(registry, "example.com", "v2").is_null());
}

TEST(OpenApi, V2HasDefinitionsAndPaths) {
  Registry registry;
  registry.Add(Widget());
  Json doc = OpenApiV2(registry);
  EXPECT_EQ(doc["swagger"], "2.0");
  const Json& defs = doc["definitions"];
  ASSERT_TRUE(defs.contains("io.k8s.api.core.v1.Pod"));
  EXPECT_EQ(defs["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"][0],
            (Json{{"group", ""}, {"kind", "Pod"}, {"version", "v1"}}));
  EXPECT_EQ(
      defs["io.k8s.api.core.v1.ConfigMap"]["properties"]["data"]["additionalProperties"]["type"],
      "string");
  ASSERT_TRUE(defs.contains("com.example.v1.Widget"));
  // Swagger 2.0 cannot carry every structural-schema feature: only the field names.
  EXPECT_TRUE(defs["com.example.v1.Widget"]["properties"].contains("spec"));
  const Json& patch =
      doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  const Json* fv = FindByName(patch["parameters"], "name", "fieldValidation");
  ASSERT_NE(fv, nullptr);
  EXPECT_EQ((*fv)["type"], "string");
  EXPECT_THAT(doc.dump(), ::testing::Not(HasSubstr("#/components/")));
}

TEST(OpenApi, ParseV3PathNamesGroupVersion) {
  std::string g, v;
  ASSERT_TRUE(ParseOpenApiV3Path("api/v1", &g, &v));
  EXPECT_EQ(g, "");
  EXPECT_EQ(v, "v1");
  ASSERT_TRUE(ParseOpenApiV3Path("/apis/apps/v1?hash=ABC", &g, &v));
  EXPECT_EQ(g, "apps");
  EXPECT_EQ(v, "v1");
  EXPECT_FALSE(ParseOpenApiV3Path("apis/apps", &g, &v));
  EXPECT_FALSE(ParseOpenApiV3Path("api", &g, &v));
  EXPECT_FALSE(ParseOpenApiV3Path("apis//v1", &g, &v));
  EXPECT_FALSE(ParseOpenApiV3Path("version", &g, &v));
}

}  // namespace
}  // namespace kube::testing::internal
