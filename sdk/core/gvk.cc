#include "kubecpp/core/gvk.h"

#include <algorithm>
#include <string>
#include <utility>

#include "kubecpp/core/status.h"

namespace kube {
namespace {

// "name.group", or just "name" when the group is empty (the core group).
std::string Qualified(const std::string& name, const std::string& group) {
  if (group.empty()) return name;
  return name + "." + group;
}

// Mixes the hashes of `parts` (boost::hash_combine's recipe).
template <typename... Parts>
std::size_t HashStrings(const Parts&... parts) {
  std::size_t seed = 0;
  ((seed ^= std::hash<std::string>{}(parts) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)),
   ...);
  return seed;
}

}  // namespace

Result<GroupVersion> GroupVersion::Parse(std::string_view api_version) {
  if (api_version.empty() || api_version == "/") return GroupVersion{};
  const auto slashes = std::count(api_version.begin(), api_version.end(), '/');
  if (slashes == 0) return GroupVersion{"", std::string(api_version)};
  if (slashes == 1) {
    const size_t slash = api_version.find('/');
    return GroupVersion{std::string(api_version.substr(0, slash)),
                        std::string(api_version.substr(slash + 1))};
  }
  return BadRequestError("unexpected GroupVersion string: " + std::string(api_version));
}

std::string GroupVersion::ToString() const {
  if (group.empty()) return version;
  return group + "/" + version;
}

GroupVersionKind GroupVersion::WithKind(std::string kind) const {
  return {group, version, std::move(kind)};
}

GroupVersionResource GroupVersion::WithResource(std::string resource) const {
  return {group, version, std::move(resource)};
}

std::string GroupKind::ToString() const { return Qualified(kind, group); }

Result<GroupVersionKind> GroupVersionKind::FromApiVersionAndKind(std::string_view api_version,
                                                                 std::string_view kind) {
  Result<::kube::GroupVersion> gv = ::kube::GroupVersion::Parse(api_version);
  if (!gv) return gv.error();
  return gv->WithKind(std::string(kind));
}

std::string GroupVersionKind::ApiVersion() const { return GroupVersion().ToString(); }

std::string GroupVersionKind::ToString() const { return group + "/" + version + ", Kind=" + kind; }

std::string GroupResource::ToString() const { return Qualified(resource, group); }

std::string GroupVersionResource::ToString() const {
  return group + "/" + version + ", Resource=" + resource;
}

Result<ObjectKey> ObjectKey::Parse(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return ObjectKey{"", std::string(key)};
  if (key.find('/', slash + 1) == std::string_view::npos) {
    return ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  }
  return BadRequestError("unexpected key format: \"" + std::string(key) + "\"");
}

std::string ObjectKey::ToString() const {
  if (namespace_.empty()) return name;
  return namespace_ + "/" + name;
}

std::ostream& operator<<(std::ostream& os, const GroupVersion& gv) { return os << gv.ToString(); }
std::ostream& operator<<(std::ostream& os, const GroupKind& gk) { return os << gk.ToString(); }
std::ostream& operator<<(std::ostream& os, const GroupVersionKind& gvk) {
  return os << gvk.ToString();
}
std::ostream& operator<<(std::ostream& os, const GroupResource& gr) { return os << gr.ToString(); }
std::ostream& operator<<(std::ostream& os, const GroupVersionResource& gvr) {
  return os << gvr.ToString();
}
std::ostream& operator<<(std::ostream& os, const ObjectKey& key) { return os << key.ToString(); }

}  // namespace kube

std::size_t std::hash<kube::GroupVersion>::operator()(const kube::GroupVersion& v) const noexcept {
  return kube::HashStrings(v.group, v.version);
}
std::size_t std::hash<kube::GroupKind>::operator()(const kube::GroupKind& v) const noexcept {
  return kube::HashStrings(v.group, v.kind);
}
std::size_t std::hash<kube::GroupVersionKind>::operator()(
    const kube::GroupVersionKind& v) const noexcept {
  return kube::HashStrings(v.group, v.version, v.kind);
}
std::size_t std::hash<kube::GroupResource>::operator()(
    const kube::GroupResource& v) const noexcept {
  return kube::HashStrings(v.group, v.resource);
}
std::size_t std::hash<kube::GroupVersionResource>::operator()(
    const kube::GroupVersionResource& v) const noexcept {
  return kube::HashStrings(v.group, v.version, v.resource);
}
std::size_t std::hash<kube::ObjectKey>::operator()(const kube::ObjectKey& v) const noexcept {
  return kube::HashStrings(v.namespace_, v.name);
}
