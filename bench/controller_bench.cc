// End-to-end controller throughput: reconciles per second of a no-op controller over
// 10,000 ConfigMaps on the in-process fake apiserver (issue 6's benchmark).
//
//   initial  Start() to the last of the 10,000 initial reconciles: list, watch, cache,
//            handlers, priority queue, workers.
//   requeue  10,000 keys enqueued at once and reconciled (queue + workers alone).
//   updates  10,000 updates written by a client and reconciled through the watch.
// Each with 1 and 4 workers. Prints one line per run.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;
const kube::client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
constexpr int kObjects = 10000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void WaitFor(const std::atomic<int>& counter, int target) {
  while (counter.load() < target) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

void Run(int workers) {
  kube::testing::FakeApiServer apiserver;
  auto user = apiserver.NewClient();
  kube::client::DynamicApi api(user.get(), kConfigMaps, "default");
  for (int i = 0; i < kObjects; ++i) {
    auto cm = kube::Unstructured::Parse(R"({"apiVersion":"v1","kind":"ConfigMap",
        "metadata":{"namespace":"default","labels":{"app":"bench"}},"data":{"k":"v"}})");
    cm->set_name("cm-" + std::to_string(i));
    if (!api.Create(*cm)) std::abort();
  }
  kube::metrics::Registry registry;
  kube::manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &registry;
  auto mgr = kube::manager::Manager::New(apiserver.NewClient(), options);
  std::atomic<int> reconciles{0};
  kube::controller::Controller* controller = nullptr;
  auto built =
      (*mgr)
          ->NewControllerManagedBy()
          .ForResource(kConfigMaps)
          .WithOptions({.max_concurrent_reconciles = workers})
          .Build(kube::controller::ReconcilerFunc([&](const kube::controller::Request&) {
            reconciles.fetch_add(1);
            return kube::Result<kube::controller::Action>(kube::controller::Action::Done());
          }));
  controller = built->get();
  if (!(*mgr)->Add(std::move(*built)).ok()) std::abort();

  std::stop_source stop;
  auto t0 = Clock::now();
  std::thread runner([&] { (void)(*mgr)->Start(stop.get_token()); });
  WaitFor(reconciles, kObjects);
  const double initial = Seconds(t0);

  reconciles = 0;
  t0 = Clock::now();
  for (int i = 0; i < kObjects; ++i) controller->Enqueue({"default", "cm-" + std::to_string(i)});
  WaitFor(reconciles, kObjects);
  const double requeue = Seconds(t0);

  reconciles = 0;
  t0 = Clock::now();
  for (int i = 0; i < kObjects; ++i) {
    auto patched = api.Patch("cm-" + std::to_string(i), kube::client::PatchType::kMerge,
                             R"({"data":{"k":"w"}})");
    if (!patched) std::abort();
  }
  const double writes = Seconds(t0);
  WaitFor(reconciles, kObjects);  // dedup may merge a few; wait for all keys seen
  const double updates = Seconds(t0);
  stop.request_stop();
  runner.join();
  std::printf(
      "workers=%d  initial: %d reconciles in %.2f s = %.0f/s   requeue: %.0f/s   "
      "updates: %.0f/s end to end (writing alone %.0f/s)\n",
      workers, kObjects, initial, kObjects / initial, kObjects / requeue, kObjects / updates,
      kObjects / writes);
}

}  // namespace

int main() {
  kube::controller::SetLogVerbosity(-1);
  for (int workers : {1, 4}) Run(workers);
  return 0;
}
