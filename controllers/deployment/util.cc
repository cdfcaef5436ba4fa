#include "controllers/deployment/util.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "kubecpp/core/json.h"

namespace kube::controllers::deployment {
namespace {

using api::apps::v1::DeploymentStrategyType;

template <typename Int>
std::optional<Int> ParseInt(std::string_view text) {
  Int value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int32_t> Int32Annotation(const ReplicaSet& rs, std::string_view key) {
  auto it = rs.metadata.annotations.find(std::string(key));
  if (it == rs.metadata.annotations.end()) return std::nullopt;
  return ParseInt<int32_t>(it->second);
}

// The template as canonical JSON with the pod-template-hash label (and then empty
// label maps and metadata) removed, so equal templates give equal text.
// Drops nulls and empty objects and arrays, recursively: Go's semantic equality treats
// nil and empty maps and slices alike and a zero struct like an absent one, and a
// template read back from an apiserver carries "resources": {} and
// "creationTimestamp": null that a typed copy omits (kubectl rollout undo sends
// such a template).
void PruneEmpty(Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end();) {
      PruneEmpty(*it);
      if (it->is_null() || ((it->is_object() || it->is_array()) && it->empty())) {
        it = j.erase(it);
      } else {
        ++it;
      }
    }
  } else if (j.is_array()) {
    for (Json& item : j) PruneEmpty(item);
  }
}

Json CanonicalTemplate(const api::core::v1::PodTemplateSpec& tmpl) {
  Json j;
  ToJson(tmpl, &j);
  if (!j.is_object()) return j;
  auto meta = j.find("metadata");
  if (meta != j.end() && meta->is_object()) {
    auto labels = meta->find("labels");
    if (labels != meta->end() && labels->is_object())
      labels->erase(std::string(kPodTemplateHashLabel));
  }
  PruneEmpty(j);
  return j;
}

}  // namespace

int32_t DesiredReplicas(const Deployment& d) {
  return d.spec && d.spec->replicas ? *d.spec->replicas : 1;
}

int32_t SpecReplicas(const ReplicaSet& rs) {
  return rs.spec && rs.spec->replicas ? *rs.spec->replicas : 1;
}

int32_t AvailableReplicas(const ReplicaSet& rs) {
  return rs.status ? rs.status->available_replicas.value_or(0) : 0;
}

int32_t StatusReplicas(const ReplicaSet& rs) { return rs.status ? rs.status->replicas : 0; }

bool IsRollingUpdate(const Deployment& d) {
  if (!d.spec || !d.spec->strategy || !d.spec->strategy->type) return true;
  return d.spec->strategy->type->value() == DeploymentStrategyType::kRollingUpdate;
}

bool IsRecreate(const Deployment& d) {
  return d.spec && d.spec->strategy && d.spec->strategy->type &&
         d.spec->strategy->type->value() == DeploymentStrategyType::kRecreate;
}

bool IsPaused(const Deployment& d) { return d.spec && d.spec->paused.value_or(false); }

bool HasProgressDeadline(const Deployment& d) {
  return d.spec && d.spec->progress_deadline_seconds &&
         *d.spec->progress_deadline_seconds != kNoLimit;
}

bool HasRevisionHistoryLimit(const Deployment& d) {
  return d.spec && d.spec->revision_history_limit && *d.spec->revision_history_limit != kNoLimit;
}

Result<Fenceposts> ResolveFenceposts(const std::optional<IntOrString>& max_surge,
                                     const std::optional<IntOrString>& max_unavailable,
                                     int32_t desired) {
  Fenceposts out;
  if (max_surge) {
    auto surge = GetScaledValueFromIntOrPercent(*max_surge, desired, /*round_up=*/true);
    if (!surge) return std::move(surge).error();
    out.max_surge = static_cast<int32_t>(*surge);
  }
  if (max_unavailable) {
    auto unavailable = GetScaledValueFromIntOrPercent(*max_unavailable, desired, false);
    if (!unavailable) return std::move(unavailable).error();
    out.max_unavailable = static_cast<int32_t>(*unavailable);
  }
  // Validation rejects both being 0; a percentage can still round both down to 0.
  if (out.max_surge == 0 && out.max_unavailable == 0) out.max_unavailable = 1;
  return out;
}

