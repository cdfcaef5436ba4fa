// TriggerTimeTracker: computes the endpoints.kubernetes.io/last-change-trigger-time
// annotation both controllers write (upstream pkg/controller/util/endpoint
// TriggerTimeTracker).
//
// The trigger time of a sync is the earliest change not yet reflected in the
// service's endpoints: the minimum of the trigger times (a pod's Ready condition
// lastTransitionTime, the service's creationTimestamp) that changed since the
// previous sync of the same service. The first sync of a service uses its
// creationTimestamp. A zero Time means "unknown": the annotation is removed.
//
// Thread-safety: thread-safe. Calls for one service must not run concurrently (the
// controller's queue guarantees it).
#ifndef KUBECPP_CONTROLLERS_ENDPOINTS_TRIGGER_TIME_TRACKER_H_
#define KUBECPP_CONTROLLERS_ENDPOINTS_TRIGGER_TIME_TRACKER_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controllers/endpoints/endpoint_util.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/time.h"

namespace kube::controllers::endpoints {

class TriggerTimeTracker {
 public:
  // The trigger time for syncing `service` with `pods` (the pods it selects), and
  // records their trigger times for the next call.
  Time Compute(const api::core::v1::Service& service, const std::vector<PodPtr>& pods);
  // Forgets the service (it was deleted).
  void DeleteService(const ObjectKey& service);

 private:
  struct State {
    std::map<std::string, Time> pod_times;  // by pod name
    Time service_time;
  };
  std::mutex mu_;
  std::map<ObjectKey, State> states_;  // GUARDED_BY(mu_)
};

}  // namespace kube::controllers::endpoints

#endif  // KUBECPP_CONTROLLERS_ENDPOINTS_TRIGGER_TIME_TRACKER_H_
