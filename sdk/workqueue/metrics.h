// Metrics hooks for work queues: the interface a metrics backend implements so every
// queue reports the standard workqueue series, labelled by the queue's name
// (client-go's workqueue.MetricsProvider; the names controller-runtime exports):
//
//   workqueue_depth                             gauge: items waiting to be handed out
//   workqueue_adds_total                        counter: items added (after dedup)
//   workqueue_queue_duration_seconds            histogram: time from Add to Get
//   workqueue_work_duration_seconds             histogram: time from Get to Done
//   workqueue_unfinished_work_seconds           gauge: summed age of in-flight items
//   workqueue_longest_running_processor_seconds gauge: age of the oldest in-flight item
//   workqueue_retries_total                     counter: AddAfter / AddRateLimited calls
//
// The manager provides a Prometheus implementation; a queue built without a provider
// records nothing and does not read the clock for metrics.
//
// Thread-safety: a queue calls a metric's methods with its own lock held, from many
// threads over its life; implementations must be thread-safe and must not call back
// into the queue.
#ifndef KUBECPP_WORKQUEUE_METRICS_H_
#define KUBECPP_WORKQUEUE_METRICS_H_

#include <memory>
#include <string_view>

namespace kube::workqueue {

// A gauge moved by one (workqueue_depth).
class GaugeMetric {
 public:
  virtual ~GaugeMetric() = default;
  virtual void Inc() = 0;
  virtual void Dec() = 0;
};

// A gauge set to a value (the two seconds gauges).
class SettableGaugeMetric {
 public:
  virtual ~SettableGaugeMetric() = default;
  virtual void Set(double value) = 0;
};

class CounterMetric {
 public:
  virtual ~CounterMetric() = default;
  virtual void Inc() = 0;
};

// Observations in seconds.
class HistogramMetric {
 public:
  virtual ~HistogramMetric() = default;
  virtual void Observe(double value) = 0;
};

// Creates the metrics of one queue; `name` is the queue's name (the `name` label).
// Each method is called once per queue, at construction; the queue owns the result.
// Returning nullptr is allowed and means "do not record this one".
class MetricsProvider {
 public:
  virtual ~MetricsProvider() = default;
  virtual std::unique_ptr<GaugeMetric> NewDepthMetric(std::string_view name) = 0;
  virtual std::unique_ptr<CounterMetric> NewAddsMetric(std::string_view name) = 0;
  virtual std::unique_ptr<HistogramMetric> NewLatencyMetric(std::string_view name) = 0;
  virtual std::unique_ptr<HistogramMetric> NewWorkDurationMetric(std::string_view name) = 0;
  virtual std::unique_ptr<SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) = 0;
  virtual std::unique_ptr<SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) = 0;
  virtual std::unique_ptr<CounterMetric> NewRetriesMetric(std::string_view name) = 0;
};

// A provider whose metrics do nothing (client-go's noopMetricsProvider). Queues treat
// a null provider the same way, more cheaply. Never destroyed.
MetricsProvider& NoopMetricsProvider();

}  // namespace kube::workqueue

#endif  // KUBECPP_WORKQUEUE_METRICS_H_
