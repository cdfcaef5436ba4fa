#include "controllers/replicaset/replicaset_controller.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "controllers/common/claim.h"
#include "controllers/common/pod_util.h"
#include "controllers/replicaset/pod_ranking.h"
#include "kubecpp/controller/source.h"
#include "kubecpp/controller/util.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/validation.h"
#include "kubecpp/workqueue/priority_queue.h"

namespace kube::controllers::replicaset {

namespace v1 = api::core::v1;
using api::apps::v1::ReplicaSet;
using api::apps::v1::ReplicaSetCondition;
using api::apps::v1::ReplicaSetStatus;
using controller::Action;

namespace {

constexpr std::string_view kReplicaFailure = "ReplicaFailure";

// A Source whose informer handlers are built by the controller, so pod events can
// lower expectations before they queue a ReplicaSet.
template <typename T>
class HandlerSource final : public controller::Source {
 public:
  using MakeHandlers = std::function<cache::ResourceEventHandlerFuncs<T>(controller::EventSink&)>;
  HandlerSource(std::shared_ptr<cache::Informer<T>> informer, MakeHandlers make)
      : informer_(std::move(informer)), make_(std::move(make)) {}
  ~HandlerSource() override { Stop(); }

  void Start(controller::EventSink& sink) override {
    registration_ = informer_->AddEventHandler(make_(sink));
    started_ = true;
  }
  void Stop() override {
    if (started_.exchange(false)) registration_.Remove();
  }
  bool HasSynced() const override { return started_ && registration_.HasSynced(); }
  Status LastError() const override { return informer_->LastError(); }
  std::string description() const override { return informer_->description(); }

 private:
  std::shared_ptr<cache::Informer<T>> informer_;
  MakeHandlers make_;
  cache::HandlerRegistration registration_;
  std::atomic<bool> started_{false};
};

ObjectKey KeyOf(const ObjectMeta& meta) { return ObjectKey{meta.namespace_, meta.name}; }
std::string PodKey(const v1::Pod& pod) { return KeyOf(pod.metadata).ToString(); }

Result<Selector> SelectorOf(const ReplicaSet& rs) {
  if (!rs.spec) return LabelSelectorAsSelector(nullptr);
  return LabelSelectorAsSelector(&rs.spec->selector);
}

int32_t SpecReplicas(const ReplicaSet& rs) {
  return rs.spec && rs.spec->replicas ? *rs.spec->replicas : 1;
}

int32_t MinReadySeconds(const ReplicaSet& rs) {
  return rs.spec ? rs.spec->min_ready_seconds.value_or(0) : 0;
}

// upstream getPodsPrefix: "<name>-" unless that is not a valid name prefix.
std::string PodNamePrefix(const std::string& rs_name) {
  std::string prefix = rs_name + "-";
  std::string masked = prefix;
  masked.back() = 'a';  // a generated suffix follows the dash
  return IsDns1123Subdomain(masked).empty() ? prefix : rs_name;
}

bool NamespaceTerminating(const Status& s) {
  for (const StatusCause& c : s.details().causes) {
    if (c.reason == "NamespaceTerminating") return true;
  }
  return false;
}

std::optional<int32_t> NonZero(int32_t v) {
  return v == 0 ? std::nullopt : std::optional<int32_t>(v);
}

bool SameControllerRef(const OwnerReference* a, const OwnerReference* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

}  // namespace

ReplicaSetController::ReplicaSetController(client::Client* client, Options options, Clock& clock,
                                           std::shared_ptr<cache::Informer<ReplicaSet>> sets,
                                           std::shared_ptr<cache::Informer<v1::Pod>> pods)
    : client_(client),
      options_(std::move(options)),
      clock_(clock),
      expectations_(clock, options_.expectations_ttl),
      sets_(std::move(sets)),
      pods_(std::move(pods)) {}

Result<std::shared_ptr<ReplicaSetController>> ReplicaSetController::New(
    client::Client* client, cache::InformerFactory& informers, Options options) {
  auto sets = informers.For<ReplicaSet>();
  if (!sets) return std::move(sets).error();
  auto pods = informers.For<v1::Pod>();
  if (!pods) return std::move(pods).error();
  Clock& clock = options.clock != nullptr ? *options.clock : RealClock();
  return std::shared_ptr<ReplicaSetController>(
      new ReplicaSetController(client, std::move(options), clock, *sets, *pods));
}

Status ReplicaSetController::SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.recorder == nullptr) options.recorder = &mgr.event_recorder();
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  auto rs = New(mgr.client(), mgr.informers(), std::move(options));
  if (!rs) return std::move(rs).error();
  auto c = (*rs)->NewController();
  if (!c) return std::move(c).error();
  return mgr.Add(std::move(*c));
}

