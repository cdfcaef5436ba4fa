#include "controllers/namespace/namespace_controller.h"

#include <algorithm>
#include <set>
#include <utility>

#include "kubecpp/client/options.h"
#include "kubecpp/controller/builder.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/time.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::namespace_ {
namespace {

using client::DynamicApi;
using client::ResourceRef;

const ResourceRef kNamespaces{{"", "v1", "namespaces"}, "Namespace", false};
constexpr std::string_view kFieldManager = "kube-controller-manager";
constexpr int kMaxConflictRetries = 5;

// The conditions this controller owns, in upstream's order, with their "ok" forms.
struct ConditionSpec {
  const char* type;
  const char* ok_reason;
  const char* ok_message;
};
constexpr ConditionSpec kConditions[] = {
    {"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
     "All resources successfully discovered"},
    {"NamespaceDeletionGVParsingFailure", "ParsedGroupVersions",
     "All legacy kube types successfully parsed"},
    {"NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"},
    {"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"},
    {"NamespaceFinalizersRemaining", "ContentHasNoFinalizers",
     "All content-preserving finalizers finished"},
};

struct Condition {
  std::string status;
  std::string reason;
  std::string message;
};

bool HasVerb(const client::DiscoveredResource& resource, std::string_view verb) {
  return std::find(resource.verbs.begin(), resource.verbs.end(), verb) != resource.verbs.end();
}

std::string StringAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* at = &object;
  for (const char* key : path) {
    if (!at->is_object()) return "";
    auto it = at->find(key);
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : std::string();
}

const Json* MemberArray(const Json& object, const char* outer, const char* inner) {
  if (!object.is_object()) return nullptr;
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return nullptr;
  auto i = o->find(inner);
  return i != o->end() && i->is_array() ? &*i : nullptr;
}

std::vector<std::string> Strings(const Json* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  for (const Json& v : *list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

int64_t IntAt(const Json& object, const char* outer, const char* inner, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return fallback;
  auto i = o->find(inner);
  return i != o->end() && i->is_number_integer() ? i->get<int64_t>() : fallback;
}

std::string Join(std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

// Seconds until `pod` should be gone: what is left of its grace period, counted from
// its deletionTimestamp when it has one, else from the namespace's deletion.
int64_t PodEstimateSeconds(const Json& pod, std::chrono::system_clock::time_point now,
                           Clock::Duration since_deletion) {
  const std::string phase = StringAt(pod, {"status", "phase"});
  if (phase == "Succeeded" || phase == "Failed") return 0;
  if (auto deleting = Time::Parse(StringAt(pod, {"metadata", "deletionTimestamp"})); deleting) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(deleting->time_point() - now);
    return std::max<int64_t>(0, left.count());
  }
  int64_t grace = IntAt(pod, "spec", "terminationGracePeriodSeconds", 30);
  grace -= std::chrono::duration_cast<std::chrono::seconds>(since_deletion).count();
  return std::max<int64_t>(0, grace);
}

client::WriteOptions ControllerWrite() {
  client::WriteOptions options;
  options.field_manager = std::string(kFieldManager);
  return options;
}

}  // namespace

bool UpdateDeletionConditions(Json* namespace_object, const std::string& discovery_error,
                              const ContentTotals& totals, const std::string& now) {
  std::map<std::string, Condition> failing;
  if (!discovery_error.empty()) {
    failing["NamespaceDeletionDiscoveryFailure"] = {"True", "DiscoveryFailed", discovery_error};
  }
  if (!totals.errors.empty()) {
    failing["NamespaceDeletionContentFailure"] = {"True", "ContentDeletionFailed",
                                                  "Failed to delete all resource types, " +
                                                      std::to_string(totals.errors.size()) +
                                                      " remaining: " + Join(totals.errors)};
  }
  std::vector<std::string> parts;
  for (const auto& [resource, n] : totals.remaining_by_resource) {
    if (n > 0) parts.push_back(resource + " has " + std::to_string(n) + " resource instances");
  }
  if (!parts.empty()) {
    failing["NamespaceContentRemaining"] = {"True", "SomeResourcesRemain",
                                            "Some resources are remaining: " + Join(parts)};
  }
  parts.clear();
  for (const auto& [finalizer, n] : totals.remaining_by_finalizer) {
    if (n > 0) parts.push_back(finalizer + " in " + std::to_string(n) + " resource instances");
  }
  if (!parts.empty()) {
    failing["NamespaceFinalizersRemaining"] = {
        "True", "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: " + Join(parts)};
  }

  Json& object = *namespace_object;
  if (!object.is_object()) object = Json::object();
  if (!object["status"].is_object()) object["status"] = Json::object();
  Json& conditions = object["status"]["conditions"];
  if (!conditions.is_array()) conditions = Json::array();
  bool changed = false;
  for (const ConditionSpec& spec : kConditions) {
    Condition want{"False", spec.ok_reason, spec.ok_message};
    if (auto it = failing.find(spec.type); it != failing.end()) want = it->second;
    Json* existing = nullptr;
    for (Json& c : conditions) {
      if (c.is_object() && StringAt(c, {"type"}) == spec.type) {
        existing = &c;
        break;
      }
    }
    if (existing == nullptr) {
      conditions.push_back({{"type", spec.type},
                            {"status", want.status},
                            {"lastTransitionTime", now},
                            {"reason", want.reason},
                            {"message", want.message}});
      changed = true;
      continue;
    }
    const std::string status = StringAt(*existing, {"status"});
    if (status == want.status && StringAt(*existing, {"reason"}) == want.reason &&
        StringAt(*existing, {"message"}) == want.message) {
      continue;
    }
    if (status != want.status) (*existing)["lastTransitionTime"] = now;
    (*existing)["status"] = want.status;
    (*existing)["reason"] = want.reason;
    (*existing)["message"] = want.message;
    changed = true;
  }
  return changed;
}

NamespaceReconciler::NamespaceReconciler(client::Client* client, Clock* clock)
    : client_(client), clock_(clock != nullptr ? *clock : RealClock()) {}

Result<controller::Action> NamespaceReconciler::Reconcile(const controller::Request& request) {
  using controller::Action;
  DynamicApi namespaces(client_, kNamespaces);
  auto ns = namespaces.Get(request.key.name, request.stop);
  if (!ns) {
    if (IsNotFound(ns.error())) return Action::Done();
    return std::move(ns).error();
  }
  const std::string deleted_at = StringAt(ns->object(), {"metadata", "deletionTimestamp"});
  if (deleted_at.empty()) return Action::Done();

  // 1. Terminating.
  if (StringAt(ns->object(), {"status", "phase"}) != "Terminating") {
    ns->Set({"status", "phase"}, Json("Terminating"));
    Status status = UpdateStatus(&*ns, request.stop);
    if (IsNotFound(status)) return Action::Done();
    KUBE_RETURN_IF_ERROR(status);
  }
  // 2. Already finalized by us.
  std::vector<std::string> finalizers = Strings(MemberArray(ns->object(), "spec", "finalizers"));
  if (std::find(finalizers.begin(), finalizers.end(), kKubernetesFinalizer) == finalizers.end()) {
    return Action::Done();
  }

  // 3. Delete the content.
  ContentTotals totals;
  std::string discovery_error;
  auto discovered = client::DiscoverResources(*client_);
  if (!discovered) {
    discovery_error = discovered.error().message();
  } else {
    std::map<GroupResource, const client::DiscoveredResource*> deletable;
    for (bool preferred_pass : {true, false}) {
      for (const auto& resource : *discovered) {
        if (preferred_pass && !resource.preferred_version) continue;
        if (!resource.ref.namespaced || !HasVerb(resource, "delete")) continue;
        deletable.emplace(resource.ref.gvr.GroupResource(), &resource);
      }
    }
    Clock::Duration since_deletion{0};
    if (auto when = Time::Parse(deleted_at); when)
      since_deletion = clock_.WallNow() - when->time_point();
    for (const auto& [gr, resource] : deletable) {
      if (request.stop.stop_requested()) return CancelledError("namespace deletion cancelled");
      DeleteContentOf(*resource, request.key.name, since_deletion, &totals, request.stop);
    }
  }
  if (UpdateDeletionConditions(&ns->object(), discovery_error, totals,
                               Time(clock_.WallNow()).ToString())) {
    Status status = UpdateStatus(&*ns, request.stop);
    if (IsNotFound(status)) return Action::Done();
    KUBE_RETURN_IF_ERROR(status);
  }
  if (!discovery_error.empty()) {
    return UnavailableError("discovery failed while deleting namespace " + request.key.name + ": " +
                            discovery_error);
  }
  if (!totals.errors.empty()) {
    return InternalError("failed to delete all content of namespace " + request.key.name + ": " +
                         Join(totals.errors));
  }
  // 4. Content remains: look again after half the estimate.
  if (totals.estimate_seconds > 0) {
    request.log.V(1).Info("content remaining",
                          {{"estimateSeconds", std::to_string(totals.estimate_seconds)}});
    return Action::RequeueAfter(std::chrono::seconds(totals.estimate_seconds / 2 + 1));
  }
  // 5. Empty: let the apiserver delete it.
  KUBE_RETURN_IF_ERROR(Finalize(request.key.name, request.stop));
  return Action::Done();
}

void NamespaceReconciler::DeleteContentOf(const client::DiscoveredResource& resource,
                                          const std::string& ns, Clock::Duration since_deletion,
                                          ContentTotals* totals, std::stop_token stop) {
  const ResourceRef& ref = resource.ref;
  const std::string label = ref.gvr.resource + "." + ref.gvr.group;  // "pods." as upstream
  DynamicApi api(client_, ref, ns);
  client::DeleteOptions background;
  background.propagation_policy = client::PropagationPolicy::kBackground;
  const bool can_list = HasVerb(resource, "list");
  bool deleted = false;
  if (can_list && HasVerb(resource, "deletecollection")) {
    Status status = api.DeleteCollection({}, background, stop);
    if (status.ok()) {
      deleted = true;
    } else if (status.code() != Code::kNotSupported && !IsNotFound(status)) {
      totals->errors.push_back(ref.gvr.ToString() + ": " + status.message());
      return;
    }
  }
  if (!can_list) return;  // nothing to delete by name nor to verify
  if (!deleted) {
    auto list = api.List({}, stop);
    if (!list) {
      if (!IsNotFound(list.error())) {
        totals->errors.push_back(ref.gvr.ToString() + ": " + list.error().message());
      }
      return;
    }
    for (const auto& item : list->items) {
      Status status = api.Delete(item.name(), background, stop);
      if (!status.ok() && !IsNotFound(status) && status.code() != Code::kNotSupported) {
        totals->errors.push_back(ref.gvr.ToString() + ": " + status.message());
        return;
      }
    }
  }
  // What is left, and what holds it.
  auto left = api.List({}, stop);
  if (!left) {
    if (!IsNotFound(left.error())) {
      totals->errors.push_back(ref.gvr.ToString() + ": " + left.error().message());
    }
    return;
  }
  if (left->items.empty()) return;
  int64_t estimate = 0;
  const bool pods = ref.gvr.group.empty() && ref.gvr.resource == "pods";
  std::map<std::string, int64_t> finalizers;
  for (const auto& item : left->items) {
    if (pods) {
      estimate =
          std::max(estimate, PodEstimateSeconds(item.object(), clock_.WallNow(), since_deletion));
    }
    for (const std::string& f : Strings(MemberArray(item.object(), "metadata", "finalizers"))) {
      ++finalizers[f];
    }
  }
  totals->remaining_by_resource[label] += static_cast<int64_t>(left->items.size());
  for (const auto& [f, n] : finalizers) totals->remaining_by_finalizer[f] += n;
  if (estimate == 0 && !finalizers.empty()) estimate = kFinalizerEstimateSeconds;
  if (estimate > 0) {
    totals->estimate_seconds = std::max(totals->estimate_seconds, estimate);
    return;
  }
  totals->errors.push_back("unexpected items still remain in namespace: " + ns +
                           " for gvr: " + ref.gvr.ToString());
}

Status NamespaceReconciler::UpdateStatus(Unstructured* ns, std::stop_token stop) {
  DynamicApi namespaces(client_, kNamespaces);
  auto updated = namespaces.UpdateStatus(*ns, ControllerWrite(), stop);
  if (!updated) return std::move(updated).error();
  *ns = std::move(*updated);
  return Status::Ok();
}

Status NamespaceReconciler::Finalize(const std::string& name, std::stop_token stop) {
  DynamicApi namespaces(client_, kNamespaces);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto ns = namespaces.Get(name, stop);
    if (!ns) return IsNotFound(ns.error()) ? Status::Ok() : std::move(ns).error();
    std::vector<std::string> finalizers = Strings(MemberArray(ns->object(), "spec", "finalizers"));
    auto it = std::find(finalizers.begin(), finalizers.end(), kKubernetesFinalizer);
    if (it == finalizers.end()) return Status::Ok();
    finalizers.erase(it);
    ns->Set({"spec", "finalizers"}, Json(finalizers));
    auto reply = client_->Call("PUT",
                               client::ResourcePath(kNamespaces, "", name, "finalize") +
                                   client::WriteQuery(ControllerWrite()),
                               ns->ToString(), "application/json", stop);
    if (reply.ok() || IsNotFound(reply.error())) return Status::Ok();
    if (!IsConflict(reply.error())) return std::move(reply).error();
  }
  return ConflictError("too many conflicts finalizing namespace " + name);
}

Result<std::unique_ptr<controller::Controller>> NewController(client::Client* client,
                                                              cache::InformerFactory& informers,
                                                              Options options) {
  controller::ControllerOptions controller_options;
  controller_options.max_concurrent_reconciles = std::max(1, options.workers);
  controller_options.clock = options.clock;
  return controller::Builder(informers)
      .ForResource(kNamespaces)
      .WithOptions(controller_options)
      .Named("namespace")
      .Build(std::make_shared<NamespaceReconciler>(client, options.clock));
}

Status SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  controller::ControllerOptions controller_options;
  controller_options.max_concurrent_reconciles = std::max(1, options.workers);
  controller_options.clock = options.clock;
  return mgr.NewControllerManagedBy()
      .ForResource(kNamespaces)
      .WithOptions(controller_options)
      .Named("namespace")
      .Complete(std::make_shared<NamespaceReconciler>(mgr.client(), options.clock));
}

}  // namespace kube::controllers::namespace_
