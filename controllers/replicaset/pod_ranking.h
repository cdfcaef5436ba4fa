// Which pods a ReplicaSet deletes first when it scales down (docs/k8s-semantics.md
// B1.5; upstream pkg/controller/controller_utils.go ActivePodsWithRanks with
// LogarithmicScaleDown and PodDeletionCost on, as since Kubernetes 1.22).
//
// A pod's rank is the number of active "related" pods on its node: pods selected by
// any ReplicaSet sharing this ReplicaSet's controller owner (for a Deployment, all
// its revisions). The Deployment controller uses the same ordering.
//
//   auto victims = PodsToDelete(owned, related, 2, clock.WallNow());
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CONTROLLERS_REPLICASET_POD_RANKING_H_
#define KUBECPP_CONTROLLERS_REPLICASET_POD_RANKING_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "kubecpp/api/core/v1/types.h"

namespace kube::controllers::replicaset {

// The annotation whose int32 value orders deletion (lower first). Missing or invalid
// values count as 0.
inline constexpr std::string_view kPodDeletionCostAnnotation =
    "controller.kubernetes.io/pod-deletion-cost";

int32_t PodDeletionCost(const api::core::v1::Pod& pod);

// True when pod `a` (with related-pod rank `rank_a`) should be deleted before `b`:
//   1. unscheduled before scheduled; 2. phase Pending < Unknown < Running (others as
//   Pending); 3. not ready before ready; 4. lower pod-deletion-cost first; 5. higher
//   rank first; 6. both ready: more recently ready first, compared in
//   floor(log2(now - readyTime ns)) buckets with equal buckets ordered by uid, a zero
//   ready time first; 7. higher maximum container restart count first (regular
//   containers, then restartable init containers); 8. newer creationTimestamp first,
//   bucketed as in 6.
// A strict weak ordering for a fixed `now`.
bool PodDeletionLess(const api::core::v1::Pod& a, int rank_a, const api::core::v1::Pod& b,
                     int rank_b, std::chrono::system_clock::time_point now);

// Per pod in `pods`: how many active pods of `related` share its spec.nodeName
// (unscheduled pods share the node "").
std::vector<int> RelatedPodRanks(
    const std::vector<std::shared_ptr<const api::core::v1::Pod>>& pods,
    const std::vector<std::shared_ptr<const api::core::v1::Pod>>& related);

// The first `n` pods of `pods` in deletion order (all of them, unsorted, when
// n >= pods.size()). Ties keep the input order.
std::vector<std::shared_ptr<const api::core::v1::Pod>> PodsToDelete(
    const std::vector<std::shared_ptr<const api::core::v1::Pod>>& pods,
    const std::vector<std::shared_ptr<const api::core::v1::Pod>>& related, size_t n,
    std::chrono::system_clock::time_point now);

}  // namespace kube::controllers::replicaset

#endif  // KUBECPP_CONTROLLERS_REPLICASET_POD_RANKING_H_
