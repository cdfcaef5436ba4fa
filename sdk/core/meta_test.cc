#include "kubecpp/core/meta.h"

#include <gtest/gtest.h>

#include "kubecpp/core/json.h"

namespace kube {
namespace {

constexpr const char* kFullMeta = R"({
  "name": "web-7d4b9c8f5-x2x9z",
  "generateName": "web-7d4b9c8f5-",
  "namespace": "default",
  "uid": "6b1d3f3e-1111-4a7e-9c1e-2f4a0b4c7d10",
  "resourceVersion": "12345",
  "generation": 2,
  "creationTimestamp": "2024-05-01T10:00:00Z",
  "deletionTimestamp": "2024-05-01T11:00:00Z",
  "deletionGracePeriodSeconds": 30,
  "labels": {"app": "web", "pod-template-hash": "7d4b9c8f5"},
  "annotations": {"kubernetes.io/change-cause": "kubectl apply"},
  "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f5",
                       "uid": "0a", "controller": true, "blockOwnerDeletion": true}],
  "finalizers": ["example.com/cleanup"],
  "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                     "apiVersion": "v1", "time": "2024-05-01T10:00:00Z",
                     "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}},
                     "subresource": "status"}],
  "selfLink": "/api/v1/namespaces/default/pods/web",
  "futureField": {"nested": [1, 2, 3]}
})";

TEST(ObjectMeta, DecodesEveryField) {
  auto m = Decode<ObjectMeta>(kFullMeta);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->name, "web-7d4b9c8f5-x2x9z");
  EXPECT_EQ(m->generate_name, "web-7d4b9c8f5-");
  EXPECT_EQ(m->namespace_, "default");
  EXPECT_EQ(m->resource_version, "12345");
  EXPECT_EQ(m->generation, 2);
  EXPECT_EQ(m->creation_timestamp.ToString(), "2024-05-01T10:00:00Z");
  EXPECT_TRUE(m->IsBeingDeleted());
  EXPECT_EQ(m->deletion_grace_period_seconds, 30);
  EXPECT_EQ(m->labels.at("pod-template-hash"), "7d4b9c8f5");
  ASSERT_EQ(m->owner_references.size(), 1u);
  EXPECT_EQ(m->owner_references[0].controller, true);
  ASSERT_EQ(m->managed_fields.size(), 1u);
  EXPECT_EQ(m->managed_fields[0].subresource, "status");
  EXPECT_EQ(m->managed_fields[0].fields_v1.ToString(), R"({"f:metadata":{"f:labels":{}}})");
  EXPECT_EQ(m->key().ToString(), "default/web-7d4b9c8f5-x2x9z");
}

TEST(ObjectMeta, RoundTripKeepsUnknownFields) {
  auto m = Decode<ObjectMeta>(kFullMeta);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(Json::parse(Encode(*m)), Json::parse(kFullMeta));
}

TEST(ObjectMeta, UnknownFieldsSurviveEditsOfKnownFields) {
  auto m = Decode<ObjectMeta>(R"({"name":"a","futureField":"keep me"})");
  ASSERT_TRUE(m);
  m->labels["app"] = "web";
  Json out = Json::parse(Encode(*m));
  EXPECT_EQ(out["futureField"], "keep me");
  EXPECT_EQ(out["labels"]["app"], "web");
}

TEST(ObjectMeta, EmptyFieldsAreOmitted) {
  ObjectMeta m;
  m.name = "a";
  EXPECT_EQ(Encode(m), R"({"name":"a"})");
}

TEST(ObjectMeta, ControllerRefFindsTheControllingOwner) {
  ObjectMeta m;
  m.owner_references.push_back({"v1", "ConfigMap", "cm", "1", std::nullopt, std::nullopt});
  EXPECT_EQ(m.ControllerRef(), nullptr);
  m.owner_references.push_back({"apps/v1", "ReplicaSet", "rs", "2", false, std::nullopt});
  EXPECT_EQ(m.ControllerRef(), nullptr);
  m.owner_references.push_back({"apps/v1", "ReplicaSet", "rs2", "3", true, true});
  ASSERT_NE(m.ControllerRef(), nullptr);
  EXPECT_EQ(m.ControllerRef()->name, "rs2");
}

TEST(ObjectMeta, FinalizerHelpers) {
  ObjectMeta m;
  EXPECT_TRUE(m.AddFinalizer("a/b"));
  EXPECT_FALSE(m.AddFinalizer("a/b"));
  EXPECT_TRUE(m.HasFinalizer("a/b"));
  EXPECT_TRUE(m.RemoveFinalizer("a/b"));
  EXPECT_FALSE(m.RemoveFinalizer("a/b"));
  EXPECT_TRUE(m.finalizers.empty());
}

TEST(OwnerReference, RequiredFieldsAlwaysWritten) {
  OwnerReference ref{"apps/v1", "Deployment", "web", "u1", std::nullopt, std::nullopt};
  EXPECT_EQ(Json::parse(Encode(ref)),
            Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1"})"));
  ref.controller = false;
  EXPECT_EQ(Json::parse(Encode(ref))["controller"], false);
}

TEST(ListMeta, RoundTrip) {
  auto l = Decode<ListMeta>(R"({"resourceVersion":"10","continue":"abc","remainingItemCount":5})");
  ASSERT_TRUE(l) << l.error();
  EXPECT_EQ(l->continue_, "abc");
  EXPECT_EQ(l->remaining_item_count, 5);
  EXPECT_EQ(Json::parse(Encode(*l)),
            Json::parse(R"({"resourceVersion":"10","continue":"abc","remainingItemCount":5})"));
}

TEST(TypeMeta, RoundTrip) {
  auto t = Decode<TypeMeta>(R"({"apiVersion":"apps/v1","kind":"Deployment"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->api_version, "apps/v1");
  EXPECT_EQ(Encode(*t), R"({"apiVersion":"apps/v1","kind":"Deployment"})");
}

}  // namespace
}  // namespace kube
