// The manager's HTTP endpoints: /metrics for Prometheus and the /healthz and /readyz
// probes for the kubelet, as controller-runtime's metrics server and health probe
// server serve them.
//
// HealthChecks is a named set of checks (controller-runtime's healthz.Handler). Served
// under a path such as /readyz it answers:
//   /readyz              200 "ok" when every check passes; otherwise 500 with one line
//                        per check ("[+]name ok", "[-]name failed: reason withheld")
//                        and "healthz check failed". With ?verbose the lines are
//                        sent on success too, ending "healthz check passed".
//                        ?exclude=name (repeatable) skips a check ("[+]name excluded:
//                        ok"); unknown names get a "warn: ..." line. Checks run in
//                        name order; with no check registered a "ping" check passes.
//   /readyz/<name>       runs that check alone: 200 "ok" or 500 "internal server
//                        error: <message>"; 404 for an unknown name.
//
// EndpointsServer serves any of /metrics (a metrics::Registry, content type
// "text/plain; version=0.0.4; charset=utf-8"), /healthz and /readyz on one address, so
// the manager runs one server for --metrics-bind-address and one for
// --health-probe-bind-address, or one for both. Other paths get 404.
//
// Thread-safety: thread-safe. Checks run on the server's threads, possibly several at
// once, and must be thread-safe; a slow check delays only its own probe.
#ifndef KUBECPP_MANAGER_ENDPOINTS_H_
#define KUBECPP_MANAGER_ENDPOINTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"
#include "kubecpp/metrics/registry.h"

namespace kube::http {
class Server;
}  // namespace kube::http

namespace kube::manager {

// A health or readiness check: OK when healthy, otherwise a Status whose message says
// why (shown on /readyz/<name> only). Must not block for long (the kubelet's probe
// timeout is 1 s by default). An exception counts as a failure.
using HealthCheck = std::function<Status()>;

// A check that always passes (controller-runtime's healthz.Ping).
Status Ping();

class HealthChecks {
 public:
  HealthChecks() = default;
  HealthChecks(const HealthChecks&) = delete;
  HealthChecks& operator=(const HealthChecks&) = delete;

  // Adds a check; may be called while being served. Errors: kInvalid when `name` is
  // empty or contains '/'; kAlreadyExists when a check of that name exists.
  // REQUIRES: check is callable.
  [[nodiscard]] Status AddCheck(std::string name, HealthCheck check);
  // Names of the registered checks, sorted.
  std::vector<std::string> Names() const;

  // The answer to one request, without HTTP: `subpath` is the path below the endpoint
  // ("" or "/" for the aggregate, "/name" for one check), `query` the raw query string
  // ("verbose&exclude=a"). Runs the checks on the calling thread.
  struct Response {
    int status_code = 200;
    std::string body;
  };
  Response Serve(std::string_view subpath, std::string_view query) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const HealthCheck>, std::less<>>
      checks_;  // GUARDED_BY(mu_)
};

// Checks a bind address as controller-runtime's --metrics-bind-address and
// --health-probe-bind-address take it: "host:port" with an IPv4 literal, "localhost" or
// a bracketed IPv6 literal, ":port" (every interface), or "0" / "" (disabled). Port 0
// picks a free port. Errors: kInvalid naming the problem.
[[nodiscard]] Status ValidateBindAddress(std::string_view bind_address);

class EndpointsServer {
 public:
  // What to serve; each may be null (that path is then 404). Everything pointed to
  // must outlive the server.
  struct Handlers {
    metrics::Registry* metrics = nullptr;   // /metrics; default null
    const HealthChecks* healthz = nullptr;  // /healthz and /healthz/<name>; default null
    const HealthChecks* readyz = nullptr;   // /readyz and /readyz/<name>; default null
  };

  explicit EndpointsServer(Handlers handlers);
  // Stops.
  ~EndpointsServer();
  EndpointsServer(const EndpointsServer&) = delete;
  EndpointsServer& operator=(const EndpointsServer&) = delete;

  // Listens on `bind_address` (see ValidateBindAddress) and serves in the background;
  // "0" or "" leaves the server disabled and returns OK. Errors: kInvalid for a bad
  // address or when already serving; kUnavailable when the address cannot be bound.
  [[nodiscard]] Status Start(std::string_view bind_address);
  bool serving() const;
  // The bound port; 0 when not serving.
  uint16_t port() const;
  // "http://127.0.0.1:PORT" (a wildcard address is reached over loopback); "" when not
  // serving.
  std::string url() const;
  // Stops serving, waiting for running requests to finish. Idempotent; Start may be
  // called again afterwards.
  void Stop();

 private:
  const Handlers handlers_;
  mutable std::mutex mu_;
  std::unique_ptr<http::Server> server_;  // GUARDED_BY(mu_)
};

}  // namespace kube::manager

#endif  // KUBECPP_MANAGER_ENDPOINTS_H_
