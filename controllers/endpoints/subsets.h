// Endpoints subsets: the canonical packing the Endpoints controller writes
// (docs/k8s-semantics.md B3 steps 7-10; upstream pkg/api/v1/endpoints RepackSubsets
// and the controller's truncateEndpoints).
//
//   std::vector<EndpointSubset> one_per_pod_and_port = ...;
//   auto subsets = RepackSubsets(one_per_pod_and_port);
//   bool truncated = TruncateSubsets(&subsets, kMaxEndpointsAddresses);
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CONTROLLERS_ENDPOINTS_SUBSETS_H_
#define KUBECPP_CONTROLLERS_ENDPOINTS_SUBSETS_H_

#include <cstddef>
#include <vector>

#include "kubecpp/api/core/v1/types.h"

namespace kube::controllers::endpoints {

// Addresses an Endpoints object holds at most before it is truncated.
inline constexpr size_t kMaxEndpointsAddresses = 1000;

// Groups addresses by identical port sets into subsets. An address is identified by
// its IP and targetRef uid; it is ready for a port when any input lists it ready for
// that port. Subsets with no ports keep their addresses in a port-less subset. The
// result is canonical: addresses sorted by IP (then uid), ports by name, number and
// protocol, subsets by their content; empty lists are absent.
std::vector<api::core::v1::EndpointSubset> RepackSubsets(
    const std::vector<api::core::v1::EndpointSubset>& subsets);

// Total ready plus not-ready addresses.
size_t CountAddresses(const std::vector<api::core::v1::EndpointSubset>& subsets);

// Cuts `subsets` to `max` addresses when they hold more: ready addresses are kept
// first (not-ready ones are cut before any ready one), the cut spread over the
// subsets in proportion to their size. Returns true when it cut anything.
bool TruncateSubsets(std::vector<api::core::v1::EndpointSubset>* subsets, size_t max);

// Equality ignoring targetRef resourceVersions and absent-versus-empty lists.
bool SubsetsEqual(const std::vector<api::core::v1::EndpointSubset>& a,
                  const std::vector<api::core::v1::EndpointSubset>& b);

}  // namespace kube::controllers::endpoints

#endif  // KUBECPP_CONTROLLERS_ENDPOINTS_SUBSETS_H_
