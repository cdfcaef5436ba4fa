// Deployment status and conditions computed from its ReplicaSets
// (docs/k8s-semantics.md B2.8 and B2.10; upstream pkg/controller/deployment/sync.go
// calculateStatus, progress.go syncRolloutStatus and util/deployment_util.go).
//
// Every function takes the current time explicitly, so callers pass the injected
// Clock's wall time and tests pin it.
//
// Thread-safety: stateless functions and constants; thread-safe.
#ifndef KUBECPP_CONTROLLERS_DEPLOYMENT_STATUS_H_
#define KUBECPP_CONTROLLERS_DEPLOYMENT_STATUS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/deployment/util.h"
#include "kubecpp/core/time.h"

namespace kube::controllers::deployment {

using api::apps::v1::DeploymentCondition;
using api::apps::v1::DeploymentStatus;

// Condition types.
inline constexpr std::string_view kConditionAvailable = "Available";
inline constexpr std::string_view kConditionProgressing = "Progressing";
inline constexpr std::string_view kConditionReplicaFailure = "ReplicaFailure";

// Condition reasons.
inline constexpr std::string_view kReasonMinimumReplicasAvailable = "MinimumReplicasAvailable";
inline constexpr std::string_view kReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable";
inline constexpr std::string_view kReasonNewReplicaSetAvailable = "NewReplicaSetAvailable";
inline constexpr std::string_view kReasonReplicaSetUpdated = "ReplicaSetUpdated";
inline constexpr std::string_view kReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded";
inline constexpr std::string_view kReasonNewReplicaSetCreated = "NewReplicaSetCreated";
inline constexpr std::string_view kReasonFoundNewReplicaSet = "FoundNewReplicaSet";
inline constexpr std::string_view kReasonReplicaSetCreateError = "ReplicaSetCreateError";
inline constexpr std::string_view kReasonDeploymentPaused = "DeploymentPaused";
inline constexpr std::string_view kReasonDeploymentResumed = "DeploymentResumed";

// Event reasons.
inline constexpr std::string_view kEventScalingReplicaSet = "ScalingReplicaSet";
inline constexpr std::string_view kEventSelectingAll = "SelectingAll";

// A condition with lastUpdateTime = lastTransitionTime = `now`.
DeploymentCondition NewCondition(std::string_view type, std::string_view status,
                                 std::string_view reason, std::string message, Time now);
// The condition of `type`, or nullptr (points into `status`).
const DeploymentCondition* GetCondition(const DeploymentStatus& status, std::string_view type);
// Sets `condition`: no-op when one of its type has the same status and reason;
// otherwise replaces it (moved to the end), keeping lastTransitionTime when the status
// is unchanged.
void SetCondition(DeploymentStatus* status, DeploymentCondition condition);
void RemoveCondition(DeploymentStatus* status, std::string_view type);

// The counts of B2.8 over `all` (nullptr entries ignored) with the Deployment's
// conditions carried over and Available set. Zero counts are left absent, as the
// apiserver's omitempty writes them.
DeploymentStatus CalculateStatus(const std::vector<const ReplicaSet*>& all,
                                 const ReplicaSet* new_rs, const Deployment& d, Time now);

// updated == replicas == available == spec.replicas and the generation is observed.
bool DeploymentComplete(const Deployment& d, const DeploymentStatus& status);
// Compared with d.status: more updated, fewer old, more ready or more available.
bool DeploymentProgressing(const Deployment& d, const DeploymentStatus& status);
// The Progressing condition of `status` is ProgressDeadlineExceeded already, or is
// not NewReplicaSetAvailable and its lastUpdateTime + deadline is before `now`.
bool DeploymentTimedOut(const Deployment& d, const DeploymentStatus& status, Time now);

// CalculateStatus plus the Progressing (complete / progressing / timed out) and
// ReplicaFailure rules: the status a rollout step writes (upstream syncRolloutStatus).
DeploymentStatus RolloutStatus(const std::vector<const ReplicaSet*>& all, const ReplicaSet* new_rs,
                               const Deployment& d, Time now);

// When to sync again to notice a progress deadline passing:
// `lastUpdateTime + deadline - now + 1 s` for a Deployment with a deadline whose
// `status` is neither complete nor timed out; nullopt when no check is needed.
std::optional<std::chrono::seconds> ProgressRequeueAfter(const Deployment& d,
                                                         const DeploymentStatus& status, Time now);

}  // namespace kube::controllers::deployment

#endif  // KUBECPP_CONTROLLERS_DEPLOYMENT_STATUS_H_
