#include "controllers/garbagecollector/garbage_collector.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "kubecpp/cache/informer_options.h"
#include "kubecpp/client/options.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::garbagecollector {
namespace {

using client::DeleteOptions;
using client::DynamicApi;
using client::PropagationPolicy;
using client::ResourceRef;

constexpr int kMaxConflictRetries = 5;
constexpr std::string_view kFieldManager = "kube-controller-manager";

bool HasVerb(const client::DiscoveredResource& resource, std::string_view verb) {
  return std::find(resource.verbs.begin(), resource.verbs.end(), verb) != resource.verbs.end();
}

std::string StringMember(const Json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json OwnerReferencesJson(const Unstructured& object) {
  const Json* refs = object.Get({"metadata", "ownerReferences"});
  return refs != nullptr && refs->is_array() ? *refs : Json::array();
}

std::string PolicyName(PropagationPolicy policy) {
  switch (policy) {
    case PropagationPolicy::kOrphan:
      return "Orphan";
    case PropagationPolicy::kForeground:
      return "Foreground";
    case PropagationPolicy::kBackground:
      return "Background";
    case PropagationPolicy::kDefault:
      break;
  }
  return "";
}

client::PatchOptions ControllerPatchOptions() {
  client::PatchOptions options;
  options.write.field_manager = std::string(kFieldManager);
  return options;
}

}  // namespace

std::set<GroupResource> DefaultIgnoredResources() {
  return {{"", "events"}, {"events.k8s.io", "events"}};
}

struct GarbageCollector::Monitor {
  ResourceRef ref;
  std::shared_ptr<cache::Informer<Unstructured>> informer;
  cache::HandlerRegistration registration;
  std::stop_source stop;

