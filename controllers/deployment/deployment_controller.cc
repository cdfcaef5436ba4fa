#include "controllers/deployment/deployment_controller.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "controllers/common/claim.h"
#include "controllers/deployment/rollout.h"
#include "controllers/deployment/status.h"
#include "kubecpp/client/api.h"
#include "kubecpp/controller/handler.h"
#include "kubecpp/controller/source.h"
#include "kubecpp/controller/util.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/workqueue/priority_queue.h"

namespace kube::controllers::deployment {
namespace {

using api::core::v1::Pod;
using controller::Action;

// A Source calling per-event map functions (the B2.1 handlers need the old and the
// new object of an update together, which KindSource's MapFunc does not give).
template <typename T>
class HandlerSource final : public controller::Source {
 public:
  using Ptr = std::shared_ptr<const T>;
  struct Maps {
    std::function<std::vector<ObjectKey>(const T&)> add;
    std::function<std::vector<ObjectKey>(const T& old_object, const T& object)> update;
    std::function<std::vector<ObjectKey>(const T&)> del;
  };

  HandlerSource(std::shared_ptr<cache::Informer<T>> informer, Maps maps)
      : informer_(std::move(informer)), maps_(std::move(maps)) {}
  ~HandlerSource() override { Stop(); }

  void Start(controller::EventSink& sink) override {
    registration_ = informer_->AddEventHandler({
        .on_add =
            [this, &sink](const Ptr& o, bool initial) {
              if (!maps_.add) return;
              for (const ObjectKey& k : maps_.add(*o)) {
                sink.Enqueue(k, initial ? workqueue::kLowPriority : 0);
              }
            },
        .on_update =
            [this, &sink](const Ptr& old_object, const Ptr& object) {
              if (!maps_.update) return;
              for (const ObjectKey& k : maps_.update(*old_object, *object)) sink.Enqueue(k, 0);
            },
        .on_delete =
            [this, &sink](const cache::DeletedObject<T>& d) {
              if (!maps_.del || !d.object) return;
              for (const ObjectKey& k : maps_.del(*d.object)) sink.Enqueue(k, 0);
            },
    });
    started_ = true;
  }
  void Stop() override {
    if (started_) registration_.Remove();
    started_ = false;
  }
  bool HasSynced() const override { return started_ && registration_.HasSynced(); }
  Status LastError() const override { return informer_->LastError(); }
  std::string description() const override { return informer_->description(); }

 private:
  std::shared_ptr<cache::Informer<T>> informer_;
  Maps maps_;
  cache::HandlerRegistration registration_;
  bool started_ = false;
};

client::WriteOptions ControllerWrite() {
  client::WriteOptions options;
  options.field_manager = std::string(kControllerFieldManager);
  return options;
}

bool IsNamespaceTerminating(const Status& s) {
  for (const StatusCause& cause : s.details().causes) {
    if (cause.reason == "NamespaceTerminating") return true;
  }
  return false;
}

}  // namespace

// --- One sync ------------------------------------------------------------------------

// The state of one Sync call: a private copy of the Deployment and of its claimed
// ReplicaSets (oldest first), replaced by the server's copies after each write.
class DeploymentController::Syncer {
 public:
  Syncer(DeploymentController& c, std::stop_token stop, const Deployment& d)
      : c_(c),
        stop_(std::move(stop)),
        deployments_(c.client_, d.metadata.namespace_),
        replica_sets_(c.client_, d.metadata.namespace_),
        d_(d) {}

