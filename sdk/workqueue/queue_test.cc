#include "kubecpp/workqueue/queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "kubecpp/core/gvk.h"
#include "kubecpp/workqueue/internal/test_util.h"

namespace kube::workqueue {
namespace {

using ::kube::workqueue::testing::Eventually;

TEST(Queue, GetReturnsItemsInFifoOrder) {
  Queue<std::string> q;
  q.Add("a");
  q.Add("b");
  q.Add("c");
  EXPECT_EQ(q.Len(), 3);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), "c");
  EXPECT_EQ(q.Len(), 0);
}

TEST(Queue, AddOfAWaitingItemIsDeduplicated) {
  Queue<ObjectKey> q;
  q.Add({"ns", "a"});
  q.Add({"ns", "b"});
  q.Add({"ns", "a"});
  EXPECT_EQ(q.Len(), 2);
  EXPECT_EQ(q.Get(), (ObjectKey{"ns", "a"}));
  EXPECT_EQ(q.Get(), (ObjectKey{"ns", "b"}));
  EXPECT_EQ(q.Len(), 0);
}

TEST(Queue, ItemAddedWhileProcessingIsHandedOutAgainOnlyAfterDone) {
  Queue<std::string> q;
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Add("a");
  q.Add("a");
  EXPECT_EQ(q.Len(), 0) << "a processing item is not handed to a second worker";
  q.Add("b");
  EXPECT_EQ(q.Get(), "b");
  q.Done("a");
  EXPECT_EQ(q.Len(), 1) << "requeued once at Done";
  EXPECT_EQ(q.Get(), "a");
  q.Done("a");
  q.Done("b");
  EXPECT_EQ(q.Len(), 0);
}

TEST(Queue, ItemCanBeAddedAgainAfterDone) {
  Queue<int> q;
  q.Add(1);
  ASSERT_EQ(q.Get(), 1);
  q.Done(1);
  EXPECT_EQ(q.Len(), 0);
  q.Add(1);
  EXPECT_EQ(q.Len(), 1);
  EXPECT_EQ(q.Get(), 1);
}

TEST(Queue, DoneOfAnItemNotHandedOutIsIgnored) {
  Queue<int> q;
  q.Done(7);
  q.Add(1);
  q.Done(1);  // waiting, not processing
  EXPECT_EQ(q.Len(), 1);
  EXPECT_EQ(q.Get(), 1);
}

TEST(Queue, GetBlocksUntilAnItemIsAdded) {
  Queue<int> q;
  std::atomic<bool> got{false};
  std::thread worker([&] {
    EXPECT_EQ(q.Get(), 42);
    got = true;
  });
  EXPECT_FALSE(got.load());
  q.Add(42);
  worker.join();
  EXPECT_TRUE(got.load());
}

TEST(Queue, ShutDownUnblocksGetWithNullopt) {
  Queue<int> q;
  std::thread worker([&] { EXPECT_EQ(q.Get(), std::nullopt); });
  q.ShutDown();
  worker.join();
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(Queue, ItemsWaitingAtShutDownAreStillHandedOutThenNullopt) {
  Queue<int> q;
  q.Add(1);
  q.Add(2);
  EXPECT_FALSE(q.ShuttingDown());
  q.ShutDown();
  q.Add(3);  // ignored
  EXPECT_EQ(q.Len(), 2);
  EXPECT_EQ(q.Get(), 1);
  EXPECT_EQ(q.Get(), 2);
  EXPECT_EQ(q.Get(), std::nullopt);
}

TEST(Queue, ItemAddedWhileProcessingBeforeShutDownIsRequeuedAtDone) {
  Queue<int> q;
  q.Add(1);
  ASSERT_EQ(q.Get(), 1);
  q.Add(1);
  q.ShutDown();
  q.Done(1);
  EXPECT_EQ(q.Get(), 1);
  q.Done(1);
  EXPECT_EQ(q.Get(), std::nullopt);
}

TEST(Queue, ShutDownWithDrainReturnsAtOnceWhenNothingIsProcessing) {
  Queue<int> q;
  q.Add(1);  // waiting, not processing: no drain needed
  q.ShutDownWithDrain();
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(Queue, ShutDownWithDrainWaitsForEveryHandedOutItemToBeDone) {
  Queue<int> q;
  q.Add(1);
  q.Add(2);
  ASSERT_EQ(q.Get(), 1);
  ASSERT_EQ(q.Get(), 2);
  std::atomic<int> done_calls{0};
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    q.ShutDownWithDrain();
    EXPECT_EQ(done_calls.load(), 2) << "returned before every item was Done";
    drained = true;
  });
  ASSERT_TRUE(Eventually([&] { return q.ShuttingDown(); }));
  EXPECT_EQ(q.Get(), std::nullopt) << "Get does not block during a drain";
  done_calls = 1;
  q.Done(1);
  EXPECT_FALSE(drained.load());
  done_calls = 2;
  q.Done(2);
  drainer.join();
  EXPECT_TRUE(drained.load());
}

TEST(Queue, ShutDownEndsAPendingDrain) {
  Queue<int> q;
  q.Add(1);
  ASSERT_EQ(q.Get(), 1);
  std::thread drainer([&] { q.ShutDownWithDrain(); });
  ASSERT_TRUE(Eventually([&] { return q.ShuttingDown(); }));
  q.ShutDown();
  drainer.join();  // returns although 1 is still processing
}

TEST(Queue, WorksThroughTheInterface) {
  Queue<int> q;
  Interface<int>& i = q;
  i.Add(5);
  EXPECT_EQ(i.Len(), 1);
  EXPECT_EQ(i.Get(), 5);
  i.Done(5);
  i.ShutDown();
  EXPECT_TRUE(i.ShuttingDown());
}

}  // namespace
}  // namespace kube::workqueue
