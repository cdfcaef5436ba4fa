#include "kubecpp/workqueue/priority_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/workqueue/internal/test_util.h"

namespace kube::workqueue {
namespace {

using ::kube::workqueue::testing::Eventually;
using std::chrono::milliseconds;
using std::chrono::seconds;

class PriorityQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<PriorityQueue<std::string>> NewQueue(
      Clock::Duration aging = seconds(1), std::unique_ptr<RateLimiter<std::string>> limiter = {}) {
    return std::make_unique<PriorityQueue<std::string>>(PriorityQueueOptions<std::string>{
        .clock = &clock_, .rate_limiter = std::move(limiter), .aging = aging});
  }
  std::vector<std::string> Drain(PriorityQueue<std::string>& q) {
    std::vector<std::string> got;
    while (q.Len() > 0) {
      got.push_back(*q.Get());
      q.Done(got.back());
    }
    return got;
  }

  kube::testing::FakeClock clock_;
};

TEST_F(PriorityQueueTest, HandsOutHigherPriorityFirstAndFifoWithinAPriority) {
  auto q = NewQueue();
  q->AddWithOpts({.priority = kLowPriority}, "list-1");
  q->AddWithOpts({.priority = kLowPriority}, "list-2");
  q->Add("live-1");
  q->AddWithOpts({.priority = 10}, "urgent");
  q->Add("live-2");
  EXPECT_EQ(q->Len(), 5);
  EXPECT_EQ(Drain(*q),
            (std::vector<std::string>{"urgent", "live-1", "live-2", "list-1", "list-2"}));
}

TEST_F(PriorityQueueTest, GetWithPriorityReportsThePriority) {
  auto q = NewQueue();
  q->AddWithOpts({.priority = kLowPriority}, "a");
  auto got = q->GetWithPriority();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->item, "a");
  EXPECT_EQ(got->priority, kLowPriority);
}

TEST_F(PriorityQueueTest, ReAddDeduplicatesAndKeepsTheHigherPriority) {
  auto q = NewQueue();
  q->AddWithOpts({.priority = kLowPriority}, "a");
  q->AddWithOpts({.priority = 5}, "b");
  q->AddWithOpts({.priority = 10}, "a");
  q->AddWithOpts({.priority = 0}, "b");  // lower: keeps 5
  EXPECT_EQ(q->Len(), 2);
  auto first = q->GetWithPriority();
  auto second = q->GetWithPriority();
  EXPECT_EQ(first->item, "a");
  EXPECT_EQ(first->priority, 10);
  EXPECT_EQ(second->item, "b");
  EXPECT_EQ(second->priority, 5);
}

TEST_F(PriorityQueueTest, AgingLetsAWaitingLowPriorityItemGoBeforeNewerHigherOnes) {
  auto q = NewQueue(/*aging=*/seconds(1));
  q->AddWithOpts({.priority = -2}, "old-low");
  clock_.Step(seconds(1));
  q->Add("newer");  // 1 s newer, 2 levels higher: still first
  clock_.Step(seconds(2));
  q->Add("newest");  // 3 s newer: the low item has aged past it
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"newer", "old-low", "newest"}));
}

TEST_F(PriorityQueueTest, StrictPriorityWithoutAging) {
  auto q = NewQueue(/*aging=*/Clock::Duration::zero());
  q->AddWithOpts({.priority = -2}, "old-low");
  clock_.Step(seconds(1000));
  q->Add("new");
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"new", "old-low"}));
}

TEST_F(PriorityQueueTest, RaisedPriorityKeepsTheAgeGained) {
  auto q = NewQueue(/*aging=*/seconds(1));
  q->AddWithOpts({.priority = -10}, "a");
  clock_.Step(seconds(5));
  q->Add("b");
  q->AddWithOpts({.priority = 0}, "a");  // now priority 0, ready 5 s before b
  EXPECT_EQ(Drain(*q), (std::vector<std::string>{"a", "b"}));
}

TEST_F(PriorityQueueTest, DelayedItemIsReadyAfterItsDelay) {
  auto q = NewQueue();
  q->AddAfter("a", seconds(1));
  EXPECT_EQ(q->Len(), 0);
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(milliseconds(999));
  EXPECT_EQ(clock_.sleepers(), 1);
  clock_.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q->Len() == 1; }));
  EXPECT_EQ(q->Get(), "a");
}

TEST_F(PriorityQueueTest, AddWithoutDelayMakesADelayedItemReadyAtOnce) {
  auto q = NewQueue();
  q->AddAfter("a", seconds(10));
  q->AddWithOpts({.priority = 3}, "a");
  EXPECT_EQ(q->Len(), 1);
  auto got = q->GetWithPriority();
  EXPECT_EQ(got->item, "a");
  EXPECT_EQ(got->priority, 3);
}

TEST_F(PriorityQueueTest, EarlierReadyTimeWins) {
  auto q = NewQueue();
  q->AddAfter("a", seconds(10));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  q->AddAfter("a", seconds(1));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q->Len() == 1; }));
}

TEST_F(PriorityQueueTest, RateLimitedUsesTheShorterOfLimiterAndAfter) {
  auto q = NewQueue();  // default limiter: 5 ms, 10 ms, ...
  q->AddWithOpts({.after = seconds(1), .rate_limited = true}, "a");
  EXPECT_EQ(q->NumRequeues("a"), 1);
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(milliseconds(5));
  ASSERT_TRUE(Eventually([&] { return q->Len() == 1; }));
  ASSERT_EQ(q->Get(), "a");
  q->AddRateLimited("a");  // 10 ms
  q->Done("a");
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(milliseconds(9));
  EXPECT_EQ(clock_.sleepers(), 1);
  clock_.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q->Len() == 1; }));
  q->Forget("a");
  EXPECT_EQ(q->NumRequeues("a"), 0);
}

TEST_F(PriorityQueueTest, ItemAddedWhileProcessingRunsAgainOnlyAfterDone) {
  auto q = NewQueue();
  q->Add("a");
  ASSERT_EQ(q->Get(), "a");
  q->AddWithOpts({.priority = 100}, "a");
  q->Add("b");
  EXPECT_EQ(q->Len(), 1);
  EXPECT_EQ(q->Get(), "b") << "a is being processed";
  q->Done("a");
  auto again = q->GetWithPriority();
  EXPECT_EQ(again->item, "a");
  EXPECT_EQ(again->priority, 100);
}

TEST_F(PriorityQueueTest, ShutDownUnblocksGet) {
  auto q = NewQueue();
  std::thread worker([&] { EXPECT_EQ(q->Get(), std::nullopt); });
  q->ShutDown();
  worker.join();
  EXPECT_TRUE(q->ShuttingDown());
  q->Add("a");
  EXPECT_EQ(q->Len(), 0);
}

TEST_F(PriorityQueueTest, ShutDownWithDrainWaitsForDone) {
  auto q = NewQueue();
  q->Add("a");
  ASSERT_EQ(q->Get(), "a");
  std::atomic<bool> done_called{false};
  std::thread drainer([&] {
    q->ShutDownWithDrain();
    EXPECT_TRUE(done_called.load());
  });
  ASSERT_TRUE(Eventually([&] { return q->ShuttingDown(); }));
  done_called = true;
  q->Done("a");
  drainer.join();
}

}  // namespace
}  // namespace kube::workqueue
