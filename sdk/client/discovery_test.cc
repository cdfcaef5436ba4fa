#include "kubecpp/client/discovery.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kubecpp/client/internal/test_transport.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::client {
namespace {

using internal::JsonResponse;
using internal::ScriptedTransport;

// A small apiserver's discovery documents; the widgets CRD appears after `crd_after`
// calls to /apis.
Result<transport::Response> Discovery(const transport::Request& r, std::atomic<int>* apis_calls,
                                      int crd_after) {
  if (r.target == "/version") {
    return JsonResponse(
        200, R"({"major":"1","minor":"31","gitVersion":"v1.31.2","platform":"linux/amd64"})");
  }
  if (r.target == "/api") return JsonResponse(200, R"({"kind":"APIVersions","versions":["v1"]})");
  if (r.target == "/api/v1") {
    return JsonResponse(200, R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
      {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"],"categories":["all"]},
      {"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]},
      {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get"],"shortNames":["no"]}]})");
  }
  if (r.target == "/apis") {
    bool crd = ++*apis_calls > crd_after;
    std::string groups = R"({"kind":"APIGroupList","groups":[
      {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
      {"name":"extensions.example","versions":[{"groupVersion":"extensions.example/v1","version":"v1"}],"preferredVersion":{"groupVersion":"extensions.example/v1","version":"v1"}})";
    if (crd) {
      groups +=
          R"(,{"name":"example.com","versions":[{"groupVersion":"example.com/v2","version":"v2"},{"groupVersion":"example.com/v1","version":"v1"}],"preferredVersion":{"groupVersion":"example.com/v2","version":"v2"}})";
    }
    return JsonResponse(200, groups + "]}");
  }
  if (r.target == "/apis/apps/v1") {
    return JsonResponse(200, R"({"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
      {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get"],"shortNames":["deploy"]},
      {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get"]}]})");
  }
  if (r.target == "/apis/extensions.example/v1") {
    // Same plural as apps' deployments, in another group.
    return JsonResponse(200, R"({"kind":"APIResourceList","resources":[
      {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get"]}]})");
  }
  if (r.target == "/apis/example.com/v1" || r.target == "/apis/example.com/v2") {
    return JsonResponse(200, R"({"kind":"APIResourceList","resources":[
      {"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["get"],"shortNames":["wd"]}]})");
  }
  return JsonResponse(404, R"({"kind":"Status","reason":"NotFound","code":404})");
}

struct Fixture {
  explicit Fixture(int crd_after = 0) {
    Config config;
    config.qps = 0;
    auto t = std::make_unique<ScriptedTransport>([this, crd_after](const transport::Request& r) {
      return Discovery(r, &apis_calls, crd_after);
    });
    transport = t.get();
    client = std::make_unique<Client>(config, std::move(t), nullptr, clock);
  }
  std::atomic<int> apis_calls = 0;
  testing::FakeClock clock;
  ScriptedTransport* transport;
  std::unique_ptr<Client> client;
};

TEST(Discovery, ServerVersion) {
  Fixture f;
  auto v = GetServerVersion(*f.client);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->git_version, "v1.31.2");
  EXPECT_EQ(v->minor, "31");
}

TEST(Discovery, ListsResourcesAndSkipsSubresources) {
  Fixture f;
  auto resources = DiscoverResources(*f.client);
  ASSERT_TRUE(resources) << resources.error();
  std::vector<std::string> names;
  for (const auto& r : *resources) names.push_back(r.ref.gvr.ToString());
  EXPECT_EQ(resources->size(), 6u) << ::testing::PrintToString(names);
}

TEST(RESTMapper, MapsKindsAndNames) {
  Fixture f;
  RESTMapper mapper(f.client.get());
  auto pods = mapper.ResourceFor({"", "v1", "Pod"});
  ASSERT_TRUE(pods) << pods.error();
  EXPECT_EQ(pods->gvr.resource, "pods");
  EXPECT_TRUE(pods->namespaced);
  auto nodes = mapper.ResourceForName("no");
  ASSERT_TRUE(nodes) << nodes.error();
  EXPECT_EQ(nodes->gvr.resource, "nodes");
  EXPECT_FALSE(nodes->namespaced);
  auto deploy = mapper.ResourceForName("deployments.apps");
  ASSERT_TRUE(deploy) << deploy.error();
  EXPECT_EQ(deploy->gvr.group, "apps");
  EXPECT_TRUE(mapper.ResourceForName("po"));
  EXPECT_TRUE(mapper.ResourceForName("pod"));
  EXPECT_TRUE(mapper.ResourceForName("Pod"));
}

TEST(RESTMapper, NamesServedByTwoGroupsResolveInKubectlPriority) {
  Fixture f;
  RESTMapper mapper(f.client.get());
  // apps is listed before extensions.example in /apis, as core precedes every group.
  auto r = mapper.ResourceForName("deployments");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->gvr.group, "apps");
  auto other = mapper.ResourceForName("deployments.extensions.example");
  ASSERT_TRUE(other) << other.error();
  EXPECT_EQ(other->gvr.group, "extensions.example");
}

TEST(RESTMapper, RefreshesOnceOnAMissSoNewCrdsAreFound) {
  Fixture f(/*crd_after=*/1);
  RESTMapper mapper(f.client.get());
  ASSERT_TRUE(mapper.ResourceFor({"", "v1", "Pod"}));
  EXPECT_EQ(f.apis_calls, 1);
  ASSERT_TRUE(mapper.ResourceFor({"", "v1", "Pod"}));
  EXPECT_EQ(f.apis_calls, 1);  // cached
  // Within 10 s of the first discovery a miss does not rediscover.
  EXPECT_FALSE(mapper.PreferredResourceFor({"example.com", "Widget"}));
  EXPECT_EQ(f.apis_calls, 1);
  f.clock.Step(std::chrono::seconds(10));
  auto widget = mapper.PreferredResourceFor({"example.com", "Widget"});
  ASSERT_TRUE(widget) << widget.error();
  EXPECT_EQ(widget->gvr.version, "v2");  // the preferred version
  EXPECT_EQ(f.apis_calls, 2);
  f.clock.Step(std::chrono::seconds(10));
  auto missing = mapper.ResourceForName("gadgets");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(IsNotFound(missing.error()));
  EXPECT_EQ(missing.error().message(), "the server doesn't have a resource type \"gadgets\"");
  EXPECT_EQ(f.apis_calls, 3);  // one refresh for the miss
  EXPECT_FALSE(mapper.ResourceForName("gadgets"));
  EXPECT_EQ(f.apis_calls, 3);  // and not again within 10 s
}

}  // namespace
}  // namespace kube::client
