// Discovery and OpenAPI documents generated from the Registry. The OpenAPI schemas of
// built-in kinds are our own small models (see the header); custom resources publish
// their CRD version's structural schema.
#include "kubecpp/testing/internal/discovery.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "kubecpp/core/internal/strings.h"

namespace kube::testing::internal {
namespace {

constexpr std::string_view kMetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";

// --- shared helpers --------------------------------------------------------------

std::string GroupVersionString(std::string_view group, std::string_view version) {
  if (group.empty()) return std::string(version);
  return std::string(group) + "/" + std::string(version);
}

std::vector<const ResourceInfo*> ResourcesIn(const Registry& registry, std::string_view group,
                                             std::string_view version) {
  std::vector<const ResourceInfo*> out;
  for (const ResourceInfo* r : registry.All()) {
    if (r->group == group && r->version == version) out.push_back(r);
  }
  return out;
}

Json GroupVersionForDiscovery(std::string_view group, std::string_view version) {
  return Json{{"groupVersion", GroupVersionString(group, version)},
              {"version", std::string(version)}};
}

Json StringArray(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const std::string& v : values) out.push_back(v);
  return out;
}

// A subresource as discovery describes it.
struct Subresource {
  std::string name;  // "status"
  std::string group;
  std::string version;
  std::string kind;
  std::vector<std::string> verbs;
  bool other_group_version = false;  // group/version differ from the parent's
};

std::vector<Subresource> SubresourcesOf(const ResourceInfo& r) {
  std::vector<Subresource> out;
  auto same = [&r](std::string name, std::string kind, std::vector<std::string> verbs) {
    return Subresource{std::move(name), r.group,          r.version,
                       std::move(kind), std::move(verbs), false};
  };
  if (r.has_status) out.push_back(same("status", r.kind, {"get", "patch", "update"}));
  if (r.has_scale) {
    out.push_back({"scale", "autoscaling", "v1", "Scale", {"get", "patch", "update"}, true});
  }
  for (const std::string& extra : r.extra_subresources) {
    if (extra == "binding") {
      out.push_back(same(extra, "Binding", {"create"}));
    } else if (extra == "eviction") {
      out.push_back({extra, "policy", "v1", "Eviction", {"create"}, true});
    } else if (extra == "finalize") {
      out.push_back(same(extra, r.kind, {"update"}));
    } else {
      out.push_back(same(extra, r.kind, {"get"}));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Subresource& a, const Subresource& b) { return a.name < b.name; });
  return out;
}

// "Apps", "Core", "Events" (events.k8s.io), "ExampleCom" (example.com).
std::string CamelGroup(std::string_view group) {
  if (group.empty()) return "Core";
  std::string g(group);
  constexpr std::string_view kK8sSuffix = ".k8s.io";
  if (g.size() > kK8sSuffix.size() && g.ends_with(kK8sSuffix)) {
    g.resize(g.size() - kK8sSuffix.size());
  }
  std::string out;
  bool upper = true;
  for (char c : g) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper = false;
    out.push_back(c);
  }
  return out;
}

std::string Capitalize(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

// --- Media ranges ----------------------------------------------------------------

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// --- OpenAPI schema building -----------------------------------------------------

// Where references point: "#/definitions/" (v2) or "#/components/schemas/" (v3).
struct SchemaStyle {
  std::string ref_prefix;
  bool v3 = false;
};

Json Ref(const SchemaStyle& style, std::string_view name) {
  return Json{{"$ref", style.ref_prefix + std::string(name)}};
}

Json GvkExtension(std::string_view group, std::string_view version, std::string_view kind) {
  return Json{{"group", std::string(group)},
              {"kind", std::string(kind)},
              {"version", std::string(version)}};
}

// The package part of a definition name: "core", "apps", "events" (events.k8s.io).
std::string DefinitionName(const ResourceInfo& r, std::string_view kind) {
  if (r.custom) {
    // Reverse-domain form: example.com -> com.example.
    std::vector<std::string_view> labels = Split(r.group, '.');
    std::string out;
    for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
      if (!out.empty()) out += ".";
      out += std::string(*it);
    }
    return out + "." + r.version + "." + std::string(kind);
  }
  if (r.group == "apiextensions.k8s.io") {
    return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + r.version + "." +
           std::string(kind);
  }
  std::string pkg = r.group.empty() ? "core" : r.group.substr(0, r.group.find('.'));
  return "io.k8s.api." + pkg + "." + r.version + "." + std::string(kind);
}

constexpr std::string_view kScaleDefinition = "io.k8s.api.autoscaling.v1.Scale";

enum class Shape {
  kString,
  kInteger,
  kBoolean,
  kDateTime,
  kOpenObject,  // fields not modelled: any object
  kStringMap,
  kByteMap,
  kObjectArray,
  kArbitrary,  // any JSON value
};

struct Field {
  std::string_view name;
  Shape shape;
  std::string_view description;
};

