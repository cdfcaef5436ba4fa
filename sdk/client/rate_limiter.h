// TokenBucket: client-side rate limiting of requests to the apiserver, as client-go's
// flowcontrol token bucket (default 20 requests/s with bursts of 30).
//
// The bucket holds up to `burst` tokens and refills at `qps` tokens per second; each
// request takes one, waiting when none is left. Waits are first come, first served.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CLIENT_RATE_LIMITER_H_
#define KUBECPP_CLIENT_RATE_LIMITER_H_

#include <mutex>
#include <stop_token>

#include "kubecpp/core/clock.h"
#include "kubecpp/core/status.h"

namespace kube::client {

class TokenBucket {
 public:
  // REQUIRES: qps > 0, burst >= 1. `clock` must outlive the bucket. Starts full.
  TokenBucket(double qps, int burst, Clock& clock = RealClock());
  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  // Takes a token, blocking until one is available. Errors: kCancelled when `stop`
  // is requested first (the reserved token is given back).
  [[nodiscard]] Status Wait(std::stop_token stop);
  // Takes a token if one is available now.
  bool TryAccept();

 private:
  // Refills for the time passed since last_. REQUIRES: mu_ held.
  void Refill(Clock::TimePoint now);

  const double qps_;
  const double burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;          // GUARDED_BY(mu_); negative: reserved by waiters
  Clock::TimePoint last_;  // GUARDED_BY(mu_)
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_RATE_LIMITER_H_