Result<std::unique_ptr<controller::Controller>> ReplicaSetController::NewController() {
  controller::ControllerOptions co;
  co.name = options_.name;
  co.max_concurrent_reconciles = options_.workers;
  co.clock = &clock_;
  auto c = controller::Controller::New(std::move(co), shared_from_this());
  if (!c) return std::move(c).error();
  ReplicaSetController* self = this;  // the controller owns the sources and holds `this`

  (*c)->Watch(
      std::make_unique<HandlerSource<ReplicaSet>>(sets_, [self](controller::EventSink& sink) {
        using Ptr = std::shared_ptr<const ReplicaSet>;
        return cache::ResourceEventHandlerFuncs<ReplicaSet>{
            .on_add =
                [&sink](const Ptr& rs, bool initial) {
                  sink.Enqueue(KeyOf(rs->metadata), initial ? workqueue::kLowPriority : 0);
                },
            .on_update =
                [self, &sink](const Ptr& old_rs, const Ptr& rs) {
                  if (old_rs->metadata.uid != rs->metadata.uid) {
                    self->expectations_.Delete(KeyOf(old_rs->metadata).ToString());
                  }
                  sink.Enqueue(KeyOf(rs->metadata), 0);
                },
            .on_delete =
                [self, &sink](const cache::DeletedObject<ReplicaSet>& d) {
                  if (!d.object) return;
                  self->expectations_.Delete(KeyOf(d.object->metadata).ToString());
                  sink.Enqueue(KeyOf(d.object->metadata), 0);
                },
        };
      }));

  (*c)->Watch(std::make_unique<HandlerSource<v1::Pod>>(pods_, [self](controller::EventSink& sink) {
    using Ptr = std::shared_ptr<const v1::Pod>;
    // B1.1 pod delete: lower the owner's deletion expectation and queue it.
    auto on_deleted = [self, &sink](const v1::Pod& pod) {
      const OwnerReference* ref = pod.metadata.ControllerRef();
      if (ref == nullptr) return;
      RsPtr rs = self->ResolveControllerRef(pod.metadata.namespace_, *ref);
      if (!rs) return;
      const ObjectKey key = KeyOf(rs->metadata);
      self->expectations_.DeletionObserved(key.ToString(), PodKey(pod));
      sink.Enqueue(key, 0);
    };
    auto enqueue_matching = [self, &sink](const v1::Pod& pod, int priority) {
      for (const RsPtr& rs : self->PodReplicaSets(pod)) sink.Enqueue(KeyOf(rs->metadata), priority);
    };
    return cache::ResourceEventHandlerFuncs<v1::Pod>{
        .on_add =
            [self, &sink, on_deleted, enqueue_matching](const Ptr& pod, bool initial) {
              if (pod->metadata.IsBeingDeleted()) {
                on_deleted(*pod);
                return;
              }
              const int priority = initial ? workqueue::kLowPriority : 0;
              if (const OwnerReference* ref = pod->metadata.ControllerRef(); ref != nullptr) {
                RsPtr rs = self->ResolveControllerRef(pod->metadata.namespace_, *ref);
                if (!rs) return;
                const ObjectKey key = KeyOf(rs->metadata);
                self->expectations_.CreationObserved(key.ToString());
                sink.Enqueue(key, priority);
                return;
              }
              enqueue_matching(*pod, priority);
            },
        .on_update =
            [self, &sink, on_deleted, enqueue_matching](const Ptr& old_pod, const Ptr& pod) {
              if (old_pod->metadata.resource_version == pod->metadata.resource_version) return;
              const bool labels_changed = old_pod->metadata.labels != pod->metadata.labels;
              if (pod->metadata.IsBeingDeleted()) {
                on_deleted(*pod);
                if (labels_changed) on_deleted(*old_pod);
                return;
              }
              const OwnerReference* cur_ref = pod->metadata.ControllerRef();
              const OwnerReference* old_ref = old_pod->metadata.ControllerRef();
              const bool ref_changed = !SameControllerRef(cur_ref, old_ref);
              if (ref_changed && old_ref != nullptr) {
                if (RsPtr rs = self->ResolveControllerRef(old_pod->metadata.namespace_, *old_ref)) {
                  sink.Enqueue(KeyOf(rs->metadata), 0);
                }
              }
              if (cur_ref != nullptr) {
                // A pod that just became ready is requeued by the sync itself once
                // minReadySeconds pass (Reconcile returns RequeueAfter).
                if (RsPtr rs = self->ResolveControllerRef(pod->metadata.namespace_, *cur_ref)) {
                  sink.Enqueue(KeyOf(rs->metadata), 0);
                }
                return;
              }
              if (labels_changed || ref_changed) enqueue_matching(*pod, 0);
            },
        .on_delete =
            [on_deleted](const cache::DeletedObject<v1::Pod>& d) {
              if (d.object) on_deleted(*d.object);
            },
    };
  }));
  return c;
}

