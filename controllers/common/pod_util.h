// Pod predicates the built-in controllers share (upstream k8s.io/kubectl/pkg/util/podutils
// and pkg/api/v1/pod): conditions, readiness, activity and availability
// (docs/k8s-semantics.md B1.2 step 4 and B1.4).
//
//   if (IsPodActive(pod) && IsPodAvailable(pod, rs.spec->min_ready_seconds.value_or(0),
//                                          clock->WallNow())) ++available;
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CONTROLLERS_COMMON_POD_UTIL_H_
#define KUBECPP_CONTROLLERS_COMMON_POD_UTIL_H_

#include <chrono>
#include <cstdint>
#include <string_view>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/core/time.h"

namespace kube::controllers {

// The pod's status condition of `type` ("Ready", "PodScheduled", ...), or nullptr.
// The pointer points into `pod` and lives as long as it.
const api::core::v1::PodCondition* GetPodCondition(const api::core::v1::Pod& pod,
                                                   std::string_view type);

// True when the pod has condition Ready with status "True".
bool IsPodReady(const api::core::v1::Pod& pod);

// True when the pod's phase is Succeeded or Failed (it will never run again).
bool IsPodTerminal(const api::core::v1::Pod& pod);

// True when the pod is neither terminal nor being deleted (no deletionTimestamp): the
// pods a ReplicaSet counts as replicas (B1.2 step 4).
bool IsPodActive(const api::core::v1::Pod& pod);

// The lastTransitionTime of the Ready=True condition; the zero Time when the pod is
// not ready or the condition has no transition time.
Time PodReadySince(const api::core::v1::Pod& pod);

// B1.4: ready, and either min_ready_seconds == 0 or
// `Ready.lastTransitionTime + min_ready_seconds < now` (strictly; a ready pod without a
// transition time is not available when min_ready_seconds > 0).
bool IsPodAvailable(const api::core::v1::Pod& pod, int32_t min_ready_seconds,
                    std::chrono::system_clock::time_point now);
// The same with `now` at second precision.
bool IsPodAvailable(const api::core::v1::Pod& pod, int32_t min_ready_seconds, Time now);

// The highest restartCount over the pod's container statuses (0 when none).
int32_t MaxContainerRestarts(const api::core::v1::Pod& pod);

}  // namespace kube::controllers

#endif  // KUBECPP_CONTROLLERS_COMMON_POD_UTIL_H_
