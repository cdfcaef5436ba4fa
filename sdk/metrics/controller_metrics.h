// ControllerMetrics: the per-controller series of controller-runtime
// (pkg/internal/controller/metrics), recorded through handles cached at construction so
// a reconcile costs a few atomic increments:
//
//   controller_runtime_reconcile_total{controller,result}   counter; result is success,
//                                                            error, requeue, requeue_after
//   controller_runtime_reconcile_errors_total{controller}    counter
//   controller_runtime_terminal_reconcile_errors_total{controller}  counter
//   controller_runtime_reconcile_panics_total{controller}    counter
//   controller_runtime_reconcile_time_seconds{controller}    histogram, 0.005 .. 60 s
//   controller_runtime_max_concurrent_reconciles{controller} gauge
//   controller_runtime_active_workers{controller}            gauge
//
// Every series of the controller is created (at zero) by the constructor, as
// controller-runtime's initMetrics does, so dashboards see it before the first error.
//
// Thread-safety: thread-safe; every method is lock-free.
#ifndef KUBECPP_METRICS_CONTROLLER_METRICS_H_
#define KUBECPP_METRICS_CONTROLLER_METRICS_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/metrics/registry.h"

namespace kube::metrics {

// How one reconcile ended, as the controller's worker saw it.
enum class ReconcileOutcome {
  kSuccess,        // Action::Done(): result="success"
  kRequeue,        // requeued with rate-limited backoff, no error: result="requeue"
  kRequeueAfter,   // Action::RequeueAfter(d): result="requeue_after"
  kError,          // an error (requeued with backoff): errors_total, result="error"
  kTerminalError,  // a terminal error (not retried): terminal_reconcile_errors_total,
                   // errors_total, result="error"
  kPanic,          // the reconciler threw (treated as an error): reconcile_panics_total,
                   // errors_total, result="error"
};

// controller-runtime's reconcile_time_seconds buckets (0.005 s to 60 s, 40 bounds).
std::vector<double> ReconcileTimeBuckets();

class ControllerMetrics {
 public:
  // Registers (or finds) the families in `registry` and creates this controller's
  // series. `registry` must outlive this object. If a family name is taken in
  // `registry` with another shape, that series is not recorded.
  explicit ControllerMetrics(std::string_view controller, Registry& registry = DefaultRegistry());
  ControllerMetrics(const ControllerMetrics&) = delete;
  ControllerMetrics& operator=(const ControllerMetrics&) = delete;

  // Counts one finished reconcile (see ReconcileOutcome) and observes its duration
  // (a Clock::Duration converts implicitly).
  void RecordReconcile(ReconcileOutcome outcome, std::chrono::duration<double> elapsed) noexcept;
  // controller_runtime_max_concurrent_reconciles: set when the controller starts.
  void SetMaxConcurrentReconciles(int workers) noexcept;
  // controller_runtime_active_workers: +1 when a worker starts a reconcile, -1 when it
  // ends.
  void AddActiveWorkers(int delta) noexcept;

  const std::string& controller() const { return controller_; }

 private:
  std::string controller_;
  Counter* success_ = nullptr;
  Counter* error_ = nullptr;
  Counter* requeue_ = nullptr;
  Counter* requeue_after_ = nullptr;
  Counter* errors_ = nullptr;
  Counter* terminal_errors_ = nullptr;
  Counter* panics_ = nullptr;
  Histogram* time_ = nullptr;
  Gauge* max_concurrent_ = nullptr;
  Gauge* active_workers_ = nullptr;
};

}  // namespace kube::metrics

#endif  // KUBECPP_METRICS_CONTROLLER_METRICS_H_