ReplicaSetController::RsPtr ReplicaSetController::ResolveControllerRef(
    const std::string& namespace_, const OwnerReference& ref) const {
  if (ref.kind != ReplicaSet::kKind) return nullptr;
  auto gv = GroupVersion::Parse(ref.api_version);
  if (!gv || gv->group != ReplicaSet::kGroup) return nullptr;
  RsPtr rs = sets_->GetIndexer().Get(ObjectKey{namespace_, ref.name});
  if (!rs || rs->metadata.uid != ref.uid) return nullptr;
  return rs;
}

std::vector<ReplicaSetController::RsPtr> ReplicaSetController::PodReplicaSets(
    const v1::Pod& pod) const {
  std::vector<RsPtr> out;
  for (const RsPtr& rs : sets_->GetIndexer().List(pod.metadata.namespace_, Selector())) {
    auto selector = SelectorOf(*rs);
    if (!selector || selector->Empty()) continue;
    if (selector->Matches(pod.metadata.labels)) out.push_back(rs);
  }
  return out;
}

std::vector<ReplicaSetController::PodPtr> ReplicaSetController::RelatedPods(
    const ReplicaSet& rs) const {
  const OwnerReference* owner = rs.metadata.ControllerRef();
  if (owner == nullptr) return {};
  std::vector<PodPtr> out;
  std::set<std::string> seen;
  for (const RsPtr& other : sets_->GetIndexer().List(rs.metadata.namespace_, Selector())) {
    const OwnerReference* ref = other->metadata.ControllerRef();
    if (ref == nullptr || ref->uid != owner->uid) continue;
    auto selector = SelectorOf(*other);
    if (!selector) continue;
    for (const PodPtr& pod : pods_->GetIndexer().List(rs.metadata.namespace_, *selector)) {
      if (seen.insert(pod->metadata.uid).second) out.push_back(pod);
    }
  }
  return out;
}

