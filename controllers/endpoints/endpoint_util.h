// What the Endpoints and EndpointSlice controllers share: which pods a Service
// selects, which pod changes matter to them, how a Service port resolves against a
// pod (docs/k8s-semantics.md B3, B4.3, B4.4; upstream pkg/controller/util/endpoint and
// staging/src/k8s.io/endpointslice/util).
//
//   for (const auto& pod : PodsForService(pods, service)) {
//     if (!ShouldPodBeInEndpoints(*pod, /*include_terminating=*/true)) continue;
//     if (auto port = FindPort(*pod, service_port)) ...
//   }
//
// Thread-safety: stateless functions; thread-safe (the caches passed in are).
#ifndef KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINT_UTIL_H_
#define KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINT_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/cache/store.h"
#include "kubecpp/controller/predicate.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/status.h"

namespace kube::controllers::endpoints {

using PodPtr = std::shared_ptr<const api::core::v1::Pod>;
using ServicePtr = std::shared_ptr<const api::core::v1::Service>;

// Label and annotation names (k8s.io/api core/v1 and discovery/v1).
inline constexpr std::string_view kHeadlessLabel = "service.kubernetes.io/headless";
inline constexpr std::string_view kLastChangeTriggerTimeAnnotation =
    "endpoints.kubernetes.io/last-change-trigger-time";
inline constexpr std::string_view kOverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
inline constexpr std::string_view kLeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";
inline constexpr std::string_view kZoneLabel = "topology.kubernetes.io/zone";

// True when the controllers maintain endpoints for `service`: it has a non-empty
// selector (an empty map is stored as absent upstream) and is not ExternalName.
bool ServiceSelectsPods(const api::core::v1::Service& service);

// True when spec.clusterIP is "None".
bool IsHeadless(const api::core::v1::Service& service);

// True when ServiceSelectsPods(service) and every selector entry equals the label.
bool SelectorMatches(const api::core::v1::Service& service,
                     const std::map<std::string, std::string>& labels);

// Pods in the service's namespace that its selector matches (from `pods`).
// Empty when !ServiceSelectsPods(service).
std::vector<PodPtr> PodsForService(const cache::Indexer<api::core::v1::Pod>& pods,
                                   const api::core::v1::Service& service);

// Keys of the services in the pod's namespace whose selector matches the pod's labels.
std::vector<ObjectKey> ServicesForPod(const cache::Indexer<api::core::v1::Service>& services,
                                      const api::core::v1::Pod& pod);

// Keys of every service that selects pods (for changes that may touch any of them).
std::vector<ObjectKey> AllSelectingServices(const cache::Indexer<api::core::v1::Service>& services);

// Upstream ShouldPodBeInEndpoints: the pod has an IP (status.podIP or podIPs), is not
// terminal, and is not terminating unless `include_terminating`.
bool ShouldPodBeInEndpoints(const api::core::v1::Pod& pod, bool include_terminating);

// The pod's IPs: status.podIPs, or status.podIP when podIPs is empty.
std::vector<std::string> PodIps(const api::core::v1::Pod& pod);

// True for an IPv6 address text (contains ':').
bool IsIpv6(std::string_view ip);

// Whether the pod's hostname is published for `service`: spec.hostname is set and
// spec.subdomain equals the service name (same namespace).
bool ShouldSetHostname(const api::core::v1::Pod& pod, const api::core::v1::Service& service);

// B4.4: the pod's port number for `service_port`: a numeric targetPort (or `port` when
// unset) as is; a named one is the containerPort of the first container port (regular
// containers, then init containers with restartPolicy Always) with that name and the
// service port's protocol (TCP when unset). nullopt when no port matches.
std::optional<int32_t> FindPort(const api::core::v1::Pod& pod,
                                const api::core::v1::ServicePort& service_port);

// The service port's protocol text ("TCP" when unset).
std::string ServicePortProtocol(const api::core::v1::ServicePort& service_port);

// Whether a pod update can change the endpoints of the services selecting it:
// labels, hostname/subdomain, deletion state, readiness, IPs, node or terminal phase.
// Updates with an unchanged resourceVersion (resyncs) never do.
bool PodEndpointsChanged(const api::core::v1::Pod& old_pod, const api::core::v1::Pod& new_pod);

// True for the apiserver's refusal to create objects in a terminating namespace
// (Forbidden with cause NamespaceTerminating): such creates are dropped, not retried.
bool IsNamespaceTerminating(const Status& status);

// The pod watch filter both controllers use: updates pass only when
// PodEndpointsChanged; adds and deletes always pass.
controller::Predicate<api::core::v1::Pod> PodEndpointsChangedPredicate();

}  // namespace kube::controllers::endpoints

#endif  // KUBECPP_CONTROLLERS_ENDPOINTS_ENDPOINT_UTIL_H_
