// PriorityQueue: a rate-limiting work queue that hands out higher-priority items first
// (controller-runtime's priorityqueue), so that live changes are reconciled before the
// backlog of a controller's initial list (added at kLowPriority).
//
// Same guarantees as Queue (dedup; never two workers on one item; an item re-added
// while processing runs again after Done). Re-adding a queued item keeps the higher
// priority and the earlier ready time. Ready items are handed out by priority, FIFO
// within one priority, with aging: every `aging` an item has been ready counts as one
// priority level, so a low-priority item cannot starve under a stream of higher ones
// (an item p levels lower waits at most about p * aging behind newer items). Delays
// sleep through the queue's Clock, as in DelayingQueue.
//
// Differences from controller-runtime: the aging; ShutDownWithDrain really drains;
// items ready at ShutDown are still handed out (as client-go's queue does); Len counts
// ready items that are not being processed.
//
// Thread-safety: thread-safe. Get and GetWithPriority block.
#ifndef KUBECPP_WORKQUEUE_PRIORITY_QUEUE_H_
#define KUBECPP_WORKQUEUE_PRIORITY_QUEUE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/detail/priority_core.h"
#include "kubecpp/workqueue/metrics.h"
#include "kubecpp/workqueue/rate_limiter.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace kube::workqueue {

// The priority controller-runtime's handlers give events of the initial list.
inline constexpr int kLowPriority = -100;

struct AddOpts {
  // Ready after this long (<= 0: now). Default: now.
  Clock::Duration after{};
  // Also wait as long as the rate limiter says (a failure is counted); the shorter of
  // that and `after` (when set) applies. Default: false.
  bool rate_limited = false;
  // Higher goes first. Default: 0.
  int priority = 0;
};

template <QueueItem T>
struct PriorityItem {
  T item;
  int priority;
};

template <QueueItem T>
struct PriorityQueueOptions {
  // The `name` label of the queue's metrics. Default: "".
  std::string name;
  // Metrics backend, used during construction only. Default: nullptr, no metrics.
  MetricsProvider* metrics_provider = nullptr;
  // Time source; must outlive the queue. Default: RealClock().
  Clock* clock = nullptr;
  // For AddRateLimited / rate_limited. Default: nullptr, meaning per-item exponential
  // 5 ms doubling to 1000 s (controller-runtime's default).
  std::unique_ptr<RateLimiter<T>> rate_limiter;
  // Ready time worth one priority level. Default: 1 s, so a kLowPriority item yields
  // to newer priority-0 items for at most about 100 s. Zero: strict priority.
  Clock::Duration aging = std::chrono::seconds(1);
};

template <QueueItem T>
class PriorityQueue final : public RateLimitingInterface<T> {
 public:
  explicit PriorityQueue(PriorityQueueOptions<T> options = {})
      : limiter_(options.rate_limiter != nullptr
                     ? std::move(options.rate_limiter)
                     : std::make_unique<ItemExponentialFailureRateLimiter<T>>()),
        core_(options.name, options.metrics_provider,
              options.clock != nullptr ? *options.clock : RealClock(), options.aging) {}
  PriorityQueue(const PriorityQueue&) = delete;
  PriorityQueue& operator=(const PriorityQueue&) = delete;

  // Adds `item` with `opts`; see AddOpts. Ignored after ShutDown.
  void AddWithOpts(const AddOpts& opts, const T& item) {
    Clock::Duration after = opts.after;
    if (opts.rate_limited) {
      const Clock::Duration limited = limiter_->When(item);
      if (after <= Clock::Duration::zero() || limited < after) after = limited;
    }
    std::optional<Clock::TimePoint> deadline;
    {
      detail::MutexLock lock(core_.mu());
      if (core_.shutting_down_locked()) return;
      auto [it, inserted] = items_.try_emplace(item);
      if (inserted) it->second.item = &it->first;
      deadline = core_.AddLocked(it->second, opts.priority, after);
    }
    if (deadline.has_value()) core_.Schedule(*deadline);
  }
  void AddWithOpts(const AddOpts& opts, std::span<const T> items) {
    for (const T& item : items) AddWithOpts(opts, item);
  }

  // As Get, with the priority the item was handed out at (before aging).
  std::optional<PriorityItem<T>> GetWithPriority() {
    detail::MutexLock lock(core_.mu());
    const detail::PriorityState* s = core_.GetLocked();
    if (s == nullptr) return std::nullopt;
    return PriorityItem<T>{*static_cast<const T*>(s->item), s->priority};
  }

  void Add(const T& item) override { AddWithOpts({}, item); }
  int Len() const override { return core_.Len(); }
  std::optional<T> Get() override {
    detail::MutexLock lock(core_.mu());
    const detail::PriorityState* s = core_.GetLocked();
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
  void AddAfter(const T& item, Clock::Duration delay) override {
    AddWithOpts({.after = delay}, item);
  }
  void AddRateLimited(const T& item) override { AddWithOpts({.rate_limited = true}, item); }
  void Forget(const T& item) override { limiter_->Forget(item); }
  int NumRequeues(const T& item) override { return limiter_->NumRequeues(item); }

 private:
  const std::unique_ptr<RateLimiter<T>> limiter_;
  mutable detail::PriorityCore core_;
  std::unordered_map<T, detail::PriorityState> items_ KUBE_WQ_GUARDED_BY(core_.mu());
};

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_PRIORITY_QUEUE_H_
