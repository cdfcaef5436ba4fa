// Built-in resource table and the Registry lookups. The built-in entries follow what
// a v1.33 kube-apiserver lists in discovery (names, short names, categories, scope,
// verbs and subresources); groups come in the aggregator's priority order.
#include "kubecpp/testing/internal/registry.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace kube::testing::internal {
namespace {

// Upstream's verb sets. Discovery lists verbs sorted, which is the order below.
const std::vector<std::string>& AllVerbs() {
  static const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                                  "list",   "patch",  "update",           "watch"};
  return kVerbs;
}
// Namespaces and services do not support deletecollection.
const std::vector<std::string>& VerbsWithoutDeleteCollection() {
  static const std::vector<std::string> kVerbs = {"create", "delete", "get",  "list",
                                                  "patch",  "update", "watch"};
  return kVerbs;
}

struct Spec {
  std::string group;
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool namespaced = true;
  bool has_status = false;
  bool has_scale = false;
  std::vector<std::string> extra_subresources;
  bool all_verbs = true;
};

ResourceInfo Make(Spec s) {
  ResourceInfo r;
  r.group = std::move(s.group);
  r.version = std::move(s.version);
  r.kind = std::move(s.kind);
  r.plural = std::move(s.plural);
  r.singular = std::move(s.singular);
  r.short_names = std::move(s.short_names);
  r.categories = std::move(s.categories);
  r.namespaced = s.namespaced;
  r.verbs = s.all_verbs ? AllVerbs() : VerbsWithoutDeleteCollection();
  r.has_status = s.has_status;
  r.has_scale = s.has_scale;
  if (r.has_scale) r.scale_label_selector_path = ".spec.selector";
  r.extra_subresources = std::move(s.extra_subresources);
  return r;
}

// Priority of built-in groups (kube-aggregator's GroupPriorityMinimum); higher first.
// Groups not listed (CRD groups) rank below all of them, ordered by name.
int BuiltinGroupPriority(std::string_view group) {
  struct Entry {
    std::string_view group;
    int priority;
  };
  static constexpr Entry kPriorities[] = {
      {"", 18000},
      {"apiregistration.k8s.io", 18000},
      {"apps", 17800},
      {"events.k8s.io", 17750},
      {"authentication.k8s.io", 17700},
      {"authorization.k8s.io", 17600},
      {"autoscaling", 17500},
      {"batch", 17400},
      {"certificates.k8s.io", 17300},
      {"networking.k8s.io", 17200},
      {"policy", 17100},
      {"rbac.authorization.k8s.io", 17000},
      {"storage.k8s.io", 16800},
      {"admissionregistration.k8s.io", 16700},
      {"apiextensions.k8s.io", 16700},
      {"scheduling.k8s.io", 16600},
      {"coordination.k8s.io", 16500},
      {"node.k8s.io", 16300},
      {"discovery.k8s.io", 16200},
      {"flowcontrol.apiserver.k8s.io", 16100},
  };
  for (const Entry& e : kPriorities) {
    if (e.group == group) return e.priority;
  }
  return 1000;  // what a CRD's APIService gets
}

// Kubernetes version ordering (apimachinery's CompareKubeAwareVersionStrings): GA
// before beta before alpha, higher numbers first, non-matching strings last and
// alphabetically. Returns true when `a` has higher priority than `b`.
struct ParsedVersion {
  bool kube_like = false;
  int64_t major = 0;
  int stability = 0;  // 2 GA, 1 beta, 0 alpha
  int64_t minor = 0;
};

ParsedVersion ParseVersion(std::string_view v) {
  ParsedVersion p;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return p;
  size_t i = 1;
  int64_t major = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    major = major * 10 + (v[i] - '0');
    if (major > 1'000'000'000) return p;
    ++i;
  }
  p.major = major;
  if (i == v.size()) {
    p.kube_like = true;
    p.stability = 2;
    return p;
  }
  std::string_view rest = v.substr(i);
  if (rest.starts_with("beta")) {
    p.stability = 1;
    rest.remove_prefix(4);
  } else if (rest.starts_with("alpha")) {
    p.stability = 0;
    rest.remove_prefix(5);
  } else {
    return p;
  }
  if (rest.empty()) return p;
  int64_t minor = 0;
  for (char c : rest) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return p;
    minor = minor * 10 + (c - '0');
    if (minor > 1'000'000'000) return p;
  }
  p.minor = minor;
  p.kube_like = true;
  return p;
}

bool VersionHigher(std::string_view a, std::string_view b) {
  ParsedVersion pa = ParseVersion(a);
  ParsedVersion pb = ParseVersion(b);
  if (pa.kube_like != pb.kube_like) return pa.kube_like;
  if (!pa.kube_like) return a < b;
  if (pa.stability != pb.stability) return pa.stability > pb.stability;
  if (pa.major != pb.major) return pa.major > pb.major;
  return pa.minor > pb.minor;
}

}  // namespace

