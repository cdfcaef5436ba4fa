#include "kubecpp/workqueue/metrics.h"

#include <chrono>

#include "kubecpp/workqueue/detail/queue_metrics.h"

namespace kube::workqueue {
namespace {

class NoopGauge final : public GaugeMetric {
 public:
  void Inc() override {}
  void Dec() override {}
};
class NoopSettableGauge final : public SettableGaugeMetric {
 public:
  void Set(double) override {}
};
class NoopCounter final : public CounterMetric {
 public:
  void Inc() override {}
};
class NoopHistogram final : public HistogramMetric {
 public:
  void Observe(double) override {}
};

class NoopProvider final : public MetricsProvider {
 public:
  std::unique_ptr<GaugeMetric> NewDepthMetric(std::string_view) override {
    return std::make_unique<NoopGauge>();
  }
  std::unique_ptr<CounterMetric> NewAddsMetric(std::string_view) override {
    return std::make_unique<NoopCounter>();
  }
  std::unique_ptr<HistogramMetric> NewLatencyMetric(std::string_view) override {
    return std::make_unique<NoopHistogram>();
  }
  std::unique_ptr<HistogramMetric> NewWorkDurationMetric(std::string_view) override {
    return std::make_unique<NoopHistogram>();
  }
  std::unique_ptr<SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(std::string_view) override {
    return std::make_unique<NoopSettableGauge>();
  }
  std::unique_ptr<SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view) override {
    return std::make_unique<NoopSettableGauge>();
  }
  std::unique_ptr<CounterMetric> NewRetriesMetric(std::string_view) override {
    return std::make_unique<NoopCounter>();
  }
};

// client-go refreshes the unfinished-work gauges every 500 ms.
constexpr auto kUnfinishedWorkUpdatePeriod = std::chrono::milliseconds(500);

double Seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

MetricsProvider& NoopMetricsProvider() {
  static auto* provider = new NoopProvider();  // never destroyed
  return *provider;
}

namespace detail {

QueueMetrics::QueueMetrics(std::string_view name, MetricsProvider* provider, Clock& clock)
    : enabled_(provider != nullptr), clock_(clock) {
  if (!enabled_) return;
  depth_ = provider->NewDepthMetric(name);
  adds_ = provider->NewAddsMetric(name);
  latency_ = provider->NewLatencyMetric(name);
  work_duration_ = provider->NewWorkDurationMetric(name);
  unfinished_ = provider->NewUnfinishedWorkSecondsMetric(name);
  longest_ = provider->NewLongestRunningProcessorSecondsMetric(name);
  retries_ = provider->NewRetriesMetric(name);
  updater_ = std::jthread([this](std::stop_token stop) {
    while (clock_.SleepFor(kUnfinishedWorkUpdatePeriod, stop)) UpdateUnfinishedWork();
  });
}

QueueMetrics::~QueueMetrics() = default;

Clock::TimePoint QueueMetrics::Add() {
  if (!enabled_) return {};
  if (adds_) adds_->Inc();
  if (depth_) depth_->Inc();
  return clock_.Now();
}

Clock::TimePoint QueueMetrics::Get(Clock::TimePoint added) {
  if (!enabled_) return {};
  const Clock::TimePoint now = clock_.Now();
  if (depth_) depth_->Dec();
  if (latency_) latency_->Observe(Seconds(now - added));
  MutexLock lock(mu_);
  in_flight_.insert(now);
  return now;
}

void QueueMetrics::Done(Clock::TimePoint started) {
  if (!enabled_) return;
  const Clock::TimePoint now = clock_.Now();
  if (work_duration_) work_duration_->Observe(Seconds(now - started));
  MutexLock lock(mu_);
  if (auto it = in_flight_.find(started); it != in_flight_.end()) in_flight_.erase(it);
}

void QueueMetrics::Retry() {
  if (enabled_ && retries_) retries_->Inc();
}

void QueueMetrics::UpdateUnfinishedWork() {
  if (!enabled_) return;
  const Clock::TimePoint now = clock_.Now();
  double total = 0;
  double oldest = 0;
  {
    MutexLock lock(mu_);
    for (Clock::TimePoint started : in_flight_) total += Seconds(now - started);
    if (!in_flight_.empty()) oldest = Seconds(now - *in_flight_.begin());
  }
  if (unfinished_) unfinished_->Set(total);
  if (longest_) longest_->Set(oldest);
}

}  // namespace detail
}  // namespace kube::workqueue
