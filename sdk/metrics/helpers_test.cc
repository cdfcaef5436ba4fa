// Tests of the controller-runtime / client-go series: workqueue provider, controller,
// REST client and leader-election metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "kubecpp/metrics/controller_metrics.h"
#include "kubecpp/metrics/leader_election_metrics.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/metrics/rest_client_metrics.h"
#include "kubecpp/metrics/workqueue_metrics.h"
#include "kubecpp/testing/fake_clock.h"
#include "kubecpp/workqueue/queue.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace kube::metrics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// True when `text` has `line` as a whole line.
bool HasLine(const std::string& text, std::string_view line) {
  size_t pos = 0;
  while ((pos = text.find(line, pos)) != std::string::npos) {
    const bool starts = pos == 0 || text[pos - 1] == '\n';
    const bool ends = pos + line.size() < text.size() && text[pos + line.size()] == '\n';
    if (starts && ends) return true;
    pos += 1;
  }
  return false;
}

#define EXPECT_LINE(text, line) \
  EXPECT_TRUE(HasLine(text, line)) << "missing: " << (line) << "\nin:\n" << (text)

TEST(WorkqueueMetrics, NewQueueExposesControllerRuntimeSeriesAtZero) {
  Registry registry;
  auto provider = NewWorkqueueMetricsProvider(registry);
  testing::FakeClock clock;
  workqueue::Queue<std::string> queue(
      {.name = "pods", .metrics_provider = provider.get(), .clock = &clock});
  const std::string text = registry.Expose();
  EXPECT_LINE(text, "# HELP workqueue_adds_total Total number of adds handled by workqueue");
  EXPECT_LINE(text, "# TYPE workqueue_adds_total counter");
  EXPECT_LINE(text, "workqueue_adds_total{controller=\"pods\",name=\"pods\"} 0");
  EXPECT_LINE(text, "# HELP workqueue_depth Current depth of workqueue by workqueue and priority");
  EXPECT_LINE(text, "# TYPE workqueue_depth gauge");
  EXPECT_LINE(text, "workqueue_depth{controller=\"pods\",name=\"pods\",priority=\"\"} 0");
  EXPECT_LINE(text,
              "# HELP workqueue_longest_running_processor_seconds How many seconds has the "
              "longest running processor for workqueue been running.");
  EXPECT_LINE(text,
              "workqueue_longest_running_processor_seconds{controller=\"pods\",name=\"pods\"} 0");
  EXPECT_LINE(text,
              "# HELP workqueue_queue_duration_seconds How long in seconds an item stays in "
              "workqueue before being requested");
  EXPECT_LINE(text, "# TYPE workqueue_queue_duration_seconds histogram");
  for (const char* le :
       {"1e-08", "1e-07", "1e-06", "9.999999999999999e-06", "9.999999999999999e-05", "0.001",
        "0.01", "0.1", "1", "10", "100", "1000", "+Inf"}) {
    EXPECT_LINE(text,
                "workqueue_queue_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"" +
                    std::string(le) + "\"} 0");
    EXPECT_LINE(text,
                "workqueue_work_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"" +
                    std::string(le) + "\"} 0");
  }
  EXPECT_LINE(text,
              "# HELP workqueue_work_duration_seconds How long in seconds processing an item "
              "from workqueue takes.");
  EXPECT_LINE(text, "workqueue_retries_total{controller=\"pods\",name=\"pods\"} 0");
  EXPECT_LINE(text, "# HELP workqueue_retries_total Total number of retries handled by workqueue");
  EXPECT_LINE(text, "workqueue_unfinished_work_seconds{controller=\"pods\",name=\"pods\"} 0");
  EXPECT_LINE(text,
              "# HELP workqueue_unfinished_work_seconds How many seconds of work has been done "
              "that is in progress and hasn't been observed by work_duration. Large values "
              "indicate stuck threads. One can deduce the number of stuck threads by observing "
              "the rate at which this increases.");
  queue.ShutDown();
}