Json ShapeSchema(Shape shape, std::string_view description) {
  Json s = Json::object();
  switch (shape) {
    case Shape::kString:
      s["type"] = "string";
      break;
    case Shape::kInteger:
      s["type"] = "integer";
      s["format"] = "int32";
      break;
    case Shape::kBoolean:
      s["type"] = "boolean";
      break;
    case Shape::kDateTime:
      s["type"] = "string";
      s["format"] = "date-time";
      break;
    case Shape::kOpenObject:
      s["type"] = "object";
      s["x-kubernetes-preserve-unknown-fields"] = true;
      break;
    case Shape::kStringMap:
      s["type"] = "object";
      s["additionalProperties"] = Json{{"type", "string"}};
      break;
    case Shape::kByteMap:
      s["type"] = "object";
      s["additionalProperties"] = Json{{"type", "string"}, {"format", "byte"}};
      break;
    case Shape::kObjectArray:
      s["type"] = "array";
      s["items"] = Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
      break;
    case Shape::kArbitrary:
      s["x-kubernetes-preserve-unknown-fields"] = true;
      break;
  }
  s["description"] = std::string(description);
  return s;
}

constexpr std::string_view kSpecDescription =
    "The desired state of the object. Its fields are not modelled in this document; the "
    "server validates them.";
constexpr std::string_view kStatusDescription =
    "The observed state of the object, written by controllers through the status "
    "subresource. Its fields are not modelled in this document.";

// Top-level fields besides apiVersion, kind and metadata, per built-in kind.
std::vector<Field> TopLevelFields(const ResourceInfo& r) {
  const std::string& k = r.kind;
  if (k == "ConfigMap") {
    return {{"binaryData", Shape::kByteMap, "Binary values (base64 in JSON), by key."},
            {"data", Shape::kStringMap, "UTF-8 values, by key."},
            {"immutable", Shape::kBoolean, "When true, data and binaryData cannot change."}};
  }
  if (k == "Secret") {
    return {{"data", Shape::kByteMap, "Secret values (base64 in JSON), by key."},
            {"immutable", Shape::kBoolean, "When true, data cannot change."},
            {"stringData", Shape::kStringMap,
             "Write-only plain-text values merged into data on write."},
            {"type", Shape::kString, "How the data is meant to be used (default Opaque)."}};
  }
  if (k == "ServiceAccount") {
    return {{"automountServiceAccountToken", Shape::kBoolean,
             "Whether pods using this account get an API token mounted."},
            {"imagePullSecrets", Shape::kObjectArray,
             "Secrets used to pull images for pods using this account."},
            {"secrets", Shape::kObjectArray, "Secrets this account may use."}};
  }
  if (k == "Endpoints") {
    return {{"subsets", Shape::kObjectArray, "Groups of addresses sharing a set of ports."}};
  }
  if (k == "EndpointSlice") {
    return {{"addressType", Shape::kString, "IPv4, IPv6 or FQDN."},
            {"endpoints", Shape::kObjectArray, "The endpoints of this slice."},
            {"ports", Shape::kObjectArray, "The ports every endpoint exposes."}};
  }
  if (k == "PodTemplate") {
    return {{"template", Shape::kOpenObject, "The pod template."}};
  }
  if (k == "ControllerRevision") {
    return {{"data", Shape::kArbitrary, "The serialized state of this revision."},
            {"revision", Shape::kInteger, "The revision number."}};
  }
  if (k == "Lease" || k == "LimitRange") {
    return {{"spec", Shape::kOpenObject, kSpecDescription}};
  }
  if (k == "Event" && r.group.empty()) {
    return {{"action", Shape::kString, "What was done, or failed."},
            {"count", Shape::kInteger, "How many times this event occurred."},
            {"eventTime", Shape::kString, "When the event first occurred (MicroTime)."},
            {"firstTimestamp", Shape::kDateTime, "When the event was first recorded."},
            {"involvedObject", Shape::kOpenObject, "The object this event is about."},
            {"lastTimestamp", Shape::kDateTime, "When the event was last recorded."},
            {"message", Shape::kString, "Human-readable description."},
            {"reason", Shape::kString, "Short machine-readable reason."},
            {"related", Shape::kOpenObject, "A second object involved."},
            {"reportingComponent", Shape::kString, "The controller that emitted it."},
            {"reportingInstance", Shape::kString, "The controller instance."},
            {"series", Shape::kOpenObject, "Data about a series of events."},
            {"source", Shape::kOpenObject, "The component reporting the event."},
            {"type", Shape::kString, "Normal or Warning."}};
  }
  if (k == "Event") {  // events.k8s.io
    return {{"action", Shape::kString, "What was done, or failed."},
            {"deprecatedCount", Shape::kInteger, "core/v1 Event count."},
            {"deprecatedFirstTimestamp", Shape::kDateTime, "core/v1 Event firstTimestamp."},
            {"deprecatedLastTimestamp", Shape::kDateTime, "core/v1 Event lastTimestamp."},
            {"deprecatedSource", Shape::kOpenObject, "core/v1 Event source."},
            {"eventTime", Shape::kString, "When the event first occurred (MicroTime)."},
            {"note", Shape::kString, "Human-readable description."},
            {"reason", Shape::kString, "Short machine-readable reason."},
            {"regarding", Shape::kOpenObject, "The object this event is about."},
            {"related", Shape::kOpenObject, "A second object involved."},
            {"reportingController", Shape::kString, "The controller that emitted it."},
            {"reportingInstance", Shape::kString, "The controller instance."},
            {"series", Shape::kOpenObject, "Data about a series of events."},
            {"type", Shape::kString, "Normal or Warning."}};
  }
  return {{"spec", Shape::kOpenObject, kSpecDescription},
          {"status", Shape::kOpenObject, kStatusDescription}};
}

