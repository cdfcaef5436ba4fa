#include "kubecpp/testing/fake_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kube::testing {
namespace {

using std::chrono::seconds;

TEST(FakeClock, MovesOnlyWhenStepped) {
  FakeClock clock;
  auto t0 = clock.Now();
  auto w0 = clock.WallNow();
  EXPECT_EQ(clock.Now(), t0);
  clock.Step(seconds(5));
  EXPECT_EQ(clock.Now() - t0, seconds(5));
  EXPECT_EQ(clock.WallNow() - w0, seconds(5));
}

TEST(FakeClock, SleeperWakesAfterDeadlinePasses) {
  FakeClock clock;
  bool woke = false;
  std::jthread sleeper([&] { woke = clock.SleepFor(seconds(10), {}); });
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  clock.Step(seconds(9));
  EXPECT_EQ(clock.sleepers(), 1);  // still asleep: 9 s < 10 s
  clock.Step(seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.sleepers(), 0);
}

TEST(FakeClock, StopWakesSleeperWithFalse) {
  FakeClock clock;
  bool woke = true;
  std::stop_source stop;
  std::jthread sleeper([&] { woke = clock.SleepFor(seconds(10), stop.get_token()); });
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  stop.request_stop();
  sleeper.join();
  EXPECT_FALSE(woke);
}

TEST(FakeClock, ZeroSleepReturnsAtOnce) {
  FakeClock clock;
  EXPECT_TRUE(clock.SleepFor(seconds(0), {}));
}

TEST(WaitForStop, ReturnsOnceStopIsRequested) {
  std::stop_source stop;
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    WaitForStop(stop.get_token());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(returned.load());
  stop.request_stop();
  waiter.join();
  EXPECT_TRUE(returned.load());
  WaitForStop(stop.get_token());  // already requested: returns at once
}

}  // namespace
}  // namespace kube::testing
