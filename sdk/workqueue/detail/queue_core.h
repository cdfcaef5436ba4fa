// QueueCore: the non-template machinery of Queue<T> (client-go's Typed queue): the
// FIFO of waiting items, the dirty / processing flags, waiting in Get, shutdown and
// drain, and metrics. Queue<T> only maps items to their QueueState. Not part of the
// API.
//
// Thread-safety: thread-safe; the *Locked methods REQUIRE mu().
#ifndef KUBECPP_WORKQUEUE_DETAIL_QUEUE_CORE_H_
#define KUBECPP_WORKQUEUE_DETAIL_QUEUE_CORE_H_

#include <cstddef>
#include <deque>
#include <string_view>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/detail/queue_metrics.h"

namespace kube::workqueue::detail {

// One item's state, stored beside the item in Queue<T>'s table. An entry exists
// while the item is dirty or processing (or both), and no longer.
struct QueueState {
  const void* item = nullptr;  // the table's key; set once when the entry is created
  // Invariant (client-go's dirty set): the item was added and not yet handed out.
  bool dirty = false;
  // Invariant (client-go's processing set): handed out by Get and not yet Done. A
  // processing item is never in the FIFO, so no two workers hold it at once; if it
  // is also dirty it goes back to the FIFO at Done.
  bool processing = false;
  Clock::TimePoint added{};    // metrics only
  Clock::TimePoint started{};  // metrics only
};

class QueueCore {
 public:
  QueueCore(std::string_view name, MetricsProvider* provider, Clock& clock);
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  Mutex& mu() KUBE_WQ_RETURN_CAPABILITY(mu_) { return mu_; }

  bool shutting_down_locked() const KUBE_WQ_REQUIRES(mu_) { return shutting_down_; }
  // Marks `s` dirty and queues it unless it is dirty already or processing.
  void AddLocked(QueueState& s) KUBE_WQ_REQUIRES(mu_);
  // Blocks until an item is waiting or the queue shuts down, then hands the first
  // one out. Returns nullptr when shut down with nothing waiting.
  QueueState* GetLocked() KUBE_WQ_REQUIRES(mu_);
  // Ends processing of `s`; requeues it if it was added meanwhile. Returns true when
  // the entry is neither dirty nor processing any more and must be erased.
  bool DoneLocked(QueueState& s) KUBE_WQ_REQUIRES(mu_);

  int Len() KUBE_WQ_EXCLUDES(mu_);
  void ShutDown() KUBE_WQ_EXCLUDES(mu_);
  void ShutDownWithDrain() KUBE_WQ_EXCLUDES(mu_);
  bool ShuttingDown() KUBE_WQ_EXCLUDES(mu_);
  void RecordRetry() { metrics_.Retry(); }

 private:
  Mutex mu_;
  CondVar item_or_shutdown_{&mu_};  // signalled on Add, requeue at Done, shutdown
  CondVar drained_{&mu_};           // signalled when the last processing item is Done
  std::deque<QueueState*> fifo_ KUBE_WQ_GUARDED_BY(mu_);  // dirty && !processing, in order
  std::size_t processing_ KUBE_WQ_GUARDED_BY(mu_) = 0;
  bool shutting_down_ KUBE_WQ_GUARDED_BY(mu_) = false;
  bool drain_ KUBE_WQ_GUARDED_BY(mu_) = false;
  QueueMetrics metrics_;
};

}  // namespace kube::workqueue::detail

#endif  // KUBECPP_WORKQUEUE_DETAIL_QUEUE_CORE_H_