void AddTypeMeta(Json& properties) {
  properties["apiVersion"] =
      Json{{"type", "string"},
           {"description", "The versioned schema of this representation (group/version)."}};
  properties["kind"] =
      Json{{"type", "string"}, {"description", "The REST type of this object, in CamelCase."}};
}

Json ObjectMetaSchema(const SchemaStyle& style) {
  Json p = Json::object();
  p["annotations"] = ShapeSchema(Shape::kStringMap, "Unstructured key/value metadata.");
  p["creationTimestamp"] = Ref(style, std::string(kMetaPrefix) + "Time");
  p["deletionGracePeriodSeconds"] = Json{
      {"type", "integer"}, {"format", "int64"}, {"description", "Seconds allowed to terminate."}};
  p["deletionTimestamp"] = Ref(style, std::string(kMetaPrefix) + "Time");
  p["finalizers"] = Json{{"type", "array"},
                         {"items", Json{{"type", "string"}}},
                         {"description", "Keys that must be removed before deletion completes."}};
  p["generateName"] =
      Json{{"type", "string"}, {"description", "Prefix for a server-generated name."}};
  p["generation"] = Json{{"type", "integer"},
                         {"format", "int64"},
                         {"description", "Sequence number of the desired state."}};
  p["labels"] = ShapeSchema(Shape::kStringMap, "Key/value pairs used by selectors.");
  p["managedFields"] = Json{{"type", "array"},
                            {"items", Ref(style, std::string(kMetaPrefix) + "ManagedFieldsEntry")},
                            {"description", "Which field manager owns which fields."}};
  p["name"] = Json{{"type", "string"}, {"description", "Unique name within the namespace."}};
  p["namespace"] = Json{{"type", "string"}, {"description", "The namespace of the object."}};
  p["ownerReferences"] = Json{{"type", "array"},
                              {"items", Ref(style, std::string(kMetaPrefix) + "OwnerReference")},
                              {"description", "Objects this object depends on."},
                              {"x-kubernetes-patch-merge-key", "uid"},
                              {"x-kubernetes-patch-strategy", "merge"}};
  p["resourceVersion"] =
      Json{{"type", "string"}, {"description", "Opaque version for optimistic concurrency."}};
  p["selfLink"] = Json{{"type", "string"}, {"description", "Deprecated; not set."}};
  p["uid"] = Json{{"type", "string"}, {"description", "Unique identifier in time and space."}};
  return Json{{"type", "object"},
              {"description", "Metadata every persisted resource has."},
              {"properties", std::move(p)}};
}

