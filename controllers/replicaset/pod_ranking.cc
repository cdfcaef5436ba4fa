#include "controllers/replicaset/pod_ranking.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "controllers/common/pod_util.h"

namespace kube::controllers::replicaset {

namespace v1 = api::core::v1;
using std::chrono::system_clock;

namespace {

const std::string& NodeName(const v1::Pod& pod) {
  static const std::string kEmpty;
  return pod.spec && pod.spec->node_name ? *pod.spec->node_name : kEmpty;
}

// Pending 0, Unknown 1, Running 2; any other phase (or none) counts as Pending.
int PhaseOrdinal(const v1::Pod& pod) {
  if (!pod.status || !pod.status->phase) return 0;
  switch (pod.status->phase->value()) {
    case v1::PodStatusPhase::kUnknown:
      return 1;
    case v1::PodStatusPhase::kRunning:
      return 2;
    default:
      return 0;
  }
}

// floor(log2(now - t)) in nanoseconds; -1 when t is not in the past.
int64_t LogBucket(Time t, system_clock::time_point now) {
  const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(
      now - system_clock::time_point(t.time_point()));
  if (d.count() <= 0) return -1;
  return static_cast<int64_t>(std::log2(static_cast<double>(d.count())));
}

// Go's afterOrZero: a zero time first, else the later time first.
bool AfterOrZero(Time a, Time b) {
  if (a.IsZero() || b.IsZero()) return a.IsZero();
  return a > b;
}

// Rules 6 and 8: the more recent time first, in log2 buckets, uid breaking ties.
bool RecentFirst(Time ta, const v1::Pod& a, Time tb, const v1::Pod& b,
                 system_clock::time_point now) {
  if (now.time_since_epoch().count() == 0 || ta.IsZero() || tb.IsZero()) return AfterOrZero(ta, tb);
  const int64_t diff = LogBucket(ta, now) - LogBucket(tb, now);
  if (diff == 0) return a.metadata.uid < b.metadata.uid;
  return diff < 0;
}

// Highest restart counts of regular containers and of restartable (sidecar) init
// containers.
std::pair<int32_t, int32_t> MaxRestarts(const v1::Pod& pod) {
  int32_t regular = MaxContainerRestarts(pod);
  int32_t sidecar = 0;
  if (pod.status && pod.status->init_container_statuses && pod.spec && pod.spec->init_containers) {
    for (const auto& st : *pod.status->init_container_statuses) {
      for (const auto& c : *pod.spec->init_containers) {
        if (c.name == st.name && c.restart_policy.value_or("") == "Always") {
          sidecar = std::max(sidecar, st.restart_count);
        }
      }
    }
  }
  return {regular, sidecar};
}

}  // namespace

int32_t PodDeletionCost(const v1::Pod& pod) {
  auto it = pod.metadata.annotations.find(std::string(kPodDeletionCostAnnotation));
  if (it == pod.metadata.annotations.end()) return 0;
  const std::string& s = it->second;
  int32_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return 0;
  return value;
}

bool PodDeletionLess(const v1::Pod& a, int rank_a, const v1::Pod& b, int rank_b,
                     system_clock::time_point now) {
  // 1. Unscheduled before scheduled.
  const std::string& na = NodeName(a);
  const std::string& nb = NodeName(b);
  if (na != nb && (na.empty() || nb.empty())) return na.empty();
  // 2. Pending < Unknown < Running.
  if (PhaseOrdinal(a) != PhaseOrdinal(b)) return PhaseOrdinal(a) < PhaseOrdinal(b);
  // 3. Not ready before ready.
  const bool ready_a = IsPodReady(a);
  const bool ready_b = IsPodReady(b);
  if (ready_a != ready_b) return !ready_a;
  // 4. Lower deletion cost first.
  const int32_t cost_a = PodDeletionCost(a);
  const int32_t cost_b = PodDeletionCost(b);
  if (cost_a != cost_b) return cost_a < cost_b;
  // 5. More co-located related pods first.
  if (rank_a != rank_b) return rank_a > rank_b;
  // 6. Ready for less time first.
  if (ready_a && ready_b) {
    const Time ta = PodReadySince(a);
    const Time tb = PodReadySince(b);
    if (ta != tb) return RecentFirst(ta, a, tb, b, now);
  }
  // 7. More restarts first.
  const auto ra = MaxRestarts(a);
  const auto rb = MaxRestarts(b);
  if (ra.first != rb.first) return ra.first > rb.first;
  if (ra.second != rb.second) return ra.second > rb.second;
  // 8. Newer first.
  const Time ca = a.metadata.creation_timestamp;
  const Time cb = b.metadata.creation_timestamp;
  if (ca != cb) return RecentFirst(ca, a, cb, b, now);
  return false;
}

std::vector<int> RelatedPodRanks(const std::vector<std::shared_ptr<const v1::Pod>>& pods,
                                 const std::vector<std::shared_ptr<const v1::Pod>>& related) {
  std::map<std::string, int> on_node;
  for (const auto& p : related) {
    if (p && IsPodActive(*p)) ++on_node[NodeName(*p)];
  }
  std::vector<int> ranks;
  ranks.reserve(pods.size());
  for (const auto& p : pods) {
    auto it = on_node.find(NodeName(*p));
    ranks.push_back(it == on_node.end() ? 0 : it->second);
  }
  return ranks;
}

std::vector<std::shared_ptr<const v1::Pod>> PodsToDelete(
    const std::vector<std::shared_ptr<const v1::Pod>>& pods,
    const std::vector<std::shared_ptr<const v1::Pod>>& related, size_t n,
    system_clock::time_point now) {
  if (n >= pods.size()) return pods;
  const std::vector<int> ranks = RelatedPodRanks(pods, related);
  std::vector<size_t> order(pods.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) {
    return PodDeletionLess(*pods[i], ranks[i], *pods[j], ranks[j], now);
  });
  std::vector<std::shared_ptr<const v1::Pod>> out;
  out.reserve(n);
  for (size_t k = 0; k < n; ++k) out.push_back(pods[order[k]]);
  return out;
}

}  // namespace kube::controllers::replicaset
