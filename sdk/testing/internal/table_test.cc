// Expected cells follow what kubectl get prints against a real cluster (upstream's
// printers and duration.HumanDuration) and docs/k8s-semantics.md A14.
#include "kubecpp/testing/internal/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace kube::testing::internal {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

Time At(std::string_view text) {
  Result<Time> t = Time::Parse(text);
  EXPECT_TRUE(t.ok());
  return *t;
}

const Time kNow = At("2025-01-10T12:00:00Z");

Json ParseOrDie(std::string_view text) { return Json::parse(text); }

std::vector<std::string> ColumnNames(const Json& table) {
  std::vector<std::string> out;
  for (const Json& c : table["columnDefinitions"]) out.push_back(c["name"]);
  return out;
}

// --- HumanDuration -----------------------------------------------------------------

struct DurationCase {
  std::chrono::nanoseconds d;
  std::string want;
};

class HumanDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(HumanDurationTest, MatchesUpstream) {
  EXPECT_EQ(HumanDuration(GetParam().d), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HumanDurationTest,
    ::testing::Values(DurationCase{seconds(0), "0s"}, DurationCase{seconds(1), "1s"},
                      DurationCase{milliseconds(-1500), "0s"},  // skew up to 1s
                      DurationCase{seconds(-2), "<invalid>"}, DurationCase{seconds(119), "119s"},
                      DurationCase{seconds(120), "2m"}, DurationCase{seconds(330), "5m30s"},
                      DurationCase{minutes(9) + seconds(59), "9m59s"},
                      DurationCase{minutes(10) + seconds(30), "10m"},
                      DurationCase{minutes(179), "179m"}, DurationCase{hours(3), "3h"},
                      DurationCase{hours(3) + minutes(25), "3h25m"},
                      DurationCase{hours(8) + minutes(5), "8h"}, DurationCase{hours(47), "47h"},
                      DurationCase{hours(48), "2d"}, DurationCase{hours(51), "2d3h"},
                      DurationCase{hours(24 * 8), "8d"}, DurationCase{hours(24 * 400), "400d"},
                      DurationCase{hours(24 * 365 * 2), "2y"},
                      DurationCase{hours(24 * (365 * 3 + 10)), "3y10d"},
                      DurationCase{hours(24 * 365 * 9), "9y"}));

// --- Accept headers ----------------------------------------------------------------

TEST(Table, KubectlGetAcceptHeaderWantsTable) {
  EXPECT_TRUE(WantsTable(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta."
      "k8s.io,application/json"));
  EXPECT_TRUE(WantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io"));
  EXPECT_FALSE(WantsTable("application/json"));
  EXPECT_FALSE(WantsTable(""));
  EXPECT_FALSE(WantsTable("application/json;as=Table;v=v1;g=example.com"));
  EXPECT_FALSE(WantsTable("application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"));
}

TEST(Table, MetadataInformerAcceptHeaderWantsPartialObjectMetadata) {
  EXPECT_TRUE(WantsPartialObjectMetadata(
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"));
  EXPECT_TRUE(
      WantsPartialObjectMetadata("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"));
  EXPECT_FALSE(WantsPartialObjectMetadata("application/json;as=Table;v=v1;g=meta.k8s.io"));
  EXPECT_FALSE(WantsPartialObjectMetadata("application/json"));
}

TEST(Table, ParseIncludeObjectDefaultsToMetadata) {
  IncludeObject io = IncludeObject::kNone;
  ASSERT_TRUE(ParseIncludeObject("", &io));
  EXPECT_EQ(io, IncludeObject::kMetadata);
  ASSERT_TRUE(ParseIncludeObject("Object", &io));
  EXPECT_EQ(io, IncludeObject::kObject);
  ASSERT_TRUE(ParseIncludeObject("None", &io));
  EXPECT_EQ(io, IncludeObject::kNone);
  EXPECT_FALSE(ParseIncludeObject("object", &io));
}

TEST(Table, PartialObjectMetadataKeepsOnlyMetadata) {
  Json cm = ParseOrDie(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"y"}},"data":{"k":"v"}})");
  Json p = ToPartialObjectMetadata(cm);
  EXPECT_EQ(p, ParseOrDie(R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
                             "metadata":{"name":"a","labels":{"x":"y"}}})"));
  Json list = ToPartialObjectMetadataList({cm}, Json{{"resourceVersion", "7"}});
  EXPECT_EQ(list["kind"], "PartialObjectMetadataList");
  EXPECT_EQ(list["metadata"]["resourceVersion"], "7");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_FALSE(list["items"][0].contains("data"));
  EXPECT_EQ(ToPartialObjectMetadataList({}, nullptr)["items"], Json::array());
}

// --- Pods --------------------------------------------------------------------------

Json RunningPod() {
  return ParseOrDie(R"({
    "apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-1","namespace":"default","creationTimestamp":"2025-01-10T11:55:00Z"},
    "spec":{"nodeName":"node-1","containers":[{"name":"a","image":"nginx"},{"name":"b","image":"busybox"}]},
    "status":{"phase":"Running","podIP":"10.0.0.5",
      "conditions":[{"type":"Ready","status":"False"}],
      "containerStatuses":[
        {"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
        {"name":"b","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
         "lastState":{"terminated":{"exitCode":1,"finishedAt":"2025-01-10T11:58:00Z"}}}]}})");
}

