#include "kubecpp/client/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace kube::client {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock.Now()) {
  assert(qps > 0 && burst >= 1);
}

void TokenBucket::Refill(Clock::TimePoint now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

Status TokenBucket::Wait(std::stop_token stop) {
  Clock::Duration wait{};
  {
    std::lock_guard lock(mu_);
    Refill(clock_.Now());
    tokens_ -= 1;  // reserve: later callers queue behind this one
    if (tokens_ < 0) {
      wait = std::chrono::duration_cast<Clock::Duration>(
          std::chrono::duration<double>(-tokens_ / qps_));
    }
  }
  if (wait.count() > 0 && !clock_.SleepFor(wait, stop)) {
    std::lock_guard lock(mu_);
    tokens_ += 1;  // give the reservation back
    return CancelledError("rate limiter wait cancelled");
  }
  return Status();
}

bool TokenBucket::TryAccept() {
  std::lock_guard lock(mu_);
  Refill(clock_.Now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace kube::client