Result<Action> ReplicaSetController::Reconcile(const controller::Request& request) {
  const std::string key = request.key.ToString();
  RsPtr rs = sets_->GetIndexer().Get(request.key);
  if (!rs) {  // B1.2 step 1
    expectations_.Delete(key);
    return Action::Done();
  }
  const bool needs_sync = expectations_.Satisfied(key);
  auto selector = SelectorOf(*rs);
  if (!selector) {  // step 3: a bad selector does not heal by retrying
    request.log.Error(selector.error(), "invalid selector");
    return Action::Done();
  }

  // Step 4: active pods, and the RS's terminating ones counted aside.
  std::vector<PodPtr> active;
  int terminating = 0;
  for (const PodPtr& pod : pods_->GetIndexer().List(rs->metadata.namespace_, Selector())) {
    if (IsPodActive(*pod)) {
      active.push_back(pod);
    } else if (pod->metadata.IsBeingDeleted()) {
      const OwnerReference* ref = pod->metadata.ControllerRef();
      if (ref != nullptr && ref->uid == rs->metadata.uid &&
          selector->Matches(pod->metadata.labels)) {
        ++terminating;
      }
    }
  }

  // Step 5: claim.
  client::Api<ReplicaSet> sets_api(client_, rs->metadata.namespace_);
  client::Api<v1::Pod> pods_api(client_, rs->metadata.namespace_);
  ClaimContext ctx;
  ctx.owner = controller::OwnerOf(*rs);
  ctx.selector = *selector;
  ctx.owner_being_deleted = rs->metadata.IsBeingDeleted();
  ctx.recheck_owner = [&]() -> Status {
    auto fresh = sets_api.Get(rs->metadata.name, request.stop);
    if (!fresh) return std::move(fresh).error();
    if (fresh->metadata.uid != rs->metadata.uid) {
      return NotFoundError("original ReplicaSet " + key + " is gone: got uid " +
                           fresh->metadata.uid + ", wanted " + rs->metadata.uid);
    }
    if (fresh->metadata.IsBeingDeleted()) {
      return ConflictError(key + " has just been deleted at " +
                           fresh->metadata.deletion_timestamp.ToString());
    }
    return Status();
  };
  auto owned = ClaimObjects<v1::Pod>(ctx, active, pods_api, request.stop);
  if (!owned) return std::move(owned).error();

  // Step 6.
  Status manage_error;
  if (needs_sync && !rs->metadata.IsBeingDeleted()) {
    manage_error = ManageReplicas(*owned, *rs, request.stop);
  }

  // Step 7.
  const ReplicaSetStatus status = CalculateStatus(*rs, *owned, terminating, manage_error);
  auto written = UpdateStatus(*rs, status, request.stop);
  if (!written) return std::move(written).error();
  if (!manage_error.ok()) return manage_error;

  // Step 8: come back when the next ready pod becomes available.
  const int32_t min_ready = MinReadySeconds(*rs);
  if (min_ready > 0) {
    const auto now = clock_.WallNow();
    std::optional<Clock::Duration> next;
    for (const PodPtr& pod : *owned) {
      if (!IsPodReady(*pod) || IsPodAvailable(*pod, min_ready, now)) continue;
      const Time since = PodReadySince(*pod);
      if (since.IsZero()) continue;
      // Available strictly after since + minReadySeconds; since has second precision.
      const auto at = std::chrono::system_clock::time_point(since.time_point()) +
                      std::chrono::seconds(min_ready) + std::chrono::seconds(1);
      Clock::Duration d = std::chrono::duration_cast<Clock::Duration>(at - now);
      d = std::clamp<Clock::Duration>(d, std::chrono::milliseconds(1),
                                      std::chrono::seconds(min_ready));
      if (!next || d < *next) next = d;
    }
    if (next) return Action::RequeueAfter(*next);
  }
  return Action::Done();
}

Status ReplicaSetController::ManageReplicas(const std::vector<PodPtr>& owned, const ReplicaSet& rs,
                                            std::stop_token stop) {
  const int diff = static_cast<int>(owned.size()) - SpecReplicas(rs);
  const std::string key = KeyOf(rs.metadata).ToString();
  if (diff < 0) {
    const int n = std::min(-diff, options_.burst_replicas);
    expectations_.ExpectCreations(key, n);
    return CreatePods(rs, n, stop);
  }
  if (diff > 0) {
    const int n = std::min(diff, options_.burst_replicas);
    std::vector<PodPtr> victims =
        PodsToDelete(owned, RelatedPods(rs), static_cast<size_t>(n), clock_.WallNow());
    std::vector<std::string> keys;
    for (const PodPtr& p : victims) keys.push_back(PodKey(*p));
    expectations_.ExpectDeletions(key, keys);
    return DeletePods(rs, victims, stop);
  }
  return Status();
}