TEST(WorkqueueMetrics, RecordsDepthAddsLatencyWorkAndUnfinishedWork) {
  Registry registry;
  auto provider = NewWorkqueueMetricsProvider(registry);
  testing::FakeClock clock;
  workqueue::Queue<std::string> queue(
      {.name = "pods", .metrics_provider = provider.get(), .clock = &clock});
  // The queue's unfinished-work updater sleeps on the clock; wait for it so every
  // Step below is seen by it.
  ASSERT_TRUE(clock.BlockUntilSleepers(1));

  queue.Add("a");
  queue.Add("b");
  queue.Add("a");  // deduplicated: not counted
  std::string text = registry.Expose();
  EXPECT_LINE(text, "workqueue_adds_total{controller=\"pods\",name=\"pods\"} 2");
  EXPECT_LINE(text, "workqueue_depth{controller=\"pods\",name=\"pods\",priority=\"\"} 2");

  clock.Step(seconds(2));
  ASSERT_TRUE(clock.BlockUntilSleepers(1));
  auto item = queue.Get();
  ASSERT_EQ(item, "a");
  clock.Step(seconds(3));                    // "a" has been processing for 3 s
  ASSERT_TRUE(clock.BlockUntilSleepers(1));  // the updater ran and sleeps again
  text = registry.Expose();
  EXPECT_LINE(text, "workqueue_depth{controller=\"pods\",name=\"pods\",priority=\"\"} 1");
  EXPECT_LINE(
      text,
      "workqueue_queue_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"1\"} 0");
  EXPECT_LINE(
      text,
      "workqueue_queue_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"10\"} 1");
  EXPECT_LINE(text, "workqueue_queue_duration_seconds_sum{controller=\"pods\",name=\"pods\"} 2");
  EXPECT_LINE(text, "workqueue_queue_duration_seconds_count{controller=\"pods\",name=\"pods\"} 1");
  EXPECT_LINE(text, "workqueue_unfinished_work_seconds{controller=\"pods\",name=\"pods\"} 3");
  EXPECT_LINE(text,
              "workqueue_longest_running_processor_seconds{controller=\"pods\",name=\"pods\"} 3");

  queue.Done(*item);
  text = registry.Expose();
  EXPECT_LINE(
      text, "workqueue_work_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"1\"} 0");
  EXPECT_LINE(
      text,
      "workqueue_work_duration_seconds_bucket{controller=\"pods\",name=\"pods\",le=\"10\"} 1");
  EXPECT_LINE(text, "workqueue_work_duration_seconds_sum{controller=\"pods\",name=\"pods\"} 3");
  queue.ShutDown();
}

TEST(WorkqueueMetrics, RateLimitedAddsCountRetries) {
  Registry registry;
  auto provider = NewWorkqueueMetricsProvider(registry);
  testing::FakeClock clock;
  workqueue::RateLimitingQueue<std::string> queue(
      nullptr, {.name = "deploys", .metrics_provider = provider.get(), .clock = &clock});
  queue.AddRateLimited("x");
  queue.AddRateLimited("x");
  EXPECT_LINE(registry.Expose(),
              "workqueue_retries_total{controller=\"deploys\",name=\"deploys\"} 2");
  queue.ShutDown();
}

TEST(WorkqueueMetrics, ConflictingFamilyIsNotRecordedButOthersAre) {
  Registry registry;
  ASSERT_TRUE(registry.NewGaugeVec("workqueue_adds_total", "Someone else's.").ok());
  auto provider = NewWorkqueueMetricsProvider(registry);
  EXPECT_EQ(provider->NewAddsMetric("q"), nullptr);
  auto retries = provider->NewRetriesMetric("q");
  ASSERT_NE(retries, nullptr);
  retries->Inc();
  EXPECT_LINE(registry.Expose(), "workqueue_retries_total{controller=\"q\",name=\"q\"} 1");
}

TEST(ControllerMetrics, CreatesEverySeriesAtZero) {
  Registry registry;
  ControllerMetrics metrics("pod-reconciler", registry);
  const std::string text = registry.Expose();
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"pod-reconciler\",result=\"" +
                          std::string(result) + "\"} 0");
  }
  EXPECT_LINE(text, "controller_runtime_reconcile_errors_total{controller=\"pod-reconciler\"} 0");
  EXPECT_LINE(
      text, "controller_runtime_terminal_reconcile_errors_total{controller=\"pod-reconciler\"} 0");
  EXPECT_LINE(text, "controller_runtime_reconcile_panics_total{controller=\"pod-reconciler\"} 0");
  EXPECT_LINE(text,
              "controller_runtime_max_concurrent_reconciles{controller=\"pod-reconciler\"} 0");
  EXPECT_LINE(text, "controller_runtime_active_workers{controller=\"pod-reconciler\"} 0");
  EXPECT_LINE(
      text,
      "# HELP controller_runtime_reconcile_total Total number of reconciliations per controller");
  EXPECT_LINE(text,
              "# HELP controller_runtime_reconcile_time_seconds Length of time per reconciliation "
              "per controller");
  EXPECT_LINE(text, "# TYPE controller_runtime_reconcile_time_seconds histogram");
  EXPECT_EQ(ReconcileTimeBuckets().size(), 40u);
  EXPECT_EQ(ReconcileTimeBuckets().front(), 0.005);
  EXPECT_EQ(ReconcileTimeBuckets().back(), 60);
}

