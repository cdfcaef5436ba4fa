#include "kubecpp/core/meta.h"

#include <algorithm>

#include "kubecpp/core/internal/json_reader.h"
#include "kubecpp/core/json.h"

namespace kube {

using internal::ObjectReader;
using internal::PutIfNotEmpty;
using internal::PutIfNotZero;

const OwnerReference* ObjectMeta::ControllerRef() const {
  for (const auto& ref : owner_references) {
    if (ref.controller.value_or(false)) return &ref;
  }
  return nullptr;
}

bool ObjectMeta::HasFinalizer(std::string_view finalizer) const {
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

bool ObjectMeta::AddFinalizer(std::string_view finalizer) {
  if (HasFinalizer(finalizer)) return false;
  finalizers.emplace_back(finalizer);
  return true;
}

bool ObjectMeta::RemoveFinalizer(std::string_view finalizer) {
  return std::erase(finalizers, finalizer) > 0;
}

void ToJson(const TypeMeta& v, Json* out) {
  PutIfNotEmpty(out, "apiVersion", v.api_version);
  PutIfNotEmpty(out, "kind", v.kind);
}

Status FromJsonAt(const Json& in, std::string_view path, TypeMeta* out) {
  Status s;
  ObjectReader r(in, path, &s);
  r.Read("apiVersion", &out->api_version);
  r.Read("kind", &out->kind);
  return s;
}

void ToJson(const OwnerReference& v, Json* out) {
  // apiVersion, kind, name and uid are required fields: always written.
  *out = Json{{"apiVersion", v.api_version}, {"kind", v.kind}, {"name", v.name}, {"uid", v.uid}};
  if (v.controller) (*out)["controller"] = *v.controller;
  if (v.block_owner_deletion) (*out)["blockOwnerDeletion"] = *v.block_owner_deletion;
}

Status FromJsonAt(const Json& in, std::string_view path, OwnerReference* out) {
  Status s;
  ObjectReader r(in, path, &s);
  r.Read("apiVersion", &out->api_version);
  r.Read("kind", &out->kind);
  r.Read("name", &out->name);
  r.Read("uid", &out->uid);
  r.Read("controller", &out->controller);
  r.Read("blockOwnerDeletion", &out->block_owner_deletion);
  return s;
}

void ToJson(const ManagedFieldsEntry& v, Json* out) {
  *out = Json::object();
  PutIfNotEmpty(out, "manager", v.manager);
  PutIfNotEmpty(out, "operation", v.operation);
  PutIfNotEmpty(out, "apiVersion", v.api_version);
  PutIfNotZero(out, "time", v.time);
  PutIfNotEmpty(out, "fieldsType", v.fields_type);
  if (!v.fields_v1.empty()) (*out)["fieldsV1"] = v.fields_v1.value();
  PutIfNotEmpty(out, "subresource", v.subresource);
}

Status FromJsonAt(const Json& in, std::string_view path, ManagedFieldsEntry* out) {
  Status s;
  ObjectReader r(in, path, &s);
  r.Read("manager", &out->manager);
  r.Read("operation", &out->operation);
  r.Read("apiVersion", &out->api_version);
  r.Read("time", &out->time);
  r.Read("fieldsType", &out->fields_type);
  r.Read("fieldsV1", &out->fields_v1);
  r.Read("subresource", &out->subresource);
  return s;
}

void ToJson(const ObjectMeta& v, Json* out) {
  *out = Json::object();
  PutIfNotEmpty(out, "name", v.name);
  PutIfNotEmpty(out, "generateName", v.generate_name);
  PutIfNotEmpty(out, "namespace", v.namespace_);
  PutIfNotEmpty(out, "uid", v.uid);
  PutIfNotEmpty(out, "resourceVersion", v.resource_version);
  PutIfNotZero(out, "generation", v.generation);
  PutIfNotZero(out, "creationTimestamp", v.creation_timestamp);
  PutIfNotZero(out, "deletionTimestamp", v.deletion_timestamp);
  if (v.deletion_grace_period_seconds) {
    (*out)["deletionGracePeriodSeconds"] = *v.deletion_grace_period_seconds;
  }
  PutIfNotEmpty(out, "labels", v.labels);
  PutIfNotEmpty(out, "annotations", v.annotations);
  PutIfNotEmpty(out, "ownerReferences", v.owner_references);
  PutIfNotEmpty(out, "finalizers", v.finalizers);
  PutIfNotEmpty(out, "managedFields", v.managed_fields);
  internal::PutUnknown(out, v.unknown_fields);
}

Status FromJsonAt(const Json& in, std::string_view path, ObjectMeta* out) {
  Status s;
  ObjectReader r(in, path, &s);
  r.Read("name", &out->name);
  r.Read("generateName", &out->generate_name);
  r.Read("namespace", &out->namespace_);
  r.Read("uid", &out->uid);
  r.Read("resourceVersion", &out->resource_version);
  r.Read("generation", &out->generation);
  r.Read("creationTimestamp", &out->creation_timestamp);
  r.Read("deletionTimestamp", &out->deletion_timestamp);
  r.Read("deletionGracePeriodSeconds", &out->deletion_grace_period_seconds);
  r.Read("labels", &out->labels);
  r.Read("annotations", &out->annotations);
  r.Read("ownerReferences", &out->owner_references);
  r.Read("finalizers", &out->finalizers);
  r.Read("managedFields", &out->managed_fields);
  if (r.ok()) out->unknown_fields = r.Unknown();
  return s;
}

void ToJson(const ListMeta& v, Json* out) {
  *out = Json::object();
  PutIfNotEmpty(out, "resourceVersion", v.resource_version);
  PutIfNotEmpty(out, "continue", v.continue_);
  if (v.remaining_item_count) (*out)["remainingItemCount"] = *v.remaining_item_count;
}

Status FromJsonAt(const Json& in, std::string_view path, ListMeta* out) {
  Status s;
  ObjectReader r(in, path, &s);
  r.Read("resourceVersion", &out->resource_version);
  r.Read("continue", &out->continue_);
  r.Read("remainingItemCount", &out->remaining_item_count);
  return s;
}

}  // namespace kube