// Definitions from meta/v1 and autoscaling/v1 Scale, shared by every document.
void AddCommonDefinitions(const SchemaStyle& style, bool with_scale, Json& defs) {
  const std::string meta(kMetaPrefix);
  defs[meta + "Time"] = Json{{"type", "string"},
                             {"format", "date-time"},
                             {"description", "RFC 3339 time in UTC with second precision."}};
  defs[meta + "ObjectMeta"] = ObjectMetaSchema(style);
  {
    Json p = Json::object();
    p["continue"] = Json{{"type", "string"}, {"description", "Token for the next page."}};
    p["remainingItemCount"] = Json{{"type", "integer"},
                                   {"format", "int64"},
                                   {"description", "Items left after this page (estimate)."}};
    p["resourceVersion"] = Json{{"type", "string"}, {"description", "Version of the list."}};
    p["selfLink"] = Json{{"type", "string"}, {"description", "Deprecated; not set."}};
    defs[meta + "ListMeta"] = Json{
        {"type", "object"}, {"description", "Metadata of a list."}, {"properties", std::move(p)}};
  }
  {
    Json p = Json::object();
    p["apiVersion"] = Json{{"type", "string"}, {"description", "API version of the manager."}};
    p["fieldsType"] = Json{{"type", "string"}, {"description", "Always FieldsV1."}};
    p["fieldsV1"] = ShapeSchema(Shape::kOpenObject, "The set of owned fields.");
    p["manager"] = Json{{"type", "string"}, {"description", "The field manager's name."}};
    p["operation"] = Json{{"type", "string"}, {"description", "Apply or Update."}};
    p["subresource"] = Json{{"type", "string"}, {"description", "Subresource written."}};
    p["time"] = Ref(style, meta + "Time");
    defs[meta + "ManagedFieldsEntry"] = Json{{"type", "object"},
                                             {"description", "Fields owned by one manager."},
                                             {"properties", std::move(p)}};
  }
  {
    Json p = Json::object();
    p["apiVersion"] = Json{{"type", "string"}, {"description", "API version of the owner."}};
    p["blockOwnerDeletion"] =
        Json{{"type", "boolean"}, {"description", "Foreground deletion waits for this object."}};
    p["controller"] = Json{{"type", "boolean"}, {"description", "True for the managing owner."}};
    p["kind"] = Json{{"type", "string"}, {"description", "Kind of the owner."}};
    p["name"] = Json{{"type", "string"}, {"description", "Name of the owner."}};
    p["uid"] = Json{{"type", "string"}, {"description", "UID of the owner."}};
    defs[meta + "OwnerReference"] =
        Json{{"type", "object"},
             {"description", "Identifies an owning object in the same namespace."},
             {"properties", std::move(p)},
             {"required", Json::array({"apiVersion", "kind", "name", "uid"})},
             {"x-kubernetes-map-type", "atomic"}};
  }
  {
    Json p = Json::object();
    AddTypeMeta(p);
    p["code"] = Json{{"type", "integer"}, {"format", "int32"}, {"description", "HTTP code."}};
    p["details"] = ShapeSchema(Shape::kOpenObject, "Extended data about the failure.");
    p["message"] = Json{{"type", "string"}, {"description", "Human-readable description."}};
    p["metadata"] = Ref(style, meta + "ListMeta");
    p["reason"] = Json{{"type", "string"}, {"description", "Machine-readable reason."}};
    p["status"] = Json{{"type", "string"}, {"description", "Success or Failure."}};
    defs[meta + "Status"] =
        Json{{"type", "object"},
             {"description", "The result of an operation that returns no object."},
             {"properties", std::move(p)},
             {"x-kubernetes-group-version-kind", Json::array({GvkExtension("", "v1", "Status")})}};
  }
  {
    Json p = Json::object();
    AddTypeMeta(p);
    p["dryRun"] = Json{{"type", "array"},
                       {"items", Json{{"type", "string"}}},
                       {"description", "All: do not persist."}};
    p["gracePeriodSeconds"] =
        Json{{"type", "integer"}, {"format", "int64"}, {"description", "Seconds before deletion."}};
    p["ignoreStoreReadErrorWithClusterBreakingPotential"] =
        Json{{"type", "boolean"}, {"description", "Delete objects that cannot be decoded."}};
    p["orphanDependents"] = Json{{"type", "boolean"}, {"description", "Deprecated; see policy."}};
    p["preconditions"] = ShapeSchema(Shape::kOpenObject, "uid/resourceVersion to match.");
    p["propagationPolicy"] =
        Json{{"type", "string"}, {"description", "Orphan, Background or Foreground."}};
    defs[meta + "DeleteOptions"] = Json{{"type", "object"},
                                        {"description", "Options of a DELETE request."},
                                        {"properties", std::move(p)},
                                        {"x-kubernetes-group-version-kind",
                                         Json::array({GvkExtension("", "v1", "DeleteOptions")})}};
  }
  defs[meta + "Patch"] = Json{{"type", "object"}, {"description", "The body of a PATCH request."}};
  if (with_scale) {
    Json p = Json::object();
    AddTypeMeta(p);
    p["metadata"] = Ref(style, meta + "ObjectMeta");
    p["spec"] = Json{
        {"type", "object"},
        {"description", "Desired replicas."},
        {"properties", Json{{"replicas", Json{{"type", "integer"},
                                              {"format", "int32"},
                                              {"description", "Desired number of instances."}}}}}};
    p["status"] = Json{
        {"type", "object"},
        {"description", "Observed replicas."},
        {"properties", Json{{"replicas", Json{{"type", "integer"},
                                              {"format", "int32"},
                                              {"description", "Actual number of instances."}}},
                            {"selector", Json{{"type", "string"},
                                              {"description", "Label selector of the pods."}}}}},
        {"required", Json::array({"replicas"})}};
    defs[std::string(kScaleDefinition)] =
        Json{{"type", "object"},
             {"description", "The scale subresource of a scalable resource."},
             {"properties", std::move(p)},
             {"x-kubernetes-group-version-kind",
              Json::array({GvkExtension("autoscaling", "v1", "Scale")})}};
  }
}

// For v2, a CRD schema is published only as far as Swagger 2.0 can carry it: the
// top-level property names with their descriptions (values unchecked).
Json CustomSchemaV2(const ResourceInfo& r, const SchemaStyle& style) {
  Json out = Json{{"type", "object"}};
  const Json& schema = r.schema;
  if (schema.is_object()) {
    auto desc = schema.find("description");
    if (desc != schema.end() && desc->is_string()) out["description"] = *desc;
  }
  bool preserve = false;
  if (schema.is_object()) {
    auto it = schema.find("x-kubernetes-preserve-unknown-fields");
    preserve = it != schema.end() && it->is_boolean() && it->get<bool>();
  }
  auto props = schema.is_object() ? schema.find("properties") : schema.end();
  if (preserve || !schema.is_object() || props == schema.end() || !props->is_object()) {
    return out;  // an open object: anything goes
  }
  Json p = Json::object();
  for (auto it = props->begin(); it != props->end(); ++it) {
    Json field = Json::object();
    if (it.value().is_object()) {
      auto d = it.value().find("description");
      if (d != it.value().end() && d->is_string()) field["description"] = *d;
    }
    p[it.key()] = std::move(field);
  }
  AddTypeMeta(p);
  p["metadata"] = Ref(style, std::string(kMetaPrefix) + "ObjectMeta");
  out["properties"] = std::move(p);
  return out;
}

Json CustomSchemaV3(const ResourceInfo& r, const SchemaStyle& style) {
  Json out = r.schema.is_object()
                 ? r.schema
                 : Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  out["type"] = "object";
  if (!out.contains("properties") || !out["properties"].is_object()) {
    out["properties"] = Json::object();
  }
  AddTypeMeta(out["properties"]);
  out["properties"]["metadata"] = Ref(style, std::string(kMetaPrefix) + "ObjectMeta");
  return out;
}

Json KindSchema(const ResourceInfo& r, const SchemaStyle& style) {
  Json def;
  if (r.custom) {
    def = style.v3 ? CustomSchemaV3(r, style) : CustomSchemaV2(r, style);
  } else {
    Json p = Json::object();
    AddTypeMeta(p);
    p["metadata"] = Ref(style, std::string(kMetaPrefix) + "ObjectMeta");
    for (const Field& f : TopLevelFields(r))
      p[std::string(f.name)] = ShapeSchema(f.shape, f.description);
    def = Json{{"type", "object"},
               {"description",
                r.kind + " (" + r.api_version() + "), resource " + r.qualified_resource() + "."},
               {"properties", std::move(p)}};
  }
  def["x-kubernetes-group-version-kind"] = Json::array({GvkExtension(r.group, r.version, r.kind)});
  return def;
}

