// Registry: Prometheus metrics for a kubecpp process, exposed in the text format that
// the manager's /metrics endpoint serves (client_golang's model, in C++).
//
// A Registry holds metric *families*, each a name, a help text, label names and a type:
// CounterVec, GaugeVec or HistogramVec (with bucket bounds), or a counter / gauge
// *function* whose value is computed when scraped. A family hands out one child per
// combination of label values through WithLabelValues; the child (Counter, Gauge,
// Histogram) is where values are recorded. Children are never removed: a reference to
// one stays valid for the life of the registry, so the hot path (a reconcile, a queue
// operation) caches it once and then costs one atomic operation per update:
//
//   auto total = registry.NewCounterVec("jobs_total", "Jobs run.", {"queue", "result"});
//   if (!total) return total.error();
//   kube::metrics::Counter& ok = (*total)->WithLabelValues("fast", "ok");  // cache this
//   ok.Inc();
//
// Registering a name that exists with the same type, help, labels and buckets returns
// the existing family (so independent components can share controller-runtime's
// names); any difference is an error. DefaultRegistry() is the process-wide registry
// (controller-runtime's metrics.Registry); tests make their own Registry.
//
// Expose() renders Prometheus text format 0.0.4 exactly as client_golang does: families
// sorted by name, each with # HELP and # TYPE, children sorted by label values, label
// names in alphabetical order, histograms as cumulative _bucket{le=...} lines ending
// with +Inf, then _sum and _count, numbers formatted like Go's strconv 'g' (1, 0.005,
// 1e-08, 1e+06, +Inf, NaN). Families without children are left out.
//
// Thread-safety: thread-safe. Counter, Gauge and Histogram updates are lock-free
// (atomics); WithLabelValues takes a shared lock (an exclusive one the first time a
// label combination is seen); Expose may run concurrently with everything.
#ifndef KUBECPP_METRICS_REGISTRY_H_
#define KUBECPP_METRICS_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"

namespace kube::metrics {

namespace internal {
class Family;
}  // namespace internal

// A monotonically increasing value (a Prometheus counter).
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds one.
  void Inc() noexcept { whole_.fetch_add(1, std::memory_order_relaxed); }
  // Adds `delta`. Negative or NaN deltas are ignored (a counter never goes down;
  // client_golang panics instead).
  void Inc(double delta) noexcept;
  void Add(double delta) noexcept { Inc(delta); }
  double Value() const noexcept;

 private:
  std::atomic<uint64_t> whole_{0};     // whole-number increments (the common case)
  std::atomic<double> fraction_{0.0};  // everything else
};

// A value that goes up and down (a Prometheus gauge).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void Inc() noexcept { Add(1.0); }
  void Dec() noexcept { Add(-1.0); }
  void Add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Sub(double delta) noexcept { Add(-delta); }
  double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets (a Prometheus histogram), usually seconds.