  Result<Action> Run() {
    if (!d_.spec) return Action::Done();
    const DeploymentSpec& spec = *d_.spec;
    if (spec.selector == LabelSelector{}) {
      Event(manager::EventType::kWarning, kEventSelectingAll,
            "This deployment is selecting all pods. A non-empty selector is required.");
      if (!d_.status || d_.status->observed_generation.value_or(0) < d_.metadata.generation) {
        if (!d_.status) d_.status.emplace();
        d_.status->observed_generation = d_.metadata.generation;
        KUBE_RETURN_IF_ERROR(UpdateDeploymentStatus());
      }
      return Action::Done();
    }
    KUBE_RETURN_IF_ERROR(ClaimReplicaSets());
    BuildPodMap();
    if (d_.metadata.IsBeingDeleted()) {
      KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(false));
      KUBE_RETURN_IF_ERROR(SyncDeploymentStatus());
      return Action::Done();
    }
    KUBE_RETURN_IF_ERROR(CheckPausedConditions());
    if (IsPaused(d_)) {
      KUBE_RETURN_IF_ERROR(SyncScale());
      return Action::Done();
    }
    auto scaling = IsScalingEvent();
    if (!scaling) return std::move(scaling).error();
    if (*scaling) {
      KUBE_RETURN_IF_ERROR(SyncScale());
      return Action::Done();
    }
    if (IsRecreate(d_)) {
      KUBE_RETURN_IF_ERROR(RolloutRecreate());
    } else {
      KUBE_RETURN_IF_ERROR(RolloutRolling());
    }
    if (requeue_after_) return Action::RequeueAfter(*requeue_after_);
    return Action::Done();
  }

 private:
  using DeploymentSpec = api::apps::v1::DeploymentSpec;

  // --- Inputs ---

  Status ClaimReplicaSets() {
    auto selector = LabelSelectorAsSelector(&d_.spec->selector);
    if (!selector) return std::move(selector).error();
    selector_ = *selector;
    ClaimContext ctx;
    ctx.owner = controller::OwnerOf(d_);
    ctx.selector = selector_;
    ctx.owner_being_deleted = d_.metadata.IsBeingDeleted();
    ctx.recheck_owner = [this]() -> Status {
      auto fresh = deployments_.Get(d_.metadata.name, stop_);
      if (!fresh) return std::move(fresh).error();
      if (fresh->metadata.uid != d_.metadata.uid) {
        return ConflictError("original Deployment " + d_.metadata.namespace_ + "/" +
                             d_.metadata.name + " is gone: got uid " + fresh->metadata.uid +
                             ", wanted " + d_.metadata.uid);
      }
      if (fresh->metadata.IsBeingDeleted()) {
        return ConflictError("Deployment " + d_.metadata.namespace_ + "/" + d_.metadata.name +
                             " is being deleted");
      }
      return Status();
    };
    auto candidates =
        c_.replica_sets_->GetIndexer().List(d_.metadata.namespace_, Selector::Everything());
    auto claimed = ClaimObjects<ReplicaSet>(ctx, candidates, replica_sets_, stop_);
    if (!claimed) return std::move(claimed).error();
    rss_.clear();
    for (const auto& rs : *claimed) rss_.push_back(*rs);
    SortByCreationTimestamp(&rss_);
    return Status();
  }

  // Pods selected by the Deployment, grouped by the uid of their owned ReplicaSet.
  void BuildPodMap() {
    pod_map_.clear();
    for (const ReplicaSet& rs : rss_) pod_map_[rs.metadata.uid];
    for (const auto& pod : c_.pods_->GetIndexer().List(d_.metadata.namespace_, selector_)) {
      const OwnerReference* ref = pod->metadata.ControllerRef();
      if (ref == nullptr) continue;
      auto it = pod_map_.find(ref->uid);
      if (it != pod_map_.end()) it->second.push_back(pod);
    }
  }

  // --- Views of rss_ ---

