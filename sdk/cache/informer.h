// Informer: a cache of one resource kept current by a Reflector, and the handlers
// told about every change (client-go's SharedIndexInformer).
//
//   auto pods = kube::cache::NewDynamicInformer(client, pod_ref, {.namespace_ = "web"});
//   pods->AddEventHandler({.on_add = [](const auto& pod, bool) { ... }});
//   pods->Start(stop);
//   if (auto s = pods->WaitForSync(stop, std::chrono::seconds(30)); !s.ok()) ...
//   auto pod = pods->GetIndexer().Get("web/pod-1");
//
// Flow: the reflector thread writes each change to the store, then queues a
// notification; one dispatch thread per informer calls the handlers, in order, one
// notification at a time. The store is updated before handlers hear of a change, so
// a handler reading the cache sees that change or a newer one. The queue is
// unbounded: a slow handler delays other handlers but never the reflector.
//
// Guarantees: handlers of one informer see notifications in the order of the watch.
// A handler added after the cache synced first gets one add (is_in_initial_list true)
// per cached object. A deletion missed while the watch was down (found by a relist)
// is delivered as a DeletedObject with final_state_unknown set and the last cached
// state. A resync re-delivers every cached object as an update with old == new.
//
// Caveats: reads are possibly stale; handlers must be quick or hand work to a queue;
// a handler must not block on the informer's own dispatch (e.g. wait for another
// notification).
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CACHE_INFORMER_H_
#define KUBECPP_CACHE_INFORMER_H_

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <utility>

#include "kubecpp/cache/detail/informer_core.h"
#include "kubecpp/cache/informer_options.h"
#include "kubecpp/cache/store.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/unstructured.h"

namespace kube::cache {

// What a delete handler receives (client-go's object-or-DeletedFinalStateUnknown).
template <typename T>
struct DeletedObject {
  std::shared_ptr<const T> object;  // the final state, or the last cached one
  std::string key;                  // "namespace/name"
  // True when the deletion was missed during a watch outage and found by a relist:
  // `object` is the last state the cache saw, not the state at deletion.
  bool final_state_unknown = false;
};

// Callbacks; any may be empty. Called from the informer's dispatch thread.
template <typename T>
struct ResourceEventHandlerFuncs {
  std::function<void(const std::shared_ptr<const T>& object, bool is_in_initial_list)> on_add;
  std::function<void(const std::shared_ptr<const T>& old_object,
                     const std::shared_ptr<const T>& new_object)>
      on_update;
  std::function<void(const DeletedObject<T>& deleted)> on_delete;
};

// A handler's registration, returned by AddEventHandler. Copyable; does not keep the
// informer alive.
class HandlerRegistration {
 public:
  HandlerRegistration() = default;
  HandlerRegistration(std::weak_ptr<detail::InformerCore> core, uint64_t id)
      : core_(std::move(core)), id_(id) {}

  // Unregisters the handler. When Remove returns, the handler is not running and is
  // never called again (when called from a handler of the same informer, the current
  // call finishes normally). Idempotent.
  void Remove() const;
  // True once the handler has been handed every object of the initial list (its
  // synthetic adds, when it was added late).
  bool HasSynced() const;

 private:
  std::weak_ptr<detail::InformerCore> core_;
  uint64_t id_ = 0;
};

template <CacheObject T>
class Informer {
 public:
  using Ptr = std::shared_ptr<const T>;

  explicit Informer(std::shared_ptr<detail::InformerCore> core)
      : core_(std::move(core)), indexer_(core_->store()) {}
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // The cache. Reads may be stale; do not write to it.
  const Indexer<T>& GetIndexer() const { return indexer_; }
  // Adds index functions (see Indexer::AddIndexers).
  [[nodiscard]] Status AddIndexers(std::map<std::string, IndexFunc<T>> indexers) {
    Indexer<T> writable(core_->store());
    return writable.AddIndexers(std::move(indexers));
  }

