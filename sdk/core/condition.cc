#include "kubecpp/core/condition.h"

#include <algorithm>

#include "kubecpp/core/internal/json_reader.h"

namespace kube {

bool SetStatusCondition(std::vector<Condition>* conditions, Condition condition, Time now) {
  auto it = std::find_if(conditions->begin(), conditions->end(),
                         [&](const Condition& c) { return c.type == condition.type; });
  if (it == conditions->end()) {
    if (condition.last_transition_time.IsZero()) condition.last_transition_time = now;
    conditions->push_back(std::move(condition));
    return true;
  }
  bool changed = false;
  if (it->status != condition.status) {
    it->status = std::move(condition.status);
    it->last_transition_time =
        condition.last_transition_time.IsZero() ? now : condition.last_transition_time;
    changed = true;
  }
  if (it->reason != condition.reason) {
    it->reason = std::move(condition.reason);
    changed = true;
  }
  if (it->message != condition.message) {
    it->message = std::move(condition.message);
    changed = true;
  }
  if (it->observed_generation != condition.observed_generation) {
    it->observed_generation = condition.observed_generation;
    changed = true;
  }
  return changed;
}

bool RemoveStatusCondition(std::vector<Condition>* conditions, std::string_view type) {
  return std::erase_if(*conditions, [&](const Condition& c) { return c.type == type; }) > 0;
}

const Condition* FindStatusCondition(const std::vector<Condition>& conditions,
                                     std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsStatusConditionTrue(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindStatusCondition(conditions, type);
  return c != nullptr && c->status == kConditionTrue;
}

bool IsStatusConditionFalse(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindStatusCondition(conditions, type);
  return c != nullptr && c->status == kConditionFalse;
}

void ToJson(const Condition& v, Json* out) {
  // type, status, lastTransitionTime, reason and message are required in meta/v1.
  *out = Json{{"type", v.type}, {"status", v.status}, {"reason", v.reason}, {"message", v.message}};
  (*out)["lastTransitionTime"] =
      v.last_transition_time.IsZero() ? Json(nullptr) : Json(v.last_transition_time.ToString());
  internal::PutIfNotZero(out, "observedGeneration", v.observed_generation);
}

Status FromJsonAt(const Json& in, std::string_view path, Condition* out) {
  Status s;
  internal::ObjectReader r(in, path, &s);
  r.Read("type", &out->type);
  r.Read("status", &out->status);
  r.Read("observedGeneration", &out->observed_generation);
  r.Read("lastTransitionTime", &out->last_transition_time);
  r.Read("reason", &out->reason);
  r.Read("message", &out->message);
  return s;
}

}  // namespace kube
