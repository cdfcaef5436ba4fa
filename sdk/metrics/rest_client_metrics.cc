#include "kubecpp/metrics/rest_client_metrics.h"

#include <charconv>

namespace kube::metrics {

std::vector<double> RestClientLatencyBuckets() {
  return {0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0};
}

RestClientMetrics::RestClientMetrics(Registry& registry) {
  auto requests = registry.NewCounterVec(
      "rest_client_requests_total",
      "Number of HTTP requests, partitioned by status code, method, and host.",
      {"code", "method", "host"});
  if (requests) requests_ = *requests;
  auto duration =
      registry.NewHistogramVec("rest_client_request_duration_seconds",
                               "Request latency in seconds. Broken down by verb, and host.",
                               {"verb", "host"}, RestClientLatencyBuckets());
  if (duration) duration_ = *duration;
}

void RestClientMetrics::Observe(std::string_view verb, std::string_view host, int code,
                                double seconds) {
  if (requests_ != nullptr) {
    char buf[16];
    std::string_view code_text = "<error>";
    if (code > 0) {
      const auto res = std::to_chars(buf, buf + sizeof(buf), code);
      code_text = std::string_view(buf, static_cast<size_t>(res.ptr - buf));
    }
    requests_->WithLabelValues(code_text, verb, host).Inc();
  }
  if (duration_ != nullptr) duration_->WithLabelValues(verb, host).Observe(seconds);
}

}  // namespace kube::metrics
