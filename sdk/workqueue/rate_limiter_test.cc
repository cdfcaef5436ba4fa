#include "kubecpp/workqueue/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kubecpp/testing/fake_clock.h"

namespace kube::workqueue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ItemExponentialFailureRateLimiter, DoublesFromFiveMillisecondsAndCapsAt1000Seconds) {
  ItemExponentialFailureRateLimiter<std::string> limiter;  // client-go controller defaults
  const std::vector<Clock::Duration> want = {
      milliseconds(5),      milliseconds(10),     milliseconds(20),    milliseconds(40),
      milliseconds(80),     milliseconds(160),    milliseconds(320),   milliseconds(640),
      milliseconds(1280),   milliseconds(2560),   milliseconds(5120),  milliseconds(10240),
      milliseconds(20480),  milliseconds(40960),  milliseconds(81920), milliseconds(163840),
      milliseconds(327680), milliseconds(655360), seconds(1000),       seconds(1000)};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(limiter.When("a"), want[i]) << "failure " << i;
    EXPECT_EQ(limiter.NumRequeues("a"), static_cast<int>(i + 1));
  }
  for (int i = 0; i < 2000; ++i) limiter.When("a");  // 2^2000 saturates, never overflows
  EXPECT_EQ(limiter.When("a"), seconds(1000));
}

TEST(ItemExponentialFailureRateLimiter, ForgetRestartsFromTheBase) {
  ItemExponentialFailureRateLimiter<std::string> limiter(milliseconds(1), seconds(1));
  EXPECT_EQ(limiter.When("a"), milliseconds(1));
  EXPECT_EQ(limiter.When("a"), milliseconds(2));
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), milliseconds(1));
}

TEST(ItemExponentialFailureRateLimiter, CountsEachItemSeparately) {
  ItemExponentialFailureRateLimiter<std::string> limiter(milliseconds(1), seconds(1));
  EXPECT_EQ(limiter.When("a"), milliseconds(1));
  EXPECT_EQ(limiter.When("a"), milliseconds(2));
  EXPECT_EQ(limiter.When("b"), milliseconds(1));
  EXPECT_EQ(limiter.NumRequeues("a"), 2);
  EXPECT_EQ(limiter.NumRequeues("b"), 1);
  EXPECT_EQ(limiter.NumRequeues("c"), 0);
}

TEST(ItemExponentialFailureRateLimiter, DefaultItemBasedStartsAtOneMillisecond) {
  auto limiter = DefaultItemBasedRateLimiter<int>();
  EXPECT_EQ(limiter->When(1), milliseconds(1));
  EXPECT_EQ(limiter->When(1), milliseconds(2));
}

TEST(BucketRateLimiter, AllowsABurstOf100ThenOneEvery100Milliseconds) {
  kube::testing::FakeClock clock;
  BucketRateLimiter<int> limiter(10, 100, clock);  // client-go defaults
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.When(i), Clock::Duration::zero()) << i;
  EXPECT_EQ(limiter.When(100), milliseconds(100));
  EXPECT_EQ(limiter.When(101), milliseconds(200));
  EXPECT_EQ(limiter.When(102), milliseconds(300));
  // One second refills 10 tokens, 3 of which pay for the reservations above.
  clock.Step(seconds(1));
  for (int i = 0; i < 7; ++i) EXPECT_EQ(limiter.When(i), Clock::Duration::zero()) << i;
  EXPECT_EQ(limiter.When(7), milliseconds(100));
}

TEST(BucketRateLimiter, RefillsNoMoreThanTheBurst) {
  kube::testing::FakeClock clock;
  BucketRateLimiter<int> limiter(10, 2, clock);
  clock.Step(seconds(100));
  EXPECT_EQ(limiter.When(1), Clock::Duration::zero());
  EXPECT_EQ(limiter.When(1), Clock::Duration::zero());
  EXPECT_EQ(limiter.When(1), milliseconds(100));
}

TEST(BucketRateLimiter, KeepsNoPerItemState) {
  kube::testing::FakeClock clock;
  BucketRateLimiter<int> limiter(1, 1, clock);
  limiter.When(1);
  limiter.When(1);
  EXPECT_EQ(limiter.NumRequeues(1), 0);
  limiter.Forget(1);
  EXPECT_EQ(limiter.When(1), seconds(2)) << "Forget does not refund tokens";
}

