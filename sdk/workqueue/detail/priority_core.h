// PriorityCore: the non-template machinery of PriorityQueue<T>: the ready set ordered
// by aged priority, the waiting set of delayed items and its timer thread, the
// dirty / processing flags, shutdown, drain and metrics. PriorityQueue<T> only maps
// items to their PriorityState. Not part of the API.
//
// Thread-safety: thread-safe; the *Locked methods REQUIRE mu().
#ifndef KUBECPP_WORKQUEUE_DETAIL_PRIORITY_CORE_H_
#define KUBECPP_WORKQUEUE_DETAIL_PRIORITY_CORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/delay.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/detail/queue_metrics.h"

namespace kube::workqueue::detail {

// One item's state, stored beside the item in PriorityQueue<T>'s table. An entry
// exists while the item is dirty or processing. The WaitState base (item, ready_at)
// is its place in the waiting set while delayed; `item` is the table's key, set once
// when the entry is created.
struct PriorityState : WaitState {
  // Added and not yet handed out: either delayed (in the waiting set) or ready (in
  // the ready set, unless processing).
  bool dirty = false;
  bool delayed = false;
  // Between Get and Done. Never in the ready set, so never handed out twice at once;
  // if dirty and ready it enters the ready set at Done.
  bool processing = false;
  int priority = 0;
  std::uint64_t seq = 0;       // add order, breaks ties FIFO
  std::int64_t rank = 0;       // ready-set order: lower goes first
  Clock::TimePoint since{};    // when it last became ready (aging counts from here)
  Clock::TimePoint added{};    // metrics only
  Clock::TimePoint started{};  // metrics only
};

class PriorityCore {
 public:
  // `aging`: waiting this long counts as one priority level; zero: strict priority.
  PriorityCore(std::string_view name, MetricsProvider* provider, Clock& clock,
               Clock::Duration aging);
  ~PriorityCore();
  PriorityCore(const PriorityCore&) = delete;
  PriorityCore& operator=(const PriorityCore&) = delete;

  Mutex& mu() KUBE_WQ_RETURN_CAPABILITY(mu_) { return mu_; }
  bool shutting_down_locked() const KUBE_WQ_REQUIRES(mu_) { return shutting_down_; }

  // Adds `s` with `priority`, ready after `after` (<= 0: now). A queued item keeps the
  // higher priority and the earlier ready time. Returns a deadline to pass to
  // Schedule() once mu() is released, when the item's ready time moved.
  std::optional<Clock::TimePoint> AddLocked(PriorityState& s, int priority, Clock::Duration after)
      KUBE_WQ_REQUIRES(mu_);
  // Blocks until a ready item exists or shutdown; hands out the best one. nullptr
  // when shut down with nothing ready.
  PriorityState* GetLocked() KUBE_WQ_REQUIRES(mu_);
  // Ends processing; returns true when the entry must be erased.
  bool DoneLocked(PriorityState& s) KUBE_WQ_REQUIRES(mu_);

  void Schedule(Clock::TimePoint deadline) KUBE_WQ_EXCLUDES(mu_) { timer_.Schedule(deadline); }
  int Len() KUBE_WQ_EXCLUDES(mu_);
  void ShutDown() KUBE_WQ_EXCLUDES(mu_);
  void ShutDownWithDrain() KUBE_WQ_EXCLUDES(mu_);
  bool ShuttingDown() KUBE_WQ_EXCLUDES(mu_);

 private:
  struct ReadyEntry {
    std::int64_t rank;
    std::uint64_t seq;
    PriorityState* state;
    friend bool operator<(const ReadyEntry& a, const ReadyEntry& b) {
      return a.rank != b.rank ? a.rank < b.rank : a.seq < b.seq;
    }
  };

  std::int64_t Rank(Clock::TimePoint eligible_since, int priority) const;
  void MakeReady(PriorityState& s, Clock::TimePoint since) KUBE_WQ_REQUIRES(mu_);
  void InsertReady(PriorityState& s) KUBE_WQ_REQUIRES(mu_);
  std::optional<Clock::TimePoint> Release(Clock::TimePoint now) KUBE_WQ_EXCLUDES(mu_);

  Clock& clock_;
  const Clock::Duration aging_;
  const Clock::TimePoint epoch_;
  Mutex mu_;
  CondVar ready_or_shutdown_{&mu_};
  CondVar drained_{&mu_};
  std::set<ReadyEntry> ready_ KUBE_WQ_GUARDED_BY(mu_);  // dirty, ready, not processing
  WaitingSet waiting_ KUBE_WQ_GUARDED_BY(mu_);          // dirty and delayed
  std::uint64_t next_seq_ KUBE_WQ_GUARDED_BY(mu_) = 0;
  std::size_t processing_ KUBE_WQ_GUARDED_BY(mu_) = 0;
  bool shutting_down_ KUBE_WQ_GUARDED_BY(mu_) = false;
  bool drain_ KUBE_WQ_GUARDED_BY(mu_) = false;
  QueueMetrics metrics_;
  DelayTimer timer_;  // last: stopped first
};

}  // namespace kube::workqueue::detail

#endif  // KUBECPP_WORKQUEUE_DETAIL_PRIORITY_CORE_H_