Json ListSchema(const ResourceInfo& r, const SchemaStyle& style) {
  Json p = Json::object();
  AddTypeMeta(p);
  p["items"] = Json{{"type", "array"},
                    {"items", Ref(style, DefinitionName(r, r.kind))},
                    {"description", "The objects in this list."}};
  p["metadata"] = Ref(style, std::string(kMetaPrefix) + "ListMeta");
  return Json{{"type", "object"},
              {"description", "A list of " + r.kind + " objects."},
              {"properties", std::move(p)},
              {"required", Json::array({"items"})},
              {"x-kubernetes-group-version-kind",
               Json::array({GvkExtension(r.group, r.version, r.list_kind())})}};
}

// --- OpenAPI operations ----------------------------------------------------------

struct Param {
  std::string_view name;
  std::string_view type;  // "string", "boolean", "integer"
  std::string_view description;
};

constexpr Param kDryRun{"dryRun", "string", "All: validate and admit, do not persist."};
constexpr Param kFieldManager{"fieldManager", "string", "Name of the actor making the change."};
constexpr Param kFieldValidation{"fieldValidation", "string",
                                 "Ignore, Warn or Strict: how unknown or duplicate fields in "
                                 "the body are treated."};
constexpr Param kForce{"force", "boolean", "Apply patches: take fields owned by others."};
constexpr Param kListParams[] = {
    {"allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events."},
    {"continue", "string", "Token from a previous page."},
    {"fieldSelector", "string", "Restrict the list by fields."},
    {"labelSelector", "string", "Restrict the list by labels."},
    {"limit", "integer", "Maximum number of items per page."},
    {"resourceVersion", "string", "Which version the list or watch starts from."},
    {"resourceVersionMatch", "string", "Exact or NotOlderThan."},
    {"sendInitialEvents", "boolean", "Start a watch with synthetic ADDED events."},
    {"timeoutSeconds", "integer", "Timeout of the list or watch call."},
    {"watch", "boolean", "Watch for changes instead of listing."},
};
constexpr Param kDeleteParams[] = {
    {"dryRun", "string", "All: validate and admit, do not persist."},
    {"gracePeriodSeconds", "integer", "Seconds before the object is deleted."},
    {"ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
     "Delete objects that cannot be decoded."},
    {"orphanDependents", "boolean", "Deprecated: use propagationPolicy."},
    {"propagationPolicy", "string", "Orphan, Background or Foreground."},
};

Json QueryParam(const Param& p, bool v3) {
  Json out{
      {"name", std::string(p.name)}, {"in", "query"}, {"description", std::string(p.description)}};
  Json type{{"type", std::string(p.type)}, {"uniqueItems", true}};
  if (v3) {
    out["schema"] = std::move(type);
  } else {
    out.update(type);
  }
  return out;
}

Json PathParam(std::string_view name, std::string_view description, bool v3) {
  Json out{{"name", std::string(name)},
           {"in", "path"},
           {"required", true},
           {"description", std::string(description)}};
  Json type{{"type", "string"}, {"uniqueItems", true}};
  if (v3) {
    out["schema"] = std::move(type);
  } else {
    out.update(type);
  }
  return out;
}

struct OpSpec {
  std::string method;     // "get"
  std::string action;     // x-kubernetes-action: get list post put patch delete ...
  std::string op_id;      // operationId
  std::string body_def;   // request body definition ("" = none)
  std::string reply_def;  // 200 response definition
  std::vector<Param> params;
  GroupVersionKind gvk;
  bool patch_body = false;
};

Json Operation(const OpSpec& op, const SchemaStyle& style, std::string_view tag) {
  const bool v3 = style.v3;
  Json o = Json::object();
  o["operationId"] = op.op_id;
  o["description"] = op.action + " " + op.gvk.kind;
  o["tags"] = Json::array({std::string(tag)});
  Json params = Json::array();
  for (const Param& p : op.params) params.push_back(QueryParam(p, v3));
  if (!op.body_def.empty() && !v3) {
    params.push_back(Json{
        {"name", "body"}, {"in", "body"}, {"required", true}, {"schema", Ref(style, op.body_def)}});
  }
  o["parameters"] = std::move(params);
  static const char* kPatchTypes[] = {"application/apply-patch+yaml", "application/json-patch+json",
                                      "application/merge-patch+json",
                                      "application/strategic-merge-patch+json"};
  if (!op.body_def.empty() && v3) {
    Json content = Json::object();
    if (op.patch_body) {
      for (const char* t : kPatchTypes) content[t] = Json{{"schema", Ref(style, op.body_def)}};
    } else {
      content["*/*"] = Json{{"schema", Ref(style, op.body_def)}};
    }
    o["requestBody"] = Json{{"content", std::move(content)}, {"required", true}};
  }
  if (!v3 && op.patch_body) {
    Json consumes = Json::array();
    for (const char* t : kPatchTypes) consumes.push_back(t);
    o["consumes"] = std::move(consumes);
  }
  Json ok{{"description", "OK"}};
  if (v3) {
    ok["content"] = Json{{"application/json", Json{{"schema", Ref(style, op.reply_def)}}}};
  } else {
    ok["schema"] = Ref(style, op.reply_def);
    o["produces"] = Json::array({"application/json", "application/yaml"});
    o["schemes"] = Json::array({"https"});
  }
  o["responses"] = Json{{"200", std::move(ok)}, {"401", Json{{"description", "Unauthorized"}}}};
  o["x-kubernetes-action"] = op.action;
  o["x-kubernetes-group-version-kind"] = GvkExtension(op.gvk.group, op.gvk.version, op.gvk.kind);
  return o;
}