  // Registers handlers; they start receiving notifications at once (see the file
  // comment for late registration). Never blocks on handlers.
  HandlerRegistration AddEventHandler(ResourceEventHandlerFuncs<T> handler) {
    uint64_t id = core_->AddHandler([h = std::move(handler)](const detail::Notification& n) {
      switch (n.type) {
        case detail::NotificationType::kAdd:
          if (h.on_add) h.on_add(Cast(n.object), n.flag);
          break;
        case detail::NotificationType::kUpdate:
          if (h.on_update) h.on_update(Cast(n.old_object), Cast(n.object));
          break;
        case detail::NotificationType::kDelete:
          if (h.on_delete) h.on_delete(DeletedObject<T>{Cast(n.object), n.key, n.flag});
          break;
        case detail::NotificationType::kSynced:
          break;
      }
    });
    return HandlerRegistration(core_, id);
  }

  // Starts the reflector and dispatch threads; returns at once. Later calls do
  // nothing. The threads stop on `stop` or when the informer is destroyed.
  void Start(std::stop_token stop = {}) { core_->Start(std::move(stop)); }
  // True once the first list is in the cache.
  bool HasSynced() const { return core_->HasSynced(); }
  // Blocks until synced, `timeout` passes on the informer's clock, or `stop`.
  // Errors: kTimeout naming the resource and why (its last error, or that it was
  // never started); kCancelled on `stop`.
  [[nodiscard]] Status WaitForSync(std::stop_token stop, Clock::Duration timeout) {
    return core_->WaitForSync(std::move(stop), timeout);
  }
  // The last list/watch/decode error; OK when healthy.
  Status LastError() const { return core_->LastError(); }
  std::string LastSyncResourceVersion() const { return core_->LastSyncResourceVersion(); }
  // "pods (namespace web)".
  const std::string& description() const { return core_->description(); }
  const std::shared_ptr<detail::InformerCore>& core() const { return core_; }

 private:
  static Ptr Cast(const detail::ObjectPtr& p) { return std::static_pointer_cast<const T>(p); }

  std::shared_ptr<detail::InformerCore> core_;
  Indexer<T> indexer_;
};

namespace detail {
std::string UnstructuredResourceVersion(const void* object);
Result<ObjectPtr> DecodeUnstructured(Unstructured&& object);

template <client::ApiResource T>
std::shared_ptr<InformerCore> NewTypedCore(client::Client* client, InformerOptions options) {
  auto decode = [](Unstructured&& u) -> Result<ObjectPtr> {
    auto out = std::make_shared<T>();
    if (Status s = FromJson(u.object(), out.get()); !s.ok()) return s;
    return ObjectPtr(std::move(out));
  };
  auto rv = [](const void* o) { return static_cast<const T*>(o)->metadata.resource_version; };
  return std::make_shared<InformerCore>(client, client::ResourceRefFor<T>(), std::move(options),
                                        decode, rv);
}
std::shared_ptr<InformerCore> NewDynamicCore(client::Client* client,
                                             const client::ResourceRef& resource,
                                             InformerOptions options);
}  // namespace detail

// An informer of typed objects. Not shared: use InformerFactory to share one watch.
// REQUIRES: `client` outlives the informer.
template <client::ApiResource T>
std::shared_ptr<Informer<T>> NewInformer(client::Client* client, InformerOptions options = {}) {
  return std::make_shared<Informer<T>>(detail::NewTypedCore<T>(client, std::move(options)));
}

// An informer of Unstructured objects of `resource`.
// REQUIRES: `client` outlives the informer.
std::shared_ptr<Informer<Unstructured>> NewDynamicInformer(client::Client* client,
                                                           const client::ResourceRef& resource,
                                                           InformerOptions options = {});

}  // namespace kube::cache

#endif  // KUBECPP_CACHE_INFORMER_H_
