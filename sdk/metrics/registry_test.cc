#include "kubecpp/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/metrics/internal/text_format.h"

namespace kube::metrics {
namespace {

TEST(FormatFloat, WritesNumbersAsGoStrconvShortestG) {
  struct Case {
    double value;
    const char* want;
  };
  const Case cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {2, "2"},
      {100, "100"},
      {123456, "123456"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {1e21, "1e+21"},
      {0.005, "0.005"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1e-8, "1e-08"},
      {2.5, "2.5"},
      {-1.5, "-1.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {9.999999999999999e-06, "9.999999999999999e-06"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(internal::FormatFloat(c.value), c.want) << c.want;
  }
}

TEST(FormatFloat, ExponentialBucketsPrintLikeControllerRuntime) {
  std::vector<std::string> got;
  for (double b : ExponentialBuckets(10e-9, 10, 12)) got.push_back(internal::FormatFloat(b));
  const std::vector<std::string> want = {"1e-08",
                                         "1e-07",
                                         "1e-06",
                                         "9.999999999999999e-06",
                                         "9.999999999999999e-05",
                                         "0.001",
                                         "0.01",
                                         "0.1",
                                         "1",
                                         "10",
                                         "100",
                                         "1000"};
  EXPECT_EQ(got, want);
}

TEST(MetricNames, FollowThePrometheusDataModel) {
  EXPECT_TRUE(internal::IsValidMetricName("workqueue_depth"));
  EXPECT_TRUE(internal::IsValidMetricName("ns:rule_name"));
  EXPECT_TRUE(internal::IsValidMetricName("_x1"));
  EXPECT_FALSE(internal::IsValidMetricName(""));
  EXPECT_FALSE(internal::IsValidMetricName("1abc"));
  EXPECT_FALSE(internal::IsValidMetricName("a-b"));
  EXPECT_TRUE(internal::IsValidLabelName("controller"));
  EXPECT_FALSE(internal::IsValidLabelName("a:b"));
  EXPECT_FALSE(internal::IsValidLabelName("9a"));
}

TEST(Registry, ExposesCountersWithEscapedHelpAndLabelValues) {
  Registry registry;
  auto vec = registry.NewCounterVec("requests_total", "Requests, with \\ and\nnewline.", {"path"});
  ASSERT_TRUE(vec.ok()) << vec.status();
  (*vec)->WithLabelValues("a\\b\"c\nd").Inc();
  EXPECT_EQ(registry.Expose(),
            "# HELP requests_total Requests, with \\\\ and\\nnewline.\n"
            "# TYPE requests_total counter\n"
            "requests_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(Registry, OrdersFamiliesByNameChildrenByValueAndLabelsByName) {
  Registry registry;
  auto b = registry.NewGaugeVec("b_gauge", "B.", {"zone", "app"});
  auto a = registry.NewCounterVec("a_total", "A.");
  ASSERT_TRUE(a.ok() && b.ok());
  (*b)->WithLabelValues("z2", "web").Set(3);
  (*b)->WithLabelValues("z1", "web").Set(-2.5);
  (*b)->WithLabelValues("z9", "api").Set(1e6);
  (*a)->WithLabelValues().Inc(2);
  EXPECT_EQ(registry.Expose(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 2\n"
            "# HELP b_gauge B.\n"
            "# TYPE b_gauge gauge\n"
            "b_gauge{app=\"api\",zone=\"z9\"} 1e+06\n"
            "b_gauge{app=\"web\",zone=\"z1\"} -2.5\n"
            "b_gauge{app=\"web\",zone=\"z2\"} 3\n");
}

TEST(Registry, ExposesHistogramsWithCumulativeBucketsSumAndCount) {
  Registry registry;
  auto h = registry.NewHistogramVec("latency_seconds", "Latency.", {"verb"}, {0.1, 1, 10});
  ASSERT_TRUE(h.ok()) << h.status();
  Histogram& get = (*h)->WithLabelValues("GET");
  get.Observe(0.05);
  get.Observe(0.1);  // upper bounds are inclusive
  get.Observe(0.5);
  get.Observe(20);
  EXPECT_EQ(get.SampleCount(), 4u);
  EXPECT_EQ(registry.Expose(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"1\"} 3\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"10\"} 3\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{verb=\"GET\"} 20.65\n"
            "latency_seconds_count{verb=\"GET\"} 4\n");
}

TEST(Registry, HistogramWithoutLabelsHasOnlyTheLeLabel) {
  Registry registry;
  auto h = registry.NewHistogramVec("x_seconds", "X.", {}, {1});
  ASSERT_TRUE(h.ok());
  (*h)->WithLabelValues().Observe(0.25);
  EXPECT_EQ(registry.Expose(),
            "# HELP x_seconds X.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"1\"} 1\n"
            "x_seconds_bucket{le=\"+Inf\"} 1\n"
            "x_seconds_sum 0.25\n"
            "x_seconds_count 1\n");
}

TEST(Registry, LeavesOutFamiliesWithoutChildren) {
  Registry registry;
  ASSERT_TRUE(registry.NewCounterVec("unused_total", "U.", {"a"}).ok());
  EXPECT_EQ(registry.Expose(), "");
}

TEST(Registry, RegisteringTheSameShapeTwiceReturnsTheSameFamily) {
  Registry registry;
  auto first = registry.NewCounterVec("x_total", "X.", {"a"});
  auto second = registry.NewCounterVec("x_total", "X.", {"a"});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  (*first)->WithLabelValues("v").Inc();
  EXPECT_EQ((*second)->WithLabelValues("v").Value(), 1);

  auto h1 = registry.NewHistogramVec("h_seconds", "H.", {"a"}, {1, 2});
  auto h2 = registry.NewHistogramVec("h_seconds", "H.", {"a"}, {1, 2, INFINITY});
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_EQ(*h1, *h2);
}

TEST(Registry, RegisteringAnotherShapeUnderATakenNameFails) {
  Registry registry;
  ASSERT_TRUE(registry.NewCounterVec("x_total", "X.", {"a"}).ok());
  ASSERT_TRUE(registry.NewHistogramVec("h_seconds", "H.", {"a"}, {1, 2}).ok());
  EXPECT_EQ(registry.NewGaugeVec("x_total", "X.", {"a"}).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(registry.NewCounterVec("x_total", "X.", {"b"}).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(registry.NewCounterVec("x_total", "Other help.", {"a"}).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(registry.NewHistogramVec("h_seconds", "H.", {"a"}, {1, 3}).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(registry.NewGaugeFunc("x_total", "X.", [] { return 1.0; }).code(),
            Code::kAlreadyExists);
}

TEST(Registry, RejectsInvalidNamesLabelsAndBuckets) {
  Registry registry;
  EXPECT_EQ(registry.NewCounterVec("bad-name", "B.").status().code(), Code::kInvalid);
  EXPECT_EQ(registry.NewCounterVec("ok_total", "B.", {"bad-label"}).status().code(),
            Code::kInvalid);
  EXPECT_EQ(registry.NewCounterVec("ok_total", "B.", {"__reserved"}).status().code(),
            Code::kInvalid);
  EXPECT_EQ(registry.NewCounterVec("ok_total", "B.", {"a", "a"}).status().code(), Code::kInvalid);
  EXPECT_EQ(registry.NewHistogramVec("h", "H.", {"le"}).status().code(), Code::kInvalid);
  EXPECT_EQ(registry.NewHistogramVec("h", "H.", {}, {1, 1}).status().code(), Code::kInvalid);
  EXPECT_EQ(registry.NewHistogramVec("h", "H.", {}, {2, 1}).status().code(), Code::kInvalid);
  EXPECT_EQ(registry.NewHistogramVec("h", "H.", {}, {NAN}).status().code(), Code::kInvalid);
  EXPECT_EQ(registry.Expose(), "");
}

TEST(Registry, HistogramWithoutBucketsUsesTheDefaultBuckets) {
  Registry registry;
  auto h = registry.NewHistogramVec("h_seconds", "H.", {});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)->buckets(), DefaultBuckets());
  EXPECT_EQ(DefaultBuckets(),
            (std::vector<double>{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}));
}

TEST(Registry, ChildReferencesStayValidAsChildrenAreAdded) {
  Registry registry;
  auto vec = registry.NewCounterVec("c_total", "C.", {"i"});
  ASSERT_TRUE(vec.ok());
  Counter& first = (*vec)->WithLabelValues("0");
  for (int i = 1; i < 1000; ++i) (*vec)->WithLabelValues(std::to_string(i)).Inc();
  first.Inc();
  EXPECT_EQ(&first, &(*vec)->WithLabelValues(std::string("0")));
  EXPECT_EQ(first.Value(), 1);
}

TEST(Counter, IgnoresNegativeIncrementsAndAddsFractions) {
  Counter c;
  c.Inc();
  c.Inc(2);
  c.Inc(0.5);
  c.Add(-3);
  c.Add(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(c.Value(), 3.5);
}

TEST(Gauge, SetsIncrementsAndDecrements) {
  Gauge g;
  g.Set(5);
  g.Inc();
  g.Dec();
  g.Dec();
  g.Add(0.5);
  g.Sub(2);
  EXPECT_DOUBLE_EQ(g.Value(), 2.5);
}

TEST(Registry, FunctionsAreEvaluatedAtExpose) {
  Registry registry;
  double leader = 0;
  ASSERT_TRUE(registry.NewGaugeFunc("is_leader", "Leader.", [&] { return leader; }).ok());
  ASSERT_TRUE(registry.NewCounterFunc("seen_total", "Seen.", [] { return 7.0; }).ok());
  EXPECT_EQ(registry.Expose(),
            "# HELP is_leader Leader.\n# TYPE is_leader gauge\nis_leader 0\n"
            "# HELP seen_total Seen.\n# TYPE seen_total counter\nseen_total 7\n");
  leader = 1;
  EXPECT_NE(registry.Expose().find("\nis_leader 1\n"), std::string::npos);
  // A function family is never shared.
  EXPECT_EQ(registry.NewGaugeFunc("is_leader", "Leader.", [] { return 0.0; }).code(),
            Code::kAlreadyExists);
}

TEST(Registry, AThrowingFunctionIsLeftOutOfTheScrape) {
  Registry registry;
  ASSERT_TRUE(
      registry.NewGaugeFunc("broken", "B.", []() -> double { throw std::runtime_error("boom"); })
          .ok());
  ASSERT_TRUE(registry.NewGaugeFunc("fine", "F.", [] { return 2.0; }).ok());
  EXPECT_EQ(registry.Expose(), "# HELP fine F.\n# TYPE fine gauge\nfine 2\n");
}

TEST(Registry, UnregisterStopsExposingAndKeepsChildrenUsable) {
  Registry registry;
  int calls = 0;
  ASSERT_TRUE(registry.NewGaugeFunc("f", "F.", [&] { return ++calls; }).ok());
  auto vec = registry.NewCounterVec("c_total", "C.");
  ASSERT_TRUE(vec.ok());
  Counter& c = (*vec)->WithLabelValues();
  EXPECT_TRUE(registry.Unregister("f"));
  EXPECT_TRUE(registry.Unregister("c_total"));
  EXPECT_FALSE(registry.Unregister("c_total"));
  c.Inc();  // still valid
  EXPECT_EQ(registry.Expose(), "");
  EXPECT_EQ(calls, 0);
  // The name can be registered again, with another shape.
  EXPECT_TRUE(registry.NewGaugeVec("c_total", "Now a gauge.").ok());
}

TEST(Registry, DefaultRegistryIsOneProcessWideInstance) {
  EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry());
}

TEST(Buckets, LinearAndExponentialHelpers) {
  EXPECT_EQ(LinearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
}

// Under TSan this also checks that recording, creating children and exposing may
// overlap.
TEST(Registry, ConcurrentIncrementsAreNotLost) {
  Registry registry;
  auto counters = registry.NewCounterVec("ops_total", "Ops.", {"worker"});
  auto shared = registry.NewCounterVec("shared_total", "Shared.");
  auto hist = registry.NewHistogramVec("op_seconds", "Op.", {}, {0.5});
  ASSERT_TRUE(counters.ok() && shared.ok() && hist.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  Counter& total = (*shared)->WithLabelValues();
  Histogram& h = (*hist)->WithLabelValues();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& mine = (*counters)->WithLabelValues(std::to_string(t));
      for (int i = 0; i < kPerThread; ++i) {
        total.Inc();
        mine.Inc();
        h.Observe(i % 2 == 0 ? 0.25 : 1.0);
        if (i % 1000 == 0) (*counters)->WithLabelValues("extra" + std::to_string(i)).Inc();
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(registry.Expose().empty());
  });
  for (auto& th : threads) th.join();
  scraper.join();
  EXPECT_EQ(total.Value(), kThreads * kPerThread);
  EXPECT_EQ(h.SampleCount(), uint64_t{kThreads * kPerThread});
  EXPECT_EQ(h.CumulativeCount(0), uint64_t{kThreads * kPerThread / 2});
  EXPECT_DOUBLE_EQ(h.SampleSum(), kThreads * (kPerThread / 2) * 1.25);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ((*counters)->WithLabelValues(std::to_string(t)).Value(), kPerThread);
  }
  EXPECT_EQ((*counters)->WithLabelValues("extra0").Value(), kThreads);
  const std::string text = registry.Expose();
  EXPECT_NE(text.find("\nshared_total 160000\n"), std::string::npos);
  EXPECT_NE(text.find("\nop_seconds_count 160000\n"), std::string::npos);
}

}  // namespace
}  // namespace kube::metrics
