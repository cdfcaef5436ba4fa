// Object metadata shared by every Kubernetes object: TypeMeta, ObjectMeta, ListMeta,
// OwnerReference and ManagedFieldsEntry (meta/v1), with their JSON codecs.
//
// Fields use the Kubernetes JSON names in snake_case (`namespace_` because
// `namespace` is a keyword). Fields ObjectMeta does not model are kept in
// `unknown_fields` and written back, so a round trip never drops data. Zero values
// mean "unset" and are omitted on output, as Kubernetes' omitempty does.
//
// Thread-safety: value types; thread-compatible.
#ifndef KUBECPP_CORE_META_H_
#define KUBECPP_CORE_META_H_

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/gvk.h"
#include "kubecpp/core/raw_json.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/time.h"

namespace kube {

struct TypeMeta {
  std::string api_version;
  std::string kind;
  friend bool operator==(const TypeMeta&, const TypeMeta&) = default;
};

// Points from a dependent to its owner (same namespace, or cluster-scoped).
struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;
  friend bool operator==(const OwnerReference&, const OwnerReference&) = default;
};

struct ManagedFieldsEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  Time time;
  std::string fields_type;  // "FieldsV1"
  RawJson fields_v1;
  std::string subresource;
  friend bool operator==(const ManagedFieldsEntry&, const ManagedFieldsEntry&) = default;
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  Time creation_timestamp;  // zero: unset
  Time deletion_timestamp;  // zero: not being deleted
  std::optional<int64_t> deletion_grace_period_seconds;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owner_references;
  std::vector<std::string> finalizers;
  std::vector<ManagedFieldsEntry> managed_fields;
  RawJson unknown_fields;  // fields of metadata not modelled above

  ObjectKey key() const { return ObjectKey{namespace_, name}; }
  bool IsBeingDeleted() const { return !deletion_timestamp.IsZero(); }
  // The owner reference with controller=true, or nullptr.
  const OwnerReference* ControllerRef() const;
  bool HasFinalizer(std::string_view finalizer) const;
  // Adds `finalizer` if absent; returns true when the list changed.
  bool AddFinalizer(std::string_view finalizer);
  // Removes every copy of `finalizer`; returns true when the list changed.
  bool RemoveFinalizer(std::string_view finalizer);

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct ListMeta {
  std::string resource_version;
  std::string continue_;
  std::optional<int64_t> remaining_item_count;
  friend bool operator==(const ListMeta&, const ListMeta&) = default;
};

// JSON codecs (see json.h for the convention).
void ToJson(const TypeMeta& v, nlohmann::json* out);
void ToJson(const OwnerReference& v, nlohmann::json* out);
void ToJson(const ManagedFieldsEntry& v, nlohmann::json* out);
void ToJson(const ObjectMeta& v, nlohmann::json* out);
void ToJson(const ListMeta& v, nlohmann::json* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, TypeMeta* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path,
                                OwnerReference* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path,
                                ManagedFieldsEntry* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, ObjectMeta* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, ListMeta* out);

}  // namespace kube

#endif  // KUBECPP_CORE_META_H_
