#include "kubecpp/metrics/workqueue_metrics.h"

#include <string>
#include <string_view>

namespace kube::metrics {
namespace {

class DepthMetric final : public workqueue::GaugeMetric {
 public:
  explicit DepthMetric(Gauge& gauge) : gauge_(gauge) {}
  void Inc() override { gauge_.Inc(); }
  void Dec() override { gauge_.Dec(); }

 private:
  Gauge& gauge_;
};

class SettableGauge final : public workqueue::SettableGaugeMetric {
 public:
  explicit SettableGauge(Gauge& gauge) : gauge_(gauge) {}
  void Set(double value) override { gauge_.Set(value); }

 private:
  Gauge& gauge_;
};

class CounterMetric final : public workqueue::CounterMetric {
 public:
  explicit CounterMetric(Counter& counter) : counter_(counter) {}
  void Inc() override { counter_.Inc(); }

 private:
  Counter& counter_;
};

class HistogramMetric final : public workqueue::HistogramMetric {
 public:
  explicit HistogramMetric(Histogram& histogram) : histogram_(histogram) {}
  void Observe(double value) override { histogram_.Observe(value); }

 private:
  Histogram& histogram_;
};

template <typename T>
T* OrNull(Result<T*> r) {
  return r ? *r : nullptr;
}

class Provider final : public workqueue::MetricsProvider {
 public:
  explicit Provider(Registry& registry) {
    const std::vector<std::string> labels = {"name", "controller"};
    const std::vector<double> buckets = ExponentialBuckets(10e-9, 10, 12);
    depth_ = OrNull(registry.NewGaugeVec("workqueue_depth",
                                         "Current depth of workqueue by workqueue and priority",
                                         {"name", "controller", "priority"}));
    adds_ = OrNull(registry.NewCounterVec("workqueue_adds_total",
                                          "Total number of adds handled by workqueue", labels));
    latency_ = OrNull(registry.NewHistogramVec(
        "workqueue_queue_duration_seconds",
        "How long in seconds an item stays in workqueue before being requested", labels, buckets));
    work_duration_ = OrNull(registry.NewHistogramVec(
        "workqueue_work_duration_seconds",
        "How long in seconds processing an item from workqueue takes.", labels, buckets));
    unfinished_ = OrNull(registry.NewGaugeVec(
        "workqueue_unfinished_work_seconds",
        "How many seconds of work has been done that is in progress and hasn't been "
        "observed by work_duration. Large values indicate stuck threads. One can deduce "
        "the number of stuck threads by observing the rate at which this increases.",
        labels));
    longest_ = OrNull(registry.NewGaugeVec(
        "workqueue_longest_running_processor_seconds",
        "How many seconds has the longest running processor for workqueue been running.", labels));
    retries_ = OrNull(registry.NewCounterVec(
        "workqueue_retries_total", "Total number of retries handled by workqueue", labels));
  }

  std::unique_ptr<workqueue::GaugeMetric> NewDepthMetric(std::string_view name) override {
    if (depth_ == nullptr) return nullptr;
    return std::make_unique<DepthMetric>(depth_->WithLabelValues(name, name, ""));
  }
  std::unique_ptr<workqueue::CounterMetric> NewAddsMetric(std::string_view name) override {
    return NewCounter(adds_, name);
  }
  std::unique_ptr<workqueue::HistogramMetric> NewLatencyMetric(std::string_view name) override {
    return NewHistogram(latency_, name);
  }
  std::unique_ptr<workqueue::HistogramMetric> NewWorkDurationMetric(
      std::string_view name) override {
    return NewHistogram(work_duration_, name);
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) override {
    return NewSettable(unfinished_, name);
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) override {
    return NewSettable(longest_, name);
  }
  std::unique_ptr<workqueue::CounterMetric> NewRetriesMetric(std::string_view name) override {
    return NewCounter(retries_, name);
  }

 private:
  static std::unique_ptr<workqueue::CounterMetric> NewCounter(CounterVec* vec,
                                                              std::string_view name) {
    if (vec == nullptr) return nullptr;
    return std::make_unique<CounterMetric>(vec->WithLabelValues(name, name));
  }
  static std::unique_ptr<workqueue::HistogramMetric> NewHistogram(HistogramVec* vec,
                                                                  std::string_view name) {
    if (vec == nullptr) return nullptr;
    return std::make_unique<HistogramMetric>(vec->WithLabelValues(name, name));
  }
  static std::unique_ptr<workqueue::SettableGaugeMetric> NewSettable(GaugeVec* vec,
                                                                     std::string_view name) {
    if (vec == nullptr) return nullptr;
    return std::make_unique<SettableGauge>(vec->WithLabelValues(name, name));
  }

  GaugeVec* depth_ = nullptr;
  CounterVec* adds_ = nullptr;
  HistogramVec* latency_ = nullptr;
  HistogramVec* work_duration_ = nullptr;
  GaugeVec* unfinished_ = nullptr;
  GaugeVec* longest_ = nullptr;
  CounterVec* retries_ = nullptr;
};

}  // namespace

std::unique_ptr<workqueue::MetricsProvider> NewWorkqueueMetricsProvider(Registry& registry) {
  return std::make_unique<Provider>(registry);
}

}  // namespace kube::metrics
