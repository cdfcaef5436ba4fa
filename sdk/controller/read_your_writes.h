// ReadYourWrites: a cache reader that never goes back in time after the controller's
// own writes (the "read-your-own-writes" gap of controller-runtime's cached client).
//
// An informer's cache lags the apiserver: right after a reconcile updates an object,
// the cache may still hold the previous version, and the next reconcile would act on
// it (and typically fail with a conflict, or worse, undo its own work). Record the
// server's copy of every write with Wrote(); Get() then returns whichever is newer of
// the cache and the recorded write, comparing resourceVersions, and forgets the
// record once the cache has caught up. Deleted() hides an object the controller
// deleted until the cache sees the deletion.
//
//   ReadYourWrites<Unstructured> reader(informer);
//   auto cm = reader.Get(req.key);                       // never older than our writes
//   auto updated = api.Update(*changed);
//   if (updated) reader.Wrote(*updated);
//
// resourceVersions are compared as integers when both are decimal (etcd revisions,
// and the fake apiserver's); otherwise a differing cache entry is taken as newer.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CONTROLLER_READ_YOUR_WRITES_H_
#define KUBECPP_CONTROLLER_READ_YOUR_WRITES_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "kubecpp/cache/informer.h"
#include "kubecpp/controller/object.h"
#include "kubecpp/core/gvk.h"

namespace kube::controller {

// True when resourceVersion `a` is known to be older than `b`.
bool ResourceVersionOlder(std::string_view a, std::string_view b);

template <ControllerObject T>
class ReadYourWrites {
 public:
  using Ptr = std::shared_ptr<const T>;

  explicit ReadYourWrites(std::shared_ptr<cache::Informer<T>> informer)
      : informer_(std::move(informer)) {}

  // The newest known state of `key`: the cache's, or this controller's last write
  // when the cache has not seen it yet. nullptr when absent or deleted by us.
  Ptr Get(const ObjectKey& key) const {
    Ptr cached = informer_->GetIndexer().Get(key);
    std::lock_guard lock(mu_);
    auto it = writes_.find(key);
    if (it == writes_.end()) return cached;
    const Write& w = it->second;
    const std::string cached_rv = cached ? std::string(MetaOf(*cached).resource_version) : "";
    if (w.deleted) {
      // Hidden until the cache drops the object or shows a newer one (re-created).
      if (!cached) {
        writes_.erase(it);
        return nullptr;
      }
      if (!ResourceVersionOlder(w.resource_version, cached_rv)) return nullptr;
      writes_.erase(it);
      return cached;
    }
    if (cached && !ResourceVersionOlder(cached_rv, w.resource_version)) {
      writes_.erase(it);  // the cache caught up
      return cached;
    }
    return w.object;
  }

  // Records the server's copy returned by a create, update or patch.
  void Wrote(const T& server_copy) {
    auto&& meta = MetaOf(server_copy);
    std::lock_guard lock(mu_);
    writes_[ObjectKey{meta.namespace_, meta.name}] =
        Write{std::make_shared<const T>(server_copy), meta.resource_version, false};
  }

  // Records that this controller deleted `key` (last seen at `resource_version`).
  void Deleted(const ObjectKey& key, std::string resource_version) {
    std::lock_guard lock(mu_);
    writes_[key] = Write{nullptr, std::move(resource_version), true};
  }

  // Writes not yet seen by the cache (for tests and metrics).
  size_t pending() const {
    std::lock_guard lock(mu_);
    return writes_.size();
  }

 private:
  struct Write {
    Ptr object;
    std::string resource_version;
    bool deleted = false;
  };

  std::shared_ptr<cache::Informer<T>> informer_;
  mutable std::mutex mu_;
  mutable std::unordered_map<ObjectKey, Write> writes_;  // GUARDED_BY(mu_)
};

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_READ_YOUR_WRITES_H_
