// The replica arithmetic of a Deployment rollout, as pure functions on counts
// (docs/k8s-semantics.md B2.4 RollingUpdate and B2.5 proportional scaling; upstream
// pkg/controller/deployment/rolling.go and sync.go).
//
// The controller (deployment_controller.h) turns the sizes these return into
// ReplicaSet updates; tests replay the Appendix trace on them directly.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CONTROLLERS_DEPLOYMENT_ROLLOUT_H_
#define KUBECPP_CONTROLLERS_DEPLOYMENT_ROLLOUT_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace kube::controllers::deployment {

// A ReplicaSet's spec.replicas and status.availableReplicas.
struct ReplicaCounts {
  int32_t replicas = 0;
  int32_t available = 0;
};

// B2.4 step 2: the size of the new ReplicaSet after one RollingUpdate step, given
// `desired` (spec.replicas), the resolved `max_surge`, the sum of spec.replicas over
// all ReplicaSets and the new one's current spec.replicas. A new ReplicaSet above
// `desired` goes down to it; otherwise it grows by what the surge allows, never past
// `desired`.
int32_t NewReplicasForRollingUpdate(int32_t desired, int32_t max_surge, int32_t total_replicas,
                                    int32_t new_replicas);

// B2.4 step 3: the sizes of the active old ReplicaSets (given oldest first) after one
// step: first unavailable old replicas are removed within the budget
// `all - minAvailable - newUnavailable`, then available ones down to `minAvailable`
// (`desired - max_unavailable`). Returns one size per old ReplicaSet, same order.
std::vector<int32_t> ScaleDownOldReplicaSets(int32_t desired, int32_t max_unavailable,
                                             ReplicaCounts new_rs,
                                             const std::vector<ReplicaCounts>& old_oldest_first);

// One active ReplicaSet for proportional scaling.
struct ScalableReplicaSet {
  int32_t replicas = 0;
  // Its deployment.kubernetes.io/max-replicas annotation.
  std::optional<int32_t> max_replicas_annotation;
};

// B2.5 step 4: the new sizes of the active ReplicaSets (given oldest first, the new
// one included) when a RollingUpdate Deployment is resized to `desired` mid-rollout.
// `status_replicas` is the Deployment's status.replicas (the fallback when a
// ReplicaSet lacks max-replicas). Returns one size per ReplicaSet, same order.
std::vector<int32_t> ProportionalScale(int32_t desired, int32_t max_surge, int32_t status_replicas,
                                       const std::vector<ScalableReplicaSet>& oldest_first);

}  // namespace kube::controllers::deployment

#endif  // KUBECPP_CONTROLLERS_DEPLOYMENT_ROLLOUT_H_