TEST(Table, PodColumnsAndCells) {
  Registry registry;
  Json table = ToTable(*registry.Find("", "v1", "pods"), {RunningPod()},
                       Json{{"resourceVersion", "42"}}, kNow, true);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(table["metadata"]["resourceVersion"], "42");
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                     "Nominated Node", "Readiness Gates"));
  EXPECT_EQ(table["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(table["columnDefinitions"][4]["priority"], 0);
  EXPECT_EQ(table["columnDefinitions"][5]["priority"], 1);
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"],
            ParseOrDie(R"j(["web-1","1/2","CrashLoopBackOff","3 (2m ago)","5m","10.0.0.5",
                           "node-1","<none>","<none>"])j"));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["name"], "web-1");
}

TEST(Table, PendingPodWithoutStatusesShowsPhase) {
  Registry registry;
  Json pod = ParseOrDie(R"({"metadata":{"name":"p","creationTimestamp":"2025-01-10T11:59:30Z"},
    "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending"}})");
  Json table = ToTable(*registry.Find("", "v1", "pods"), {pod}, nullptr, kNow, false);
  EXPECT_EQ(table["rows"][0]["cells"],
            ParseOrDie(R"(["p","0/1","Pending","0","30s","<none>","<none>","<none>","<none>"])"));
  EXPECT_FALSE(table["rows"][0].contains("object"));
  EXPECT_EQ(table["metadata"], Json::object());
}

TEST(Table, DeletedPodShowsTerminating) {
  Registry registry;
  Json pod = RunningPod();
  pod["metadata"]["deletionTimestamp"] = "2025-01-10T11:59:00Z";
  Json table = ToTable(*registry.Find("", "v1", "pods"), {pod}, nullptr, kNow, true);
  EXPECT_EQ(table["rows"][0]["cells"][2], "Terminating");
}

TEST(Table, InitContainerProgressShowsInit) {
  Registry registry;
  Json pod = ParseOrDie(R"({"metadata":{"name":"p"},
    "spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"a"}]},
    "status":{"phase":"Pending","initContainerStatuses":[
      {"name":"i1","restartCount":0,"state":{"terminated":{"exitCode":0}}},
      {"name":"i2","restartCount":0,"state":{"running":{}}}]}})");
  Json table = ToTable(*registry.Find("", "v1", "pods"), {pod}, nullptr, kNow, true);
  EXPECT_EQ(table["rows"][0]["cells"][2], "Init:1/2");
  EXPECT_EQ(table["rows"][0]["cells"][4], "<unknown>");  // no creationTimestamp
}

TEST(Table, CompletedPodShowsCompleted) {
  Registry registry;
  Json pod = ParseOrDie(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},
    "status":{"phase":"Succeeded","containerStatuses":[
      {"name":"a","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})");
  Json table = ToTable(*registry.Find("", "v1", "pods"), {pod}, nullptr, kNow, true);
  EXPECT_EQ(table["rows"][0]["cells"][1], "0/1");
  EXPECT_EQ(table["rows"][0]["cells"][2], "Completed");
}

// --- Deployments, ReplicaSets ------------------------------------------------------

TEST(Table, DeploymentColumnsAndCells) {
  Registry registry;
  Json d = ParseOrDie(R"({"metadata":{"name":"web","creationTimestamp":"2025-01-08T09:00:00Z"},
    "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
      "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},{"name":"log","image":"busybox"}]}}},
    "status":{"replicas":3,"updatedReplicas":3,"readyReplicas":2,"availableReplicas":2}})");
  Json table = ToTable(*registry.Find("apps", "v1", "deployments"), {d}, nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Ready", "Up-to-date", "Available", "Age",
                                     "Containers", "Images", "Selector"));
  EXPECT_EQ(table["columnDefinitions"][2]["type"], "integer");
  EXPECT_EQ(table["rows"][0]["cells"],
            ParseOrDie(R"(["web","2/3",3,2,"2d3h","nginx,log","nginx:1.27,busybox","app=web"])"));
}