std::string ResourceInfo::qualified_resource() const {
  return group.empty() ? plural : plural + "." + group;
}

std::string ResourceInfo::api_version() const {
  return group.empty() ? version : group + "/" + version;
}

bool ResourceInfo::HasVerb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

std::vector<ResourceInfo> BuiltinResources() {
  std::vector<ResourceInfo> out;
  auto add = [&out](Spec s) { out.push_back(Make(std::move(s))); };
  // core/v1, alphabetical as discovery lists it.
  add({.group = "",
       .version = "v1",
       .kind = "ConfigMap",
       .plural = "configmaps",
       .singular = "configmap",
       .short_names = {"cm"}});
  add({.group = "",
       .version = "v1",
       .kind = "Endpoints",
       .plural = "endpoints",
       .singular = "endpoints",
       .short_names = {"ep"}});
  add({.group = "",
       .version = "v1",
       .kind = "Event",
       .plural = "events",
       .singular = "event",
       .short_names = {"ev"}});
  add({.group = "",
       .version = "v1",
       .kind = "LimitRange",
       .plural = "limitranges",
       .singular = "limitrange",
       .short_names = {"limits"}});
  add({.group = "",
       .version = "v1",
       .kind = "Namespace",
       .plural = "namespaces",
       .singular = "namespace",
       .short_names = {"ns"},
       .namespaced = false,
       .has_status = true,
       .extra_subresources = {"finalize"},
       .all_verbs = false});
  add({.group = "",
       .version = "v1",
       .kind = "Node",
       .plural = "nodes",
       .singular = "node",
       .short_names = {"no"},
       .namespaced = false,
       .has_status = true});
  add({.group = "",
       .version = "v1",
       .kind = "PersistentVolumeClaim",
       .plural = "persistentvolumeclaims",
       .singular = "persistentvolumeclaim",
       .short_names = {"pvc"},
       .has_status = true});
  add({.group = "",
       .version = "v1",
       .kind = "PersistentVolume",
       .plural = "persistentvolumes",
       .singular = "persistentvolume",
       .short_names = {"pv"},
       .namespaced = false,
       .has_status = true});
  add({.group = "",
       .version = "v1",
       .kind = "Pod",
       .plural = "pods",
       .singular = "pod",
       .short_names = {"po"},
       .categories = {"all"},
       .has_status = true,
       .extra_subresources = {"binding"}});
  add({.group = "",
       .version = "v1",
       .kind = "PodTemplate",
       .plural = "podtemplates",
       .singular = "podtemplate"});
  add({.group = "",
       .version = "v1",
       .kind = "ReplicationController",
       .plural = "replicationcontrollers",
       .singular = "replicationcontroller",
       .short_names = {"rc"},
       .categories = {"all"},
       .has_status = true,
       .has_scale = true});
  add({.group = "",
       .version = "v1",
       .kind = "ResourceQuota",
       .plural = "resourcequotas",
       .singular = "resourcequota",
       .short_names = {"quota"},
       .has_status = true});
  add({.group = "", .version = "v1", .kind = "Secret", .plural = "secrets", .singular = "secret"});
  add({.group = "",
       .version = "v1",
       .kind = "ServiceAccount",
       .plural = "serviceaccounts",
       .singular = "serviceaccount",
       .short_names = {"sa"}});
  add({.group = "",
       .version = "v1",
       .kind = "Service",
       .plural = "services",
       .singular = "service",
       .short_names = {"svc"},
       .categories = {"all"},
       .has_status = true,
       .all_verbs = false});
  // apps/v1
  add({.group = "apps",
       .version = "v1",
       .kind = "ControllerRevision",
       .plural = "controllerrevisions",
       .singular = "controllerrevision"});
  add({.group = "apps",
       .version = "v1",
       .kind = "DaemonSet",
       .plural = "daemonsets",
       .singular = "daemonset",
       .short_names = {"ds"},
       .categories = {"all"},
       .has_status = true});
  add({.group = "apps",
       .version = "v1",
       .kind = "Deployment",
       .plural = "deployments",
       .singular = "deployment",
       .short_names = {"deploy"},
       .categories = {"all"},
       .has_status = true,
       .has_scale = true});
  add({.group = "apps",
       .version = "v1",
       .kind = "ReplicaSet",
       .plural = "replicasets",
       .singular = "replicaset",
       .short_names = {"rs"},
       .categories = {"all"},
       .has_status = true,
       .has_scale = true});
  add({.group = "apps",
       .version = "v1",
       .kind = "StatefulSet",
       .plural = "statefulsets",
       .singular = "statefulset",
       .short_names = {"sts"},
       .categories = {"all"},
       .has_status = true,
       .has_scale = true});
  // events.k8s.io/v1
  add({.group = "events.k8s.io",
       .version = "v1",
       .kind = "Event",
       .plural = "events",
       .singular = "event",
       .short_names = {"ev"}});
  // autoscaling/v2 (autoscaling/v1 Scale is only a subresource kind here)
  add({.group = "autoscaling",
       .version = "v2",
       .kind = "HorizontalPodAutoscaler",
       .plural = "horizontalpodautoscalers",
       .singular = "horizontalpodautoscaler",
       .short_names = {"hpa"},
       .categories = {"all"},
       .has_status = true});
  // batch/v1
  add({.group = "batch",
       .version = "v1",
       .kind = "CronJob",
       .plural = "cronjobs",
       .singular = "cronjob",
       .short_names = {"cj"},
       .categories = {"all"},
       .has_status = true});
  add({.group = "batch",
       .version = "v1",
       .kind = "Job",
       .plural = "jobs",
       .singular = "job",
       .categories = {"all"},
       .has_status = true});
  // apiextensions.k8s.io/v1
  add({.group = "apiextensions.k8s.io",
       .version = "v1",
       .kind = "CustomResourceDefinition",
       .plural = "customresourcedefinitions",
       .singular = "customresourcedefinition",
       .short_names = {"crd", "crds"},
       .categories = {"api-extensions"},
       .namespaced = false,
       .has_status = true});
  // coordination.k8s.io/v1
  add({.group = "coordination.k8s.io",
       .version = "v1",
       .kind = "Lease",
       .plural = "leases",
       .singular = "lease"});
  // discovery.k8s.io/v1
  add({.group = "discovery.k8s.io",
       .version = "v1",
       .kind = "EndpointSlice",
       .plural = "endpointslices",
       .singular = "endpointslice"});
  return out;
}

