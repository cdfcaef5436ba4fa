// EventRecorder: records core/v1 Events about objects without ever blocking the
// caller, with the aggregation and spam filtering of client-go's tools/record.
//
// Event() builds the Event at once (timestamps from the injected Clock) and puts it on
// a bounded queue (1000 by default, as client-go's broadcaster); one background thread
// writes the queue to the apiserver. When the queue is full the event is dropped and
// counted. Before writing, events pass client-go's EventCorrelator:
//   - an identical event (same source, involved object, type, reason and message)
//     seen before is written as a PATCH of the existing Event's count, lastTimestamp
//     and message instead of a new Event;
//   - once 10 distinct messages with the same reason (and source, object, type) were
//     seen with no 10-minute gap, further ones go to one Event whose message is
//     "(combined from similar events): <latest message>";
//   - each (source, involved object) has a token bucket of 25 events refilled with
//     one every 5 minutes; events beyond it are dropped.
// Write failures that look transient (kUnavailable, kTimeout) are retried up to 12
// times, 10 s apart; other errors drop the event, as client-go does.
//
//   kube::manager::EventRecorder recorder(client, {.component = "widget-controller"});
//   recorder.Event(widget, kube::manager::EventType::kNormal, "Created", "created pod web-0");
//
// Thread-safety: thread-safe; share one recorder between controllers.
#ifndef KUBECPP_MANAGER_EVENT_RECORDER_H_
#define KUBECPP_MANAGER_EVENT_RECORDER_H_

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kubecpp/client/client.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"

namespace kube::manager {

// core/v1 ObjectReference: which object an Event is about.
struct ObjectReference {
  std::string api_version;  // "apps/v1"
  std::string kind;         // "Deployment"
  std::string namespace_;   // "" for cluster-scoped objects
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;  // "spec.containers{web}", usually ""
  friend bool operator==(const ObjectReference&, const ObjectReference&) = default;
};

// A reference to `object` (apiVersion, kind, namespace, name, uid, resourceVersion).
ObjectReference ReferenceTo(const Unstructured& object);

// A typed object: static kGroup/kVersion/kKind and an ObjectMeta `metadata`.
template <typename T>
concept ReferencableObject = requires(const T& t) {
  { T::kGroup } -> std::convertible_to<std::string_view>;
  { T::kVersion } -> std::convertible_to<std::string_view>;
  { T::kKind } -> std::convertible_to<std::string_view>;
  { t.metadata } -> std::convertible_to<const ObjectMeta&>;
};

template <ReferencableObject T>
ObjectReference ReferenceTo(const T& object) {
  const std::string_view group = T::kGroup;
  const ObjectMeta& meta = object.metadata;
  ObjectReference ref;
  ref.api_version = group.empty() ? std::string(T::kVersion)
                                  : std::string(group) + "/" + std::string(T::kVersion);
  ref.kind = std::string(T::kKind);
  ref.namespace_ = meta.namespace_;
  ref.name = meta.name;
  ref.uid = meta.uid;
  ref.resource_version = meta.resource_version;
  return ref;
}

// Event.type.
enum class EventType { kNormal, kWarning };
// "Normal" or "Warning".
std::string_view EventTypeName(EventType type);

struct EventRecorderOptions {
  // Required: source.component and reportingComponent ("deployment-controller").
  std::string component;
  // source.host and reportingInstance. Default "".
  std::string host;
  // Events waiting to be written; more are dropped. Default 1000.
  size_t queue_size = 1000;
  // Spam filter per (source, involved object): burst 25, one more every 5 minutes.
  int spam_burst = 25;
  std::chrono::seconds spam_refill_interval = std::chrono::minutes(5);
  // Similar-event aggregation: 10 distinct messages per reason within 10 minutes.
  int aggregate_max_events = 10;
  std::chrono::seconds aggregate_interval = std::chrono::minutes(10);
  // Entries of each correlation cache (least recently used evicted). Default 4096.
  size_t cache_size = 4096;
  // How long Shutdown() waits (real time) for queued events to be written. Default 10 s.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);
};

// Counters since construction.
struct EventRecorderStats {
  uint64_t created = 0;        // Events created
  uint64_t patched = 0;        // existing Events patched (count aggregation)
  uint64_t queue_dropped = 0;  // dropped because the queue was full or shut down
  uint64_t spam_dropped = 0;   // dropped by the per-object spam filter
  uint64_t failed = 0;         // dropped after a write error
  // Events accepted by Event() that the background thread has finished with.
  uint64_t processed() const { return created + patched + spam_dropped + failed; }
};

class EventRecorder {
 public:
  // Starts the background writer. REQUIRES: `client` and `clock` outlive the recorder;
  // options.component is not empty.
  EventRecorder(client::Client* client, EventRecorderOptions options, Clock& clock = RealClock());
  // Calls Shutdown().
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an Event about `ref` and returns at once (never blocks on the apiserver).
  // The Event goes to ref.namespace_, or "default" for a cluster-scoped object.
  void Event(const ObjectReference& ref, EventType type, std::string_view reason,
             std::string_view message);
  void Event(const Unstructured& object, EventType type, std::string_view reason,
             std::string_view message) {
    Event(ReferenceTo(object), type, reason, message);
  }
  template <ReferencableObject T>
  void Event(const T& object, EventType type, std::string_view reason, std::string_view message) {
    Event(ReferenceTo(object), type, reason, message);
  }

  // Stops accepting events, writes what is queued (without retrying failures) for up
  // to options.shutdown_timeout, then cancels the rest and stops the thread.
  // Idempotent. Blocks.
  void Shutdown();

  EventRecorderStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kube::manager

#endif  // KUBECPP_MANAGER_EVENT_RECORDER_H_
