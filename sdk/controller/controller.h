// Controller: a work queue of keys fed by sources (watches), drained by worker
// threads that call a Reconciler (controller-runtime's pkg/controller).
//
// Guarantees: a key is never reconciled by two workers at once; a key changed while
// it is being reconciled is reconciled again afterwards; failures back off per key
// (5 ms doubling to 1000 s, overall 10 qps / burst 100, or the rate limiter given);
// live changes are served before the backlog of the initial list.
//
// Most users get a Controller from the Builder (builder.h) and hand it to the
// manager. By hand:
//
//   Controller c({.name = "web"}, reconciler);
//   c.Watch(std::make_unique<KindSource<WebApp>>(informer, EnqueueRequestForObject<WebApp>()));
//   std::jthread t([&](std::stop_token st) { c.Run(st); });
//
// Metrics (controller-runtime's names, in ControllerOptions::metrics_registry):
// controller_runtime_reconcile_total{controller,result}, ..._reconcile_errors_total,
// ..._terminal_reconcile_errors_total, ..._reconcile_panics_total,
// ..._reconcile_time_seconds, ..._active_workers, ..._max_concurrent_reconciles, and
// the queue's workqueue_* metrics with name=controller=<name>.
//
// Thread-safety: thread-safe. Run is called once.
#ifndef KUBECPP_CONTROLLER_CONTROLLER_H_
#define KUBECPP_CONTROLLER_CONTROLLER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "kubecpp/controller/log.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/controller/source.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/result.h"
#include "kubecpp/workqueue/priority_queue.h"
#include "kubecpp/workqueue/rate_limiter.h"

namespace kube::metrics {
class ControllerMetrics;
class Registry;
}  // namespace kube::metrics

namespace kube::controller {

struct ControllerOptions {
  // Required: unique in the process; the `controller` label of logs and metrics.
  std::string name;
  // Worker threads. Default 1 (controller-runtime's default).
  int max_concurrent_reconciles = 1;
  // How long Run waits for the sources' caches before failing. Default 2 minutes.
  Clock::Duration cache_sync_timeout = std::chrono::minutes(2);
  // Per-key backoff. Default: workqueue::DefaultControllerRateLimiter.
  std::function<std::unique_ptr<workqueue::RateLimiter<ObjectKey>>()> rate_limiter;
  // Time source for the queue, backoff and reconcile durations. Default RealClock().
  Clock* clock = nullptr;
  // Where metrics go. Default: metrics::DefaultRegistry(); must outlive the controller.
  metrics::Registry* metrics_registry = nullptr;
  // Whether the manager runs this controller only while it is the leader. Default true.
  bool need_leader_election = true;
};

class Controller final : private EventSink {
 public:
  using WatchId = uint64_t;

  // Errors: kInvalid for an empty name or max_concurrent_reconciles < 1.
  [[nodiscard]] static Result<std::unique_ptr<Controller>> New(
      ControllerOptions options, std::shared_ptr<Reconciler> reconciler);
  ~Controller() override;
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const std::string& name() const { return options_.name; }
  const ControllerOptions& options() const { return options_; }
  const Logger& logger() const { return log_; }

  // Adds a watch. Before Run it starts with the controller; afterwards it starts at
  // once (watches can be added while the controller runs).
  WatchId Watch(std::unique_ptr<Source> source);
  // Stops and removes a watch. Errors: kNotFound for an unknown id.
  [[nodiscard]] Status RemoveWatch(WatchId id);

  // Starts the sources, waits until their caches are synced, then runs the workers
  // until `stop` fires; then stops taking new work, lets in-flight reconciles finish
  // and returns. Errors: kTimeout when a cache does not sync within
  // cache_sync_timeout (naming the source and its last error); kInvalid
  // when called twice. Returns OK when stopped before the caches synced.
  [[nodiscard]] Status Run(std::stop_token stop);
  // Fires Request::stop of every in-flight and later reconcile (the manager's
  // graceful shutdown ran out of time).
  void Abort() { abort_.request_stop(); }

  // Queues a key directly (a timer, an external system).
  void Enqueue(const ObjectKey& key) { Enqueue(key, 0); }
  // True once the sources' caches have synced and workers run.
  bool started() const { return started_.load(); }
  // Reconciles currently running.
  int active_workers() const { return active_.load(); }
  // Ready keys waiting for a worker.
  int queue_length() const { return queue_->Len(); }

 private:
  Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler);

  void Enqueue(const ObjectKey& key, int priority) override;
  void RecordDeleted(const ObjectKey& key, std::shared_ptr<const void> last_state) override;
  void ClearDeleted(const ObjectKey& key) override;

  Status WaitForSources(std::stop_token stop);
  void Worker(std::stop_token stop);
  void Process(const workqueue::PriorityItem<ObjectKey>& item);

  const ControllerOptions options_;
  const std::shared_ptr<Reconciler> reconciler_;
  Clock& clock_;
  const Logger log_;
  std::unique_ptr<metrics::ControllerMetrics> metrics_;
  std::unique_ptr<workqueue::PriorityQueue<ObjectKey>> queue_;
  std::stop_source abort_;
  std::atomic<bool> started_{false};
  std::atomic<int> active_{0};

  std::mutex mu_;
  std::map<WatchId, std::unique_ptr<Source>> sources_;  // GUARDED_BY(mu_)
  WatchId next_watch_ = 1;                              // GUARDED_BY(mu_)
  bool ran_ = false;  // GUARDED_BY(mu_): Run was called; sources start at once

  std::mutex deleted_mu_;
  std::unordered_map<ObjectKey, std::shared_ptr<const void>> deleted_;  // GUARDED_BY(deleted_mu_)
};

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_CONTROLLER_H_
