// The fake apiserver's storage: objects of every resource under one global
// resourceVersion counter (like an etcd revision), a bounded per-resource event
// history, snapshots at past revisions (for paged lists and `Exact` reads) and the
// fan-out of events to watchers.
//
// Objects are kept as immutable shared JSON documents. A write replaces the pointer,
// so readers and watch streams holding older versions are never disturbed.
//
// Thread-safety: Store is not synchronized; the engine calls it under its own lock.
// Watcher is thread-safe: the store pushes under the engine lock, the stream's thread
// pops without it.
#ifndef KUBECPP_TESTING_INTERNAL_STORE_H_
#define KUBECPP_TESTING_INTERNAL_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kubecpp/core/fields.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/labels.h"

namespace kube::testing::internal {

using ObjectPtr = std::shared_ptr<const Json>;
// Storage key: namespace ("" for cluster-scoped objects), name. Ordered like
// upstream's storage keys: namespace first, then name.
using StorageKey = std::pair<std::string, std::string>;

enum class EventKind { kAdded, kModified, kDeleted };
std::string_view EventKindName(EventKind kind);  // "ADDED", ...

struct StoreEvent {
  int64_t rv = 0;
  EventKind kind = EventKind::kAdded;
  StorageKey key;
  ObjectPtr object;    // state after the write; for deletions the last state, at `rv`
  ObjectPtr previous;  // state before the write; null for creations
};

// Which objects a list or watch sees.
struct Filter {
  std::string namespace_;  // "" = every namespace
  Selector labels;
  FieldSelector fields;
  // The selectable fields of an object (metadata.name, metadata.namespace, and the
  // kind's own, e.g. spec.nodeName for pods). Null: metadata fields only.
  std::function<std::map<std::string, std::string>(const Json&)> field_set;

  bool Matches(const Json& object) const;
};

// One watch stream's queue of encoded events ("{"type":...}\n" lines).
class Watcher {
 public:
  Watcher(Filter filter, std::string api_version, std::string kind)
      : filter_(std::move(filter)), api_version_(std::move(api_version)), kind_(std::move(kind)) {}

  const Filter& filter() const { return filter_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& kind() const { return kind_; }

  // Store side.
  void Push(std::shared_ptr<const std::string> line, int64_t rv);
  // Ends the stream after what is queued; `final_line` (an ERROR event) is sent last
  // when not empty.
  void Close(std::string final_line = "");

  // Stream side: waits up to `wait` for lines, appends them to `out`. Returns false
  // once the watcher is closed and drained.
  bool Pop(std::string* out, std::chrono::milliseconds wait);
  // The highest resourceVersion pushed (or set as the start).
  int64_t last_rv() const;
  void set_last_rv(int64_t rv);
  bool empty() const;

 private:
  const Filter filter_;
  const std::string api_version_;
  const std::string kind_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  int64_t last_rv_ = 0;
  bool closed_ = false;
  std::string final_line_;
};

// Encodes a watch event line for `object` served as `api_version`.
std::string EncodeWatchEvent(std::string_view type, const Json& object);
// `object` with its apiVersion replaced (CRDs store one version and serve several).
Json WithApiVersion(const Json& object, std::string_view api_version);

class Store {
 public:
  struct Resource {
    std::map<StorageKey, ObjectPtr> objects;
    std::deque<StoreEvent> history;
    int64_t compacted_rv = 0;  // events with rv <= this are no longer available
    std::vector<std::shared_ptr<Watcher>> watchers;
  };

  explicit Store(size_t history_limit) : history_limit_(history_limit) {}

  int64_t rv() const { return rv_; }
  // Takes the next resourceVersion without writing (no-op writes do not call this).
  Resource& Get(const std::string& resource) { return resources_[resource]; }
  const Resource* Find(const std::string& resource) const;
  std::vector<std::string> ResourceNames() const;

  // Writes `object` (null: deletes) at the next resourceVersion, which is stamped into
  // metadata.resourceVersion of the stored copy. Returns the stored object (for a
  // deletion: the last state stamped with the deletion's RV).
  ObjectPtr Write(const std::string& resource, const StorageKey& key, Json object);
  ObjectPtr Delete(const std::string& resource, const StorageKey& key);
  // Drops a resource and all its objects (CRD deletion) without per-object events.
  void DropResource(const std::string& resource);

  // Objects of `resource` as they were at `rv`. Errors: kGone when the history no
  // longer covers `rv` (the message is upstream's "too old resource version").
  Result<std::map<StorageKey, ObjectPtr>> SnapshotAt(const std::string& resource, int64_t rv) const;
  // Events after `rv` for a watch starting there. kGone as above.
  Result<std::vector<StoreEvent>> EventsSince(const std::string& resource, int64_t rv) const;

  void AddWatcher(const std::string& resource, std::shared_ptr<Watcher> watcher);
  void RemoveWatcher(const std::string& resource, const Watcher* watcher);
  // Closes every watcher of `resource` ("" = all resources).
  void CloseWatchers(const std::string& resource);
  // Forgets all history: watches and continue tokens from before now get 410.
  void Compact();

  // Sends one event to the watchers of `resource` (used by Write/Delete).
  static void Dispatch(Resource& resource, const StoreEvent& event);

 private:
  void Record(Resource& resource, StoreEvent event);

  const size_t history_limit_;
  int64_t rv_ = 0;
  std::map<std::string, Resource> resources_;
};

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_STORE_H_
