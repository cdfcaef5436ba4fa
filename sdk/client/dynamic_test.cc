#include "kubecpp/client/dynamic.h"

#include <gtest/gtest.h>

#include "kubecpp/client/internal/test_transport.h"
#include "kubecpp/core/json.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::client {
namespace {

using internal::JsonResponse;
using internal::ScriptedTransport;

const ResourceRef kPods{{"", "v1", "pods"}, "Pod", true};
const ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};
const ResourceRef kNodes{{"", "v1", "nodes"}, "Node", false};

struct Fixture {
  explicit Fixture(ScriptedTransport::Script script, size_t chunk = 64) {
    Config config;
    config.qps = 0;
    auto t = std::make_unique<ScriptedTransport>(std::move(script), chunk);
    transport = t.get();
    client = std::make_unique<Client>(config, std::move(t), nullptr, clock);
  }
  testing::FakeClock clock;
  ScriptedTransport* transport;
  std::unique_ptr<Client> client;
};

TEST(ResourcePath, CoreGroupsNamespacesAndSubresources) {
  EXPECT_EQ(ResourcePath(kPods, ""), "/api/v1/pods");
  EXPECT_EQ(ResourcePath(kPods, "ns"), "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(ResourcePath(kPods, "ns", "a", "status"), "/api/v1/namespaces/ns/pods/a/status");
  EXPECT_EQ(ResourcePath(kDeployments, "ns", "web", "scale"),
            "/apis/apps/v1/namespaces/ns/deployments/web/scale");
  EXPECT_EQ(ResourcePath(kNodes, "ignored", "n1"), "/api/v1/nodes/n1");
}

TEST(Options, ListQueryEscapesSelectors) {
  ListOptions o;
  o.label_selector = "app=web,tier in (a,b)";
  o.field_selector = "spec.nodeName=";
  o.limit = 500;
  o.resource_version = "0";
  EXPECT_EQ(ListQuery(o, false),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=spec.nodeName%3D"
            "&limit=500&resourceVersion=0");
  o.allow_watch_bookmarks = true;
  o.timeout_seconds = 300;
  o.send_initial_events = true;
  o.resource_version_match = "NotOlderThan";
  EXPECT_EQ(ListQuery(o, true),
            "?watch=true&labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=spec."
            "nodeName%3D&resourceVersion=0&resourceVersionMatch=NotOlderThan&timeoutSeconds=300"
            "&allowWatchBookmarks=true&sendInitialEvents=true");
  ListOptions initial;
  initial.send_initial_events = true;
  EXPECT_EQ(ListQuery(initial, true),
            "?watch=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true");
  EXPECT_EQ(QueryEscape("\xc3\xa9 ~"), "%C3%A9%20~");
  EXPECT_EQ(ListQuery(ListOptions{}, false), "");
}

TEST(Options, DeleteBodyAndWriteQuery) {
  DeleteOptions d;
  d.propagation_policy = PropagationPolicy::kForeground;
  d.grace_period_seconds = 0;
  d.precondition_uid = "u1";
  d.precondition_resource_version = "7";
  d.dry_run = true;
  EXPECT_EQ(
      Json::parse(DeleteBody(d)),
      Json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground",
            "gracePeriodSeconds":0,"preconditions":{"uid":"u1","resourceVersion":"7"},"dryRun":["All"]})"));
  WriteOptions w{true, "my-controller", "Strict"};
  EXPECT_EQ(WriteQuery(w, true),
            "?dryRun=All&fieldManager=my-controller&fieldValidation=Strict&force=true");
}

