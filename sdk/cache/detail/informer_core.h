// The non-template core of Informer<T> (informer.h): owns the store, the reflector
// thread, the dispatch thread that calls handlers in order, and the resync thread.
// Objects are type-erased (std::shared_ptr<const void>); the template layer supplies
// a decoder and casts back. Not part of the API.
//
// Locking: deliver_mu_ serialises "change the store + queue notifications" (reflector,
// resync) against handler registration, so a new handler sees every object exactly
// once (synthetic add or later event). Lock order: deliver_mu_, handlers_mu_,
// queue_mu_.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CACHE_DETAIL_INFORMER_CORE_H_
#define KUBECPP_CACHE_DETAIL_INFORMER_CORE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/cache/detail/store_core.h"
#include "kubecpp/cache/informer_options.h"
#include "kubecpp/cache/reflector.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/result.h"

namespace kube::cache::detail {

// Unstructured (already transformed) -> the cached object.
using Decoder = std::function<Result<ObjectPtr>(Unstructured&&)>;
// The resourceVersion of a cached object.
using ResourceVersionFn = std::function<std::string(const void*)>;

enum class NotificationType { kAdd, kUpdate, kDelete, kSynced };

struct Notification {
  NotificationType type = NotificationType::kAdd;
  ObjectPtr old_object;  // kUpdate only
  ObjectPtr object;      // kAdd / kUpdate (new) / kDelete (last known state)
  std::string key;
  // kAdd: part of the initial list; kDelete: missed deletion found by a relist.
  bool flag = false;
  uint64_t seq = 0;
  uint64_t target = 0;  // 0: every handler registered before seq; else one handler id
};

using NotificationFn = std::function<void(const Notification&)>;

class InformerCore final : public ReflectorSink {
 public:
  // REQUIRES: `client` outlives the core.
  InformerCore(client::Client* client, client::ResourceRef resource, InformerOptions options,
               Decoder decoder, ResourceVersionFn resource_version);
  // Stops and joins the threads.
  ~InformerCore() override;
  InformerCore(const InformerCore&) = delete;
  InformerCore& operator=(const InformerCore&) = delete;

  // Starts the threads (once; later calls do nothing). They stop on `stop` or when
  // the core is destroyed.
  void Start(std::stop_token stop);
  bool started() const { return started_.load(); }

  uint64_t AddHandler(NotificationFn fn);
  void RemoveHandler(uint64_t id);
  bool HandlerSynced(uint64_t id) const;

  bool HasSynced() const { return synced_.load(); }
  Status WaitForSync(std::stop_token stop, Clock::Duration timeout);
  Status LastError() const;
  std::string LastSyncResourceVersion() const { return reflector_.LastSyncResourceVersion(); }
  int64_t list_count() const { return reflector_.list_count(); }
  size_t pending_notifications() const;
  const std::string& description() const { return reflector_.description(); }
  const std::shared_ptr<StoreCore>& store() const { return store_; }
  const InformerOptions& options() const { return options_; }
  const client::ResourceRef& resource() const { return resource_; }

  // ReflectorSink.
  void Replace(std::vector<Unstructured> items, const std::string& resource_version) override;
  void Apply(client::EventType type, Unstructured object) override;

 private:
  struct Handler {
    uint64_t id = 0;
    uint64_t from_seq = 0;
    NotificationFn fn;
    std::mutex call_mu;               // held while fn runs; Remove waits on it
    bool removed = false;             // GUARDED_BY(call_mu)
    std::atomic<bool> synced{false};  // received the initial list
  };

  ObjectPtr Decode(Unstructured&& object, std::string* key);
  void Push(Notification n);  // REQUIRES: deliver_mu_ held (for broadcasts)
  void DispatchLoop(std::stop_token stop);
  void ResyncLoop(std::stop_token stop);

  const client::ResourceRef resource_;
  const InformerOptions options_;
  Clock& clock_;
  const Decoder decoder_;
  const ResourceVersionFn resource_version_;
  const std::shared_ptr<StoreCore> store_;
  Reflector reflector_;

  std::mutex deliver_mu_;
  std::stop_source synced_source_;  // stop requested once synced

  std::atomic<bool> synced_{false};
  std::atomic<bool> started_{false};

  mutable std::mutex handlers_mu_;
  std::vector<std::shared_ptr<Handler>> handlers_;  // GUARDED_BY(handlers_mu_)
  uint64_t next_handler_id_ = 1;                    // GUARDED_BY(handlers_mu_)
  std::atomic<uint64_t> handlers_version_{0};

  mutable std::mutex queue_mu_;
  std::condition_variable_any queue_cv_;
  std::deque<Notification> queue_;  // GUARDED_BY(queue_mu_)
  uint64_t next_seq_ = 1;           // GUARDED_BY(queue_mu_)

  mutable std::mutex error_mu_;
  Status decode_error_;  // GUARDED_BY(error_mu_)

  std::atomic<std::thread::id> dispatch_thread_id_{};
  std::stop_source stop_source_;
  std::optional<std::stop_callback<std::function<void()>>> external_stop_;
  std::thread reflector_thread_;
  std::thread dispatch_thread_;
  std::thread resync_thread_;
};

}  // namespace kube::cache::detail

#endif  // KUBECPP_CACHE_DETAIL_INFORMER_CORE_H_
