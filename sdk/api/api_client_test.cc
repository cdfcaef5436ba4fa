// Generated types through Api<T> against the fake apiserver, with no extra code: a
// built-in kind (Deployment) and a custom resource whose CRD is created through the
// generated CustomResourceDefinition type.
#include <gtest/gtest.h>

#include "kubecpp/api/apiextensions/v1/types.h"
#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/core/json.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace {

namespace apps = kube::api::apps::v1;
namespace ext = kube::api::apiextensions::v1;

TEST(ApiClient, DeploymentCreateGetUpdateThroughApiT) {
  kube::testing::FakeApiServer server;
  auto client = server.NewClient();
  kube::client::Api<apps::Deployment> deployments(client.get(), "default");

  auto in = kube::Decode<apps::Deployment>(R"({"metadata": {"name": "web"},
      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
        "template": {"metadata": {"labels": {"app": "web"}},
          "spec": {"containers": [{"name": "web", "image": "nginx", "newField": {"x": 1}}]}}}})");
  ASSERT_TRUE(in.has_value()) << in.error().message();
  auto created = deployments.Create(*in);
  ASSERT_TRUE(created.has_value()) << created.error().message();
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_EQ(created->spec->strategy->rolling_update->max_surge,
            kube::IntOrString::FromString("25%"));
  // A field the generated Container does not know went to the server and came back.
  EXPECT_EQ(created->spec->template_.spec->containers.at(0).unknown_fields.value()["newField"],
            kube::Json({{"x", 1}}));

  created->spec->replicas = 5;
  auto updated = deployments.Update(*created);
  ASSERT_TRUE(updated.has_value()) << updated.error().message();
  auto got = deployments.Get("web");
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->spec->replicas, 5);
  auto list = deployments.List();
  ASSERT_TRUE(list.has_value()) << list.error().message();
  EXPECT_EQ(list->items.size(), 1u);
}

TEST(ApiClient, CrdCreatedThroughTheGeneratedType) {
  kube::testing::FakeApiServer server;
  auto client = server.NewClient();
  kube::client::Api<ext::CustomResourceDefinition> crds(client.get());
  auto crd = kube::Decode<ext::CustomResourceDefinition>(R"({
      "metadata": {"name": "widgets.example.com"},
      "spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [{"name": "v1", "served": true, "storage": true,
          "subresources": {"status": {}},
          "schema": {"openAPIV3Schema": {"type": "object",
            "x-kubernetes-preserve-unknown-fields": true}}}]}})");
  ASSERT_TRUE(crd.has_value()) << crd.error().message();
  auto created = crds.Create(*crd);
  ASSERT_TRUE(created.has_value()) << created.error().message();
  EXPECT_EQ(created->spec.names.kind, "Widget");
  EXPECT_EQ(created->spec.scope, ext::CustomResourceDefinitionSpecScope::kNamespaced);
  EXPECT_TRUE(created->spec.versions.at(0).subresources->status.has_value());
}

}  // namespace
