// RestClientMetrics: client-go's REST client series
// (k8s.io/component-base/metrics/prometheus/restclient), for the client to record
// every request it sends to the apiserver:
//
//   rest_client_requests_total{code,host,method}        counter
//   rest_client_request_duration_seconds{host,verb}     histogram, 0.005 .. 60 s
//
// Thread-safety: thread-safe. Observe looks up its series under a shared lock (a few
// tens of nanoseconds; requests take milliseconds).
#ifndef KUBECPP_METRICS_REST_CLIENT_METRICS_H_
#define KUBECPP_METRICS_REST_CLIENT_METRICS_H_

#include <string_view>
#include <vector>

#include "kubecpp/metrics/registry.h"

namespace kube::metrics {

// client-go's request latency buckets: .005 .025 .1 .25 .5 1 2 4 8 15 30 60.
std::vector<double> RestClientLatencyBuckets();

class RestClientMetrics {
 public:
  // Registers (or finds) both families in `registry`, which must outlive this object.
  // A family whose name is taken with another shape is not recorded.
  explicit RestClientMetrics(Registry& registry = DefaultRegistry());
  RestClientMetrics(const RestClientMetrics&) = delete;
  RestClientMetrics& operator=(const RestClientMetrics&) = delete;

  // Records one finished request: `verb` the HTTP method ("GET"), `host` the
  // apiserver's host[:port] as in its URL, `code` the HTTP status, or <= 0 when no
  // response came back (counted as code="<error>", as client-go does), `seconds` from
  // sending to the end of the response headers.
  void Observe(std::string_view verb, std::string_view host, int code, double seconds);

 private:
  CounterVec* requests_ = nullptr;
  HistogramVec* duration_ = nullptr;
};

}  // namespace kube::metrics

#endif  // KUBECPP_METRICS_REST_CLIENT_METRICS_H_