TEST(Table, FreshDeploymentWithoutStatusShowsZeros) {
  Registry registry;
  Json d = ParseOrDie(R"({"metadata":{"name":"web","creationTimestamp":"2025-01-10T12:00:00Z"},
    "spec":{"selector":{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
      "template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  Json table = ToTable(*registry.Find("apps", "v1", "deployments"), {d}, nullptr, kNow, true);
  EXPECT_EQ(table["rows"][0]["cells"],
            ParseOrDie(R"j(["web","0/1",0,0,"0s","c","i","tier in (a,b)"])j"));
}

TEST(Table, ReplicaSetColumns) {
  Registry registry;
  Json rs = ParseOrDie(R"({"metadata":{"name":"web-abc","creationTimestamp":"2025-01-10T11:00:00Z"},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[]}}},
    "status":{"replicas":2,"readyReplicas":1}})");
  Json table = ToTable(*registry.Find("apps", "v1", "replicasets"), {rs}, nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Desired", "Current", "Ready", "Age", "Containers",
                                     "Images", "Selector"));
  EXPECT_EQ(table["rows"][0]["cells"], ParseOrDie(R"(["web-abc",2,2,1,"60m","","","app=web"])"));
}

// --- Services, namespaces, configmaps, default -------------------------------------

TEST(Table, ServiceCells) {
  Registry registry;
  Json cluster_ip =
      ParseOrDie(R"({"metadata":{"name":"web","creationTimestamp":"2025-01-10T11:59:00Z"},
    "spec":{"type":"ClusterIP","clusterIP":"10.96.0.10","selector":{"app":"web"},
      "ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})");
  Json node_port = ParseOrDie(R"({"metadata":{"name":"np"},
    "spec":{"type":"NodePort","clusterIP":"10.96.0.11","ports":[{"port":80,"nodePort":30080}]}})");
  Json lb = ParseOrDie(
      R"({"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","clusterIP":"10.96.0.12",
    "ports":[{"port":443,"nodePort":31443,"protocol":"TCP"}]}})");
  Json ext = ParseOrDie(
      R"({"metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"example.com"}})");
  Json table = ToTable(*registry.Find("", "v1", "services"), {cluster_ip, node_port, lb, ext},
                       nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age",
                                     "Selector"));
  EXPECT_EQ(
      table["rows"][0]["cells"],
      ParseOrDie(R"(["web","ClusterIP","10.96.0.10","<none>","80/TCP,53/UDP","60s","app=web"])"));
  EXPECT_EQ(table["rows"][1]["cells"][4], "80:30080/TCP");
  EXPECT_EQ(table["rows"][2]["cells"][3], "<pending>");
  EXPECT_EQ(table["rows"][3]["cells"][2], "<none>");
  EXPECT_EQ(table["rows"][3]["cells"][3], "example.com");
  EXPECT_EQ(table["rows"][3]["cells"][4], "<none>");
}

TEST(Table, NamespaceAndConfigMapColumns) {
  Registry registry;
  Json ns = ParseOrDie(R"({"metadata":{"name":"default","creationTimestamp":"2025-01-01T12:00:00Z"},
    "status":{"phase":"Active"}})");
  Json t = ToTable(*registry.Find("", "v1", "namespaces"), {ns}, nullptr, kNow, true);
  EXPECT_EQ(t["rows"][0]["cells"], ParseOrDie(R"(["default","Active","9d"])"));
  Json cm =
      ParseOrDie(R"({"metadata":{"name":"c"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})");
  t = ToTable(*registry.Find("", "v1", "configmaps"), {cm}, nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(t), ::testing::ElementsAre("Name", "Data", "Age"));
  EXPECT_EQ(t["rows"][0]["cells"][1], 3);
}

TEST(Table, KindsWithoutPrinterShowNameAndAge) {
  Registry registry;
  Json lease =
      ParseOrDie(R"({"metadata":{"name":"l","creationTimestamp":"2025-01-10T11:00:00Z"}})");
  Json t =
      ToTable(*registry.Find("coordination.k8s.io", "v1", "leases"), {lease}, nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(t), ::testing::ElementsAre("Name", "Age"));
  EXPECT_EQ(t["rows"][0]["cells"], ParseOrDie(R"(["l","60m"])"));
}

TEST(Table, CrdsShowCreatedAt) {
  Registry registry;
  Json crd = ParseOrDie(
      R"({"metadata":{"name":"widgets.example.com","creationTimestamp":"2025-01-10T11:00:00Z"}})");
  Json t = ToTable(*registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions"), {crd},
                   nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(t), ::testing::ElementsAre("Name", "Created At"));
  EXPECT_EQ(t["columnDefinitions"][1]["type"], "date");
  EXPECT_EQ(t["rows"][0]["cells"][1], "2025-01-10T11:00:00Z");
}

