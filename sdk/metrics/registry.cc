#include "kubecpp/metrics/registry.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <utility>

#include "kubecpp/metrics/internal/text_format.h"

namespace kube::metrics {

// ---- Counter, Histogram ------------------------------------------------------------

void Counter::Inc(double delta) noexcept {
  if (!(delta >= 0)) return;  // negative or NaN
  // Whole numbers below 2^53 go to the integer cell, which is exact and cheaper.
  if (delta < 9007199254740992.0 && delta == std::floor(delta)) {
    whole_.fetch_add(static_cast<uint64_t>(delta), std::memory_order_relaxed);
  } else {
    fraction_.fetch_add(delta, std::memory_order_relaxed);
  }
}

double Counter::Value() const noexcept {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         fraction_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::Observe(double value) noexcept {
  size_t i = bounds_.size();  // NaN lands in +Inf, as in client_golang
  if (!std::isnan(value)) {
    i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                            bounds_.begin());
  }
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

uint64_t Histogram::SampleCount() const noexcept { return CumulativeCount(bounds_.size()); }

uint64_t Histogram::CumulativeCount(size_t i) const noexcept {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b) {
    total += counts_[b].load(std::memory_order_relaxed);
  }
  return total;
}

// ---- Family ------------------------------------------------------------------------

namespace internal {
namespace {

// Orders label-value tuples; transparent so lookups need no std::string copies.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

class Family {
 public:
  Family(MetricType type, std::string_view name, std::string_view help,
         std::vector<std::string> label_names, std::vector<double> buckets,
         std::function<double()> fn)
      : type_(type),
        function_(static_cast<bool>(fn)),
        name_(name),
        help_(help),
        label_names_(std::move(label_names)),
        buckets_(std::move(buckets)),
        fn_(std::move(fn)) {
    label_order_.resize(label_names_.size());
    std::iota(label_order_.begin(), label_order_.end(), size_t{0});
    std::sort(label_order_.begin(), label_order_.end(),
              [this](size_t a, size_t b) { return label_names_[a] < label_names_[b]; });
  }

  bool SameShape(const Family& other) const {
    return !function_ && !other.function_ && type_ == other.type_ && help_ == other.help_ &&
           label_names_ == other.label_names_ && buckets_ == other.buckets_;
  }

  template <typename Child>
  Child& Get(std::span<const std::string_view> values) {
    assert(values.size() == label_names_.size() && "wrong number of label values");
    // Without asserts, missing values are "" and extra ones are ignored.
    std::vector<std::string_view> fixed;
    if (values.size() != label_names_.size()) {
      fixed.assign(label_names_.size(), std::string_view());
      std::copy_n(values.begin(), std::min(values.size(), fixed.size()), fixed.begin());
      values = fixed;
    }
    {
      std::shared_lock lock(mu_);
      if (auto it = children_.find(values); it != children_.end()) {
        return ChildOf<Child>(it->second);
      }
    }
    std::unique_lock lock(mu_);
    auto [it, inserted] =
        children_.try_emplace(std::vector<std::string>(values.begin(), values.end()));
    if (inserted) {
      switch (type_) {
        case MetricType::kCounter:
          it->second.counter = std::make_unique<Counter>();
          break;
        case MetricType::kGauge:
          it->second.gauge = std::make_unique<Gauge>();
          break;
        case MetricType::kHistogram:
          it->second.histogram = std::make_unique<Histogram>(buckets_);
          break;
      }
    }
    return ChildOf<Child>(it->second);
  }

  // Appends this family's exposition; nothing when it has no sample.
  void AppendTo(std::string& out) const {
    if (function_) {
      std::optional<double> value;
      {
        std::lock_guard lock(fn_mu_);
        if (!fn_) return;  // unregistered meanwhile
        try {
          value = fn_();
        } catch (...) {  // a scrape must not fail because one function threw
          return;
        }
      }
      AppendHeader(out);
      out += name_;
      out += ' ';
      AppendFloat(out, *value);
      out += '\n';
      return;
    }

    std::vector<std::pair<const std::vector<std::string>*, const Entry*>> children;
    {
      std::shared_lock lock(mu_);
      children.reserve(children_.size());
      for (const auto& [values, entry] : children_) children.emplace_back(&values, &entry);
    }
    if (children.empty()) return;
    if (!std::is_sorted(label_order_.begin(), label_order_.end())) {
      // The map is ordered by declared label order; exposition orders by label name.
      std::sort(children.begin(), children.end(), [this](const auto& a, const auto& b) {
        for (size_t i : label_order_) {
          if ((*a.first)[i] != (*b.first)[i]) return (*a.first)[i] < (*b.first)[i];
        }
        return false;
      });
    }

    AppendHeader(out);
    std::string labels;  // `l1="v1",l2="v2"` in label-name order
    for (const auto& [values, entry] : children) {
      labels.clear();
      for (size_t i : label_order_) {
        if (!labels.empty()) labels += ',';
        labels += label_names_[i];
        labels += "=\"";
        AppendEscapedLabelValue(labels, (*values)[i]);
        labels += '"';
      }
      switch (type_) {
        case MetricType::kCounter:
          AppendSample(out, "", labels, entry->counter->Value());
          break;
        case MetricType::kGauge:
          AppendSample(out, "", labels, entry->gauge->Value());
          break;
        case MetricType::kHistogram:
          AppendHistogram(out, labels, *entry->histogram);
          break;
      }
    }
  }