Registry::Registry() {
  for (ResourceInfo& r : BuiltinResources()) {
    entries_.push_back(std::make_unique<ResourceInfo>(std::move(r)));
  }
}

void Registry::Add(ResourceInfo info) {
  for (auto& e : entries_) {
    if (e->group == info.group && e->version == info.version && e->plural == info.plural) {
      *e = std::move(info);
      return;
    }
  }
  entries_.push_back(std::make_unique<ResourceInfo>(std::move(info)));
}

void Registry::Remove(std::string_view group, std::string_view version, std::string_view plural) {
  std::erase_if(entries_, [&](const std::unique_ptr<ResourceInfo>& e) {
    return e->group == group && e->version == version && e->plural == plural;
  });
}

const ResourceInfo* Registry::Find(std::string_view group, std::string_view version,
                                   std::string_view plural) const {
  for (const auto& e : entries_) {
    if (e->group == group && e->version == version && e->plural == plural) return e.get();
  }
  return nullptr;
}

const ResourceInfo* Registry::FindByGroupResource(std::string_view group,
                                                  std::string_view plural) const {
  const ResourceInfo* storage = nullptr;
  const ResourceInfo* preferred = nullptr;
  for (const std::string& v : Versions(group)) {
    const ResourceInfo* r = Find(group, v, plural);
    if (r == nullptr) continue;
    if (preferred == nullptr) preferred = r;
    if (storage == nullptr && r->storage_version) storage = r;
  }
  return storage != nullptr ? storage : preferred;
}

std::vector<const ResourceInfo*> Registry::All() const {
  std::vector<const ResourceInfo*> out;
  std::vector<std::string> groups = Groups();
  groups.insert(groups.begin(), std::string());
  for (const std::string& g : groups) {
    for (const std::string& v : Versions(g)) {
      size_t first = out.size();
      for (const auto& e : entries_) {
        if (e->group == g && e->version == v) out.push_back(e.get());
      }
      std::stable_sort(
          out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
          [](const ResourceInfo* a, const ResourceInfo* b) { return a->plural < b->plural; });
    }
  }
  return out;
}

std::vector<std::string> Registry::Versions(std::string_view group) const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (e->group == group && std::find(out.begin(), out.end(), e->version) == out.end()) {
      out.push_back(e->version);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return VersionHigher(a, b); });
  return out;
}

std::vector<std::string> Registry::Groups() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (e->group.empty()) continue;
    if (std::find(out.begin(), out.end(), e->group) == out.end()) out.push_back(e->group);
  }
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    int pa = BuiltinGroupPriority(a);
    int pb = BuiltinGroupPriority(b);
    if (pa != pb) return pa > pb;
    return a < b;
  });
  return out;
}

}  // namespace kube::testing::internal
