// Conformance of the fake apiserver engine, through its in-process door. Tests named
// C<n> follow the scenarios of docs/k8s-semantics.md Part C.
#include "kubecpp/testing/fake_apiserver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/transport/transport.h"

namespace kube::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class FakeApiServerTest : public ::testing::Test {
 protected:
  struct Reply {
    int code = 0;
    Json body;
    std::string raw;
    transport::Headers headers;
  };

  Reply Do(std::string method, std::string target, std::string body = "",
           std::string content_type = "application/json", std::string accept = "") {
    transport::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
    if (!accept.empty()) request.headers.emplace_back("Accept", accept);
    auto response = transport_->Send(request, {});
    Reply reply;
    if (!response.ok()) {
      ADD_FAILURE() << response.status();
      return reply;
    }
    reply.code = response->status_code;
    reply.raw = response->body;
    reply.headers = response->headers;
    auto parsed = ParseJson(response->body);
    if (parsed.ok()) reply.body = std::move(*parsed);
    return reply;
  }

  // Runs a watch until `stop_after` events arrived or the stream ended; returns the
  // decoded events.
  std::vector<Json> WatchEvents(const std::string& target, size_t stop_after) {
    transport::Request request;
    request.target = target;
    std::vector<Json> events;
    std::string buffer;
    auto response =
        transport_->Stream(request,
                           [&](std::string_view chunk) {
                             buffer.append(chunk);
                             size_t newline;
                             while ((newline = buffer.find('\n')) != std::string::npos) {
                               auto event = ParseJson(buffer.substr(0, newline));
                               EXPECT_TRUE(event.ok()) << buffer.substr(0, newline);
                               if (event.ok()) events.push_back(std::move(*event));
                               buffer.erase(0, newline + 1);
                             }
                             return events.size() < stop_after;
                           },
                           {});
    EXPECT_TRUE(response.ok());
    EXPECT_TRUE(buffer.empty()) << "partial line: " << buffer;
    return events;
  }

  Json ConfigMap(const std::string& name, const std::string& ns = "default") {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"data", {{"k", "v"}}}};
  }

  Json Pod(const std::string& name, Json labels = Json::object()) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
  }

  Json Deployment(const std::string& name) {
    Json labels = {{"app", name}};
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"selector", {{"matchLabels", labels}}},
              {"template",
               {{"metadata", {{"labels", labels}}},
                {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.25"}}}}}}}}}}};
  }

  Reply Create(const std::string& collection, const Json& object) {
    Reply reply = Do("POST", collection, object.dump());
    EXPECT_EQ(reply.code, 201) << reply.raw;
    return reply;
  }

  FakeApiServer server_;
  std::unique_ptr<transport::Transport> transport_ = server_.NewTransport();
};

constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";
constexpr char kPods[] = "/api/v1/namespaces/default/pods";
constexpr char kDeployments[] = "/apis/apps/v1/namespaces/default/deployments";

TEST_F(FakeApiServerTest, C1VersionReportsMajorMinorAndGitVersion) {
  Reply reply = Do("GET", "/version");
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body["major"], "1");
  EXPECT_EQ(reply.body["minor"], "33");
  EXPECT_EQ(reply.body["gitVersion"], "v1.33.0");
}

TEST_F(FakeApiServerTest, C2AndC3DiscoveryListsGroupsAndDeploymentSubresources) {
  Reply api = Do("GET", "/api");
  EXPECT_EQ(api.body["kind"], "APIVersions");
  EXPECT_EQ(api.body["versions"], Json::array({"v1"}));
  Reply apis = Do("GET", "/apis");
  std::set<std::string> groups;
  for (const Json& g : apis.body["groups"]) groups.insert(g["name"].get<std::string>());
  EXPECT_TRUE(groups.contains("apps"));
  EXPECT_TRUE(groups.contains("discovery.k8s.io"));
  EXPECT_TRUE(groups.contains("apiextensions.k8s.io"));
  Reply apps = Do("GET", "/apis/apps/v1");
  std::map<std::string, Json> resources;
  for (const Json& r : apps.body["resources"]) resources[r["name"].get<std::string>()] = r;
  ASSERT_TRUE(resources.contains("deployments"));
  EXPECT_EQ(resources["deployments"]["kind"], "Deployment");
  EXPECT_EQ(resources["deployments"]["shortNames"], Json::array({"deploy"}));
  ASSERT_TRUE(resources.contains("deployments/scale"));
  EXPECT_EQ(resources["deployments/scale"]["group"], "autoscaling");
  EXPECT_EQ(resources["deployments/scale"]["kind"], "Scale");
  EXPECT_TRUE(resources.contains("deployments/status"));
}

TEST_F(FakeApiServerTest, C4AggregatedDiscoveryAcceptHeaderIsNeverRefused) {
  Reply reply =
      Do("GET", "/apis", "", "",
         "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(transport::FindHeader(reply.headers, "Content-Type"),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(reply.body["kind"], "APIGroupDiscoveryList");
}

TEST_F(FakeApiServerTest, C5UnknownGroupIs404WithStatus) {
  Reply reply = Do("GET", "/apis/nope.example.com/v1/things");
  EXPECT_EQ(reply.code, 404);
  EXPECT_EQ(reply.body["kind"], "Status");
  EXPECT_EQ(reply.body["reason"], "NotFound");
}

TEST_F(FakeApiServerTest, C6UnknownContentTypeIs415) {
  Reply reply = Do("POST", kPods, Pod("a").dump(), "text/plain");
  EXPECT_EQ(reply.code, 415);
  EXPECT_EQ(reply.body["reason"], "UnsupportedMediaType");
}

TEST_F(FakeApiServerTest, C7ProtobufOnlyIs406ButJsonFallbackIsServed) {
  EXPECT_EQ(Do("GET", kPods, "", "", "application/vnd.kubernetes.protobuf").code, 406);
  EXPECT_EQ(Do("GET", kPods, "", "", "application/vnd.kubernetes.protobuf, application/json").code,
            200);
}

TEST_F(FakeApiServerTest, C9EmptyListHasEmptyItemsArray) {
  Reply reply = Do("GET", kConfigMaps);
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body["kind"], "ConfigMapList");
  ASSERT_TRUE(reply.body["items"].is_array());
  EXPECT_TRUE(reply.body["items"].empty());
  EXPECT_THAT(reply.raw, HasSubstr("\"items\":[]"));
}

