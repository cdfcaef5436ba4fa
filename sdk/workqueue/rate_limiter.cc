#include "kubecpp/workqueue/rate_limiter.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace kube::workqueue::detail {

Clock::Duration ExponentialDelay(Clock::Duration base, Clock::Duration max, int exp) {
  // As client-go: computed in floating point so large exponents saturate to `max`
  // instead of overflowing.
  const double backoff = static_cast<double>(base.count()) * std::pow(2.0, exp);
  if (!(backoff < static_cast<double>(std::numeric_limits<std::int64_t>::max()))) return max;
  const Clock::Duration delay(static_cast<std::int64_t>(backoff));
  return delay > max ? max : delay;
}

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock.Now()) {}

Clock::Duration TokenBucket::Reserve() {
  const Clock::TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::Duration::zero();
  const double wait_seconds = -tokens_ / qps_;
  return std::chrono::round<Clock::Duration>(std::chrono::duration<double>(wait_seconds));
}

}  // namespace kube::workqueue::detail
