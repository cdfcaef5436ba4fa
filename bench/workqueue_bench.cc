// Work queue throughput: one operation is a full Add / Get / Done cycle of one key, the
// path every event takes from a handler to a worker.
//
//   BM_QueueCycle<T>          single thread, Add then Get then Done (queue of one)
//   BM_QueueBatch<T>          single thread, Add 1,000 distinct keys, then Get/Done all
//   BM_QueueContended         8 threads on one queue, each adding unique keys and
//                             taking whatever is first
//   BM_PriorityQueueCycle     as BM_QueueCycle on the PriorityQueue
//   BM_RateLimitingQueueCycle as BM_QueueCycle on the RateLimitingQueue (no delays)
//
// items_per_second is cycles per second (each cycle is three queue operations). Keys
// are kube::ObjectKey built beforehand, or uint64 for the contended case, where keys
// must never repeat.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kubecpp/core/gvk.h"
#include "kubecpp/workqueue/priority_queue.h"
#include "kubecpp/workqueue/queue.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace {

using kube::ObjectKey;

std::vector<ObjectKey> MakeKeys(int n) {
  std::vector<ObjectKey> keys;
  keys.reserve(n);
  for (int i = 0; i < n; ++i) {
    keys.push_back({"namespace-" + std::to_string(i % 10), "deployment-" + std::to_string(i)});
  }
  return keys;
}

template <typename Q>
void Cycle(benchmark::State& state, Q& q) {
  const std::vector<ObjectKey> keys = MakeKeys(1024);
  std::size_t i = 0;
  for (auto _ : state) {
    q.Add(keys[i++ & 1023]);
    auto key = q.Get();
    q.Done(*key);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_QueueCycle(benchmark::State& state) {
  kube::workqueue::Queue<ObjectKey> q;
  Cycle(state, q);
}
BENCHMARK(BM_QueueCycle);

void BM_PriorityQueueCycle(benchmark::State& state) {
  kube::workqueue::PriorityQueue<ObjectKey> q;
  Cycle(state, q);
}
BENCHMARK(BM_PriorityQueueCycle);

void BM_RateLimitingQueueCycle(benchmark::State& state) {
  kube::workqueue::RateLimitingQueue<ObjectKey> q;
  Cycle(state, q);
}
BENCHMARK(BM_RateLimitingQueueCycle);

void BM_QueueBatch(benchmark::State& state) {
  constexpr int kBatch = 1000;
  const std::vector<ObjectKey> keys = MakeKeys(kBatch);
  kube::workqueue::Queue<ObjectKey> q;
  for (auto _ : state) {
    for (const ObjectKey& key : keys) q.Add(key);
    for (int i = 0; i < kBatch; ++i) {
      auto key = q.Get();
      q.Done(*key);
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_QueueBatch);

kube::workqueue::Queue<std::uint64_t>* contended = nullptr;

void BM_QueueContended(benchmark::State& state) {
  if (state.thread_index() == 0) contended = new kube::workqueue::Queue<std::uint64_t>();
  // The setup above is ordered before every thread's first iteration.
  std::uint64_t next = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    contended->Add(next++);
    auto key = contended->Get();  // never blocks: every thread adds before it takes
    contended->Done(*key);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // Every thread has left its loop here (Google Benchmark's end barrier).
    delete contended;
    contended = nullptr;
  }
}
BENCHMARK(BM_QueueContended)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