  // Drops the function of a function family, waiting for a running call to end.
  void Retire() {
    std::function<double()> fn;
    {
      std::lock_guard lock(fn_mu_);
      fn.swap(fn_);
    }
  }

  MetricType type() const { return type_; }
  bool function() const { return function_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& buckets() const { return buckets_; }

  CounterVec& counter_vec() { return counter_vec_; }
  GaugeVec& gauge_vec() { return gauge_vec_; }
  HistogramVec& histogram_vec() { return histogram_vec_; }

 private:
  struct Entry {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };

  template <typename Child>
  Child& ChildOf(Entry& entry) {
    if constexpr (std::is_same_v<Child, Counter>) {
      return *entry.counter;
    } else if constexpr (std::is_same_v<Child, Gauge>) {
      return *entry.gauge;
    } else {
      return *entry.histogram;
    }
  }

  void AppendHeader(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    AppendEscapedHelp(out, help_);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += TypeName(type_);
    out += '\n';
  }

  void AppendSample(std::string& out, std::string_view suffix, std::string_view labels,
                    double value) const {
    out += name_;
    out += suffix;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    AppendFloat(out, value);
    out += '\n';
  }

  void AppendHistogram(std::string& out, std::string_view labels, const Histogram& h) const {
    // One pass over the bucket cells so _count equals the +Inf bucket.
    uint64_t cumulative = 0;
    std::string bucket_labels(labels);
    if (!bucket_labels.empty()) bucket_labels += ',';
    const size_t prefix = bucket_labels.size();
    for (size_t i = 0; i <= buckets_.size(); ++i) {
      cumulative += h.counts_[i].load(std::memory_order_relaxed);
      bucket_labels.resize(prefix);
      bucket_labels += "le=\"";
      AppendFloat(bucket_labels, i < buckets_.size() ? buckets_[i] : INFINITY);
      bucket_labels += '"';
      AppendSample(out, "_bucket", bucket_labels, static_cast<double>(cumulative));
    }
    AppendSample(out, "_sum", labels, h.SampleSum());
    AppendSample(out, "_count", labels, static_cast<double>(cumulative));
  }

  const MetricType type_;
  const bool function_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;
  std::vector<size_t> label_order_;  // indices into label_names_, by name

  CounterVec counter_vec_{*this};
  GaugeVec gauge_vec_{*this};
  HistogramVec histogram_vec_{*this};

  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, Entry, LabelValuesLess> children_;  // GUARDED_BY(mu_)

  mutable std::mutex fn_mu_;
  std::function<double()> fn_;  // GUARDED_BY(fn_mu_)
};

}  // namespace internal

// ---- MetricVec ---------------------------------------------------------------------

template <typename Child>
Child& MetricVec<Child>::Get(std::span<const std::string_view> values) {
  return family_.Get<Child>(values);
}
template <typename Child>
const std::string& MetricVec<Child>::name() const {
  return family_.name();
}
template <typename Child>
const std::vector<std::string>& MetricVec<Child>::label_names() const {
  return family_.label_names();
}
template class MetricVec<Counter>;
template class MetricVec<Gauge>;
template class MetricVec<Histogram>;

const std::vector<double>& HistogramVec::buckets() const { return family_.buckets(); }

// ---- Registry ----------------------------------------------------------------------

namespace {

Status CheckNames(std::string_view name, const std::vector<std::string>& label_names,
                  MetricType type) {
  if (!internal::IsValidMetricName(name)) {
    return InvalidError("metrics: invalid metric name \"" + std::string(name) +
                        "\": must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  std::set<std::string_view> seen;
  for (const std::string& label : label_names) {
    if (!internal::IsValidLabelName(label) || label.starts_with("__")) {
      return InvalidError("metrics: " + std::string(name) + ": invalid label name \"" + label +
                          "\": must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
    }
    if (type == MetricType::kHistogram && label == "le") {
      return InvalidError("metrics: " + std::string(name) + ": \"le\" is reserved in histograms");
    }
    if (!seen.insert(label).second) {
      return InvalidError("metrics: " + std::string(name) + ": duplicate label name \"" + label +
                          "\"");
    }
  }
  return Status();
}

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

Result<internal::Family*> Registry::Register(std::unique_ptr<internal::Family> family) {
  std::unique_lock lock(mu_);
  auto it = families_.find(family->name());
  if (it != families_.end()) {
    if (it->second->SameShape(*family)) return it->second.get();
    return AlreadyExistsError("metrics: \"" + family->name() +
                              "\" is already registered with a different type, help, label "
                              "names or buckets");
  }
  internal::Family* raw = family.get();
  families_.emplace(family->name(), std::move(family));
  return raw;
}

Result<CounterVec*> Registry::NewCounterVec(std::string_view name, std::string_view help,
                                            std::vector<std::string> label_names) {
  KUBE_RETURN_IF_ERROR(CheckNames(name, label_names, MetricType::kCounter));
  auto family = Register(std::make_unique<internal::Family>(
      MetricType::kCounter, name, help, std::move(label_names), std::vector<double>{}, nullptr));
  if (!family) return family.error();
  return &(*family)->counter_vec();
}

Result<GaugeVec*> Registry::NewGaugeVec(std::string_view name, std::string_view help,
                                        std::vector<std::string> label_names) {
  KUBE_RETURN_IF_ERROR(CheckNames(name, label_names, MetricType::kGauge));
  auto family = Register(std::make_unique<internal::Family>(
      MetricType::kGauge, name, help, std::move(label_names), std::vector<double>{}, nullptr));
  if (!family) return family.error();
  return &(*family)->gauge_vec();
}

Result<HistogramVec*> Registry::NewHistogramVec(std::string_view name, std::string_view help,
                                                std::vector<std::string> label_names,
                                                std::vector<double> buckets) {
  KUBE_RETURN_IF_ERROR(CheckNames(name, label_names, MetricType::kHistogram));
  if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
  if (buckets.empty()) buckets = DefaultBuckets();
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (std::isnan(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
      return InvalidError("metrics: " + std::string(name) +
                          ": histogram buckets must be in strictly increasing order");
    }
  }
  auto family = Register(std::make_unique<internal::Family>(
      MetricType::kHistogram, name, help, std::move(label_names), std::move(buckets), nullptr));
  if (!family) return family.error();
  return &(*family)->histogram_vec();
}

Status Registry::NewCounterFunc(std::string_view name, std::string_view help,
                                std::function<double()> fn) {
  assert(fn && "NewCounterFunc needs a function");
  if (!fn) return InvalidError("metrics: " + std::string(name) + ": no function given");
  KUBE_RETURN_IF_ERROR(CheckNames(name, {}, MetricType::kCounter));
  return Register(std::make_unique<internal::Family>(MetricType::kCounter, name, help,
                                                     std::vector<std::string>{},
                                                     std::vector<double>{}, std::move(fn)))
      .status();
}

Status Registry::NewGaugeFunc(std::string_view name, std::string_view help,
                              std::function<double()> fn) {
  assert(fn && "NewGaugeFunc needs a function");
  if (!fn) return InvalidError("metrics: " + std::string(name) + ": no function given");
  KUBE_RETURN_IF_ERROR(CheckNames(name, {}, MetricType::kGauge));
  return Register(std::make_unique<internal::Family>(MetricType::kGauge, name, help,
                                                     std::vector<std::string>{},
                                                     std::vector<double>{}, std::move(fn)))
      .status();
}

bool Registry::Unregister(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return false;
  it->second->Retire();
  retired_.push_back(std::move(it->second));
  families_.erase(it);
  return true;
}

std::string Registry::Expose() const {
  std::vector<const internal::Family*> families;
  {
    std::shared_lock lock(mu_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  // Families are never destroyed before the registry, so they outlive the lock.
  std::string out;
  for (const internal::Family* family : families) family->AppendTo(out);
  return out;
}

Registry& DefaultRegistry() {
  static auto* registry = new Registry();  // never destroyed
  return *registry;
}

std::vector<double> DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  assert(count >= 1 && start > 0 && factor > 1);
  std::vector<double> buckets;
  if (count < 1 || !(start > 0) || !(factor > 1)) return buckets;
  buckets.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    buckets.push_back(start);
    start *= factor;
  }
  return buckets;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  assert(count >= 1 && width > 0);
  std::vector<double> buckets;
  if (count < 1 || !(width > 0)) return buckets;
  buckets.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    buckets.push_back(start);
    start += width;
  }
  return buckets;
}

}  // namespace kube::metrics
