// Helpers shared by the workqueue tests.
#ifndef KUBECPP_WORKQUEUE_INTERNAL_TEST_UTIL_H_
#define KUBECPP_WORKQUEUE_INTERNAL_TEST_UTIL_H_

#include <chrono>
#include <functional>
#include <thread>

namespace kube::workqueue::testing {

// Polls `condition` until it holds or 10 s of real time pass (a background thread of
// the queue has to catch up; never used to measure time). Returns the last result.
inline bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace kube::workqueue::testing

#endif  // KUBECPP_WORKQUEUE_INTERNAL_TEST_UTIL_H_