TEST(DynamicApi, VerbsUseTheRightMethodPathAndBody) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(
        200,
        R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"prod","resourceVersion":"9"}})");
  });
  DynamicApi api(f.client.get(), kDeployments, "prod");
  auto obj = *Unstructured::Parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}})");

  auto got = api.Get("web");
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->resource_version(), "9");
  ASSERT_TRUE(api.Create(obj, {.dry_run = true}));
  ASSERT_TRUE(api.Update(obj));
  ASSERT_TRUE(api.UpdateStatus(obj));
  ASSERT_TRUE(api.Patch("web", PatchType::kMerge, R"({"spec":{"replicas":3}})", {}, "scale"));
  ASSERT_TRUE(api.Apply(obj, "kubecpp-test", true));
  ASSERT_TRUE(api.Delete("web", {.propagation_policy = PropagationPolicy::kBackground}).ok());

  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 7u);
  const std::string base = "/apis/apps/v1/namespaces/prod/deployments";
  EXPECT_EQ(reqs[0].method + " " + reqs[0].target, "GET " + base + "/web");
  EXPECT_EQ(reqs[1].method + " " + reqs[1].target, "POST " + base + "?dryRun=All");
  EXPECT_EQ(Json::parse(reqs[1].body)["metadata"]["name"], "web");
  EXPECT_EQ(reqs[2].method + " " + reqs[2].target, "PUT " + base + "/web");
  EXPECT_EQ(reqs[3].method + " " + reqs[3].target, "PUT " + base + "/web/status");
  EXPECT_EQ(reqs[4].method + " " + reqs[4].target, "PATCH " + base + "/web/scale");
  EXPECT_EQ(transport::FindHeader(reqs[4].headers, "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(reqs[5].target, base + "/web?fieldManager=kubecpp-test&force=true");
  EXPECT_EQ(transport::FindHeader(reqs[5].headers, "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(reqs[6].method, "DELETE");
  EXPECT_EQ(Json::parse(reqs[6].body)["propagationPolicy"], "Background");
}

TEST(DynamicApi, WritesWithoutANamespaceUseTheConfigNamespace) {
  Fixture f([](const transport::Request&) { return JsonResponse(201, "{}"); });
  DynamicApi api(f.client.get(), kPods);  // all namespaces
  ASSERT_TRUE(api.Create(*Unstructured::Parse(R"({"metadata":{"name":"a"}})")));
  ASSERT_TRUE(api.Create(*Unstructured::Parse(R"({"metadata":{"name":"b","namespace":"x"}})")));
  EXPECT_EQ(f.transport->requests()[0].target, "/api/v1/namespaces/default/pods");
  EXPECT_EQ(f.transport->requests()[1].target, "/api/v1/namespaces/x/pods");
}

TEST(DynamicApi, RepeatedContinueTokenStopsPaging) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(200, R"({"kind":"PodList","metadata":{"continue":"same"},"items":[{}]})");
  });
  DynamicApi api(f.client.get(), kPods, "default");
  auto list = api.List({.limit = 1});
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message().find("same continue token"), std::string::npos);
  EXPECT_EQ(f.transport->requests().size(), 2u);
}

TEST(DynamicApi, ConflictIsReportedAsConflict) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(409, R"({"kind":"Status","reason":"Conflict","code":409,
      "message":"Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"})");
  });
  DynamicApi api(f.client.get(), kDeployments, "prod");
  auto r = api.Update(*Unstructured::Parse(R"({"metadata":{"name":"web","resourceVersion":"1"}})"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(IsConflict(r.error()));
}

// Serves a 7-item list in pages of `limit` with continue tokens "c<offset>".
Result<transport::Response> PagedPods(const transport::Request& r, bool expire_second_page) {
  std::string target = r.target;
  size_t offset = 0;
  size_t limit = 1000;
  if (auto p = target.find("limit="); p != std::string::npos)
    limit = std::stoul(target.substr(p + 6));
  if (auto p = target.find("continue=c"); p != std::string::npos) {
    offset = std::stoul(target.substr(p + 10));
    if (expire_second_page) {
      return JsonResponse(
          410,
          R"({"kind":"Status","reason":"Expired","code":410,"message":"The provided continue parameter is too old"})");
    }
  }
  Json list = {
      {"apiVersion", "v1"}, {"kind", "PodList"}, {"metadata", {{"resourceVersion", "42"}}}};
  list["items"] = Json::array();
  for (size_t i = offset; i < std::min<size_t>(7, offset + limit); ++i) {
    list["items"].push_back({{"metadata", {{"name", "pod-" + std::to_string(i)}}}});
  }
  if (offset + limit < 7) {
    list["metadata"]["continue"] = "c" + std::to_string(offset + limit);
    list["metadata"]["remainingItemCount"] = 7 - offset - limit;
  }
  return JsonResponse(200, list.dump());
}

TEST(DynamicApi, ListFollowsContinueTokensAcrossPages) {
  Fixture f([](const transport::Request& r) { return PagedPods(r, false); });
  DynamicApi api(f.client.get(), kPods, "default");
  auto list = api.List({.label_selector = "app=web", .limit = 3});
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->items.size(), 7u);
  EXPECT_EQ(list->items[6].name(), "pod-6");
  EXPECT_EQ(list->items[0].kind(), "Pod");  // filled from PodList
  EXPECT_EQ(list->items[0].api_version(), "v1");
  EXPECT_EQ(list->metadata.resource_version, "42");
  EXPECT_TRUE(list->metadata.continue_.empty());
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);  // pages of 3, 3, 1
  EXPECT_EQ(reqs[1].target,
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=3&continue=c3");
}

