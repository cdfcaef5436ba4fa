// What `kubecpp-controller-manager --apply FILE` does once its controllers run: apply
// manifests (server-side apply, like `kubectl apply --server-side`), wait for every
// applied Deployment to roll out (the test of `kubectl rollout status`), and print the
// namespace's objects as `kubectl get` shows them (the server's Table output).
//
// Thread-safety: stateless functions; the client is thread-safe.
#ifndef KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_DEMO_H_
#define KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_DEMO_H_

#include <chrono>
#include <iosfwd>
#include <stop_token>
#include <string>
#include <vector>

#include "kubecpp/core/gvk.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/result.h"

namespace kube::client {
class Client;
}

namespace kube::controllers {

struct AppliedObject {
  std::string resource;  // "deployments"
  std::string kind;      // "Deployment"
  ObjectKey key;
};

// Applies every document of every file as `field_manager` (force). Errors name the file
// and the object.
[[nodiscard]] Result<std::vector<AppliedObject>> ApplyManifests(
    client::Client& client, const std::vector<std::string>& files, std::string_view field_manager,
    std::ostream& out);

// True when `kubectl rollout status` would say the Deployment rolled out: observed
// its generation, every replica updated and available, no old replicas left.
// `deployment` is the object's JSON.
bool RolloutComplete(const Json& deployment);

// Waits until every applied Deployment rolled out, printing progress lines.
// Errors: kTimeout naming the Deployments still rolling; kCancelled on `stop`.
[[nodiscard]] Status WaitForRollouts(client::Client& client,
                                     const std::vector<AppliedObject>& applied,
                                     std::chrono::milliseconds timeout, std::stop_token stop,
                                     std::ostream& out);

// `kubectl get deployments,replicasets,pods,services,endpointslices -n NS` for each
// namespace of `applied`.
[[nodiscard]] Status PrintObjects(client::Client& client, const std::vector<AppliedObject>& applied,
                                  std::ostream& out);

// Formats a meta.k8s.io/v1 Table like kubectl: the priority-0 columns, upper-case
// headers, NAME prefixed with `name_prefix` ("deployment.apps/"), columns padded to
// their widest cell plus three spaces.
std::string FormatTable(const Json& table, std::string_view name_prefix);

}  // namespace kube::controllers

#endif  // KUBECPP_CONTROLLERS_CONTROLLER_MANAGER_DEMO_H_