TEST(ControllerMetrics, CountsOutcomesAsControllerRuntimeDoes) {
  Registry registry;
  ControllerMetrics metrics("c", registry);
  metrics.RecordReconcile(ReconcileOutcome::kSuccess, milliseconds(20));
  metrics.RecordReconcile(ReconcileOutcome::kSuccess, milliseconds(30));
  metrics.RecordReconcile(ReconcileOutcome::kRequeue, milliseconds(1));
  metrics.RecordReconcile(ReconcileOutcome::kRequeueAfter, milliseconds(1));
  metrics.RecordReconcile(ReconcileOutcome::kError, milliseconds(1));
  metrics.RecordReconcile(ReconcileOutcome::kTerminalError, milliseconds(1));
  metrics.RecordReconcile(ReconcileOutcome::kPanic, seconds(90));
  metrics.SetMaxConcurrentReconciles(4);
  metrics.AddActiveWorkers(1);
  metrics.AddActiveWorkers(1);
  metrics.AddActiveWorkers(-1);
  const std::string text = registry.Expose();
  EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"c\",result=\"success\"} 2");
  EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"c\",result=\"requeue\"} 1");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_total{controller=\"c\",result=\"requeue_after\"} 1");
  EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"c\",result=\"error\"} 3");
  EXPECT_LINE(text, "controller_runtime_reconcile_errors_total{controller=\"c\"} 3");
  EXPECT_LINE(text, "controller_runtime_terminal_reconcile_errors_total{controller=\"c\"} 1");
  EXPECT_LINE(text, "controller_runtime_reconcile_panics_total{controller=\"c\"} 1");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"0.005\"} 4");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"0.025\"} 5");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"0.05\"} 6");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"60\"} 6");
  EXPECT_LINE(text,
              "controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"+Inf\"} 7");
  EXPECT_LINE(text, "controller_runtime_reconcile_time_seconds_count{controller=\"c\"} 7");
  EXPECT_LINE(text, "controller_runtime_max_concurrent_reconciles{controller=\"c\"} 4");
  EXPECT_LINE(text, "controller_runtime_active_workers{controller=\"c\"} 1");
}

TEST(ControllerMetrics, TwoControllersShareTheFamilies) {
  Registry registry;
  ControllerMetrics a("a", registry);
  ControllerMetrics b("b", registry);
  b.RecordReconcile(ReconcileOutcome::kSuccess, milliseconds(1));
  const std::string text = registry.Expose();
  EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"a\",result=\"success\"} 0");
  EXPECT_LINE(text, "controller_runtime_reconcile_total{controller=\"b\",result=\"success\"} 1");
  EXPECT_LT(text.find("controller=\"a\",result=\"success\""),
            text.find("controller=\"b\",result=\"success\""));
}

TEST(RestClientMetrics, CountsRequestsByCodeHostAndMethod) {
  Registry registry;
  RestClientMetrics metrics(registry);
  metrics.Observe("GET", "10.0.0.1:6443", 200, 0.02);
  metrics.Observe("GET", "10.0.0.1:6443", 200, 0.2);
  metrics.Observe("PUT", "10.0.0.1:6443", 409, 0.01);
  metrics.Observe("GET", "10.0.0.1:6443", 0, 30);  // no response
  const std::string text = registry.Expose();
  EXPECT_LINE(text,
              "# HELP rest_client_requests_total Number of HTTP requests, partitioned by status "
              "code, method, and host.");
  EXPECT_LINE(text,
              "rest_client_requests_total{code=\"200\",host=\"10.0.0.1:6443\",method=\"GET\"} 2");
  EXPECT_LINE(text,
              "rest_client_requests_total{code=\"409\",host=\"10.0.0.1:6443\",method=\"PUT\"} 1");
  EXPECT_LINE(
      text, "rest_client_requests_total{code=\"<error>\",host=\"10.0.0.1:6443\",method=\"GET\"} 1");
  EXPECT_LINE(text,
              "rest_client_request_duration_seconds_bucket{host=\"10.0.0.1:6443\",verb=\"GET\",le="
              "\"0.025\"} 1");
  EXPECT_LINE(text,
              "rest_client_request_duration_seconds_bucket{host=\"10.0.0.1:6443\",verb=\"GET\",le="
              "\"0.25\"} 2");
  EXPECT_LINE(text,
              "rest_client_request_duration_seconds_bucket{host=\"10.0.0.1:6443\",verb=\"GET\",le="
              "\"30\"} 3");
  EXPECT_LINE(text,
              "rest_client_request_duration_seconds_count{host=\"10.0.0.1:6443\",verb=\"PUT\"} 1");
  // Children sort byte-wise by label value, as in client_golang.
  EXPECT_LT(text.find("code=\"200\""), text.find("code=\"409\""));
  EXPECT_LT(text.find("code=\"409\""), text.find("code=\"<error>\""));
}

TEST(LeaderElectionMetrics, SetsMasterStatusPerLease) {
  Registry registry;
  SetLeaderStatus(registry, "my-operator-lock", true);
  SetLeaderStatus(registry, "other-lock", false);
  std::string text = registry.Expose();
  EXPECT_LINE(text, "# TYPE leader_election_master_status gauge");
  EXPECT_LINE(text, "leader_election_master_status{name=\"my-operator-lock\"} 1");
  EXPECT_LINE(text, "leader_election_master_status{name=\"other-lock\"} 0");
  SetLeaderStatus(registry, "my-operator-lock", false);
  EXPECT_LINE(registry.Expose(), "leader_election_master_status{name=\"my-operator-lock\"} 0");
}

}  // namespace
}  // namespace kube::metrics
