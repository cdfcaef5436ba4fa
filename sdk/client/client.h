// Client: one connection to one apiserver as one user — authentication, User-Agent,
// client-side rate limiting, retries and the mapping of error responses to Status.
//
// Higher-level handles (DynamicApi for Unstructured objects, Api<T> for typed ones)
// build paths and bodies and call Client::Call / Client::Stream. Retries: a 429 is
// retried for every verb after its Retry-After; a 5xx with Retry-After likewise; a 5xx
// without it or a failed connection only for GET; timeouts and TLS failures never. A
// 401 makes the Authenticator fetch fresh credentials once, when it can. Every failure is a Status
// carrying the apiserver's reason, HTTP code and details.
//
// Thread-safety: thread-safe; share one Client between controllers.
#ifndef KUBECPP_CLIENT_CLIENT_H_
#define KUBECPP_CLIENT_CLIENT_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "kubecpp/client/auth.h"
#include "kubecpp/client/config.h"
#include "kubecpp/client/rate_limiter.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/transport/transport.h"

namespace kube::client {

class Client {
 public:
  // Connects through CpprestTransport with the config's TLS, proxy and credentials.
  // Errors: kBadRequest for unusable TLS material or server URL.
  [[nodiscard]] static Result<std::unique_ptr<Client>> Create(const Config& config);

  // Uses `transport` (e.g. the fake apiserver's in-process transport). `auth` may be
  // null (no credentials). `clock` drives the rate limiter and retry backoff and must
  // outlive the client.
  Client(Config config, std::unique_ptr<transport::Transport> transport,
         std::unique_ptr<Authenticator> auth, Clock& clock = RealClock());
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and returns the body of its 2xx response. `target` is the path
  // and query ("/api/v1/namespaces/default/pods?limit=2"). Blocks, including while
  // rate limited or backing off. Errors: the response's Status (NotFound, Conflict,
  // Invalid with causes, ...), or kUnavailable / kTimeout / kCancelled from the
  // transport after retries.
  [[nodiscard]] Result<std::string> Call(std::string_view method, std::string target,
                                         std::string body = "",
                                         std::string_view content_type = "application/json",
                                         std::stop_token stop = {});

  // Call with another Accept header than "application/json", e.g. the Table form of a
  // list that `kubectl get` asks for (DynamicApi::ListTable).
  [[nodiscard]] Result<std::string> CallAccepting(
      std::string_view accept, std::string_view method, std::string target, std::string body = "",
      std::string_view content_type = "application/json", std::stop_token stop = {});

  // Sends a GET and streams the 2xx body to `on_chunk` until the server ends it,
  // `on_chunk` returns false or `stop` is requested (all success). `idle_timeout`
  // bounds the wait for each byte. Errors as Call; no retries (the caller re-watches).
  [[nodiscard]] Status Stream(std::string target, const transport::ChunkHandler& on_chunk,
                              std::chrono::milliseconds idle_timeout, std::stop_token stop = {});

  const Config& config() const { return config_; }
  Clock& clock() const { return clock_; }

  // Told about every request sent (retries included): the HTTP method, the server's
  // host[:port], the status code (0 when no response came back) and the latency. For
  // metrics (rest_client_requests_total); must be quick and must not call the client.
  using RequestObserver = std::function<void(std::string_view method, std::string_view host,
                                             int code, std::chrono::duration<double> latency)>;
  // Replaces the observer (null: none). Safe while requests are in flight.
  void SetRequestObserver(RequestObserver observer);

 private:
  // Headers every request carries.
  Result<transport::Headers> BaseHeaders(std::string_view accept = "application/json");

  const Config config_;
  const std::unique_ptr<transport::Transport> transport_;
  const std::unique_ptr<Authenticator> auth_;  // may be null
  Clock& clock_;
  std::unique_ptr<TokenBucket> limiter_;  // null when config.qps <= 0
  std::string user_agent_;
  std::string host_;  // host[:port] of config_.server, for the observer
  std::atomic<std::shared_ptr<const RequestObserver>> observer_;
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_CLIENT_H_