Fenceposts ResolveFenceposts(const Deployment& d) {
  if (!IsRollingUpdate(d)) return {};
  std::optional<IntOrString> surge;
  std::optional<IntOrString> unavailable;
  if (d.spec && d.spec->strategy && d.spec->strategy->rolling_update) {
    surge = d.spec->strategy->rolling_update->max_surge;
    unavailable = d.spec->strategy->rolling_update->max_unavailable;
  }
  auto resolved = ResolveFenceposts(surge, unavailable, DesiredReplicas(d));
  return resolved ? *resolved : Fenceposts{};
}

int32_t MaxUnavailable(const Deployment& d) {
  const int32_t desired = DesiredReplicas(d);
  if (!IsRollingUpdate(d) || desired == 0) return 0;
  return std::min(ResolveFenceposts(d).max_unavailable, desired);
}

int32_t MaxSurge(const Deployment& d) {
  if (!IsRollingUpdate(d)) return 0;
  return ResolveFenceposts(d).max_surge;
}

std::string SafeEncodeUint32(uint32_t value) {
  static constexpr char kDigits[] = "456789bcdf";
  std::string out = std::to_string(value);
  for (char& c : out) c = kDigits[c - '0'];
  return out;
}

std::string ComputeHash(const api::core::v1::PodTemplateSpec& tmpl,
                        std::optional<int32_t> collision_count) {
  uint32_t h = 2166136261u;
  auto feed = [&h](unsigned char byte) { h = (h ^ byte) * 16777619u; };
  for (char c : CanonicalTemplate(tmpl).dump()) feed(static_cast<unsigned char>(c));
  if (collision_count) {
    const auto count = static_cast<uint32_t>(*collision_count);
    for (int i = 0; i < 4; ++i) feed(static_cast<unsigned char>((count >> (8 * i)) & 0xff));
    for (int i = 0; i < 4; ++i) feed(0);
  }
  return SafeEncodeUint32(h);
}

bool EqualIgnoreHash(const api::core::v1::PodTemplateSpec& a,
                     const api::core::v1::PodTemplateSpec& b) {
  return CanonicalTemplate(a) == CanonicalTemplate(b);
}

bool CreatedBefore(const ReplicaSet& a, const ReplicaSet& b) {
  if (a.metadata.creation_timestamp == b.metadata.creation_timestamp) {
    return a.metadata.name < b.metadata.name;
  }
  return a.metadata.creation_timestamp < b.metadata.creation_timestamp;
}

void SortByCreationTimestamp(std::vector<ReplicaSet>* rss) {
  std::sort(rss->begin(), rss->end(), CreatedBefore);
}

