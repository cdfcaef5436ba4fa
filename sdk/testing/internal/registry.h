// The fake apiserver's table of resources: what it serves, under which names, with
// which subresources. Built-in resources come from BuiltinResources(); a
// CustomResourceDefinition adds one entry per served version.
//
// Thread-safety: ResourceInfo is a value. Registry is not synchronized; the engine
// guards it with its own lock.
#ifndef KUBECPP_TESTING_INTERNAL_REGISTRY_H_
#define KUBECPP_TESTING_INTERNAL_REGISTRY_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/gvk.h"
#include "kubecpp/core/json.h"

namespace kube::testing::internal {

struct ResourceInfo {
  std::string group;                     // "" for core
  std::string version;                   // "v1"
  std::string kind;                      // "Deployment"
  std::string plural;                    // "deployments"
  std::string singular;                  // "deployment"
  std::vector<std::string> short_names;  // {"deploy"}
  std::vector<std::string> categories;   // {"all"}
  bool namespaced = true;
  // Verbs on the main resource, in discovery order:
  // create delete deletecollection get list patch update watch.
  std::vector<std::string> verbs;
  bool has_status = false;  // serves <plural>/status (get, patch, update)
  bool has_scale = false;   // serves <plural>/scale as autoscaling/v1 Scale
  // JSON paths (dot form, ".spec.replicas") the scale subresource reads and writes.
  std::string scale_spec_replicas_path = ".spec.replicas";
  std::string scale_status_replicas_path = ".status.replicas";
  std::string scale_label_selector_path;  // "" = none; built-ins use the selector
  // Other subresources served ("binding" for pods: create only).
  std::vector<std::string> extra_subresources;
  // True for kinds from a CRD: lists carry kind/apiVersion on items, strategic merge
  // patch is 415, the structural schema below validates, prunes and defaults.
  bool custom = false;
  bool storage_version = true;  // CRDs: the version objects are stored in
  Json schema;                  // CRDs: openAPIV3Schema of this version, else null
  // CRDs: additionalPrinterColumns of this version (array), else null.
  Json printer_columns;

  GroupVersion group_version() const { return {group, version}; }
  GroupResource group_resource() const { return {group, plural}; }
  GroupVersionKind gvk() const { return {group, version, kind}; }
  // "pods" for core, "deployments.apps" otherwise: the name error messages use.
  std::string qualified_resource() const;
  // "v1" or "apps/v1".
  std::string api_version() const;
  std::string list_kind() const { return kind + "List"; }
  bool HasVerb(std::string_view verb) const;
};

// Every built-in resource the fake serves, in the order discovery lists them
// (core v1 first, then named groups in upstream's priority order).
std::vector<ResourceInfo> BuiltinResources();

// Resources by group/version/plural. Lookups are exact (plural, lower case).
class Registry {
 public:
  Registry();  // loaded with BuiltinResources()

  void Add(ResourceInfo info);  // replaces an entry with the same group/version/plural
  void Remove(std::string_view group, std::string_view version, std::string_view plural);

  const ResourceInfo* Find(std::string_view group, std::string_view version,
                           std::string_view plural) const;
  // Any served version of a group/resource (the storage version first).
  const ResourceInfo* FindByGroupResource(std::string_view group, std::string_view plural) const;
  // All entries in discovery order.
  std::vector<const ResourceInfo*> All() const;
  // Versions of `group` in preference order ("" for core).
  std::vector<std::string> Versions(std::string_view group) const;
  // Groups in discovery order, without the core group.
  std::vector<std::string> Groups() const;

 private:
  std::vector<std::unique_ptr<ResourceInfo>> entries_;
};

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_REGISTRY_H_