  const ReplicaSet* NewRS() const { return new_ ? &rss_[*new_] : nullptr; }
  std::vector<size_t> OldIndexes(bool active_only) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < rss_.size(); ++i) {
      if (new_ && *new_ == i) continue;
      if (active_only && SpecReplicas(rss_[i]) <= 0) continue;
      out.push_back(i);
    }
    return out;
  }
  std::vector<const ReplicaSet*> All() const {
    std::vector<const ReplicaSet*> out;
    for (const ReplicaSet& rs : rss_) out.push_back(&rs);
    return out;
  }

  // --- Writes ---

  void Event(manager::EventType type, std::string_view reason, const std::string& message) {
    if (c_.recorder_ != nullptr) c_.recorder_->Event(d_, type, reason, message);
  }

  Status UpdateDeploymentStatus() {
    auto updated = deployments_.UpdateStatus(d_, ControllerWrite(), stop_);
    if (!updated) return std::move(updated).error();
    d_ = std::move(*updated);
    return Status();
  }

  Time Now() const { return Time(c_.clock_.WallNow()); }

  // B2.3 "get RSs and sync revision": finds the new ReplicaSet (creating it when
  // `create`), syncs its annotations and the Deployment's revision.
  Status GetAllReplicaSetsAndSyncRevision(bool create) {
    new_ = FindNewReplicaSet(d_, rss_);
    std::vector<const ReplicaSet*> old;
    for (size_t i : OldIndexes(false)) old.push_back(&rss_[i]);
    const int64_t new_revision = MaxRevision(old) + 1;
    if (new_) {
      ReplicaSet copy = rss_[*new_];
      const bool annotations_changed = SetNewReplicaSetAnnotations(d_, &copy, new_revision, true);
      const int32_t min_ready = d_.spec->min_ready_seconds.value_or(0);
      const bool min_ready_changed =
          (copy.spec ? copy.spec->min_ready_seconds.value_or(0) : 0) != min_ready;
      if (annotations_changed || min_ready_changed) {
        if (!copy.spec) copy.spec.emplace();
        copy.spec->min_ready_seconds = min_ready;
        auto updated = replica_sets_.Update(copy, ControllerWrite(), stop_);
        if (!updated) return std::move(updated).error();
        rss_[*new_] = std::move(*updated);
      }
      const ReplicaSet& rs = rss_[*new_];
      auto rev = rs.metadata.annotations.find(std::string(kRevisionAnnotation));
      bool needs_update = SetDeploymentRevision(
          &d_, rev == rs.metadata.annotations.end() ? std::string() : rev->second);
      if (HasProgressDeadline(d_) &&
          GetCondition(d_.status.value_or(DeploymentStatus{}), kConditionProgressing) == nullptr) {
        if (!d_.status) d_.status.emplace();
        SetCondition(&*d_.status,
                     NewCondition(kConditionProgressing, "True", kReasonFoundNewReplicaSet,
                                  "Found new replica set \"" + rs.metadata.name + "\"", Now()));
        needs_update = true;
      }
      if (needs_update) return UpdateDeploymentStatus();
      return Status();
    }
    if (!create) return Status();
    return CreateNewReplicaSet(new_revision);
  }

  Status CreateNewReplicaSet(int64_t new_revision) {
    const std::optional<int32_t> collision_count =
        d_.status ? d_.status->collision_count : std::nullopt;
    const std::string hash = ComputeHash(d_.spec->template_, collision_count);
    api::core::v1::PodTemplateSpec tmpl = d_.spec->template_;
    if (!tmpl.metadata) tmpl.metadata.emplace();
    tmpl.metadata->labels[std::string(kPodTemplateHashLabel)] = hash;
    LabelSelector selector = d_.spec->selector;
    selector.match_labels[std::string(kPodTemplateHashLabel)] = hash;

    ReplicaSet rs;
    rs.metadata.name = d_.metadata.name + "-" + hash;
    rs.metadata.namespace_ = d_.metadata.namespace_;
    rs.metadata.owner_references.push_back(NewControllerRef(controller::OwnerOf(d_)));
    rs.metadata.labels = tmpl.metadata->labels;
    rs.spec.emplace();
    rs.spec->min_ready_seconds = d_.spec->min_ready_seconds;
    rs.spec->selector = std::move(selector);
    rs.spec->template_ = std::move(tmpl);
    const int32_t desired = DesiredReplicas(d_);
    int32_t replicas = desired;
    if (IsRollingUpdate(d_)) {
      int32_t total = 0;
      for (size_t i : OldIndexes(false)) total += SpecReplicas(rss_[i]);
      replicas = NewReplicasForRollingUpdate(desired, MaxSurge(d_), total, 0);
    }
    rs.spec->replicas = replicas;
    SetNewReplicaSetAnnotations(d_, &rs, new_revision, false);

    bool already_exists = false;
    auto created = replica_sets_.Create(rs, ControllerWrite(), stop_);
    if (!created) {
      Status err = std::move(created).error();
      if (IsAlreadyExists(err)) {
        // Ours from an earlier sync (a stale cache), or a hash collision.
        std::optional<ReplicaSet> existing;
        if (auto cached = c_.replica_sets_->GetIndexer().Get(rs.metadata.key())) {
          existing = *cached;
        } else if (auto fresh = replica_sets_.Get(rs.metadata.name, stop_)) {
          existing = std::move(*fresh);
        }
        if (!existing) return err;
        const OwnerReference* ref = existing->metadata.ControllerRef();
        if (ref != nullptr && ref->uid == d_.metadata.uid && existing->spec &&
            existing->spec->template_ &&
            EqualIgnoreHash(d_.spec->template_, *existing->spec->template_)) {
          already_exists = true;
          created = std::move(*existing);
        } else {
          if (!d_.status) d_.status.emplace();
          d_.status->collision_count = d_.status->collision_count.value_or(0) + 1;
          KUBE_RETURN_IF_ERROR(UpdateDeploymentStatus());
          return err.Annotate("hash collision for ReplicaSet " + rs.metadata.name +
                              "; collisionCount raised");
        }
      } else if (IsNamespaceTerminating(err)) {
        return Status();  // every create will fail; the namespace is going away
      } else {
        const std::string message =
            "Failed to create new replica set \"" + rs.metadata.name + "\": " + err.message();
        if (HasProgressDeadline(d_)) {
          if (!d_.status) d_.status.emplace();
          SetCondition(&*d_.status, NewCondition(kConditionProgressing, "False",
                                                 kReasonReplicaSetCreateError, message, Now()));
          (void)UpdateDeploymentStatus();  // the create error is what matters
        }
        Event(manager::EventType::kWarning, kReasonReplicaSetCreateError, message);
        return err;
      }
    }
    if (!already_exists && replicas > 0) {
      Event(manager::EventType::kNormal, kEventScalingReplicaSet,
            "Scaled up replica set " + created->metadata.name + " to " + std::to_string(replicas));
    }
    const std::string name = created->metadata.name;
    rss_.push_back(std::move(*created));
    SortByCreationTimestamp(&rss_);
    new_ = FindNewReplicaSet(d_, rss_);
    bool needs_update = SetDeploymentRevision(&d_, std::to_string(new_revision));
    if (!already_exists && HasProgressDeadline(d_)) {
      if (!d_.status) d_.status.emplace();
      SetCondition(&*d_.status,
                   NewCondition(kConditionProgressing, "True", kReasonNewReplicaSetCreated,
                                "Created new replica set \"" + name + "\"", Now()));
      needs_update = true;
    }
    if (needs_update) return UpdateDeploymentStatus();
    return Status();
  }

  // Scales rss_[i] to `size` and writes desired-replicas / max-replicas (B2.5, last
  // paragraph). Returns whether the size changed.
  Result<bool> ScaleReplicaSet(size_t i, int32_t size, bool up) {
    const int32_t desired = DesiredReplicas(d_);
    const int32_t max = desired + MaxSurge(d_);
    const int32_t old_size = SpecReplicas(rss_[i]);
    const bool size_changed = old_size != size;
    if (!size_changed && !ReplicasAnnotationsNeedUpdate(rss_[i], desired, max)) return false;
    ReplicaSet copy = rss_[i];
    if (!copy.spec) copy.spec.emplace();
    copy.spec->replicas = size;
    SetReplicasAnnotations(&copy, desired, max);
    auto updated = replica_sets_.Update(copy, ControllerWrite(), stop_);
    if (!updated) return std::move(updated).error();
    rss_[i] = std::move(*updated);
    if (size_changed) {
      Event(manager::EventType::kNormal, kEventScalingReplicaSet,
            std::string(up ? "Scaled up" : "Scaled down") + " replica set " +
                rss_[i].metadata.name + " from " + std::to_string(old_size) + " to " +
                std::to_string(size));
    }
    return size_changed;
  }

  Result<bool> ScaleReplicaSetAndRecordEvent(size_t i, int32_t size) {
    const int32_t current = SpecReplicas(rss_[i]);
    if (current == size) return false;
    return ScaleReplicaSet(i, size, size > current);
  }

  // Writes CalculateStatus when it differs (paused / scaling / deletion paths).
  Status SyncDeploymentStatus() {
    DeploymentStatus status = CalculateStatus(All(), NewRS(), d_, Now());
    if (d_.status && *d_.status == status) return Status();
    d_.status = std::move(status);
    return UpdateDeploymentStatus();
  }

  // Writes RolloutStatus when it differs and remembers when to check the deadline.
  Status SyncRolloutStatus() {
    const Time now = Now();
    DeploymentStatus status = RolloutStatus(All(), NewRS(), d_, now);
    if (!d_.status || !(*d_.status == status)) {
      d_.status = std::move(status);
      KUBE_RETURN_IF_ERROR(UpdateDeploymentStatus());
    }
    if (auto after = ProgressRequeueAfter(d_, d_.status.value_or(DeploymentStatus{}), now)) {
      requeue_after_ = *after;
    }
    return Status();
  }

  // B2.7.
  Status CleanupDeployment() {
    std::vector<ReplicaSet> old;
    for (size_t i : OldIndexes(false)) old.push_back(rss_[i]);
    for (size_t i : ReplicaSetsToCleanUp(d_, old)) {
      Status s = replica_sets_.Delete(old[i].metadata.name, {}, stop_);
      if (!s.ok() && !IsNotFound(s)) return s;
    }
    return Status();
  }

  // B2.10.
  Status CheckPausedConditions() {
    if (!HasProgressDeadline(d_)) return Status();
    const DeploymentCondition* cond =
        d_.status ? GetCondition(*d_.status, kConditionProgressing) : nullptr;
    const std::string reason = cond != nullptr ? cond->reason.value_or("") : "";
    if (reason == kReasonProgressDeadlineExceeded) return Status();
    const bool paused_cond = reason == kReasonDeploymentPaused;
    if (IsPaused(d_) && !paused_cond) {
      if (!d_.status) d_.status.emplace();
      SetCondition(&*d_.status,
                   NewCondition(kConditionProgressing, "Unknown", kReasonDeploymentPaused,
                                "Deployment is paused", Now()));
    } else if (!IsPaused(d_) && paused_cond) {
      SetCondition(&*d_.status,
                   NewCondition(kConditionProgressing, "Unknown", kReasonDeploymentResumed,
                                "Deployment is resumed", Now()));
    } else {
      return Status();
    }
    return UpdateDeploymentStatus();
  }

  // B2.3 step 8: an active ReplicaSet's desired-replicas differs from spec.replicas.
  Result<bool> IsScalingEvent() {
    KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(false));
    for (const ReplicaSet& rs : rss_) {
      if (SpecReplicas(rs) <= 0) continue;
      auto desired = DesiredReplicasAnnotation(rs);
      if (desired && *desired != DesiredReplicas(d_)) return true;
    }
    return false;
  }

  // B2.5 "sync": scale (proportionally when needed), clean up, write status.
  Status SyncScale() {
    KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(false));
    KUBE_RETURN_IF_ERROR(Scale());
    KUBE_RETURN_IF_ERROR(CleanupDeployment());
    return SyncDeploymentStatus();
  }

  Status Scale() {
    const int32_t desired = DesiredReplicas(d_);
    std::vector<size_t> active;
    for (size_t i = 0; i < rss_.size(); ++i) {
      if (SpecReplicas(rss_[i]) > 0) active.push_back(i);
    }
    if (active.size() <= 1) {
      std::optional<size_t> target;
      if (active.size() == 1) {
        target = active.front();
      } else if (new_) {
        target = new_;
      } else if (!rss_.empty()) {
        target = OldIndexes(false).back();  // the newest old ReplicaSet
      }
      if (!target) return Status();
      auto scaled = ScaleReplicaSetAndRecordEvent(*target, desired);
      return scaled ? Status() : std::move(scaled).error();
    }
    if (const ReplicaSet* n = NewRS(); n != nullptr && SpecReplicas(*n) == desired &&
                                       DesiredReplicasAnnotation(*n) == desired &&
                                       AvailableReplicas(*n) == desired) {
      // Saturated new ReplicaSet: old ones go away.
      for (size_t i : OldIndexes(true)) {
        auto scaled = ScaleReplicaSetAndRecordEvent(i, 0);
        if (!scaled) return std::move(scaled).error();
      }
      return Status();
    }
    if (!IsRollingUpdate(d_)) return Status();
    std::vector<ScalableReplicaSet> input;
    int32_t total = 0;
    for (size_t i : active) {
      input.push_back({SpecReplicas(rss_[i]), MaxReplicasAnnotation(rss_[i])});
      total += SpecReplicas(rss_[i]);
    }
    const int32_t status_replicas = d_.status ? d_.status->replicas.value_or(0) : 0;
    const std::vector<int32_t> sizes =
        ProportionalScale(desired, MaxSurge(d_), status_replicas, input);
    const bool up = (desired > 0 ? desired + MaxSurge(d_) : 0) > total;
    for (size_t k = 0; k < active.size(); ++k) {
      auto scaled = ScaleReplicaSet(active[k], sizes[k], up);
      if (!scaled) return std::move(scaled).error();
    }
    return Status();
  }

  // B2.4.
  Status RolloutRolling() {
    KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(true));
    if (!new_) return Status();  // namespace terminating
    const int32_t desired = DesiredReplicas(d_);
    // Scale the new ReplicaSet up (or down to spec.replicas), if we can.
    const int32_t current = SpecReplicas(rss_[*new_]);
    if (current != desired) {
      int32_t total = 0;
      for (const ReplicaSet& rs : rss_) total += SpecReplicas(rs);
      auto scaled = ScaleReplicaSetAndRecordEvent(
          *new_, NewReplicasForRollingUpdate(desired, MaxSurge(d_), total, current));
      if (!scaled) return std::move(scaled).error();
      if (*scaled) return SyncRolloutStatus();
    }
    // Scale old ReplicaSets down, if we can.
    const std::vector<size_t> old = OldIndexes(true);
    std::vector<ReplicaCounts> counts;
    for (size_t i : old) counts.push_back({SpecReplicas(rss_[i]), AvailableReplicas(rss_[i])});
    const ReplicaSet& n = rss_[*new_];
    const std::vector<int32_t> sizes = ScaleDownOldReplicaSets(
        desired, MaxUnavailable(d_), {SpecReplicas(n), AvailableReplicas(n)}, counts);
    bool scaled_down = false;
    for (size_t k = 0; k < old.size(); ++k) {
      auto scaled = ScaleReplicaSetAndRecordEvent(old[k], sizes[k]);
      if (!scaled) return std::move(scaled).error();
      scaled_down = scaled_down || *scaled;
    }
    if (scaled_down) return SyncRolloutStatus();
    if (DeploymentComplete(d_, d_.status.value_or(DeploymentStatus{}))) {
      KUBE_RETURN_IF_ERROR(CleanupDeployment());
    }
    return SyncRolloutStatus();
  }

  // B2.9: pods of old ReplicaSets still exist (terminal pods excepted).
  bool OldPodsRunning() const {
    for (size_t i : OldIndexes(false)) {
      if (StatusReplicas(rss_[i]) > 0) return true;
    }
    for (const auto& [uid, pods] : pod_map_) {
      if (new_ && rss_[*new_].metadata.uid == uid) continue;
      for (const auto& pod : pods) {
        if (!pod->status || !pod->status->phase) return true;
        const std::string_view phase = pod->status->phase->ToString();
        if (phase != "Failed" && phase != "Succeeded") return true;
      }
    }
    return false;
  }

  Status RolloutRecreate() {
    KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(false));
    bool scaled_down = false;
    for (size_t i : OldIndexes(true)) {
      auto scaled = ScaleReplicaSetAndRecordEvent(i, 0);
      if (!scaled) return std::move(scaled).error();
      scaled_down = scaled_down || *scaled;
    }
    if (scaled_down || OldPodsRunning()) return SyncRolloutStatus();
    if (!new_) {
      KUBE_RETURN_IF_ERROR(GetAllReplicaSetsAndSyncRevision(true));
      if (!new_) return Status();  // namespace terminating
    }
    auto scaled = ScaleReplicaSetAndRecordEvent(*new_, DesiredReplicas(d_));
    if (!scaled) return std::move(scaled).error();
    if (DeploymentComplete(d_, d_.status.value_or(DeploymentStatus{}))) {
      KUBE_RETURN_IF_ERROR(CleanupDeployment());
    }
    return SyncRolloutStatus();
  }

  DeploymentController& c_;
  std::stop_token stop_;
  client::Api<Deployment> deployments_;
  client::Api<ReplicaSet> replica_sets_;
  Deployment d_;
  Selector selector_;
  std::vector<ReplicaSet> rss_;  // claimed, oldest first
  std::optional<size_t> new_;    // index of the new ReplicaSet in rss_
  std::map<std::string, std::vector<std::shared_ptr<const Pod>>> pod_map_;
  std::optional<Clock::Duration> requeue_after_;
};

