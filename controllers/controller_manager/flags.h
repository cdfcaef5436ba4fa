// Command-line flags of kubecpp-controller-manager, in kube-controller-manager's style:
// `--name=value` or `--name value`, booleans as `--flag` or `--flag=false`, `-v=N`.
//
//   auto flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
//   if (!flags) { std::cerr << flags.error() << "\n" << Usage(); return 2; }
//   if (ControllerEnabled(*flags, "podsim")) ...
//
// Thread-safety: stateless functions.
#ifndef KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_FLAGS_H_
#define KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_FLAGS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/result.h"

namespace kube::controllers {

struct Flags {
  std::string kubeconfig;  // --kubeconfig
  std::string master;      // --master: overrides the kubeconfig's server URL
  // --controllers: names, "*" (every controller on by default) and "-name" (off).
  std::vector<std::string> controllers = {"*"};
  int concurrent_deployment_syncs = 5;
  int concurrent_replicaset_syncs = 5;
  int concurrent_endpoint_syncs = 5;          // the Endpoints controller
  int concurrent_service_endpoint_syncs = 5;  // the EndpointSlice controller
  int concurrent_gc_syncs = 20;
  int concurrent_namespace_syncs = 10;
  int concurrent_podsim_syncs = 5;
  double kube_api_qps = 20;
  int kube_api_burst = 30;

  bool leader_elect = true;
  std::chrono::milliseconds leader_elect_lease_duration = std::chrono::seconds(15);
  std::chrono::milliseconds leader_elect_renew_deadline = std::chrono::seconds(10);
  std::chrono::milliseconds leader_elect_retry_period = std::chrono::seconds(2);
  std::string leader_elect_resource_name = "kubecpp-controller-manager";
  std::string leader_elect_resource_namespace = "kube-system";

  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
  std::string log_format = "text";  // text | json
  int verbosity = 0;                // -v

  // --embedded-apiserver[=ADDR]: run the fake apiserver in this process over HTTPS on
  // ADDR ("127.0.0.1:0" when given without a value: a free port).
  std::optional<std::string> embedded_apiserver;
  // --write-kubeconfig: where the embedded apiserver's kubeconfig goes.
  std::string write_kubeconfig;
  // --apply FILE (repeatable): manifests applied (server-side) once the controllers
  // run; each Deployment's rollout is awaited and the objects are printed as tables.
  std::vector<std::string> apply;
  // --exit-after-apply: stop once the manifests rolled out (for scripts and tests).
  bool exit_after_apply = false;
  // --podsim-nodes: Node objects the pod simulator creates.
  int podsim_nodes = 3;

  bool help = false;
};

// Parses the arguments after the program name. Errors: kInvalid naming the flag.
[[nodiscard]] Result<Flags> ParseFlags(const std::vector<std::string>& args);

// The --help text.
std::string Usage();

// Every controller the binary knows, in start order.
const std::vector<std::string_view>& KnownControllers();
// Controllers "*" does not include (podsim: it would fight real kubelets). The
// embedded apiserver has no kubelets, so there podsim is on unless "-podsim" is given.
bool DisabledByDefault(std::string_view name, const Flags& flags);

// Whether --controllers turns `name` on: an explicit "name" wins, then "-name", then
// "*" for the controllers not disabled by default.
bool ControllerEnabled(const Flags& flags, std::string_view name);

}  // namespace kube::controllers

#endif  // KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_FLAGS_H_