// Adds the paths of one resource to `paths`.
void AddResourcePaths(const ResourceInfo& r, const SchemaStyle& style, Json& paths) {
  const bool v3 = style.v3;
  const std::string prefix =
      r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  const std::string tag =
      (r.group.empty() ? std::string("core") : r.group.substr(0, r.group.find('.'))) + "_" +
      r.version;
  const std::string id_gv = CamelGroup(r.group) + Capitalize(r.version);
  const std::string scope = r.namespaced ? "Namespaced" : "";
  const std::string kind_def = DefinitionName(r, r.kind);
  const std::string list_def = DefinitionName(r, r.list_kind());
  const std::string meta(kMetaPrefix);
  const std::string collection =
      prefix + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
  const std::string item = collection + "/{name}";
  const GroupVersionKind gvk = r.gvk();

  Json path_params = Json::array();
  Json item_params = Json::array();
  item_params.push_back(PathParam("name", "name of the " + r.kind, v3));
  if (r.namespaced) {
    Json ns =
        PathParam("namespace", "object name and auth scope, such as for teams and projects", v3);
    path_params.push_back(ns);
    item_params.push_back(ns);
  }
  Json pretty = QueryParam({"pretty", "string", "Indent the output."}, v3);
  path_params.push_back(pretty);
  item_params.push_back(pretty);

  std::vector<Param> write = {kDryRun, kFieldManager, kFieldValidation};
  std::vector<Param> patch = write;
  patch.push_back(kForce);
  std::vector<Param> list(std::begin(kListParams), std::end(kListParams));
  std::vector<Param> del(std::begin(kDeleteParams), std::end(kDeleteParams));
  std::vector<Param> delete_collection = del;
  delete_collection.insert(delete_collection.end(), std::begin(kListParams), std::end(kListParams));

  auto add_op = [&](Json& path_item, const OpSpec& op) {
    path_item[op.method] = Operation(op, style, tag);
  };

  Json coll = Json{{"parameters", path_params}};
  if (r.HasVerb("list")) {
    add_op(coll, {"get", "list", "list" + id_gv + scope + r.kind, "", list_def, list, gvk});
  }
  if (r.HasVerb("create")) {
    add_op(coll,
           {"post", "post", "create" + id_gv + scope + r.kind, kind_def, kind_def, write, gvk});
  }
  if (r.HasVerb("deletecollection")) {
    add_op(coll, {"delete", "deletecollection", "deleteCollection" + id_gv + scope + r.kind,
                  meta + "DeleteOptions", meta + "Status", delete_collection, gvk});
  }
  paths[collection] = std::move(coll);

  Json one = Json{{"parameters", item_params}};
  if (r.HasVerb("get")) {
    add_op(one, {"get", "get", "read" + id_gv + scope + r.kind, "", kind_def, {}, gvk});
  }
  if (r.HasVerb("update")) {
    add_op(one, {"put", "put", "replace" + id_gv + scope + r.kind, kind_def, kind_def, write, gvk});
  }
  if (r.HasVerb("patch")) {
    OpSpec op{"patch", "patch", "patch" + id_gv + scope + r.kind, meta + "Patch", kind_def,
              patch,   gvk};
    op.patch_body = true;
    add_op(one, op);
  }
  if (r.HasVerb("delete")) {
    add_op(one, {"delete", "delete", "delete" + id_gv + scope + r.kind, meta + "DeleteOptions",
                 meta + "Status", del, gvk});
  }
  paths[item] = std::move(one);

  auto add_sub = [&](const std::string& sub, const std::string& def,
                     const GroupVersionKind& sub_gvk, const std::string& suffix) {
    Json p = Json{{"parameters", item_params}};
    add_op(p, {"get", "get", "read" + id_gv + scope + r.kind + suffix, "", def, {}, sub_gvk});
    add_op(p,
           {"put", "put", "replace" + id_gv + scope + r.kind + suffix, def, def, write, sub_gvk});
    OpSpec op{"patch", "patch", "patch" + id_gv + scope + r.kind + suffix, meta + "Patch", def,
              patch,   sub_gvk};
    op.patch_body = true;
    add_op(p, op);
    paths[item + "/" + sub] = std::move(p);
  };
  if (r.has_status) add_sub("status", kind_def, gvk, "Status");
  if (r.has_scale) {
    add_sub("scale", std::string(kScaleDefinition), {"autoscaling", "v1", "Scale"}, "Scale");
  }

  if (r.namespaced && r.HasVerb("list")) {
    Json all = Json{{"parameters", Json::array({pretty})}};
    add_op(all,
           {"get", "list", "list" + id_gv + r.kind + "ForAllNamespaces", "", list_def, list, gvk});
    paths[prefix + "/" + r.plural] = std::move(all);
  }
}