Status ReplicaSetController::CreatePods(const ReplicaSet& rs, int count, std::stop_token stop) {
  const std::string key = KeyOf(rs.metadata).ToString();
  v1::Pod pod;
  pod.metadata.namespace_ = rs.metadata.namespace_;
  pod.metadata.generate_name = PodNamePrefix(rs.metadata.name);
  if (rs.spec && rs.spec->template_) {
    const v1::PodTemplateSpec& t = *rs.spec->template_;
    if (t.metadata) {
      pod.metadata.labels = t.metadata->labels;
      pod.metadata.annotations = t.metadata->annotations;
      pod.metadata.finalizers = t.metadata->finalizers;
    }
    pod.spec = t.spec;
  }
  pod.metadata.owner_references.push_back(NewControllerRef(controller::OwnerOf(rs)));

  client::WriteOptions write;
  write.field_manager = std::string(kControllerFieldManager);
  auto create_one = [&]() -> Status {
    client::Api<v1::Pod> api(client_, rs.metadata.namespace_);
    auto created = api.Create(pod, write, stop);
    if (created) {
      Event(rs, manager::EventType::kNormal, "SuccessfulCreate",
            "Created pod: " + created->metadata.name);
      return Status();
    }
    Status s = std::move(created).error();
    if (NamespaceTerminating(s)) return Status();  // dropped silently
    Event(rs, manager::EventType::kWarning, "FailedCreate", "Error creating: " + s.message());
    return s;
  };

  // Slow start: batches of 1, 2, 4, ... in parallel; stop after a batch with a failure.
  int remaining = count;
  int successes = 0;
  Status first_error;
  for (int batch = std::min(remaining, 1); batch > 0; batch = std::min(2 * batch, remaining)) {
    std::vector<Status> results(static_cast<size_t>(batch));
    {
      std::vector<std::jthread> threads;
      for (int i = 1; i < batch; ++i) {
        threads.emplace_back([&results, &create_one, i] { results[i] = create_one(); });
      }
      results[0] = create_one();
    }
    int failed = 0;
    for (Status& r : results) {
      if (r.ok()) continue;
      ++failed;
      if (first_error.ok()) first_error = std::move(r);
    }
    successes += batch - failed;
    if (failed > 0) break;
    remaining -= batch;
  }
  if (const int skipped = count - successes; skipped > 0) {
    expectations_.LowerCreations(key, skipped);
  }
  return first_error;
}

Status ReplicaSetController::DeletePods(const ReplicaSet& rs, const std::vector<PodPtr>& victims,
                                        std::stop_token stop) {
  const std::string key = KeyOf(rs.metadata).ToString();
  std::vector<Status> results(victims.size());
  auto delete_one = [&](size_t i) {
    const v1::Pod& pod = *victims[i];
    client::Api<v1::Pod> api(client_, rs.metadata.namespace_);
    client::DeleteOptions options;
    options.precondition_uid = pod.metadata.uid;
    Status s = api.Delete(pod.metadata.name, options, stop);
    if (s.ok()) {
      Event(rs, manager::EventType::kNormal, "SuccessfulDelete",
            "Deleted pod: " + pod.metadata.name);
      return;
    }
    expectations_.DeletionObserved(key, PodKey(pod));
    if (IsNotFound(s)) return;
    Event(rs, manager::EventType::kWarning, "FailedDelete", "Error deleting: " + s.message());
    results[i] = std::move(s);
  };
  {
    std::vector<std::jthread> threads;
    for (size_t i = 1; i < victims.size(); ++i)
      threads.emplace_back([&delete_one, i] { delete_one(i); });
    if (!victims.empty()) delete_one(0);
  }
  for (Status& s : results) {
    if (!s.ok()) return std::move(s);
  }
  return Status();
}

