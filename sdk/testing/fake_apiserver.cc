#include "kubecpp/testing/fake_apiserver.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/core/internal/base64.h"
#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/time.h"
#include "kubecpp/core/validation.h"
#include "kubecpp/core/yaml.h"
#include "kubecpp/testing/internal/admission.h"
#include "kubecpp/testing/internal/discovery.h"
#include "kubecpp/testing/internal/patch.h"
#include "kubecpp/testing/internal/registry.h"
#include "kubecpp/testing/internal/schema.h"
#include "kubecpp/testing/internal/store.h"
#include "kubecpp/testing/internal/table.h"

namespace kube::testing {

using internal::ObjectPtr;
using internal::ResourceInfo;
using internal::StorageKey;

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string Q(std::string_view s) { return kube::internal::Quote(s); }

// ---------------------------------------------------------------------------------
// JSON helpers. Objects reaching them were checked to be JSON objects with an
// object (or absent) `metadata`.

const Json* Find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json* FindPath(const Json& object, std::initializer_list<std::string_view> path) {
  const Json* node = &object;
  for (std::string_view key : path) {
    node = Find(*node, key);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string StringAt(const Json& object, std::initializer_list<std::string_view> path) {
  const Json* node = FindPath(object, path);
  return node != nullptr && node->is_string() ? node->get<std::string>() : "";
}

int64_t IntAt(const Json& object, std::initializer_list<std::string_view> path,
              int64_t fallback = 0) {
  const Json* node = FindPath(object, path);
  return node != nullptr && node->is_number_integer() ? node->get<int64_t>() : fallback;
}

Json& Metadata(Json& object) {
  Json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = Json::object();
  return metadata;
}

void EraseMeta(Json& object, std::string_view key) { Metadata(object).erase(std::string(key)); }

std::string MetaString(const Json& object, std::string_view key) {
  return StringAt(object, {"metadata", key});
}

std::vector<std::string> Finalizers(const Json& object) {
  std::vector<std::string> out;
  const Json* list = FindPath(object, {"metadata", "finalizers"});
  if (list == nullptr || !list->is_array()) return out;
  for (const Json& f : *list) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

// A Namespace's spec.finalizers (A15).
bool HasSpecFinalizers(const Json& object) {
  const Json* list = FindPath(object, {"spec", "finalizers"});
  return list != nullptr && list->is_array() && !list->empty();
}

void SetFinalizers(Json& object, const std::vector<std::string>& finalizers) {
  if (finalizers.empty()) {
    EraseMeta(object, "finalizers");
  } else {
    Metadata(object)["finalizers"] = finalizers;
  }
}

std::map<std::string, std::string> StringMapAt(const Json& object,
                                               std::initializer_list<std::string_view> path) {
  std::map<std::string, std::string> out;
  const Json* node = FindPath(object, path);
  if (node == nullptr || !node->is_object()) return out;
  for (const auto& [k, v] : node->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

// Go's strconv.ParseBool.
std::optional<bool> ParseBool(std::string_view text) {
  static const std::set<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.contains(text)) return true;
  if (kFalse.contains(text)) return false;
  return std::nullopt;
}

Status WithDetails(Status status, const ResourceInfo& info, std::string_view name) {
  StatusDetails details = status.details();
  if (details.name.empty()) details.name = std::string(name);
  if (details.group.empty()) details.group = info.group;
  if (details.kind.empty()) details.kind = info.plural;
  status.set_details(std::move(details));
  return status;
}

Status NotFound(const ResourceInfo& info, std::string_view name) {
  return WithDetails(NotFoundError(info.qualified_resource() + " " + Q(name) + " not found"), info,
                     name);
}

Status ConflictModified(const ResourceInfo& info, std::string_view name) {
  return WithDetails(ConflictError("Operation cannot be fulfilled on " + info.qualified_resource() +
                                   " " + Q(name) +
                                   ": the object has been modified; please apply your changes "
                                   "to the latest version and try again"),
                     info, name);
}

Status MethodNotAllowed(
    std::string message = "the server does not allow this method on the requested resource") {
  return Status(Code::kNotSupported, std::move(message))
      .set_reason("MethodNotAllowed")
      .set_http_code(405);
}

Status UnknownPath() { return NotFoundError("the server could not find the requested resource"); }

Status ListOptionsInvalid(std::string message) {
  StatusDetails details;
  details.group = "meta.k8s.io";
  details.kind = "ListOptions";
  return InvalidError("ListOptions.meta.k8s.io \"\" is invalid: " + std::move(message))
      .set_details(std::move(details));
}

// The fields a field selector may name, beyond metadata.name/namespace (A10).
std::vector<std::string_view> SelectableFields(const ResourceInfo& info) {
  if (info.group.empty() && info.plural == "pods") {
    return {
        "spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
  }
  if (info.group.empty() && info.plural == "events") {
    return {"involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type"};
  }
  if (info.group.empty() && info.plural == "secrets") return {"type"};
  if (info.group.empty() && info.plural == "namespaces") return {"status.phase"};
  if (info.group.empty() && info.plural == "nodes") return {"spec.unschedulable"};
  if (info.group == "apps" && info.plural == "replicasets") return {"status.replicas"};
  if (info.group == "batch" && info.plural == "jobs") return {"status.successful"};
  return {};
}

std::string ScalarText(const Json* node) {
  if (node == nullptr || node->is_null()) return "";
  if (node->is_string()) return node->get<std::string>();
  if (node->is_boolean()) return node->get<bool>() ? "true" : "false";
  if (node->is_number()) return node->dump();
  return "";
}

std::map<std::string, std::string> FieldSetOf(const ResourceInfo& info, const Json& object) {
  std::map<std::string, std::string> set;
  for (std::string_view field : SelectableFields(info)) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = field.find('.', start);
      parts.emplace_back(field.substr(start, dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    const Json* node = &object;
    for (const auto& part : parts) {
      node = node == nullptr ? nullptr : Find(*node, part);
    }
    std::string value = ScalarText(node);
    if (field == "spec.hostNetwork" && value.empty()) value = "false";
    if (field == "spec.unschedulable" && value.empty()) value = "false";
    if (field == "status.podIP") {
      const Json* ips = FindPath(object, {"status", "podIPs"});
      if (value.empty() && ips != nullptr && ips->is_array() && !ips->empty()) {
        value = StringAt((*ips)[0], {"ip"});
      }
    }
    if (field == "source") value = StringAt(object, {"source", "component"});
    set.emplace(std::string(field), value);
  }
  return set;
}

// Kinds whose metadata.generation the server tracks (A5.1 step 7).
bool TracksGeneration(const ResourceInfo& info) {
  if (info.custom) return true;
  static const std::set<std::pair<std::string_view, std::string_view>> kKinds = {
      {"apps", "Deployment"},
      {"apps", "ReplicaSet"},
      {"apps", "StatefulSet"},
      {"apps", "DaemonSet"},
      {"batch", "Job"},
      {"batch", "CronJob"},
      {"", "Pod"},
      {"", "ReplicationController"},
      {"apiextensions.k8s.io", "CustomResourceDefinition"}};
  return kKinds.contains({info.group, info.kind});
}

// Kinds a PUT may create (A5.2 step 3).
bool AllowsCreateOnUpdate(const ResourceInfo& info) {
  static const std::set<std::pair<std::string_view, std::string_view>> kKinds = {
      {"", "Endpoints"},
      {"coordination.k8s.io", "Lease"},
      {"", "Event"},
      {"events.k8s.io", "Event"}};
  return kKinds.contains({info.group, info.kind});
}

bool IsPods(const ResourceInfo& info) { return info.group.empty() && info.plural == "pods"; }
bool IsNamespaces(const ResourceInfo& info) {
  return info.group.empty() && info.plural == "namespaces";
}
bool IsCrds(const ResourceInfo& info) {
  return info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
}

// managedFields "fieldsV1" of a request body: every field it sets, as f:<name> sets.
Json FieldsOf(const Json& node, bool top = true) {
  Json out = Json::object();
  if (!node.is_object()) return out;
  for (const auto& [key, value] : node.items()) {
    if (top && (key == "apiVersion" || key == "kind")) continue;
    if (top && key == "metadata" && value.is_object()) {
      // Server-owned and identity fields are nobody's (upstream tracks none of them).
      Json meta = Json::object();
      for (const auto& [field, v] : value.items()) {
        if (field == "name" || field == "namespace" || field == "uid" ||
            field == "resourceVersion" || field == "generation" || field == "creationTimestamp" ||
            field == "deletionTimestamp" || field == "deletionGracePeriodSeconds" ||
            field == "managedFields" || field == "selfLink") {
          continue;
        }
        meta["f:" + field] = v.is_object() ? FieldsOf(v, false) : Json::object();
      }
      if (!meta.empty()) out["f:metadata"] = std::move(meta);
      continue;
    }
    out["f:" + key] = value.is_object() ? FieldsOf(value, false) : Json::object();
  }
  return out;
}

// Leaf paths of a fieldsV1 trie, as object keys ("f:" stripped).
void LeafPaths(const Json& fields, std::vector<std::string>* prefix,
               std::vector<std::vector<std::string>>* out) {
  for (const auto& [key, child] : fields.items()) {
    if (!key.starts_with("f:")) continue;
    prefix->push_back(key.substr(2));
    if (child.is_object() && !child.empty()) {
      LeafPaths(child, prefix, out);
    } else {
      out->push_back(*prefix);
    }
    prefix->pop_back();
  }
}

bool OwnsPath(const Json& fields, const std::vector<std::string>& path) {
  const Json* node = &fields;
  for (const std::string& part : path) {
    if (!node->is_object()) return false;
    auto it = node->find("f:" + part);
    if (it == node->end()) return false;
    // Owning a whole atomic value (an empty trie node) owns everything below it.
    if (it->is_object() && it->empty()) return true;
    node = &*it;
  }
  return true;
}

void DisownPath(Json* fields, const std::vector<std::string>& path, size_t i = 0) {
  if (i >= path.size() || !fields->is_object()) return;
  auto it = fields->find("f:" + path[i]);
  if (it == fields->end()) return;
  if (i + 1 == path.size() || (it->is_object() && it->empty())) {
    fields->erase(it);
    return;
  }
  DisownPath(&*it, path, i + 1);
  if (it->is_object() && it->empty()) fields->erase(it);
}

const Json* ValueAt(const Json& object, const std::vector<std::string>& path) {
  const Json* node = &object;
  for (const std::string& part : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

std::string DottedPath(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& part : path) out += "." + part;
  return out;
}

// Server-side apply ownership (A11.4, minimum viable): fields of `applied` whose value
// differs from `live` and that another manager owns are conflicts. With `force` they
// are taken from those managers (their entries in `live` are rewritten); otherwise
// 409 Conflict.
Status CheckApplyConflicts(const ResourceInfo& info, std::string_view manager, const Json& applied,
                           bool force, Json* live) {
  std::vector<std::vector<std::string>> leaves;
  std::vector<std::string> prefix;
  LeafPaths(FieldsOf(applied), &prefix, &leaves);
  auto metadata = live->find("metadata");
  if (metadata == live->end() || !metadata->is_object()) return Status();
  auto entries = metadata->find("managedFields");
  if (entries == metadata->end() || !entries->is_array()) return Status();
  // manager -> (apiVersion, conflicting paths), in entry order.
  std::vector<std::pair<std::string, std::pair<std::string, std::vector<std::string>>>> found;
  size_t count = 0;
  for (Json& entry : *entries) {
    const std::string owner = StringAt(entry, {"manager"});
    if (owner == manager && StringAt(entry, {"operation"}) == "Apply") continue;
    if (!StringAt(entry, {"subresource"}).empty()) continue;
    auto fields = entry.find("fieldsV1");
    if (fields == entry.end() || !fields->is_object()) continue;
    std::vector<std::string> paths;
    for (const auto& leaf : leaves) {
      if (!OwnsPath(*fields, leaf)) continue;
      const Json* want = ValueAt(applied, leaf);
      const Json* have = ValueAt(*live, leaf);
      if (want != nullptr && have != nullptr && *want == *have) continue;
      if (force) {
        DisownPath(&*fields, leaf);
      } else {
        paths.push_back(DottedPath(leaf));
      }
    }
    if (paths.empty()) continue;
    count += paths.size();
    found.push_back({owner, {StringAt(entry, {"apiVersion"}), std::move(paths)}});
  }
  if (force) {
    Json kept = Json::array();
    for (Json& e : *entries) {
      const Json* f = Find(e, "fieldsV1");
      if (f != nullptr && f->is_object() && f->empty()) continue;
      kept.push_back(std::move(e));
    }
    *entries = std::move(kept);
    return Status();
  }
  if (count == 0) return Status();
  std::string message =
      "Apply failed with " + std::to_string(count) + (count == 1 ? " conflict: " : " conflicts: ");
  StatusDetails details;
  details.name = MetaString(*live, "name");
  details.group = info.group;
  details.kind = info.plural;
  for (const auto& [owner, rest] : found) {
    const auto& [api_version, paths] = rest;
    std::string with = "with " + Q(owner) + " using " + api_version;
    if (count == 1) {
      message += "conflict " + with + ": " + paths.front();
    } else {
      message += "conflicts " + with + ":";
      for (const auto& p : paths) message += "\n- " + p;
    }
    for (const auto& p : paths) {
      details.causes.push_back({"FieldManagerConflict", "conflict " + with, p});
    }
  }
  return ConflictError(message).set_details(std::move(details));
}

// Every line of a watch error event.
std::string ErrorEventLine(const Status& status) {
  auto parsed = ParseJson(status.ToJson());
  return internal::EncodeWatchEvent("ERROR", parsed.ok() ? *parsed : Json::object());
}

}  // namespace

// ---------------------------------------------------------------------------------
// The engine.

struct Reply {
  int code = 200;
  Json body;
  http::Headers headers;
};

// What one request is about, once its path is resolved.
struct Route {
  const ResourceInfo* info = nullptr;
  bool has_namespace = false;  // the path had namespaces/<ns>
  std::string namespace_;
  std::string name;
  std::string subresource;
  bool legacy_watch = false;
};

struct Call {
  const http::Request* http = nullptr;
  std::string verb;  // logical verb: get list watch create update patch delete ...
  std::string user_agent;
  bool dry_run = false;
  std::string field_manager;
  std::string field_validation;  // Strict, Warn (default) or Ignore
  http::Headers warnings;
  // Server-side apply: the applied configuration, whose field set becomes the
  // manager's Apply entry (A11.4). Null for every other write.
  const Json* applied = nullptr;
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "", Orphan, Background, Foreground
  std::optional<bool> orphan_dependents;
  std::string precondition_uid;
  std::string precondition_rv;
  bool dry_run = false;
};

class FakeApiServer::Impl {
 public:
  explicit Impl(FakeApiServerOptions options)
      : options_(std::move(options)),
        clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
        store_(options_.watch_history),
        services_(options_.service_cidr, options_.node_port_min, options_.node_port_max),
        rng_(options_.seed != 0 ? options_.seed : std::random_device{}()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
      const ResourceInfo* info = registry_.Find("", "v1", "namespaces");
      Call call;
      call.verb = "create";
      Route route;
      route.info = info;
      auto created = CreateLocked(route, call, std::move(ns));
      (void)created;
    }
  }

  void Handle(const http::Request& request, http::ResponseWriter& writer);

  int64_t resource_version() const {
    std::lock_guard<std::mutex> lock(mu_);
    return store_.rv();
  }
  size_t OpenWatches(std::string_view resource) const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const std::string& name : store_.ResourceNames()) {
      if (resource.empty() || name == resource || name.starts_with(std::string(resource) + ".")) {
        n += store_.Find(name)->watchers.size();
      }
    }
    return n;
  }
  void ClearFaults() {
    std::lock_guard<std::mutex> lock(mu_);
    faults_.clear();
  }
  void InjectFault(FaultSpec fault) {
    std::lock_guard<std::mutex> lock(mu_);
    faults_.push_back(std::move(fault));
  }
  void CloseWatches(std::string_view resource) {
    std::lock_guard<std::mutex> lock(mu_);
    if (resource.empty()) {
      store_.CloseWatchers("");
      return;
    }
    for (const std::string& name : store_.ResourceNames()) {
      if (name == resource || name.starts_with(std::string(resource) + ".")) {
        store_.CloseWatchers(name);
      }
    }
  }
  void CompactHistory() {
    std::lock_guard<std::mutex> lock(mu_);
    store_.Compact();
  }
  void ConflictOnNextUpdate(std::string_view resource, std::string_view ns, std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    conflicts_.insert({std::string(resource), std::string(ns), std::string(name)});
  }
  void SetLatency(std::chrono::milliseconds latency) { latency_ms_ = latency.count(); }
  int64_t RequestCount(std::string_view verb, std::string_view resource) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = counts_.find(std::string(verb) + " " + std::string(resource));
    return found == counts_.end() ? 0 : found->second;
  }
  void Shutdown() {
    shutdown_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    store_.CloseWatchers("");
  }
  bool shut_down() const { return shutdown_; }

 private:
  // Store name of a resource: "<plural>" for core, "<plural>.<group>" otherwise.
  static std::string StoreName(const ResourceInfo& info) {
    return info.group.empty() ? info.plural : info.plural + "." + info.group;
  }
  static StorageKey KeyOf(const ResourceInfo& info, std::string_view ns, std::string_view name) {
    return {info.namespaced ? std::string(ns) : std::string(), std::string(name)};
  }
  std::string Now() const { return Time(clock_.WallNow()).ToString(); }

  Result<Route> Resolve(const http::Request& request, bool* handled, http::ResponseWriter& writer);
  bool ServeNonResource(const http::Request& request, http::ResponseWriter& writer);
  std::optional<Status> InjectedFault(const Call& call, const Route& route);

  Result<Reply> Dispatch(const Route& route, Call& call);
  Result<Reply> Get(const Route& route, Call& call);
  Result<Reply> List(const Route& route, Call& call);
  void Watch(const Route& route, Call& call, http::ResponseWriter& writer);
  Result<Reply> Create(const Route& route, Call& call);
  Result<Reply> Update(const Route& route, Call& call);
  Result<Reply> Patch(const Route& route, Call& call);
  Result<Reply> DeleteOne(const Route& route, Call& call);
  Result<Reply> DeleteCollection(const Route& route, Call& call);
  Result<Reply> Scale(const Route& route, Call& call);
  Result<Reply> Bind(const Route& route, Call& call);

  Result<Reply> CreateLocked(const Route& route, Call& call, Json object);
  Result<Reply> UpdateLocked(const Route& route, Call& call, Json object, bool is_patch);
  Result<Reply> DeleteLocked(const ResourceInfo& info, const StorageKey& key,
                             const DeleteOptions& options);
  // Removes an object for good (store, allocations, CRD and namespace follow-ups).
  ObjectPtr RemoveLocked(const ResourceInfo& info, const StorageKey& key);
  void FinishNamespaceLocked(const std::string& ns);
  Status AdmitLocked(const ResourceInfo& info, const Call& call, Json* object, const Json* old,
                     bool status_write, bool finalize_write = false);
  void ApplyCrdLocked(const Json& crd);
  void DropStrategicPatchForCustomKinds(Json* doc) const;
  void RemoveCrdLocked(const Json& crd);
  std::string GenerateSuffix();
  std::string NewUid();
  void RecordManagedFields(const ResourceInfo& info, const Call& call, std::string_view operation,
                           std::string_view subresource, const Json& body, Json* object) const;
  Json Serve(const ResourceInfo& info, const Json& object) const {
    return internal::WithApiVersion(object, info.api_version());
  }
  Result<Reply> Render(const Route& route, const Call& call, Reply reply, bool is_list) const;

  const FakeApiServerOptions options_;
  Clock& clock_;
  mutable std::mutex mu_;
  internal::Registry registry_;
  internal::Store store_;
  internal::ServiceAllocator services_;
  std::mt19937_64 rng_;
  std::vector<FaultSpec> faults_;
  std::set<std::tuple<std::string, std::string, std::string>> conflicts_;
  std::map<std::string, int64_t> counts_;
  std::atomic<int64_t> latency_ms_{0};
  std::atomic<bool> shutdown_{false};
  std::set<std::string> finishing_namespaces_;
};

std::string FakeApiServer::Impl::GenerateSuffix() {
  std::uniform_int_distribution<size_t> pick(0, kNameAlphabet.size() - 1);
  std::string suffix;
  for (int i = 0; i < 5; ++i) suffix += kNameAlphabet[pick(rng_)];
  return suffix;
}

std::string FakeApiServer::Impl::NewUid() {
  std::uniform_int_distribution<int> hex(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uid;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) uid += '-';
    int digit = hex(rng_);
    if (i == 12) digit = 4;                // version 4
    if (i == 16) digit = 8 + (digit & 3);  // variant 10xx
    uid += kHex[digit];
  }
  return uid;
}

void FakeApiServer::Impl::RecordManagedFields(const ResourceInfo& info, const Call& call,
                                              std::string_view operation,
                                              std::string_view subresource, const Json& body,
                                              Json* object) const {
  std::string manager = call.field_manager;
  if (manager.empty()) manager = call.user_agent.substr(0, call.user_agent.find('/'));
  if (manager.empty()) manager = "unknown";
  Json entry = {
      {"manager", manager}, {"operation", operation},   {"apiVersion", info.api_version()},
      {"time", Now()},      {"fieldsType", "FieldsV1"}, {"fieldsV1", FieldsOf(body)}};
  if (!subresource.empty()) entry["subresource"] = subresource;
  Json& metadata = Metadata(*object);
  Json entries = Json::array();
  if (const Json* old = Find(metadata, "managedFields"); old != nullptr && old->is_array()) {
    for (const Json& e : *old) {
      if (StringAt(e, {"manager"}) == manager && StringAt(e, {"operation"}) == operation &&
          StringAt(e, {"subresource"}) == subresource) {
        continue;
      }
      entries.push_back(e);
    }
  }
  entries.push_back(std::move(entry));
  metadata["managedFields"] = std::move(entries);
}

namespace {

void ReplyStatus(http::ResponseWriter& writer, const Status& status) {
  http::Headers headers;
  if (status.details().retry_after_seconds > 0) {
    headers.emplace_back("Retry-After", std::to_string(status.details().retry_after_seconds));
  }
  int code = status.http_code() != 0 ? status.http_code() : 500;
  writer.Reply(code, kJson, status.ToJson(), headers);
}

void ReplyJson(http::ResponseWriter& writer, int code, const Json& body,
               const http::Headers& headers = {}) {
  writer.Reply(code, kJson, body.dump(-1, ' ', false, Json::error_handler_t::replace), headers);
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Accept header: JSON (or anything) is served as JSON; only unsupported types: 406.
bool AcceptsJson(std::string_view accept) {
  if (accept.empty()) return true;
  return accept.find("json") != std::string_view::npos ||
         accept.find("*/*") != std::string_view::npos ||
         accept.find("application/*") != std::string_view::npos;
}

bool WantsYaml(std::string_view accept) {
  return accept.find("yaml") != std::string_view::npos &&
         accept.find("json") == std::string_view::npos;
}

Result<Json> DecodeBody(const http::Request& request) {
  std::string_view type = request.Header("Content-Type");
  type = type.substr(0, type.find(';'));
  if (type.empty() || type == "application/json" || type == "*/*") {
    auto parsed = ParseJson(request.body);
    if (!parsed.ok()) return BadRequestError(parsed.status().message());
    return parsed;
  }
  if (type == "application/yaml" || type == "application/apply-patch+yaml") {
    auto parsed = YamlToJson(request.body);
    if (!parsed.ok()) return BadRequestError(parsed.status().message());
    return parsed;
  }
  return Status(Code::kNotSupported,
                "the body of the request was in an unknown format - accepted media types "
                "include: application/json, application/yaml")
      .set_reason("UnsupportedMediaType")
      .set_http_code(415);
}

Status CheckObjectShape(const Json& object) {
  if (!object.is_object()) return BadRequestError("the body of the request must be a JSON object");
  if (const Json* metadata = Find(object, "metadata");
      metadata != nullptr && !metadata->is_object() && !metadata->is_null()) {
    return BadRequestError("metadata: expected object");
  }
  return Status();
}

Result<DeleteOptions> ParseDeleteOptions(const http::Request& request) {
  DeleteOptions options;
  Json body = Json::object();
  if (!request.body.empty()) {
    auto parsed = ParseJson(request.body);
    if (!parsed.ok()) return BadRequestError(parsed.status().message());
    if (!parsed->is_object()) return BadRequestError("DeleteOptions must be a JSON object");
    body = std::move(*parsed);
  }
  if (const Json* g = Find(body, "gracePeriodSeconds"); g != nullptr && g->is_number_integer()) {
    options.grace_period_seconds = g->get<int64_t>();
  }
  if (request.HasQuery("gracePeriodSeconds")) {
    try {
      options.grace_period_seconds = std::stoll(request.Query("gracePeriodSeconds"));
    } catch (const std::exception&) {
      return BadRequestError("invalid gracePeriodSeconds");
    }
  }
  options.propagation_policy = StringAt(body, {"propagationPolicy"});
  if (request.HasQuery("propagationPolicy")) {
    options.propagation_policy = request.Query("propagationPolicy");
  }
  if (const Json* o = Find(body, "orphanDependents"); o != nullptr && o->is_boolean()) {
    options.orphan_dependents = o->get<bool>();
  }
  if (request.HasQuery("orphanDependents")) {
    options.orphan_dependents = ParseBool(request.Query("orphanDependents"));
  }
  options.precondition_uid = StringAt(body, {"preconditions", "uid"});
  options.precondition_rv = StringAt(body, {"preconditions", "resourceVersion"});
  if (const Json* d = Find(body, "dryRun"); d != nullptr && d->is_array()) {
    for (const Json& v : *d) options.dry_run |= v == "All";
  }
  if (!options.propagation_policy.empty() && options.propagation_policy != "Orphan" &&
      options.propagation_policy != "Background" && options.propagation_policy != "Foreground") {
    return InvalidError(
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
        "Unsupported value: " +
        Q(options.propagation_policy) +
        ": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  }
  if (options.orphan_dependents && !options.propagation_policy.empty()) {
    return InvalidError(
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: " +
        Q(options.propagation_policy) +
        ": orphanDependents and deletionPropagation cannot be both set");
  }
  return options;
}

}  // namespace

bool FakeApiServer::Impl::ServeNonResource(const http::Request& request,
                                           http::ResponseWriter& writer) {
  const std::string& path = request.path;
  if (path == "/healthz" || path == "/livez" || path == "/readyz" ||
      path.starts_with("/healthz/") || path.starts_with("/livez/") ||
      path.starts_with("/readyz/")) {
    writer.Reply(200, "text/plain; charset=utf-8", "ok");
    return true;
  }
  if (path == "/version" || path == "/version/") {
    internal::ServerVersion version;
    version.git_version = options_.git_version;
    ReplyJson(writer, 200, internal::VersionInfo(version));
    return true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string_view accept = request.Header("Accept");
  if (path == "/api" || path == "/api/") {
    if (internal::WantsAggregatedDiscovery(accept)) {
      writer.Reply(200, internal::kAggregatedDiscoveryContentType,
                   internal::AggregatedCoreDiscovery(registry_).dump());
    } else {
      ReplyJson(writer, 200, internal::ApiVersions(options_.server_address));
    }
    return true;
  }
  if (path == "/apis" || path == "/apis/") {
    if (internal::WantsAggregatedDiscovery(accept)) {
      writer.Reply(200, internal::kAggregatedDiscoveryContentType,
                   internal::AggregatedGroupsDiscovery(registry_).dump());
    } else {
      ReplyJson(writer, 200, internal::ApiGroupList(registry_));
    }
    return true;
  }
  std::vector<std::string> parts = SplitPath(path);
  if (parts.size() == 2 && parts[0] == "api") {
    Json list = internal::ApiResourceList(registry_, "", parts[1]);
    if (list.is_null()) return false;
    ReplyJson(writer, 200, list);
    return true;
  }
  if (parts.size() == 2 && parts[0] == "apis") {
    Json group = internal::ApiGroup(registry_, parts[1]);
    if (group.is_null()) return false;
    ReplyJson(writer, 200, group);
    return true;
  }
  if (parts.size() == 3 && parts[0] == "apis") {
    Json list = internal::ApiResourceList(registry_, parts[1], parts[2]);
    if (list.is_null()) return false;
    ReplyJson(writer, 200, list);
    return true;
  }
  if (path == "/openapi/v2") {
    ReplyJson(writer, 200, internal::OpenApiV2(registry_));
    return true;
  }
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    ReplyJson(writer, 200, internal::OpenApiV3Index(registry_));
    return true;
  }
  if (parts.size() >= 4 && parts[0] == "openapi" && parts[1] == "v3") {
    Json doc;
    if (parts[2] == "api" && parts.size() == 4) {
      doc = internal::OpenApiV3GroupVersion(registry_, "", parts[3]);
    } else if (parts[2] == "apis" && parts.size() == 5) {
      doc = internal::OpenApiV3GroupVersion(registry_, parts[3], parts[4]);
    }
    if (doc.is_null()) return false;
    DropStrategicPatchForCustomKinds(&doc);
    ReplyJson(writer, 200, doc);
    return true;
  }
  return false;
}

// Custom resources do not accept strategic merge patches (415), and kubectl decides
// between a strategic and a JSON merge patch for `apply`/`edit` by looking for that
// media type in the OpenAPI v3 PATCH operation: it must not be listed for them.
void FakeApiServer::Impl::DropStrategicPatchForCustomKinds(Json* doc) const {
  auto paths = doc->find("paths");
  if (paths == doc->end() || !paths->is_object()) return;
  for (auto& [path, item] : paths->items()) {
    if (!item.is_object()) continue;
    auto patch = item.find("patch");
    if (patch == item.end() || !patch->is_object()) continue;
    const Json* gvk = Find(*patch, "x-kubernetes-group-version-kind");
    if (gvk == nullptr || !gvk->is_object()) continue;
    const std::string group = StringAt(*gvk, {"group"});
    const std::string kind = StringAt(*gvk, {"kind"});
    bool custom = false;
    for (const ResourceInfo* info : registry_.All()) {
      if (info->custom && info->group == group && info->kind == kind) custom = true;
    }
    if (!custom) continue;
    if (auto body = patch->find("requestBody"); body != patch->end() && body->is_object()) {
      if (auto content = body->find("content"); content != body->end() && content->is_object()) {
        content->erase("application/strategic-merge-patch+json");
      }
    }
  }
}

Result<Route> FakeApiServer::Impl::Resolve(const http::Request& request, bool* handled,
                                           http::ResponseWriter& writer) {
  *handled = false;
  std::vector<std::string> parts = SplitPath(request.path);
  std::string group;
  std::string version;
  size_t i = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    version = parts[1];
    i = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    if (ServeNonResource(request, writer)) *handled = true;
    return UnknownPath();
  }
  Route route;
  if (parts[i] == "watch") {
    route.legacy_watch = true;
    ++i;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto find = [&](std::string_view plural) { return registry_.Find(group, version, plural); };
  // namespaces/<ns>/<resource> is a namespaced collection when <resource> is a known
  // namespaced resource; otherwise namespaces/<name>/<subresource> (A1).
  if (i + 2 < parts.size() && parts[i] == "namespaces") {
    const ResourceInfo* namespaced = find(parts[i + 2]);
    if (namespaced != nullptr && namespaced->namespaced) {
      route.info = namespaced;
      route.has_namespace = true;
      route.namespace_ = parts[i + 1];
      i += 3;
    }
  }
  if (route.info == nullptr) {
    if (i >= parts.size()) return UnknownPath();
    route.info = find(parts[i]);
    if (route.info == nullptr) return UnknownPath();
    ++i;
  }
  if (i < parts.size()) route.name = parts[i++];
  if (i < parts.size()) route.subresource = parts[i++];
  if (i < parts.size()) return UnknownPath();
  if (!route.subresource.empty()) {
    const ResourceInfo& info = *route.info;
    bool known = (route.subresource == "status" && info.has_status) ||
                 (route.subresource == "scale" && info.has_scale) ||
                 (route.subresource == "finalize" && IsNamespaces(info)) ||
                 std::find(info.extra_subresources.begin(), info.extra_subresources.end(),
                           route.subresource) != info.extra_subresources.end();
    if (!known) return UnknownPath();
  }
  return route;
}

std::optional<Status> FakeApiServer::Impl::InjectedFault(const Call& call, const Route& route) {
  std::lock_guard<std::mutex> lock(mu_);
  counts_[call.verb + " " + route.info->plural]++;
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->verb.empty() && it->verb != call.verb) continue;
    if (!it->resource.empty() && it->resource != route.info->plural) continue;
    Status status(Status::CodeFromHttp(it->http_code, ""), "injected fault");
    status.set_http_code(it->http_code);
    if (it->http_code == 429) {
      status = Status(Code::kTooManyRequests, "Too many requests, please try again later.")
                   .set_reason("TooManyRequests")
                   .set_http_code(429);
    } else if (it->http_code == 503) {
      status.set_reason("ServiceUnavailable");
    } else if (it->http_code == 500) {
      status = InternalError("Internal error occurred: injected fault");
    } else if (it->http_code == 409) {
      status = ConflictModified(*route.info, route.name);
    } else if (it->http_code == 410) {
      status = GoneError("too old resource version: injected fault").set_reason("Expired");
    }
    if (it->retry_after_seconds > 0) {
      StatusDetails details = status.details();
      details.retry_after_seconds = it->retry_after_seconds;
      status.set_details(std::move(details));
    }
    if (--it->times <= 0) faults_.erase(it);
    return status;
  }
  return std::nullopt;
}

void FakeApiServer::Impl::Handle(const http::Request& request, http::ResponseWriter& writer) {
  if (int64_t ms = latency_ms_.load(); ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  try {
    if (shutdown_) {
      ReplyStatus(writer, UnavailableError("the server is shutting down")
                              .set_reason("ServiceUnavailable")
                              .set_http_code(503));
      return;
    }
    if (!AcceptsJson(request.Header("Accept")) && !WantsYaml(request.Header("Accept"))) {
      ReplyStatus(writer, Status(Code::kNotSupported,
                                 "only the following media types are accepted: application/json, "
                                 "application/yaml")
                              .set_reason("NotAcceptable")
                              .set_http_code(406));
      return;
    }
    bool handled = false;
    auto route = Resolve(request, &handled, writer);
    if (handled) return;
    if (!route.ok()) {
      ReplyStatus(writer, route.status());
      return;
    }
    Call call;
    call.http = &request;
    call.user_agent = std::string(request.Header("User-Agent"));
    call.field_manager = request.Query("fieldManager");
    call.field_validation = request.Query("fieldValidation");
    if (request.HasQuery("dryRun")) {
      std::string dry_run = request.Query("dryRun");
      if (dry_run != "All") {
        ReplyStatus(writer, InvalidError("dryRun: Unsupported value: " + Q(dry_run) +
                                         ": supported values: \"All\""));
        return;
      }
      call.dry_run = true;
    }
    const std::string& method = request.method;
    const bool collection = route->name.empty();
    bool watch = route->legacy_watch;
    if (request.HasQuery("watch")) {
      auto flag = ParseBool(request.Query("watch"));
      if (!flag) {
        ReplyStatus(writer,
                    BadRequestError("invalid boolean value for watch: " + request.Query("watch")));
        return;
      }
      watch = watch || *flag;
    }
    if (method == "GET") {
      call.verb = watch ? "watch" : (collection ? "list" : "get");
    } else if (method == "POST") {
      call.verb = "create";
    } else if (method == "PUT") {
      call.verb = "update";
    } else if (method == "PATCH") {
      call.verb = "patch";
    } else if (method == "DELETE") {
      call.verb = collection ? "deletecollection" : "delete";
    } else {
      ReplyStatus(writer, MethodNotAllowed());
      return;
    }
    if (auto fault = InjectedFault(call, *route)) {
      if (call.verb == "watch" && fault->http_code() == 410) {
        // As for a too old resourceVersion (A9.2): an ERROR event in a 200 stream,
        // which the Python client retries once; an HTTP 410 it would not.
        writer.WriteHead(200, {{"Content-Type", std::string(kJson)}});
        writer.Write(ErrorEventLine(*fault));
        return;
      }
      ReplyStatus(writer, *fault);
      return;
    }
    if (call.verb == "watch") {
      if (!route->name.empty()) {
        // Legacy /watch/<resource>/<name>: a watch on one object.
        Route by_name = *route;
        by_name.name.clear();
        http::Request copy = request;
        std::string selector = "metadata.name=" + route->name;
        copy.query += (copy.query.empty() ? "fieldSelector=" : "&fieldSelector=") + selector;
        call.http = &copy;
        Watch(by_name, call, writer);
        return;
      }
      Watch(*route, call, writer);
      return;
    }
    auto reply = Dispatch(*route, call);
    if (!reply.ok()) {
      ReplyStatus(writer, reply.status());
      return;
    }
    http::Headers headers = std::move(reply->headers);
    for (auto& warning : call.warnings) headers.push_back(std::move(warning));
    if (WantsYaml(request.Header("Accept"))) {
      writer.Reply(reply->code, "application/yaml", JsonToYaml(reply->body), headers);
      return;
    }
    ReplyJson(writer, reply->code, reply->body, headers);
  } catch (const std::exception& e) {
    ReplyStatus(writer, InternalError(std::string("Internal error occurred: ") + e.what()));
  }
}

Result<Reply> FakeApiServer::Impl::Dispatch(const Route& route, Call& call) {
  const ResourceInfo& info = *route.info;
  const std::string& sub = route.subresource;
  const bool collection = route.name.empty();
  if (collection && info.namespaced && !route.has_namespace &&
      (call.verb == "create" || call.verb == "deletecollection")) {
    return MethodNotAllowed();
  }
  if (sub == "scale") {
    if (call.verb != "get" && call.verb != "update" && call.verb != "patch") {
      return MethodNotAllowed();
    }
    return Scale(route, call);
  }
  if (sub == "binding") {
    if (call.verb != "create") return MethodNotAllowed();
    return Bind(route, call);
  }
  if (sub == "status" || sub == "finalize") {
    if (call.verb == "get") return Get(route, call);
    if (call.verb == "update") return Update(route, call);
    if (call.verb == "patch" && sub == "status") return Patch(route, call);
    return MethodNotAllowed();
  }
  if (collection) {
    if (call.verb == "list") return List(route, call);
    if (call.verb == "create") return Create(route, call);
    if (call.verb == "deletecollection") return DeleteCollection(route, call);
    return MethodNotAllowed();
  }
  if (call.verb == "get") return Get(route, call);
  if (call.verb == "update") return Update(route, call);
  if (call.verb == "patch") return Patch(route, call);
  if (call.verb == "delete") return DeleteOne(route, call);
  return MethodNotAllowed();
}

Result<Reply> FakeApiServer::Impl::Render(const Route& route, const Call& call, Reply reply,
                                          bool is_list) const {
  std::string_view accept = call.http->Header("Accept");
  if (reply.code >= 300 || !reply.body.is_object()) return reply;
  if (internal::WantsTable(accept)) {
    std::vector<Json> objects;
    Json list_meta = Json::object();
    if (is_list) {
      if (const Json* items = Find(reply.body, "items"); items != nullptr) {
        for (const Json& item : *items) objects.push_back(item);
      }
      if (const Json* m = Find(reply.body, "metadata"); m != nullptr) list_meta = *m;
    } else {
      objects.push_back(reply.body);
      list_meta = {{"resourceVersion", MetaString(reply.body, "resourceVersion")}};
    }
    internal::IncludeObject include = internal::IncludeObject::kMetadata;
    if (!internal::ParseIncludeObject(call.http->Query("includeObject"), &include)) {
      return BadRequestError("invalid includeObject: " + call.http->Query("includeObject"));
    }
    reply.body =
        internal::ToTable(*route.info, objects, list_meta, Time(clock_.WallNow()), include);
    return reply;
  }
  if (internal::WantsPartialObjectMetadata(accept)) {
    if (is_list) {
      std::vector<Json> objects;
      if (const Json* items = Find(reply.body, "items"); items != nullptr) {
        for (const Json& item : *items) objects.push_back(item);
      }
      const Json* m = Find(reply.body, "metadata");
      reply.body = internal::ToPartialObjectMetadataList(objects, m ? *m : Json::object());
    } else {
      reply.body = internal::ToPartialObjectMetadata(reply.body);
    }
  }
  return reply;
}

Result<Reply> FakeApiServer::Impl::Get(const Route& route, Call& call) {
  const ResourceInfo& info = *route.info;
  Reply reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto* data = store_.Find(StoreName(info));
    StorageKey key = KeyOf(info, route.namespace_, route.name);
    if (data == nullptr || !data->objects.contains(key)) return NotFound(info, route.name);
    reply.body = Serve(info, *data->objects.at(key));
  }
  return Render(route, call, std::move(reply), /*is_list=*/false);
}

namespace {

struct ListParams {
  Selector labels;
  FieldSelector fields;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;
};

Result<ListParams> ParseListParams(const ResourceInfo& info, const http::Request& request,
                                   bool watch) {
  ListParams params;
  auto labels = Selector::Parse(request.Query("labelSelector"));
  if (!labels.ok()) return BadRequestError(labels.status().message());
  params.labels = std::move(*labels);
  auto fields = FieldSelector::Parse(request.Query("fieldSelector"));
  if (!fields.ok()) return BadRequestError(fields.status().message());
  const auto selectable = SelectableFields(info);
  for (const auto& term : fields->terms()) {
    bool ok = term.field == "metadata.name" || (term.field == "metadata.namespace") ||
              std::find(selectable.begin(), selectable.end(), term.field) != selectable.end();
    if (!ok) return BadRequestError("field label not supported: " + term.field);
  }
  params.fields = std::move(*fields);
  if (request.HasQuery("limit")) {
    try {
      params.limit = std::stoll(request.Query("limit"));
    } catch (const std::exception&) {
      return BadRequestError("invalid limit: " + request.Query("limit"));
    }
  }
  params.continue_token = request.Query("continue");
  params.resource_version = request.Query("resourceVersion");
  params.resource_version_match = request.Query("resourceVersionMatch");
  const std::string& rv = params.resource_version;
  const std::string& match = params.resource_version_match;
  if (!rv.empty() && (rv.find_first_not_of("0123456789") != std::string::npos)) {
    return BadRequestError("invalid resource version: " + rv);
  }
  if (!params.continue_token.empty() && !rv.empty() && rv != "0" && !watch) {
    return BadRequestError("specifying resource version is not allowed when using continue");
  }
  if (!match.empty() && match != "Exact" && match != "NotOlderThan") {
    return ListOptionsInvalid("resourceVersionMatch: Unsupported value: " + Q(match) +
                              ": supported values: \"Exact\", \"NotOlderThan\", \"\"");
  }
  if (!watch) {
    if (request.HasQuery("sendInitialEvents")) {
      return ListOptionsInvalid(
          "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    }
    if (!match.empty() && rv.empty()) {
      return ListOptionsInvalid(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
          "resourceVersion is provided");
    }
    if (!match.empty() && !params.continue_token.empty()) {
      return ListOptionsInvalid(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is "
          "provided");
    }
    if (match == "Exact" && rv == "0") {
      return ListOptionsInvalid(
          "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for "
          "resourceVersion \"0\"");
    }
  }
  return params;
}

std::string EncodeContinue(int64_t rv, const StorageKey& last) {
  Json token = {{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", {last.first, last.second}}};
  return kube::internal::Base64Encode(token.dump());
}

Result<std::pair<int64_t, StorageKey>> DecodeContinue(std::string_view text) {
  Status bad = BadRequestError(
      "continue key is not valid: incorrect encoded start resourceVersion (version "
      "meta.k8s.io/v1)");
  auto raw = kube::internal::Base64Decode(text);
  if (!raw) return bad;
  auto token = ParseJson(*raw);
  if (!token.ok() || !token->is_object()) return bad;
  const Json* rv = Find(*token, "rv");
  const Json* start = Find(*token, "start");
  if (rv == nullptr || !rv->is_number_integer() || start == nullptr || !start->is_array() ||
      start->size() != 2 || !(*start)[0].is_string() || !(*start)[1].is_string()) {
    return bad;
  }
  return std::make_pair(rv->get<int64_t>(),
                        StorageKey{(*start)[0].get<std::string>(), (*start)[1].get<std::string>()});
}

}  // namespace

Result<Reply> FakeApiServer::Impl::List(const Route& route, Call& call) {
  const ResourceInfo& info = *route.info;
  auto params = ParseListParams(info, *call.http, /*watch=*/false);
  if (!params.ok()) return params.status();
  internal::Filter filter;
  filter.namespace_ = route.has_namespace ? route.namespace_ : "";
  filter.labels = params->labels;
  filter.fields = params->fields;
  filter.field_set = [&info](const Json& o) { return FieldSetOf(info, o); };

  int64_t requested_rv =
      params->resource_version.empty() ? 0 : std::stoll(params->resource_version);
  // "Not older than N" with N ahead of the store: wait a little for it (A8).
  if (requested_rv > 0) {
    for (int i = 0; i < 30 && resource_version() < requested_rv; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (resource_version() < requested_rv) {
      StatusDetails details;
      details.causes.push_back({"ResourceVersionTooLarge", "Too large resource version", ""});
      details.retry_after_seconds = 1;
      return TimeoutError("Timeout: Too large resource version: " + std::to_string(requested_rv) +
                          ", current: " + std::to_string(resource_version()))
          .set_details(std::move(details));
    }
  }

  Reply reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string name = StoreName(info);
    int64_t snapshot_rv = store_.rv();
    std::optional<StorageKey> after;
    // Past snapshots are rebuilt from history; the current state is read in place
    // (no copy of the whole map per page).
    std::map<StorageKey, ObjectPtr> past_snapshot;
    static const std::map<StorageKey, ObjectPtr> kNoObjects;
    const std::map<StorageKey, ObjectPtr>* view = &kNoObjects;
    bool exact = false;
    if (!params->continue_token.empty()) {
      auto token = DecodeContinue(params->continue_token);
      if (!token.ok()) return token.status();
      snapshot_rv = token->first;
      after = token->second;
      exact = true;
    } else if (params->resource_version_match == "Exact" ||
               (params->resource_version_match.empty() && params->limit > 0 && requested_rv > 0)) {
      snapshot_rv = requested_rv;
      exact = true;
    }
    const auto* current = store_.Find(name);
    if (exact && current != nullptr && snapshot_rv >= current->compacted_rv &&
        (current->history.empty() || current->history.back().rv <= snapshot_rv)) {
      // Nothing changed since the snapshot: the current state is the snapshot.
      exact = false;
    }
    if (exact) {
      auto past = store_.SnapshotAt(name, snapshot_rv);
      if (!past.ok()) {
        if (!params->continue_token.empty()) {
          return GoneError(
                     "The provided continue parameter is too old to display a consistent list "
                     "result. You can start a new list without the continue parameter, or use "
                     "the continue token in this response to retrieve the remainder of the "
                     "results. Continuing with the provided token results in an inconsistent "
                     "list - objects that were created, modified, or deleted between the time "
                     "the first chunk was returned and now may show up in the list.")
              .set_reason("Expired");
        }
        return past.status();
      }
      past_snapshot = std::move(*past);
      view = &past_snapshot;
    } else if (current != nullptr) {
      view = &current->objects;
    }
    const std::map<StorageKey, ObjectPtr>& snapshot = *view;
    Json items = Json::array();
    auto it = after ? snapshot.upper_bound(*after) : snapshot.begin();
    if (route.has_namespace && !after) it = snapshot.lower_bound({route.namespace_, ""});
    StorageKey last;
    bool more = false;
    int64_t remaining = 0;
    const bool selective = !params->labels.Empty() || !params->fields.Empty();
    for (; it != snapshot.end(); ++it) {
      if (route.has_namespace && it->first.first != route.namespace_) {
        if (it->first.first > route.namespace_) break;
        continue;
      }
      if (!filter.Matches(*it->second)) continue;
      if (params->limit > 0 && static_cast<int64_t>(items.size()) >= params->limit) {
        more = true;
        ++remaining;
        if (selective) break;
        continue;
      }
      items.push_back(Serve(info, *it->second));
      last = it->first;
    }
    Json metadata = {{"resourceVersion", std::to_string(snapshot_rv)}};
    if (more) {
      metadata["continue"] = EncodeContinue(snapshot_rv, last);
      if (!selective) metadata["remainingItemCount"] = remaining;
    }
    reply.body = {{"kind", info.list_kind()},
                  {"apiVersion", info.api_version()},
                  {"metadata", std::move(metadata)},
                  {"items", std::move(items)}};
  }
  return Render(route, call, std::move(reply), /*is_list=*/true);
}

void FakeApiServer::Impl::Watch(const Route& route, Call& call, http::ResponseWriter& writer) {
  const ResourceInfo& info = *route.info;
  const http::Request& request = *call.http;
  auto params = ParseListParams(info, request, /*watch=*/true);
  if (!params.ok()) {
    ReplyStatus(writer, params.status());
    return;
  }
  const bool has_send_initial = request.HasQuery("sendInitialEvents");
  const bool send_initial =
      has_send_initial && ParseBool(request.Query("sendInitialEvents")).value_or(false);
  const std::string& match = params->resource_version_match;
  if (has_send_initial && match != "NotOlderThan") {
    ReplyStatus(writer,
                ListOptionsInvalid("resourceVersionMatch: Forbidden: sendInitialEvents "
                                   "requires setting resourceVersionMatch to NotOlderThan"));
    return;
  }
  if (!has_send_initial && !match.empty()) {
    ReplyStatus(writer, ListOptionsInvalid("resourceVersionMatch: Forbidden: resourceVersionMatch "
                                           "is forbidden for watch unless sendInitialEvents is "
                                           "provided"));
    return;
  }
  const bool bookmarks = ParseBool(request.Query("allowWatchBookmarks")).value_or(false);
  std::chrono::milliseconds timeout = options_.default_watch_timeout;
  if (request.HasQuery("timeoutSeconds")) {
    try {
      timeout = std::chrono::seconds(std::stoll(request.Query("timeoutSeconds")));
    } catch (const std::exception&) {
      ReplyStatus(writer, BadRequestError("invalid timeoutSeconds"));
      return;
    }
  }
  internal::Filter filter;
  filter.namespace_ = route.has_namespace ? route.namespace_ : "";
  filter.labels = params->labels;
  filter.fields = params->fields;
  filter.field_set = [&info](const Json& o) { return FieldSetOf(info, o); };
  auto watcher =
      std::make_shared<internal::Watcher>(std::move(filter), info.api_version(), info.kind);
  const std::string name = StoreName(info);
  const std::string& rv = params->resource_version;

  auto bookmark_line = [&](int64_t at, bool initial_end) {
    Json object = {{"kind", info.kind},
                   {"apiVersion", info.api_version()},
                   {"metadata", {{"resourceVersion", std::to_string(at)}}}};
    if (initial_end) {
      object["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    }
    return internal::EncodeWatchEvent("BOOKMARK", object);
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now_rv = store_.rv();
    if (send_initial || (!has_send_initial && (rv.empty() || rv == "0"))) {
      if (const auto* data = store_.Find(name); data != nullptr) {
        for (const auto& [key, object] : data->objects) {
          if (!watcher->filter().Matches(*object)) continue;
          watcher->Push(std::make_shared<const std::string>(
                            internal::EncodeWatchEvent("ADDED", Serve(info, *object))),
                        now_rv);
        }
      }
      watcher->set_last_rv(now_rv);
      if (send_initial) {
        watcher->Push(std::make_shared<const std::string>(bookmark_line(now_rv, true)), now_rv);
      }
    } else if (!rv.empty() && rv != "0") {
      const int64_t from = std::stoll(rv);
      auto events = store_.EventsSince(name, from);
      if (!events.ok()) {
        watcher->Close(ErrorEventLine(events.status()));
      } else {
        internal::Store::Resource replay;
        replay.watchers.push_back(watcher);
        for (const auto& event : *events) internal::Store::Dispatch(replay, event);
        watcher->set_last_rv(std::max(from, now_rv));
      }
    } else {
      watcher->set_last_rv(now_rv);
    }
    store_.AddWatcher(name, watcher);
  }
  writer.WriteHead(200, {{"Content-Type", std::string(kJson)}});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
  std::string out;
  bool open = true;
  while (open && !writer.closed() && !shutdown_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto wait = std::min<std::chrono::steady_clock::duration>(
        {deadline - now, std::chrono::milliseconds(200),
         bookmarks ? next_bookmark - now : std::chrono::hours(1)});
    out.clear();
    open = watcher->Pop(&out, std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                                  std::chrono::milliseconds(1));
    if (!out.empty() && !writer.Write(out)) break;
    if (bookmarks && std::chrono::steady_clock::now() >= next_bookmark && open) {
      std::lock_guard<std::mutex> lock(mu_);
      if (watcher->empty()) {
        const int64_t at = std::max(store_.rv(), watcher->last_rv());
        watcher->Push(std::make_shared<const std::string>(bookmark_line(at, false)), at);
      }
      next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
    }
  }
  if (open && bookmarks && !writer.closed() && !shutdown_) {
    // Timed out: a last bookmark so the client resumes from the freshest point.
    std::lock_guard<std::mutex> lock(mu_);
    out.clear();
    watcher->Pop(&out, std::chrono::milliseconds(0));
    out += bookmark_line(std::max(store_.rv(), watcher->last_rv()), false);
    writer.Write(out);
  }
  std::lock_guard<std::mutex> lock(mu_);
  store_.RemoveWatcher(name, watcher.get());
}

namespace {

// Checks apiVersion/kind of a body against the endpoint; fills them when absent.
Status CheckTypeMeta(const ResourceInfo& info, Json* object) {
  std::string api_version = StringAt(*object, {"apiVersion"});
  std::string kind = StringAt(*object, {"kind"});
  if (!api_version.empty() && api_version != info.api_version()) {
    return BadRequestError("the API version in the data (" + api_version +
                           ") does not match the expected API version (" + info.api_version() +
                           ")");
  }
  if (!kind.empty() && kind != info.kind) {
    return BadRequestError("the kind in the data (" + kind +
                           ") does not match the expected kind (" + info.kind + ")");
  }
  (*object)["apiVersion"] = info.api_version();
  (*object)["kind"] = info.kind;
  return Status();
}

Status CheckNamespace(const ResourceInfo& info, const Route& route, Json* object) {
  Json& metadata = Metadata(*object);
  if (!info.namespaced) {
    metadata.erase("namespace");
    return Status();
  }
  std::string ns = MetaString(*object, "namespace");
  if (ns.empty()) {
    metadata["namespace"] = route.namespace_;
  } else if (ns != route.namespace_) {
    return BadRequestError(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  return Status();
}

// Fields a status write keeps from the stored object (A5.2 step 5).
void RestoreForStatusWrite(const ResourceInfo& info, const Json& old, Json* object) {
  if (info.custom) {
    Json status = object->contains("status") ? (*object)["status"] : Json();
    Json metadata = Find(*object, "metadata") != nullptr ? (*object)["metadata"] : Json::object();
    *object = old;
    if (status.is_null()) {
      object->erase("status");
    } else {
      (*object)["status"] = std::move(status);
    }
    (void)metadata;
    return;
  }
  if (const Json* spec = Find(old, "spec"); spec != nullptr) {
    (*object)["spec"] = *spec;
  } else {
    object->erase("spec");
  }
  if (info.group == "apps" && info.kind == "Deployment") {
    if (const Json* labels = FindPath(old, {"metadata", "labels"}); labels != nullptr) {
      Metadata(*object)["labels"] = *labels;
    } else {
      EraseMeta(*object, "labels");
    }
  }
}

Json WithoutKeys(const Json& object, std::initializer_list<const char*> keys) {
  Json copy = object;
  for (const char* key : keys) copy.erase(key);
  return copy;
}

// Whether an update changes the desired state (A5.2 step 6).
bool BumpsGeneration(const ResourceInfo& info, const Json& old, const Json& updated) {
  if (info.custom) {
    if (info.has_status) {
      return WithoutKeys(old, {"metadata", "status"}) !=
             WithoutKeys(updated, {"metadata", "status"});
    }
    return WithoutKeys(old, {"metadata"}) != WithoutKeys(updated, {"metadata"});
  }
  const Json* old_spec = Find(old, "spec");
  const Json* new_spec = Find(updated, "spec");
  bool spec_changed = (old_spec == nullptr) != (new_spec == nullptr) ||
                      (old_spec != nullptr && *old_spec != *new_spec);
  if (info.group == "apps" && info.kind == "Deployment") {
    return spec_changed || StringMapAt(old, {"metadata", "annotations"}) !=
                               StringMapAt(updated, {"metadata", "annotations"});
  }
  return spec_changed;
}

// Unknown top-level and metadata fields of built-in kinds whose shape is known (A7
// field validation): removed from `object` and returned as paths ("metadata.foo").
// Upstream decodes into Go types, which drops them; kinds not listed are left alone.
std::vector<std::string> UnknownBuiltinFields(const ResourceInfo& info, Json* object) {
  static const std::set<std::string, std::less<>> kObjectMeta = {"name",
                                                                 "generateName",
                                                                 "namespace",
                                                                 "selfLink",
                                                                 "uid",
                                                                 "resourceVersion",
                                                                 "generation",
                                                                 "creationTimestamp",
                                                                 "deletionTimestamp",
                                                                 "deletionGracePeriodSeconds",
                                                                 "labels",
                                                                 "annotations",
                                                                 "ownerReferences",
                                                                 "finalizers",
                                                                 "managedFields"};
  static const std::map<std::string, std::set<std::string, std::less<>>, std::less<>> kTopLevel = {
      {"ConfigMap", {"data", "binaryData", "immutable"}},
      {"Secret", {"data", "stringData", "type", "immutable"}},
      {"Pod", {"spec", "status"}},
      {"Deployment", {"spec", "status"}},
      {"ReplicaSet", {"spec", "status"}},
      {"StatefulSet", {"spec", "status"}},
      {"DaemonSet", {"spec", "status"}},
      {"Job", {"spec", "status"}},
      {"CronJob", {"spec", "status"}},
      {"Service", {"spec", "status"}},
      {"Namespace", {"spec", "status"}},
      {"Node", {"spec", "status"}},
      {"ReplicationController", {"spec", "status"}},
      {"PersistentVolumeClaim", {"spec", "status"}},
      {"PersistentVolume", {"spec", "status"}},
      {"CustomResourceDefinition", {"spec", "status"}}};
  std::vector<std::string> unknown;
  if (!object->is_object()) return unknown;
  if (auto meta = object->find("metadata"); meta != object->end() && meta->is_object()) {
    for (auto it = meta->begin(); it != meta->end();) {
      if (kObjectMeta.contains(it.key())) {
        ++it;
        continue;
      }
      unknown.push_back("metadata." + it.key());
      it = meta->erase(it);
    }
  }
  auto kind = kTopLevel.find(info.kind);
  if (kind == kTopLevel.end()) return unknown;
  for (auto it = object->begin(); it != object->end();) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "metadata" || kind->second.contains(key)) {
      ++it;
      continue;
    }
    unknown.push_back(key);
    it = object->erase(it);
  }
  return unknown;
}

}  // namespace

Status FakeApiServer::Impl::AdmitLocked(const ResourceInfo& info, const Call& call, Json* object,
                                        const Json* old, bool status_write, bool finalize_write) {
  if (!info.custom) {
    std::vector<std::string> unknown = UnknownBuiltinFields(info, object);
    if (!unknown.empty() && call.field_validation == "Strict") {
      std::string message = "strict decoding error: ";
      for (size_t i = 0; i < unknown.size(); ++i) {
        message += (i ? ", " : "") + std::string("unknown field ") + Q(unknown[i]);
      }
      return BadRequestError(message);
    }
    if (call.field_validation != "Ignore") {
      for (const auto& field : unknown) {
        const_cast<Call&>(call).warnings.emplace_back(
            "Warning", "299 - \"unknown field " + Q(field).substr(1));
      }
    }
  }
  if (info.custom) {
    if (!info.schema.is_null()) {
      std::vector<std::string> pruned = internal::PruneUnknownFields(info.schema, object);
      if (!pruned.empty() && call.field_validation == "Strict") {
        std::string message = "strict decoding error: ";
        for (size_t i = 0; i < pruned.size(); ++i) {
          message += (i ? ", " : "") + std::string("unknown field ") + Q(pruned[i]);
        }
        return BadRequestError(message);
      }
      if (call.field_validation != "Ignore") {
        for (const auto& field : pruned) {
          const_cast<Call&>(call).warnings.emplace_back(
              "Warning", "299 - \"unknown field " + Q(field).substr(1));
        }
      }
      internal::ApplySchemaDefaults(info.schema, object);
      auto causes = internal::ValidateAgainstSchema(info.schema, *object);
      if (!causes.empty()) {
        return internal::InvalidStatus(info.kind, info.group, MetaString(*object, "name"), causes);
      }
    }
  }
  internal::AdmissionRequest request;
  request.group = info.group;
  request.version = info.version;
  request.kind = info.kind;
  request.namespaced = info.namespaced;
  request.create = old == nullptr;
  request.old = old;
  request.status_subresource = status_write;
  request.finalize_subresource = finalize_write;
  request.custom = info.custom;
  // Custom resources: the schema did the defaulting; metadata rules still apply.
  if (!info.custom) internal::ApplyDefaults(request, object);
  KUBE_RETURN_IF_ERROR(internal::Validate(request, *object));
  if (IsCrds(info)) {
    internal::ApplyCrdDefaults(object);
    KUBE_RETURN_IF_ERROR(internal::ValidateCrd(*object));
  }
  return Status();
}

Result<Reply> FakeApiServer::Impl::Create(const Route& route, Call& call) {
  auto body = DecodeBody(*call.http);
  if (!body.ok()) return body.status();
  std::lock_guard<std::mutex> lock(mu_);
  return CreateLocked(route, call, std::move(*body));
}

Result<Reply> FakeApiServer::Impl::CreateLocked(const Route& route, Call& call, Json object) {
  const ResourceInfo& info = *route.info;
  KUBE_RETURN_IF_ERROR(CheckObjectShape(object));
  KUBE_RETURN_IF_ERROR(CheckTypeMeta(info, &object));
  KUBE_RETURN_IF_ERROR(CheckNamespace(info, route, &object));
  Json& metadata = Metadata(object);
  if (!MetaString(object, "resourceVersion").empty()) {
    return InternalError("resourceVersion should not be set on objects to be created")
        .set_reason("");
  }
  for (const char* field :
       {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
        "generation", "managedFields", "resourceVersion"}) {
    metadata.erase(field);
  }
  const std::string ns = MetaString(object, "namespace");
  std::string name = MetaString(object, "name");
  const std::string generate_name = MetaString(object, "generateName");
  if (name.empty() && generate_name.empty()) {
    StatusDetails details;
    details.kind = info.kind;
    details.group = info.group;
    details.causes.push_back({"FieldValueRequired",
                              "Required value: name or generateName is required", "metadata.name"});
    return InvalidError(info.kind + (info.group.empty() ? "" : "." + info.group) +
                        " \"\" is invalid: metadata.name: Required value: name or generateName "
                        "is required")
        .set_details(std::move(details));
  }
  const auto& objects = store_.Get(StoreName(info)).objects;
  if (name.empty()) {
    const std::string prefix = generate_name.substr(0, 58);
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::string candidate = prefix + GenerateSuffix();
      if (!objects.contains(KeyOf(info, ns, candidate))) {
        name = candidate;
        break;
      }
    }
    if (name.empty()) {
      Status status = AlreadyExistsError(info.qualified_resource() + " " + Q(prefix) +
                                         " already exists, the server was not able to generate "
                                         "a unique name for the object");
      StatusDetails details;
      details.retry_after_seconds = 1;
      return WithDetails(status.set_details(details), info, prefix);
    }
  }
  metadata["name"] = name;
  metadata["uid"] = NewUid();
  metadata["creationTimestamp"] = Now();
  if (TracksGeneration(info)) metadata["generation"] = 1;

  // Strategy: status on create (A5.1 step 8).
  if (IsPods(info)) {
    const Json* spec = Find(object, "spec");
    object["status"] = {{"phase", "Pending"},
                        {"qosClass", internal::PodQosClass(spec ? *spec : Json::object())}};
  } else if (IsNamespaces(info)) {
    object["status"] = {{"phase", "Active"}};
    Metadata(object)["labels"]["kubernetes.io/metadata.name"] = name;
  } else if (info.group.empty() && info.kind == "Service") {
    object["status"] = {{"loadBalancer", Json::object()}};
  } else if (info.has_status && !(info.group.empty() && info.kind == "Node")) {
    object.erase("status");
  }
  KUBE_RETURN_IF_ERROR(AdmitLocked(info, call, &object, nullptr, false));

  // Namespace admission (A5.1 step 9).
  if (info.namespaced) {
    const auto& namespaces = store_.Get("namespaces").objects;
    auto found = namespaces.find({"", ns});
    if (found == namespaces.end()) {
      const ResourceInfo* ns_info = registry_.Find("", "v1", "namespaces");
      return NotFound(*ns_info, ns);
    }
    if (!MetaString(*found->second, "deletionTimestamp").empty()) {
      StatusDetails details;
      details.name = name;
      details.group = info.group;
      details.kind = info.plural;
      details.causes.push_back({"NamespaceTerminating", "namespace " + ns + " is being terminated",
                                "metadata.namespace"});
      return Status(Code::kForbidden, "unable to create new content in namespace " + ns +
                                          " because it is being terminated")
          .set_reason("Forbidden")
          .set_http_code(403)
          .set_details(std::move(details));
    }
  }
  StorageKey key = KeyOf(info, ns, name);
  if (objects.contains(key)) {
    return WithDetails(
        AlreadyExistsError(info.qualified_resource() + " " + Q(name) + " already exists"), info,
        name);
  }
  if (info.group.empty() && info.kind == "Service") {
    KUBE_RETURN_IF_ERROR(services_.Allocate(&object, nullptr));
    if (call.dry_run) services_.Release(object);  // checked, but nothing is kept
  }
  if (IsCrds(info)) {
    object["status"] = {
        {"conditions",
         {{{"type", "NamesAccepted"},
           {"status", "True"},
           {"reason", "NoConflicts"},
           {"message", "no conflicts found"},
           {"lastTransitionTime", Now()}},
          {{"type", "Established"},
           {"status", "True"},
           {"reason", "InitialNamesAccepted"},
           {"message", "the initial names have been accepted"},
           {"lastTransitionTime", Now()}}}},
        {"acceptedNames",
         FindPath(object, {"spec", "names"}) ? object["spec"]["names"] : Json::object()},
        {"storedVersions", Json::array()}};
    if (const Json* versions = FindPath(object, {"spec", "versions"});
        versions && versions->is_array()) {
      for (const Json& v : *versions) {
        if (v.value("storage", false))
          object["status"]["storedVersions"].push_back(v.value("name", ""));
      }
    }
  }
  Json body_for_fields = call.applied != nullptr ? *call.applied : object;
  RecordManagedFields(info, call, call.applied != nullptr ? "Apply" : "Update", "", body_for_fields,
                      &object);
  Reply reply;
  reply.code = 201;
  if (call.dry_run) {
    reply.body = Serve(info, object);
    return reply;
  }
  ObjectPtr stored = store_.Write(StoreName(info), key, std::move(object));
  if (IsCrds(info)) ApplyCrdLocked(*stored);
  reply.body = Serve(info, *stored);
  return reply;
}

Result<Reply> FakeApiServer::Impl::Update(const Route& route, Call& call) {
  auto body = DecodeBody(*call.http);
  if (!body.ok()) return body.status();
  std::lock_guard<std::mutex> lock(mu_);
  return UpdateLocked(route, call, std::move(*body), /*is_patch=*/false);
}

Result<Reply> FakeApiServer::Impl::UpdateLocked(const Route& route, Call& call, Json object,
                                                bool is_patch) {
  const ResourceInfo& info = *route.info;
  KUBE_RETURN_IF_ERROR(CheckObjectShape(object));
  KUBE_RETURN_IF_ERROR(CheckTypeMeta(info, &object));
  KUBE_RETURN_IF_ERROR(CheckNamespace(info, route, &object));
  const std::string body_name = MetaString(object, "name");
  if (body_name.empty() && !is_patch) {
    Metadata(object)["name"] = route.name;
  } else if (body_name != route.name) {
    return BadRequestError("the name of the object (" + body_name +
                           ") does not match the name on the URL (" + route.name + ")");
  }
  const std::string name = StoreName(info);
  StorageKey key = KeyOf(info, route.namespace_, route.name);
  auto& objects = store_.Get(name).objects;
  auto found = objects.find(key);
  if (found == objects.end()) {
    if (!is_patch && route.subresource.empty() && AllowsCreateOnUpdate(info)) {
      Metadata(object).erase("resourceVersion");
      return CreateLocked(route, call, std::move(object));
    }
    return NotFound(info, route.name);
  }
  const ObjectPtr old = found->second;
  const std::string body_rv = MetaString(object, "resourceVersion");
  if (conflicts_.erase({info.plural, info.namespaced ? route.namespace_ : "", route.name}) > 0) {
    return ConflictModified(info, route.name);
  }
  if (!body_rv.empty() && body_rv != MetaString(*old, "resourceVersion")) {
    return ConflictModified(info, route.name);
  }
  if (body_rv.empty() && info.custom && !is_patch) {
    StatusDetails details;
    details.name = route.name;
    details.group = info.group;
    details.kind = info.kind;
    details.causes.push_back({"FieldValueInvalid",
                              "Invalid value: 0x0: must be specified for an update",
                              "metadata.resourceVersion"});
    return InvalidError(info.kind + "." + info.group + " " + Q(route.name) +
                        " is invalid: metadata.resourceVersion: Invalid value: 0x0: must be "
                        "specified for an update")
        .set_details(std::move(details));
  }
  // Server-owned fields come from the stored object (A5.2 step 4).
  Json& metadata = Metadata(object);
  for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp",
                            "deletionGracePeriodSeconds", "generation", "selfLink"}) {
    if (const Json* v = FindPath(*old, {"metadata", field}); v != nullptr) {
      metadata[field] = *v;
    } else {
      metadata.erase(field);
    }
  }
  if (!metadata.contains("managedFields")) {
    if (const Json* v = FindPath(*old, {"metadata", "managedFields"}); v != nullptr) {
      metadata["managedFields"] = *v;
    }
  }
  metadata["resourceVersion"] = MetaString(*old, "resourceVersion");
  const bool status_write = route.subresource == "status";
  if (route.subresource == "finalize" && IsNamespaces(info)) {
    // Only spec.finalizers may change through finalize.
    Json spec_finalizers =
        FindPath(object, {"spec", "finalizers"}) ? object["spec"]["finalizers"] : Json();
    Json updated = *old;
    if (spec_finalizers.is_null()) {
      if (updated.contains("spec")) updated["spec"].erase("finalizers");
    } else {
      updated["spec"]["finalizers"] = spec_finalizers;
    }
    object = std::move(updated);
  } else if (status_write) {
    RestoreForStatusWrite(info, *old, &object);
  } else if (info.has_status) {
    if (const Json* status = Find(*old, "status"); status != nullptr) {
      object["status"] = *status;
    } else {
      object.erase("status");
    }
  }
  if (!status_write && TracksGeneration(info) && BumpsGeneration(info, *old, object)) {
    metadata["generation"] = IntAt(*old, {"metadata", "generation"}) + 1;
  }
  // No finalizer may be added once deleting (A5.2 step 7).
  if (!MetaString(*old, "deletionTimestamp").empty()) {
    auto before = Finalizers(*old);
    std::vector<std::string> added;
    for (const auto& f : Finalizers(object)) {
      if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
    }
    if (!added.empty()) {
      std::string list = "[]string{";
      for (size_t i = 0; i < added.size(); ++i) list += (i ? ", " : "") + Q(added[i]);
      list += "}";
      std::string detail =
          "no new finalizers can be added if the object is being deleted, found new finalizers " +
          list;
      StatusDetails details;
      details.name = route.name;
      details.group = info.group;
      details.kind = info.kind;
      details.causes.push_back(
          {"FieldValueForbidden", "Forbidden: " + detail, "metadata.finalizers"});
      return InvalidError(info.kind + (info.group.empty() ? "" : "." + info.group) + " " +
                          Q(route.name) + " is invalid: metadata.finalizers: Forbidden: " + detail)
          .set_details(std::move(details));
    }
  }
  KUBE_RETURN_IF_ERROR(AdmitLocked(info, call, &object, old.get(), status_write,
                                   route.subresource == "finalize" && IsNamespaces(info)));
  // A dry-run update keeps the stored allocations and checks no new ones.
  if (info.group.empty() && info.kind == "Service" && !status_write && !call.dry_run) {
    KUBE_RETURN_IF_ERROR(services_.Allocate(&object, old.get()));
  }
  // No-op writes change nothing and emit nothing (A5.2 step 8).
  {
    Json a = object;
    Json b = *old;
    Metadata(a).erase("managedFields");
    Metadata(b).erase("managedFields");
    if (a == b) {
      Reply reply;
      reply.body = Serve(info, *old);
      return reply;
    }
  }
  const bool applying = is_patch && call.applied != nullptr;
  const Json fields_body = applying ? *call.applied : object;
  RecordManagedFields(info, call, applying ? "Apply" : "Update", route.subresource, fields_body,
                      &object);
  Reply reply;
  if (call.dry_run) {
    reply.body = Serve(info, object);
    return reply;
  }
  // Finalizer completion (A5.2 step 9). Without the built-in namespace deletion a
  // namespace also waits for its spec.finalizers (upstream's
  // ShouldDeleteNamespaceDuringUpdate).
  const bool namespace_waits =
      IsNamespaces(info) && !options_.builtin_namespace_deletion && HasSpecFinalizers(object);
  if (!MetaString(object, "deletionTimestamp").empty() && Finalizers(object).empty() &&
      IntAt(object, {"metadata", "deletionGracePeriodSeconds"}) == 0 && !namespace_waits) {
    ObjectPtr last = RemoveLocked(info, key);
    reply.body = Serve(info, *last);
    return reply;
  }
  ObjectPtr stored = store_.Write(name, key, std::move(object));
  if (IsCrds(info)) ApplyCrdLocked(*stored);
  reply.body = Serve(info, *stored);
  return reply;
}

Result<Reply> FakeApiServer::Impl::Patch(const Route& route, Call& call) {
  const ResourceInfo& info = *route.info;
  std::string_view type = call.http->Header("Content-Type");
  type = type.substr(0, type.find(';'));
  const bool apply = type == "application/apply-patch+yaml";
  Result<Json> patch = Json();
  if (apply) {
    patch = YamlToJson(call.http->body);
  } else {
    patch = ParseJson(call.http->body);
  }
  if (!patch.ok()) return BadRequestError(patch.status().message());
  if (type != "application/json-patch+json" && type != "application/merge-patch+json" &&
      type != "application/strategic-merge-patch+json" && !apply) {
    return Status(Code::kNotSupported,
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml" +
                      std::string(info.custom ? "" : ", application/strategic-merge-patch+json"))
        .set_reason("UnsupportedMediaType")
        .set_http_code(415);
  }
  if (type == "application/strategic-merge-patch+json" && info.custom) {
    return Status(Code::kNotSupported,
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml")
        .set_reason("UnsupportedMediaType")
        .set_http_code(415);
  }
  if (apply && call.field_manager.empty()) {
    return InvalidError(
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
        "is required for apply patch");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const auto& objects = store_.Get(StoreName(info)).objects;
  auto found = objects.find(KeyOf(info, route.namespace_, route.name));
  if (found == objects.end()) {
    if (apply && route.subresource.empty()) {
      Json object = *patch;
      if (object.is_object() && MetaString(object, "name").empty()) {
        Metadata(object)["name"] = route.name;
      }
      call.applied = &*patch;
      auto created = CreateLocked(route, call, std::move(object));
      call.applied = nullptr;
      return created;
    }
    return NotFound(info, route.name);
  }
  Json current = Serve(info, *found->second);
  if (apply) {
    if (!patch->is_object()) return BadRequestError("the apply body must be an object");
    const bool force = ParseBool(call.http->Query("force")).value_or(false);
    KUBE_RETURN_IF_ERROR(CheckApplyConflicts(info, call.field_manager, *patch, force, &current));
    call.applied = &*patch;
  } else if (call.http->HasQuery("force")) {
    return InvalidError(
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified "
        "for non-apply patch");
  }
  Result<Json> patched = Json();
  if (type == "application/json-patch+json") {
    patched = internal::ApplyJsonPatch(current, *patch);
  } else if (type == "application/merge-patch+json") {
    patched = internal::ApplyMergePatch(current, *patch);
  } else {
    const internal::PatchSchema* schema = internal::BuiltinPatchSchema(info.group, info.kind);
    if (apply && info.custom) {
      patched = internal::ApplyMergePatch(current, *patch);
    } else {
      patched = internal::ApplyStrategicMergePatch(
          current, *patch, schema != nullptr ? *schema : internal::PatchSchema());
    }
  }
  if (!patched.ok()) return patched.status();
  if (!patched->is_object()) return BadRequestError("the patch produced a non-object");
  return UpdateLocked(route, call, std::move(*patched), /*is_patch=*/true);
}

Result<Reply> FakeApiServer::Impl::Scale(const Route& route, Call& call) {
  const ResourceInfo& info = *route.info;
  auto to_scale = [&](const Json& parent) {
    std::string selector;
    if (info.custom) {
      if (!info.scale_label_selector_path.empty()) {
        const Json* node = &parent;
        std::string path = info.scale_label_selector_path.substr(1);
        size_t start = 0;
        while (node != nullptr && start <= path.size()) {
          size_t dot = path.find('.', start);
          node = Find(*node, path.substr(start, dot - start));
          if (dot == std::string::npos) break;
          start = dot + 1;
        }
        selector = ScalarText(node);
      }
    } else if (const Json* sel = FindPath(parent, {"spec", "selector"}); sel != nullptr) {
      LabelSelector ls;
      if (FromJsonAt(*sel, "spec.selector", &ls).ok()) selector = FormatLabelSelector(&ls);
    }
    Json metadata = {{"name", MetaString(parent, "name")},
                     {"uid", MetaString(parent, "uid")},
                     {"resourceVersion", MetaString(parent, "resourceVersion")},
                     {"creationTimestamp", MetaString(parent, "creationTimestamp")}};
    if (info.namespaced) metadata["namespace"] = MetaString(parent, "namespace");
    Json status = {{"replicas", IntAt(parent, {"status", "replicas"})}};
    if (!selector.empty()) status["selector"] = selector;
    return Json{{"kind", "Scale"},
                {"apiVersion", "autoscaling/v1"},
                {"metadata", std::move(metadata)},
                {"spec", {{"replicas", IntAt(parent, {"spec", "replicas"})}}},
                {"status", std::move(status)}};
  };
  std::lock_guard<std::mutex> lock(mu_);
  const auto& objects = store_.Get(StoreName(info)).objects;
  auto found = objects.find(KeyOf(info, route.namespace_, route.name));
  if (found == objects.end()) return NotFound(info, route.name);
  Json scale = to_scale(*found->second);
  if (call.verb == "get") return Reply{200, scale, {}};
  Result<Json> desired = Json();
  if (call.verb == "update") {
    desired = DecodeBody(*call.http);
  } else {
    std::string_view type = call.http->Header("Content-Type");
    type = type.substr(0, type.find(';'));
    auto patch = ParseJson(call.http->body);
    if (!patch.ok()) return BadRequestError(patch.status().message());
    if (type == "application/json-patch+json") {
      desired = internal::ApplyJsonPatch(scale, *patch);
    } else {
      desired = internal::ApplyMergePatch(scale, *patch);
    }
  }
  if (!desired.ok()) return desired.status();
  const Json* replicas = FindPath(*desired, {"spec", "replicas"});
  if (replicas == nullptr || !replicas->is_number_integer() || replicas->get<int64_t>() < 0) {
    StatusDetails details;
    details.name = route.name;
    details.group = "autoscaling";
    details.kind = "Scale";
    details.causes.push_back(
        {"FieldValueInvalid", "must be greater than or equal to 0", "spec.replicas"});
    return InvalidError("Scale.autoscaling " + Q(route.name) +
                        " is invalid: spec.replicas: Invalid value: " +
                        (replicas != nullptr ? replicas->dump() : std::string("null")) +
                        ": must be greater than or equal to 0")
        .set_details(std::move(details));
  }
  Json parent = Serve(info, *found->second);
  std::string rv = MetaString(*desired, "resourceVersion");
  if (!rv.empty()) Metadata(parent)["resourceVersion"] = rv;
  parent["spec"]["replicas"] = *replicas;
  Route main = route;
  main.subresource.clear();
  auto updated = UpdateLocked(main, call, std::move(parent), /*is_patch=*/true);
  if (!updated.ok()) return updated.status();
  return Reply{200, to_scale(updated->body), {}};
}

Result<Reply> FakeApiServer::Impl::Bind(const Route& route, Call& call) {
  auto body = DecodeBody(*call.http);
  if (!body.ok()) return body.status();
  std::string node = StringAt(*body, {"target", "name"});
  std::lock_guard<std::mutex> lock(mu_);
  const ResourceInfo& info = *route.info;
  const auto& objects = store_.Get(StoreName(info)).objects;
  auto found = objects.find(KeyOf(info, route.namespace_, route.name));
  if (found == objects.end()) return NotFound(info, route.name);
  std::string current = StringAt(*found->second, {"spec", "nodeName"});
  if (!current.empty()) {
    return WithDetails(
        ConflictError("Operation cannot be fulfilled on pods/binding " + Q(route.name) + ": pod " +
                      route.name + " is already assigned to node " + Q(current)),
        info, route.name);
  }
  Json pod = *found->second;
  pod["spec"]["nodeName"] = node;
  if (!call.dry_run) store_.Write(StoreName(info), found->first, std::move(pod));
  Reply reply;
  reply.code = 201;
  reply.body = {{"kind", "Status"},
                {"apiVersion", "v1"},
                {"metadata", Json::object()},
                {"status", "Success"},
                {"code", 201}};
  return reply;
}

Result<Reply> FakeApiServer::Impl::DeleteOne(const Route& route, Call& call) {
  auto options = ParseDeleteOptions(*call.http);
  if (!options.ok()) return options.status();
  options->dry_run = options->dry_run || call.dry_run;
  std::lock_guard<std::mutex> lock(mu_);
  return DeleteLocked(*route.info, KeyOf(*route.info, route.namespace_, route.name), *options);
}

Result<Reply> FakeApiServer::Impl::DeleteCollection(const Route& route, Call& call) {
  auto options = ParseDeleteOptions(*call.http);
  if (!options.ok()) return options.status();
  options->dry_run = options->dry_run || call.dry_run;
  auto listed = List(route, call);
  if (!listed.ok()) return listed.status();
  const ResourceInfo& info = *route.info;
  Json items = Json::array();
  std::lock_guard<std::mutex> lock(mu_);
  if (const Json* list = Find(listed->body, "items"); list != nullptr) {
    for (const Json& item : *list) {
      auto deleted = DeleteLocked(
          info, KeyOf(info, MetaString(item, "namespace"), MetaString(item, "name")), *options);
      if (!deleted.ok()) {
        if (IsNotFound(deleted.status())) continue;
        return deleted.status();
      }
      items.push_back(item);
    }
  }
  Reply reply;
  reply.body = {{"kind", info.list_kind()},
                {"apiVersion", info.api_version()},
                {"metadata", {{"resourceVersion", std::to_string(store_.rv())}}},
                {"items", std::move(items)}};
  return reply;
}

Result<Reply> FakeApiServer::Impl::DeleteLocked(const ResourceInfo& info, const StorageKey& key,
                                                const DeleteOptions& options) {
  const std::string name = StoreName(info);
  auto& objects = store_.Get(name).objects;
  auto found = objects.find(key);
  if (found == objects.end()) return NotFound(info, key.second);
  const ObjectPtr old = found->second;
  if (!options.precondition_uid.empty() && options.precondition_uid != MetaString(*old, "uid")) {
    return WithDetails(
        ConflictError("Operation cannot be fulfilled on " + info.qualified_resource() + " " +
                      Q(key.second) +
                      ": Precondition failed: UID in precondition: " + options.precondition_uid +
                      ", UID in object meta: " + MetaString(*old, "uid")),
        info, key.second);
  }
  if (!options.precondition_rv.empty() &&
      options.precondition_rv != MetaString(*old, "resourceVersion")) {
    return WithDetails(
        ConflictError(
            "Operation cannot be fulfilled on " + info.qualified_resource() + " " + Q(key.second) +
            ": Precondition failed: ResourceVersion in precondition: " + options.precondition_rv +
            ", ResourceVersion in object meta: " + MetaString(*old, "resourceVersion")),
        info, key.second);
  }
  Json object = *old;
  const bool already_deleting = !MetaString(object, "deletionTimestamp").empty();
  // Grace period (pods only, A13 step 2).
  int64_t grace = 0;
  if (IsPods(info)) {
    grace = options.grace_period_seconds.value_or(
        IntAt(object, {"spec", "terminationGracePeriodSeconds"}, 30));
    std::string phase = StringAt(object, {"status", "phase"});
    if (StringAt(object, {"spec", "nodeName"}).empty() || phase == "Succeeded" ||
        phase == "Failed") {
      grace = 0;
    }
    if (grace < 0) grace = 1;
    if (already_deleting) {
      int64_t current = IntAt(object, {"metadata", "deletionGracePeriodSeconds"});
      grace = std::min(grace, current);
    }
  }
  // GC finalizers from the propagation policy (A13 step 3).
  std::vector<std::string> finalizers = Finalizers(object);
  auto drop = [&](std::string_view f) { std::erase(finalizers, std::string(f)); };
  auto ensure = [&](std::string_view f) {
    if (std::find(finalizers.begin(), finalizers.end(), f) == finalizers.end()) {
      finalizers.emplace_back(f);
    }
  };
  const bool graceful_pending =
      already_deleting && IntAt(object, {"metadata", "deletionGracePeriodSeconds"}) > 0;
  if (!graceful_pending) {
    std::string policy = options.propagation_policy;
    if (options.orphan_dependents) policy = *options.orphan_dependents ? "Orphan" : "Background";
    if (policy == "Orphan") {
      ensure("orphan");
      drop("foregroundDeletion");
    } else if (policy == "Foreground") {
      ensure("foregroundDeletion");
      drop("orphan");
    } else if (policy == "Background") {
      drop("orphan");
      drop("foregroundDeletion");
    }
  }
  const bool namespace_delete = IsNamespaces(info);
  Reply reply;
  if (finalizers.empty() && grace == 0 && !namespace_delete) {
    if (options.dry_run) {
      reply.body = Serve(info, *old);
      return reply;
    }
    ObjectPtr last;
    if (IsPods(info) && !already_deleting) {
      // Pods are graceful: the deletion marks are written first (MODIFIED), then the
      // object goes (DELETED).
      Metadata(object)["deletionTimestamp"] = Now();
      Metadata(object)["deletionGracePeriodSeconds"] = 0;
      if (TracksGeneration(info)) {
        Metadata(object)["generation"] = IntAt(object, {"metadata", "generation"}) + 1;
      }
      store_.Write(name, key, object);
    }
    last = RemoveLocked(info, key);
    if (IsPods(info)) {
      reply.body = Serve(info, *last);
    } else {
      reply.body = {{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"metadata", Json::object()},
                    {"status", "Success"},
                    {"details",
                     {{"name", key.second},
                      {"group", info.group},
                      {"kind", info.plural},
                      {"uid", MetaString(*old, "uid")}}}};
    }
    return reply;
  }
  // Deletion pending: finalizers or a grace period (A13 step 4).
  Json& metadata = Metadata(object);
  SetFinalizers(object, finalizers);
  if (!already_deleting) {
    auto when = clock_.WallNow() + std::chrono::seconds(grace);
    metadata["deletionTimestamp"] = Time(when).ToString();
    metadata["deletionGracePeriodSeconds"] = grace;
    if (IntAt(object, {"metadata", "generation"}) > 0) {
      metadata["generation"] = IntAt(object, {"metadata", "generation"}) + 1;
    }
  } else if (IsPods(info) && grace < IntAt(object, {"metadata", "deletionGracePeriodSeconds"})) {
    metadata["deletionTimestamp"] = Time(clock_.WallNow() + std::chrono::seconds(grace)).ToString();
    metadata["deletionGracePeriodSeconds"] = grace;
  }
  if (namespace_delete) object["status"]["phase"] = "Terminating";
  if (options.dry_run) {
    reply.body = Serve(info, object);
    return reply;
  }
  if (IsPods(info) && grace == 0 && finalizers.empty()) {
    store_.Write(name, key, object);
    ObjectPtr last = RemoveLocked(info, key);
    reply.body = Serve(info, *last);
    return reply;
  }
  if (namespace_delete && !options_.builtin_namespace_deletion && finalizers.empty() &&
      !HasSpecFinalizers(object)) {
    // Nothing left to wait for (spec.finalizers already emptied): gone at once.
    store_.Write(name, key, object);
    ObjectPtr last = RemoveLocked(info, key);
    reply.body = Serve(info, *last);
    return reply;
  }
  ObjectPtr stored = object == *old ? old : store_.Write(name, key, std::move(object));
  reply.body = Serve(info, *stored);
  if (namespace_delete && options_.builtin_namespace_deletion) {
    FinishNamespaceLocked(key.second);
    const auto& namespaces = store_.Get(name).objects;
    if (auto still = namespaces.find(key); still != namespaces.end()) {
      reply.body = Serve(info, *still->second);
    }
  }
  return reply;
}

ObjectPtr FakeApiServer::Impl::RemoveLocked(const ResourceInfo& info, const StorageKey& key) {
  const std::string name = StoreName(info);
  ObjectPtr last = store_.Delete(name, key);
  if (last == nullptr) return last;
  if (info.group.empty() && info.kind == "Service") services_.Release(*last);
  if (IsCrds(info)) RemoveCrdLocked(*last);
  if (info.namespaced && options_.builtin_namespace_deletion) {
    const auto& namespaces = store_.Get("namespaces").objects;
    auto ns = namespaces.find({"", key.first});
    if (ns != namespaces.end() && !MetaString(*ns->second, "deletionTimestamp").empty()) {
      FinishNamespaceLocked(key.first);
    }
  }
  return last;
}

void FakeApiServer::Impl::FinishNamespaceLocked(const std::string& ns) {
  // Deletes everything in the namespace, then the namespace itself once it is empty
  // (A15; what the namespace controller does, done synchronously). Deleting the
  // contents comes back here through RemoveLocked: the outer call does the work.
  if (!finishing_namespaces_.insert(ns).second) return;
  struct Done {
    std::set<std::string>* set;
    std::string ns;
    ~Done() { set->erase(ns); }
  } done{&finishing_namespaces_, ns};
  bool empty = true;
  DeleteOptions background;
  background.propagation_policy = "Background";
  for (const ResourceInfo* info : registry_.All()) {
    if (!info->namespaced || !info->storage_version) continue;
    auto& objects = store_.Get(StoreName(*info)).objects;
    std::vector<StorageKey> keys;
    for (auto it = objects.lower_bound({ns, ""}); it != objects.end() && it->first.first == ns;
         ++it) {
      keys.push_back(it->first);
    }
    for (const auto& key : keys) {
      auto it = objects.find(key);
      if (it == objects.end()) continue;
      if (MetaString(*it->second, "deletionTimestamp").empty()) {
        DeleteOptions options = background;
        if (IsPods(*info)) options.grace_period_seconds = 0;
        auto deleted = DeleteLocked(*info, key, options);
        (void)deleted;
      }
      if (objects.contains(key)) empty = false;
    }
  }
  if (!empty) return;
  const ResourceInfo* ns_info = registry_.Find("", "v1", "namespaces");
  auto& namespaces = store_.Get("namespaces").objects;
  auto found = namespaces.find({"", ns});
  if (found == namespaces.end() || MetaString(*found->second, "deletionTimestamp").empty()) return;
  if (!Finalizers(*found->second).empty()) return;
  store_.Delete(StoreName(*ns_info), {"", ns});
}

void FakeApiServer::Impl::ApplyCrdLocked(const Json& crd) {
  std::string group = StringAt(crd, {"spec", "group"});
  const Json* names = FindPath(crd, {"spec", "names"});
  const Json* versions = FindPath(crd, {"spec", "versions"});
  if (names == nullptr || versions == nullptr || !versions->is_array()) return;
  std::string plural = StringAt(*names, {"plural"});
  // Versions no longer served disappear from discovery.
  for (const std::string& v : registry_.Versions(group)) {
    const ResourceInfo* existing = registry_.Find(group, v, plural);
    if (existing != nullptr && existing->custom) registry_.Remove(group, v, plural);
  }
  for (const Json& version : *versions) {
    if (!version.value("served", false)) continue;
    ResourceInfo info;
    info.group = group;
    info.version = version.value("name", "");
    info.kind = StringAt(*names, {"kind"});
    info.plural = plural;
    info.singular = StringAt(*names, {"singular"});
    if (info.singular.empty()) info.singular = kube::internal::AsciiLower(info.kind);
    if (const Json* s = Find(*names, "shortNames"); s != nullptr && s->is_array()) {
      for (const Json& n : *s) info.short_names.push_back(n.get<std::string>());
    }
    if (const Json* c = Find(*names, "categories"); c != nullptr && c->is_array()) {
      for (const Json& n : *c) info.categories.push_back(n.get<std::string>());
    }
    info.namespaced = StringAt(crd, {"spec", "scope"}) != "Cluster";
    info.verbs = {"delete", "deletecollection", "get",    "list",
                  "patch",  "create",           "update", "watch"};
    info.has_status = FindPath(version, {"subresources", "status"}) != nullptr;
    if (const Json* scale = FindPath(version, {"subresources", "scale"}); scale != nullptr) {
      info.has_scale = true;
      info.scale_spec_replicas_path = StringAt(*scale, {"specReplicasPath"});
      info.scale_status_replicas_path = StringAt(*scale, {"statusReplicasPath"});
      info.scale_label_selector_path = StringAt(*scale, {"labelSelectorPath"});
    }
    info.custom = true;
    info.storage_version = version.value("storage", false);
    if (const Json* schema = FindPath(version, {"schema", "openAPIV3Schema"}); schema != nullptr) {
      info.schema = *schema;
    }
    if (const Json* columns = Find(version, "additionalPrinterColumns"); columns != nullptr) {
      info.printer_columns = *columns;
    }
    registry_.Add(std::move(info));
  }
}

void FakeApiServer::Impl::RemoveCrdLocked(const Json& crd) {
  std::string group = StringAt(crd, {"spec", "group"});
  std::string plural = StringAt(crd, {"spec", "names", "plural"});
  const ResourceInfo* info = registry_.FindByGroupResource(group, plural);
  if (info != nullptr) {
    const std::string name = StoreName(*info);
    std::vector<StorageKey> keys;
    for (const auto& [key, object] : store_.Get(name).objects) keys.push_back(key);
    for (const auto& key : keys) store_.Delete(name, key);
    store_.CloseWatchers(name);
  }
  for (const std::string& v : registry_.Versions(group)) {
    const ResourceInfo* existing = registry_.Find(group, v, plural);
    if (existing != nullptr && existing->custom) registry_.Remove(group, v, plural);
  }
}

// ---------------------------------------------------------------------------------
// The in-process door.

namespace {

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

http::Request ToHttpRequest(const transport::Request& request) {
  http::Request out;
  out.method = request.method;
  out.target = request.target;
  size_t q = request.target.find('?');
  out.path = PercentDecode(std::string_view(request.target).substr(0, q));
  if (q != std::string::npos) out.query = request.target.substr(q + 1);
  out.headers = request.headers;
  out.body = request.body;
  out.client_common_name = "admin";
  out.client_organizations = {"system:masters"};
  return out;
}

// Collects a whole response (Send), or hands a 2xx body to a chunk handler (Stream).
class InProcessWriter final : public http::ResponseWriter {
 public:
  InProcessWriter(transport::Response* response, const transport::ChunkHandler* on_chunk,
                  std::stop_token stop)
      : response_(response), on_chunk_(on_chunk), stop_(std::move(stop)) {}

  bool Reply(int status, std::string_view content_type, std::string_view body,
             const http::Headers& extra_headers) override {
    response_->status_code = status;
    response_->headers = extra_headers;
    response_->headers.emplace_back("Content-Type", std::string(content_type));
    response_->body.assign(body);
    return true;
  }
  bool WriteHead(int status, const http::Headers& headers) override {
    response_->status_code = status;
    response_->headers = headers;
    return true;
  }
  bool Write(std::string_view chunk) override {
    if (chunk.empty()) return !closed();
    if (on_chunk_ == nullptr || response_->status_code < 200 || response_->status_code >= 300) {
      response_->body.append(chunk);
      return true;
    }
    if (closed()) return false;
    if (!(*on_chunk_)(chunk)) consumer_done_ = true;
    return !consumer_done_;
  }
  bool closed() const override { return consumer_done_ || stop_.stop_requested(); }

 private:
  transport::Response* response_;
  const transport::ChunkHandler* on_chunk_;
  std::stop_token stop_;
  bool consumer_done_ = false;
};

class InProcessTransport final : public transport::Transport {
 public:
  explicit InProcessTransport(http::Handler handler) : handler_(std::move(handler)) {}

  Result<transport::Response> Send(const transport::Request& request,
                                   std::stop_token stop) override {
    if (stop.stop_requested()) return CancelledError("request cancelled");
    transport::Response response;
    InProcessWriter writer(&response, nullptr, stop);
    handler_(ToHttpRequest(request), writer);
    return response;
  }

  Result<transport::Response> Stream(const transport::Request& request,
                                     const transport::ChunkHandler& on_chunk,
                                     std::stop_token stop) override {
    if (stop.stop_requested()) return CancelledError("request cancelled");
    transport::Response response;
    InProcessWriter writer(&response, &on_chunk, stop);
    handler_(ToHttpRequest(request), writer);
    return response;
  }

 private:
  http::Handler handler_;  // shares the engine
};

}  // namespace

// ---------------------------------------------------------------------------------
// FakeApiServer.

FakeApiServer::FakeApiServer(FakeApiServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

FakeApiServer::~FakeApiServer() { impl_->Shutdown(); }

void FakeApiServer::Handle(const http::Request& request, http::ResponseWriter& writer) {
  impl_->Handle(request, writer);
}

http::Handler FakeApiServer::handler() {
  std::shared_ptr<Impl> impl = impl_;
  return [impl](const http::Request& request, http::ResponseWriter& writer) {
    impl->Handle(request, writer);
  };
}

std::unique_ptr<transport::Transport> FakeApiServer::NewTransport() {
  return std::make_unique<InProcessTransport>(handler());
}

std::unique_ptr<client::Client> FakeApiServer::NewClient() {
  client::Config config;
  config.server = "http://in-process.fake-apiserver";
  config.qps = 0;
  config.source = "in-process fake apiserver";
  return std::make_unique<client::Client>(std::move(config), NewTransport(), nullptr);
}

int64_t FakeApiServer::resource_version() const { return impl_->resource_version(); }
void FakeApiServer::InjectFault(FaultSpec fault) { impl_->InjectFault(std::move(fault)); }
void FakeApiServer::ClearFaults() { impl_->ClearFaults(); }
size_t FakeApiServer::OpenWatches(std::string_view resource) const {
  return impl_->OpenWatches(resource);
}
void FakeApiServer::CloseWatches(std::string_view resource) { impl_->CloseWatches(resource); }
void FakeApiServer::CompactHistory() { impl_->CompactHistory(); }
void FakeApiServer::ConflictOnNextUpdate(std::string_view resource, std::string_view namespace_,
                                         std::string_view name) {
  impl_->ConflictOnNextUpdate(resource, namespace_, name);
}
void FakeApiServer::SetLatency(std::chrono::milliseconds latency) { impl_->SetLatency(latency); }
int64_t FakeApiServer::RequestCount(std::string_view verb, std::string_view resource) const {
  return impl_->RequestCount(verb, resource);
}
void FakeApiServer::Shutdown() { impl_->Shutdown(); }

}  // namespace kube::testing