// --- Controller ----------------------------------------------------------------------

DeploymentController::DeploymentController(client::Client* client, manager::EventRecorder* recorder,
                                           Options options)
    : client_(client),
      recorder_(recorder),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()) {}

Result<std::shared_ptr<DeploymentController>> DeploymentController::New(
    client::Client* client, cache::InformerFactory& informers, manager::EventRecorder* recorder,
    Options options) {
  std::shared_ptr<DeploymentController> dc(
      new DeploymentController(client, recorder, std::move(options)));
  auto deployments = informers.For<Deployment>();
  if (!deployments) return std::move(deployments).error();
  auto replica_sets = informers.For<ReplicaSet>();
  if (!replica_sets) return std::move(replica_sets).error();
  auto pods = informers.For<Pod>();
  if (!pods) return std::move(pods).error();
  dc->deployments_ = std::move(*deployments);
  dc->replica_sets_ = std::move(*replica_sets);
  dc->pods_ = std::move(*pods);
  return dc;
}

Result<std::unique_ptr<controller::Controller>> DeploymentController::NewController() {
  controller::ControllerOptions copts;
  copts.name = options_.name;
  copts.max_concurrent_reconciles = options_.workers;
  copts.clock = options_.clock;
  copts.metrics_registry = options_.metrics_registry;
  auto c = controller::Controller::New(std::move(copts), shared_from_this());
  if (!c) return std::move(c).error();
  (*c)->Watch(std::make_unique<controller::KindSource<Deployment>>(
      deployments_, controller::EnqueueRequestForObject<Deployment>(),
      std::vector<controller::Predicate<Deployment>>{}, /*primary=*/true));
  (*c)->Watch(std::make_unique<HandlerSource<ReplicaSet>>(
      replica_sets_,
      HandlerSource<ReplicaSet>::Maps{
          [this](const ReplicaSet& rs) { return OnReplicaSetAdd(rs); },
          [this](const ReplicaSet& o, const ReplicaSet& n) { return OnReplicaSetUpdate(o, n); },
          [this](const ReplicaSet& rs) { return OnReplicaSetDelete(rs); }}));
  (*c)->Watch(std::make_unique<HandlerSource<Pod>>(
      pods_, HandlerSource<Pod>::Maps{nullptr, nullptr,
                                      [this](const Pod& pod) { return OnPodDelete(pod); }}));
  return std::move(*c);
}

