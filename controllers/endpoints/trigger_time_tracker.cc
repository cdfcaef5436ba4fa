#include "controllers/endpoints/trigger_time_tracker.h"

#include <utility>

#include "controllers/common/pod_util.h"

namespace kube::controllers::endpoints {
namespace {

// The earlier of two times, a zero Time meaning "none".
Time Min(Time a, Time b) {
  if (a.IsZero()) return b;
  if (b.IsZero()) return a;
  return a < b ? a : b;
}

}  // namespace

Time TriggerTimeTracker::Compute(const api::core::v1::Service& service,
                                 const std::vector<PodPtr>& pods) {
  const ObjectKey key = service.metadata.key();
  State previous;
  bool known = false;
  {
    std::lock_guard lock(mu_);
    if (auto it = states_.find(key); it != states_.end()) {
      previous = it->second;
      known = true;
    }
  }
  State next;
  Time min_changed;
  for (const auto& pod : pods) {
    const api::core::v1::PodCondition* ready = GetPodCondition(*pod, "Ready");
    if (ready == nullptr || !ready->last_transition_time || ready->last_transition_time->IsZero()) {
      continue;
    }
    const Time t = *ready->last_transition_time;
    next.pod_times[pod->metadata.name] = t;
    auto it = previous.pod_times.find(pod->metadata.name);
    if (it == previous.pod_times.end() || t > it->second) min_changed = Min(min_changed, t);
  }
  next.service_time = service.metadata.creation_timestamp;
  if (next.service_time > previous.service_time) min_changed = Min(min_changed, next.service_time);
  {
    std::lock_guard lock(mu_);
    states_[key] = std::move(next);
  }
  return known ? min_changed : service.metadata.creation_timestamp;
}

void TriggerTimeTracker::DeleteService(const ObjectKey& service) {
  std::lock_guard lock(mu_);
  states_.erase(service);
}

}  // namespace kube::controllers::endpoints
