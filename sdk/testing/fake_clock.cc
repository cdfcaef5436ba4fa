#include "kubecpp/testing/fake_clock.h"

namespace kube::testing {
namespace {
constexpr auto kMonotonicStart = std::chrono::seconds(1000);
// 2024-01-01T00:00:00Z.
constexpr auto kWallStart = std::chrono::sys_days(std::chrono::year(2024) / 1 / 1);
}  // namespace

FakeClock::FakeClock() = default;

Clock::TimePoint FakeClock::Now() const {
  std::lock_guard lock(mu_);
  return TimePoint(kMonotonicStart + offset_);
}

std::chrono::system_clock::time_point FakeClock::WallNow() const {
  std::lock_guard lock(mu_);
  return kWallStart + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset_);
}

bool FakeClock::SleepFor(Duration d, std::stop_token stop) {
  std::unique_lock lock(mu_);
  // Saturate: SleepFor(Duration::max()) means "until stopped".
  const Duration deadline = d > Duration::max() - offset_ ? Duration::max() : offset_ + d;
  if (offset_ >= deadline) return true;
  deadlines_.insert(deadline);
  cv_.notify_all();
  bool woke = cv_.wait(lock, stop, [&] { return offset_ >= deadline; });
  if (!woke) deadlines_.erase(deadlines_.find(deadline));  // stopped: still pending
  cv_.notify_all();
  return woke;
}

void FakeClock::Step(Duration d) {
  std::lock_guard lock(mu_);
  offset_ += d;
  deadlines_.erase(deadlines_.begin(), deadlines_.upper_bound(offset_));
  cv_.notify_all();
}

bool FakeClock::BlockUntilSleepers(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::stop_source never;
  return cv_.wait_for(lock, never.get_token(), timeout,
                      [&] { return static_cast<int>(deadlines_.size()) >= n; });
}

int FakeClock::sleepers() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(deadlines_.size());
}

}  // namespace kube::testing
