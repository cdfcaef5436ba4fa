#include "kubecpp/workqueue/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/workqueue/delaying_queue.h"
#include "kubecpp/workqueue/internal/test_util.h"
#include "kubecpp/workqueue/priority_queue.h"
#include "kubecpp/workqueue/queue.h"

namespace kube::workqueue {
namespace {

using ::kube::workqueue::testing::Eventually;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Records every value under "<metric>/<queue name>".
class RecordingProvider final : public MetricsProvider {
 public:
  double Value(const std::string& key) {
    std::lock_guard lock(mu_);
    return values_[key];
  }
  std::vector<double> Observations(const std::string& key) {
    std::lock_guard lock(mu_);
    return observations_[key];
  }

  std::unique_ptr<GaugeMetric> NewDepthMetric(std::string_view name) override {
    return std::make_unique<Gauge>(this, Key("depth", name));
  }
  std::unique_ptr<CounterMetric> NewAddsMetric(std::string_view name) override {
    return std::make_unique<Counter>(this, Key("adds", name));
  }
  std::unique_ptr<HistogramMetric> NewLatencyMetric(std::string_view name) override {
    return std::make_unique<Histogram>(this, Key("queue_duration", name));
  }
  std::unique_ptr<HistogramMetric> NewWorkDurationMetric(std::string_view name) override {
    return std::make_unique<Histogram>(this, Key("work_duration", name));
  }
  std::unique_ptr<SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Settable>(this, Key("unfinished", name));
  }
  std::unique_ptr<SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Settable>(this, Key("longest", name));
  }
  std::unique_ptr<CounterMetric> NewRetriesMetric(std::string_view name) override {
    return std::make_unique<Counter>(this, Key("retries", name));
  }

 private:
  static std::string Key(std::string_view metric, std::string_view name) {
    return std::string(metric) + "/" + std::string(name);
  }
  void Change(const std::string& key, double delta) {
    std::lock_guard lock(mu_);
    values_[key] += delta;
  }
  void Set(const std::string& key, double value) {
    std::lock_guard lock(mu_);
    values_[key] = value;
  }
  void Observe(const std::string& key, double value) {
    std::lock_guard lock(mu_);
    observations_[key].push_back(value);
  }

  struct Gauge final : GaugeMetric {
    Gauge(RecordingProvider* provider, std::string key) : p(provider), k(std::move(key)) {}
    void Inc() override { p->Change(k, 1); }
    void Dec() override { p->Change(k, -1); }
    RecordingProvider* p;
    std::string k;
  };
  struct Counter final : CounterMetric {
    Counter(RecordingProvider* provider, std::string key) : p(provider), k(std::move(key)) {}
    void Inc() override { p->Change(k, 1); }
    RecordingProvider* p;
    std::string k;
  };
  struct Settable final : SettableGaugeMetric {
    Settable(RecordingProvider* provider, std::string key) : p(provider), k(std::move(key)) {}
    void Set(double v) override { p->Set(k, v); }
    RecordingProvider* p;
    std::string k;
  };
  struct Histogram final : HistogramMetric {
    Histogram(RecordingProvider* provider, std::string key) : p(provider), k(std::move(key)) {}
    void Observe(double v) override { p->Observe(k, v); }
    RecordingProvider* p;
    std::string k;
  };

  std::mutex mu_;
  std::map<std::string, double> values_;
  std::map<std::string, std::vector<double>> observations_;
};

TEST(QueueMetrics, DepthAddsLatencyAndWorkDuration) {
  kube::testing::FakeClock clock;
  RecordingProvider metrics;
  Queue<std::string> q({.name = "q", .metrics_provider = &metrics, .clock = &clock});
  q.Add("a");
  q.Add("a");  // deduplicated: not counted
  q.Add("b");
  EXPECT_EQ(metrics.Value("adds/q"), 2);
  EXPECT_EQ(metrics.Value("depth/q"), 2);
  clock.Step(seconds(2));
  ASSERT_EQ(q.Get(), "a");
  EXPECT_EQ(metrics.Value("depth/q"), 1);
  EXPECT_EQ(metrics.Observations("queue_duration/q"), std::vector<double>{2.0});
  clock.Step(seconds(3));
  q.Done("a");
  EXPECT_EQ(metrics.Observations("work_duration/q"), std::vector<double>{3.0});
}

TEST(QueueMetrics, UnfinishedWorkIsRefreshedEvery500Milliseconds) {
  kube::testing::FakeClock clock;
  RecordingProvider metrics;
  Queue<std::string> q({.name = "q", .metrics_provider = &metrics, .clock = &clock});
  ASSERT_TRUE(clock.BlockUntilSleepers(1));  // the refresher
  q.Add("a");
  q.Add("b");
  ASSERT_EQ(q.Get(), "a");
  clock.Step(milliseconds(250));
  ASSERT_EQ(q.Get(), "b");
  clock.Step(milliseconds(250));
  ASSERT_TRUE(Eventually([&] { return metrics.Value("longest/q") == 0.5; }));
  EXPECT_EQ(metrics.Value("unfinished/q"), 0.75);  // 0.5 + 0.25
}

TEST(QueueMetrics, AddAfterCountsARetry) {
  kube::testing::FakeClock clock;
  RecordingProvider metrics;
  DelayingQueue<std::string> q({.name = "d", .metrics_provider = &metrics, .clock = &clock});
  q.AddAfter("a", seconds(1));
  q.AddAfter("b", seconds(0));
  EXPECT_EQ(metrics.Value("retries/d"), 2);
  EXPECT_EQ(metrics.Value("adds/d"), 1) << "a is not added until ready";
}

TEST(QueueMetrics, PriorityQueueCountsDelayedItemsWhenTheyBecomeReady) {
  kube::testing::FakeClock clock;
  RecordingProvider metrics;
  PriorityQueue<std::string> q({.name = "p", .metrics_provider = &metrics, .clock = &clock});
  ASSERT_TRUE(clock.BlockUntilSleepers(1));  // the refresher
  q.AddAfter("a", seconds(1));
  EXPECT_EQ(metrics.Value("retries/p"), 1);
  EXPECT_EQ(metrics.Value("depth/p"), 0);
  ASSERT_TRUE(clock.BlockUntilSleepers(2));
  clock.Step(seconds(1));
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  EXPECT_EQ(metrics.Value("depth/p"), 1);
  EXPECT_EQ(metrics.Value("adds/p"), 1);
}

TEST(NoopMetricsProvider, CreatesMetricsThatDoNothing) {
  Queue<int> q({.metrics_provider = &NoopMetricsProvider()});
  q.Add(1);
  EXPECT_EQ(q.Get(), 1);
  q.Done(1);
}

}  // namespace
}  // namespace kube::workqueue