TEST(Table, IncludeObjectModes) {
  Registry registry;
  Json cm = ParseOrDie(R"({"kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}})");
  const ResourceInfo& info = *registry.Find("", "v1", "configmaps");
  EXPECT_EQ(ToTable(info, {cm}, nullptr, kNow, IncludeObject::kObject)["rows"][0]["object"], cm);
  EXPECT_FALSE(
      ToTable(info, {cm}, nullptr, kNow, IncludeObject::kNone)["rows"][0].contains("object"));
  EXPECT_EQ(ToTable(info, {}, nullptr, kNow, true)["rows"], Json::array());
}

// --- Custom resources --------------------------------------------------------------

ResourceInfo Widget(Json printer_columns) {
  ResourceInfo r;
  r.group = "example.com";
  r.version = "v1";
  r.kind = "Widget";
  r.plural = "widgets";
  r.singular = "widget";
  r.custom = true;
  r.printer_columns = std::move(printer_columns);
  return r;
}

TEST(Table, CustomResourceWithoutPrinterColumnsShowsAge) {
  Json w = ParseOrDie(R"({"metadata":{"name":"w","creationTimestamp":"2025-01-10T11:58:00Z"}})");
  Json t = ToTable(Widget(nullptr), {w}, nullptr, kNow, true);
  EXPECT_THAT(ColumnNames(t), ::testing::ElementsAre("Name", "Age"));
  EXPECT_EQ(t["columnDefinitions"][1]["type"], "date");
  EXPECT_EQ(t["rows"][0]["cells"], ParseOrDie(R"(["w","2m"])"));
}

TEST(Table, CustomResourcePrinterColumns) {
  Json columns = ParseOrDie(R"([
    {"name":"Size","type":"integer","jsonPath":".spec.size"},
    {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"},
    {"name":"Live","type":"boolean","jsonPath":".status.live"},
    {"name":"Ratio","type":"number","jsonPath":".status.ratio","priority":1},
    {"name":"First","type":"string","jsonPath":".status.conditions[0].type"},
    {"name":"Missing","type":"string","jsonPath":".status.nope"},
    {"name":"Started","type":"date","jsonPath":".status.startTime"}])");
  Json w = ParseOrDie(R"({"metadata":{"name":"w"},"spec":{"size":3},
    "status":{"live":true,"ratio":0.5,"startTime":"2025-01-10T09:00:00Z",
      "conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True"}]}})");
  Json t = ToTable(Widget(columns), {w}, Json{{"continue", "abc"}}, kNow, true);
  EXPECT_THAT(ColumnNames(t), ::testing::ElementsAre("Name", "Size", "Ready", "Live", "Ratio",
                                                     "First", "Missing", "Started"));
  EXPECT_EQ(t["columnDefinitions"][4]["priority"], 1);
  EXPECT_EQ(t["metadata"]["continue"], "abc");
  EXPECT_EQ(t["rows"][0]["cells"], ParseOrDie(R"(["w",3,"True",true,0.5,"Synced",null,"3h"])"));
}

TEST(Table, CustomResourceCellTypeMismatchIsNull) {
  Json columns = ParseOrDie(R"([{"name":"Size","type":"integer","jsonPath":".spec.size"}])");
  Json w = ParseOrDie(R"({"metadata":{"name":"w"},"spec":{"size":"big"}})");
  Json t = ToTable(Widget(columns), {w}, nullptr, kNow, true);
  EXPECT_TRUE(t["rows"][0]["cells"][1].is_null());
}

TEST(Table, JsonPathForms) {
  Json o = ParseOrDie(R"({"spec":{"items":[{"n":"a"},{"n":"b"}],"m":{"x.y":1}}})");
  EXPECT_EQ(EvaluateJsonPath(o, ".spec.items[1].n"), std::vector<Json>{"b"});
  EXPECT_EQ(EvaluateJsonPath(o, "{.spec.items[-1].n}"), std::vector<Json>{"b"});
  EXPECT_EQ(EvaluateJsonPath(o, ".spec.items[*].n"), (std::vector<Json>{"a", "b"}));
  EXPECT_EQ(EvaluateJsonPath(o, ".spec.m['x.y']"), std::vector<Json>{1});
  EXPECT_EQ(EvaluateJsonPath(o, ".spec.items[?(@.n!=\"a\")].n"), std::vector<Json>{"b"});
  EXPECT_TRUE(EvaluateJsonPath(o, ".spec.items[5].n").empty());
  EXPECT_TRUE(EvaluateJsonPath(o, ".spec.items[x]").empty());
  EXPECT_TRUE(EvaluateJsonPath(o, ".nope").empty());
}

}  // namespace
}  // namespace kube::testing::internal
