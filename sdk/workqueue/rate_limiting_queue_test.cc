#include "kubecpp/workqueue/rate_limiting_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/workqueue/internal/test_util.h"

namespace kube::workqueue {
namespace {

using ::kube::workqueue::testing::Eventually;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimitingQueue, AddRateLimitedWaitsAsTheLimiterSays) {
  kube::testing::FakeClock clock;
  RateLimitingQueue<std::string> q(
      std::make_unique<ItemExponentialFailureRateLimiter<std::string>>(seconds(1), seconds(100)),
      {.clock = &clock});
  q.AddRateLimited("a");  // 1 s
  EXPECT_EQ(q.NumRequeues("a"), 1);
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  clock.Step(milliseconds(999));
  EXPECT_EQ(clock.sleepers(), 1);
  clock.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  ASSERT_EQ(q.Get(), "a");
  q.AddRateLimited("a");  // 2 s
  q.Done("a");
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  clock.Step(milliseconds(1999));
  EXPECT_EQ(clock.sleepers(), 1);
  clock.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  EXPECT_EQ(q.NumRequeues("a"), 2);
}

TEST(RateLimitingQueue, ForgetResetsTheBackoff) {
  kube::testing::FakeClock clock;
  RateLimitingQueue<std::string> q(
      std::make_unique<ItemExponentialFailureRateLimiter<std::string>>(seconds(1), seconds(100)),
      {.clock = &clock});
  q.AddRateLimited("a");
  q.AddRateLimited("a");
  EXPECT_EQ(q.NumRequeues("a"), 2);
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
}

TEST(RateLimitingQueue, DefaultsToTheControllerRateLimiter) {
  kube::testing::FakeClock clock;
  RateLimitingQueue<std::string> q(nullptr, {.clock = &clock});
  q.AddRateLimited("a");  // 5 ms
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  clock.Step(milliseconds(4));
  EXPECT_EQ(clock.sleepers(), 1);
  clock.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
}

TEST(RateLimitingQueue, AddAndAddAfterBehaveAsTheDelayingQueue) {
  kube::testing::FakeClock clock;
  RateLimitingQueue<std::string> q(nullptr, {.clock = &clock});
  RateLimitingInterface<std::string>& i = q;
  i.Add("a");
  i.Add("a");
  EXPECT_EQ(i.Len(), 1);
  i.AddAfter("b", seconds(1));
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  clock.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return i.Len() == 2; }));
  i.ShutDown();
  EXPECT_TRUE(i.ShuttingDown());
  EXPECT_EQ(i.Get(), "a");
  EXPECT_EQ(i.Get(), "b");
  EXPECT_EQ(i.Get(), std::nullopt);
}

}  // namespace
}  // namespace kube::workqueue
