// Clock: the source of time for everything that waits — rate limiters, work queues,
// retries, leader election — so tests control time instead of sleeping.
//
// RealClock() is the process-wide clock; kube::testing::FakeClock advances only when
// told to.
//
// Thread-safety: implementations are thread-safe.
#ifndef KUBECPP_CORE_CLOCK_H_
#define KUBECPP_CORE_CLOCK_H_

#include <chrono>
#include <stop_token>

namespace kube {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

  virtual ~Clock() = default;
  // Monotonic time, for deadlines and intervals.
  virtual TimePoint Now() const = 0;
  // Wall-clock time, for timestamps written to objects.
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Blocks until `d` has passed on this clock or `stop` is requested. Returns false
  // when it returned because of `stop`.
  virtual bool SleepFor(Duration d, std::stop_token stop) = 0;
};

// The real clock (steady_clock and system_clock). Never destroyed.
Clock& RealClock();

// Blocks the calling thread until `stop` is requested (at once if it already is).
void WaitForStop(std::stop_token stop);

}  // namespace kube

#endif  // KUBECPP_CORE_CLOCK_H_
