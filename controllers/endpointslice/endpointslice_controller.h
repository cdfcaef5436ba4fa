// EndpointSliceController: keeps the discovery.k8s.io/v1 EndpointSlices of every
// selecting Service equal to the pods it selects (docs/k8s-semantics.md B4; upstream
// pkg/controller/endpointslice).
//
// Slices are labelled kubernetes.io/service-name=<service> and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io, named
// `<service>-<random>`, owned by the Service (the garbage collector deletes them with
// it), at most `max_endpoints_per_slice` endpoints each, grouped by address type and
// resolved port list; see slice_plan.h for the algorithm. Endpoints carry the
// conditions ready / serving / terminating, nodeName, zone (from the Node's
// topology.kubernetes.io/zone label) and hostname. Pods on a Node the cache does not
// know are left out and the service is retried, unless publishNotReadyAddresses.
//
// Watches Services, Pods (PodEndpointsChanged updates), Nodes (added, deleted, zone
// changed) and its own EndpointSlices; an EndpointSliceTracker tells its own writes
// from other writers' (which are repaired) and holds syncs back until the cache has
// caught up with its writes.
//
//   auto c = EndpointSliceController::New(client, informers, {.max_endpoints_per_slice = 100});
//   informers.Start(stop);
//   Status s = (*c)->Run(stop);
//
// Thread-safety: thread-safe; Run is called once.
#ifndef KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINTSLICE_CONTROLLER_H_
#define KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINTSLICE_CONTROLLER_H_

#include <chrono>
#include <memory>
#include <stop_token>
#include <string_view>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/client.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::endpointslice {

// The controller's name (logs, metrics, the manager's runnable).
inline constexpr std::string_view kControllerName = "endpointslice-controller";
// The field manager of its writes.
inline constexpr std::string_view kFieldManager = "kube-controller-manager";

struct Options {
  // Worker threads (--concurrent-service-endpoint-syncs). Default 5.
  int workers = 5;
  // Endpoints per slice at most (--max-endpoints-per-slice), 1 to 1000. Default 100.
  int max_endpoints_per_slice = 100;
  // Time source of the queue and backoff. Default RealClock().
  Clock* clock = nullptr;
  // Where the controller's metrics go. Default metrics::DefaultRegistry().
  metrics::Registry* metrics_registry = nullptr;
  // How long Run waits for the caches. Default 2 minutes.
  Clock::Duration cache_sync_timeout = std::chrono::minutes(2);
};

class EndpointSliceSyncer;

class EndpointSliceController {
 public:
  // Builds the controller and its watches (the informers come from `informers`).
  // REQUIRES: `client` and `informers` outlive the controller.
  // Errors: kInvalid for workers < 1 or max_endpoints_per_slice outside 1..1000; the
  // informer factory's errors.
  [[nodiscard]] static Result<std::unique_ptr<EndpointSliceController>> New(
      client::Client* client, cache::InformerFactory& informers, Options options = {});
  ~EndpointSliceController();
  EndpointSliceController(const EndpointSliceController&) = delete;
  EndpointSliceController& operator=(const EndpointSliceController&) = delete;

  // Runs the workers until `stop` (the factory must be started). Blocks.
  // Errors: as Controller::Run.
  [[nodiscard]] Status Run(std::stop_token stop);

  // The underlying controller (queue length, Enqueue, started()).
  controller::Controller& controller() { return *controller_; }

 private:
  EndpointSliceController() = default;

  std::shared_ptr<EndpointSliceSyncer> syncer_;
  std::unique_ptr<controller::Controller> controller_;
};

// Adds the controller to `mgr` as a runnable that needs leadership. Options left
// unset take the manager's clock and metrics registry.
[[nodiscard]] Status SetupWithManager(manager::Manager& mgr, Options options = {});

}  // namespace kube::controllers::endpointslice

#endif  // KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINTSLICE_CONTROLLER_H_
