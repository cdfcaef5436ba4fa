#include "kubecpp/metrics/controller_metrics.h"

#include <utility>

namespace kube::metrics {
namespace {

template <typename Vec, typename... Values>
auto* ChildOrNull(Result<Vec*> vec, const Values&... values) {
  return vec ? &(*vec)->WithLabelValues(values...) : nullptr;
}

void Inc(Counter* counter) {
  if (counter != nullptr) counter->Inc();
}

}  // namespace

std::vector<double> ReconcileTimeBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
          6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
}

ControllerMetrics::ControllerMetrics(std::string_view controller, Registry& registry)
    : controller_(controller) {
  auto total = registry.NewCounterVec("controller_runtime_reconcile_total",
                                      "Total number of reconciliations per controller",
                                      {"controller", "result"});
  success_ = ChildOrNull(total, controller, "success");
  error_ = ChildOrNull(total, controller, "error");
  requeue_ = ChildOrNull(total, controller, "requeue");
  requeue_after_ = ChildOrNull(total, controller, "requeue_after");
  errors_ = ChildOrNull(registry.NewCounterVec("controller_runtime_reconcile_errors_total",
                                               "Total number of reconciliation errors per "
                                               "controller",
                                               {"controller"}),
                        controller);
  terminal_errors_ =
      ChildOrNull(registry.NewCounterVec("controller_runtime_terminal_reconcile_errors_total",
                                         "Total number of terminal reconciliation errors per "
                                         "controller",
                                         {"controller"}),
                  controller);
  panics_ = ChildOrNull(registry.NewCounterVec("controller_runtime_reconcile_panics_total",
                                               "Total number of reconciliation panics per "
                                               "controller",
                                               {"controller"}),
                        controller);
  time_ = ChildOrNull(registry.NewHistogramVec("controller_runtime_reconcile_time_seconds",
                                               "Length of time per reconciliation per controller",
                                               {"controller"}, ReconcileTimeBuckets()),
                      controller);
  max_concurrent_ =
      ChildOrNull(registry.NewGaugeVec("controller_runtime_max_concurrent_reconciles",
                                       "Maximum number of concurrent reconciles per controller",
                                       {"controller"}),
                  controller);
  active_workers_ = ChildOrNull(registry.NewGaugeVec("controller_runtime_active_workers",
                                                     "Number of currently used workers per "
                                                     "controller",
                                                     {"controller"}),
                                controller);
}

void ControllerMetrics::RecordReconcile(ReconcileOutcome outcome,
                                        std::chrono::duration<double> elapsed) noexcept {
  switch (outcome) {
    case ReconcileOutcome::kSuccess:
      Inc(success_);
      break;
    case ReconcileOutcome::kRequeue:
      Inc(requeue_);
      break;
    case ReconcileOutcome::kRequeueAfter:
      Inc(requeue_after_);
      break;
    case ReconcileOutcome::kTerminalError:
      Inc(terminal_errors_);
      Inc(errors_);
      Inc(error_);
      break;
    case ReconcileOutcome::kPanic:
      Inc(panics_);
      Inc(errors_);
      Inc(error_);
      break;
    case ReconcileOutcome::kError:
      Inc(errors_);
      Inc(error_);
      break;
  }
  if (time_ != nullptr) time_->Observe(elapsed.count());
}

void ControllerMetrics::SetMaxConcurrentReconciles(int workers) noexcept {
  if (max_concurrent_ != nullptr) max_concurrent_->Set(workers);
}

void ControllerMetrics::AddActiveWorkers(int delta) noexcept {
  if (active_workers_ != nullptr) active_workers_->Add(delta);
}

}  // namespace kube::metrics
