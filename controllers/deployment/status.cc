#include "controllers/deployment/status.h"

#include <algorithm>
#include <string>
#include <utility>

namespace kube::controllers::deployment {
namespace {

std::optional<int32_t> NonZero(int32_t v) { return v == 0 ? std::nullopt : std::optional(v); }

int32_t Value(const std::optional<int32_t>& v) { return v.value_or(0); }

std::string RolloutMessage(const Deployment& d, const ReplicaSet* new_rs, std::string_view what) {
  if (new_rs != nullptr) return "ReplicaSet \"" + new_rs->metadata.name + "\" " + std::string(what);
  return "Deployment \"" + d.metadata.name + "\" " + std::string(what);
}

}  // namespace

DeploymentCondition NewCondition(std::string_view type, std::string_view status,
                                 std::string_view reason, std::string message, Time now) {
  DeploymentCondition c;
  c.type = std::string(type);
  c.status = std::string(status);
  c.reason = std::string(reason);
  c.message = std::move(message);
  c.last_update_time = now;
  c.last_transition_time = now;
  return c;
}

const DeploymentCondition* GetCondition(const DeploymentStatus& status, std::string_view type) {
  if (!status.conditions) return nullptr;
  for (const DeploymentCondition& c : *status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void SetCondition(DeploymentStatus* status, DeploymentCondition condition) {
  if (const DeploymentCondition* current = GetCondition(*status, condition.type)) {
    if (current->status == condition.status && current->reason == condition.reason) return;
    if (current->status == condition.status) {
      condition.last_transition_time = current->last_transition_time;
    }
  }
  RemoveCondition(status, condition.type);
  if (!status->conditions) status->conditions.emplace();
  status->conditions->push_back(std::move(condition));
}

void RemoveCondition(DeploymentStatus* status, std::string_view type) {
  if (!status->conditions) return;
  auto& list = *status->conditions;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const DeploymentCondition& c) { return c.type == type; }),
             list.end());
  if (list.empty()) status->conditions.reset();
}

DeploymentStatus CalculateStatus(const std::vector<const ReplicaSet*>& all,
                                 const ReplicaSet* new_rs, const Deployment& d, Time now) {
  int32_t spec_total = 0;
  int32_t replicas = 0;
  int32_t ready = 0;
  int32_t available = 0;
  int32_t terminating = 0;
  bool has_terminating = false;
  for (const ReplicaSet* rs : all) {
    if (rs == nullptr) continue;
    spec_total += SpecReplicas(*rs);
    replicas += StatusReplicas(*rs);
    available += AvailableReplicas(*rs);
    if (rs->status) {
      ready += Value(rs->status->ready_replicas);
      if (rs->status->terminating_replicas) {
        has_terminating = true;
        terminating += *rs->status->terminating_replicas;
      }
    }
  }
  DeploymentStatus s;
  s.observed_generation = d.metadata.generation;
  s.replicas = NonZero(replicas);
  s.updated_replicas = NonZero(new_rs != nullptr ? StatusReplicas(*new_rs) : 0);
  s.ready_replicas = NonZero(ready);
  s.available_replicas = NonZero(available);
  s.unavailable_replicas = NonZero(std::max(0, spec_total - available));
  if (has_terminating) s.terminating_replicas = terminating;
  if (d.status) {
    s.collision_count = d.status->collision_count;
    s.conditions = d.status->conditions;
    s.unknown_fields = d.status->unknown_fields;
  }
  if (available >= DesiredReplicas(d) - MaxUnavailable(d)) {
    SetCondition(&s, NewCondition(kConditionAvailable, "True", kReasonMinimumReplicasAvailable,
                                  "Deployment has minimum availability.", now));
  } else {
    SetCondition(&s, NewCondition(kConditionAvailable, "False", kReasonMinimumReplicasUnavailable,
                                  "Deployment does not have minimum availability.", now));
  }
  return s;
}

bool DeploymentComplete(const Deployment& d, const DeploymentStatus& status) {
  const int32_t desired = DesiredReplicas(d);
  return Value(status.updated_replicas) == desired && Value(status.replicas) == desired &&
         Value(status.available_replicas) == desired &&
         status.observed_generation.value_or(0) >= d.metadata.generation;
}

bool DeploymentProgressing(const Deployment& d, const DeploymentStatus& status) {
  const DeploymentStatus old = d.status.value_or(DeploymentStatus{});
  const int32_t old_old = Value(old.replicas) - Value(old.updated_replicas);
  const int32_t new_old = Value(status.replicas) - Value(status.updated_replicas);
  return Value(status.updated_replicas) > Value(old.updated_replicas) || new_old < old_old ||
         Value(status.ready_replicas) > Value(old.ready_replicas) ||
         Value(status.available_replicas) > Value(old.available_replicas);
}

