#include "kubecpp/client/discovery.h"

#include <algorithm>

#include "kubecpp/core/internal/json_reader.h"
#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/json.h"

namespace kube::client {
namespace {

using kube::FromJsonAt;  // the local overloads below would hide kube's

Result<Json> GetJson(Client& client, const std::string& path) {
  auto body = client.Call("GET", path);
  if (!body) return std::move(body).error();
  auto json = ParseJson(*body);
  if (!json) return std::move(json).error().Annotate("decoding " + path);
  return json;
}

using kube::internal::AsciiLower;

struct GroupVersionRef {
  std::string group_version;
  std::string version;
};
Status FromJsonAt(const Json& in, std::string_view path, GroupVersionRef* out) {
  Status s;
  internal::ObjectReader r(in, path, &s);
  r.Read("groupVersion", &out->group_version);
  r.Read("version", &out->version);
  return s;
}

struct ApiGroup {
  std::string name;
  std::vector<GroupVersionRef> versions;
  GroupVersionRef preferred_version;
};
Status FromJsonAt(const Json& in, std::string_view path, ApiGroup* out) {
  Status s;
  internal::ObjectReader r(in, path, &s);
  r.Read("name", &out->name);
  r.Read("versions", &out->versions);
  r.Read("preferredVersion", &out->preferred_version);
  return s;
}

Status AppendResources(Client& client, const std::string& path, const GroupVersion& gv,
                       bool preferred, std::vector<DiscoveredResource>* out) {
  auto list = GetJson(client, path);
  if (!list) return std::move(list).error();
  const Json* resources = list->is_object() ? &(*list)["resources"] : nullptr;
  if (resources == nullptr || !resources->is_array()) return Status();
  for (size_t i = 0; i < resources->size(); ++i) {
    DiscoveredResource res;
    std::string name, group = gv.group, version = gv.version;
    Status s;
    internal::ObjectReader r((*resources)[i], path + " resources[" + std::to_string(i) + "]", &s);
    r.Read("name", &name);
    r.Read("group", &group);  // a resource may be served from another group (rare)
    r.Read("version", &version);
    r.Read("kind", &res.ref.kind);
    r.Read("namespaced", &res.ref.namespaced);
    r.Read("singularName", &res.singular_name);
    r.Read("shortNames", &res.short_names);
    r.Read("verbs", &res.verbs);
    r.Read("categories", &res.categories);
    KUBE_RETURN_IF_ERROR(s);
    if (name.find('/') != std::string::npos) continue;  // a subresource
    res.ref.gvr = {group, version, name};
    if (res.singular_name.empty()) res.singular_name = AsciiLower(res.ref.kind);
    res.preferred_version = preferred;
    out->push_back(std::move(res));
  }
  return Status();
}

}  // namespace

Result<ServerVersion> GetServerVersion(Client& client) {
  auto json = GetJson(client, "/version");
  if (!json) return std::move(json).error();
  ServerVersion v;
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["major"], "major", &v.major));
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["minor"], "minor", &v.minor));
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["gitVersion"], "gitVersion", &v.git_version));
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["platform"], "platform", &v.platform));
  return v;
}

Result<std::vector<DiscoveredResource>> DiscoverResources(Client& client) {
  std::vector<DiscoveredResource> out;
  auto core = GetJson(client, "/api");
  if (!core) return std::move(core).error();
  std::vector<std::string> core_versions;
  KUBE_RETURN_IF_ERROR(FromJsonAt((*core)["versions"], "/api versions", &core_versions));
  for (size_t i = 0; i < core_versions.size(); ++i) {
    KUBE_RETURN_IF_ERROR(
        AppendResources(client, "/api/" + core_versions[i], {"", core_versions[i]}, i == 0, &out));
  }
  auto groups = GetJson(client, "/apis");
  if (!groups) return std::move(groups).error();
  std::vector<ApiGroup> list;
  KUBE_RETURN_IF_ERROR(FromJsonAt((*groups)["groups"], "/apis groups", &list));
  for (const ApiGroup& group : list) {
    for (const GroupVersionRef& v : group.versions) {
      Status s =
          AppendResources(client, "/apis/" + group.name + "/" + v.version, {group.name, v.version},
                          v.version == group.preferred_version.version, &out);
      // A group version whose aggregated server is down answers 503; skip it as
      // client-go does, rather than failing all discovery.
      if (!s.ok() && s.code() != Code::kUnavailable && !IsNotFound(s)) return s;
    }
  }
  return out;
}

