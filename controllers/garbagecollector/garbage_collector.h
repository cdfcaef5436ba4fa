// GarbageCollector: Kubernetes' garbage collector controller on the kubecpp runtime
// (docs/k8s-semantics.md B5; upstream pkg/controller/garbagecollector).
//
// It discovers every resource that supports list, watch and delete (custom resources
// included; rediscovered when a CustomResourceDefinition changes and every
// `resync_period`), keeps one metadata-only informer ("monitor") per resource, and
// builds the ownership graph from their events (graph.h). Two queues of object uids
// drive the writes:
//   * attempt-to-delete (B5.2): objects whose owners may all be gone, owners deleting
//     their dependents in the foreground, and virtual nodes to verify;
//   * attempt-to-orphan (B5.4): owners deleted with the `orphan` finalizer.
// Failures back off per uid; virtual nodes are checked again until observed.
//
//   GarbageCollector gc(client, {.workers = 20});
//   std::jthread t([&](std::stop_token st) { (void)gc.Run(st); });
//
// Thread-safety: thread-safe. Run is called once.
#ifndef KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GARBAGE_COLLECTOR_H_
#define KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GARBAGE_COLLECTOR_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "controllers/garbagecollector/graph.h"
#include "kubecpp/cache/informer.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/log.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/result.h"
#include "kubecpp/workqueue/delaying_queue.h"
#include "kubecpp/workqueue/rate_limiting_queue.h"

namespace kube::manager {
class Manager;
}

namespace kube::controllers::garbagecollector {

// Resources the collector never monitors (upstream's defaults: events).
std::set<GroupResource> DefaultIgnoredResources();

struct Options {
  // Workers of each queue (kube-controller-manager --concurrent-gc-syncs). Default 20.
  int workers = 20;
  // Time source for queues, backoff and the periodic rediscovery. Default RealClock().
  Clock* clock = nullptr;
  // How often discovery runs to find new or removed resources. Default 30 s.
  Clock::Duration resync_period = std::chrono::seconds(30);
  // How long a (re)discovery waits for new monitors to sync. Default 60 s.
  Clock::Duration sync_timeout = std::chrono::seconds(60);
  // Resources never monitored. Default DefaultIgnoredResources().
  std::set<GroupResource> ignored_resources = DefaultIgnoredResources();
};

class GarbageCollector {
 public:
  // REQUIRES: `client` outlives the collector.
  GarbageCollector(client::Client* client, Options options);
  ~GarbageCollector();
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  // Discovers resources, starts the monitors, waits until the graph holds their
  // initial lists, then runs the workers until `stop`. Blocks. Errors: kInvalid when
  // called twice.
  [[nodiscard]] Status Run(std::stop_token stop);

  // True once the first graph is built and the workers run.
  bool IsSynced() const { return synced_.load(); }
  // The resources monitored now.
  std::vector<client::ResourceRef> MonitoredResources() const;
  // The graph (for inspection in tests and debugging).
  const GraphBuilder& graph() const { return graph_; }

 private:
  struct Monitor;
  enum class Outcome { kDone, kForget };

  // Discovery and monitors.
  Status Resync(std::stop_token stop);
  std::unique_ptr<Monitor> StartMonitor(const client::ResourceRef& ref);
  bool WaitForMonitors(const std::vector<Monitor*>& monitors, std::stop_token stop);
  void ResyncLoop(std::stop_token stop);

  // Workers.
  void DeleteWorker(std::stop_token stop);
  void OrphanWorker(std::stop_token stop);
  Result<Outcome> AttemptToDeleteItem(const Node& item, std::stop_token stop);
  Status ProcessDeletingDependents(const Node& item, std::stop_token stop);
  Status OrphanDependents(const Node& owner, std::stop_token stop);

  // API access.
  Result<client::ResourceRef> ResourceFor(const std::string& api_version, const std::string& kind);
  Result<Unstructured> GetObject(const ObjectIdentity& identity, std::stop_token stop);
  Status DeleteObject(const ObjectIdentity& identity, const Unstructured& latest,
                      client::PropagationPolicy policy, std::stop_token stop);
  // Rewrites metadata.ownerReferences: drops those whose uid is in `remove`, sets
  // blockOwnerDeletion false on those in `unblock`. NotFound and a new uid are success.
  Status PatchOwnerReferences(const ObjectIdentity& identity, const std::set<std::string>& remove,
                              const std::set<std::string>& unblock, std::stop_token stop);
  Status RemoveFinalizer(const ObjectIdentity& identity, std::string_view finalizer,
                         std::stop_token stop);

  client::Client* const client_;
  const Options options_;
  Clock& clock_;
  const controller::Logger log_;
  client::RESTMapper mapper_;
  workqueue::RateLimitingQueue<std::string> attempt_to_delete_;
  workqueue::RateLimitingQueue<std::string> attempt_to_orphan_;
  workqueue::DelayingQueue<int> resync_queue_;
  AbsentOwnerCache absent_owners_;
  GraphBuilder graph_;

  // Held shared by workers per item and exclusively while monitors change, so no
  // item is judged on a graph missing a resource that was just discovered.
  std::shared_mutex worker_mu_;
  mutable std::mutex monitors_mu_;
  std::map<GroupResource, std::unique_ptr<Monitor>> monitors_;  // GUARDED_BY(monitors_mu_)
  std::atomic<bool> synced_{false};
  std::atomic<bool> ran_{false};
};

// Runs a GarbageCollector in `mgr` (as a leader-only runnable on the manager's client).
[[nodiscard]] Status SetupWithManager(manager::Manager& mgr, Options options = {});

}  // namespace kube::controllers::garbagecollector

#endif  // KUBECPP_CONTROLLERS_GARBAGECOLLECTOR_GARBAGE_COLLECTOR_H_
