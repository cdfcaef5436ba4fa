// PlanSlices: the EndpointSlice reconciliation algorithm as a pure function
// (docs/k8s-semantics.md B4.2-B4.5; upstream staging/src/k8s.io/endpointslice
// reconciler.go). Given a Service, the pods it selects, its existing slices and the
// node cache, it says which slices to create, update and delete; the controller
// applies the plan.
//
//   SlicePlan plan = PlanSlices(service, pods, slices, node_lookup, 100);
//   for (auto& s : plan.create) ...   // generateName set, name empty
//   for (auto& s : plan.update) ...   // name and resourceVersion set
//   for (auto& s : plan.remove) ...   // existing slices
//
// Per address type of the service (ipFamilies; else the clusterIP's family; else both
// for a headless service), endpoints are grouped by their resolved port list (the
// "port map"). Within a port map, existing slices keep the endpoints still desired
// (updated in place), slices marked for update are filled first (fullest first), left
// over endpoints go to the unchanged slice they fit best, else to new slices, never
// more than `max_endpoints_per_slice` per slice. A service with no endpoints of an
// address type keeps one placeholder slice (no endpoints, no ports). Creates reuse
// the names of slices being deleted (turned into updates).
//
// Thread-safety: stateless; thread-safe.
#ifndef KUBECPP_CONTROLLERS_ENDPOINTSLICE_SLICE_PLAN_H_
#define KUBECPP_CONTROLLERS_ENDPOINTSLICE_SLICE_PLAN_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpointslice/endpoint_slice_tracker.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/api/discovery/v1/types.h"

namespace kube::controllers::endpointslice {

inline constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
inline constexpr std::string_view kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
// The managed-by value of this controller's slices.
inline constexpr std::string_view kManagedBy = "endpointslice-controller.k8s.io";

// The node cache: the Node named `name`, or nullptr when unknown.
using NodeLookup =
    std::function<std::shared_ptr<const api::core::v1::Node>(const std::string& name)>;

struct SlicePlan {
  std::vector<api::discovery::v1::EndpointSlice> create;
  std::vector<api::discovery::v1::EndpointSlice> update;
  std::vector<api::discovery::v1::EndpointSlice> remove;
  // Pods left out because their node is not in the node cache (the service should be
  // synced again later).
  std::vector<std::string> skipped_pods;
};

// The plan for `service` (REQUIRES: endpoints::ServiceSelectsPods(service)).
// `slices` are the service's slices (labelled with its name and managed by this
// controller), `pods` those its selector matches. Creates are left out while the
// service is being deleted.
SlicePlan PlanSlices(const api::core::v1::Service& service,
                     const std::vector<endpoints::PodPtr>& pods,
                     const std::vector<SlicePtr>& slices, const NodeLookup& nodes,
                     int max_endpoints_per_slice);

// The address types the service's slices have (B4.2): "IPv4" and/or "IPv6".
std::vector<std::string> AddressTypesFor(const api::core::v1::Service& service);

// The endpoint ports of `pod` for the service's ports (B4.4), in service port order.
std::vector<api::discovery::v1::EndpointPort> EndpointPortsFor(
    const api::core::v1::Service& service, const api::core::v1::Pod& pod);

// A canonical key of a port list (order-insensitive; absent name = "").
std::string PortMapKey(const std::vector<api::discovery::v1::EndpointPort>& ports);

// An endpoint's identity: sorted addresses, hostname and targetRef namespace/name.
std::string EndpointKey(const api::discovery::v1::Endpoint& endpoint);

// The labels a slice of `service` carries: the service's labels without the reserved
// keys, plus service-name, managed-by and (headless services) the headless label.
std::map<std::string, std::string> SliceLabels(const api::core::v1::Service& service);

// True when the slice has an ownerReference to the service (by uid).
bool OwnedBy(const api::discovery::v1::EndpointSlice& slice, const api::core::v1::Service& service);

}  // namespace kube::controllers::endpointslice

#endif  // KUBECPP_CONTROLLERS_ENDPOINTSLICE_SLICE_PLAN_H_