TEST_F(FakeApiServerTest, C10CreateConfigMapSetsServerFieldsButNoGeneration) {
  Reply created = Create(kConfigMaps, ConfigMap("x"));
  const Json& meta = created.body["metadata"];
  EXPECT_FALSE(meta["uid"].get<std::string>().empty());
  EXPECT_FALSE(meta["creationTimestamp"].get<std::string>().empty());
  std::string rv = meta["resourceVersion"];
  EXPECT_FALSE(rv.empty());
  EXPECT_EQ(rv.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_FALSE(meta.contains("generation"));
  EXPECT_EQ(Do("GET", std::string(kConfigMaps) + "/x").body["metadata"]["resourceVersion"], rv);
}

TEST_F(FakeApiServerTest, C11DeploymentDefaultsAndGeneration) {
  Json created = Create(kDeployments, Deployment("web")).body;
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_EQ(created["spec"]["replicas"], 1);
  EXPECT_EQ(created["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(created["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  EXPECT_EQ(created["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(created["spec"]["progressDeadlineSeconds"], 600);
  EXPECT_EQ(created["spec"]["template"]["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(created["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"],
            "/dev/termination-log");
}

TEST_F(FakeApiServerTest, C12SecondCreateIsAlreadyExists) {
  Create(kConfigMaps, ConfigMap("x"));
  Reply reply = Do("POST", kConfigMaps, ConfigMap("x").dump());
  EXPECT_EQ(reply.code, 409);
  EXPECT_EQ(reply.body["reason"], "AlreadyExists");
  EXPECT_EQ(reply.body["message"], "configmaps \"x\" already exists");
}

TEST_F(FakeApiServerTest, C13GenerateNameUsesTheRealAlphabetAndTruncates) {
  Json cm = ConfigMap("");
  cm["metadata"].erase("name");
  cm["metadata"]["generateName"] = "web-";
  std::string name = Create(kConfigMaps, cm).body["metadata"]["name"];
  ASSERT_EQ(name.size(), 9u);
  EXPECT_THAT(name, StartsWith("web-"));
  for (char c : name.substr(4)) {
    EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(c), std::string::npos) << name;
  }
  cm["metadata"]["generateName"] = std::string(70, 'a');
  std::string long_name = Create(kConfigMaps, cm).body["metadata"]["name"];
  EXPECT_EQ(long_name.size(), 63u);
  EXPECT_EQ(long_name.substr(0, 58), std::string(58, 'a'));
}

TEST_F(FakeApiServerTest, C14NoNameIsInvalid) {
  Json cm = ConfigMap("");
  cm["metadata"].erase("name");
  Reply reply = Do("POST", kConfigMaps, cm.dump());
  EXPECT_EQ(reply.code, 422);
  EXPECT_EQ(reply.body["details"]["causes"][0]["field"], "metadata.name");
}

TEST_F(FakeApiServerTest, C15MissingNamespaceIs404) {
  Reply reply = Do("POST", "/api/v1/namespaces/ghost/configmaps", ConfigMap("x", "ghost").dump());
  EXPECT_EQ(reply.code, 404);
  EXPECT_EQ(reply.body["message"], "namespaces \"ghost\" not found");
}

TEST_F(FakeApiServerTest, C16NamespaceMismatchIsBadRequest) {
  Reply reply = Do("POST", kConfigMaps, ConfigMap("x", "a").dump());
  EXPECT_EQ(reply.code, 400);
}

TEST_F(FakeApiServerTest, C17ResourceVersionOnCreateIs500) {
  Json cm = ConfigMap("x");
  cm["metadata"]["resourceVersion"] = "5";
  Reply reply = Do("POST", kConfigMaps, cm.dump());
  EXPECT_EQ(reply.code, 500);
  EXPECT_EQ(reply.body["message"], "resourceVersion should not be set on objects to be created");
}

TEST_F(FakeApiServerTest, C18StaleUpdateIsConflictAndChangesNothing) {
  Json created = Create(kConfigMaps, ConfigMap("x")).body;
  Json first = created;
  first["data"]["k"] = "v2";
  ASSERT_EQ(Do("PUT", std::string(kConfigMaps) + "/x", first.dump()).code, 200);
  Json stale = created;
  stale["data"]["k"] = "v3";
  Reply reply = Do("PUT", std::string(kConfigMaps) + "/x", stale.dump());
  EXPECT_EQ(reply.code, 409);
  EXPECT_THAT(reply.body["message"].get<std::string>(),
              HasSubstr("the object has been modified; please apply your changes to the latest "
                        "version and try again"));
  EXPECT_EQ(Do("GET", std::string(kConfigMaps) + "/x").body["data"]["k"], "v2");
}

TEST_F(FakeApiServerTest, C19BuiltinUpdateWithoutResourceVersionIsUnconditional) {
  Create(kConfigMaps, ConfigMap("x"));
  Json update = ConfigMap("x");
  update["data"]["k"] = "v9";
  EXPECT_EQ(Do("PUT", std::string(kConfigMaps) + "/x", update.dump()).code, 200);
}

TEST_F(FakeApiServerTest, C20NameMismatchOnUpdateIsBadRequest) {
  Create(kConfigMaps, ConfigMap("x"));
  EXPECT_EQ(Do("PUT", std::string(kConfigMaps) + "/x", ConfigMap("y").dump()).code, 400);
}

TEST_F(FakeApiServerTest, C21NoOpUpdateKeepsResourceVersionAndEmitsNothing) {
  Json created = Create(kConfigMaps, ConfigMap("x")).body;
  std::string rv = created["metadata"]["resourceVersion"];
  std::atomic<bool> done{false};
  std::vector<Json> events;
  std::thread watcher([&] {
    events = WatchEvents(
        std::string(kConfigMaps) + "?watch=1&resourceVersion=" + rv + "&timeoutSeconds=1", 1);
    done = true;
  });
  Reply updated = Do("PUT", std::string(kConfigMaps) + "/x", created.dump());
  EXPECT_EQ(updated.code, 200);
  EXPECT_EQ(updated.body["metadata"]["resourceVersion"], rv);
  watcher.join();
  EXPECT_TRUE(events.empty()) << events.size();
}

TEST_F(FakeApiServerTest, C22DeploymentGenerationRules) {
  Json d = Create(kDeployments, Deployment("web")).body;
  const std::string path = std::string(kDeployments) + "/web";
  d["spec"]["replicas"] = 3;
  d = Do("PUT", path, d.dump()).body;
  EXPECT_EQ(d["metadata"]["generation"], 2);
  d["metadata"]["labels"] = {{"team", "a"}};
  d = Do("PUT", path, d.dump()).body;
  EXPECT_EQ(d["metadata"]["generation"], 2);
  d["metadata"]["annotations"] = {{"note", "x"}};
  d = Do("PUT", path, d.dump()).body;
  EXPECT_EQ(d["metadata"]["generation"], 3);
  d["status"] = {{"replicas", 3}};
  d = Do("PUT", path + "/status", d.dump()).body;
  EXPECT_EQ(d["metadata"]["generation"], 3);
  EXPECT_EQ(d["status"]["replicas"], 3);
}

TEST_F(FakeApiServerTest, C23StatusSubresourceSplit) {
  Json d = Create(kDeployments, Deployment("web")).body;
  const std::string path = std::string(kDeployments) + "/web";
  Json with_status = d;
  with_status["status"] = {{"replicas", 7}};
  Json after_main = Do("PUT", path, with_status.dump()).body;
  EXPECT_FALSE(after_main.contains("status") && after_main["status"].contains("replicas"));
  Json status_write = after_main;
  status_write["spec"]["replicas"] = 9;
  status_write["status"] = {{"replicas", 2}};
  status_write["metadata"]["labels"] = {{"x", "y"}};
  status_write["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"}};
  Json after_status = Do("PUT", path + "/status", status_write.dump()).body;
  EXPECT_EQ(after_status["spec"]["replicas"], 1);
  EXPECT_EQ(after_status["status"]["replicas"], 2);
  EXPECT_FALSE(after_status["metadata"].contains("labels"));
  EXPECT_EQ(after_status["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
  EXPECT_EQ(after_status["metadata"]["generation"], 1);
}

TEST_F(FakeApiServerTest, C24DeploymentSelectorIsImmutable) {
  Json d = Create(kDeployments, Deployment("web")).body;
  d["spec"]["selector"]["matchLabels"]["extra"] = "1";
  d["spec"]["template"]["metadata"]["labels"]["extra"] = "1";
  Reply reply = Do("PUT", std::string(kDeployments) + "/web", d.dump());
  EXPECT_EQ(reply.code, 422);
  EXPECT_THAT(reply.body["message"].get<std::string>(), HasSubstr("field is immutable"));
}

TEST_F(FakeApiServerTest, C25SelectorMustMatchTemplateLabels) {
  Json d = Deployment("web");
  d["spec"]["template"]["metadata"]["labels"] = {{"app", "other"}};
  Reply reply = Do("POST", kDeployments, d.dump());
  EXPECT_EQ(reply.code, 422);
  EXPECT_EQ(reply.body["details"]["causes"][0]["field"], "spec.template.metadata.labels");
}

TEST_F(FakeApiServerTest, C28PagesComeFromOneSnapshot) {
  for (int i = 0; i < 7; ++i) Create(kPods, Pod("p" + std::to_string(i)));
  Reply page1 = Do("GET", std::string(kPods) + "?limit=3");
  ASSERT_EQ(page1.body["items"].size(), 3u);
  std::string rv = page1.body["metadata"]["resourceVersion"];
  std::string token = page1.body["metadata"]["continue"];
  EXPECT_EQ(page1.body["metadata"]["remainingItemCount"], 4);
  Create(kPods, Pod("p3a"));  // sorts inside page 2; must not appear
  Reply page2 = Do("GET", std::string(kPods) + "?limit=3&continue=" + token);
  ASSERT_EQ(page2.body["items"].size(), 3u);
  EXPECT_EQ(page2.body["metadata"]["resourceVersion"], rv);
  for (const Json& item : page2.body["items"]) EXPECT_NE(item["metadata"]["name"], "p3a");
  Reply page3 = Do("GET", std::string(kPods) + "?limit=3&continue=" +
                              page2.body["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(page3.body["items"].size(), 1u);
  EXPECT_FALSE(page3.body["metadata"].contains("continue"));
}

TEST_F(FakeApiServerTest, C29ResourceVersionWithContinueIsBadRequest) {
  for (int i = 0; i < 4; ++i) Create(kPods, Pod("p" + std::to_string(i)));
  std::string token = Do("GET", std::string(kPods) + "?limit=3").body["metadata"]["continue"];
  EXPECT_EQ(Do("GET", std::string(kPods) + "?limit=3&resourceVersion=5&continue=" + token).code,
            400);
}

TEST_F(FakeApiServerTest, C30CompactedContinueTokenIsExpired) {
  for (int i = 0; i < 4; ++i) Create(kPods, Pod("p" + std::to_string(i)));
  std::string token = Do("GET", std::string(kPods) + "?limit=3").body["metadata"]["continue"];
  Create(kPods, Pod("later"));
  server_.CompactHistory();
  Reply reply = Do("GET", std::string(kPods) + "?limit=3&continue=" + token);
  EXPECT_EQ(reply.code, 410);
  EXPECT_EQ(reply.body["reason"], "Expired");
}

TEST_F(FakeApiServerTest, C31ExactWithoutResourceVersionIsInvalid) {
  Reply reply = Do("GET", std::string(kPods) + "?resourceVersionMatch=Exact");
  EXPECT_EQ(reply.code, 422);
  EXPECT_EQ(reply.body["details"]["kind"], "ListOptions");
}

TEST_F(FakeApiServerTest, C32ExactListReturnsTheHistoricalSnapshot) {
  Create(kPods, Pod("a"));
  std::string rv = Do("GET", kPods).body["metadata"]["resourceVersion"];
  Create(kPods, Pod("b"));
  Reply reply =
      Do("GET", std::string(kPods) + "?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
  ASSERT_EQ(reply.code, 200) << reply.raw;
  EXPECT_EQ(reply.body["metadata"]["resourceVersion"], rv);
  ASSERT_EQ(reply.body["items"].size(), 1u);
  EXPECT_EQ(reply.body["items"][0]["metadata"]["name"], "a");
}

TEST_F(FakeApiServerTest, C33LabelSelectors) {
  Create(kPods, Pod("p1", {{"app", "a"}, {"tier", "fe"}}));
  Create(kPods, Pod("p2", {{"app", "a"}}));
  Create(kPods, Pod("p3", {{"app", "b"}}));
  Create(kPods, Pod("p4"));
  auto count = [&](const std::string& selector) {
    std::string escaped;
    for (char c : selector) {
      if (c == ' ')
        escaped += "%20";
      else if (c == '!')
        escaped += "%21";
      else if (c == '(')
        escaped += "%28";
      else if (c == ')')
        escaped += "%29";
      else if (c == ',')
        escaped += "%2C";
      else if (c == '=')
        escaped += "%3D";
      else
        escaped += c;
    }
    return Do("GET", std::string(kPods) + "?labelSelector=" + escaped).body["items"].size();
  };
  EXPECT_EQ(count("app=a"), 2u);
  EXPECT_EQ(count("app!=a"), 2u);
  EXPECT_EQ(count("app in (a,b)"), 3u);
  EXPECT_EQ(count("app notin (a)"), 2u);
  EXPECT_EQ(count("tier"), 1u);
  EXPECT_EQ(count("!tier"), 3u);
  EXPECT_EQ(count("app=a,tier=fe"), 1u);
}

TEST_F(FakeApiServerTest, C34FieldSelectors) {
  Create(kPods, Pod("unscheduled"));
  Json scheduled = Pod("scheduled");
  scheduled["spec"]["nodeName"] = "node-1";
  Create(kPods, scheduled);
  Reply unscheduled = Do("GET", std::string(kPods) + "?fieldSelector=spec.nodeName%3D");
  ASSERT_EQ(unscheduled.body["items"].size(), 1u);
  EXPECT_EQ(unscheduled.body["items"][0]["metadata"]["name"], "unscheduled");
  EXPECT_EQ(Do("GET", std::string(kPods) + "?fieldSelector=metadata.name%3Dscheduled")
                .body["items"]
                .size(),
            1u);
  Reply bad = Do("GET", std::string(kPods) + "?fieldSelector=spec.foo%3Dbar");
  EXPECT_EQ(bad.code, 400);
  EXPECT_EQ(bad.body["message"], "field label not supported: spec.foo");
}

TEST_F(FakeApiServerTest, C36WatchFromListSeesOneModifiedThenDeleted) {
  Json cm = Create(kConfigMaps, ConfigMap("x")).body;
  std::string rv = Do("GET", kConfigMaps).body["metadata"]["resourceVersion"];
  std::vector<Json> events;
  std::thread watcher([&] {
    events = WatchEvents(std::string(kConfigMaps) + "?watch=true&resourceVersion=" + rv, 2);
  });
  cm["data"]["k"] = "v2";
  Json updated = Do("PUT", std::string(kConfigMaps) + "/x", cm.dump()).body;
  Reply deleted = Do("DELETE", std::string(kConfigMaps) + "/x");
  EXPECT_EQ(deleted.code, 200);
  watcher.join();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_GT(std::stoll(events[0]["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(rv));
  EXPECT_EQ(events[1]["type"], "DELETED");
  EXPECT_GT(std::stoll(events[1]["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(updated["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(FakeApiServerTest, C37WatchWithoutResourceVersionStartsWithAddedPerObject) {
  Create(kConfigMaps, ConfigMap("a"));
  Create(kConfigMaps, ConfigMap("b"));
  for (const char* rv : {"", "&resourceVersion=0"}) {
    auto events = WatchEvents(std::string(kConfigMaps) + "?watch=1" + rv, 2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["type"], "ADDED");
    EXPECT_EQ(events[1]["object"]["metadata"]["name"], "b");
  }
}

TEST_F(FakeApiServerTest, C38WatchFromCompactedVersionIsAnErrorEventInA200) {
  std::string rv = Create(kConfigMaps, ConfigMap("a")).body["metadata"]["resourceVersion"];
  Create(kConfigMaps, ConfigMap("b"));
  server_.CompactHistory();
  auto events = WatchEvents(std::string(kConfigMaps) + "?watch=1&resourceVersion=" + rv, 5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
}

TEST_F(FakeApiServerTest, C39RelabelledObjectLeavesAndReentersAFilteredWatch) {
  Json pod = Create(kPods, Pod("p", {{"app", "a"}})).body;
  std::string rv = pod["metadata"]["resourceVersion"];
  std::vector<Json> events;
  std::thread watcher([&] {
    events =
        WatchEvents(std::string(kPods) + "?watch=1&labelSelector=app%3Da&resourceVersion=" + rv, 2);
  });
  const std::string path = std::string(kPods) + "/p";
  Do("PATCH", path, R"({"metadata":{"labels":{"app":"b"}}})", "application/merge-patch+json");
  Do("PATCH", path, R"({"metadata":{"labels":{"app":"a"}}})", "application/merge-patch+json");
  watcher.join();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "DELETED");
  EXPECT_EQ(events[1]["type"], "ADDED");
}

TEST_F(FakeApiServerTest, C40BookmarksCarryOnlyTheResourceVersion) {
  FakeApiServerOptions options;
  options.bookmark_interval = std::chrono::milliseconds(50);
  FakeApiServer server(options);
  auto transport = server.NewTransport();
  transport_ = std::move(transport);
  auto events = WatchEvents(
      std::string(kConfigMaps) + "?watch=1&allowWatchBookmarks=true&resourceVersion=1", 2);
  ASSERT_EQ(events.size(), 2u);
  int64_t last = 0;
  for (const Json& e : events) {
    EXPECT_EQ(e["type"], "BOOKMARK");
    EXPECT_EQ(e["object"]["kind"], "ConfigMap");
    EXPECT_EQ(e["object"]["metadata"].size(), 1u);
    int64_t rv = std::stoll(e["object"]["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GE(rv, last);
    last = rv;
  }
  transport_ = server_.NewTransport();
}

TEST_F(FakeApiServerTest, C41TimeoutEndsTheStreamCleanly) {
  auto start = std::chrono::steady_clock::now();
  auto events = WatchEvents(std::string(kConfigMaps) + "?watch=1&timeoutSeconds=1", 10);
  EXPECT_TRUE(events.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

TEST_F(FakeApiServerTest, C42StreamingListEndsInitialEventsWithAnnotatedBookmark) {
  Create(kConfigMaps, ConfigMap("a"));
  Create(kConfigMaps, ConfigMap("b"));
  auto events = WatchEvents(std::string(kConfigMaps) +
                                "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                                "&allowWatchBookmarks=true",
                            3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "ADDED");
  EXPECT_EQ(events[2]["type"], "BOOKMARK");
  EXPECT_EQ(events[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_GE(std::stoll(events[2]["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(events[1]["object"]["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(FakeApiServerTest, C43StreamingListParameterRules) {
  Reply missing = Do("GET", std::string(kConfigMaps) + "?watch=1&sendInitialEvents=true");
  EXPECT_EQ(missing.code, 422);
  EXPECT_THAT(missing.body["message"].get<std::string>(),
              HasSubstr("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
  EXPECT_EQ(Do("GET", std::string(kConfigMaps) + "?watch=1&resourceVersionMatch=NotOlderThan").code,
            422);
}

TEST_F(FakeApiServerTest, C46JsonPatchBumpsGeneration) {
  Create(kDeployments, Deployment("web"));
  Reply reply =
      Do("PATCH", std::string(kDeployments) + "/web",
         R"([{"op":"replace","path":"/spec/replicas","value":5}])", "application/json-patch+json");
  ASSERT_EQ(reply.code, 200) << reply.raw;
  EXPECT_EQ(reply.body["spec"]["replicas"], 5);
  EXPECT_EQ(reply.body["metadata"]["generation"], 2);
}

TEST_F(FakeApiServerTest, StrategicMergePatchKeepsOtherContainers) {
  Json pod = Pod("p");
  pod["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "busybox"}});
  Create(kPods, pod);
  Reply reply = Do("PATCH", std::string(kPods) + "/p",
                   R"({"spec":{"containers":[{"name":"sidecar","image":"busybox:2"}]}})",
                   "application/strategic-merge-patch+json");
  ASSERT_EQ(reply.code, 200) << reply.raw;
  const Json& containers = reply.body["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["image"], "nginx:1.25");
  EXPECT_EQ(containers[1]["image"], "busybox:2");
}

TEST_F(FakeApiServerTest, ScaleSubresourceReadsAndWritesReplicas) {
  Create(kDeployments, Deployment("web"));
  Reply scale = Do("GET", std::string(kDeployments) + "/web/scale");
  EXPECT_EQ(scale.body["kind"], "Scale");
  EXPECT_EQ(scale.body["spec"]["replicas"], 1);
  EXPECT_EQ(scale.body["status"]["selector"], "app=web");
  Reply patched = Do("PATCH", std::string(kDeployments) + "/web/scale",
                     R"({"spec":{"replicas":4}})", "application/merge-patch+json");
  ASSERT_EQ(patched.code, 200) << patched.raw;
  EXPECT_EQ(patched.body["spec"]["replicas"], 4);
  Json d = Do("GET", std::string(kDeployments) + "/web").body;
  EXPECT_EQ(d["spec"]["replicas"], 4);
  EXPECT_EQ(d["metadata"]["generation"], 2);
}

TEST_F(FakeApiServerTest, FinalizersHoldDeletionUntilRemoved) {
  Json cm = ConfigMap("x");
  cm["metadata"]["finalizers"] = {"example.com/cleanup"};
  Create(kConfigMaps, cm);
  Reply deleting = Do("DELETE", std::string(kConfigMaps) + "/x");
  EXPECT_EQ(deleting.code, 200);
  EXPECT_TRUE(deleting.body["metadata"].contains("deletionTimestamp"));
  Json stored = Do("GET", std::string(kConfigMaps) + "/x").body;
  Json adding = stored;
  adding["metadata"]["finalizers"].push_back("another");
  EXPECT_EQ(Do("PUT", std::string(kConfigMaps) + "/x", adding.dump()).code, 422);
  stored["metadata"].erase("finalizers");
  EXPECT_EQ(Do("PUT", std::string(kConfigMaps) + "/x", stored.dump()).code, 200);
  EXPECT_EQ(Do("GET", std::string(kConfigMaps) + "/x").code, 404);
}

TEST_F(FakeApiServerTest, ForegroundAndOrphanPoliciesAddTheirFinalizers) {
  Create(kConfigMaps, ConfigMap("fg"));
  Create(kConfigMaps, ConfigMap("or"));
  Json fg = Do("DELETE", std::string(kConfigMaps) + "/fg",
               R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"})")
                .body;
  EXPECT_EQ(fg["metadata"]["finalizers"], Json::array({"foregroundDeletion"}));
  Json orphan = Do("DELETE", std::string(kConfigMaps) + "/or?propagationPolicy=Orphan").body;
  EXPECT_EQ(orphan["metadata"]["finalizers"], Json::array({"orphan"}));
}

TEST_F(FakeApiServerTest, ScheduledPodDeletionIsGraceful) {
  Json pod = Pod("p");
  pod["spec"]["nodeName"] = "node-1";
  Create(kPods, pod);
  Json deleting = Do("DELETE", std::string(kPods) + "/p").body;
  EXPECT_EQ(deleting["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_EQ(Do("GET", std::string(kPods) + "/p").code, 200);
  EXPECT_EQ(Do("DELETE", std::string(kPods) + "/p?gracePeriodSeconds=0").code, 200);
  EXPECT_EQ(Do("GET", std::string(kPods) + "/p").code, 404);
}

TEST_F(FakeApiServerTest, NamespaceDeletionRemovesContentsThenTheNamespace) {
  Create("/api/v1/namespaces",
         {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
  Create("/api/v1/namespaces/team/configmaps", ConfigMap("x", "team"));
  Reply deleted = Do("DELETE", "/api/v1/namespaces/team");
  EXPECT_EQ(deleted.code, 200) << deleted.raw;
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team/configmaps/x").code, 404);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team").code, 404);
}

TEST_F(FakeApiServerTest, WithoutBuiltinNamespaceDeletionTheNamespaceWaitsForFinalize) {
  FakeApiServerOptions options;
  options.builtin_namespace_deletion = false;
  FakeApiServer server(options);
  transport_ = server.NewTransport();
  Json created =
      Create("/api/v1/namespaces",
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}})
          .body;
  EXPECT_EQ(created["spec"]["finalizers"], Json::array({"kubernetes"}));
  Create("/api/v1/namespaces/team/configmaps", ConfigMap("x", "team"));

  // DELETE leaves the namespace Terminating with its content, as kube-apiserver does.
  Reply deleted = Do("DELETE", "/api/v1/namespaces/team");
  EXPECT_EQ(deleted.code, 200) << deleted.raw;
  EXPECT_EQ(deleted.body["status"]["phase"], "Terminating");
  Json ns = Do("GET", "/api/v1/namespaces/team").body;
  EXPECT_FALSE(ns["metadata"]["deletionTimestamp"].is_null());
  EXPECT_EQ(ns["spec"]["finalizers"], Json::array({"kubernetes"}));
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team/configmaps/x").code, 200);
  Reply refused = Do("POST", "/api/v1/namespaces/team/configmaps", ConfigMap("y", "team").dump());
  EXPECT_EQ(refused.code, 403) << refused.raw;
  EXPECT_EQ(refused.body["details"]["causes"][0]["reason"], "NamespaceTerminating");

  // Removing the last content does not delete it; neither does a status update.
  EXPECT_EQ(Do("DELETE", "/api/v1/namespaces/team/configmaps/x").code, 200);
  Json status = Do("GET", "/api/v1/namespaces/team").body;
  status["status"]["conditions"] = {{{"type", "NamespaceContentRemaining"},
                                     {"status", "False"},
                                     {"reason", "ContentRemoved"},
                                     {"message", "All content successfully removed"}}};
  EXPECT_EQ(Do("PUT", "/api/v1/namespaces/team/status", status.dump()).code, 200);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team").code, 200);

  // finalize with spec.finalizers emptied deletes it.
  Json finalize = Do("GET", "/api/v1/namespaces/team").body;
  finalize["spec"]["finalizers"] = Json::array();
  Reply finalized = Do("PUT", "/api/v1/namespaces/team/finalize", finalize.dump());
  EXPECT_EQ(finalized.code, 200) << finalized.raw;
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team").code, 404);
}

TEST_F(FakeApiServerTest, WithoutBuiltinNamespaceDeletionAFinalizedNamespaceGoesAtOnce) {
  FakeApiServerOptions options;
  options.builtin_namespace_deletion = false;
  FakeApiServer server(options);
  transport_ = server.NewTransport();
  Json created =
      Create("/api/v1/namespaces",
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bare"}}}})
          .body;
  created["spec"]["finalizers"] = Json::array();
  EXPECT_EQ(Do("PUT", "/api/v1/namespaces/bare/finalize", created.dump()).code, 200);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/bare").code, 200);
  EXPECT_EQ(Do("DELETE", "/api/v1/namespaces/bare").code, 200);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/bare").code, 404);
}

TEST_F(FakeApiServerTest, SeedNamespacesExist) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_EQ(Do("GET", std::string("/api/v1/namespaces/") + ns).code, 200) << ns;
  }
}

TEST_F(FakeApiServerTest, ServiceGetsClusterIpFromTheRange) {
  Json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", "web"}}},
              {"spec", {{"selector", {{"app", "web"}}}, {"ports", {{{"port", 80}}}}}}};
  Json created = Create("/api/v1/namespaces/default/services", svc).body;
  std::string ip = created["spec"]["clusterIP"];
  EXPECT_THAT(ip, StartsWith("10.9"));
  EXPECT_EQ(created["spec"]["ports"][0]["targetPort"], 80);
}

TEST_F(FakeApiServerTest, CustomResourceDefinitionServesItsResource) {
  Json crd = {
      {"apiVersion", "apiextensions.k8s.io/v1"},
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
           {"subresources", {{"status", Json::object()}}},
           {"schema",
            {{"openAPIV3Schema",
              {{"type", "object"},
               {"properties",
                {{"spec",
                  {{"type", "object"},
                   {"properties",
                    {{"size", {{"type", "integer"}, {"default", 1}, {"maximum", 10}}}}}}},
                 {"status",
                  {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}}}}}};
  Reply created = Create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  ASSERT_EQ(created.code, 201) << created.raw;
  const std::string widgets = "/apis/example.com/v1/namespaces/default/widgets";
  Json widget = {{"apiVersion", "example.com/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w"}}},
                 {"spec", {{"unknown", true}}}};
  Reply w = Create(widgets, widget);
  EXPECT_EQ(w.body["spec"]["size"], 1);
  EXPECT_FALSE(w.body["spec"].contains("unknown"));
  EXPECT_EQ(w.body["metadata"]["generation"], 1);
  widget["spec"] = {{"size", 11}};
  widget["metadata"]["name"] = "big";
  EXPECT_EQ(Do("POST", widgets, widget.dump()).code, 422);
  EXPECT_EQ(Do("PATCH", widgets + "/w", R"({"spec":{"size":2}})",
               "application/strategic-merge-patch+json")
                .code,
            415);
  Json no_rv = w.body;
  no_rv["metadata"].erase("resourceVersion");
  EXPECT_EQ(Do("PUT", widgets + "/w", no_rv.dump()).code, 422);
  EXPECT_EQ(
      Do("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
          .code,
      200);
  EXPECT_EQ(Do("GET", widgets).code, 404);
}

TEST_F(FakeApiServerTest, InjectedFaultsFailTheNextMatchingRequests) {
  server_.InjectFault(
      {.verb = "list", .resource = "pods", .http_code = 429, .times = 2, .retry_after_seconds = 1});
  Reply first = Do("GET", kPods);
  EXPECT_EQ(first.code, 429);
  EXPECT_EQ(transport::FindHeader(first.headers, "Retry-After"), "1");
  EXPECT_EQ(Do("GET", kPods).code, 429);
  EXPECT_EQ(Do("GET", kPods).code, 200);
}

TEST_F(FakeApiServerTest, InjectedWatch410IsAnErrorEventInA200LikeACompactedStart) {
  // The Python client retries once on an in-stream 410, never on an HTTP 410.
  server_.InjectFault({.verb = "watch", .resource = "configmaps", .http_code = 410});
  auto events = WatchEvents(std::string(kConfigMaps) + "?watch=true&resourceVersion=1", 5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
}

TEST_F(FakeApiServerTest, ServerSideApplyConflictsWithAnotherManagerUnlessForced) {
  const std::string url = std::string(kConfigMaps) + "/ssa";
  const std::string apply = "application/apply-patch+yaml";
  Json body = ConfigMap("ssa");
  Reply created = Do("PATCH", url + "?fieldManager=first", body.dump(), apply);
  ASSERT_EQ(created.code, 201) << created.raw;
  const Json& entry = created.body["metadata"]["managedFields"][0];
  EXPECT_EQ(entry["manager"], "first");
  EXPECT_EQ(entry["operation"], "Apply");
  EXPECT_EQ(entry["fieldsV1"], Json::parse(R"({"f:data":{"f:k":{}}})"));

  body["data"]["k"] = "other";
  Reply conflict = Do("PATCH", url + "?fieldManager=second", body.dump(), apply);
  EXPECT_EQ(conflict.code, 409) << conflict.raw;
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_EQ(conflict.body["message"],
            "Apply failed with 1 conflict: conflict with \"first\" using v1: .data.k");
  EXPECT_EQ(conflict.body["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(conflict.body["details"]["causes"][0]["field"], ".data.k");

  // The same value is no conflict; force takes the field over.
  Reply same = Do("PATCH", url + "?fieldManager=second", ConfigMap("ssa").dump(), apply);
  EXPECT_EQ(same.code, 200) << same.raw;
  Reply forced = Do("PATCH", url + "?fieldManager=second&force=true", body.dump(), apply);
  ASSERT_EQ(forced.code, 200) << forced.raw;
  EXPECT_EQ(forced.body["data"]["k"], "other");
  std::set<std::string> managers;
  for (const Json& e : forced.body["metadata"]["managedFields"]) {
    managers.insert(e["manager"].get<std::string>());
  }
  EXPECT_EQ(managers, std::set<std::string>{"second"});  // "first" owns nothing left

  Reply not_apply =
      Do("PATCH", url + "?force=true", R"({"data":{"k":"x"}})", "application/merge-patch+json");
  EXPECT_EQ(not_apply.code, 422) << not_apply.raw;
  EXPECT_THAT(not_apply.body["message"].get<std::string>(), HasSubstr("force: Forbidden"));
}

TEST_F(FakeApiServerTest, StrictFieldValidationRejectsUnknownFieldsOfBuiltinKinds) {
  Json body = ConfigMap("strict");
  body["bogus"] = 1;
  body["metadata"]["nope"] = "x";
  Reply strict = Do("POST", std::string(kConfigMaps) + "?fieldValidation=Strict", body.dump());
  EXPECT_EQ(strict.code, 400) << strict.raw;
  EXPECT_EQ(strict.body["message"],
            "strict decoding error: unknown field \"metadata.nope\", unknown field \"bogus\"");
  // Warn (the default) drops them and says so in Warning headers.
  Reply warned = Do("POST", kConfigMaps, body.dump());
  ASSERT_EQ(warned.code, 201) << warned.raw;
  EXPECT_FALSE(warned.body.contains("bogus"));
  EXPECT_FALSE(warned.body["metadata"].contains("nope"));
  int warnings = 0;
  for (const auto& [name, value] : warned.headers) {
    if (name == "Warning" && value.find("unknown field") != std::string::npos) ++warnings;
  }
  EXPECT_EQ(warnings, 2);
}

TEST_F(FakeApiServerTest, OpenApiOffersNoStrategicMergePatchForCustomResources) {
  // kubectl apply/edit pick a JSON merge patch for kinds whose OpenAPI v3 PATCH does
  // not list strategic merge; listing it makes them send one and get 415.
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "gizmos.example.com"}}},
              {"spec",
               {{"group", "example.com"},
                {"scope", "Namespaced"},
                {"names", {{"plural", "gizmos"}, {"singular", "gizmo"}, {"kind", "Gizmo"}}},
                {"versions",
                 {{{"name", "v1"},
                   {"served", true},
                   {"storage", true},
                   {"schema",
                    {{"openAPIV3Schema",
                      {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}};
  Create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  Reply doc = Do("GET", "/openapi/v3/apis/example.com/v1");
  ASSERT_EQ(doc.code, 200);
  int patches = 0;
  for (const auto& [path, item] : doc.body["paths"].items()) {
    if (!item.contains("patch")) continue;
    ++patches;
    const Json& content = item["patch"]["requestBody"]["content"];
    EXPECT_FALSE(content.contains("application/strategic-merge-patch+json")) << path;
    EXPECT_TRUE(content.contains("application/merge-patch+json")) << path;
  }
  EXPECT_GT(patches, 0);
  Reply apps = Do("GET", "/openapi/v3/apis/apps/v1");
  bool strategic = false;
  for (const auto& [path, item] : apps.body["paths"].items()) {
    if (item.contains("patch") && item["patch"]["requestBody"]["content"].contains(
                                      "application/strategic-merge-patch+json")) {
      strategic = true;
    }
  }
  EXPECT_TRUE(strategic) << "built-in kinds keep strategic merge";
}

TEST_F(FakeApiServerTest, ClientAndDynamicApiWorkInProcess) {
  auto client = server_.NewClient();
  client::DynamicApi pods(client.get(), {{"", "v1", "pods"}, "Pod", true}, "default");
  auto created = pods.Create(*Unstructured::FromJson(Pod("p")));
  ASSERT_TRUE(created.ok()) << created.status();
  auto list = pods.List();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->items.size(), 1u);
  auto missing = pods.Get("nope");
  EXPECT_TRUE(IsNotFound(missing.status()));
}

}  // namespace
}  // namespace kube::testing

namespace kube::testing {
namespace {

TEST(FakeApiServerHooks, OpenWatchesCountsRegisteredStreamsAndClearFaultsDropsPending) {
  FakeApiServer server;
  auto transport = server.NewTransport();
  EXPECT_EQ(server.OpenWatches("configmaps"), 0u);
  std::stop_source stop;
  std::thread watcher([&] {
    transport::Request request;
    request.target = "/api/v1/namespaces/default/configmaps?watch=1";
    (void)transport->Stream(
        request, [](std::string_view) { return true; }, stop.get_token());
  });
  for (int i = 0; i < 500 && server.OpenWatches("configmaps") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.OpenWatches("configmaps"), 1u);
  EXPECT_EQ(server.OpenWatches("pods"), 0u);
  stop.request_stop();
  watcher.join();
  for (int i = 0; i < 500 && server.OpenWatches() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.OpenWatches(), 0u);

  server.InjectFault({.verb = "list", .http_code = 500, .times = 5});
  server.ClearFaults();
  transport::Request list;
  list.target = "/api/v1/namespaces/default/configmaps";
  auto response = transport->Send(list, {});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status_code, 200);
}

}  // namespace
}  // namespace kube::testing