Result<Action> DeploymentController::Reconcile(const controller::Request& request) {
  return Sync(request.key, request.stop);
}

Result<Action> DeploymentController::Sync(const ObjectKey& key, std::stop_token stop) {
  auto cached = deployments_->GetIndexer().Get(key);
  if (!cached) return Action::Done();  // deleted
  return SyncObject(*cached, std::move(stop));
}

Result<Action> DeploymentController::SyncObject(const Deployment& d, std::stop_token stop) {
  Syncer syncer(*this, std::move(stop), d);
  return syncer.Run();
}

std::shared_ptr<const Deployment> DeploymentController::ResolveControllerRef(
    const std::string& namespace_, const OwnerReference* ref) const {
  if (ref == nullptr || ref->kind != Deployment::kKind) return nullptr;
  if (ref->api_version.rfind("apps/", 0) != 0) return nullptr;
  auto d = deployments_->GetIndexer().Get(ObjectKey{namespace_, ref->name});
  if (!d || d->metadata.uid != ref->uid) return nullptr;
  return d;
}

std::vector<ObjectKey> DeploymentController::DeploymentsForReplicaSet(const ReplicaSet& rs) const {
  std::vector<ObjectKey> keys;
  for (const auto& d :
       deployments_->GetIndexer().List(rs.metadata.namespace_, Selector::Everything())) {
    if (!d->spec) continue;
    auto selector = LabelSelectorAsSelector(&d->spec->selector);
    if (!selector || selector->Empty() || !selector->Matches(rs.metadata.labels)) continue;
    keys.push_back(d->metadata.key());
  }
  return keys;
}

