// The non-template machinery of delayed adds, shared by DelayingQueue<T> and
// PriorityQueue<T>: WaitingSet orders items by the time they become ready, and
// DelayTimer is the thread that sleeps on the Clock until the earliest of them
// (client-go's waitingLoop). Not part of the API.
//
// Thread-safety: WaitingSet is thread-compatible (its owner locks); DelayTimer is
// thread-safe.
#ifndef KUBECPP_WORKQUEUE_DETAIL_DELAY_H_
#define KUBECPP_WORKQUEUE_DETAIL_DELAY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"

namespace kube::workqueue::detail {

// `t + d`, saturating at the largest TimePoint instead of overflowing.
Clock::TimePoint AddSaturating(Clock::TimePoint t, Clock::Duration d);

// An item waiting to be added, stored beside the item in its owner's table.
struct WaitState {
  const void* item = nullptr;  // the table's key
  Clock::TimePoint ready_at{};
  std::uint64_t seq = 0;  // insertion order, to keep ties FIFO
};

class WaitingSet {
 public:
  // Schedules `s` at `ready_at` when `is_new`, otherwise moves it there if that is
  // earlier (client-go: the earliest ready time wins). Returns true when the
  // schedule changed.
  bool Offer(WaitState& s, Clock::TimePoint ready_at, bool is_new);
  // Removes `s`.
  void Remove(WaitState& s);
  // Removes and returns an item whose ready time is <= `now`, earliest first;
  // nullptr when none is due.
  WaitState* PopReady(Clock::TimePoint now);
  // The earliest ready time, if any.
  std::optional<Clock::TimePoint> Next() const;
  std::size_t size() const { return set_.size(); }

 private:
  struct Entry {
    Clock::TimePoint ready_at;
    std::uint64_t seq;
    WaitState* state;
    friend bool operator<(const Entry& a, const Entry& b) {
      return a.ready_at != b.ready_at ? a.ready_at < b.ready_at : a.seq < b.seq;
    }
  };
  std::set<Entry> set_;
  std::uint64_t next_seq_ = 0;
};

// A thread that calls `fire(now)` whenever something may be due: at start, after
// Schedule() with a deadline earlier than its planned wake-up, and when its sleep on
// the Clock ends. `fire` releases what is due and returns the next deadline (nullopt:
// nothing left; the thread then waits for Schedule without sleeping on the Clock, so
// an idle queue is not a FakeClock sleeper).
class DelayTimer {
 public:
  using FireFn = std::function<std::optional<Clock::TimePoint>(Clock::TimePoint now)>;

  // Starts the thread. `clock` must outlive the timer; `fire` is called on the
  // timer's thread only, never concurrently with itself.
  DelayTimer(Clock& clock, FireFn fire);
  ~DelayTimer();  // Stop()
  DelayTimer(const DelayTimer&) = delete;
  DelayTimer& operator=(const DelayTimer&) = delete;

  // Tells the timer something is due at `deadline`. When that is earlier than the
  // planned wake-up, interrupts the current sleep and returns once the thread has
  // left it (so a FakeClock never counts the stale sleep). Call after making the
  // deadline visible to `fire`, without holding locks `fire` takes.
  void Schedule(Clock::TimePoint deadline) KUBE_WQ_EXCLUDES(mu_);
  // Stops and joins the thread; later calls and Schedules do nothing.
  void Stop() KUBE_WQ_EXCLUDES(mu_);

 private:
  void Run() KUBE_WQ_EXCLUDES(mu_);

  Clock& clock_;
  const FireFn fire_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopped_ KUBE_WQ_GUARDED_BY(mu_) = false;
  // Set by Schedule; the thread calls fire again before sleeping or waiting.
  bool kicked_ KUBE_WQ_GUARDED_BY(mu_) = false;
  bool sleeping_ KUBE_WQ_GUARDED_BY(mu_) = false;
  std::uint64_t sleeps_ended_ KUBE_WQ_GUARDED_BY(mu_) = 0;
  Clock::TimePoint next_wake_ KUBE_WQ_GUARDED_BY(mu_) = Clock::TimePoint::max();
  std::stop_source sleep_stop_ KUBE_WQ_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace kube::workqueue::detail

#endif  // KUBECPP_WORKQUEUE_DETAIL_DELAY_H_
