// Condition (meta/v1 Condition) and the helpers controllers use to maintain
// `status.conditions`, with apimachinery's meta.SetStatusCondition semantics:
// `last_transition_time` changes only when `status` changes.
//
// Thread-safety: value type and free functions; thread-compatible.
#ifndef KUBECPP_CORE_CONDITION_H_
#define KUBECPP_CORE_CONDITION_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/status.h"
#include "kubecpp/core/time.h"

namespace kube {

inline constexpr std::string_view kConditionTrue = "True";
inline constexpr std::string_view kConditionFalse = "False";
inline constexpr std::string_view kConditionUnknown = "Unknown";

struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  int64_t observed_generation = 0;
  Time last_transition_time;
  std::string reason;
  std::string message;
  friend bool operator==(const Condition&, const Condition&) = default;
};

// Sets `condition` in `conditions` (matched by type). A new condition, or one whose
// status changes, gets `condition.last_transition_time`, or `now` when that is zero;
// otherwise the stored transition time is kept. reason, message and
// observed_generation are always updated. Returns true when anything changed.
// REQUIRES: conditions != nullptr.
bool SetStatusCondition(std::vector<Condition>* conditions, Condition condition, Time now);
// Removes the condition of `type`; returns true when one was removed.
bool RemoveStatusCondition(std::vector<Condition>* conditions, std::string_view type);
// The condition of `type`, or nullptr. The pointer is valid until `conditions` changes.
const Condition* FindStatusCondition(const std::vector<Condition>& conditions,
                                     std::string_view type);
bool IsStatusConditionTrue(const std::vector<Condition>& conditions, std::string_view type);
bool IsStatusConditionFalse(const std::vector<Condition>& conditions, std::string_view type);

void ToJson(const Condition& v, nlohmann::json* out);
[[nodiscard]] Status FromJsonAt(const nlohmann::json& in, std::string_view path, Condition* out);

}  // namespace kube

#endif  // KUBECPP_CORE_CONDITION_H_