std::vector<ObjectKey> DeploymentController::OnReplicaSetAdd(const ReplicaSet& rs) const {
  if (rs.metadata.IsBeingDeleted()) return OnReplicaSetDelete(rs);
  if (const OwnerReference* ref = rs.metadata.ControllerRef()) {
    auto d = ResolveControllerRef(rs.metadata.namespace_, ref);
    if (!d) return {};
    return {d->metadata.key()};
  }
  return DeploymentsForReplicaSet(rs);
}

std::vector<ObjectKey> DeploymentController::OnReplicaSetUpdate(const ReplicaSet& old_rs,
                                                                const ReplicaSet& rs) const {
  if (old_rs.metadata.resource_version == rs.metadata.resource_version) return {};
  std::vector<ObjectKey> keys;
  const OwnerReference* cur_ref = rs.metadata.ControllerRef();
  const OwnerReference* old_ref = old_rs.metadata.ControllerRef();
  const bool ref_changed = (cur_ref == nullptr) != (old_ref == nullptr) ||
                           (cur_ref != nullptr && !(*cur_ref == *old_ref));
  if (ref_changed && old_ref != nullptr) {
    if (auto d = ResolveControllerRef(old_rs.metadata.namespace_, old_ref)) {
      keys.push_back(d->metadata.key());
    }
  }
  if (cur_ref != nullptr) {
    if (auto d = ResolveControllerRef(rs.metadata.namespace_, cur_ref)) {
      keys.push_back(d->metadata.key());
    }
    return keys;
  }
  if (ref_changed || old_rs.metadata.labels != rs.metadata.labels) {
    for (ObjectKey& k : DeploymentsForReplicaSet(rs)) keys.push_back(std::move(k));
  }
  return keys;
}

