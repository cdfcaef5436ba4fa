#include "kubecpp/client/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "kubecpp/testing/fake_clock.h"

namespace kube::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

TEST(TokenBucket, AllowsBurstThenRefillsAtQps) {
  FakeClock clock;
  TokenBucket bucket(20, 30, clock);
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(bucket.TryAccept()) << i;
  EXPECT_FALSE(bucket.TryAccept());
  clock.Step(milliseconds(49));
  EXPECT_FALSE(bucket.TryAccept());  // 0.98 of a token
  clock.Step(milliseconds(1));
  EXPECT_TRUE(bucket.TryAccept());  // 20 qps: one token per 50 ms
  EXPECT_FALSE(bucket.TryAccept());
}

TEST(TokenBucket, NeverHoldsMoreThanBurst) {
  FakeClock clock;
  TokenBucket bucket(10, 2, clock);
  clock.Step(std::chrono::hours(1));
  EXPECT_TRUE(bucket.TryAccept());
  EXPECT_TRUE(bucket.TryAccept());
  EXPECT_FALSE(bucket.TryAccept());
}

TEST(TokenBucket, WaitBlocksUntilATokenArrives) {
  FakeClock clock;
  TokenBucket bucket(10, 1, clock);
  ASSERT_TRUE(bucket.Wait({}).ok());  // the burst token
  std::atomic<bool> done = false;
  std::jthread waiter([&] {
    EXPECT_TRUE(bucket.Wait({}).ok());
    done = true;
  });
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  EXPECT_FALSE(done);
  clock.Step(milliseconds(100));  // 10 qps: 100 ms per token
  waiter.join();
  EXPECT_TRUE(done);
}

TEST(TokenBucket, WaitersQueueInOrder) {
  FakeClock clock;
  TokenBucket bucket(10, 1, clock);
  ASSERT_TRUE(bucket.Wait({}).ok());
  std::jthread first([&] { EXPECT_TRUE(bucket.Wait({}).ok()); });
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  std::jthread second([&] { EXPECT_TRUE(bucket.Wait({}).ok()); });
  ASSERT_TRUE(clock.BlockUntilSleepers(2));
  clock.Step(milliseconds(100));
  first.join();
  EXPECT_EQ(clock.sleepers(), 1);  // the second waits for the next token
  clock.Step(milliseconds(100));
  second.join();
}

TEST(TokenBucket, CancelledWaitGivesTheTokenBack) {
  FakeClock clock;
  TokenBucket bucket(10, 1, clock);
  ASSERT_TRUE(bucket.Wait({}).ok());
  std::stop_source stop;
  std::jthread waiter([&] { EXPECT_EQ(bucket.Wait(stop.get_token()).code(), Code::kCancelled); });
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  stop.request_stop();
  waiter.join();
  clock.Step(milliseconds(100));
  EXPECT_TRUE(bucket.TryAccept());  // the cancelled reservation was returned
}

}  // namespace
}  // namespace kube::client
