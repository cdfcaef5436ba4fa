// Queue: the work queue between event handlers and a controller's workers
// (client-go's workqueue.Typed). Handlers Add keys; N workers loop on Get / process /
// Done. Items are keys, not objects: usually kube::ObjectKey, or a controller's
// Request.
//
// Guarantees (client-go's invariants):
//   * Dedup: an item added several times before a worker takes it is handed out once.
//   * An item is never processed by two workers at once: while it is between Get and
//     Done it is not handed out again.
//   * An item added while it is being processed is handed out again after Done
//     (processing it once more sees the change that caused the add).
//   * FIFO order among waiting items.
//
// Interface<T> is the contract; DelayingInterface (delaying_queue.h) and
// RateLimitingInterface (rate_limiting_queue.h) extend it, and PriorityQueue
// (priority_queue.h) implements the last one too, so a controller takes any of them.
//
// Thread-safety: thread-safe. Get blocks; nothing else does (ShutDownWithDrain waits
// for Done calls). REQUIRES before destruction: no thread is inside a method (ShutDown,
// then join the workers).
#ifndef KUBECPP_WORKQUEUE_QUEUE_H_
#define KUBECPP_WORKQUEUE_QUEUE_H_

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/detail/queue_core.h"
#include "kubecpp/workqueue/metrics.h"

namespace kube::workqueue {

// What a queue item must be: a copyable key with std::hash and operator==.
template <typename T>
concept QueueItem = std::copy_constructible<T> && std::equality_comparable<T> &&
    requires(const T& t) {
  { std::hash<T>{}(t) } -> std::convertible_to<std::size_t>;
};

// The basic queue contract (client-go's workqueue.TypedInterface).
template <QueueItem T>
class Interface {
 public:
  virtual ~Interface() = default;

  // Queues `item` unless it is already waiting. Ignored after ShutDown.
  virtual void Add(const T& item) = 0;
  // Number of items waiting to be handed out (not those being processed).
  virtual int Len() const = 0;
  // Blocks until an item is available and hands it out; the caller must call
  // Done(item) when finished with it. Items still waiting at shutdown are handed
  // out; returns nullopt once the queue is shut down and empty.
  virtual std::optional<T> Get() = 0;
  // Marks `item` as processed: if it was added meanwhile it is queued again.
  // REQUIRES: `item` was returned by Get and Done was not yet called for it (other
  // calls are ignored).
  virtual void Done(const T& item) = 0;
  // Stops accepting items and wakes every Get; returns at once.
  virtual void ShutDown() = 0;
  // As ShutDown, then blocks until every item handed out has been Done. A ShutDown
  // from another thread ends the wait. Workers must keep calling Done.
  virtual void ShutDownWithDrain() = 0;
  virtual bool ShuttingDown() const = 0;
};

struct QueueOptions {
  // The `name` label of the queue's metrics. Default: "".
  std::string name;
  // Metrics backend; must outlive the queue's construction only. Default: nullptr,
  // no metrics.
  MetricsProvider* metrics_provider = nullptr;
  // Time source (for metrics and delays). Must outlive the queue. Default: RealClock().
  Clock* clock = nullptr;
};

template <QueueItem T>
class Queue final : public Interface<T> {
 public:
  explicit Queue(const QueueOptions& options = {})
      : core_(options.name, options.metrics_provider,
              options.clock != nullptr ? *options.clock : RealClock()) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void Add(const T& item) override {
    detail::MutexLock lock(core_.mu());
    if (core_.shutting_down_locked()) return;
    auto [it, inserted] = items_.try_emplace(item);
    if (inserted) it->second.item = &it->first;
    core_.AddLocked(it->second);
  }

  int Len() const override { return core_.Len(); }

  std::optional<T> Get() override {
    detail::MutexLock lock(core_.mu());
    const detail::QueueState* s = core_.GetLocked();
    if (s == nullptr) return std::nullopt;
    return *static_cast<const T*>(s->item);
  }

  void Done(const T& item) override {
    detail::MutexLock lock(core_.mu());
    auto it = items_.find(item);
    if (it == items_.end()) return;
    if (core_.DoneLocked(it->second)) items_.erase(it);
  }

  void ShutDown() override { core_.ShutDown(); }
  void ShutDownWithDrain() override { core_.ShutDownWithDrain(); }
  bool ShuttingDown() const override { return core_.ShuttingDown(); }

  // Counts one workqueue_retries_total (used by DelayingQueue::AddAfter).
  void RecordRetry() { core_.RecordRetry(); }

 private:
  mutable detail::QueueCore core_;
  // Every item that is dirty or processing; QueueCore's FIFO points into it
  // (unordered_map nodes do not move).
  std::unordered_map<T, detail::QueueState> items_ KUBE_WQ_GUARDED_BY(core_.mu());
};

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_QUEUE_H_
