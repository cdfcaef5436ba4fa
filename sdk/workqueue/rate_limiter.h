// Rate limiters: how long a failed item waits before its retry (client-go's
// workqueue.TypedRateLimiter and its implementations, with the same defaults).
//
//   ItemExponentialFailureRateLimiter  per item: base * 2^failures, capped
//   ItemFastSlowRateLimiter            per item: `fast` for the first N retries, then `slow`
//   ItemFixedIntervalRateLimiter       per item: always the same delay
//   BucketRateLimiter                  overall token bucket (qps, burst); no per-item state
//   MaxOfRateLimiter                   the longest delay of several limiters
//   WithMaxWaitRateLimiter             another limiter's delay, capped
//   DefaultControllerRateLimiter()     max(exponential 5 ms..1000 s, bucket 10 qps / 100)
//
// RateLimitingQueue (rate_limiting_queue.h) calls When on AddRateLimited and Forget
// when an item succeeded.
//
// Thread-safety: every limiter here is thread-safe.
#ifndef KUBECPP_WORKQUEUE_RATE_LIMITER_H_
#define KUBECPP_WORKQUEUE_RATE_LIMITER_H_

#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/queue.h"

namespace kube::workqueue {

template <QueueItem T>
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `item` should wait before its next attempt; counts one failure.
  virtual Clock::Duration When(const T& item) = 0;
  // Stops tracking `item` (it succeeded, or was given up on): its backoff restarts.
  virtual void Forget(const T& item) = 0;
  // Failures counted for `item` since it was last forgotten.
  virtual int NumRequeues(const T& item) = 0;
};

namespace detail {

// base * 2^exp, or `max` when that is larger or overflows (client-go's arithmetic).
Clock::Duration ExponentialDelay(Clock::Duration base, Clock::Duration max, int exp);

// The overall token bucket of BucketRateLimiter (golang.org/x/time/rate's Reserve:
// starts full with `burst` tokens, refills at `qps`; tokens may go negative, and the
// delay is how long until the reserved token exists). Thread-safe.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock& clock);
  Clock::Duration Reserve();

 private:
  const double qps_;
  const double burst_;
  Clock& clock_;
  Mutex mu_;
  double tokens_ KUBE_WQ_GUARDED_BY(mu_);
  Clock::TimePoint last_ KUBE_WQ_GUARDED_BY(mu_);
};

// Per-item failure counts shared by the per-item limiters. Thread-safe.
template <QueueItem T>
class FailureCounts {
 public:
  // Returns the count before this failure, then increments it.
  int Increment(const T& item) {
    MutexLock lock(mu_);
    return failures_[item]++;
  }
  void Forget(const T& item) {
    MutexLock lock(mu_);
    failures_.erase(item);
  }
  int Get(const T& item) {
    MutexLock lock(mu_);
    auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  Mutex mu_;
  std::unordered_map<T, int> failures_ KUBE_WQ_GUARDED_BY(mu_);
};

}  // namespace detail

// Per item: base * 2^(failures so far), capped at `max`: 5 ms, 10 ms, 20 ms, ... with
// client-go's controller defaults.
template <QueueItem T>
class ItemExponentialFailureRateLimiter final : public RateLimiter<T> {
 public:
  // REQUIRES: 0 <= base <= max.
  explicit ItemExponentialFailureRateLimiter(Clock::Duration base = std::chrono::milliseconds(5),
                                             Clock::Duration max = std::chrono::seconds(1000))
      : base_(base), max_(max) {}
  Clock::Duration When(const T& item) override {
    return detail::ExponentialDelay(base_, max_, failures_.Increment(item));
  }
  void Forget(const T& item) override { failures_.Forget(item); }
  int NumRequeues(const T& item) override { return failures_.Get(item); }

 private:
  const Clock::Duration base_;
  const Clock::Duration max_;
  detail::FailureCounts<T> failures_;
};

// Per item: `fast` for the first `max_fast_attempts` retries, `slow` after.
template <QueueItem T>
class ItemFastSlowRateLimiter final : public RateLimiter<T> {
 public:
  ItemFastSlowRateLimiter(Clock::Duration fast, Clock::Duration slow, int max_fast_attempts)
      : fast_(fast), slow_(slow), max_fast_attempts_(max_fast_attempts) {}
  Clock::Duration When(const T& item) override {
    return failures_.Increment(item) < max_fast_attempts_ ? fast_ : slow_;
  }
  void Forget(const T& item) override { failures_.Forget(item); }
  int NumRequeues(const T& item) override { return failures_.Get(item); }

