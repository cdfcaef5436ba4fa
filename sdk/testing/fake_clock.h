// FakeClock: a Clock that moves only when a test calls Step().
//
// Sleepers wake when the clock has been stepped past their deadline (or on stop).
// BlockUntilSleepers(n) lets a test wait until code under test is blocked in
// SleepFor, so steps are deterministic without real sleeps.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_TESTING_FAKE_CLOCK_H_
#define KUBECPP_TESTING_FAKE_CLOCK_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "kubecpp/core/clock.h"

namespace kube::testing {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary fixed point (monotonic 1000 s; wall 2024-01-01T00:00:00Z).
  FakeClock();

  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  bool SleepFor(Duration d, std::stop_token stop) override;

  // Moves both clocks forward by `d` and wakes sleepers whose deadline passed.
  void Step(Duration d);
  // Waits (for real, up to `timeout`) until at least `n` threads sleep in SleepFor
  // with deadlines still ahead. Returns false on timeout.
  bool BlockUntilSleepers(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Threads in SleepFor whose deadline has not passed. A Step() that passes a deadline
  // retires that sleeper at once, so a following BlockUntilSleepers waits for the next
  // sleep rather than seeing the old one.
  int sleepers() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;     // signalled on Step and sleeper changes
  Duration offset_{};                  // GUARDED_BY(mu_)
  std::multiset<Duration> deadlines_;  // GUARDED_BY(mu_): pending sleepers' deadlines
};

}  // namespace kube::testing

#endif  // KUBECPP_TESTING_FAKE_CLOCK_H_
