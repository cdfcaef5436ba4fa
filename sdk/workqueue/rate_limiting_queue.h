// RateLimitingQueue: a DelayingQueue whose retries wait as long as a RateLimiter says
// (client-go's workqueue.TypedRateLimitingInterface). This is the queue a controller
// uses: on error, AddRateLimited(key); on success, Forget(key) so the next failure
// starts from the base delay again.
//
//   kube::workqueue::RateLimitingQueue<kube::ObjectKey> queue;  // default limiter
//   while (auto key = queue.Get()) {
//     if (Reconcile(*key).ok()) queue.Forget(*key); else queue.AddRateLimited(*key);
//     queue.Done(*key);
//   }
//
// Thread-safety: thread-safe. Only Get blocks.
#ifndef KUBECPP_WORKQUEUE_RATE_LIMITING_QUEUE_H_
#define KUBECPP_WORKQUEUE_RATE_LIMITING_QUEUE_H_

#include <memory>
#include <optional>
#include <utility>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/delaying_queue.h"
#include "kubecpp/workqueue/queue.h"
#include "kubecpp/workqueue/rate_limiter.h"

namespace kube::workqueue {

template <QueueItem T>
class RateLimitingInterface : public DelayingInterface<T> {
 public:
  // AddAfter(item, rate_limiter.When(item)): counts a failure for `item`.
  virtual void AddRateLimited(const T& item) = 0;
  // Resets `item`'s backoff (the rate limiter's Forget). Does not remove a pending
  // add; call it when processing succeeded.
  virtual void Forget(const T& item) = 0;
  // Failures counted for `item` since its last Forget.
  virtual int NumRequeues(const T& item) = 0;
};

template <QueueItem T>
class RateLimitingQueue final : public RateLimitingInterface<T> {
 public:
  // `rate_limiter` defaults (nullptr) to DefaultControllerRateLimiter on the queue's
  // clock.
  explicit RateLimitingQueue(std::unique_ptr<RateLimiter<T>> rate_limiter = nullptr,
                             const QueueOptions& options = {})
      : limiter_(rate_limiter != nullptr
                     ? std::move(rate_limiter)
                     : DefaultControllerRateLimiter<T>(options.clock != nullptr ? *options.clock
                                                                                : RealClock())),
        queue_(options) {}
  RateLimitingQueue(const RateLimitingQueue&) = delete;
  RateLimitingQueue& operator=(const RateLimitingQueue&) = delete;

  void Add(const T& item) override { queue_.Add(item); }
  int Len() const override { return queue_.Len(); }
  std::optional<T> Get() override { return queue_.Get(); }
  void Done(const T& item) override { queue_.Done(item); }
  void ShutDown() override { queue_.ShutDown(); }
  void ShutDownWithDrain() override { queue_.ShutDownWithDrain(); }
  bool ShuttingDown() const override { return queue_.ShuttingDown(); }
  void AddAfter(const T& item, Clock::Duration delay) override { queue_.AddAfter(item, delay); }

  void AddRateLimited(const T& item) override { queue_.AddAfter(item, limiter_->When(item)); }
  void Forget(const T& item) override { limiter_->Forget(item); }
  int NumRequeues(const T& item) override { return limiter_->NumRequeues(item); }

 private:
  const std::unique_ptr<RateLimiter<T>> limiter_;
  DelayingQueue<T> queue_;
};

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_RATE_LIMITING_QUEUE_H_
