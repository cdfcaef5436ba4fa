#include "controllers/common/pod_util.h"

#include <algorithm>

namespace kube::controllers {

namespace v1 = api::core::v1;

const v1::PodCondition* GetPodCondition(const v1::Pod& pod, std::string_view type) {
  if (!pod.status || !pod.status->conditions) return nullptr;
  for (const auto& c : *pod.status->conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsPodReady(const v1::Pod& pod) {
  const v1::PodCondition* c = GetPodCondition(pod, "Ready");
  return c != nullptr && c->status == "True";
}

bool IsPodTerminal(const v1::Pod& pod) {
  if (!pod.status || !pod.status->phase) return false;
  const auto phase = pod.status->phase->value();
  return phase == v1::PodStatusPhase::kSucceeded || phase == v1::PodStatusPhase::kFailed;
}

bool IsPodActive(const v1::Pod& pod) {
  return !IsPodTerminal(pod) && !pod.metadata.IsBeingDeleted();
}

Time PodReadySince(const v1::Pod& pod) {
  const v1::PodCondition* c = GetPodCondition(pod, "Ready");
  if (c == nullptr || c->status != "True" || !c->last_transition_time) return Time();
  return *c->last_transition_time;
}

bool IsPodAvailable(const v1::Pod& pod, int32_t min_ready_seconds,
                    std::chrono::system_clock::time_point now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  const Time since = PodReadySince(pod);
  if (since.IsZero()) return false;
  return since.time_point() + std::chrono::seconds(min_ready_seconds) < now;
}

bool IsPodAvailable(const v1::Pod& pod, int32_t min_ready_seconds, Time now) {
  return IsPodAvailable(pod, min_ready_seconds,
                        std::chrono::system_clock::time_point(now.time_point()));
}

int32_t MaxContainerRestarts(const v1::Pod& pod) {
  int32_t max = 0;
  if (!pod.status || !pod.status->container_statuses) return 0;
  for (const auto& cs : *pod.status->container_statuses) max = std::max(max, cs.restart_count);
  return max;
}

}  // namespace kube::controllers