Status RESTMapper::Reload() {
  auto discovered = DiscoverResources(*client_);
  if (!discovered) return std::move(discovered).error().Annotate("discovery");
  resources_ = std::move(*discovered);
  loaded_ = true;
  last_refresh_ = client_->clock().Now();
  return Status();
}

template <typename Match>
const DiscoveredResource* RESTMapper::Best(Match match) const {
  // kubectl's priority: discovery order (core group first, then the groups in the
  // order /apis lists them); within that group, its preferred version.
  const DiscoveredResource* best = nullptr;
  for (const auto& r : resources_) {
    if (!match(r)) continue;
    if (best == nullptr || (r.ref.gvr.group == best->ref.gvr.group && r.preferred_version &&
                            !best->preferred_version)) {
      best = &r;
    }
  }
  return best;
}

template <typename Match>
Result<ResourceRef> RESTMapper::Find(Match match, const std::string& what) {
  std::lock_guard lock(mu_);
  bool fresh = false;
  if (!loaded_) {
    KUBE_RETURN_IF_ERROR(Reload());
    fresh = true;
  }
  if (const DiscoveredResource* r = Best(match)) return r->ref;
  // A miss: the resource may have appeared since (a new CRD). Refresh, but not when the
  // cache is brand new, and at most once per kMinRefreshInterval.
  if (!fresh && client_->clock().Now() - last_refresh_ >= kMinRefreshInterval) {
    KUBE_RETURN_IF_ERROR(Reload());
    if (const DiscoveredResource* r = Best(match)) return r->ref;
  }
  return NotFoundError("the server doesn't have a resource type " + what);
}

Result<ResourceRef> RESTMapper::ResourceFor(const GroupVersionKind& gvk) {
  return Find(
      [&](const DiscoveredResource& r) {
        return r.ref.kind == gvk.kind && r.ref.gvr.group == gvk.group &&
               r.ref.gvr.version == gvk.version;
      },
      "for kind \"" + gvk.kind + "\" in \"" + gvk.ApiVersion() + "\"");
}

Result<ResourceRef> RESTMapper::PreferredResourceFor(const GroupKind& gk) {
  return Find(
      [&](const DiscoveredResource& r) {
        return r.ref.kind == gk.kind && r.ref.gvr.group == gk.group;
      },
      "for kind \"" + gk.ToString() + "\"");
}

Result<ResourceRef> RESTMapper::ResourceForName(std::string_view name) {
  std::string lower = AsciiLower(name);
  std::string group;
  std::string resource = lower;
  if (auto dot = lower.find('.'); dot != std::string::npos) {
    resource = lower.substr(0, dot);
    group = lower.substr(dot + 1);
  }
  return Find(
      [&](const DiscoveredResource& r) {
        if (!group.empty() && r.ref.gvr.group != group) return false;
        if (r.ref.gvr.resource == resource || r.singular_name == resource ||
            AsciiLower(r.ref.kind) == resource) {
          return true;
        }
        return std::find(r.short_names.begin(), r.short_names.end(), resource) !=
               r.short_names.end();
      },
      "\"" + std::string(name) + "\"");
}

void RESTMapper::Invalidate() {
  std::lock_guard lock(mu_);
  loaded_ = false;
  resources_.clear();
}

}  // namespace kube::client