ReplicaSetStatus ReplicaSetController::CalculateStatus(const ReplicaSet& rs,
                                                       const std::vector<PodPtr>& owned,
                                                       int terminating,
                                                       const Status& manage_error) {
  ReplicaSetStatus status = rs.status.value_or(ReplicaSetStatus{});
  std::map<std::string, std::string> template_labels;
  if (rs.spec && rs.spec->template_ && rs.spec->template_->metadata) {
    template_labels = rs.spec->template_->metadata->labels;
  }
  const int32_t min_ready = MinReadySeconds(rs);
  const auto now = clock_.WallNow();
  int32_t fully_labeled = 0, ready = 0, available = 0;
  for (const PodPtr& pod : owned) {
    const auto& labels = pod->metadata.labels;
    const bool all =
        std::all_of(template_labels.begin(), template_labels.end(), [&](const auto& kv) {
          auto it = labels.find(kv.first);
          return it != labels.end() && it->second == kv.second;
        });
    if (all) ++fully_labeled;
    if (IsPodReady(*pod)) {
      ++ready;
      if (IsPodAvailable(*pod, min_ready, now)) ++available;
    }
  }
  status.replicas = static_cast<int32_t>(owned.size());
  status.fully_labeled_replicas = NonZero(fully_labeled);
  status.ready_replicas = NonZero(ready);
  status.available_replicas = NonZero(available);
  status.observed_generation =
      rs.metadata.generation == 0 ? std::nullopt : std::optional<int64_t>(rs.metadata.generation);
  status.terminating_replicas =
      options_.terminating_replicas ? std::optional<int32_t>(terminating) : std::nullopt;

  std::vector<ReplicaSetCondition> conditions =
      status.conditions.value_or(std::vector<ReplicaSetCondition>{});
  auto failure =
      std::find_if(conditions.begin(), conditions.end(),
                   [](const ReplicaSetCondition& c) { return c.type == kReplicaFailure; });
  if (!manage_error.ok() && failure == conditions.end()) {
    const int diff = static_cast<int>(owned.size()) - SpecReplicas(rs);
    ReplicaSetCondition c;
    c.type = std::string(kReplicaFailure);
    c.status = "True";
    if (diff < 0) c.reason = "FailedCreate";
    if (diff > 0) c.reason = "FailedDelete";
    c.message = manage_error.message();
    c.last_transition_time = Time(clock_.WallNow());
    conditions.push_back(std::move(c));
  } else if (manage_error.ok() && failure != conditions.end()) {
    conditions.erase(failure);
  }
  status.conditions = conditions.empty() ? std::nullopt : std::optional(std::move(conditions));
  return status;
}

Result<ReplicaSet> ReplicaSetController::UpdateStatus(const ReplicaSet& rs,
                                                      const ReplicaSetStatus& status,
                                                      std::stop_token stop) {
  if (rs.status && *rs.status == status &&
      rs.status->observed_generation.value_or(0) >= rs.metadata.generation) {
    return rs;
  }
  client::Api<ReplicaSet> api(client_, rs.metadata.namespace_);
  client::WriteOptions write;
  write.field_manager = std::string(kControllerFieldManager);
  ReplicaSet copy = rs;
  for (int attempt = 0;; ++attempt) {
    copy.status = status;
    auto updated = api.UpdateStatus(copy, write, stop);
    if (updated) return std::move(*updated);
    if (attempt == 1) return std::move(updated).error();
    auto fresh = api.Get(rs.metadata.name, stop);
    if (!fresh) return std::move(fresh).error();
    copy = std::move(*fresh);
  }
}

void ReplicaSetController::Event(const ReplicaSet& rs, manager::EventType type,
                                 std::string_view reason, std::string_view message) {
  if (options_.recorder != nullptr) options_.recorder->Event(rs, type, reason, message);
}

}  // namespace kube::controllers::replicaset
