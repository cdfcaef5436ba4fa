// The Prometheus backend of the work queues' metrics hooks: a
// kube::workqueue::MetricsProvider that records every queue's standard series in a
// Registry, with controller-runtime's names, help texts, labels and buckets
// (pkg/metrics/workqueue.go):
//
//   workqueue_depth{controller,name,priority}            gauge (priority is "")
//   workqueue_adds_total{controller,name}                counter
//   workqueue_queue_duration_seconds{controller,name}    histogram, 1e-08 .. 1000 s
//   workqueue_work_duration_seconds{controller,name}     histogram, 1e-08 .. 1000 s
//   workqueue_unfinished_work_seconds{controller,name}   gauge
//   workqueue_longest_running_processor_seconds{controller,name}  gauge
//   workqueue_retries_total{controller,name}             counter
//
// `controller` and `name` both carry the queue's name (QueueOptions::name), as
// controller-runtime sets them.
//
// Thread-safety: thread-safe; the metrics it hands out are lock-free.
#ifndef KUBECPP_METRICS_WORKQUEUE_METRICS_H_
#define KUBECPP_METRICS_WORKQUEUE_METRICS_H_

#include <memory>

#include "kubecpp/metrics/registry.h"
#include "kubecpp/workqueue/metrics.h"

namespace kube::metrics {

// Registers (or finds) the seven workqueue families in `registry` and returns a
// provider for QueueOptions::metrics_provider. Queues with the same name share their
// series. If a family cannot be registered because `registry` already holds that name
// with another shape, the provider returns nullptr for that metric (the queue then
// records nothing for it). `registry` must outlive the provider and every queue it
// served; the provider itself may be destroyed once the queues are built.
std::unique_ptr<workqueue::MetricsProvider> NewWorkqueueMetricsProvider(Registry& registry);

}  // namespace kube::metrics

#endif  // KUBECPP_METRICS_WORKQUEUE_METRICS_H_
