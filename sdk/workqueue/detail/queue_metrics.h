// QueueMetrics: the non-template bookkeeping behind a queue's MetricsProvider hooks
// (client-go's defaultQueueMetrics). Not part of the API.
//
// The queue keeps per-item timestamps in its own item table and hands them back here;
// this class keeps the start times of in-flight items for the two "unfinished work"
// gauges, refreshed every 500 ms of the queue's clock by a background thread that
// exists only when a provider was given.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_WORKQUEUE_DETAIL_QUEUE_METRICS_H_
#define KUBECPP_WORKQUEUE_DETAIL_QUEUE_METRICS_H_

#include <memory>
#include <set>
#include <string_view>
#include <thread>

#include "kubecpp/core/clock.h"
#include "kubecpp/workqueue/detail/mutex.h"
#include "kubecpp/workqueue/metrics.h"

namespace kube::workqueue::detail {

class QueueMetrics {
 public:
  // A null `provider` disables everything (no clock reads, no thread).
  QueueMetrics(std::string_view name, MetricsProvider* provider, Clock& clock);
  ~QueueMetrics();
  QueueMetrics(const QueueMetrics&) = delete;
  QueueMetrics& operator=(const QueueMetrics&) = delete;

  bool enabled() const { return enabled_; }

  // An item became waiting: adds +1, depth +1. Returns the time to pass to Get.
  Clock::TimePoint Add();
  // An item was handed out: depth -1, queue latency since `added`. Returns the
  // start time to pass to Done.
  Clock::TimePoint Get(Clock::TimePoint added);
  // An item handed out at `started` is done: work duration.
  void Done(Clock::TimePoint started);
  // An AddAfter / AddRateLimited.
  void Retry();
  // Sets the two unfinished-work gauges from the in-flight start times.
  void UpdateUnfinishedWork();

 private:
  const bool enabled_;
  Clock& clock_;
  std::unique_ptr<GaugeMetric> depth_;
  std::unique_ptr<CounterMetric> adds_;
  std::unique_ptr<HistogramMetric> latency_;
  std::unique_ptr<HistogramMetric> work_duration_;
  std::unique_ptr<SettableGaugeMetric> unfinished_;
  std::unique_ptr<SettableGaugeMetric> longest_;
  std::unique_ptr<CounterMetric> retries_;

  Mutex mu_;
  std::multiset<Clock::TimePoint> in_flight_ KUBE_WQ_GUARDED_BY(mu_);
  std::jthread updater_;  // last: stopped and joined first
};

}  // namespace kube::workqueue::detail

#endif  // KUBECPP_WORKQUEUE_DETAIL_QUEUE_METRICS_H_
