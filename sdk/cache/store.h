// Store and Indexer: the in-memory cache an informer fills (client-go's
// cache.Store / cache.Indexer / ThreadSafeStore).
//
// Objects are immutable std::shared_ptr<const T> keyed by "namespace/name" (or "name"
// for cluster-scoped objects; see MetaNamespaceKey). Named index functions map an
// object to index values; ByIndex finds the objects with a value. The namespace index
// (kNamespaceIndex) is always present; OwnerUidIndexFunc<T>() is offered ready made.
//
// Reads may be stale: an informer's store lags the apiserver by the watch latency,
// and an object returned by Get may be replaced a moment later. Never modify a cached
// object; copy it first. An informer's store is written only by its reflector: treat
// it as read-only.
//
// T is Unstructured or any struct with an ObjectMeta `metadata` member.
//
// Thread-safety: thread-safe. One writer at a time, many concurrent readers.
#ifndef KUBECPP_CACHE_STORE_H_
#define KUBECPP_CACHE_STORE_H_

#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/cache/detail/store_core.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/unstructured.h"

namespace kube::cache {

// The built-in index of every Indexer: object namespace ("" for cluster-scoped).
inline constexpr std::string_view kNamespaceIndex = "namespace";
// Conventional name for OwnerUidIndexFunc.
inline constexpr std::string_view kOwnerUidIndex = "ownerUid";

// "namespace/name", or "name" when the namespace is empty (MetaNamespaceKeyFunc).
std::string MetaNamespaceKey(std::string_view namespace_, std::string_view name);
inline std::string MetaNamespaceKey(const ObjectKey& key) {
  return MetaNamespaceKey(key.namespace_, key.name);
}
// Splits a key back into namespace and name. Errors: kBadRequest for more than one '/'.
[[nodiscard]] Result<ObjectKey> SplitMetaNamespaceKey(std::string_view key);

// Uniform access to the metadata of the object types a cache holds.
template <typename T>
struct MetaAccess {
  static std::string Namespace(const T& o) { return o.metadata.namespace_; }
  static std::string Name(const T& o) { return o.metadata.name; }
  static const std::map<std::string, std::string>& Labels(const T& o) { return o.metadata.labels; }
  static std::vector<std::string> OwnerUids(const T& o) {
    std::vector<std::string> out;
    for (const auto& ref : o.metadata.owner_references) out.push_back(ref.uid);
    return out;
  }
};
template <>
struct MetaAccess<Unstructured> {
  static std::string Namespace(const Unstructured& o) { return o.namespace_(); }
  static std::string Name(const Unstructured& o) { return o.name(); }
  static std::map<std::string, std::string> Labels(const Unstructured& o) { return o.labels(); }
  static std::vector<std::string> OwnerUids(const Unstructured& o);
};

template <typename T>
concept CacheObject = requires(const T& t) {
  { MetaAccess<T>::Namespace(t) } -> std::convertible_to<std::string>;
  { MetaAccess<T>::Name(t) } -> std::convertible_to<std::string>;
};

template <typename T>
std::string KeyOf(const T& object) {
  return MetaNamespaceKey(MetaAccess<T>::Namespace(object), MetaAccess<T>::Name(object));
}

// Maps an object to its index values (none, one or several).
template <typename T>
using IndexFunc = std::function<std::vector<std::string>(const T&)>;

// Indexes objects by the uid of each of their owner references.
template <CacheObject T>
IndexFunc<T> OwnerUidIndexFunc() {
  return [](const T& o) { return MetaAccess<T>::OwnerUids(o); };
}

template <CacheObject T>
class Indexer {
 public:
  using Ptr = std::shared_ptr<const T>;

  // An empty store with the namespace index.
  Indexer() : Indexer(std::make_shared<detail::StoreCore>()) {}
  // A typed view of `core` (what informers hand out). REQUIRES: core holds only Ts.
  explicit Indexer(std::shared_ptr<detail::StoreCore> core) : core_(std::move(core)) {
    (void)core_->AddIndexers({{std::string(kNamespaceIndex), NamespaceIndex}});
  }

