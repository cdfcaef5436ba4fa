#include "controllers/deployment/rollout.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

namespace kube::controllers::deployment {
namespace {

// The change proportional scaling gives one ReplicaSet before the caps (upstream
// getReplicaSetFraction).
int32_t Fraction(const ScalableReplicaSet& rs, int32_t desired, int32_t max_surge,
                 int32_t status_replicas) {
  if (desired == 0) return -rs.replicas;
  const int64_t max_now = static_cast<int64_t>(desired) + max_surge;
  int64_t max_before = rs.max_replicas_annotation.value_or(0);
  if (max_before == 0) {
    max_before = status_replicas;
    if (max_before == 0) return 0;
  }
  const double scaled = static_cast<double>(static_cast<int64_t>(rs.replicas) * max_now) /
                        static_cast<double>(max_before);
  return static_cast<int32_t>(std::llround(scaled)) - rs.replicas;
}

}  // namespace

int32_t NewReplicasForRollingUpdate(int32_t desired, int32_t max_surge, int32_t total_replicas,
                                    int32_t new_replicas) {
  if (new_replicas >= desired) return desired;
  const int32_t max_total = desired + max_surge;
  if (total_replicas >= max_total) return new_replicas;
  return new_replicas + std::min(max_total - total_replicas, desired - new_replicas);
}

std::vector<int32_t> ScaleDownOldReplicaSets(int32_t desired, int32_t max_unavailable,
                                             ReplicaCounts new_rs,
                                             const std::vector<ReplicaCounts>& old_oldest_first) {
  std::vector<int32_t> sizes;
  int32_t old_pods = 0;
  for (const ReplicaCounts& rs : old_oldest_first) {
    sizes.push_back(rs.replicas);
    old_pods += rs.replicas;
  }
  if (old_pods == 0) return sizes;
  const int32_t all_pods = old_pods + new_rs.replicas;
  const int32_t min_available = desired - max_unavailable;
  const int32_t new_unavailable = new_rs.replicas - new_rs.available;
  const int32_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return sizes;

  // Unavailable old replicas first: removing them costs no availability.
  int32_t cleaned = 0;
  for (size_t i = 0; i < sizes.size() && cleaned < max_scaled_down; ++i) {
    const int32_t unavailable = sizes[i] - old_oldest_first[i].available;
    if (sizes[i] == 0 || unavailable <= 0) continue;
    const int32_t down = std::min(max_scaled_down - cleaned, unavailable);
    sizes[i] -= down;
    cleaned += down;
  }

  // Then available ones, down to minAvailable (statuses as observed before this step).
  int32_t available = new_rs.available;
  for (const ReplicaCounts& rs : old_oldest_first) available += rs.available;
  if (available <= min_available) return sizes;
  const int32_t to_scale_down = available - min_available;
  int32_t scaled = 0;
  for (size_t i = 0; i < sizes.size() && scaled < to_scale_down; ++i) {
    if (sizes[i] == 0) continue;
    const int32_t down = std::min(sizes[i], to_scale_down - scaled);
    sizes[i] -= down;
    scaled += down;
  }
  return sizes;
}

std::vector<int32_t> ProportionalScale(int32_t desired, int32_t max_surge, int32_t status_replicas,
                                       const std::vector<ScalableReplicaSet>& oldest_first) {
  std::vector<int32_t> sizes;
  int32_t total = 0;
  for (const ScalableReplicaSet& rs : oldest_first) {
    sizes.push_back(rs.replicas);
    total += rs.replicas;
  }
  const int32_t allowed = desired > 0 ? desired + max_surge : 0;
  const int32_t to_add = allowed - total;
  if (to_add == 0 || oldest_first.empty()) return sizes;

  // Largest first; for equal sizes newer first when adding, older first when removing.
  std::vector<size_t> order(oldest_first.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (oldest_first[a].replicas != oldest_first[b].replicas) {
      return oldest_first[a].replicas > oldest_first[b].replicas;
    }
    return to_add > 0 ? a > b : a < b;
  });

  int32_t added = 0;
  for (size_t i : order) {
    const ScalableReplicaSet& rs = oldest_first[i];
    if (rs.replicas == 0 || to_add == added) continue;
    const int32_t fraction = Fraction(rs, desired, max_surge, status_replicas);
    const int32_t left = to_add - added;
    const int32_t proportion = to_add > 0 ? std::min(fraction, left) : std::max(fraction, left);
    sizes[i] += proportion;
    added += proportion;
  }
  // Leftovers (rounding) go to the largest ReplicaSet.
  sizes[order.front()] = std::max(0, sizes[order.front()] + to_add - added);
  return sizes;
}

}  // namespace kube::controllers::deployment