TEST(DynamicApi, ListTableAsksForTheTableFormWithAJsonFallback) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(200, R"({"apiVersion":"meta.k8s.io/v1","kind":"Table",
        "columnDefinitions":[{"name":"Name","type":"string"}],"rows":[{"cells":["web"]}]})");
  });
  DynamicApi api(f.client.get(), kPods, "default");
  auto table = api.ListTable({.label_selector = "app=web"});
  ASSERT_TRUE(table) << table.error();
  EXPECT_EQ(table->kind(), "Table");
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
  EXPECT_EQ(transport::FindHeader(reqs[0].headers, "Accept"),
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
}

TEST(DynamicApi, ExplicitContinueTokenReturnsOnePage) {
  Fixture f([](const transport::Request& r) { return PagedPods(r, false); });
  DynamicApi api(f.client.get(), kPods, "default");
  auto page = api.List({.limit = 3, .continue_ = "c3"});
  ASSERT_TRUE(page) << page.error();
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->metadata.continue_, "c6");
}

TEST(DynamicApi, ExpiredContinueFallsBackToFullList) {
  Fixture f([](const transport::Request& r) { return PagedPods(r, true); });
  DynamicApi api(f.client.get(), kPods, "");
  auto list = api.List({.limit = 3});
  ASSERT_TRUE(list) << list.error();
  EXPECT_EQ(list->items.size(), 7u);
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].target, "/api/v1/pods");  // no limit
}

TEST(DynamicApi, WatchDeliversEventsAndEndsWhenServerCloses) {
  Fixture f(
      [](const transport::Request&) {
        return JsonResponse(
            200,
            R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}
{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}}
)");
      },
      3);
  DynamicApi api(f.client.get(), kPods, "default");
  std::vector<std::string> seen;
  Status s =
      api.Watch({.resource_version = "4", .allow_watch_bookmarks = true}, [&](WatchEvent&& e) {
        seen.push_back(std::string(EventTypeName(e.type)) + " " + e.object.resource_version());
        return true;
      });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED 5", "MODIFIED 6"}));
  EXPECT_EQ(
      f.transport->requests()[0].target,
      "/api/v1/namespaces/default/pods?watch=true&resourceVersion=4&allowWatchBookmarks=true");
}

TEST(DynamicApi, WatchReturnsGoneOnExpiredErrorEvent) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(
        200,
        R"json({"type":"ERROR","object":{"kind":"Status","reason":"Expired","code":410,"message":"too old resource version: 1 (5)"}})json");
  });
  DynamicApi api(f.client.get(), kPods, "default");
  Status s = api.Watch({.resource_version = "1"}, [](WatchEvent&&) { return true; });
  EXPECT_TRUE(IsGone(s)) << s;
}

TEST(DynamicApi, WatchSurfacesHttpErrors) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(
        403, R"({"kind":"Status","reason":"Forbidden","code":403,"message":"pods is forbidden"})");
  });
  DynamicApi api(f.client.get(), kPods, "default");
  Status s = api.Watch({}, [](WatchEvent&&) { return true; });
  EXPECT_EQ(s.code(), Code::kForbidden);
}

}  // namespace
}  // namespace kube::client
