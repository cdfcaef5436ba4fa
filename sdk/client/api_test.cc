#include "kubecpp/client/api.h"

#include <gtest/gtest.h>

#include "kubecpp/client/internal/test_transport.h"
#include "kubecpp/core/internal/json_reader.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::client {
namespace {

using internal::JsonResponse;
using internal::ScriptedTransport;

// A hand-written typed resource, as kube-codegen will generate them.
struct ConfigMap {
  static constexpr std::string_view kGroup = "";
  static constexpr std::string_view kVersion = "v1";
  static constexpr std::string_view kKind = "ConfigMap";
  static constexpr std::string_view kPlural = "configmaps";
  static constexpr bool kNamespaced = true;
  ObjectMeta metadata;
  std::map<std::string, std::string> data;
};

void ToJson(const ConfigMap& v, Json* out) {
  *out = Json::object();
  ToJson(v.metadata, &(*out)["metadata"]);
  kube::internal::PutIfNotEmpty(out, "data", v.data);
}

Status FromJsonAt(const Json& in, std::string_view path, ConfigMap* out) {
  Status s;
  kube::internal::ObjectReader r(in, path, &s);
  r.Read("metadata", &out->metadata);
  r.Read("data", &out->data);
  return s;
}

static_assert(ApiResource<ConfigMap>);

struct Fixture {
  explicit Fixture(ScriptedTransport::Script script) {
    Config config;
    config.qps = 0;
    auto t = std::make_unique<ScriptedTransport>(std::move(script), 5);
    transport = t.get();
    client = std::make_unique<Client>(config, std::move(t), nullptr, clock);
  }
  testing::FakeClock clock;
  ScriptedTransport* transport;
  std::unique_ptr<Client> client;
};

TEST(Api, CreateSendsTypeMetaAndDecodesTheServerCopy) {
  Fixture f([](const transport::Request& r) {
    Json body = Json::parse(r.body);
    body["metadata"]["uid"] = "u1";
    body["metadata"]["resourceVersion"] = "3";
    return JsonResponse(201, body.dump());
  });
  Api<ConfigMap> api(f.client.get(), "default");
  ConfigMap cm;
  cm.metadata.name = "settings";
  cm.data["mode"] = "fast";
  auto created = api.Create(cm);
  ASSERT_TRUE(created) << created.error();
  EXPECT_EQ(created->metadata.uid, "u1");
  EXPECT_EQ(created->metadata.resource_version, "3");
  EXPECT_EQ(created->data.at("mode"), "fast");
  Json sent = Json::parse(f.transport->requests()[0].body);
  EXPECT_EQ(sent["apiVersion"], "v1");
  EXPECT_EQ(sent["kind"], "ConfigMap");
  EXPECT_EQ(f.transport->requests()[0].target, "/api/v1/namespaces/default/configmaps");
}

TEST(Api, ListAndWatchDecodeTypedObjects) {
  Fixture f([](const transport::Request& r) {
    if (r.target.find("watch=true") != std::string::npos) {
      return JsonResponse(
          200, R"({"type":"ADDED","object":{"metadata":{"name":"c"},"data":{"k":"v"}}})");
    }
    return JsonResponse(
        200, R"({"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"8"},
      "items":[{"metadata":{"name":"a"},"data":{"x":"1"}},{"metadata":{"name":"b"}}]})");
  });
  Api<ConfigMap> api(f.client.get());
  auto list = api.List();
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].data.at("x"), "1");
  EXPECT_EQ(list->metadata.resource_version, "8");
  std::vector<std::string> names;
  Status s = api.Watch({.resource_version = "8"}, [&](TypedEvent<ConfigMap>&& e) {
    names.push_back(e.object.metadata.name + "=" + e.object.data.at("k"));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(names, std::vector<std::string>{"c=v"});
}

TEST(Api, MalformedObjectIsAnErrorNamingTheField) {
  Fixture f([](const transport::Request&) {
    return JsonResponse(200, R"({"metadata":{"name":"a"},"data":{"k":1}})");
  });
  Api<ConfigMap> api(f.client.get(), "default");
  auto got = api.Get("a");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message(), "decoding ConfigMap: data.k: expected string, got integer");
}

}  // namespace
}  // namespace kube::client
