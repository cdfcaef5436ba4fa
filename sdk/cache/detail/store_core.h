// The non-template core of Indexer<T> (store.h): a thread-safe map from key to an
// immutable object held as std::shared_ptr<const void>, with named indices. The
// template layer casts back to T. Not part of the API: the Indexer template needs it
// in its header.
//
// Thread-safety: thread-safe. One writer at a time (exclusive lock), many readers
// (shared lock); readers get shared_ptr snapshots that stay valid after later writes.
#ifndef KUBECPP_CACHE_DETAIL_STORE_CORE_H_
#define KUBECPP_CACHE_DETAIL_STORE_CORE_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kubecpp/core/status.h"

namespace kube::cache::detail {

using ObjectPtr = std::shared_ptr<const void>;
// Index values of one object, given its key and the object.
using ErasedIndexFunc =
    std::function<std::vector<std::string>(const std::string& key, const void* object)>;

class StoreCore {
 public:
  StoreCore() = default;
  StoreCore(const StoreCore&) = delete;
  StoreCore& operator=(const StoreCore&) = delete;

  // Inserts or replaces; returns the previous object (null when new).
  ObjectPtr Upsert(const std::string& key, ObjectPtr object);
  // Removes; returns the removed object (null when absent).
  ObjectPtr Erase(const std::string& key);
  // Replaces the whole content in one step (readers see the old or the new content,
  // never a mix). Returns the previous content.
  std::unordered_map<std::string, ObjectPtr> Replace(
      std::unordered_map<std::string, ObjectPtr> items);

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> ListKeys() const;
  std::unordered_map<std::string, ObjectPtr> Snapshot() const;
  size_t size() const;

  // Adds indices and builds them over the current content. Errors: kAlreadyExists
  // when an index of that name exists.
  Status AddIndexers(std::map<std::string, ErasedIndexFunc> indexers);
  // Objects whose index `index` has `value`. Errors: kNotFound for an unknown index.
  Status ByIndex(std::string_view index, std::string_view value, std::vector<ObjectPtr>* out) const;
  // Keys whose index `index` has `value`, sorted. Errors as ByIndex.
  Status IndexKeys(std::string_view index, std::string_view value,
                   std::vector<std::string>* out) const;
  // Every value present in `index`. Errors as ByIndex.
  Status ListIndexFuncValues(std::string_view index, std::vector<std::string>* out) const;

 private:
  using Index = std::unordered_map<std::string, std::set<std::string>>;
  void Unindex(const std::string& key, const void* object);      // REQUIRES: mu_ held
  void IndexObject(const std::string& key, const void* object);  // REQUIRES: mu_ held

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ObjectPtr> items_;              // GUARDED_BY(mu_)
  std::map<std::string, ErasedIndexFunc, std::less<>> indexers_;  // GUARDED_BY(mu_)
  std::map<std::string, Index, std::less<>> indices_;             // GUARDED_BY(mu_)
};

}  // namespace kube::cache::detail

#endif  // KUBECPP_CACHE_DETAIL_STORE_CORE_H_