  ~Monitor() {
    registration.Remove();
    stop.request_stop();
  }
  bool Synced() const { return informer->HasSynced() && registration.HasSynced(); }
};

GarbageCollector::GarbageCollector(client::Client* client, Options options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      log_(controller::Logger("garbage-collector")),
      mapper_(client),
      attempt_to_delete_(nullptr,
                         {.name = "garbage_collector_attempt_to_delete", .clock = &clock_}),
      attempt_to_orphan_(nullptr,
                         {.name = "garbage_collector_attempt_to_orphan", .clock = &clock_}),
      resync_queue_({.name = "garbage_collector_resync", .clock = &clock_}),
      graph_(&attempt_to_delete_, &attempt_to_orphan_, &absent_owners_) {}

GarbageCollector::~GarbageCollector() {
  attempt_to_delete_.ShutDown();
  attempt_to_orphan_.ShutDown();
  resync_queue_.ShutDown();
  std::lock_guard lock(monitors_mu_);
  monitors_.clear();
}

std::vector<ResourceRef> GarbageCollector::MonitoredResources() const {
  std::vector<ResourceRef> out;
  std::lock_guard lock(monitors_mu_);
  for (const auto& [gr, monitor] : monitors_) out.push_back(monitor->ref);
  return out;
}

// --- Discovery and monitors ----------------------------------------------------------

std::unique_ptr<GarbageCollector::Monitor> GarbageCollector::StartMonitor(const ResourceRef& ref) {
  auto monitor = std::make_unique<Monitor>();
  monitor->ref = ref;
  cache::InformerOptions informer_options;
  informer_options.transform = cache::MetadataOnlyTransform();
  monitor->informer = cache::NewDynamicInformer(client_, ref, informer_options);
  ObjectIdentity base;
  base.api_version = GroupVersion{ref.gvr.group, ref.gvr.version}.ToString();
  base.kind = ref.kind;
  const bool crds =
      ref.gvr.group == "apiextensions.k8s.io" && ref.gvr.resource == "customresourcedefinitions";
  auto identity = [base](const Unstructured& object) {
    ObjectIdentity id = base;
    id.namespace_ = object.namespace_();
    id.name = object.name();
    id.uid = object.uid();
    return id;
  };
  using Ptr = std::shared_ptr<const Unstructured>;
  monitor->registration = monitor->informer->AddEventHandler({
      .on_add =
          [this, identity, crds](const Ptr& object, bool) {
            graph_.OnAddOrUpdate(identity(*object), nullptr, object->object());
            if (crds) resync_queue_.Add(0);
          },
      .on_update =
          [this, identity, crds](const Ptr& old_object, const Ptr& object) {
            graph_.OnAddOrUpdate(identity(*object), &old_object->object(), object->object());
            if (crds) resync_queue_.Add(0);
          },
      .on_delete =
          [this, identity, crds](const cache::DeletedObject<Unstructured>& deleted) {
            if (deleted.object != nullptr) graph_.OnDelete(identity(*deleted.object));
            if (crds) resync_queue_.Add(0);
          },
  });
  monitor->informer->Start(monitor->stop.get_token());
  return monitor;
}

bool GarbageCollector::WaitForMonitors(const std::vector<Monitor*>& monitors,
                                       std::stop_token stop) {
  const Clock::TimePoint deadline = clock_.Now() + options_.sync_timeout;
  while (!stop.stop_requested()) {
    if (std::all_of(monitors.begin(), monitors.end(), [](Monitor* m) { return m->Synced(); })) {
      return true;
    }
    if (clock_.Now() >= deadline) return false;
    // Polls the informers (as upstream's WaitForNamedCacheSync does).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

Status GarbageCollector::Resync(std::stop_token stop) {
  auto discovered = client::DiscoverResources(*client_);
  if (!discovered) return std::move(discovered).error();
  // One version per resource: the group's preferred version when it serves it.
  std::map<GroupResource, ResourceRef> wanted;
  for (bool preferred_pass : {true, false}) {
    for (const auto& resource : *discovered) {
      if (preferred_pass && !resource.preferred_version) continue;
      GroupResource gr{resource.ref.gvr.group, resource.ref.gvr.resource};
      if (wanted.contains(gr) || options_.ignored_resources.contains(gr)) continue;
      if (!HasVerb(resource, "list") || !HasVerb(resource, "watch") ||
          !HasVerb(resource, "delete")) {
        continue;
      }
      wanted.emplace(gr, resource.ref);
    }
  }
  std::vector<GroupResource> removed;
  std::vector<ResourceRef> added;
  {
    std::lock_guard lock(monitors_mu_);
    for (const auto& [gr, monitor] : monitors_) {
      auto it = wanted.find(gr);
      if (it == wanted.end() || it->second.gvr != monitor->ref.gvr) removed.push_back(gr);
    }
    for (const auto& [gr, ref] : wanted) {
      auto it = monitors_.find(gr);
      if (it == monitors_.end() || it->second->ref.gvr != ref.gvr) added.push_back(ref);
    }
  }
  if (removed.empty() && added.empty()) return Status::Ok();
  mapper_.Invalidate();
  // Workers pause while the graph gains the new resources' objects.
  std::unique_lock workers(worker_mu_);
  std::vector<Monitor*> started;
  {
    std::lock_guard lock(monitors_mu_);
    for (const auto& gr : removed) {
      log_.V(2).Info("stopping monitor", {{"resource", gr.ToString()}});
      monitors_.erase(gr);
    }
    for (const auto& ref : added) {
      log_.V(2).Info("starting monitor", {{"resource", ref.gvr.ToString()}});
      auto monitor = StartMonitor(ref);
      started.push_back(monitor.get());
      monitors_[ref.gvr.GroupResource()] = std::move(monitor);
    }
  }
  if (!WaitForMonitors(started, stop) && !stop.stop_requested()) {
    log_.Info("timed out waiting for new monitors to sync; continuing");
  }
  return Status::Ok();
}

void GarbageCollector::ResyncLoop(std::stop_token stop) {
  while (auto item = resync_queue_.Get()) {
    Status status = Resync(stop);
    if (!status.ok() && !stop.stop_requested()) {
      log_.Error(status, "resource discovery failed; keeping the current monitors");
    }
    resync_queue_.Done(*item);
    resync_queue_.AddAfter(0, options_.resync_period);
  }
}

Status GarbageCollector::Run(std::stop_token stop) {
  if (ran_.exchange(true)) return InvalidError("garbage collector: Run called twice");
  while (!stop.stop_requested()) {
    Status status = Resync(stop);
    if (status.ok()) break;
    log_.Error(status, "initial resource discovery failed; retrying");
    if (!clock_.SleepFor(std::chrono::seconds(1), stop)) break;
  }
  std::vector<std::thread> threads;
  if (!stop.stop_requested()) {
    synced_ = true;
    log_.Info("garbage collector synced", {{"nodes", std::to_string(graph_.size())}});
    const int workers = std::max(1, options_.workers);
    for (int i = 0; i < workers; ++i) {
      threads.emplace_back([this, stop] { DeleteWorker(stop); });
      threads.emplace_back([this, stop] { OrphanWorker(stop); });
    }
    threads.emplace_back([this, stop] { ResyncLoop(stop); });
    resync_queue_.AddAfter(0, options_.resync_period);
    WaitForStop(stop);
  }
  attempt_to_delete_.ShutDown();
  attempt_to_orphan_.ShutDown();
  resync_queue_.ShutDown();
  for (auto& t : threads) t.join();
  {
    // All informers wind down at once, then are destroyed.
    std::lock_guard lock(monitors_mu_);
    for (auto& [gr, monitor] : monitors_) monitor->stop.request_stop();
    monitors_.clear();
  }
  synced_ = false;
  return Status::Ok();
}

// --- Workers -------------------------------------------------------------------------

void GarbageCollector::DeleteWorker(std::stop_token stop) {
  while (auto uid = attempt_to_delete_.Get()) {
    {
      std::shared_lock workers(worker_mu_);
      std::optional<Node> node = graph_.GetNode(*uid);
      if (!node) {
        attempt_to_delete_.Forget(*uid);
      } else {
        auto outcome = AttemptToDeleteItem(*node, stop);
        if (!outcome) {
          if (!stop.stop_requested()) {
            log_.V(1).Info("will retry", {{"item", node->identity.ToString()},
                                          {"error", outcome.error().ToString()}});
          }
          attempt_to_delete_.AddRateLimited(*uid);
        } else if (*outcome == Outcome::kDone && graph_.IsVirtual(*uid)) {
          // A virtual node is checked again until observed or found absent (B5.2.7).
          attempt_to_delete_.AddRateLimited(*uid);
        } else {
          attempt_to_delete_.Forget(*uid);
        }
      }
    }
    attempt_to_delete_.Done(*uid);
  }
}

void GarbageCollector::OrphanWorker(std::stop_token stop) {
  while (auto uid = attempt_to_orphan_.Get()) {
    {
      std::shared_lock workers(worker_mu_);
      std::optional<Node> owner = graph_.GetNode(*uid);
      Status status;
      if (owner) {
        status = OrphanDependents(*owner, stop);
        if (status.ok()) status = RemoveFinalizer(owner->identity, kOrphanFinalizer, stop);
      }
      if (!status.ok()) {
        if (!stop.stop_requested()) {
          log_.V(1).Info("orphaning failed; will retry",
                         {{"owner", owner->identity.ToString()}, {"error", status.ToString()}});
        }
        attempt_to_orphan_.AddRateLimited(*uid);
      } else {
        attempt_to_orphan_.Forget(*uid);
      }
    }
    attempt_to_orphan_.Done(*uid);
  }
}

Result<GarbageCollector::Outcome> GarbageCollector::AttemptToDeleteItem(const Node& item,
                                                                        std::stop_token stop) {
  // 1. Being deleted without waiting for dependents: the apiserver finishes it.
  if (item.being_deleted && !item.deleting_dependents) return Outcome::kDone;
  // 2. The live object; gone (or replaced) means a virtual delete.
  auto latest = GetObject(item.identity, stop);
  if (!latest) {
    if (!IsNotFound(latest.error())) return std::move(latest).error();
    graph_.OnVirtualDelete(item.identity);
    return Outcome::kForget;
  }
  if (latest->uid() != item.identity.uid) {
    graph_.OnVirtualDelete(item.identity);
    return Outcome::kForget;
  }
  // 3. Foreground deletion of its dependents.
  if (item.deleting_dependents) {
    KUBE_RETURN_IF_ERROR(ProcessDeletingDependents(item, stop));
    return Outcome::kDone;
  }
  // 4. No owners: never collected.
  std::vector<OwnerReference> refs = OwnerReferencesOf(latest->object());
  if (refs.empty()) return Outcome::kDone;
  // 5. Classify the owners.
  const std::string dependent_namespace = latest->namespace_();
  std::vector<OwnerReference> solid;
  std::vector<OwnerReference> dangling;
  std::vector<OwnerReference> waiting;
  for (const auto& ref : refs) {
    ObjectIdentity owner_id = OwnerIdentity(ref, dependent_namespace);
    auto mapping = ResourceFor(ref.api_version, ref.kind);
    if (!mapping) return std::move(mapping).error();
    if (!mapping->namespaced) {
      owner_id.namespace_.clear();
    } else if (dependent_namespace.empty()) {
      // A cluster-scoped object cannot have a namespaced owner: left alone, not retried
      // (upstream also records the event OwnerRefInvalidNamespace).
      log_.Info("cluster-scoped object references a namespaced owner; skipping",
                {{"item", item.identity.ToString()}, {"owner", owner_id.ToString()}});
      return Outcome::kForget;
    }
    if (absent_owners_.Has(owner_id)) {
      dangling.push_back(ref);
      continue;
    }
    DynamicApi api(client_, *mapping, owner_id.namespace_);
    auto owner = api.Get(ref.name, stop);
    if (!owner) {
      if (!IsNotFound(owner.error())) return std::move(owner).error();
      absent_owners_.Add(owner_id);
      dangling.push_back(ref);
    } else if (owner->uid() != ref.uid) {
      absent_owners_.Add(owner_id);
      dangling.push_back(ref);
    } else if (HasDeletionTimestamp(owner->object()) &&
               HasFinalizer(owner->object(), kForegroundDeletionFinalizer)) {
      waiting.push_back(ref);
    } else {
      solid.push_back(ref);
    }
  }
  // 6. Decide.
  if (!solid.empty()) {
    if (dangling.empty() && waiting.empty()) return Outcome::kDone;
    std::set<std::string> remove;
    for (const auto& ref : dangling) remove.insert(ref.uid);
    for (const auto& ref : waiting) remove.insert(ref.uid);
    KUBE_RETURN_IF_ERROR(PatchOwnerReferences(item.identity, remove, {}, stop));
    return Outcome::kDone;
  }
  if (!waiting.empty() && !graph_.Dependents(item.identity.uid).empty()) {
    std::vector<Node> dependents = graph_.Dependents(item.identity.uid);
    const bool cycle = std::any_of(dependents.begin(), dependents.end(),
                                   [](const Node& d) { return d.deleting_dependents; });
    if (cycle) {
      // A dependent is itself waiting for us: stop blocking the waiting owners so the
      // foreground deletions cannot deadlock.
      std::set<std::string> unblock;
      for (const auto& ref : waiting) unblock.insert(ref.uid);
      KUBE_RETURN_IF_ERROR(PatchOwnerReferences(item.identity, {}, unblock, stop));
      latest = GetObject(item.identity, stop);
      if (!latest) {
        if (IsNotFound(latest.error())) return Outcome::kDone;
        return std::move(latest).error();
      }
    }
    KUBE_RETURN_IF_ERROR(
        DeleteObject(item.identity, *latest, PropagationPolicy::kForeground, stop));
    return Outcome::kDone;
  }
  PropagationPolicy policy = PropagationPolicy::kBackground;
  if (HasFinalizer(latest->object(), kOrphanFinalizer)) {
    policy = PropagationPolicy::kOrphan;
  } else if (HasFinalizer(latest->object(), kForegroundDeletionFinalizer)) {
    policy = PropagationPolicy::kForeground;
  }
  KUBE_RETURN_IF_ERROR(DeleteObject(item.identity, *latest, policy, stop));
  return Outcome::kDone;
}

Status GarbageCollector::ProcessDeletingDependents(const Node& item, std::stop_token stop) {
  std::vector<Node> blocking = graph_.BlockingDependents(item.identity.uid);
  if (blocking.empty()) {
    return RemoveFinalizer(item.identity, kForegroundDeletionFinalizer, stop);
  }
  for (const Node& dep : blocking) {
    if (!dep.deleting_dependents) attempt_to_delete_.Add(dep.identity.uid);
  }
  return Status::Ok();
}

Status GarbageCollector::OrphanDependents(const Node& owner, std::stop_token stop) {
  Status first;
  for (const Node& dep : graph_.Dependents(owner.identity.uid)) {
    Status status = PatchOwnerReferences(dep.identity, {owner.identity.uid}, {}, stop);
    if (!status.ok() && first.ok()) first = status;
  }
  return first;
}

// --- API access ----------------------------------------------------------------------

Result<ResourceRef> GarbageCollector::ResourceFor(const std::string& api_version,
                                                  const std::string& kind) {
  auto gvk = GroupVersionKind::FromApiVersionAndKind(api_version, kind);
  if (!gvk) return std::move(gvk).error();
  auto ref = mapper_.ResourceFor(*gvk);
  // Not the object's NotFound: the kind is not (yet) served.
  if (!ref)
    return UnavailableError("unable to map " + gvk->ToString() + ": " + ref.error().message());
  return ref;
}

Result<Unstructured> GarbageCollector::GetObject(const ObjectIdentity& identity,
                                                 std::stop_token stop) {
  auto mapping = ResourceFor(identity.api_version, identity.kind);
  if (!mapping) return std::move(mapping).error();
  DynamicApi api(client_, *mapping, mapping->namespaced ? identity.namespace_ : "");
  return api.Get(identity.name, stop);
}

Status GarbageCollector::DeleteObject(const ObjectIdentity& identity, const Unstructured& latest,
                                      PropagationPolicy policy, std::stop_token stop) {
  auto mapping = ResourceFor(identity.api_version, identity.kind);
  if (!mapping) return std::move(mapping).error();
  DynamicApi api(client_, *mapping, mapping->namespaced ? latest.namespace_() : "");
  DeleteOptions options;
  options.propagation_policy = policy;
  options.precondition_uid = identity.uid;
  options.precondition_resource_version = latest.resource_version();
  log_.V(2).Info("deleting object",
                 {{"item", identity.ToString()}, {"propagationPolicy", PolicyName(policy)}});
  Status status = api.Delete(identity.name, options, stop);
  if (status.ok() || IsNotFound(status)) return Status::Ok();
  if (!IsConflict(status)) return status;
  // The object changed since it was judged: delete anyway when its owners did not.
  auto now = api.Get(identity.name, stop);
  if (!now) return IsNotFound(now.error()) ? Status::Ok() : std::move(now).error();
  if (now->uid() != identity.uid) return Status::Ok();
  if (OwnerReferencesJson(*now) != OwnerReferencesJson(latest)) return status;
  options.precondition_resource_version.clear();
  status = api.Delete(identity.name, options, stop);
  return status.ok() || IsNotFound(status) ? Status::Ok() : status;
}

Status GarbageCollector::PatchOwnerReferences(const ObjectIdentity& identity,
                                              const std::set<std::string>& remove,
                                              const std::set<std::string>& unblock,
                                              std::stop_token stop) {
  auto mapping = ResourceFor(identity.api_version, identity.kind);
  if (!mapping) return std::move(mapping).error();
  DynamicApi api(client_, *mapping, mapping->namespaced ? identity.namespace_ : "");
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto latest = api.Get(identity.name, stop);
    if (!latest) return IsNotFound(latest.error()) ? Status::Ok() : std::move(latest).error();
    if (latest->uid() != identity.uid) return Status::Ok();
    Json refs = Json::array();
    bool changed = false;
    for (Json ref : OwnerReferencesJson(*latest)) {
      const std::string uid = StringMember(ref, "uid");
      if (remove.contains(uid)) {
        changed = true;
        continue;
      }
      if (unblock.contains(uid) && ref.is_object()) {
        auto block = ref.find("blockOwnerDeletion");
        if (block != ref.end() && block->is_boolean() && block->get<bool>()) {
          ref["blockOwnerDeletion"] = false;
          changed = true;
        }
      }
      refs.push_back(std::move(ref));
    }
    if (!changed) return Status::Ok();
    Json patch = {{"metadata",
                   {{"resourceVersion", latest->resource_version()},
                    {"ownerReferences", refs.empty() ? Json(nullptr) : refs}}}};
    auto patched = api.Patch(identity.name, client::PatchType::kMerge, patch.dump(),
                             ControllerPatchOptions(), "", stop);
    if (patched || IsNotFound(patched.error())) return Status::Ok();
    if (!IsConflict(patched.error())) return std::move(patched).error();
  }
  return ConflictError("too many conflicts updating ownerReferences of " + identity.ToString());
}

Status GarbageCollector::RemoveFinalizer(const ObjectIdentity& identity, std::string_view finalizer,
                                         std::stop_token stop) {
  auto mapping = ResourceFor(identity.api_version, identity.kind);
  if (!mapping) return std::move(mapping).error();
  DynamicApi api(client_, *mapping, mapping->namespaced ? identity.namespace_ : "");
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto latest = api.Get(identity.name, stop);
    if (!latest) return IsNotFound(latest.error()) ? Status::Ok() : std::move(latest).error();
    if (latest->uid() != identity.uid) return Status::Ok();
    std::vector<std::string> finalizers = FinalizersOf(latest->object());
    auto it = std::find(finalizers.begin(), finalizers.end(), finalizer);
    if (it == finalizers.end()) return Status::Ok();
    finalizers.erase(it);
    Json patch = {
        {"metadata",
         {{"resourceVersion", latest->resource_version()}, {"finalizers", Json(finalizers)}}}};
    log_.V(2).Info("removing finalizer",
                   {{"item", identity.ToString()}, {"finalizer", std::string(finalizer)}});
    auto patched = api.Patch(identity.name, client::PatchType::kMerge, patch.dump(),
                             ControllerPatchOptions(), "", stop);
    if (patched || IsNotFound(patched.error())) return Status::Ok();
    if (!IsConflict(patched.error())) return std::move(patched).error();
  }
  return ConflictError("too many conflicts removing finalizer " + std::string(finalizer) +
                       " from " + identity.ToString());
}

// --- Manager -------------------------------------------------------------------------

Status SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  auto gc = std::make_shared<GarbageCollector>(mgr.client(), std::move(options));
  return mgr.Add(manager::RunnableFunc("garbage-collector",
                                       [gc](std::stop_token stop) { return gc->Run(stop); }));
}

}  // namespace kube::controllers::garbagecollector
