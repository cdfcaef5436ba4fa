// DeploymentController: rolls a Deployment's pod template out through ReplicaSets
// (docs/k8s-semantics.md B2; upstream pkg/controller/deployment).
//
// For each Deployment it claims the ReplicaSets its selector picks, finds or creates
// the "new" ReplicaSet (the one whose template equals the Deployment's, named
// `<deployment>-<hash>`), moves replicas from old ReplicaSets to it with the
// RollingUpdate or Recreate strategy, keeps revision annotations, deletes old
// ReplicaSets beyond revisionHistoryLimit and writes status and conditions through
// the /status subresource. It never touches pods: the ReplicaSet controller does.
//
// Inputs: Deployments, ReplicaSets and Pods from the shared InformerFactory (pods
// only wake Recreate rollouts on deletion). Every decision is made from the caches;
// writes use field manager "kube-controller-manager". Time (condition timestamps,
// progress deadlines) comes from Options::clock.
//
//   auto dc = DeploymentController::New(client, informers, &recorder, {.workers = 5});
//   auto controller = (*dc)->NewController();   // a controller::Controller to Run
//   // or, in a manager:
//   KUBE_RETURN_IF_ERROR(SetupWithManager(mgr, {.workers = 5}));
//
// Tests drive Sync directly, one step at a time, as upstream's unit tests do.
//
// Thread-safety: thread-safe; Sync may run concurrently for different keys (the
// controller never runs one key twice at once).
#ifndef KUBECPP_CONTROLLERS_DEPLOYMENT_DEPLOYMENT_CONTROLLER_H_
#define KUBECPP_CONTROLLERS_DEPLOYMENT_DEPLOYMENT_CONTROLLER_H_

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "controllers/deployment/util.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/informer.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/client.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/manager/manager.h"

namespace kube::metrics {
class Registry;
}

namespace kube::controllers::deployment {

struct Options {
  // Worker threads (--concurrent-deployment-syncs). Default 5, as upstream.
  int workers = 5;
  // Time for conditions, progress deadlines and the work queue. Default RealClock().
  Clock* clock = nullptr;
  // Controller metrics. Default: metrics::DefaultRegistry() (the manager's with
  // SetupWithManager).
  metrics::Registry* metrics_registry = nullptr;
  // The controller's name in logs and metrics. Default "deployment".
  std::string name = "deployment";
};

class DeploymentController final : public controller::Reconciler,
                                   public std::enable_shared_from_this<DeploymentController> {
 public:
  // Gets (or creates) the Deployment, ReplicaSet and Pod informers from `informers`.
  // REQUIRES: `client`, `informers` and `recorder` (may be null: no Events) outlive
  // the controller. Errors: those of InformerFactory::For.
  [[nodiscard]] static Result<std::shared_ptr<DeploymentController>> New(
      client::Client* client, cache::InformerFactory& informers, manager::EventRecorder* recorder,
      Options options = {});
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  // A controller::Controller running this reconciler on `options.workers` workers,
  // with the event handlers of B2.1 as its watches. The informers start with the
  // factory. Errors: those of Controller::New.
  [[nodiscard]] Result<std::unique_ptr<controller::Controller>> NewController();

  // One sync of the Deployment `key` (B2.3). Returns Done, or RequeueAfter when a
  // progress deadline must be checked later; an error to retry with backoff (a
  // conflict, a hash collision, a failed write). Blocks on API calls.
  [[nodiscard]] Result<controller::Action> Sync(const ObjectKey& key, std::stop_token stop = {});
  // The same on a given copy of the Deployment instead of the cached one (tests use
  // it for objects the apiserver would refuse to store).
  [[nodiscard]] Result<controller::Action> SyncObject(const Deployment& d,
                                                      std::stop_token stop = {});
  [[nodiscard]] Result<controller::Action> Reconcile(const controller::Request& request) override;

  // The caches (shared with other controllers through the factory).
  const std::shared_ptr<cache::Informer<Deployment>>& deployments() const { return deployments_; }
  const std::shared_ptr<cache::Informer<ReplicaSet>>& replica_sets() const { return replica_sets_; }
  const std::shared_ptr<cache::Informer<api::core::v1::Pod>>& pods() const { return pods_; }

 private:
  class Syncer;  // the state of one Sync
  friend class Syncer;

  DeploymentController(client::Client* client, manager::EventRecorder* recorder, Options options);

  // Event-handler helpers (B2.1): map changes to Deployment keys.
  std::shared_ptr<const Deployment> ResolveControllerRef(const std::string& namespace_,
                                                         const OwnerReference* ref) const;
  std::vector<ObjectKey> DeploymentsForReplicaSet(const ReplicaSet& rs) const;
  std::vector<ObjectKey> OnReplicaSetAdd(const ReplicaSet& rs) const;
  std::vector<ObjectKey> OnReplicaSetUpdate(const ReplicaSet& old_rs, const ReplicaSet& rs) const;
  std::vector<ObjectKey> OnReplicaSetDelete(const ReplicaSet& rs) const;
  std::vector<ObjectKey> OnPodDelete(const api::core::v1::Pod& pod) const;

  client::Client* client_;
  manager::EventRecorder* recorder_;
  Options options_;
  Clock& clock_;
  std::shared_ptr<cache::Informer<Deployment>> deployments_;
  std::shared_ptr<cache::Informer<ReplicaSet>> replica_sets_;
  std::shared_ptr<cache::Informer<api::core::v1::Pod>> pods_;
};

// Adds the Deployment controller to `mgr` (informers from mgr.informers(), Events
// through mgr.event_recorder(), metrics in mgr.metrics_registry() unless set).
[[nodiscard]] Status SetupWithManager(manager::Manager& mgr, Options options = {});

}  // namespace kube::controllers::deployment

#endif  // KUBECPP_CONTROLLERS_DEPLOYMENT_DEPLOYMENT_CONTROLLER_H_