 private:
  const Clock::Duration fast_;
  const Clock::Duration slow_;
  const int max_fast_attempts_;
  detail::FailureCounts<T> failures_;
};

// Per item: always `interval` (still counting requeues).
template <QueueItem T>
class ItemFixedIntervalRateLimiter final : public RateLimiter<T> {
 public:
  explicit ItemFixedIntervalRateLimiter(Clock::Duration interval) : interval_(interval) {}
  Clock::Duration When(const T& item) override {
    failures_.Increment(item);
    return interval_;
  }
  void Forget(const T& item) override { failures_.Forget(item); }
  int NumRequeues(const T& item) override { return failures_.Get(item); }

 private:
  const Clock::Duration interval_;
  detail::FailureCounts<T> failures_;
};

// Overall: a token bucket shared by all items; the first `burst` calls return 0, then
// one call per 1/qps. Keeps no per-item state: Forget does nothing, NumRequeues is 0.
template <QueueItem T>
class BucketRateLimiter final : public RateLimiter<T> {
 public:
  // REQUIRES: qps > 0, burst >= 1. `clock` must outlive the limiter.
  explicit BucketRateLimiter(double qps = 10, int burst = 100, Clock& clock = RealClock())
      : bucket_(qps, burst, clock) {}
  Clock::Duration When(const T&) override { return bucket_.Reserve(); }
  void Forget(const T&) override {}
  int NumRequeues(const T&) override { return 0; }

 private:
  detail::TokenBucket bucket_;
};

// The longest delay of several limiters. Every limiter's When is called (so each
// counts the failure); NumRequeues is the largest; Forget forgets in all.
template <QueueItem T>
class MaxOfRateLimiter final : public RateLimiter<T> {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter<T>>> limiters)
      : limiters_(std::move(limiters)) {}
  Clock::Duration When(const T& item) override {
    Clock::Duration longest = Clock::Duration::zero();
    for (auto& limiter : limiters_) longest = std::max(longest, limiter->When(item));
    return longest;
  }
  void Forget(const T& item) override {
    for (auto& limiter : limiters_) limiter->Forget(item);
  }
  int NumRequeues(const T& item) override {
    int most = 0;
    for (auto& limiter : limiters_) most = std::max(most, limiter->NumRequeues(item));
    return most;
  }

 private:
  const std::vector<std::unique_ptr<RateLimiter<T>>> limiters_;
};

// `limiter`'s delay, never more than `max_delay`.
template <QueueItem T>
class WithMaxWaitRateLimiter final : public RateLimiter<T> {
 public:
  WithMaxWaitRateLimiter(std::unique_ptr<RateLimiter<T>> limiter, Clock::Duration max_delay)
      : limiter_(std::move(limiter)), max_delay_(max_delay) {}
  Clock::Duration When(const T& item) override {
    return std::min(limiter_->When(item), max_delay_);
  }
  void Forget(const T& item) override { limiter_->Forget(item); }
  int NumRequeues(const T& item) override { return limiter_->NumRequeues(item); }

 private:
  const std::unique_ptr<RateLimiter<T>> limiter_;
  const Clock::Duration max_delay_;
};

// client-go's DefaultTypedControllerRateLimiter: the larger of a per-item exponential
// backoff (5 ms doubling to 1000 s) and an overall bucket (10 qps, burst 100).
// `clock` (for the bucket) must outlive the limiter.
template <QueueItem T>
std::unique_ptr<RateLimiter<T>> DefaultControllerRateLimiter(Clock& clock = RealClock()) {
  std::vector<std::unique_ptr<RateLimiter<T>>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialFailureRateLimiter<T>>(
      std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter<T>>(10, 100, clock));
  return std::make_unique<MaxOfRateLimiter<T>>(std::move(limiters));
}

// client-go's DefaultTypedItemBasedRateLimiter: exponential 1 ms doubling to 1000 s.
template <QueueItem T>
std::unique_ptr<RateLimiter<T>> DefaultItemBasedRateLimiter() {
  return std::make_unique<ItemExponentialFailureRateLimiter<T>>(std::chrono::milliseconds(1),
                                                                std::chrono::seconds(1000));
}

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_RATE_LIMITER_H_
