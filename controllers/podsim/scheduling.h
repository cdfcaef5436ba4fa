// The scheduling arithmetic of the pod simulator: what a pod requests, whether it
// fits a node, how a node scores, and the FailedScheduling message, following the
// upstream kube-scheduler (NodeResourcesFit with the LeastAllocated strategy,
// k8s.io/component-helpers resource.PodRequests, framework.FitError).
//
//   Resources want = PodRequests(pod);
//   if (FitFailures(want, node).empty()) score = LeastAllocatedScore(NonZeroPodRequests(pod),
//   node);
//
// Thread-safety: stateless functions and value types; thread-safe.
#ifndef KUBECPP_CONTROLLERS_PODSIM_SCHEDULING_H_
#define KUBECPP_CONTROLLERS_PODSIM_SCHEDULING_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kubecpp/api/core/v1/types.h"

namespace kube::controllers::podsim {

// Amounts of the two resources the simulator schedules by.
struct Resources {
  int64_t milli_cpu = 0;  // millicores
  int64_t memory = 0;     // bytes

  Resources& operator+=(const Resources& o) {
    milli_cpu += o.milli_cpu;
    memory += o.memory;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    milli_cpu -= o.milli_cpu;
    memory -= o.memory;
    return *this;
  }
  friend bool operator==(const Resources&, const Resources&) = default;
};

// What the scheduler counts for a container without a cpu / memory request when it
// scores nodes (upstream schedutil.DefaultMilliCPURequest / DefaultMemoryRequest).
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// The pod's effective requests: per resource the larger of the sum over its
// containers and the largest init container, plus spec.overhead.
Resources PodRequests(const api::core::v1::Pod& pod);
// The same with kDefault*Request for every container that does not request cpu or
// memory: what scoring uses, so pods without requests still spread.
Resources NonZeroPodRequests(const api::core::v1::Pod& pod);

// One node as the scheduler sees it.
struct NodeUsage {
  Resources allocatable;
  int64_t allowed_pods = 110;
  Resources requested;           // sum of PodRequests of the pods on it
  Resources non_zero_requested;  // sum of NonZeroPodRequests of the pods on it
  int64_t pods = 0;
};

// Why a pod requesting `request` does not fit `node`: any of "Too many pods",
// "Insufficient cpu", "Insufficient memory" (upstream's reasons). Empty: it fits.
std::vector<std::string> FitFailures(const Resources& request, const NodeUsage& node);

// NodeResourcesFit LeastAllocated: the mean over cpu and memory of
// (allocatable - requested) * 100 / allocatable, in integers, where requested is the
// node's non-zero requests plus `non_zero_request`; 0 for an over-committed resource.
int64_t LeastAllocatedScore(const Resources& non_zero_request, const NodeUsage& node);

// upstream FitError: "0/3 nodes are available: 1 Insufficient memory, 2 Insufficient
// cpu." — reasons counted over nodes, "<count> <reason>" sorted as strings. With no
// nodes at all: "no nodes available to schedule pods".
std::string FitErrorMessage(int num_nodes, const std::map<std::string, int>& reasons);

}  // namespace kube::controllers::podsim

#endif  // KUBECPP_CONTROLLERS_PODSIM_SCHEDULING_H_
