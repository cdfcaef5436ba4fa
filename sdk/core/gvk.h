// Names of API types, resources and objects: GroupVersion, GroupVersionKind,
// GroupVersionResource, GroupResource, GroupKind and ObjectKey.
//
// These mirror k8s.io/apimachinery/pkg/runtime/schema and controller-runtime's
// client.ObjectKey. A Kind ("Deployment") names a type in an object's `apiVersion`
// and `kind` fields; a Resource ("deployments") names the URL path segment the
// apiserver serves it under; the RESTMapper in sdk/client maps one to the other.
// ObjectKey names one object (namespace and name) and is the key caches and work
// queues use. All are plain regular value types: copyable, ordered, hashable (so
// they can key std::unordered_map) and printable.
//
// Thread-safety: value types; thread-compatible.
#ifndef KUBECPP_CORE_GVK_H_
#define KUBECPP_CORE_GVK_H_

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "kubecpp/core/result.h"

namespace kube {

struct GroupVersionKind;
struct GroupVersionResource;

// An API group and version, as written in `apiVersion`: "v1" is the core group
// (empty group), "apps/v1" is group "apps", version "v1".
struct GroupVersion {
  std::string group;
  std::string version;

  // Splits an apiVersion (schema.ParseGroupVersion): "" and "/" give the empty
  // GroupVersion, "v1" gives {"", "v1"}, "apps/v1" gives {"apps", "v1"}.
  // Error (kBadRequest) when there is more than one '/':
  // "unexpected GroupVersion string: a/b/c".
  [[nodiscard]] static Result<GroupVersion> Parse(std::string_view api_version);

  // True when both group and version are empty.
  bool Empty() const { return group.empty() && version.empty(); }
  // The apiVersion text: "v1" for the core group, "apps/v1" otherwise.
  std::string ToString() const;

  GroupVersionKind WithKind(std::string kind) const;
  GroupVersionResource WithResource(std::string resource) const;

  friend auto operator<=>(const GroupVersion&, const GroupVersion&) = default;
  friend bool operator==(const GroupVersion&, const GroupVersion&) = default;
};

// A kind within a group, version-independent: {"apps", "Deployment"}.
struct GroupKind {
  std::string group;
  std::string kind;

  bool Empty() const { return group.empty() && kind.empty(); }
  // "Deployment.apps", or "Pod" for the core group.
  std::string ToString() const;

  friend auto operator<=>(const GroupKind&, const GroupKind&) = default;
  friend bool operator==(const GroupKind&, const GroupKind&) = default;
};

// The type of an object: {"apps", "v1", "Deployment"}.
struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;

  // Builds a GVK from an object's `apiVersion` and `kind` fields. Fails with the
  // error of GroupVersion::Parse when api_version is malformed.
  [[nodiscard]] static Result<GroupVersionKind> FromApiVersionAndKind(std::string_view api_version,
                                                                      std::string_view kind);

  bool Empty() const { return group.empty() && version.empty() && kind.empty(); }
  // The `apiVersion` field value: "v1" or "apps/v1".
  std::string ApiVersion() const;
  ::kube::GroupVersion GroupVersion() const { return {group, version}; }
  ::kube::GroupKind GroupKind() const { return {group, kind}; }
  // As schema.GroupVersionKind.String(): "apps/v1, Kind=Deployment"; the core group
  // gives "/v1, Kind=Pod".
  std::string ToString() const;

  friend auto operator<=>(const GroupVersionKind&, const GroupVersionKind&) = default;
  friend bool operator==(const GroupVersionKind&, const GroupVersionKind&) = default;
};

// A resource within a group, version-independent: {"apps", "deployments"}.
struct GroupResource {
  std::string group;
  std::string resource;

  bool Empty() const { return group.empty() && resource.empty(); }
  // The qualified resource the apiserver uses in messages: "deployments.apps", or
  // "pods" for the core group.
  std::string ToString() const;

  friend auto operator<=>(const GroupResource&, const GroupResource&) = default;
  friend bool operator==(const GroupResource&, const GroupResource&) = default;
};

// A served resource: {"apps", "v1", "deployments"}.
struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;

  bool Empty() const { return group.empty() && version.empty() && resource.empty(); }
  ::kube::GroupVersion GroupVersion() const { return {group, version}; }
  ::kube::GroupResource GroupResource() const { return {group, resource}; }
  // As schema.GroupVersionResource.String(): "apps/v1, Resource=deployments"; the
  // core group gives "/v1, Resource=pods".
  std::string ToString() const;

  friend auto operator<=>(const GroupVersionResource&, const GroupVersionResource&) = default;
  friend bool operator==(const GroupVersionResource&, const GroupVersionResource&) = default;
};

// The name of one object: its namespace (empty for cluster-scoped objects) and name.
// controller-runtime's client.ObjectKey (types.NamespacedName).
struct ObjectKey {
  std::string namespace_;  // `namespace` is a C++ keyword
  std::string name;

  // Splits a cache key as client-go's cache.SplitMetaNamespaceKey does: "ns/name"
  // gives {"ns", "name"}, "name" gives {"", "name"}. Error (kBadRequest) for more
  // than one '/': `unexpected key format: "a/b/c"`.
  [[nodiscard]] static Result<ObjectKey> Parse(std::string_view key);

  // The cache key (cache.MetaNamespaceKeyFunc): "ns/name", or "name" when the
  // namespace is empty. Parse(k.ToString()) == k.
  std::string ToString() const;

  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

// Each writes ToString().
std::ostream& operator<<(std::ostream& os, const GroupVersion& gv);
std::ostream& operator<<(std::ostream& os, const GroupKind& gk);
std::ostream& operator<<(std::ostream& os, const GroupVersionKind& gvk);
std::ostream& operator<<(std::ostream& os, const GroupResource& gr);
std::ostream& operator<<(std::ostream& os, const GroupVersionResource& gvr);
std::ostream& operator<<(std::ostream& os, const ObjectKey& key);

}  // namespace kube

// Hashes, so the types can key unordered containers.
template <>
struct std::hash<kube::GroupVersion> {
  std::size_t operator()(const kube::GroupVersion& v) const noexcept;
};
template <>
struct std::hash<kube::GroupKind> {
  std::size_t operator()(const kube::GroupKind& v) const noexcept;
};
template <>
struct std::hash<kube::GroupVersionKind> {
  std::size_t operator()(const kube::GroupVersionKind& v) const noexcept;
};
template <>
struct std::hash<kube::GroupResource> {
  std::size_t operator()(const kube::GroupResource& v) const noexcept;
};
template <>
struct std::hash<kube::GroupVersionResource> {
  std::size_t operator()(const kube::GroupVersionResource& v) const noexcept;
};
template <>
struct std::hash<kube::ObjectKey> {
  std::size_t operator()(const kube::ObjectKey& v) const noexcept;
};

#endif  // KUBECPP_CORE_GVK_H_
