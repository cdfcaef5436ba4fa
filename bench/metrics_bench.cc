// Micro benchmarks of the metrics hot path: cached-child updates, label lookups and a
// scrape. Run by hand: build/<dir>/bench/metrics_bench
#include <benchmark/benchmark.h>

#include <string>

#include "kubecpp/metrics/registry.h"

namespace kube::metrics {
namespace {

void BM_CounterInc(benchmark::State& state) {
  static Registry registry;
  static Counter& counter =
      (*registry.NewCounterVec("bench_total", "B.", {"controller"}))->WithLabelValues("c");
  for (auto _ : state) counter.Inc();
}
BENCHMARK(BM_CounterInc)->ThreadRange(1, 8)->UseRealTime();

void BM_GaugeAdd(benchmark::State& state) {
  static Registry registry;
  static Gauge& gauge = (*registry.NewGaugeVec("bench_gauge", "B."))->WithLabelValues();
  for (auto _ : state) gauge.Add(1);
}
BENCHMARK(BM_GaugeAdd)->ThreadRange(1, 8)->UseRealTime();

void BM_HistogramObserve(benchmark::State& state) {
  static Registry registry;
  static Histogram& histogram = (*registry.NewHistogramVec("bench_seconds", "B.", {"controller"},
                                                           ExponentialBuckets(10e-9, 10, 12)))
                                    ->WithLabelValues("c");
  double v = 0.0001;
  for (auto _ : state) {
    histogram.Observe(v);
    v = v < 100 ? v * 1.7 : 0.0001;
  }
}
BENCHMARK(BM_HistogramObserve)->ThreadRange(1, 8)->UseRealTime();

void BM_WithLabelValuesExisting(benchmark::State& state) {
  static Registry registry;
  static CounterVec* vec =
      *registry.NewCounterVec("bench_lookup_total", "B.", {"code", "method", "host"});
  for (auto _ : state) vec->WithLabelValues("200", "GET", "10.0.0.1:6443").Inc();
}
BENCHMARK(BM_WithLabelValuesExisting)->ThreadRange(1, 8)->UseRealTime();

void BM_Expose100Series(benchmark::State& state) {
  Registry registry;
  auto vec = registry.NewHistogramVec("bench_scrape_seconds", "B.", {"controller"});
  for (int i = 0; i < 100; ++i) (*vec)->WithLabelValues("c" + std::to_string(i)).Observe(0.1);
  for (auto _ : state) benchmark::DoNotOptimize(registry.Expose());
}
BENCHMARK(BM_Expose100Series);

}  // namespace
}  // namespace kube::metrics

BENCHMARK_MAIN();