std::optional<size_t> FindNewReplicaSet(const Deployment& d, const std::vector<ReplicaSet>& rss) {
  if (!d.spec) return std::nullopt;
  for (size_t i = 0; i < rss.size(); ++i) {
    if (rss[i].spec && rss[i].spec->template_ &&
        EqualIgnoreHash(*rss[i].spec->template_, d.spec->template_)) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> Revision(const ObjectMeta& meta) {
  auto it = meta.annotations.find(std::string(kRevisionAnnotation));
  if (it == meta.annotations.end()) return 0;
  return ParseInt<int64_t>(it->second);
}

int64_t MaxRevision(const std::vector<const ReplicaSet*>& rss) {
  int64_t max = 0;
  for (const ReplicaSet* rs : rss) {
    if (rs != nullptr) max = std::max(max, Revision(rs->metadata).value_or(0));
  }
  return max;
}

bool SkipCopyAnnotation(std::string_view key) {
  return key == kLastAppliedConfigAnnotation || key == kRevisionAnnotation ||
         key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation ||
         key == kMaxReplicasAnnotation || key == kRollbackToAnnotation;
}

bool SetNewReplicaSetAnnotations(const Deployment& d, ReplicaSet* rs, int64_t new_revision,
                                 bool exists, size_t max_history_chars) {
  bool changed = false;
  auto& annotations = rs->metadata.annotations;
  for (const auto& [key, value] : d.metadata.annotations) {
    if (SkipCopyAnnotation(key)) continue;
    auto it = annotations.find(key);
    if (it != annotations.end() && it->second == value) continue;
    annotations[key] = value;
    changed = true;
  }
  auto rev_it = annotations.find(std::string(kRevisionAnnotation));
  const bool had_revision = rev_it != annotations.end();
  const std::string old_revision = had_revision ? rev_it->second : "";
  int64_t old_revision_number = 0;
  if (had_revision) {
    auto parsed = ParseInt<int64_t>(old_revision);
    if (!parsed) return changed;  // not a number: leave the revision alone
    old_revision_number = *parsed;
  }
  if (old_revision_number < new_revision) {
    annotations[std::string(kRevisionAnnotation)] = std::to_string(new_revision);
    changed = true;
    if (had_revision) {
      // Reused (rolled back to): remember the revision it had.
      const std::string key(kRevisionHistoryAnnotation);
      const std::string history = annotations.count(key) ? annotations[key] : "";
      if (history.empty()) {
        annotations[key] = old_revision;
      } else {
        std::vector<std::string> entries;
        size_t start = 0;
        while (true) {
          size_t comma = history.find(',', start);
          entries.push_back(history.substr(start, comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        size_t total = history.size() + old_revision.size() + 1;
        size_t first = 0;
        while (total > max_history_chars && first < entries.size()) {
          total -= entries[first].size() + 1;
          ++first;
        }
        if (total <= max_history_chars) {
          std::string joined;
          for (size_t i = first; i < entries.size(); ++i) joined += entries[i] + ",";
          annotations[key] = joined + old_revision;
        }
      }
    }
  }
  if (!exists) {
    const int32_t desired = DesiredReplicas(d);
    if (SetReplicasAnnotations(rs, desired, desired + MaxSurge(d))) changed = true;
  }
  return changed;
}

std::optional<int32_t> DesiredReplicasAnnotation(const ReplicaSet& rs) {
  return Int32Annotation(rs, kDesiredReplicasAnnotation);
}

std::optional<int32_t> MaxReplicasAnnotation(const ReplicaSet& rs) {
  return Int32Annotation(rs, kMaxReplicasAnnotation);
}

bool ReplicasAnnotationsNeedUpdate(const ReplicaSet& rs, int32_t desired, int32_t max) {
  auto get = [&rs](std::string_view key) -> std::string {
    auto it = rs.metadata.annotations.find(std::string(key));
    return it == rs.metadata.annotations.end() ? std::string("\x01") : it->second;
  };
  return get(kDesiredReplicasAnnotation) != std::to_string(desired) ||
         get(kMaxReplicasAnnotation) != std::to_string(max);
}

bool SetReplicasAnnotations(ReplicaSet* rs, int32_t desired, int32_t max) {
  bool changed = false;
  for (auto [key, value] :
       {std::pair{kDesiredReplicasAnnotation, desired}, std::pair{kMaxReplicasAnnotation, max}}) {
    std::string& slot = rs->metadata.annotations[std::string(key)];
    const std::string text = std::to_string(value);
    if (slot != text) {
      slot = text;
      changed = true;
    }
  }
  return changed;
}

bool SetDeploymentRevision(Deployment* d, std::string_view revision) {
  std::string& slot = d->metadata.annotations[std::string(kRevisionAnnotation)];
  if (slot == revision) return false;
  slot = std::string(revision);
  return true;
}

std::vector<size_t> ReplicaSetsToCleanUp(const Deployment& d,
                                         const std::vector<ReplicaSet>& old_rss) {
  if (!HasRevisionHistoryLimit(d)) return {};
  std::vector<size_t> candidates;
  for (size_t i = 0; i < old_rss.size(); ++i) {
    if (!old_rss[i].metadata.IsBeingDeleted()) candidates.push_back(i);
  }
  const int64_t diff = static_cast<int64_t>(candidates.size()) -
                       static_cast<int64_t>(*d.spec->revision_history_limit);
  if (diff <= 0) return {};
  // Creation order first, then a stable sort by revision keeps it for ties.
  std::sort(candidates.begin(), candidates.end(),
            [&](size_t a, size_t b) { return CreatedBefore(old_rss[a], old_rss[b]); });
  std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    return Revision(old_rss[a].metadata).value_or(0) < Revision(old_rss[b].metadata).value_or(0);
  });
  std::vector<size_t> out;
  for (int64_t i = 0; i < diff; ++i) {
    const ReplicaSet& rs = old_rss[candidates[static_cast<size_t>(i)]];
    const int64_t observed = rs.status ? rs.status->observed_generation.value_or(0) : 0;
    if (StatusReplicas(rs) != 0 || SpecReplicas(rs) != 0 || rs.metadata.generation > observed) {
      continue;
    }
    out.push_back(candidates[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace kube::controllers::deployment