  // --- Reads: shared lock, never block on other readers; results may be stale. ---
  // The object with this key, or nullptr.
  Ptr Get(const std::string& key) const { return Cast(core_->Get(key)); }
  Ptr Get(const ObjectKey& key) const { return Get(MetaNamespaceKey(key)); }
  // Every object, in no particular order.
  std::vector<Ptr> List() const { return CastAll(core_->List()); }
  // Objects whose labels match `selector`.
  std::vector<Ptr> List(const Selector& selector) const {
    std::vector<Ptr> out;
    for (auto& p : core_->List()) {
      Ptr o = Cast(std::move(p));
      if (selector.Matches(MetaAccess<T>::Labels(*o))) out.push_back(std::move(o));
    }
    return out;
  }
  // Objects in `namespace_` whose labels match `selector` (uses the namespace index).
  std::vector<Ptr> List(std::string_view namespace_, const Selector& selector) const {
    std::vector<Ptr> out;
    for (auto& o : ByIndex(kNamespaceIndex, namespace_).value_or(std::vector<Ptr>{})) {
      if (selector.Matches(MetaAccess<T>::Labels(*o))) out.push_back(std::move(o));
    }
    return out;
  }
  std::vector<std::string> ListKeys() const { return core_->ListKeys(); }
  size_t size() const { return core_->size(); }

  // Objects whose index `index` yields `value`. Errors: kNotFound for an unknown index.
  [[nodiscard]] Result<std::vector<Ptr>> ByIndex(std::string_view index,
                                                 std::string_view value) const {
    std::vector<detail::ObjectPtr> raw;
    KUBE_RETURN_IF_ERROR(core_->ByIndex(index, value, &raw));
    return CastAll(std::move(raw));
  }
  // Keys whose index `index` yields `value`, sorted. Errors as ByIndex.
  [[nodiscard]] Result<std::vector<std::string>> IndexKeys(std::string_view index,
                                                           std::string_view value) const {
    std::vector<std::string> keys;
    KUBE_RETURN_IF_ERROR(core_->IndexKeys(index, value, &keys));
    return keys;
  }
  // The values present in `index`, sorted. Errors as ByIndex.
  [[nodiscard]] Result<std::vector<std::string>> ListIndexFuncValues(std::string_view index) const {
    std::vector<std::string> values;
    KUBE_RETURN_IF_ERROR(core_->ListIndexFuncValues(index, &values));
    return values;
  }

  // Adds index functions and indexes the current content with them. Errors:
  // kAlreadyExists when a name is taken (nothing is added then).
  [[nodiscard]] Status AddIndexers(std::map<std::string, IndexFunc<T>> indexers) {
    std::map<std::string, detail::ErasedIndexFunc> erased;
    for (auto& [name, fn] : indexers) {
      erased.emplace(name, [fn = std::move(fn)](const std::string&, const void* o) {
        return fn(*static_cast<const T*>(o));
      });
    }
    return core_->AddIndexers(std::move(erased));
  }

  // --- Writes: exclusive lock. Not for an informer's store. ---
  // Inserts or replaces the object under its key.
  void Add(Ptr object) {
    std::string key = KeyOf(*object);
    core_->Upsert(key, std::move(object));
  }
  void Update(Ptr object) { Add(std::move(object)); }
  // Removes the object with this key, if any.
  void Delete(const std::string& key) { core_->Erase(key); }
  // Replaces the whole content atomically.
  void Replace(std::vector<Ptr> objects) {
    std::unordered_map<std::string, detail::ObjectPtr> items;
    for (auto& o : objects) {
      std::string key = KeyOf(*o);
      items[std::move(key)] = std::move(o);
    }
    core_->Replace(std::move(items));
  }

  const std::shared_ptr<detail::StoreCore>& core() const { return core_; }

 private:
  static std::vector<std::string> NamespaceIndex(const std::string& key, const void*) {
    auto slash = key.find('/');
    return {slash == std::string::npos ? std::string() : key.substr(0, slash)};
  }
  static Ptr Cast(detail::ObjectPtr p) { return std::static_pointer_cast<const T>(std::move(p)); }
  static std::vector<Ptr> CastAll(std::vector<detail::ObjectPtr> raw) {
    std::vector<Ptr> out;
    out.reserve(raw.size());
    for (auto& p : raw) out.push_back(Cast(std::move(p)));
    return out;
  }

  std::shared_ptr<detail::StoreCore> core_;
};

// client-go's name for the plain map; every Store here is also an Indexer.
template <typename T>
using Store = Indexer<T>;

}  // namespace kube::cache

#endif  // KUBECPP_CACHE_STORE_H_