// Fills `paths` and `defs` for the given resources.
void FillDocument(const std::vector<const ResourceInfo*>& resources, const SchemaStyle& style,
                  Json& paths, Json& defs) {
  bool with_scale = false;
  for (const ResourceInfo* r : resources) {
    with_scale = with_scale || r->has_scale;
    defs[DefinitionName(*r, r->kind)] = KindSchema(*r, style);
    defs[DefinitionName(*r, r->list_kind())] = ListSchema(*r, style);
    AddResourcePaths(*r, style, paths);
  }
  AddCommonDefinitions(style, with_scale, defs);
}

uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// --- aggregated discovery --------------------------------------------------------

Json AggregatedResource(const ResourceInfo& r) {
  Json out = Json::object();
  out["resource"] = r.plural;
  out["responseKind"] = Json{{"group", r.group}, {"kind", r.kind}, {"version", r.version}};
  out["scope"] = r.namespaced ? "Namespaced" : "Cluster";
  out["singularResource"] = r.singular;
  out["verbs"] = StringArray(r.verbs);
  if (!r.short_names.empty()) out["shortNames"] = StringArray(r.short_names);
  if (!r.categories.empty()) out["categories"] = StringArray(r.categories);
  Json subs = Json::array();
  for (const Subresource& s : SubresourcesOf(r)) {
    subs.push_back(
        Json{{"subresource", s.name},
             {"responseKind", Json{{"group", s.group}, {"kind", s.kind}, {"version", s.version}}},
             {"verbs", StringArray(s.verbs)}});
  }
  if (!subs.empty()) out["subresources"] = std::move(subs);
  return out;
}