class Histogram {
 public:
  // `upper_bounds` must outlive the histogram (its family owns them).
  explicit Histogram(std::span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose upper bound is >= value (+Inf otherwise)
  // and adds it to the sum.
  void Observe(double value) noexcept;

  uint64_t SampleCount() const noexcept;
  double SampleSum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  // Cumulative count of bucket `i` (i == bounds().size() is +Inf).
  uint64_t CumulativeCount(size_t i) const noexcept;
  std::span<const double> bounds() const noexcept { return bounds_; }

 private:
  friend class internal::Family;

  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, plus +Inf; not cumulative
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// The shared core of the three Vec types (not used directly).
template <typename Child>
class MetricVec {
 public:
  MetricVec(const MetricVec&) = delete;
  MetricVec& operator=(const MetricVec&) = delete;

  // The child for these label values, created (at zero) on first use. Values are given
  // in the order of the family's label names. The reference is valid for the life of
  // the registry; cache it on hot paths. REQUIRES: as many values as label names.
  template <typename... Values>
  Child& WithLabelValues(const Values&... values) {
    const std::array<std::string_view, sizeof...(Values)> array{std::string_view(values)...};
    return Get(array);
  }
  Child& Get(std::span<const std::string_view> values);

  const std::string& name() const;
  const std::vector<std::string>& label_names() const;

 protected:
  explicit MetricVec(internal::Family& family) : family_(family) {}
  internal::Family& family_;
};

class CounterVec : public MetricVec<Counter> {
 public:
  explicit CounterVec(internal::Family& family) : MetricVec(family) {}
};
class GaugeVec : public MetricVec<Gauge> {
 public:
  explicit GaugeVec(internal::Family& family) : MetricVec(family) {}
};
class HistogramVec : public MetricVec<Histogram> {
 public:
  explicit HistogramVec(internal::Family& family) : MetricVec(family) {}
  const std::vector<double>& buckets() const;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family, or returns the existing one of that name when type, help,
  // label names (and buckets) are equal. The family is owned by the registry and lives
  // as long as it. Errors: kInvalid for a name not matching [a-zA-Z_:][a-zA-Z0-9_:]*, a
  // label name not matching [a-zA-Z_][a-zA-Z0-9_]* or starting with "__", duplicate
  // label names, "le" as a histogram label, buckets not strictly increasing or NaN;
  // kAlreadyExists when the name is taken by a family of another shape.
  [[nodiscard]] Result<CounterVec*> NewCounterVec(std::string_view name, std::string_view help,
                                                  std::vector<std::string> label_names = {});
  [[nodiscard]] Result<GaugeVec*> NewGaugeVec(std::string_view name, std::string_view help,
                                              std::vector<std::string> label_names = {});
  // `buckets`: upper bounds in increasing order; a trailing +Inf is dropped (it is
  // always implied); empty means DefaultBuckets().
  [[nodiscard]] Result<HistogramVec*> NewHistogramVec(std::string_view name, std::string_view help,
                                                      std::vector<std::string> label_names,
                                                      std::vector<double> buckets = {});

  // A counter or gauge without labels whose value is `fn()` at each Expose (e.g. the
  // leader status, a cache size). `fn` runs on the scraping thread and must not call
  // into this registry. Errors: as above, and kAlreadyExists when the name is taken
  // (a function family is never shared). REQUIRES: fn is callable.
  [[nodiscard]] Status NewCounterFunc(std::string_view name, std::string_view help,
                                      std::function<double()> fn);
  [[nodiscard]] Status NewGaugeFunc(std::string_view name, std::string_view help,
                                    std::function<double()> fn);

  // Stops exposing the family `name`; returns false when there is none. References to
  // its children stay valid (they are kept, unexposed, until the registry dies); a
  // function family's function is destroyed and, once Unregister returns, not running
  // and never called again. The name may then be registered anew.
  bool Unregister(std::string_view name);

  // The text exposition (format 0.0.4) of every family with at least one child.
  std::string Expose() const;

 private:
  Result<internal::Family*> Register(std::unique_ptr<internal::Family> family);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<internal::Family>, std::less<>>
      families_;                                            // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<internal::Family>> retired_;  // GUARDED_BY(mu_)
};

// The process-wide registry the SDK's components register into by default (like
// controller-runtime's metrics.Registry). Never destroyed.
Registry& DefaultRegistry();

// client_golang's DefBuckets: .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10.
std::vector<double> DefaultBuckets();
// `count` buckets: start, start*factor, start*factor^2, ... computed by repeated
// multiplication as client_golang does (so the bounds print identically).
// REQUIRES: count >= 1, start > 0, factor > 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// `count` buckets: start, start+width, ... REQUIRES: count >= 1, width > 0.
std::vector<double> LinearBuckets(double start, double width, int count);

}  // namespace kube::metrics

#endif  // KUBECPP_METRICS_REGISTRY_H_
