// Deployment helpers with no API access: the well-known annotation keys, the rollout
// fenceposts (maxSurge / maxUnavailable), the pod-template hash that names a
// Deployment's ReplicaSets, and the revision bookkeeping on ReplicaSet annotations
// (docs/k8s-semantics.md B2.2, B2.4, B2.6, B2.7; upstream
// pkg/controller/deployment/util/deployment_util.go).
//
// The controller (deployment_controller.h) calls these on copies of cached objects;
// rollout.h holds the replica arithmetic and status.h the status and conditions.
//
// Thread-safety: stateless functions and constants; thread-safe.
#ifndef KUBECPP_CONTROLLERS_DEPLOYMENT_UTIL_H_
#define KUBECPP_CONTROLLERS_DEPLOYMENT_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/core/int_or_string.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/result.h"

namespace kube::controllers::deployment {

using api::apps::v1::Deployment;
using api::apps::v1::ReplicaSet;

// --- Well-known keys and constants --------------------------------------------------

inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr std::string_view kRollbackToAnnotation = "deprecated.deployment.rollback.to";
inline constexpr std::string_view kLastAppliedConfigAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";
// The label that ties a ReplicaSet and its pods to one pod template.
inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";
// revision-history is kept within this many characters (oldest entries dropped).
inline constexpr size_t kMaxRevisionHistoryLength = 2000;
// revisionHistoryLimit / progressDeadlineSeconds value meaning "no limit".
inline constexpr int32_t kNoLimit = 2147483647;

// --- Spec accessors (absent fields read as the apiserver's defaults) ----------------

// spec.replicas, 1 when absent.
int32_t DesiredReplicas(const Deployment& d);
// spec.replicas of a ReplicaSet, 1 when absent.
int32_t SpecReplicas(const ReplicaSet& rs);
// status.availableReplicas (0 when absent).
int32_t AvailableReplicas(const ReplicaSet& rs);
// status.replicas (0 when absent).
int32_t StatusReplicas(const ReplicaSet& rs);
// True for strategy RollingUpdate, also when the strategy or its type is absent.
bool IsRollingUpdate(const Deployment& d);
bool IsRecreate(const Deployment& d);
bool IsPaused(const Deployment& d);
// progressDeadlineSeconds is set and is not kNoLimit.
bool HasProgressDeadline(const Deployment& d);
// revisionHistoryLimit is set and is not kNoLimit.
bool HasRevisionHistoryLimit(const Deployment& d);

// --- Fenceposts (B2.4) ---------------------------------------------------------------

struct Fenceposts {
  int32_t max_surge = 0;
  int32_t max_unavailable = 0;
  friend bool operator==(const Fenceposts&, const Fenceposts&) = default;
};

// Resolves maxSurge (rounding up) and maxUnavailable (rounding down) against
// `desired`; absent values count as 0; when both resolve to 0 maxUnavailable becomes
// 1. Errors: kBadRequest for a malformed value ("abc", "x%").
[[nodiscard]] Result<Fenceposts> ResolveFenceposts(
    const std::optional<IntOrString>& max_surge, const std::optional<IntOrString>& max_unavailable,
    int32_t desired);
// The Deployment's resolved fenceposts; {0, 0} when the strategy is not RollingUpdate
// or a value is malformed (the apiserver rejects those).
Fenceposts ResolveFenceposts(const Deployment& d);
// 0 when not RollingUpdate or spec.replicas == 0, else the resolved maxUnavailable
// capped at spec.replicas.
int32_t MaxUnavailable(const Deployment& d);
// 0 when not RollingUpdate, else the resolved maxSurge.
int32_t MaxSurge(const Deployment& d);

// --- Pod-template hash (B2.2) --------------------------------------------------------

// Maps each decimal digit of `value` through the safe alphabet
// 0-4 1-5 2-6 3-7 4-8 5-9 6-b 7-c 8-d 9-f ("7c5ddbdf54"-style, 1 to 10 characters).
std::string SafeEncodeUint32(uint32_t value);
// FNV-1a 32 of the template's canonical JSON (sorted keys, pod-template-hash label
// ignored), then, when `collision_count` is set, of its little-endian uint32 and four
// zero bytes; encoded with SafeEncodeUint32. Deterministic for equal templates.
std::string ComputeHash(const api::core::v1::PodTemplateSpec& tmpl,
                        std::optional<int32_t> collision_count);
// True when the templates are equal once the pod-template-hash label is removed from
// both (an empty label map equals an absent one).
bool EqualIgnoreHash(const api::core::v1::PodTemplateSpec& a,
                     const api::core::v1::PodTemplateSpec& b);

// --- ReplicaSet order and identity ---------------------------------------------------

// Oldest creationTimestamp first; equal timestamps by name.
bool CreatedBefore(const ReplicaSet& a, const ReplicaSet& b);
// Sorts with CreatedBefore.
void SortByCreationTimestamp(std::vector<ReplicaSet>* rss);
// The index of the oldest ReplicaSet whose template equals the Deployment's
// (EqualIgnoreHash), or nullopt. REQUIRES: `rss` sorted by SortByCreationTimestamp.
std::optional<size_t> FindNewReplicaSet(const Deployment& d, const std::vector<ReplicaSet>& rss);

// --- Revisions and annotations (B2.6) -------------------------------------------------

// The revision annotation as a number: 0 when absent, nullopt when not an integer.
std::optional<int64_t> Revision(const ObjectMeta& meta);
// The highest revision among `rss` (unparsable ones count as 0).
int64_t MaxRevision(const std::vector<const ReplicaSet*>& rss);
// Annotations never copied from a Deployment to its ReplicaSets.
bool SkipCopyAnnotation(std::string_view key);
// Copies the Deployment's annotations (minus SkipCopyAnnotation) onto `rs`, raises
// its revision to `new_revision` when lower (appending the previous revision to
// revision-history, trimmed to `max_history_chars`) and, when `!exists`, sets
// desired-replicas and max-replicas. Returns true when an annotation changed.
bool SetNewReplicaSetAnnotations(const Deployment& d, ReplicaSet* rs, int64_t new_revision,
                                 bool exists, size_t max_history_chars = kMaxRevisionHistoryLength);
// desired-replicas / max-replicas as numbers, nullopt when absent or malformed.
std::optional<int32_t> DesiredReplicasAnnotation(const ReplicaSet& rs);
std::optional<int32_t> MaxReplicasAnnotation(const ReplicaSet& rs);
// True when desired-replicas != desired or max-replicas != max.
bool ReplicasAnnotationsNeedUpdate(const ReplicaSet& rs, int32_t desired, int32_t max);
// Sets both; returns true when one changed.
bool SetReplicasAnnotations(ReplicaSet* rs, int32_t desired, int32_t max);
// Sets the Deployment's revision annotation; returns true when it changed.
bool SetDeploymentRevision(Deployment* d, std::string_view revision);

// The old ReplicaSets revisionHistoryLimit allows to delete, in deletion order:
// candidates without deletionTimestamp sorted by revision ascending (missing counts
// as 0; unparsable or equal revisions in creation order), the first `count - limit`,
// skipping those with spec.replicas, status.replicas != 0 or an unobserved generation.
// Empty when the Deployment has no history limit. Returns indexes into `old_rss`.
std::vector<size_t> ReplicaSetsToCleanUp(const Deployment& d,
                                         const std::vector<ReplicaSet>& old_rss);

}  // namespace kube::controllers::deployment

#endif  // KUBECPP_CONTROLLERS_DEPLOYMENT_UTIL_H_
