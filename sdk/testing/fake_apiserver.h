// FakeApiServer: an in-memory Kubernetes apiserver for tests and local runs.
//
// One engine behind two doors: `Handle` serves one HTTP request (the HTTPS front-end,
// kube-fake-apiserver, passes every request to it) and `NewTransport` returns a
// kube::transport::Transport that calls `Handle` in-process, with no sockets, for
// unit tests. It follows the apiserver contract of docs/k8s-semantics.md Part A:
// one global resourceVersion, optimistic concurrency, generateName, generation rules,
// status and scale subresources, list with selectors and paging, watch with history,
// bookmarks and streaming lists, JSON / merge / strategic merge patch and
// server-side apply, graceful deletion, finalizers and propagation policies,
// namespaces, CustomResourceDefinitions, discovery, OpenAPI and Table output.
//
//   kube::testing::FakeApiServer server;
//   auto client = server.NewClient();          // a kube::client::Client on it
//   kube::client::Api<Pod> pods(client, "default");
//
// Faults (`faults()`) make the server misbehave on purpose so retry paths can be
// tested: failed requests, closed watches, forced 410s and conflicts.
//
// Thread-safety: thread-safe. Writes are linearizable (one lock); watch streams are
// fed through per-stream queues, so a slow watcher never blocks writers or others.
#ifndef KUBECPP_TESTING_FAKE_APISERVER_H_
#define KUBECPP_TESTING_FAKE_APISERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kubecpp/core/clock.h"
#include "kubecpp/http/server.h"
#include "kubecpp/transport/transport.h"

namespace kube::client {
class Client;
}

namespace kube::testing {

struct FakeApiServerOptions {
  // Timestamps (creationTimestamp, deletionTimestamp) come from here. Default: the
  // real clock. Watch timeouts and bookmark intervals use real time.
  Clock* clock = nullptr;
  // What /version reports. Default "v1.33.0".
  std::string git_version = "v1.33.0";
  // Watch events kept per resource; older resourceVersions get 410 Expired (watch
  // start, continue tokens, exact reads). Default 10,000.
  size_t watch_history = 10000;
  // Interval of BOOKMARK events on watches that allow them. Default 60 s.
  std::chrono::milliseconds bookmark_interval = std::chrono::seconds(60);
  // Watch duration when the request sets no timeoutSeconds. Default 1800 s.
  std::chrono::seconds default_watch_timeout = std::chrono::seconds(1800);
  // Service clusterIP range and nodePort range.
  std::string service_cidr = "10.96.0.0/12";
  int node_port_min = 30000;
  int node_port_max = 32767;
  // Non-zero: generated names and uids come from a generator seeded with this, so a
  // test run is repeatable. Zero: random.
  uint64_t seed = 0;
  // Address announced in /api serverAddressByClientCIDRs. Default "127.0.0.1:6443".
  std::string server_address = "127.0.0.1:6443";
  // Who empties a deleted namespace. true (default): the server itself, at once, as
  // the namespace controller would (for tests that run no controllers). false: as
  // kube-apiserver does, the namespace stays Terminating with spec.finalizers
  // ["kubernetes"] until a namespace controller deletes its content and removes
  // "kubernetes" through PUT /api/v1/namespaces/<name>/finalize; the update that
  // leaves spec.finalizers and metadata.finalizers empty deletes it.
  bool builtin_namespace_deletion = true;
};

// Ways to make the server misbehave. All take effect on the next matching request.
struct FaultSpec {
  // Matches requests whose logical verb ("get", "list", "watch", "create", "update",
  // "patch", "delete", "deletecollection"; "" = any) and resource plural ("" = any)
  // are these.
  std::string verb;
  std::string resource;
  int http_code = 500;          // 429, 500, 503, 409, ...
  int times = 1;                // how many matching requests fail
  int retry_after_seconds = 0;  // Retry-After header for 429/503 when > 0
};

class FakeApiServer {
 public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  // Serves one request. Watches block until the stream ends (timeout, writer
  // closed, Shutdown). The request's client_common_name is the user.
  void Handle(const http::Request& request, http::ResponseWriter& writer);
  http::Handler handler();

  // A transport that serves requests by calling Handle directly. It shares the
  // engine, so it may outlive this object (requests then answer 503).
  std::unique_ptr<transport::Transport> NewTransport();
  // A client on NewTransport() as user "admin" (no rate limit, namespace "default").
  std::unique_ptr<client::Client> NewClient();

  // The current (latest) resourceVersion.
  int64_t resource_version() const;

  // --- Faults -------------------------------------------------------------------
  void InjectFault(FaultSpec fault);
  // Forgets every injected fault that has not fired yet.
  void ClearFaults();
  // Watch streams currently registered on `resource` (plural, "" = all): a sync
  // point for tests that must know a client's watch is in place.
  size_t OpenWatches(std::string_view resource = "") const;
  // Closes every open watch of `resource` (plural, "" = all) as a server restart
  // would; clients re-watch from their last resourceVersion.
  void CloseWatches(std::string_view resource = "");
  // Forgets the event history: watches and continue tokens from before now get 410.
  void CompactHistory();
  // The next update (PUT or PATCH) of this object answers 409 Conflict.
  void ConflictOnNextUpdate(std::string_view resource, std::string_view namespace_,
                            std::string_view name);
  // Adds this latency to every request (0 to stop).
  void SetLatency(std::chrono::milliseconds latency);
  // Requests answered so far, by logical verb and resource ("list pods").
  int64_t RequestCount(std::string_view verb, std::string_view resource) const;

  // Ends all watch streams; later watches end at once. Called by the destructor.
  void Shutdown();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace kube::testing

#endif  // KUBECPP_TESTING_FAKE_APISERVER_H_