TEST(ItemFastSlowRateLimiter, FastForTheFirstAttemptsThenSlow) {
  ItemFastSlowRateLimiter<int> limiter(milliseconds(5), seconds(10), 3);
  EXPECT_EQ(limiter.When(1), milliseconds(5));
  EXPECT_EQ(limiter.When(1), milliseconds(5));
  EXPECT_EQ(limiter.When(1), milliseconds(5));
  EXPECT_EQ(limiter.When(1), seconds(10));
  EXPECT_EQ(limiter.When(1), seconds(10));
  EXPECT_EQ(limiter.NumRequeues(1), 5);
  EXPECT_EQ(limiter.When(2), milliseconds(5));
  limiter.Forget(1);
  EXPECT_EQ(limiter.NumRequeues(1), 0);
  EXPECT_EQ(limiter.When(1), milliseconds(5));
}

TEST(ItemFixedIntervalRateLimiter, AlwaysTheSameDelayAndCountsRequeues) {
  ItemFixedIntervalRateLimiter<int> limiter(seconds(3));
  EXPECT_EQ(limiter.When(1), seconds(3));
  EXPECT_EQ(limiter.When(1), seconds(3));
  EXPECT_EQ(limiter.NumRequeues(1), 2);
  limiter.Forget(1);
  EXPECT_EQ(limiter.NumRequeues(1), 0);
}

TEST(MaxOfRateLimiter, ReturnsTheLongestDelayAndTheMostRequeues) {
  std::vector<std::unique_ptr<RateLimiter<int>>> limiters;
  limiters.push_back(std::make_unique<ItemFixedIntervalRateLimiter<int>>(seconds(1)));
  limiters.push_back(
      std::make_unique<ItemExponentialFailureRateLimiter<int>>(milliseconds(300), seconds(100)));
  MaxOfRateLimiter<int> limiter(std::move(limiters));
  EXPECT_EQ(limiter.When(1), seconds(1));          // max(1 s, 300 ms)
  EXPECT_EQ(limiter.When(1), seconds(1));          // max(1 s, 600 ms)
  EXPECT_EQ(limiter.When(1), milliseconds(1200));  // max(1 s, 1.2 s)
  EXPECT_EQ(limiter.NumRequeues(1), 3);
  limiter.Forget(1);
  EXPECT_EQ(limiter.NumRequeues(1), 0);
  EXPECT_EQ(limiter.When(1), seconds(1));
}

TEST(DefaultControllerRateLimiter, IsTheMaxOfExponentialAndBucket) {
  kube::testing::FakeClock clock;
  auto limiter = DefaultControllerRateLimiter<int>(clock);
  // 100 distinct items fit in the burst: each waits its exponential base.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter->When(i), milliseconds(5)) << i;
  // The bucket is empty: new items wait for it.
  EXPECT_EQ(limiter->When(100), milliseconds(100));
  EXPECT_EQ(limiter->When(101), milliseconds(200));
  // An item failing repeatedly backs off exponentially once that is longer.
  clock.Step(seconds(1000));
  for (int n = 0; n < 8; ++n) limiter->When(7);
  EXPECT_EQ(limiter->NumRequeues(7), 9);
  EXPECT_EQ(limiter->When(7), milliseconds(5 << 9));
  limiter->Forget(7);
  EXPECT_EQ(limiter->NumRequeues(7), 0);
  EXPECT_EQ(limiter->When(7), milliseconds(5));
}

TEST(WithMaxWaitRateLimiter, CapsTheWrappedDelay) {
  WithMaxWaitRateLimiter<int> limiter(
      std::make_unique<ItemExponentialFailureRateLimiter<int>>(seconds(1), seconds(1000)),
      seconds(3));
  EXPECT_EQ(limiter.When(1), seconds(1));
  EXPECT_EQ(limiter.When(1), seconds(2));
  EXPECT_EQ(limiter.When(1), seconds(3));
  EXPECT_EQ(limiter.NumRequeues(1), 3);
}

}  // namespace
}  // namespace kube::workqueue
