// The ReplicaSet controller (docs/k8s-semantics.md B1; upstream
// pkg/controller/replicaset): keeps `spec.replicas` active pods matching each
// ReplicaSet's selector, adopting orphans and releasing pods that stopped matching,
// and reports replicas / fullyLabeled / ready / available counts in `status`.
//
// Flow: ReplicaSet and Pod informers (all namespaces, from the InformerFactory) feed a
// kube::controller::Controller keyed by ReplicaSet. Pod events lower the expectations
// (expectations.h) before queueing the owner. Each sync claims pods (common/claim.h),
// creates (slow start 1, 2, 4, ... capped at `burst_replicas`) or deletes (ranked by
// pod_ranking.h) pods when expectations are satisfied, then writes `/status`.
//
//   auto rs = ReplicaSetController::New(client, informers, {.workers = 5, .clock = &clock});
//   auto controller = (*rs)->NewController();
//   informers.Start(stop);
//   (*controller)->Run(stop);
// or, in a manager: KUBE_RETURN_IF_ERROR(ReplicaSetController::SetupWithManager(mgr, {}));
//
// Thread-safety: thread-safe; Sync runs on `workers` threads (never twice for a key).
#ifndef KUBECPP_CONTROLLERS_REPLICASET_REPLICASET_CONTROLLER_H_
#define KUBECPP_CONTROLLERS_REPLICASET_REPLICASET_CONTROLLER_H_

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "controllers/replicaset/expectations.h"
#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/informer.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::replicaset {

struct Options {
  // Worker threads (--concurrent-replicaset-syncs). Default 5.
  int workers = 5;
  // Time for expectations, availability and the work queue. Default RealClock().
  Clock* clock = nullptr;
  // Where SuccessfulCreate / FailedCreate / SuccessfulDelete / FailedDelete events go.
  // Default: none (SetupWithManager uses the manager's recorder).
  manager::EventRecorder* recorder = nullptr;
  // Pods created or deleted per sync at most (upstream BurstReplicas). Default 500.
  int burst_replicas = 500;
  // Expectation records older than this are ignored. Default 5 minutes.
  Clock::Duration expectations_ttl = kExpectationsTimeout;
  // Feature DeploymentReplicaSetTerminatingReplicas: report status.terminatingReplicas.
  // Default false (alpha in 1.33).
  bool terminating_replicas = false;
  // Controller name (logs, metrics). Default "replicaset".
  std::string name = "replicaset";
};

class ReplicaSetController final : public controller::Reconciler,
                                   public std::enable_shared_from_this<ReplicaSetController> {
 public:
  // Gets the shared ReplicaSet and Pod informers from `informers` (not started here).
  // REQUIRES: `client` and `informers` outlive the controller. Errors: the factory's.
  [[nodiscard]] static Result<std::shared_ptr<ReplicaSetController>> New(
      client::Client* client, cache::InformerFactory& informers, Options options);

  // Adds the controller (with the manager's client, informers and event recorder
  // unless options.recorder is set) to `mgr`.
  [[nodiscard]] static Status SetupWithManager(manager::Manager& mgr, Options options = {});

  // A runnable Controller wired to the informers: options.workers workers, this
  // object as the reconciler. Call once.
  [[nodiscard]] Result<std::unique_ptr<controller::Controller>> NewController();

  // One sync of the ReplicaSet `request.key` (B1.2). Returns RequeueAfter while ready
  // pods wait out minReadySeconds; errors are retried with backoff.
  [[nodiscard]] Result<controller::Action> Reconcile(const controller::Request& request) override;

  Expectations& expectations() { return expectations_; }

  ReplicaSetController(const ReplicaSetController&) = delete;
  ReplicaSetController& operator=(const ReplicaSetController&) = delete;

 private:
  ReplicaSetController(client::Client* client, Options options, Clock& clock,
                       std::shared_ptr<cache::Informer<api::apps::v1::ReplicaSet>> sets,
                       std::shared_ptr<cache::Informer<api::core::v1::Pod>> pods);

  using PodPtr = std::shared_ptr<const api::core::v1::Pod>;
  using RsPtr = std::shared_ptr<const api::apps::v1::ReplicaSet>;

  // The ReplicaSet `ref` (a controllerRef of a pod in `namespace_`) names, from the
  // cache, when kind and uid match; else nullptr.
  RsPtr ResolveControllerRef(const std::string& namespace_, const OwnerReference& ref) const;
  // ReplicaSets in the pod's namespace whose non-empty selector matches its labels.
  std::vector<RsPtr> PodReplicaSets(const api::core::v1::Pod& pod) const;
  // Pods selected by the ReplicaSets sharing `rs`'s controller owner (B1.5).
  std::vector<PodPtr> RelatedPods(const api::apps::v1::ReplicaSet& rs) const;

  Status ManageReplicas(const std::vector<PodPtr>& owned, const api::apps::v1::ReplicaSet& rs,
                        std::stop_token stop);
  Status CreatePods(const api::apps::v1::ReplicaSet& rs, int count, std::stop_token stop);
  Status DeletePods(const api::apps::v1::ReplicaSet& rs, const std::vector<PodPtr>& victims,
                    std::stop_token stop);
  api::apps::v1::ReplicaSetStatus CalculateStatus(const api::apps::v1::ReplicaSet& rs,
                                                  const std::vector<PodPtr>& owned, int terminating,
                                                  const Status& manage_error);
  // Writes `status` through /status when it differs (one re-read and retry on
  // failure); returns the ReplicaSet as written (or `rs` when unchanged).
  Result<api::apps::v1::ReplicaSet> UpdateStatus(const api::apps::v1::ReplicaSet& rs,
                                                 const api::apps::v1::ReplicaSetStatus& status,
                                                 std::stop_token stop);
  void Event(const api::apps::v1::ReplicaSet& rs, manager::EventType type, std::string_view reason,
             std::string_view message);

  client::Client* const client_;
  const Options options_;
  Clock& clock_;
  Expectations expectations_;
  std::shared_ptr<cache::Informer<api::apps::v1::ReplicaSet>> sets_;
  std::shared_ptr<cache::Informer<api::core::v1::Pod>> pods_;
};

}  // namespace kube::controllers::replicaset

#endif  // KUBECPP_CONTROLLERS_REPLICASET_REPLICASET_CONTROLLER_H_
