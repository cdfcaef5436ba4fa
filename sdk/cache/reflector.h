// Reflector: keeps a sink (an informer's store) in step with one resource on the
// apiserver by list + watch (client-go's cache.Reflector).
//
// Flow: a paged LIST (or, with streaming_list, a WATCH with sendInitialEvents that
// falls back to LIST on any error of that attempt) gives the full state, handed to
// the sink with Replace; then a WATCH from the list's resourceVersion gives changes,
// handed over one by one with Apply. Bookmarks move the resume point without an
// event. When the server ends the stream (timeout, restart) the reflector re-watches
// from the last resourceVersion it saw, without relisting. When that is too old (410
// Gone/Expired) it relists and the sink replaces its content in one step.
//
// Errors: every failed list or watch is remembered (LastError) and logged through
// spdlog naming the resource; 403 (RBAC), 404 (resource not served, e.g. CRD not
// installed) and 401 are logged at error level since they need a human. All are
// retried after a backoff of 0.8 s doubling to 30 s with jitter, reset after 2
// quiet minutes. Watches ask for a server timeout drawn between 5 and 10 minutes.
//
// Thread-safety: Run blocks on the calling thread and calls the sink from it; the
// accessors are thread-safe.
#ifndef KUBECPP_CACHE_REFLECTOR_H_
#define KUBECPP_CACHE_REFLECTOR_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/client/watch.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/status.h"
#include "kubecpp/core/unstructured.h"

namespace kube::cache {

// Exponential backoff with jitter (client-go's exponential backoff manager).
struct BackoffOptions {
  Clock::Duration initial = std::chrono::milliseconds(800);  // default 0.8 s
  Clock::Duration max = std::chrono::seconds(30);            // default 30 s
  // Back to `initial` when no backoff happened for this long. Default 2 min.
  Clock::Duration reset_after = std::chrono::minutes(2);
  double factor = 2.0;  // default 2
  // A delay d becomes d + random[0, jitter) * d. Default 1.0 (client-go's).
  double jitter = 1.0;
};

// Stateful backoff. Thread-compatible.
class Backoff {
 public:
  Backoff(BackoffOptions options, Clock& clock, uint64_t seed = std::random_device{}());
  // The next delay (advancing the sequence).
  Clock::Duration Next();

 private:
  BackoffOptions options_;
  Clock& clock_;
  std::mt19937_64 rng_;
  Clock::Duration current_{0};
  Clock::TimePoint last_{};
  bool started_ = false;
};

struct ReflectorOptions {
  // Page size of the initial list (0: one unpaged list). Default 500.
  int64_t page_size = 500;
  // Try a streaming list (watch with sendInitialEvents) first. Default false.
  bool streaming_list = false;
  // Range of the watch timeoutSeconds. Default 5 to 10 minutes.
  std::chrono::seconds min_watch_timeout = std::chrono::minutes(5);
  std::chrono::seconds max_watch_timeout = std::chrono::minutes(10);
  BackoffOptions backoff;
};

// Receives what the reflector learns. Called from the reflector's thread only.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // The full state at `resource_version` (after a list or streaming list).
  virtual void Replace(std::vector<Unstructured> items, const std::string& resource_version) = 0;
  // One ADDED, MODIFIED or DELETED event.
  virtual void Apply(client::EventType type, Unstructured object) = 0;
};

class Reflector {
 public:
  // REQUIRES: `client`, `sink` and `clock` outlive the reflector. `namespace_` ""
  // watches all namespaces; the selectors use the query parameter syntax.
  Reflector(client::Client* client, client::ResourceRef resource, std::string namespace_,
            std::string label_selector, std::string field_selector, ReflectorSink* sink,
            Clock& clock, ReflectorOptions options = {});
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Lists and watches until `stop`. Blocks.
  void Run(std::stop_token stop);

  // The error of the last failed list or watch; OK once a later list or watch worked.
  Status LastError() const;
  // The resourceVersion the next watch resumes from ("" before the first list).
  std::string LastSyncResourceVersion() const;
  // Lists done so far (including streaming lists), for tests and metrics.
  int64_t list_count() const;
  // "configmaps (namespace default, labelSelector app=web)": names it in logs.
  const std::string& description() const { return description_; }

 private:
  // One list (streaming or paged) into the sink; sets the resume point. A streaming
  // list goes on as a watch: then *watched is set and *watch_status is how it ended.
  Status List(std::stop_token stop, bool* watched, Status* watch_status);
  Status StreamingList(std::stop_token stop, bool* watched, Status* watch_status);
  // One watch from the resume point.
  Status Watch(std::stop_token stop, bool* any_event);
  void HandleWatchEvent(client::WatchEvent&& event);
  void RecordError(const Status& status, std::string_view what, Clock::Duration retry_in);
  void SetResourceVersion(std::string rv);
  int64_t WatchTimeoutSeconds();

  client::DynamicApi api_;
  std::string label_selector_;
  std::string field_selector_;
  ReflectorSink* sink_;
  Clock& clock_;
  const ReflectorOptions options_;
  std::string description_;
  Backoff backoff_;
  std::mt19937_64 rng_;
  bool streaming_unsupported_ = false;

  mutable std::mutex mu_;
  Status last_error_;       // GUARDED_BY(mu_)
  std::string resume_rv_;   // GUARDED_BY(mu_)
  int64_t list_count_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace kube::cache

#endif  // KUBECPP_CACHE_REFLECTOR_H_