std::vector<ObjectKey> DeploymentController::OnReplicaSetDelete(const ReplicaSet& rs) const {
  auto d = ResolveControllerRef(rs.metadata.namespace_, rs.metadata.ControllerRef());
  if (!d) return {};
  return {d->metadata.key()};
}

std::vector<ObjectKey> DeploymentController::OnPodDelete(const Pod& pod) const {
  const OwnerReference* ref = pod.metadata.ControllerRef();
  if (ref == nullptr || ref->kind != ReplicaSet::kKind) return {};
  auto rs = replica_sets_->GetIndexer().Get(ObjectKey{pod.metadata.namespace_, ref->name});
  if (!rs || rs->metadata.uid != ref->uid) return {};
  auto d = ResolveControllerRef(rs->metadata.namespace_, rs->metadata.ControllerRef());
  if (!d || !IsRecreate(*d) || !d->spec) return {};
  // Wake the rollout only once no pod of the Deployment's ReplicaSets is left.
  std::set<std::string> owned;
  for (const auto& r :
       replica_sets_->GetIndexer().List(d->metadata.namespace_, Selector::Everything())) {
    const OwnerReference* r_ref = r->metadata.ControllerRef();
    if (r_ref != nullptr && r_ref->uid == d->metadata.uid) owned.insert(r->metadata.uid);
  }
  auto selector = LabelSelectorAsSelector(&d->spec->selector);
  if (!selector) return {};
  for (const auto& p : pods_->GetIndexer().List(d->metadata.namespace_, *selector)) {
    const OwnerReference* p_ref = p->metadata.ControllerRef();
    if (p_ref != nullptr && owned.count(p_ref->uid) > 0) return {};
  }
  return {d->metadata.key()};
}

Status SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  if (options.metrics_registry == nullptr) options.metrics_registry = &mgr.metrics_registry();
  auto dc = DeploymentController::New(mgr.client(), mgr.informers(), &mgr.event_recorder(),
                                      std::move(options));
  if (!dc) return std::move(dc).error();
  auto c = (*dc)->NewController();
  if (!c) return std::move(c).error();
  return mgr.Add(std::move(*c));
}

}  // namespace kube::controllers::deployment
