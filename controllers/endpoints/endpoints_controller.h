// EndpointsController: keeps one core/v1 Endpoints object per selecting Service equal
// to the addresses of the pods it selects (docs/k8s-semantics.md B3; upstream
// pkg/controller/endpoint).
//
// For every Service with a non-empty selector (not ExternalName) it writes Endpoints
// `<ns>/<service>`: ready pods in `addresses`, the others in `notReadyAddresses`,
// terminating pods left out unless publishNotReadyAddresses; one subset per set of
// addresses sharing the same ports, in a canonical order; at most 1000 addresses
// (annotation endpoints.kubernetes.io/over-capacity=truncated beyond); the service's
// labels plus service.kubernetes.io/headless for headless services; annotation
// endpoints.kubernetes.io/last-change-trigger-time. Endpoints of deleted services are
// deleted, also those left over from before a restart. Nothing is written when the
// object is already as desired, so pod updates that do not touch endpoints (status
// details, annotations) cause no writes.
//
// Watches Services, Pods (filtered by PodEndpointsChanged) and Endpoints deletions,
// through the shared InformerFactory; decisions come from the caches.
//
//   auto c = EndpointsController::New(client, informers, {.workers = 5});
//   informers.Start(stop);
//   Status s = (*c)->Run(stop);
//
// Thread-safety: thread-safe; Run is called once.
#ifndef KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINTS_CONTROLLER_H_
#define KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINTS_CONTROLLER_H_

#include <chrono>
#include <memory>
#include <stop_token>
#include <string_view>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/client.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::endpoints {

// The controller's name (logs, metrics, the manager's runnable).
inline constexpr std::string_view kControllerName = "endpoint-controller";
// The field manager of its writes.
inline constexpr std::string_view kFieldManager = "kube-controller-manager";

struct Options {
  // Worker threads (--concurrent-endpoint-syncs). Default 5.
  int workers = 5;
  // Time source of the queue and backoff. Default RealClock().
  Clock* clock = nullptr;
  // Where the controller's metrics go. Default metrics::DefaultRegistry().
  metrics::Registry* metrics_registry = nullptr;
  // How long Run waits for the caches. Default 2 minutes.
  Clock::Duration cache_sync_timeout = std::chrono::minutes(2);
};

class EndpointsSyncer;

class EndpointsController {
 public:
  // Builds the controller and its watches (the informers come from `informers`).
  // REQUIRES: `client` and `informers` outlive the controller.
  // Errors: kInvalid for workers < 1; the informer factory's errors.
  [[nodiscard]] static Result<std::unique_ptr<EndpointsController>> New(
      client::Client* client, cache::InformerFactory& informers, Options options = {});
  ~EndpointsController();
  EndpointsController(const EndpointsController&) = delete;
  EndpointsController& operator=(const EndpointsController&) = delete;

  // Waits for the caches (the factory must be started), queues the service of every
  // existing Endpoints object (except leader-election records) so that leftovers of
  // deleted services go, then runs the workers until `stop`. Blocks.
  // Errors: kTimeout when the caches do not sync; as Controller::Run.
  [[nodiscard]] Status Run(std::stop_token stop);

  // The underlying controller (queue length, Enqueue, started()).
  controller::Controller& controller() { return *controller_; }

 private:
  EndpointsController() = default;

  std::shared_ptr<EndpointsSyncer> syncer_;
  std::unique_ptr<controller::Controller> controller_;
  Clock::Duration cache_sync_timeout_{};
};

// Adds the controller to `mgr` as a runnable that needs leadership. Options left
// unset take the manager's clock and metrics registry.
[[nodiscard]] Status SetupWithManager(manager::Manager& mgr, Options options = {});

}  // namespace kube::controllers::endpoints

#endif  // KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINTS_CONTROLLER_H_
