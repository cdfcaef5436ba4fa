#include "kubecpp/workqueue/delaying_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/workqueue/internal/test_util.h"

namespace kube::workqueue {
namespace {

using ::kube::workqueue::testing::Eventually;
using std::chrono::milliseconds;
using std::chrono::seconds;

class DelayingQueueTest : public ::testing::Test {
 protected:
  kube::testing::FakeClock clock_;
  DelayingQueue<std::string> q_{{.name = "test", .clock = &clock_}};
};

TEST_F(DelayingQueueTest, AddAfterAddsTheItemOnceTheDelayHasPassed) {
  q_.AddAfter("a", seconds(1));
  EXPECT_EQ(q_.Len(), 0);
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(milliseconds(999));
  EXPECT_EQ(clock_.sleepers(), 1) << "woke before its time";
  EXPECT_EQ(q_.Len(), 0);
  clock_.Step(milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 1; }));
  EXPECT_EQ(q_.Get(), "a");
}

TEST_F(DelayingQueueTest, AddAfterWithoutPositiveDelayAddsAtOnce) {
  q_.AddAfter("a", seconds(0));
  q_.AddAfter("b", seconds(-1));
  EXPECT_EQ(q_.Len(), 2);
  EXPECT_EQ(clock_.sleepers(), 0);
}

TEST_F(DelayingQueueTest, ItemsAreAddedInReadyTimeOrder) {
  q_.AddAfter("c", seconds(3));
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("b", seconds(2));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(3));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 3; }));
  EXPECT_EQ(q_.Get(), "a");
  EXPECT_EQ(q_.Get(), "b");
  EXPECT_EQ(q_.Get(), "c");
}

TEST_F(DelayingQueueTest, ItemsBecomeReadyOneByOne) {
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("b", seconds(2));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 1; }));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));  // now sleeping until b
  EXPECT_EQ(q_.Len(), 1);
  clock_.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 2; }));
  EXPECT_EQ(q_.Get(), "a");
  EXPECT_EQ(q_.Get(), "b");
}

// A sentinel item scheduled later keeps the waiting thread sleeping: once it sleeps
// again after a Step, everything due at that Step has been released.

TEST_F(DelayingQueueTest, EarlierReadyTimeWinsWhenAddedAgain) {
  q_.AddAfter("a", seconds(10));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("sentinel", seconds(15));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 1; }));
  EXPECT_EQ(q_.Get(), "a");
  q_.Done("a");
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(9));  // t = 10 s: the replaced schedule must not fire
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  EXPECT_EQ(q_.Len(), 0);
}

TEST_F(DelayingQueueTest, LaterReadyTimeDoesNotPostponeAWaitingItem) {
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("a", seconds(5));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q_.Len() == 1; }));
}

TEST_F(DelayingQueueTest, DelayedItemIsDeduplicatedWithTheQueuedOne) {
  q_.Add("a");
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("sentinel", seconds(2));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  EXPECT_EQ(q_.Len(), 1);
}

TEST_F(DelayingQueueTest, DelayedItemReadyWhileProcessingRunsAgainAfterDone) {
  q_.Add("a");
  ASSERT_EQ(q_.Get(), "a");
  q_.AddAfter("a", seconds(1));
  q_.AddAfter("sentinel", seconds(2));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  clock_.Step(seconds(1));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  EXPECT_EQ(q_.Len(), 0) << "still processing";
  q_.Done("a");
  EXPECT_EQ(q_.Len(), 1);
  EXPECT_EQ(q_.Get(), "a");
}

TEST(WaitingSet, KeepsOneEntryPerItemWithTheEarliestReadyTime) {
  detail::WaitingSet set;
  detail::WaitState a;
  detail::WaitState b;
  const Clock::TimePoint t0{seconds(100)};
  EXPECT_TRUE(set.Offer(a, t0 + seconds(10), /*is_new=*/true));
  EXPECT_TRUE(set.Offer(b, t0 + seconds(5), /*is_new=*/true));
  EXPECT_TRUE(set.Offer(a, t0 + seconds(1), /*is_new=*/false));
  EXPECT_FALSE(set.Offer(b, t0 + seconds(7), /*is_new=*/false));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(set.Next(), t0 + seconds(1));
  EXPECT_EQ(set.PopReady(t0), nullptr);
  EXPECT_EQ(set.PopReady(t0 + seconds(6)), &a);
  EXPECT_EQ(set.PopReady(t0 + seconds(6)), &b);
  EXPECT_EQ(set.PopReady(t0 + seconds(6)), nullptr);
  EXPECT_EQ(set.Next(), std::nullopt);
}

TEST_F(DelayingQueueTest, ShutDownDropsWaitingItemsAndUnblocksGet) {
  q_.AddAfter("a", seconds(1));
  ASSERT_TRUE(clock_.BlockUntilSleepers(1));
  q_.ShutDown();
  EXPECT_EQ(clock_.sleepers(), 0) << "the waiting thread stopped";
  EXPECT_EQ(q_.Get(), std::nullopt);
  q_.AddAfter("b", seconds(1));  // ignored
  EXPECT_EQ(clock_.sleepers(), 0);
}

TEST(DelayingQueue, WorksOnTheRealClock) {
  DelayingQueue<int> q;
  q.AddAfter(1, milliseconds(1));
  EXPECT_EQ(q.Get(), 1);  // blocks until the real millisecond has passed
}

}  // namespace
}  // namespace kube::workqueue
