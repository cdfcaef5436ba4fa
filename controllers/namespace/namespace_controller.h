// Namespace controller: empties a deleted Namespace and then lets the apiserver remove
// it (docs/k8s-semantics.md A15; upstream pkg/controller/namespace).
//
// For a Namespace with a deletionTimestamp the reconcile
//   1. sets status.phase Terminating;
//   2. stops when spec.finalizers no longer holds "kubernetes" (already finalized);
//   3. deletes every namespaced resource's objects in it (delete collection where
//      served, else object by object; propagation Background), counts what remains
//      and which finalizers hold it, and records the conditions upstream keeps
//      (NamespaceDeletionDiscoveryFailure, NamespaceDeletionGVParsingFailure,
//      NamespaceDeletionContentFailure, NamespaceContentRemaining,
//      NamespaceFinalizersRemaining, with upstream's reasons and messages);
//   4. while content remains, looks again after half the estimated time (graceful
//      pods: their grace period left; finalizers: 15 s) and on errors with backoff;
//   5. once empty, removes "kubernetes" through PUT /api/v1/namespaces/<n>/finalize;
//      the apiserver then deletes the Namespace.
// Writes use field manager "kube-controller-manager".
//
//   auto c = NewController(client, informers, {.workers = 10});
//   std::jthread t([&](std::stop_token st) { (void)(*c)->Run(st); });
//
// Thread-safety: NamespaceReconciler is thread-safe (it holds no mutable state).
#ifndef KUBECPP_CONTROLLERS_NAMESPACE_NAMESPACE_CONTROLLER_H_
#define KUBECPP_CONTROLLERS_NAMESPACE_NAMESPACE_CONTROLLER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/unstructured.h"

namespace kube::manager {
class Manager;
}

// `namespace` is a keyword; the trailing underscore follows the SDK's `namespace_`.
namespace kube::controllers::namespace_ {

// The spec.finalizers entry this controller owns.
inline constexpr std::string_view kKubernetesFinalizer = "kubernetes";
// How long to wait for objects held by finalizers before looking again (upstream's
// finalizerEstimateSeconds).
inline constexpr int64_t kFinalizerEstimateSeconds = 15;

struct Options {
  // Reconcile workers (kube-controller-manager --concurrent-namespace-syncs). Default 10.
  int workers = 10;
  // Time source for the queue, requeues and condition timestamps. Default RealClock().
  Clock* clock = nullptr;
};

// What deleting the content found: the longest wait estimated (seconds), objects left
// per resource ("pods." / "widgets.example.com" as upstream prints them), objects
// left per finalizer, and the errors per resource.
struct ContentTotals {
  int64_t estimate_seconds = 0;
  std::map<std::string, int64_t> remaining_by_resource;
  std::map<std::string, int64_t> remaining_by_finalizer;
  std::vector<std::string> errors;
};

// Sets the five deletion conditions of `namespace_object` (status.conditions) from
// what one pass found: failures as True with upstream's reasons, the rest False with
// the "ok" reasons. lastTransitionTime changes only when a status flips. Returns
// whether anything changed.
bool UpdateDeletionConditions(Json* namespace_object, const std::string& discovery_error,
                              const ContentTotals& totals, const std::string& now);

class NamespaceReconciler final : public controller::Reconciler {
 public:
  // REQUIRES: `client` (and `clock` when given) outlive the reconciler.
  NamespaceReconciler(client::Client* client, Clock* clock);

  [[nodiscard]] Result<controller::Action> Reconcile(const controller::Request& request) override;

 private:
  // Deletes and counts the objects of one resource in namespace `ns`.
  void DeleteContentOf(const client::DiscoveredResource& resource, const std::string& ns,
                       Clock::Duration since_deletion, ContentTotals* totals, std::stop_token stop);
  Status UpdateStatus(Unstructured* ns, std::stop_token stop);
  // Removes kKubernetesFinalizer via the finalize subresource (conflicts re-read).
  Status Finalize(const std::string& name, std::stop_token stop);

  client::Client* const client_;
  Clock& clock_;
};

// The controller (For namespaces) on `informers`, with `options.workers` workers.
// REQUIRES: `client` and `informers` outlive it.
[[nodiscard]] Result<std::unique_ptr<controller::Controller>> NewController(
    client::Client* client, cache::InformerFactory& informers, Options options = {});

// Adds the controller to `mgr` (leader only).
[[nodiscard]] Status SetupWithManager(manager::Manager& mgr, Options options = {});

}  // namespace kube::controllers::namespace_

#endif  // KUBECPP_CONTROLLERS_NAMESPACE_NAMESPACE_CONTROLLER_H_
