// kubecpp-controller-manager as a library: RunControllerManager is the binary's main
// after flag parsing, so tests run the whole program in-process.
//
// It loads the client config (--master/--kubeconfig, else KUBECONFIG, in-cluster,
// ~/.kube/config), or starts the embedded fake apiserver over HTTPS and uses its
// kubeconfig; builds a kubecpp Manager (leader election on a Lease, /metrics,
// /healthz, /readyz, Events) and adds every controller --controllers enables; with
// --apply, applies manifests once the controllers lead, waits for the rollouts and
// prints the objects. Runs until `stop` fires (or, with --exit-after-apply, until the
// manifests rolled out).
//
// Thread-safety: call once per process (the log format is process-wide).
#ifndef KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_CONTROLLER_MANAGER_H_
#define KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_CONTROLLER_MANAGER_H_

#include <functional>
#include <iosfwd>
#include <stop_token>
#include <string>

#include "controllers/controller_manager/flags.h"
#include "kubecpp/core/status.h"

namespace kube {
class Clock;
}
namespace kube::manager {
class Manager;
}

namespace kube::controllers {

// What a controller's init function gets (kube-controller-manager's ControllerContext).
struct ControllerContext {
  manager::Manager& manager;
  const Flags& flags;
  Clock& clock;
};

// Adds one built-in controller to the manager.
using InitFunc = std::function<Status(ControllerContext&)>;
// The init function of a KnownControllers() name.
const InitFunc& InitFor(std::string_view name);

// Called once the manager runs, with the URL of the apiserver and, for the embedded
// apiserver, the kubeconfig path (tests and `make run` use it).
struct RunHooks {
  std::function<void(const std::string& server, const std::string& kubeconfig)> on_started;
  Clock* clock = nullptr;  // default RealClock()
};

// Runs the controller manager; `out` gets the progress and --apply output.
// Errors: bad configuration, a failing controller, a failed --apply.
[[nodiscard]] Status RunControllerManager(const Flags& flags, std::stop_token stop,
                                          std::ostream& out, const RunHooks& hooks = {});

}  // namespace kube::controllers

#endif  // KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_CONTROLLER_MANAGER_H_
