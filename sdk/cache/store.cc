#include "kubecpp/cache/store.h"

namespace kube::cache {

std::string MetaNamespaceKey(std::string_view namespace_, std::string_view name) {
  if (namespace_.empty()) return std::string(name);
  std::string key;
  key.reserve(namespace_.size() + 1 + name.size());
  key.append(namespace_).append("/").append(name);
  return key;
}

Result<ObjectKey> SplitMetaNamespaceKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return ObjectKey{"", std::string(key)};
  if (key.find('/', slash + 1) != std::string_view::npos) {
    return BadRequestError("unexpected key format: \"" + std::string(key) + "\"");
  }
  return ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

std::vector<std::string> MetaAccess<Unstructured>::OwnerUids(const Unstructured& o) {
  std::vector<std::string> out;
  const Json* refs = o.Get({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return out;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto uid = ref.find("uid");
    if (uid != ref.end() && uid->is_string()) out.push_back(uid->get<std::string>());
  }
  return out;
}

}  // namespace kube::cache
