#include "kubecpp/core/unstructured.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

constexpr const char* kDeployment = R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "prod", "uid": "u1", "resourceVersion": "42",
               "generation": 7, "labels": {"app": "web"}, "annotations": {"a": "b"},
               "somethingNew": true},
  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
  "status": {"observedGeneration": 6}
})";

TEST(Unstructured, AccessorsReadCommonFields) {
  auto u = Unstructured::Parse(kDeployment);
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->api_version(), "apps/v1");
  EXPECT_EQ(u->kind(), "Deployment");
  EXPECT_EQ(u->name(), "web");
  EXPECT_EQ(u->namespace_(), "prod");
  EXPECT_EQ(u->uid(), "u1");
  EXPECT_EQ(u->resource_version(), "42");
  EXPECT_EQ(u->generation(), 7);
  EXPECT_EQ(u->labels().at("app"), "web");
  EXPECT_EQ(u->annotations().at("a"), "b");
  EXPECT_EQ(u->key().ToString(), "prod/web");
  auto gvk = u->gvk();
  ASSERT_TRUE(gvk);
  EXPECT_EQ(gvk->group, "apps");
  EXPECT_EQ(gvk->version, "v1");
  EXPECT_EQ(gvk->kind, "Deployment");
}

TEST(Unstructured, RejectsNonObjects) {
  EXPECT_FALSE(Unstructured::Parse("[1,2]"));
  EXPECT_FALSE(Unstructured::Parse("\"x\""));
  EXPECT_FALSE(Unstructured::Parse("{"));
}

TEST(Unstructured, BadApiVersionIsAnError) {
  auto u = Unstructured::Parse(R"({"apiVersion":"a/b/c","kind":"X"})");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->gvk());
}

TEST(Unstructured, SetMetadataKeepsUnknownMetadataFieldsAndSpec) {
  auto u = Unstructured::Parse(kDeployment);
  ASSERT_TRUE(u);
  auto meta = u->metadata();
  ASSERT_TRUE(meta) << meta.error();
  meta->labels["tier"] = "frontend";
  u->set_metadata(*meta);
  EXPECT_EQ(u->labels().at("tier"), "frontend");
  EXPECT_EQ(u->object()["metadata"]["somethingNew"], true);
  EXPECT_EQ(u->object()["spec"]["replicas"], 3);
  EXPECT_EQ(u->object()["status"]["observedGeneration"], 6);
}

TEST(Unstructured, SettersCreateMetadata) {
  Unstructured u;
  u.set_api_version("v1");
  u.set_kind("ConfigMap");
  u.set_name("cm");
  u.set_namespace("default");
  u.set_labels({{"a", "b"}});
  EXPECT_EQ(
      u.ToString(),
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"labels":{"a":"b"},"name":"cm","namespace":"default"}})");
  u.set_labels({});
  EXPECT_EQ(u.Get({"metadata", "labels"}), nullptr);
}

TEST(Unstructured, NestedGetSetRemove) {
  auto u = Unstructured::Parse(kDeployment);
  ASSERT_TRUE(u);
  ASSERT_NE(u->Get({"spec", "selector", "matchLabels"}), nullptr);
  EXPECT_EQ(u->GetString({"spec", "selector", "matchLabels", "app"}), "web");
  EXPECT_EQ(u->Get({"spec", "replicas", "deeper"}), nullptr);
  EXPECT_EQ(u->GetString({"spec", "replicas"}), "");
  u->Set({"spec", "template", "metadata", "labels", "app"}, "web");
  EXPECT_EQ(u->GetString({"spec", "template", "metadata", "labels", "app"}), "web");
  EXPECT_TRUE(u->Remove({"status"}));
  EXPECT_FALSE(u->Remove({"status"}));
  EXPECT_FALSE(u->Remove({"spec", "nope", "x"}));
  EXPECT_EQ(u->Get({"status"}), nullptr);
}

TEST(Unstructured, MalformedMetadataIsReportedWithPath) {
  auto u = Unstructured::Parse(R"({"metadata":{"labels":["not","a","map"]}})");
  ASSERT_TRUE(u);
  auto meta = u->metadata();
  ASSERT_FALSE(meta);
  EXPECT_EQ(meta.error().message(), "metadata.labels: expected object, got array");
}

}  // namespace
}  // namespace kube