Json AggregatedGroup(const Registry& registry, const std::string& group) {
  Json versions = Json::array();
  for (const std::string& v : registry.Versions(group)) {
    Json resources = Json::array();
    for (const ResourceInfo* r : ResourcesIn(registry, group, v)) {
      resources.push_back(AggregatedResource(*r));
    }
    versions.push_back(
        Json{{"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
  }
  return Json{{"metadata", Json{{"name", group}}}, {"versions", std::move(versions)}};
}

Json AggregatedList(Json items) {
  return Json{{"kind", "APIGroupDiscoveryList"},
              {"apiVersion", "apidiscovery.k8s.io/v2"},
              {"metadata", Json::object()},
              {"items", std::move(items)}};
}

}  // namespace

// --- discovery -------------------------------------------------------------------

Json VersionInfo(const ServerVersion& version) {
  std::string major = "1";
  std::string minor = "0";
  std::string_view v = version.git_version;
  if (v.starts_with("v")) v.remove_prefix(1);
  std::vector<std::string_view> parts = Split(v, '.');
  if (!parts.empty()) major = std::string(parts[0]);
  if (parts.size() > 1) {
    std::string_view m = parts[1];
    size_t digits = 0;
    while (digits < m.size() && m[digits] >= '0' && m[digits] <= '9') ++digits;
    minor = std::string(m.substr(0, digits));
  }
  std::string min_compat_minor = minor;
  if (!minor.empty() && minor.size() <= 6 && minor != "0")
    min_compat_minor = std::to_string(std::stoi(minor) - 1);
  return Json{{"major", major},
              {"minor", minor},
              {"emulationMajor", major},
              {"emulationMinor", minor},
              {"minCompatibilityMajor", major},
              {"minCompatibilityMinor", min_compat_minor},
              {"gitVersion", version.git_version},
              {"gitCommit", version.git_commit},
              {"gitTreeState", "clean"},
              {"buildDate", version.build_date},
              {"goVersion", "go1.24.0"},
              {"compiler", "gc"},
              {"platform", version.platform}};
}

Json ApiVersions(std::string_view server_address) {
  return Json{{"kind", "APIVersions"},
              {"versions", Json::array({"v1"})},
              {"serverAddressByClientCIDRs",
               Json::array({Json{{"clientCIDR", "0.0.0.0/0"},
                                 {"serverAddress", std::string(server_address)}}})}};
}

Json ApiGroup(const Registry& registry, std::string_view group) {
  if (group.empty()) return nullptr;
  std::vector<std::string> versions = registry.Versions(group);
  if (versions.empty()) return nullptr;
  Json vs = Json::array();
  for (const std::string& v : versions) vs.push_back(GroupVersionForDiscovery(group, v));
  return Json{{"kind", "APIGroup"},
              {"apiVersion", "v1"},
              {"name", std::string(group)},
              {"versions", std::move(vs)},
              {"preferredVersion", GroupVersionForDiscovery(group, versions.front())}};
}

Json ApiGroupList(const Registry& registry) {
  Json groups = Json::array();
  for (const std::string& g : registry.Groups()) {
    Json entry = ApiGroup(registry, g);
    entry.erase("kind");
    entry.erase("apiVersion");
    groups.push_back(std::move(entry));
  }
  return Json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

Json ApiResourceList(const Registry& registry, std::string_view group, std::string_view version) {
  std::vector<const ResourceInfo*> resources = ResourcesIn(registry, group, version);
  if (resources.empty()) return nullptr;
  Json list = Json::array();
  for (const ResourceInfo* r : resources) {
    Json e = Json::object();
    e["name"] = r->plural;
    e["singularName"] = r->singular;
    e["namespaced"] = r->namespaced;
    e["kind"] = r->kind;
    e["verbs"] = StringArray(r->verbs);
    if (!r->short_names.empty()) e["shortNames"] = StringArray(r->short_names);
    if (!r->categories.empty()) e["categories"] = StringArray(r->categories);
    list.push_back(std::move(e));
    for (const Subresource& s : SubresourcesOf(*r)) {
      Json sub = Json::object();
      sub["name"] = r->plural + "/" + s.name;
      sub["singularName"] = "";
      sub["namespaced"] = r->namespaced;
      if (s.other_group_version) {
        sub["group"] = s.group;
        sub["version"] = s.version;
      }
      sub["kind"] = s.kind;
      sub["verbs"] = StringArray(s.verbs);
      list.push_back(std::move(sub));
    }
  }
  return Json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", GroupVersionString(group, version)},
              {"resources", std::move(list)}};
}

// --- media ranges ----------------------------------------------------------------

std::string MediaRange::Param(std::string_view key) const {
  auto it = params.find(std::string(key));
  return it == params.end() ? std::string() : it->second;
}

std::vector<MediaRange> ParseAcceptHeader(std::string_view accept_header) {
  std::vector<MediaRange> out;
  for (std::string_view entry : Split(accept_header, ',')) {
    std::vector<std::string_view> parts = Split(entry, ';');
    std::string type = kube::internal::AsciiLower(kube::internal::TrimSpace(parts[0]));
    size_t slash = type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == type.size()) continue;
    MediaRange range;
    range.type = type.substr(0, slash);
    range.subtype = type.substr(slash + 1);
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string_view param = parts[i];
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      std::string key = kube::internal::AsciiLower(kube::internal::TrimSpace(param.substr(0, eq)));
      std::string value = kube::internal::TrimSpace(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (!key.empty()) range.params[key] = value;
    }
    out.push_back(std::move(range));
  }
  return out;
}

bool WantsAggregatedDiscovery(std::string_view accept_header) {
  for (const MediaRange& m : ParseAcceptHeader(accept_header)) {
    bool json = (m.type == "application" && (m.subtype == "json" || m.subtype == "*")) ||
                (m.type == "*" && m.subtype == "*");
    if (!json) continue;
    std::string as = m.Param("as");
    if (as.empty()) return false;  // plain JSON comes first: legacy discovery
    if (as == "APIGroupDiscoveryList" && m.Param("g") == "apidiscovery.k8s.io" &&
        m.Param("v") == "v2") {
      return true;
    }
  }
  return false;
}

Json AggregatedCoreDiscovery(const Registry& registry) {
  Json item = AggregatedGroup(registry, "");
  return AggregatedList(Json::array({std::move(item)}));
}

Json AggregatedGroupsDiscovery(const Registry& registry) {
  Json items = Json::array();
  for (const std::string& g : registry.Groups()) items.push_back(AggregatedGroup(registry, g));
  return AggregatedList(std::move(items));
}

// --- OpenAPI ---------------------------------------------------------------------

Json OpenApiV2(const Registry& registry) {
  SchemaStyle style{"#/definitions/", false};
  Json paths = Json::object();
  Json defs = Json::object();
  FillDocument(registry.All(), style, paths, defs);
  return Json{{"swagger", "2.0"},
              {"info", Json{{"title", "Kubernetes"}, {"version", ServerVersion{}.git_version}}},
              {"paths", std::move(paths)},
              {"definitions", std::move(defs)}};
}

Json OpenApiV3GroupVersion(const Registry& registry, std::string_view group,
                           std::string_view version) {
  std::vector<const ResourceInfo*> resources = ResourcesIn(registry, group, version);
  if (resources.empty()) return nullptr;
  SchemaStyle style{"#/components/schemas/", true};
  Json paths = Json::object();
  Json defs = Json::object();
  FillDocument(resources, style, paths, defs);
  return Json{{"openapi", "3.0.0"},
              {"info", Json{{"title", "Kubernetes"}, {"version", ServerVersion{}.git_version}}},
              {"paths", std::move(paths)},
              {"components", Json{{"schemas", std::move(defs)}}}};
}

Json OpenApiV3Index(const Registry& registry) {
  Json paths = Json::object();
  std::vector<std::string> groups = registry.Groups();
  groups.insert(groups.begin(), std::string());
  for (const std::string& g : groups) {
    for (const std::string& v : registry.Versions(g)) {
      std::string path = g.empty() ? "api/" + v : "apis/" + g + "/" + v;
      Json doc = OpenApiV3GroupVersion(registry, g, v);
      char hash[17];
      std::snprintf(hash, sizeof(hash), "%016llX",
                    static_cast<unsigned long long>(Fnv1a(doc.dump())));
      paths[path] = Json{{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hash}};
    }
  }
  return Json{{"paths", std::move(paths)}};
}

bool ParseOpenApiV3Path(std::string_view path, std::string* group, std::string* version) {
  size_t q = path.find('?');
  if (q != std::string_view::npos) path = path.substr(0, q);
  if (path.starts_with("/")) path.remove_prefix(1);
  std::vector<std::string_view> parts = Split(path, '/');
  for (std::string_view p : parts) {
    if (p.empty()) return false;
  }
  if (parts.size() == 2 && parts[0] == "api") {
    *group = "";
    *version = std::string(parts[1]);
    return true;
  }
  if (parts.size() == 3 && parts[0] == "apis") {
    *group = std::string(parts[1]);
    *version = std::string(parts[2]);
    return true;
  }
  return false;
}

}  // namespace kube::testing::internal