bool DeploymentTimedOut(const Deployment& d, const DeploymentStatus& status, Time now) {
  if (!HasProgressDeadline(d)) return false;
  const DeploymentCondition* c = GetCondition(status, kConditionProgressing);
  if (c == nullptr) return false;
  const std::string reason = c->reason.value_or("");
  if (reason == kReasonNewReplicaSetAvailable) return false;
  if (reason == kReasonProgressDeadlineExceeded) return true;
  const Time from = c->last_update_time.value_or(Time());
  const auto deadline =
      from.time_point() + std::chrono::seconds(*d.spec->progress_deadline_seconds);
  return deadline < now.time_point();
}

DeploymentStatus RolloutStatus(const std::vector<const ReplicaSet*>& all, const ReplicaSet* new_rs,
                               const Deployment& d, Time now) {
  DeploymentStatus s = CalculateStatus(all, new_rs, d, now);
  if (!HasProgressDeadline(d)) RemoveCondition(&s, kConditionProgressing);
  const DeploymentStatus current = d.status.value_or(DeploymentStatus{});
  const DeploymentCondition* current_cond = GetCondition(current, kConditionProgressing);
  const bool steady = Value(s.replicas) == Value(s.updated_replicas) && current_cond != nullptr &&
                      current_cond->reason.value_or("") == kReasonNewReplicaSetAvailable;
  if (HasProgressDeadline(d) && !steady) {
    if (DeploymentComplete(d, s)) {
      SetCondition(&s,
                   NewCondition(kConditionProgressing, "True", kReasonNewReplicaSetAvailable,
                                RolloutMessage(d, new_rs, "has successfully progressed."), now));
    } else if (DeploymentProgressing(d, s)) {
      DeploymentCondition c = NewCondition(kConditionProgressing, "True", kReasonReplicaSetUpdated,
                                           RolloutMessage(d, new_rs, "is progressing."), now);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (current_cond != nullptr) {
        if (current_cond->status == "True") {
          c.last_transition_time = current_cond->last_transition_time;
        }
        RemoveCondition(&s, kConditionProgressing);
      }
      SetCondition(&s, std::move(c));
    } else if (DeploymentTimedOut(d, s, now)) {
      SetCondition(&s, NewCondition(kConditionProgressing, "False", kReasonProgressDeadlineExceeded,
                                    RolloutMessage(d, new_rs, "has timed out progressing."), now));
    }
  }
  // ReplicaFailure: the new ReplicaSet's first, else any other's.
  std::optional<DeploymentCondition> failure;
  auto find_failure = [&failure](const ReplicaSet* rs) {
    if (failure || rs == nullptr || !rs->status || !rs->status->conditions) return;
    for (const auto& c : *rs->status->conditions) {
      if (c.type != kConditionReplicaFailure) continue;
      DeploymentCondition dc;
      dc.type = c.type;
      dc.status = c.status;
      dc.reason = c.reason;
      dc.message = c.message;
      dc.last_update_time = c.last_transition_time;
      dc.last_transition_time = c.last_transition_time;
      failure = std::move(dc);
      return;
    }
  };
  find_failure(new_rs);
  for (const ReplicaSet* rs : all) find_failure(rs);
  if (failure) {
    SetCondition(&s, std::move(*failure));
  } else {
    RemoveCondition(&s, kConditionReplicaFailure);
  }
  return s;
}

std::optional<std::chrono::seconds> ProgressRequeueAfter(const Deployment& d,
                                                         const DeploymentStatus& status, Time now) {
  if (!HasProgressDeadline(d)) return std::nullopt;
  const DeploymentCondition* c = GetCondition(status, kConditionProgressing);
  if (c == nullptr) return std::nullopt;
  const std::string reason = c->reason.value_or("");
  if (DeploymentComplete(d, status) || reason == kReasonProgressDeadlineExceeded ||
      reason == kReasonNewReplicaSetAvailable || reason == kReasonDeploymentPaused) {
    return std::nullopt;
  }
  const auto deadline = c->last_update_time.value_or(Time()).time_point() +
                        std::chrono::seconds(*d.spec->progress_deadline_seconds);
  const auto after = std::chrono::duration_cast<std::chrono::seconds>(deadline - now.time_point());
  if (after < std::chrono::seconds(1)) return std::chrono::seconds(1);
  return after + std::chrono::seconds(1);
}

}  // namespace kube::controllers::deployment
