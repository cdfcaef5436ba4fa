// DelayingQueue: a Queue whose items can be added after a delay (client-go's
// workqueue.TypedDelayingInterface), for RequeueAfter and backoff.
//
// A delayed item waits outside the queue until its time on the queue's Clock, then is
// Added (and deduplicated) as usual. Adding an item that is already waiting keeps the
// earlier of the two ready times (client-go's waitingForQueue). A background thread
// sleeps through the Clock until the earliest ready time, so a FakeClock drives it:
// after AddAfter, FakeClock::BlockUntilSleepers(1) then Step(delay) releases the item.
//
// Thread-safety: thread-safe. Only Get blocks.
#ifndef KUBECPP_WORKQUEUE_DELAYING_QUEUE_H_
#define KUBECPP_WORKQUEUE_DELAYING_QUEUE_H_

#include <optional>
#include <unordered_map>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/delay.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/queue.h"

namespace kube::workqueue {

template <QueueItem T>
class DelayingInterface : public Interface<T> {
 public:
  // Adds `item` once `delay` has passed on the queue's clock, or at once when
  // `delay` <= 0. If the item is already waiting, the earlier ready time wins.
  // Counts one workqueue_retries_total. Ignored after ShutDown.
  virtual void AddAfter(const T& item, Clock::Duration delay) = 0;
};

template <QueueItem T>
class DelayingQueue final : public DelayingInterface<T> {
 public:
  explicit DelayingQueue(const QueueOptions& options = {})
      : clock_(options.clock != nullptr ? *options.clock : RealClock()),
        queue_(options),
        timer_(clock_, [this](Clock::TimePoint now) { return Release(now); }) {}
  ~DelayingQueue() override { timer_.Stop(); }
  DelayingQueue(const DelayingQueue&) = delete;
  DelayingQueue& operator=(const DelayingQueue&) = delete;

  void Add(const T& item) override { queue_.Add(item); }
  int Len() const override { return queue_.Len(); }
  std::optional<T> Get() override { return queue_.Get(); }
  void Done(const T& item) override { queue_.Done(item); }
  void ShutDown() override {
    queue_.ShutDown();
    timer_.Stop();
  }
  void ShutDownWithDrain() override {
    timer_.Stop();
    queue_.ShutDownWithDrain();
  }
  bool ShuttingDown() const override { return queue_.ShuttingDown(); }

  void AddAfter(const T& item, Clock::Duration delay) override {
    if (queue_.ShuttingDown()) return;
    queue_.RecordRetry();
    if (delay <= Clock::Duration::zero()) {
      queue_.Add(item);
      return;
    }
    const Clock::TimePoint ready_at = detail::AddSaturating(clock_.Now(), delay);
    {
      detail::MutexLock lock(mu_);
      auto [it, inserted] = waiting_.try_emplace(item);
      if (inserted) it->second.item = &it->first;
      if (!set_.Offer(it->second, ready_at, inserted)) return;
    }
    timer_.Schedule(ready_at);
  }

 private:
  // On the timer's thread: adds every item due at `now`; returns the next ready time.
  std::optional<Clock::TimePoint> Release(Clock::TimePoint now) KUBE_WQ_EXCLUDES(mu_) {
    detail::MutexLock lock(mu_);
    while (detail::WaitState* s = set_.PopReady(now)) {
      auto it = waiting_.find(*static_cast<const T*>(s->item));
      queue_.Add(it->first);
      waiting_.erase(it);
    }
    return set_.Next();
  }

  Clock& clock_;
  Queue<T> queue_;
  detail::Mutex mu_;  // before queue_'s lock when both are held
  std::unordered_map<T, detail::WaitState> waiting_ KUBE_WQ_GUARDED_BY(mu_);
  detail::WaitingSet set_ KUBE_WQ_GUARDED_BY(mu_);  // points into waiting_
  detail::DelayTimer timer_;                        // last: stopped first
};

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_DELAYING_QUEUE_H_
