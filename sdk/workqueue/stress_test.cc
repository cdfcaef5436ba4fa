// Many producers and 8 workers on one queue, checking the two invariants a controller
// relies on: no key is held by two workers at once, and every Add is followed by a
// processing that saw it. Meant to be run under ThreadSanitizer too.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "kubecpp/core/gvk.h"
#include "kubecpp/workqueue/priority_queue.h"
#include "kubecpp/workqueue/queue.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace kube::workqueue {
namespace {

constexpr int kKeys = 64;
constexpr int kWorkers = 8;
constexpr int kProducers = 4;
constexpr int kAddsPerProducer = 20000;

ObjectKey KeyFor(int i) { return {"ns", "obj-" + std::to_string(i)}; }
int IndexOf(const ObjectKey& key) { return std::stoi(key.name.substr(4)); }

struct Tracker {
  std::array<std::atomic<int>, kKeys> holders{};
  std::array<std::atomic<long>, kKeys> adds{};
  std::array<long, kKeys> seen{};  // written only by the key's (exclusive) holder
  std::atomic<int> violations{0};
  std::atomic<long> processed{0};
};

// `add(queue, key, priority)` adds one key.
template <typename QueueT, typename AddFn>
void RunStress(QueueT& q, AddFn add) {
  Tracker t;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        const int i = IndexOf(*key);
        if (t.holders[i].fetch_add(1) != 0) t.violations.fetch_add(1);
        t.seen[i] = t.adds[i].load();
        std::this_thread::yield();
        t.holders[i].fetch_sub(1);
        t.processed.fetch_add(1);
        q.Done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937 rng(static_cast<unsigned>(p));
      for (int n = 0; n < kAddsPerProducer; ++n) {
        const int i = static_cast<int>(rng() % kKeys);
        t.adds[i].fetch_add(1);
        add(q, KeyFor(i), static_cast<int>(rng() % 3) - 1);
      }
    });
  }
  for (auto& p : producers) p.join();
  q.ShutDownWithDrain();
  for (auto& w : workers) w.join();

  EXPECT_EQ(t.violations.load(), 0) << "a key was held by two workers at once";
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ(t.seen[i], t.adds[i].load()) << "key " << i << " missed its last add";
  }
  // Dedup may fold every add of a key into one run when the producers outpace the
  // workers, so one run per key is the floor.
  EXPECT_GE(t.processed.load(), kKeys);
  EXPECT_LE(t.processed.load(), static_cast<long>(kProducers) * kAddsPerProducer);
}

TEST(Stress, QueueNeverHandsOneKeyToTwoWorkers) {
  Queue<ObjectKey> q;
  RunStress(q, [](Queue<ObjectKey>& queue, const ObjectKey& key, int) { queue.Add(key); });
}

TEST(Stress, RateLimitingQueueNeverHandsOneKeyToTwoWorkers) {
  RateLimitingQueue<ObjectKey> q;
  RunStress(q,
            [](RateLimitingQueue<ObjectKey>& queue, const ObjectKey& key, int) { queue.Add(key); });
}

TEST(Stress, PriorityQueueNeverHandsOneKeyToTwoWorkers) {
  PriorityQueue<ObjectKey> q;
  RunStress(q, [](PriorityQueue<ObjectKey>& queue, const ObjectKey& key, int priority) {
    queue.AddWithOpts({.priority = priority}, key);
  });
}

}  // namespace
}  // namespace kube::workqueue
