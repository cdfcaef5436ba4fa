#include "kubecpp/core/clock.h"

#include <condition_variable>
#include <mutex>

namespace kube {
namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  bool SleepFor(Duration d, std::stop_token stop) override {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
  }
};

}  // namespace

void WaitForStop(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait(lock, stop, [] { return false; });
}

Clock& RealClock() {
  static auto* clock = new SteadyClock();  // never destroyed: usable during exit
  return *clock;
}

}  // namespace kube
