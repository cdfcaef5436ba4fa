// The garbage collector's dependency graph (docs/k8s-semantics.md B5.1): one Node per
// object uid with its identity, its ownerReferences and the uids of its dependents,
// kept current by GraphBuilder from the informers' events.
//
// A node is *virtual* while it is known only as somebody's owner (not yet observed
// through an informer); the delete queue checks it against the API until it is
// observed or confirmed absent. GraphBuilder queues uids on the delete and orphan
// queues as objects change, as upstream's graph_builder.go does.
//
// Thread-safety: GraphBuilder and AbsentOwnerCache are thread-safe (one mutex each);
// readers get copies of nodes. The identity and helper functions are pure.
#ifndef KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GRAPH_H_
#define KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GRAPH_H_

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace kube::controllers::garbagecollector {

inline constexpr std::string_view kOrphanFinalizer = "orphan";
inline constexpr std::string_view kForegroundDeletionFinalizer = "foregroundDeletion";

// Who an object is: upstream's objectReference (owner coordinates plus namespace).
struct ObjectIdentity {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;

  // "[apps/v1/Deployment, namespace: web, name: api, uid: 1234]" for logs.
  std::string ToString() const;
  friend bool operator==(const ObjectIdentity&, const ObjectIdentity&) = default;
};

struct Node {
  ObjectIdentity identity;
  std::vector<OwnerReference> owners;  // as last observed
  std::set<std::string> dependents;    // uids of nodes listing this one as owner
  bool being_deleted = false;          // has deletionTimestamp
  bool deleting_dependents = false;    // deletionTimestamp and foregroundDeletion
  bool is_virtual = false;             // known only as an owner so far
};

// metadata.ownerReferences of `object` (malformed entries are skipped).
std::vector<OwnerReference> OwnerReferencesOf(const Json& object);
// metadata.finalizers of `object`.
std::vector<std::string> FinalizersOf(const Json& object);
bool HasFinalizer(const Json& object, std::string_view finalizer);
bool HasDeletionTimestamp(const Json& object);
// The identity an ownerReference names, in the dependent's namespace.
ObjectIdentity OwnerIdentity(const OwnerReference& owner, std::string_view dependent_namespace);
// ownerReference JSON as the API writes it.
Json OwnerReferenceToJson(const OwnerReference& owner);

// Owners recently confirmed absent (upstream's absentOwnerCache): an LRU of owner
// identities, so dependents of a deleted owner do not each GET it.
class AbsentOwnerCache {
 public:
  explicit AbsentOwnerCache(size_t capacity = 500) : capacity_(capacity) {}
  void Add(const ObjectIdentity& identity);
  bool Has(const ObjectIdentity& identity);

 private:
  static std::string Key(const ObjectIdentity& identity);

  const size_t capacity_;
  std::mutex mu_;
  std::list<std::string> lru_;  // GUARDED_BY(mu_): most recent first
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;  // GUARDED_BY(mu_)
};

// Builds and holds the graph. Events come from the monitors' informers (any thread);
// virtual deletes from the delete workers.
class GraphBuilder {
 public:
  using Queue = workqueue::RateLimitingInterface<std::string>;

  // REQUIRES: the queues and the cache outlive the builder.
  GraphBuilder(Queue* attempt_to_delete, Queue* attempt_to_orphan, AbsentOwnerCache* absent_owners);
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  // An object was added (`old_object` null) or updated. `identity` carries the
  // monitor's apiVersion and kind.
  void OnAddOrUpdate(const ObjectIdentity& identity, const Json* old_object, const Json& object);
  // An object was deleted (observed by an informer).
  void OnDelete(const ObjectIdentity& identity);
  // A delete worker found `identity` absent from the API (B5.2 step 2).
  void OnVirtualDelete(const ObjectIdentity& identity);

  // Copies of graph state; nullopt / empty when absent.
  std::optional<Node> GetNode(const std::string& uid) const;
  std::vector<Node> Dependents(const std::string& uid) const;
  // Dependents whose ownerReference to `uid` has blockOwnerDeletion: true.
  std::vector<Node> BlockingDependents(const std::string& uid) const;
  bool IsVirtual(const std::string& uid) const;
  size_t size() const;

 private:
  enum class Removal { kObserved, kVirtual };
  void RemoveLocked(const ObjectIdentity& identity, Removal how);
  void AddDependentToOwnersLocked(Node& node, const std::vector<OwnerReference>& owners);
  void RemoveDependentFromOwnersLocked(const Node& node, const std::vector<OwnerReference>& owners);
  void ProcessTransitionsLocked(const Json* old_object, const Json& object, Node& node);

  Queue* const attempt_to_delete_;
  Queue* const attempt_to_orphan_;
  AbsentOwnerCache* const absent_owners_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Node> nodes_;  // GUARDED_BY(mu_): by uid
};

}  // namespace kube::controllers::garbagecollector

#endif  // KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GRAPH_H_
