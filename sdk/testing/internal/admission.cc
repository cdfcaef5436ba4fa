#include "kubecpp/testing/internal/admission.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kubecpp/core/internal/base64.h"
#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/quantity.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/validation.h"

namespace kube::testing::internal {
namespace {

using kube::internal::Quote;

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;
constexpr int64_t kMaxSecretSize = 1024 * 1024;
constexpr std::string_view kIsNegativeErrorMsg = "must be greater than or equal to 0";
constexpr std::string_view kFieldImmutable = "field is immutable";
constexpr std::string_view kPortRangeMsg = "must be between 1 and 65535, inclusive";

// ---------------------------------------------------------------------------------
// JSON access without exceptions. Null counts as absent, as in Go decoding.

const Json* Get(const Json* j, std::string_view key) {
  if (j == nullptr || !j->is_object()) return nullptr;
  auto it = j->find(key);
  if (it == j->end() || it->is_null()) return nullptr;
  return &*it;
}

const Json* GetIn(const Json* j, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) j = Get(j, key);
  return j;
}

std::string Str(const Json* j) {
  return j != nullptr && j->is_string() ? j->get<std::string>() : "";
}

std::optional<int64_t> Int(const Json* j) {
  if (j == nullptr) return std::nullopt;
  if (j->is_number_unsigned()) {
    uint64_t v = j->get<uint64_t>();
    return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(v);
  }
  if (j->is_number_integer()) return j->get<int64_t>();
  if (j->is_number_float()) {
    double d = j->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

bool True(const Json* j) { return j != nullptr && j->is_boolean() && j->get<bool>(); }

size_t Len(const Json* j) {
  return j != nullptr && (j->is_array() || j->is_object()) ? j->size() : 0;
}

// The array at `j` (empty when absent or not an array).
const Json& Arr(const Json* j) {
  static const Json* const kEmpty = new Json(Json::array());
  return j != nullptr && j->is_array() ? *j : *kEmpty;
}

std::map<std::string, std::string> StrMap(const Json* j) {
  std::map<std::string, std::string> out;
  if (j == nullptr || !j->is_object()) return out;
  for (const auto& [k, v] : j->items()) out[k] = v.is_string() ? v.get<std::string>() : "";
  return out;
}

// Mutable child object at `key`, created when absent or null; nullptr when `j` is not
// an object or the child has another type.
Json* Obj(Json* j, const char* key) {
  if (j == nullptr || !j->is_object()) return nullptr;
  Json& c = (*j)[key];
  if (c.is_null()) c = Json::object();
  return c.is_object() ? &c : nullptr;
}

// Mutable existing child (any type), or nullptr.
Json* Mut(Json* j, std::string_view key) {
  if (j == nullptr || !j->is_object()) return nullptr;
  auto it = j->find(key);
  if (it == j->end() || it->is_null()) return nullptr;
  return &*it;
}

void Default(Json* j, const char* key, Json value) {
  if (j == nullptr || !j->is_object()) return;
  auto it = j->find(key);
  if (it == j->end() || it->is_null()) (*j)[key] = std::move(value);
}

// Like Default, and also replaces "" (Go's zero string means unset).
void DefaultStr(Json* j, const char* key, std::string_view value) {
  if (j == nullptr || !j->is_object()) return;
  auto it = j->find(key);
  if (it == j->end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
    (*j)[key] = std::string(value);
  }
}

template <typename F>
void ForEachObj(Json* arr, F f) {
  if (arr == nullptr || !arr->is_array()) return;
  for (Json& e : *arr) {
    if (e.is_object()) f(&e);
  }
}

// Drops nulls and empty arrays recursively: Semantic.DeepEqual treats nil and empty
// slices alike, and JSON null is Go's zero value.
Json Normalized(const Json& j) {
  if (j.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : j.items()) {
      if (v.is_null() || (v.is_array() && v.empty())) continue;
      out[k] = Normalized(v);
    }
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (const Json& v : j) out.push_back(Normalized(v));
    return out;
  }
  return j;
}

bool SemanticEqual(const Json* a, const Json* b) {
  Json na = a != nullptr ? Normalized(*a) : Json();
  Json nb = b != nullptr ? Normalized(*b) : Json();
  auto empty = [](const Json& v) { return v.is_null() || (v.is_array() && v.empty()); };
  if (empty(na) && empty(nb)) return true;
  return na == nb;
}

// ---------------------------------------------------------------------------------
// Field paths, as field.Path prints them.

std::string Ch(std::string_view path, std::string_view child) {
  if (path.empty()) return std::string(child);
  std::string out(path);
  out += '.';
  out += child;
  return out;
}
std::string Ix(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}
std::string Ky(std::string_view path, std::string_view key) {
  return std::string(path) + "[" + std::string(key) + "]";
}

// ---------------------------------------------------------------------------------
// Values printed the way field.Error prints them (Go's %q, %v and %#v).

std::string GoInt(int64_t v) { return std::to_string(v); }

std::string GoStrSlice(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(v[i]);
  }
  return out + "}";
}

std::vector<std::string> StrList(const Json* j) {
  std::vector<std::string> out;
  for (const Json& v : Arr(j)) out.push_back(v.is_string() ? v.get<std::string>() : "");
  return out;
}

// []string{...}, or []string(nil) when absent.
std::string GoStrSliceJson(const Json* j) {
  if (j == nullptr || !j->is_array()) return "[]string(nil)";
  return GoStrSlice(StrList(j));
}

std::string GoStrMap(const Json* j) {
  if (j == nullptr || !j->is_object()) return "map[string]string(nil)";
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : StrMap(j)) {
    if (!first) out += ", ";
    first = false;
    out += Quote(k) + ":" + Quote(v);
  }
  return out + "}";
}

std::string GoLabelSelector(const Json* sel) {
  std::string out =
      "v1.LabelSelector{MatchLabels:" + GoStrMap(Get(sel, "matchLabels")) + ", MatchExpressions:";
  const Json* exprs = Get(sel, "matchExpressions");
  if (exprs == nullptr || !exprs->is_array()) {
    out += "[]v1.LabelSelectorRequirement(nil)";
  } else {
    out += "[]v1.LabelSelectorRequirement{";
    for (size_t i = 0; i < exprs->size(); ++i) {
      const Json* e = &(*exprs)[i];
      if (i > 0) out += ", ";
      out += "v1.LabelSelectorRequirement{Key:" + Quote(Str(Get(e, "key"))) +
             ", Operator:" + Quote(Str(Get(e, "operator"))) +
             ", Values:" + GoStrSliceJson(Get(e, "values")) + "}";
    }
    out += "}";
  }
  return out + "}";
}

// %v of a scalar field: strings quoted, numbers bare, nil as "null".
std::string GoScalar(const Json* v) {
  if (v == nullptr) return Quote("null");
  if (v->is_string()) return Quote(v->get<std::string>());
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  if (auto i = Int(v)) return GoInt(*i);
  return v->dump();
}

// An IntOrString printed through its String() method: "25%", "0".
std::string GoIntOrString(const Json* v) {
  if (v == nullptr) return "0";
  if (v->is_string()) return v->get<std::string>();
  if (auto i = Int(v)) return GoInt(*i);
  return v->dump();
}

// %#v of an intstr.IntOrString inside a struct.
std::string GoIntstrStruct(const Json* v) {
  if (v != nullptr && v->is_string()) {
    return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + Quote(v->get<std::string>()) + "}";
  }
  return "intstr.IntOrString{Type:0, IntVal:" + GoInt(Int(v).value_or(0)) + ", StrVal:\"\"}";
}

// metav1.Time printed through time.Time.String(): "2025-05-01 12:00:00 +0000 UTC".
std::string GoTime(const Json* v) {
  std::string s = Str(v);
  if (s.empty()) return "0001-01-01 00:00:00 +0000 UTC";
  if (s.size() >= 20 && s[10] == 'T' && s.back() == 'Z') {
    return s.substr(0, 10) + " " + s.substr(11, s.size() - 12) + " +0000 UTC";
  }
  return s;
}

std::string GoBoolPtr(const Json* v, int* counter) {
  if (v == nullptr) return "(*bool)(nil)";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "(*bool)(0xc0000%05x)", 0x1a0 + 8 * (*counter)++);
  return buf;
}

std::string GoOwnerRef(const Json& ref, int* counter) {
  return "v1.OwnerReference{APIVersion:" + Quote(Str(Get(&ref, "apiVersion"))) +
         ", Kind:" + Quote(Str(Get(&ref, "kind"))) + ", Name:" + Quote(Str(Get(&ref, "name"))) +
         ", UID:" + Quote(Str(Get(&ref, "uid"))) +
         ", Controller:" + GoBoolPtr(Get(&ref, "controller"), counter) +
         ", BlockOwnerDeletion:" + GoBoolPtr(Get(&ref, "blockOwnerDeletion"), counter) + "}";
}

std::string GoOwnerRefs(const Json& refs) {
  int counter = 0;
  std::string out = "[]v1.OwnerReference{";
  for (size_t i = 0; i < refs.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoOwnerRef(refs[i], &counter);
  }
  return out + "}";
}

// ---------------------------------------------------------------------------------
// Field errors.

std::string WithDetail(std::string s, std::string_view detail) {
  if (!detail.empty()) {
    s += ": ";
    s += detail;
  }
  return s;
}

class ErrorList {
 public:
  void Invalid(std::string field, const std::string& value, std::string_view detail) {
    Add("FieldValueInvalid", std::move(field), WithDetail("Invalid value: " + value, detail));
  }
  void Required(std::string field, std::string_view detail) {
    Add("FieldValueRequired", std::move(field), WithDetail("Required value", detail));
  }
  void Forbidden(std::string field, std::string_view detail) {
    Add("FieldValueForbidden", std::move(field), WithDetail("Forbidden", detail));
  }
  void Duplicate(std::string field, const std::string& value) {
    Add("FieldValueDuplicate", std::move(field), "Duplicate value: " + value);
  }
  void NotFound(std::string field, const std::string& value) {
    Add("FieldValueNotFound", std::move(field), "Not found: " + value);
  }
  void NotSupported(std::string field, const std::string& value,
                    std::initializer_list<std::string_view> valid) {
    std::string detail;
    for (std::string_view v : valid) {
      detail += detail.empty() ? "supported values: " : ", ";
      detail += Quote(v);
    }
    Add("FieldValueNotSupported", std::move(field),
        WithDetail("Unsupported value: " + value, detail));
  }
  void TooLong(std::string field, int64_t max_bytes) {
    Add("FieldValueTooLong", std::move(field),
        "Too long: may not be more than " + GoInt(max_bytes) + " bytes");
  }
  void NonNegative(std::string field, const Json* v) {
    if (auto i = Int(v); i && *i < 0) Invalid(std::move(field), GoInt(*i), kIsNegativeErrorMsg);
  }

  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  void Add(std::string_view type, std::string field, std::string body) {
    errors_.push_back(FieldError{std::string(type), std::move(field), std::move(body)});
  }
  std::vector<FieldError> errors_;
};

// ---------------------------------------------------------------------------------
// Names.

enum class NameRule { kSubdomain, kLabel, kDns1035 };

NameRule NameRuleFor(const AdmissionRequest& req) {
  if (req.custom || !req.group.empty()) return NameRule::kSubdomain;
  if (req.kind == "Namespace") return NameRule::kLabel;
  if (req.kind == "Service") return NameRule::kDns1035;
  return NameRule::kSubdomain;
}

// upstream's NameIsDNS*(name, prefix): a generateName prefix may end in '-'.
std::vector<std::string> CheckName(NameRule rule, std::string name, bool prefix) {
  if (prefix && name.size() > 1 && name.back() == '-') {
    name = name.substr(0, name.size() - 2) + "a";  // upstream's maskTrailingDash
  }
  switch (rule) {
    case NameRule::kLabel:
      return IsDns1123Label(name);
    case NameRule::kDns1035:
      return IsDns1035Label(name);
    case NameRule::kSubdomain:
      break;
  }
  return IsDns1123Subdomain(name);
}

// ---------------------------------------------------------------------------------
// Metadata.

void ValidateLabelMap(const Json* labels, const std::string& path, ErrorList* errs) {
  if (labels == nullptr || !labels->is_object()) return;
  for (const auto& [key, value] : labels->items()) {
    for (const std::string& msg : IsQualifiedName(key)) errs->Invalid(path, Quote(key), msg);
    std::string v = value.is_string() ? value.get<std::string>() : "";
    for (const std::string& msg : IsValidLabelValue(v)) errs->Invalid(path, Quote(v), msg);
  }
}

void ValidateAnnotations(const Json* annotations, const std::string& path, ErrorList* errs) {
  if (annotations == nullptr || !annotations->is_object()) return;
  int64_t total = 0;
  for (const auto& [key, value] : annotations->items()) {
    for (const std::string& msg : IsQualifiedName(kube::internal::AsciiLower(key))) {
      errs->Invalid(path, Quote(key), msg);
    }
    total += static_cast<int64_t>(key.size());
    if (value.is_string()) total += static_cast<int64_t>(value.get<std::string>().size());
  }
  if (total > kTotalAnnotationSizeLimit) errs->TooLong(path, kTotalAnnotationSizeLimit);
}

void ValidateOwnerReferences(const Json* refs, ErrorList* errs) {
  if (refs == nullptr || !refs->is_array()) return;
  const std::string path = "metadata.ownerReferences";
  std::string first_controller;
  for (const Json& ref : *refs) {
    std::string api_version = Str(Get(&ref, "apiVersion"));
    std::string kind = Str(Get(&ref, "kind"));
    std::string name = Str(Get(&ref, "name"));
    std::string group;
    std::string version;
    size_t slash = api_version.find('/');
    if (slash == std::string::npos) {
      version = api_version;
    } else if (api_version.find('/', slash + 1) == std::string::npos) {
      group = api_version.substr(0, slash);
      version = api_version.substr(slash + 1);
    }
    if (version.empty()) {
      errs->Invalid(Ch(path, "apiVersion"), Quote(api_version), "version must not be empty");
    }
    if (kind.empty()) errs->Invalid(Ch(path, "kind"), Quote(kind), "must not be empty");
    if (name.empty()) errs->Invalid(Ch(path, "name"), Quote(name), "must not be empty");
    std::string uid = Str(Get(&ref, "uid"));
    if (uid.empty()) errs->Invalid(Ch(path, "uid"), Quote(uid), "must not be empty");
    if (group.empty() && version == "v1" && kind == "Event") {
      int counter = 0;
      errs->Invalid(path, GoOwnerRef(ref, &counter),
                    "/v1, Kind=Event is disallowed from being an owner");
    }
    if (True(Get(&ref, "controller"))) {
      std::string current = kind + "/" + name;
      if (!first_controller.empty()) {
        errs->Invalid(path, GoOwnerRefs(*refs),
                      "Only one reference can have Controller set to true. Found \"true\" in "
                      "references for " +
                          first_controller + " and " + current);
      } else {
        first_controller = current;
      }
    }
  }
}

void ValidateFinalizers(const Json* finalizers, ErrorList* errs) {
  if (finalizers == nullptr || !finalizers->is_array()) return;
  const std::string path = "metadata.finalizers";
  bool orphan = false;
  bool foreground = false;
  for (const std::string& f : StrList(finalizers)) {
    for (const std::string& msg : IsQualifiedName(f)) errs->Invalid(path, Quote(f), msg);
    orphan |= f == "orphan";
    foreground |= f == "foregroundDeletion";
  }
  if (orphan && foreground) {
    errs->Invalid(path, GoStrSliceJson(finalizers),
                  "finalizer orphan and foregroundDeletion cannot be both set");
  }
}

void ValidateMetaCommon(const Json* meta, ErrorList* errs) {
  ValidateLabelMap(Get(meta, "labels"), "metadata.labels", errs);
  ValidateAnnotations(Get(meta, "annotations"), "metadata.annotations", errs);
  ValidateOwnerReferences(Get(meta, "ownerReferences"), errs);
  ValidateFinalizers(Get(meta, "finalizers"), errs);
}

void ValidateObjectMetaCreate(const AdmissionRequest& req, const Json* meta, ErrorList* errs) {
  NameRule rule = NameRuleFor(req);
  std::string generate_name = Str(Get(meta, "generateName"));
  std::string name = Str(Get(meta, "name"));
  if (!generate_name.empty()) {
    for (const std::string& msg : CheckName(rule, generate_name, true)) {
      errs->Invalid("metadata.generateName", Quote(generate_name), msg);
    }
  }
  if (name.empty()) {
    errs->Required("metadata.name", "name or generateName is required");
  } else {
    for (const std::string& msg : CheckName(rule, name, false)) {
      errs->Invalid("metadata.name", Quote(name), msg);
    }
  }
  std::string ns = Str(Get(meta, "namespace"));
  if (req.namespaced) {
    if (ns.empty()) {
      errs->Required("metadata.namespace", "");
    } else {
      for (const std::string& msg : IsDns1123Label(ns)) {
        errs->Invalid("metadata.namespace", Quote(ns), msg);
      }
    }
  } else if (!ns.empty()) {
    errs->Forbidden("metadata.namespace", "not allowed on this type");
  }
  errs->NonNegative("metadata.generation", Get(meta, "generation"));
  ValidateMetaCommon(meta, errs);
}

void ValidateObjectMetaUpdate(const AdmissionRequest& req, const Json* meta, const Json* old_meta,
                              ErrorList* errs) {
  if (Get(old_meta, "deletionTimestamp") != nullptr) {
    std::vector<std::string> old_f = StrList(Get(old_meta, "finalizers"));
    std::vector<std::string> extra;
    for (const std::string& f : StrList(Get(meta, "finalizers"))) {
      if (std::find(old_f.begin(), old_f.end(), f) == old_f.end() &&
          std::find(extra.begin(), extra.end(), f) == extra.end()) {
        extra.push_back(f);
      }
    }
    std::sort(extra.begin(), extra.end());
    if (!extra.empty()) {
      errs->Forbidden("metadata.finalizers",
                      "no new finalizers can be added if the object is being deleted, found new "
                      "finalizers " +
                          GoStrSlice(extra));
    }
  }
  if (req.custom && Str(Get(meta, "resourceVersion")).empty()) {
    errs->Invalid("metadata.resourceVersion", "0x0", "must be specified for an update");
  }
  auto gen = Int(Get(meta, "generation")).value_or(0);
  if (gen < Int(Get(old_meta, "generation")).value_or(0)) {
    errs->Invalid("metadata.generation", GoInt(gen), "must not be decremented");
  }
  for (const char* field : {"name", "namespace", "uid"}) {
    if (Str(Get(meta, field)) != Str(Get(old_meta, field))) {
      errs->Invalid(Ch("metadata", field), Quote(Str(Get(meta, field))), kFieldImmutable);
    }
  }
  if (Str(Get(meta, "creationTimestamp")) != Str(Get(old_meta, "creationTimestamp"))) {
    errs->Invalid("metadata.creationTimestamp", GoTime(Get(meta, "creationTimestamp")),
                  kFieldImmutable);
  }
  const Json* dt = Get(meta, "deletionTimestamp");
  if (Str(dt) != Str(Get(old_meta, "deletionTimestamp"))) {
    errs->Invalid("metadata.deletionTimestamp", dt == nullptr ? Quote("null") : GoTime(dt),
                  kFieldImmutable);
  }
  const Json* dg = Get(meta, "deletionGracePeriodSeconds");
  if (Int(dg) != Int(Get(old_meta, "deletionGracePeriodSeconds"))) {
    errs->Invalid("metadata.deletionGracePeriodSeconds", GoScalar(dg), kFieldImmutable);
  }
  ValidateMetaCommon(meta, errs);
}

// ---------------------------------------------------------------------------------
// Label selectors.

void ValidateLabelSelector(const Json* sel, const std::string& path, ErrorList* errs) {
  if (sel == nullptr) return;
  ValidateLabelMap(Get(sel, "matchLabels"), Ch(path, "matchLabels"), errs);
  const Json& exprs = Arr(Get(sel, "matchExpressions"));
  for (size_t i = 0; i < exprs.size(); ++i) {
    const Json* e = &exprs[i];
    std::string p = Ix(Ch(path, "matchExpressions"), i);
    std::string op = Str(Get(e, "operator"));
    size_t n = Len(Get(e, "values"));
    if (op == "In" || op == "NotIn") {
      if (n == 0) {
        errs->Required(Ch(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'");
      }
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (n > 0) {
        errs->Forbidden(Ch(p, "values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
    } else {
      errs->Invalid(Ch(p, "operator"), Quote(op), "not a valid selector operator");
    }
    std::string key = Str(Get(e, "key"));
    for (const std::string& msg : IsQualifiedName(key)) {
      errs->Invalid(Ch(p, "key"), Quote(key), msg);
    }
    std::vector<std::string> values = StrList(Get(e, "values"));
    for (size_t j = 0; j < values.size(); ++j) {
      for (const std::string& msg : IsValidLabelValue(values[j])) {
        errs->Invalid(Ix(Ch(p, "values"), j), Quote(values[j]), msg);
      }
    }
  }
}

// metav1.LabelSelectorAsSelector on the JSON form; nullopt when it does not convert.
std::optional<Selector> SelectorOf(const Json* sel) {
  if (sel == nullptr) return Selector::Nothing();
  LabelSelector typed;
  if (!FromJsonAt(*sel, "", &typed).ok()) return std::nullopt;
  Result<Selector> s = LabelSelectorAsSelector(&typed);
  if (!s.ok()) return std::nullopt;
  return *s;
}

bool SelectorEmpty(const Json* sel) {
  return Len(Get(sel, "matchLabels")) + Len(Get(sel, "matchExpressions")) == 0;
}

// ---------------------------------------------------------------------------------
// Pod specs.

// validation.IsValidPortName.
std::vector<std::string> PortNameErrors(const std::string& name) {
  std::vector<std::string> errs;
  if (name.size() > 15) errs.push_back("must be no more than 15 characters");
  bool ok_chars = true;
  bool letter = false;
  for (char c : name) {
    if (c >= 'a' && c <= 'z') {
      letter = true;
    } else if (!((c >= '0' && c <= '9') || c == '-')) {
      ok_chars = false;
    }
  }
  if (!ok_chars) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (name.find("--") != std::string::npos) errs.push_back("must not contain consecutive hyphens");
  if (!name.empty() && (name.front() == '-' || name.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

void ValidatePortNumOrName(const Json* v, const std::string& path, ErrorList* errs) {
  if (v != nullptr && v->is_string()) {
    std::string name = v->get<std::string>();
    for (const std::string& msg : PortNameErrors(name)) errs->Invalid(path, Quote(name), msg);
    return;
  }
  int64_t port = Int(v).value_or(0);
  if (port < 1 || port > 65535) errs->Invalid(path, GoInt(port), kPortRangeMsg);
}

void ValidateResources(const Json* res, const std::string& path, ErrorList* errs) {
  const Json* limits = Get(res, "limits");
  const Json* requests = Get(res, "requests");
  if (requests == nullptr || !requests->is_object()) return;
  for (const auto& [name, qv] : requests->items()) {
    const Json* lv = Get(limits, name);
    if (lv == nullptr || !qv.is_string() || !lv->is_string()) continue;
    Result<Quantity> q = Quantity::Parse(qv.get<std::string>());
    Result<Quantity> l = Quantity::Parse(lv->get<std::string>());
    if (!q.ok() || !l.ok()) continue;
    if (q->Cmp(*l) > 0) {
      errs->Invalid(
          Ch(path, "requests"), Quote(qv.get<std::string>()),
          "must be less than or equal to " + name + " limit of " + lv->get<std::string>());
    }
  }
}

void ValidateContainer(const Json& c, const std::string& path, std::vector<std::string>* names,
                       const std::vector<std::string>& volumes, ErrorList* errs) {
  std::string name = Str(Get(&c, "name"));
  if (name.empty()) {
    errs->Required(Ch(path, "name"), "");
  } else {
    for (const std::string& msg : IsDns1123Label(name)) {
      errs->Invalid(Ch(path, "name"), Quote(name), msg);
    }
    if (std::find(names->begin(), names->end(), name) != names->end()) {
      errs->Duplicate(Ch(path, "name"), Quote(name));
    } else {
      names->push_back(name);
    }
  }
  if (Str(Get(&c, "image")).empty()) errs->Required(Ch(path, "image"), "");

  std::vector<std::string> port_names;
  const Json& ports = Arr(Get(&c, "ports"));
  for (size_t i = 0; i < ports.size(); ++i) {
    const Json* p = &ports[i];
    std::string pp = Ix(Ch(path, "ports"), i);
    std::string pname = Str(Get(p, "name"));
    if (!pname.empty()) {
      for (const std::string& msg : PortNameErrors(pname)) {
        errs->Invalid(Ch(pp, "name"), Quote(pname), msg);
      }
      if (std::find(port_names.begin(), port_names.end(), pname) != port_names.end()) {
        errs->Duplicate(Ch(pp, "name"), Quote(pname));
      } else {
        port_names.push_back(pname);
      }
    }
    int64_t cp = Int(Get(p, "containerPort")).value_or(0);
    if (cp < 1 || cp > 65535) errs->Invalid(Ch(pp, "containerPort"), GoInt(cp), kPortRangeMsg);
    int64_t hp = Int(Get(p, "hostPort")).value_or(0);
    if (hp != 0 && (hp < 1 || hp > 65535)) {
      errs->Invalid(Ch(pp, "hostPort"), GoInt(hp), kPortRangeMsg);
    }
    std::string proto = Str(Get(p, "protocol"));
    if (proto.empty()) {
      errs->Required(Ch(pp, "protocol"), "");
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      errs->NotSupported(Ch(pp, "protocol"), Quote(proto), {"SCTP", "TCP", "UDP"});
    }
  }

  const Json& env = Arr(Get(&c, "env"));
  for (size_t i = 0; i < env.size(); ++i) {
    if (Str(Get(&env[i], "name")).empty()) errs->Required(Ch(Ix(Ch(path, "env"), i), "name"), "");
  }
  const Json& mounts = Arr(Get(&c, "volumeMounts"));
  for (size_t i = 0; i < mounts.size(); ++i) {
    std::string mp = Ix(Ch(path, "volumeMounts"), i);
    std::string vname = Str(Get(&mounts[i], "name"));
    if (vname.empty()) {
      errs->Required(Ch(mp, "name"), "");
    } else if (std::find(volumes.begin(), volumes.end(), vname) == volumes.end()) {
      errs->NotFound(Ch(mp, "name"), Quote(vname));
    }
    if (Str(Get(&mounts[i], "mountPath")).empty()) errs->Required(Ch(mp, "mountPath"), "");
  }

  ValidateResources(Get(&c, "resources"), Ch(path, "resources"), errs);

  std::string tmp = Str(Get(&c, "terminationMessagePolicy"));
  if (tmp.empty()) {
    errs->Required(Ch(path, "terminationMessagePolicy"), "");
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    errs->NotSupported(Ch(path, "terminationMessagePolicy"), Quote(tmp),
                       {"File", "FallbackToLogsOnError"});
  }
  std::string pull = Str(Get(&c, "imagePullPolicy"));
  if (pull.empty()) {
    errs->Required(Ch(path, "imagePullPolicy"), "");
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    errs->NotSupported(Ch(path, "imagePullPolicy"), Quote(pull),
                       {"Always", "IfNotPresent", "Never"});
  }
}

void ValidateTolerations(const Json* tols, const std::string& path, ErrorList* errs) {
  const Json& list = Arr(tols);
  for (size_t i = 0; i < list.size(); ++i) {
    const Json* t = &list[i];
    std::string p = Ix(path, i);
    std::string key = Str(Get(t, "key"));
    std::string op = Str(Get(t, "operator"));
    std::string effect = Str(Get(t, "effect"));
    if (!key.empty()) {
      for (const std::string& msg : IsQualifiedName(key))
        errs->Invalid(Ch(p, "key"), Quote(key), msg);
    } else if (op != "Exists") {
      errs->Invalid(Ch(p, "operator"), Quote(op),
                    "operator must be Exists when `key` is empty, which means \"match all values "
                    "and all keys\"");
    }
    if (Get(t, "tolerationSeconds") != nullptr && effect != "NoExecute") {
      errs->Invalid(Ch(p, "effect"), Quote(effect),
                    "effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
    if (op == "Exists") {
      if (!Str(Get(t, "value")).empty()) {
        errs->Invalid(Ch(p, "operator"), Quote(Str(Get(t, "value"))),
                      "value must be empty when `operator` is 'Exists'");
      }
    } else if (!op.empty() && op != "Equal") {
      errs->NotSupported(Ch(p, "operator"), Quote(op), {"Equal", "Exists"});
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
        effect != "NoExecute") {
      errs->NotSupported(Ch(p, "effect"), Quote(effect),
                         {"NoSchedule", "PreferNoSchedule", "NoExecute"});
    }
  }
}

void ValidatePodSpec(const Json* spec, const std::string& path, ErrorList* errs) {
  std::vector<std::string> volumes;
  const Json& vols = Arr(Get(spec, "volumes"));
  for (size_t i = 0; i < vols.size(); ++i) {
    std::string vp = Ch(Ix(Ch(path, "volumes"), i), "name");
    std::string name = Str(Get(&vols[i], "name"));
    if (name.empty()) {
      errs->Required(vp, "");
      continue;
    }
    for (const std::string& msg : IsDns1123Label(name)) errs->Invalid(vp, Quote(name), msg);
    if (std::find(volumes.begin(), volumes.end(), name) != volumes.end()) {
      errs->Duplicate(vp, Quote(name));
    } else {
      volumes.push_back(name);
    }
  }

  std::vector<std::string> names;
  const Json* containers = Get(spec, "containers");
  if (Len(containers) == 0) errs->Required(Ch(path, "containers"), "");
  const Json& init = Arr(Get(spec, "initContainers"));
  for (size_t i = 0; i < init.size(); ++i) {
    ValidateContainer(init[i], Ix(Ch(path, "initContainers"), i), &names, volumes, errs);
  }
  const Json& ctrs = Arr(containers);
  for (size_t i = 0; i < ctrs.size(); ++i) {
    ValidateContainer(ctrs[i], Ix(Ch(path, "containers"), i), &names, volumes, errs);
  }

  std::string rp = Str(Get(spec, "restartPolicy"));
  if (rp.empty()) {
    errs->Required(Ch(path, "restartPolicy"), "");
  } else if (rp != "Always" && rp != "OnFailure" && rp != "Never") {
    errs->NotSupported(Ch(path, "restartPolicy"), Quote(rp), {"Always", "OnFailure", "Never"});
  }
  std::string dns = Str(Get(spec, "dnsPolicy"));
  if (dns.empty()) {
    errs->Required(Ch(path, "dnsPolicy"), "");
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" &&
             dns != "None") {
    errs->NotSupported(Ch(path, "dnsPolicy"), Quote(dns),
                       {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"});
  }
  ValidateLabelMap(Get(spec, "nodeSelector"), Ch(path, "nodeSelector"), errs);
  std::string sa = Str(Get(spec, "serviceAccountName"));
  if (!sa.empty()) {
    for (const std::string& msg : IsDns1123Subdomain(sa)) {
      errs->Invalid(Ch(path, "serviceAccountName"), Quote(sa), msg);
    }
  }
  for (const char* f : {"hostname", "subdomain"}) {
    std::string v = Str(Get(spec, f));
    if (v.empty()) continue;
    for (const std::string& msg : IsDns1123Label(v)) errs->Invalid(Ch(path, f), Quote(v), msg);
  }
  if (auto ads = Int(Get(spec, "activeDeadlineSeconds")); ads && (*ads < 1 || *ads > kMaxInt32)) {
    errs->Invalid(Ch(path, "activeDeadlineSeconds"), GoInt(*ads),
                  "must be between 1 and 2147483647, inclusive");
  }
  ValidateTolerations(Get(spec, "tolerations"), Ch(path, "tolerations"), errs);
}

void ValidatePodTemplateSpec(const Json* tmpl, const std::string& path, ErrorList* errs) {
  const Json* meta = Get(tmpl, "metadata");
  ValidateLabelMap(Get(meta, "labels"), Ch(path, "labels"), errs);
  ValidateAnnotations(Get(meta, "annotations"), Ch(path, "annotations"), errs);
  ValidatePodSpec(Get(tmpl, "spec"), Ch(path, "spec"), errs);
}

// Selector present and valid, template labels selected by it, template valid: the part
// of ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateStatefulSetSpec shared by
// the workload kinds. `what` names the kind in the empty-selector message.
void ValidateSelectorAndTemplate(const Json* spec, std::string_view what, bool selector_required,
                                 ErrorList* errs) {
  const Json* sel = Get(spec, "selector");
  if (sel == nullptr) {
    if (selector_required) errs->Required("spec.selector", "");
  } else {
    ValidateLabelSelector(sel, "spec.selector", errs);
    if (SelectorEmpty(sel)) {
      errs->Invalid("spec.selector", GoLabelSelector(sel),
                    "empty selector is invalid for " + std::string(what));
    }
  }
  const Json* tmpl = Get(spec, "template");
  std::optional<Selector> selector = SelectorOf(sel);
  if (!selector) {
    errs->Invalid("spec.selector", GoLabelSelector(sel), "invalid label selector");
  } else if (!selector->Empty()) {
    const Json* labels = GetIn(tmpl, {"metadata", "labels"});
    if (!selector->Matches(StrMap(labels))) {
      errs->Invalid("spec.template.metadata.labels", GoStrMap(labels),
                    "`selector` does not match template `labels`");
    }
  }
  ValidatePodTemplateSpec(tmpl, "spec.template", errs);
}

void RequireRestartAlways(const Json* spec, std::string_view kind_name, ErrorList* errs) {
  const Json* pod_spec = GetIn(spec, {"template", "spec"});
  std::string rp = Str(Get(pod_spec, "restartPolicy"));
  if (rp != "Always") {
    errs->NotSupported("spec.template.spec.restartPolicy", Quote(rp), {"Always"});
  }
  if (Get(pod_spec, "activeDeadlineSeconds") != nullptr) {
    errs->Forbidden("spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in " + std::string(kind_name) + " is not Supported");
  }
}

void ValidateSelectorImmutable(const Json* spec, const Json* old_spec, ErrorList* errs) {
  const Json* sel = Get(spec, "selector");
  if (!SemanticEqual(sel, Get(old_spec, "selector"))) {
    errs->Invalid("spec.selector", GoLabelSelector(sel), kFieldImmutable);
  }
}

// ---------------------------------------------------------------------------------
// Workloads.

// intstr value of "N%" or N, as getIntOrPercentValue: an invalid percent reads as 0.
int64_t IntOrPercentValue(const Json* v) {
  if (v != nullptr && v->is_string()) {
    std::string s = v->get<std::string>();
    if (s.size() >= 2 && s.back() == '%' &&
        std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoll(s.substr(0, std::min<size_t>(s.size() - 1, 12)));
    }
    return 0;
  }
  return Int(v).value_or(0);
}

bool IsValidPercent(const std::string& s) {
  return s.size() >= 2 && s.back() == '%' &&
         std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
}

void ValidatePositiveIntOrPercent(const Json* v, const std::string& path, ErrorList* errs) {
  if (v != nullptr && v->is_string()) {
    if (!IsValidPercent(v->get<std::string>())) {
      errs->Invalid(path, GoIntOrString(v),
                    "a valid percent string must be a numeric string followed by an ending '%' "
                    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    }
    return;
  }
  errs->NonNegative(path, v);
}

void ValidateDeploymentStrategy(const Json* strategy, ErrorList* errs) {
  std::string type = Str(Get(strategy, "type"));
  const Json* ru = Get(strategy, "rollingUpdate");
  if (type == "Recreate") {
    if (ru != nullptr) {
      errs->Forbidden("spec.strategy.rollingUpdate",
                      "may not be specified when strategy `type` is 'Recreate'");
    }
  } else if (type == "RollingUpdate") {
    if (ru == nullptr) {
      errs->Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil");
      return;
    }
    const std::string path = "spec.strategy.rollingUpdate";
    const Json* mu = Get(ru, "maxUnavailable");
    const Json* ms = Get(ru, "maxSurge");
    ValidatePositiveIntOrPercent(mu, Ch(path, "maxUnavailable"), errs);
    ValidatePositiveIntOrPercent(ms, Ch(path, "maxSurge"), errs);
    if (IntOrPercentValue(mu) == 0 && IntOrPercentValue(ms) == 0) {
      errs->Invalid(Ch(path, "maxUnavailable"), GoIntOrString(mu),
                    "may not be 0 when `maxSurge` is 0");
    }
    if (mu != nullptr && mu->is_string() && IsValidPercent(mu->get<std::string>()) &&
        IntOrPercentValue(mu) > 100) {
      errs->Invalid(Ch(path, "maxUnavailable"), GoIntOrString(mu), "must not be greater than 100%");
    }
  } else {
    std::string value =
        "apps.DeploymentStrategy{Type:" + Quote(type) + ", RollingUpdate:" +
        (ru == nullptr ? "(*apps.RollingUpdateDeployment)(nil)"
                       : "&apps.RollingUpdateDeployment{MaxUnavailable:" +
                             GoIntstrStruct(Get(ru, "maxUnavailable")) +
                             ", MaxSurge:" + GoIntstrStruct(Get(ru, "maxSurge")) + "}") +
        "}";
    errs->NotSupported("spec.strategy", value, {"Recreate", "RollingUpdate"});
  }
}

void ValidateReplicaCountStatus(const Json* status, std::initializer_list<const char*> fields,
                                ErrorList* errs) {
  for (const char* f : fields) errs->NonNegative(Ch("status", f), Get(status, f));
}

void ValidateDeployment(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  errs->NonNegative("spec.replicas", Get(spec, "replicas"));
  ValidateSelectorAndTemplate(spec, "deployment", true, errs);
  RequireRestartAlways(spec, "ReplicaSet", errs);
  ValidateDeploymentStrategy(Get(spec, "strategy"), errs);
  errs->NonNegative("spec.minReadySeconds", Get(spec, "minReadySeconds"));
  errs->NonNegative("spec.revisionHistoryLimit", Get(spec, "revisionHistoryLimit"));
  if (const Json* pds = Get(spec, "progressDeadlineSeconds")) {
    errs->NonNegative("spec.progressDeadlineSeconds", pds);
    if (Int(pds).value_or(0) <= Int(Get(spec, "minReadySeconds")).value_or(0)) {
      errs->Invalid("spec.progressDeadlineSeconds", GoScalar(pds),
                    "must be greater than minReadySeconds");
    }
  }
  if (old != nullptr) ValidateSelectorImmutable(spec, Get(old, "spec"), errs);
}

void ValidateReplicasStatus(const Json& obj, bool deployment, ErrorList* errs) {
  const Json* status = Get(&obj, "status");
  if (deployment) {
    ValidateReplicaCountStatus(
        status,
        {"observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
         "unavailableReplicas", "collisionCount"},
        errs);
  } else {
    ValidateReplicaCountStatus(status,
                               {"replicas", "fullyLabeledReplicas", "readyReplicas",
                                "availableReplicas", "observedGeneration"},
                               errs);
  }
  int64_t replicas = Int(Get(status, "replicas")).value_or(0);
  const char* msg = "cannot be greater than status.replicas";
  const char* first = deployment ? "updatedReplicas" : "fullyLabeledReplicas";
  for (const char* f : {first, "readyReplicas", "availableReplicas"}) {
    int64_t v = Int(Get(status, f)).value_or(0);
    if (v > replicas) errs->Invalid(Ch("status", f), GoInt(v), msg);
  }
  int64_t available = Int(Get(status, "availableReplicas")).value_or(0);
  if (available > Int(Get(status, "readyReplicas")).value_or(0)) {
    errs->Invalid("status.availableReplicas", GoInt(available),
                  "cannot be greater than readyReplicas");
  }
}

void ValidateReplicaSet(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  errs->NonNegative("spec.replicas", Get(spec, "replicas"));
  errs->NonNegative("spec.minReadySeconds", Get(spec, "minReadySeconds"));
  // Upstream says "deployment" here too.
  ValidateSelectorAndTemplate(spec, "deployment", true, errs);
  RequireRestartAlways(spec, "ReplicaSet", errs);
  if (old != nullptr) ValidateSelectorImmutable(spec, Get(old, "spec"), errs);
}

void ValidateReplicationController(const Json& obj, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  errs->NonNegative("spec.replicas", Get(spec, "replicas"));
  errs->NonNegative("spec.minReadySeconds", Get(spec, "minReadySeconds"));
  const Json* sel = Get(spec, "selector");
  if (Len(sel) == 0) {
    errs->Required("spec.selector", "");
  } else {
    ValidateLabelMap(sel, "spec.selector", errs);
    const Json* labels = GetIn(spec, {"template", "metadata", "labels"});
    std::map<std::string, std::string> have = StrMap(labels);
    for (const auto& [k, v] : StrMap(sel)) {
      auto it = have.find(k);
      if (it == have.end() || it->second != v) {
        errs->Invalid("spec.template.metadata.labels", GoStrMap(labels),
                      "`selector` does not match template `labels`");
        break;
      }
    }
  }
  if (Get(spec, "template") == nullptr) {
    errs->Required("spec.template", "");
  } else {
    ValidatePodTemplateSpec(Get(spec, "template"), "spec.template", errs);
    RequireRestartAlways(spec, "ReplicationController", errs);
  }
}

void ValidateStatefulSet(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  std::string pmp = Str(Get(spec, "podManagementPolicy"));
  if (pmp.empty()) {
    errs->Required("spec.podManagementPolicy", "");
  } else if (pmp != "OrderedReady" && pmp != "Parallel") {
    errs->Invalid("spec.podManagementPolicy", Quote(pmp), "must be 'OrderedReady' or 'Parallel'");
  }
  const Json* us = Get(spec, "updateStrategy");
  std::string ut = Str(Get(us, "type"));
  if (ut.empty()) {
    errs->Required("spec.updateStrategy", "");
  } else if (ut == "OnDelete") {
    if (Get(us, "rollingUpdate") != nullptr) {
      errs->Invalid("spec.updateStrategy.rollingUpdate",
                    "&apps.RollingUpdateStatefulSetStrategy{...}",
                    "only allowed for updateStrategy 'RollingUpdate'");
    }
  } else if (ut == "RollingUpdate") {
    errs->NonNegative("spec.updateStrategy.rollingUpdate.partition",
                      GetIn(us, {"rollingUpdate", "partition"}));
  } else {
    errs->Invalid("spec.updateStrategy", "apps.StatefulSetUpdateStrategy{Type:" + Quote(ut) + "}",
                  "must be 'RollingUpdate' or 'OnDelete'");
  }
  errs->NonNegative("spec.replicas", Get(spec, "replicas"));
  errs->NonNegative("spec.minReadySeconds", Get(spec, "minReadySeconds"));
  ValidateSelectorAndTemplate(spec, "statefulset", true, errs);
  RequireRestartAlways(spec, "StatefulSet", errs);
  if (old != nullptr) {
    Json a = Get(&obj, "spec") != nullptr ? *Get(&obj, "spec") : Json::object();
    Json b = Get(old, "spec") != nullptr ? *Get(old, "spec") : Json::object();
    for (const char* f : {"replicas", "template", "updateStrategy", "minReadySeconds", "ordinals",
                          "persistentVolumeClaimRetentionPolicy"}) {
      if (a.is_object()) a.erase(f);
      if (b.is_object()) b.erase(f);
    }
    if (!SemanticEqual(&a, &b)) {
      errs->Forbidden("spec",
                      "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                      "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                      "'minReadySeconds' are forbidden");
    }
  }
}

void ValidateDaemonSet(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  ValidateSelectorAndTemplate(spec, "daemonset", false, errs);
  RequireRestartAlways(spec, "DaemonSet", errs);
  errs->NonNegative("spec.minReadySeconds", Get(spec, "minReadySeconds"));
  const Json* us = Get(spec, "updateStrategy");
  std::string ut = Str(Get(us, "type"));
  if (ut == "RollingUpdate") {
    const Json* ru = Get(us, "rollingUpdate");
    if (ru == nullptr) {
      errs->Required("spec.updateStrategy.rollingUpdate", "");
    } else {
      const std::string path = "spec.updateStrategy.rollingUpdate";
      ValidatePositiveIntOrPercent(Get(ru, "maxUnavailable"), Ch(path, "maxUnavailable"), errs);
      ValidatePositiveIntOrPercent(Get(ru, "maxSurge"), Ch(path, "maxSurge"), errs);
      bool has_unavailable = IntOrPercentValue(Get(ru, "maxUnavailable")) != 0;
      bool has_surge = IntOrPercentValue(Get(ru, "maxSurge")) != 0;
      if (has_unavailable && has_surge) {
        errs->Invalid(Ch(path, "maxSurge"), GoIntOrString(Get(ru, "maxSurge")),
                      "may not be set when maxUnavailable is non-zero");
      } else if (!has_unavailable && !has_surge) {
        errs->Required(Ch(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0");
      }
    }
  } else if (ut != "OnDelete") {
    errs->NotSupported("spec.updateStrategy",
                       "apps.DaemonSetUpdateStrategy{Type:" + Quote(ut) + "}",
                       {"RollingUpdate", "OnDelete"});
  }
  errs->NonNegative("spec.revisionHistoryLimit", Get(spec, "revisionHistoryLimit"));
  if (old != nullptr) ValidateSelectorImmutable(spec, Get(old, "spec"), errs);
}

void ValidateJobSpec(const Json* spec, const std::string& path, bool require_selector,
                     ErrorList* errs) {
  for (const char* f : {"parallelism", "completions", "backoffLimit"}) {
    errs->NonNegative(Ch(path, f), Get(spec, f));
  }
  if (auto ads = Int(Get(spec, "activeDeadlineSeconds")); ads && *ads <= 0) {
    errs->Invalid(Ch(path, "activeDeadlineSeconds"), GoInt(*ads), "must be greater than zero");
  }
  const Json* tmpl = Get(spec, "template");
  const Json* sel = Get(spec, "selector");
  if (require_selector) {
    if (sel == nullptr) {
      errs->Required(Ch(path, "selector"), "");
    } else {
      ValidateLabelSelector(sel, Ch(path, "selector"), errs);
      std::optional<Selector> s = SelectorOf(sel);
      const Json* labels = GetIn(tmpl, {"metadata", "labels"});
      if (s && !s->Empty() && !s->Matches(StrMap(labels))) {
        errs->Invalid(Ch(path, "template.metadata.labels"), GoStrMap(labels),
                      "`selector` does not match template `labels`");
      }
    }
  }
  ValidatePodTemplateSpec(tmpl, Ch(path, "template"), errs);
  std::string rp = Str(GetIn(tmpl, {"spec", "restartPolicy"}));
  if (rp != "OnFailure" && rp != "Never") {
    errs->NotSupported(Ch(path, "template.spec.restartPolicy"), Quote(rp), {"OnFailure", "Never"});
  }
}

void ValidateJob(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  ValidateJobSpec(spec, "spec", true, errs);
  if (old == nullptr) return;
  const Json* old_spec = Get(old, "spec");
  ValidateSelectorImmutable(spec, old_spec, errs);
  if (Str(Get(spec, "completionMode")) != "Indexed" &&
      Int(Get(spec, "completions")) != Int(Get(old_spec, "completions"))) {
    errs->Invalid("spec.completions", GoScalar(Get(spec, "completions")), kFieldImmutable);
  }
  if (!True(Get(spec, "suspend")) &&
      !SemanticEqual(Get(spec, "template"), Get(old_spec, "template"))) {
    errs->Invalid("spec.template", "core.PodTemplateSpec{...}", kFieldImmutable);
  }
}

void ValidateCronJob(const Json& obj, bool create, ErrorList* errs) {
  std::string name = Str(GetIn(&obj, {"metadata", "name"}));
  if (create && name.size() > 52) {
    errs->Invalid("metadata.name", Quote(name), "must be no more than 52 characters");
  }
  const Json* spec = Get(&obj, "spec");
  if (Str(Get(spec, "schedule")).empty()) errs->Required("spec.schedule", "");
  std::string cp = Str(Get(spec, "concurrencyPolicy"));
  if (cp.empty()) {
    errs->Required("spec.concurrencyPolicy", "");
  } else if (cp != "Allow" && cp != "Forbid" && cp != "Replace") {
    errs->NotSupported("spec.concurrencyPolicy", Quote(cp), {"Allow", "Forbid", "Replace"});
  }
  errs->NonNegative("spec.successfulJobsHistoryLimit", Get(spec, "successfulJobsHistoryLimit"));
  errs->NonNegative("spec.failedJobsHistoryLimit", Get(spec, "failedJobsHistoryLimit"));
  ValidateJobSpec(GetIn(spec, {"jobTemplate", "spec"}), "spec.jobTemplate.spec", false, errs);
}

// ---------------------------------------------------------------------------------
// Pods.

const std::vector<std::string_view>& UpdatablePodSpecFields() {
  static const auto* const kFields = new std::vector<std::string_view>{
      "`spec.containers[*].image`",
      "`spec.initContainers[*].image`",
      "`spec.activeDeadlineSeconds`",
      "`spec.tolerations` (only additions to existing tolerations)",
      "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
      "negative)",
  };
  return *kFields;
}

// A short cmp.Diff-like rendering of the top-level fields that differ.
std::string PodSpecDiff(const Json& old_spec, const Json& new_spec) {
  std::string out = "  core.PodSpec{\n";
  std::map<std::string, std::pair<const Json*, const Json*>> fields;
  if (old_spec.is_object()) {
    for (const auto& [k, v] : old_spec.items()) fields[k].first = &v;
  }
  if (new_spec.is_object()) {
    for (const auto& [k, v] : new_spec.items()) fields[k].second = &v;
  }
  for (const auto& [k, vals] : fields) {
    if (SemanticEqual(vals.first, vals.second)) continue;
    std::string go_name = k;
    if (!go_name.empty()) go_name[0] = static_cast<char>(std::toupper(go_name[0]));
    if (vals.first != nullptr) out += "- \t" + go_name + ": " + vals.first->dump() + ",\n";
    if (vals.second != nullptr) out += "+ \t" + go_name + ": " + vals.second->dump() + ",\n";
  }
  return out + "  }\n";
}

bool ContainerCountChanged(const Json* spec, const Json* old_spec, const char* field,
                           ErrorList* errs) {
  if (Len(Get(spec, field)) != Len(Get(old_spec, field))) {
    errs->Forbidden(Ch("spec", field), "pod updates may not add or remove containers");
    return true;
  }
  const Json& ctrs = Arr(Get(spec, field));
  for (size_t i = 0; i < ctrs.size(); ++i) {
    if (Str(Get(&ctrs[i], "image")).empty()) {
      errs->Required(Ch(Ix(Ch("spec", field), i), "image"), "");
    }
  }
  return false;
}

void ValidatePodUpdate(const Json& obj, const Json& old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  const Json* old_spec = Get(&old, "spec");
  if (ContainerCountChanged(spec, old_spec, "containers", errs)) return;
  if (ContainerCountChanged(spec, old_spec, "initContainers", errs)) return;

  auto ads = Int(Get(spec, "activeDeadlineSeconds"));
  auto old_ads = Int(Get(old_spec, "activeDeadlineSeconds"));
  if (ads) {
    if (*ads < 0 || *ads > kMaxInt32) {
      errs->Invalid("spec.activeDeadlineSeconds", GoInt(*ads),
                    "must be between 0 and 2147483647, inclusive");
      return;
    }
    if (old_ads && *old_ads < *ads) {
      errs->Invalid("spec.activeDeadlineSeconds", GoInt(*ads),
                    "must be less than or equal to previous value");
      return;
    }
  } else if (old_ads) {
    errs->Invalid("spec.activeDeadlineSeconds", Quote("null"),
                  "must not update from a positive integer to nil value");
  }

  // Tolerations: only additions (and tolerationSeconds changes).
  const Json& new_tols = Arr(Get(spec, "tolerations"));
  for (const Json& old_tol : Arr(Get(old_spec, "tolerations"))) {
    bool found = false;
    for (const Json& t : new_tols) {
      Json a = Normalized(old_tol);
      Json b = Normalized(t);
      if (a.is_object()) a.erase("tolerationSeconds");
      if (b.is_object()) b.erase("tolerationSeconds");
      if (a == b) {
        found = true;
        break;
      }
    }
    if (!found) {
      errs->Forbidden("spec.tolerations",
                      "existing toleration can not be modified except its tolerationSeconds");
      break;
    }
  }
  // Scheduling gates: only removals.
  std::vector<std::string> old_gates;
  for (const Json& g : Arr(Get(old_spec, "schedulingGates")))
    old_gates.push_back(Str(Get(&g, "name")));
  for (const Json& g : Arr(Get(spec, "schedulingGates"))) {
    std::string name = Str(Get(&g, "name"));
    if (std::find(old_gates.begin(), old_gates.end(), name) == old_gates.end()) {
      errs->Forbidden("spec.schedulingGates",
                      "only deletion is allowed, but found new scheduling gate '" + name + "'");
    }
  }

  if (SemanticEqual(spec, old_spec)) return;
  Json munged = spec != nullptr ? *spec : Json::object();
  Json old_copy = old_spec != nullptr ? *old_spec : Json::object();
  if (!munged.is_object() || !old_copy.is_object()) return;
  for (const char* field : {"containers", "initContainers"}) {
    Json* ctrs = Mut(&munged, field);
    const Json& old_ctrs = Arr(Get(&old_copy, field));
    if (ctrs == nullptr || !ctrs->is_array()) continue;
    for (size_t i = 0; i < ctrs->size() && i < old_ctrs.size(); ++i) {
      if (!(*ctrs)[i].is_object()) continue;
      if (const Json* img = Get(&old_ctrs[i], "image")) {
        (*ctrs)[i]["image"] = *img;
      } else {
        (*ctrs)[i].erase("image");
      }
    }
  }
  for (const char* field : {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
    munged.erase(field);
    if (const Json* v = Get(&old_copy, field)) munged[field] = *v;
  }
  auto old_grace = Int(Get(&old_copy, "terminationGracePeriodSeconds"));
  if (old_grace && *old_grace < 0 && Int(Get(&munged, "terminationGracePeriodSeconds")) == 1) {
    munged["terminationGracePeriodSeconds"] = *old_grace;
  }
  if (!SemanticEqual(&munged, &old_copy)) {
    std::string fields;
    for (std::string_view f : UpdatablePodSpecFields()) {
      if (!fields.empty()) fields += ",";
      fields += f;
    }
    errs->Forbidden("spec", "pod updates may not change fields other than " + fields + "\n" +
                                PodSpecDiff(old_copy, munged));
  }
}

// ---------------------------------------------------------------------------------
// Services.

bool IsHeadless(const Json* spec) {
  const Json& ips = Arr(Get(spec, "clusterIPs"));
  return ips.size() == 1 && Str(&ips[0]) == "None";
}

bool ExternallyAccessible(const Json* spec) {
  std::string type = Str(Get(spec, "type"));
  return type == "LoadBalancer" || type == "NodePort" ||
         (type == "ClusterIP" && Len(Get(spec, "externalIPs")) > 0);
}

// Dotted IPv4 to a number.
std::optional<uint32_t> ParseIPv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    uint32_t v = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint32_t>(s[i] - '0');
      if (v > 255 || i - start > 2) return std::nullopt;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return std::nullopt;  // no leading zeros
    out = (out << 8) | v;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

bool IsValidIP(std::string_view s) {
  if (ParseIPv4(s)) return true;
  // Accept IPv6 loosely: hex digits and colons with at least two colons.
  if (std::count(s.begin(), s.end(), ':') < 2) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
  });
}

std::string GoServicePort(const Json* p) {
  const Json* app = Get(p, "appProtocol");
  return "core.ServicePort{Name:" + Quote(Str(Get(p, "name"))) +
         ", Protocol:" + Quote(Str(Get(p, "protocol"))) + ", AppProtocol:" +
         (app == nullptr ? std::string("(*string)(nil)") : "&" + Quote(Str(app))) +
         ", Port:" + GoInt(Int(Get(p, "port")).value_or(0)) +
         ", TargetPort:" + GoIntstrStruct(Get(p, "targetPort")) +
         ", NodePort:" + GoInt(Int(Get(p, "nodePort")).value_or(0)) + "}";
}

void ValidateService(const Json& obj, const Json* old, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  std::string type = Str(Get(spec, "type"));
  bool headless = IsHeadless(spec);
  const Json& ports = Arr(Get(spec, "ports"));

  if (old != nullptr) {
    const Json* old_spec = Get(old, "spec");
    std::string old_type = Str(Get(old_spec, "type"));
    if (type != "ExternalName" && old_type != "ExternalName" &&
        !(headless && IsHeadless(old_spec))) {
      std::vector<std::string> now = StrList(Get(spec, "clusterIPs"));
      std::vector<std::string> before = StrList(Get(old_spec, "clusterIPs"));
      std::string value = GoStrSliceJson(Get(spec, "clusterIPs"));
      if (now.size() == before.size()) {
        for (size_t i = 0; i < before.size(); ++i) {
          if (before[i] != now[i]) {
            errs->Invalid(Ix("spec.clusterIPs", i), value, "may not change once set");
          }
        }
      } else if (before.size() > now.size()) {
        if (now.empty()) {
          errs->Invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset");
        } else if (now[0] != before[0]) {
          errs->Invalid("spec.clusterIPs[0]", value, "may not change once set");
        }
      } else if (!before.empty() && now[0] != before[0]) {
        errs->Invalid("spec.clusterIPs[0]", value, "may not change once set");
      }
    }
  }

  if (ports.empty() && !headless && type != "ExternalName") errs->Required("spec.ports", "");
  if (type == "LoadBalancer" && headless) {
    errs->Invalid("spec.clusterIPs[0]", Quote("None"),
                  "may not be set to 'None' for LoadBalancer services");
  } else if (type == "NodePort" && headless) {
    errs->Invalid("spec.clusterIPs[0]", Quote("None"),
                  "may not be set to 'None' for NodePort services");
  } else if (type == "ExternalName") {
    if (Len(Get(spec, "clusterIPs")) > 0) {
      errs->Forbidden("spec.clusterIPs", "may not be set for ExternalName services");
    }
    if (Len(Get(spec, "ipFamilies")) > 0) {
      errs->Forbidden("spec.ipFamilies", "may not be set for ExternalName services");
    }
    if (Get(spec, "ipFamilyPolicy") != nullptr) {
      errs->Forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services");
    }
    std::string cname = Str(Get(spec, "externalName"));
    if (!cname.empty() && cname.back() == '.') cname.pop_back();
    if (cname.empty()) {
      errs->Required("spec.externalName", "");
    } else {
      for (const std::string& msg : IsDns1123Subdomain(cname)) {
        errs->Invalid("spec.externalName", Quote(cname), msg);
      }
    }
  }

  std::vector<std::string> port_names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const Json* p = &ports[i];
    std::string pp = Ix("spec.ports", i);
    std::string name = Str(Get(p, "name"));
    if (ports.size() > 1 && name.empty()) {
      errs->Required(Ch(pp, "name"), "");
    } else if (!name.empty()) {
      for (const std::string& msg : IsDns1123Label(name)) {
        errs->Invalid(Ch(pp, "name"), Quote(name), msg);
      }
      if (std::find(port_names.begin(), port_names.end(), name) != port_names.end()) {
        errs->Duplicate(Ch(pp, "name"), Quote(name));
      } else {
        port_names.push_back(name);
      }
    }
    int64_t port = Int(Get(p, "port")).value_or(0);
    if (port < 1 || port > 65535) errs->Invalid(Ch(pp, "port"), GoInt(port), kPortRangeMsg);
    std::string proto = Str(Get(p, "protocol"));
    if (proto.empty()) {
      errs->Required(Ch(pp, "protocol"), "");
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      errs->NotSupported(Ch(pp, "protocol"), Quote(proto), {"SCTP", "TCP", "UDP"});
    }
    ValidatePortNumOrName(Get(p, "targetPort"), Ch(pp, "targetPort"), errs);
  }

  if (const Json* sel = Get(spec, "selector")) ValidateLabelMap(sel, "spec.selector", errs);
  std::string affinity = Str(Get(spec, "sessionAffinity"));
  if (affinity.empty()) {
    errs->Required("spec.sessionAffinity", "");
  } else if (affinity != "ClientIP" && affinity != "None") {
    errs->NotSupported("spec.sessionAffinity", Quote(affinity), {"ClientIP", "None"});
  } else if (affinity == "None" && Get(spec, "sessionAffinityConfig") != nullptr) {
    errs->Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None");
  }

  if (type != "ExternalName") {
    std::string cip = Str(Get(spec, "clusterIP"));
    const Json* cips = Get(spec, "clusterIPs");
    std::vector<std::string> ips = StrList(cips);
    if (!cip.empty()) {
      if (ips.empty()) {
        errs->Required("spec.clusterIPs", "");
      } else if (ips[0] != cip) {
        errs->Invalid("spec.clusterIPs", GoStrSliceJson(cips),
                      "first value must match `clusterIP`");
      }
    } else if (!ips.empty()) {
      errs->Invalid("spec.clusterIPs", GoStrSliceJson(cips),
                    "must be empty when `clusterIP` is not specified");
    }
    const Json& fams = Arr(Get(spec, "ipFamilies"));
    for (size_t i = 0; i < fams.size(); ++i) {
      std::string f = Str(&fams[i]);
      if (f != "IPv4" && f != "IPv6") {
        errs->NotSupported(Ix("spec.ipFamilies", i), Quote(f), {"IPv4", "IPv6"});
      }
    }
    if (const Json* pol = Get(spec, "ipFamilyPolicy")) {
      std::string p = Str(pol);
      if (p != "SingleStack" && p != "PreferDualStack" && p != "RequireDualStack") {
        errs->NotSupported("spec.ipFamilyPolicy", Quote(p),
                           {"PreferDualStack", "RequireDualStack", "SingleStack"});
      }
    }
    for (size_t i = 0; i < ips.size(); ++i) {
      if (i == 0 && ips[i] == "None") {
        if (ips.size() > 1) {
          errs->Invalid("spec.clusterIPs", GoStrSliceJson(cips),
                        "'None' must be the first and only value");
        }
        continue;
      }
      if (!IsValidIP(ips[i])) {
        errs->Invalid(Ix("spec.clusterIPs", i), Quote(ips[i]),
                      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
      }
    }
    if (ips.size() > 2) {
      errs->Invalid("spec.clusterIPs", GoStrSliceJson(cips), "may only hold up to 2 values");
    }
  }

  const Json& ext = Arr(Get(spec, "externalIPs"));
  for (size_t i = 0; i < ext.size(); ++i) {
    std::string ip = Str(&ext[i]);
    if (!IsValidIP(ip)) {
      errs->Invalid(Ix("spec.externalIPs", i), Quote(ip),
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    }
  }

  if (type.empty()) {
    errs->Required("spec.type", "");
  } else if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" &&
             type != "ExternalName") {
    errs->NotSupported("spec.type", Quote(type),
                       {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
  }
  if (type == "ClusterIP") {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (Int(Get(&ports[i], "nodePort")).value_or(0) != 0) {
        errs->Forbidden(Ch(Ix("spec.ports", i), "nodePort"),
                        "may not be used when `type` is 'ClusterIP'");
      }
    }
  }
  std::vector<std::pair<std::string, int64_t>> node_ports;
  for (size_t i = 0; i < ports.size(); ++i) {
    int64_t np = Int(Get(&ports[i], "nodePort")).value_or(0);
    if (np == 0) continue;
    std::pair<std::string, int64_t> key{Str(Get(&ports[i], "protocol")), np};
    if (std::find(node_ports.begin(), node_ports.end(), key) != node_ports.end()) {
      errs->Duplicate(Ch(Ix("spec.ports", i), "nodePort"), GoInt(np));
    }
    node_ports.push_back(key);
  }
  std::vector<std::pair<std::string, int64_t>> seen;
  for (size_t i = 0; i < ports.size(); ++i) {
    std::pair<std::string, int64_t> key{Str(Get(&ports[i], "protocol")),
                                        Int(Get(&ports[i], "port")).value_or(0)};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      Json dup = Json::object({{"protocol", key.first}, {"port", key.second}});
      errs->Duplicate(Ix("spec.ports", i), GoServicePort(&dup));
    }
    seen.push_back(key);
  }
  if (Get(spec, "allocateLoadBalancerNodePorts") != nullptr && type != "LoadBalancer") {
    errs->Forbidden("spec.allocateLoadBalancerNodePorts",
                    "may only be used when `type` is 'LoadBalancer'");
  }
  if (type == "LoadBalancer" && Get(spec, "allocateLoadBalancerNodePorts") == nullptr) {
    errs->Required("allocateLoadBalancerNodePorts", "");  // sic: upstream's path
  }
  std::string etp = Str(Get(spec, "externalTrafficPolicy"));
  if (!ExternallyAccessible(spec)) {
    if (!etp.empty()) {
      errs->Invalid("spec.externalTrafficPolicy", Quote(etp),
                    "may only be set for externally-accessible services");
    }
  } else if (etp.empty()) {
    errs->Required("spec.externalTrafficPolicy", "");
  } else if (etp != "Cluster" && etp != "Local") {
    errs->NotSupported("spec.externalTrafficPolicy", Quote(etp), {"Cluster", "Local"});
  }
  const Json* itp = Get(spec, "internalTrafficPolicy");
  if (itp == nullptr) {
    if (type == "NodePort" || type == "LoadBalancer" || type == "ClusterIP") {
      errs->Required("spec.internalTrafficPolicy", "");
    }
  } else if (Str(itp) != "Cluster" && Str(itp) != "Local") {
    errs->NotSupported("spec.internalTrafficPolicy", Quote(Str(itp)), {"Cluster", "Local"});
  }
}

// ---------------------------------------------------------------------------------
// ConfigMaps, Secrets, Namespaces and the rest.

std::vector<std::string> ConfigMapKeyErrors(const std::string& key) {
  std::vector<std::string> errs;
  if (key.size() > 253) errs.push_back("must be no more than 253 characters");
  bool ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
  if (!ok) {
    errs.push_back(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')");
  }
  if (key == ".") {
    errs.push_back("must not be '.'");
  } else if (key == "..") {
    errs.push_back("must not be '..'");
  } else if (key.rfind("..", 0) == 0) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

// Decoded size of a base64 string.
int64_t Base64DecodedSize(const std::string& s) {
  int64_t n = static_cast<int64_t>(s.size());
  int64_t pad = 0;
  while (pad < 2 && n - pad > 0 && s[static_cast<size_t>(n - pad - 1)] == '=') ++pad;
  return n / 4 * 3 + (n % 4 == 0 ? 0 : (n % 4) - 1) - pad;
}

void ValidateImmutableData(const Json& obj, const Json* old,
                           std::initializer_list<const char*> fields, ErrorList* errs) {
  if (old == nullptr || !True(Get(old, "immutable"))) return;
  if (!True(Get(&obj, "immutable"))) {
    errs->Forbidden("immutable", "field is immutable when `immutable` is set");
  }
  for (const char* f : fields) {
    if (!SemanticEqual(Get(&obj, f), Get(old, f))) {
      errs->Forbidden(f, "field is immutable when `immutable` is set");
    }
  }
}

void ValidateConfigMap(const Json& obj, const Json* old, ErrorList* errs) {
  ValidateImmutableData(obj, old, {"data", "binaryData"}, errs);
  int64_t total = 0;
  const Json* data = Get(&obj, "data");
  const Json* binary = Get(&obj, "binaryData");
  if (data != nullptr && data->is_object()) {
    for (const auto& [k, v] : data->items()) {
      for (const std::string& msg : ConfigMapKeyErrors(k))
        errs->Invalid(Ky("data", k), Quote(k), msg);
      if (Get(binary, k) != nullptr) {
        errs->Invalid(Ky("data", k), Quote(k), "duplicate of key present in binaryData");
      }
      if (v.is_string()) total += static_cast<int64_t>(v.get<std::string>().size());
    }
  }
  if (binary != nullptr && binary->is_object()) {
    for (const auto& [k, v] : binary->items()) {
      for (const std::string& msg : ConfigMapKeyErrors(k)) {
        errs->Invalid(Ky("binaryData", k), Quote(k), msg);
      }
      if (v.is_string()) total += Base64DecodedSize(v.get<std::string>());
    }
  }
  if (total > kMaxSecretSize) errs->TooLong("[]", kMaxSecretSize);
}

void ValidateSecret(const Json& obj, const Json* old, ErrorList* errs) {
  if (old != nullptr && Str(Get(&obj, "type")) != Str(Get(old, "type"))) {
    errs->Invalid("type", Quote(Str(Get(&obj, "type"))), kFieldImmutable);
  }
  ValidateImmutableData(obj, old, {"data"}, errs);
  const Json* data = Get(&obj, "data");
  int64_t total = 0;
  if (data != nullptr && data->is_object()) {
    for (const auto& [k, v] : data->items()) {
      for (const std::string& msg : ConfigMapKeyErrors(k))
        errs->Invalid(Ky("data", k), Quote(k), msg);
      if (v.is_string()) total += Base64DecodedSize(v.get<std::string>());
    }
  }
  if (total > kMaxSecretSize) errs->TooLong("data", kMaxSecretSize);
  std::string type = Str(Get(&obj, "type"));
  auto require = [&](const char* key) {
    if (Get(data, key) == nullptr) errs->Required(Ky("data", key), "");
  };
  if (type == "kubernetes.io/service-account-token") {
    if (Str(GetIn(&obj, {"metadata", "annotations", "kubernetes.io/service-account.name"}))
            .empty()) {
      errs->Required("metadata.annotations[kubernetes.io/service-account.name]", "");
    }
  } else if (type == "kubernetes.io/dockercfg") {
    require(".dockercfg");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    require(".dockerconfigjson");
  } else if (type == "kubernetes.io/basic-auth") {
    if (Get(data, "username") == nullptr && Get(data, "password") == nullptr) {
      require("username");
      require("password");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    if (Str(Get(data, "ssh-privatekey")).empty()) errs->Required("data[ssh-privatekey]", "");
  } else if (type == "kubernetes.io/tls") {
    require("tls.crt");
    require("tls.key");
  }
}

void ValidateNamespace(const Json& obj, ErrorList* errs) {
  for (const std::string& f : StrList(GetIn(&obj, {"spec", "finalizers"}))) {
    for (const std::string& msg : IsQualifiedName(f))
      errs->Invalid("spec.finalizers", Quote(f), msg);
    if (f.find('/') == std::string::npos && f != "kubernetes" && f != "orphan" &&
        f != "foregroundDeletion") {
      errs->Invalid("spec.finalizers", Quote(f),
                    "name is neither a standard finalizer name nor is it fully qualified");
    }
  }
}

void ValidateEndpointSlice(const Json& obj, const Json* old, ErrorList* errs) {
  std::string at = Str(Get(&obj, "addressType"));
  if (at.empty()) {
    errs->Required("addressType", "");
  } else if (at != "IPv4" && at != "IPv6" && at != "FQDN") {
    errs->NotSupported("addressType", Quote(at), {"FQDN", "IPv4", "IPv6"});
  }
  if (old != nullptr && at != Str(Get(old, "addressType"))) {
    errs->Invalid("addressType", Quote(at), kFieldImmutable);
  }
  const Json& eps = Arr(Get(&obj, "endpoints"));
  for (size_t i = 0; i < eps.size(); ++i) {
    size_t n = Len(Get(&eps[i], "addresses"));
    if (n == 0) {
      errs->Required(Ch(Ix("endpoints", i), "addresses"), "must contain at least 1 address");
    }
  }
}

void ValidateLease(const Json& obj, ErrorList* errs) {
  const Json* spec = Get(&obj, "spec");
  if (auto d = Int(Get(spec, "leaseDurationSeconds")); d && *d <= 0) {
    errs->Invalid("spec.leaseDurationSeconds", GoInt(*d), "must be greater than 0");
  }
  errs->NonNegative("spec.leaseTransitions", Get(spec, "leaseTransitions"));
}

void ValidateKind(const AdmissionRequest& req, const Json& obj, const Json* old, ErrorList* errs) {
  std::string_view g = req.group;
  std::string_view k = req.kind;
  if (req.status_subresource) {
    if (g == "apps" && (k == "Deployment" || k == "ReplicaSet")) {
      ValidateReplicasStatus(obj, k == "Deployment", errs);
    } else if (g == "apps" && k == "StatefulSet") {
      ValidateReplicaCountStatus(
          Get(&obj, "status"),
          {"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"},
          errs);
    }
    return;
  }
  if (g.empty()) {
    if (k == "Pod") {
      if (old == nullptr) {
        ValidatePodSpec(Get(&obj, "spec"), "spec", errs);
        if (Len(GetIn(&obj, {"spec", "ephemeralContainers"})) > 0) {
          errs->Forbidden("spec.ephemeralContainers", "cannot be set on create");
        }
      } else {
        ValidatePodSpec(Get(&obj, "spec"), "spec", errs);
        ValidatePodUpdate(obj, *old, errs);
      }
    } else if (k == "PodTemplate") {
      ValidatePodTemplateSpec(Get(&obj, "template"), "template", errs);
    } else if (k == "ReplicationController") {
      ValidateReplicationController(obj, errs);
    } else if (k == "Service") {
      ValidateService(obj, old, errs);
    } else if (k == "ConfigMap") {
      ValidateConfigMap(obj, old, errs);
    } else if (k == "Secret") {
      ValidateSecret(obj, old, errs);
    } else if (k == "Namespace") {
      ValidateNamespace(obj, errs);
    }
  } else if (g == "apps") {
    if (k == "Deployment") {
      ValidateDeployment(obj, old, errs);
    } else if (k == "ReplicaSet") {
      ValidateReplicaSet(obj, old, errs);
    } else if (k == "StatefulSet") {
      ValidateStatefulSet(obj, old, errs);
    } else if (k == "DaemonSet") {
      ValidateDaemonSet(obj, old, errs);
    }
  } else if (g == "batch") {
    if (k == "Job") {
      ValidateJob(obj, old, errs);
    } else if (k == "CronJob") {
      ValidateCronJob(obj, old == nullptr, errs);
    }
  } else if (g == "discovery.k8s.io" && k == "EndpointSlice") {
    ValidateEndpointSlice(obj, old, errs);
  } else if (g == "coordination.k8s.io" && k == "Lease") {
    ValidateLease(obj, errs);
  }
}

// ---------------------------------------------------------------------------------
// Defaulting.

// The image's tag as parsers.ParseImageName reports it: "latest" when neither a tag
// nor a digest is given, "" when only a digest is.
std::string ImageTag(const std::string& image) {
  std::string name = image;
  bool digest = false;
  if (size_t at = name.find('@'); at != std::string::npos) {
    name = name.substr(0, at);
    digest = true;
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  std::string tag;
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    tag = name.substr(colon + 1);
  }
  if (tag.empty() && !digest) tag = "latest";
  return tag;
}

void DefaultProbe(Json* probe) {
  if (probe == nullptr || !probe->is_object()) return;
  Default(probe, "timeoutSeconds", 1);
  Default(probe, "periodSeconds", 10);
  Default(probe, "successThreshold", 1);
  Default(probe, "failureThreshold", 3);
  if (Json* http = Mut(probe, "httpGet"); http != nullptr && http->is_object()) {
    DefaultStr(http, "path", "/");
    DefaultStr(http, "scheme", "HTTP");
  }
  if (Json* grpc = Mut(probe, "grpc"); grpc != nullptr && grpc->is_object()) {
    Default(grpc, "service", "");
  }
}

void DefaultFieldRef(Json* holder) {
  if (Json* ref = Mut(holder, "fieldRef"); ref != nullptr && ref->is_object()) {
    DefaultStr(ref, "apiVersion", "v1");
  }
}

void DefaultContainer(Json* c, bool host_network, bool pod) {
  DefaultStr(c, "terminationMessagePath", "/dev/termination-log");
  DefaultStr(c, "terminationMessagePolicy", "File");
  if (Str(Get(c, "imagePullPolicy")).empty()) {
    (*c)["imagePullPolicy"] =
        ImageTag(Str(Get(c, "image"))) == "latest" ? "Always" : "IfNotPresent";
  }
  ForEachObj(Mut(c, "ports"), [&](Json* p) {
    DefaultStr(p, "protocol", "TCP");
    if (host_network) {
      if (const Json* cp = Get(p, "containerPort")) Default(p, "hostPort", *cp);
    }
  });
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    DefaultProbe(Mut(c, probe));
  }
  ForEachObj(Mut(c, "env"), [](Json* e) { DefaultFieldRef(Mut(e, "valueFrom")); });
  if (pod) {
    // SetDefaults_Pod: requests default to limits.
    Json* res = Mut(c, "resources");
    if (res != nullptr && res->is_object()) {
      const Json* limits = Get(res, "limits");
      if (limits != nullptr && limits->is_object() && !limits->empty()) {
        Json* requests = Obj(res, "requests");
        if (requests != nullptr) {
          for (const auto& [k, v] : limits->items()) {
            if (!requests->contains(k)) (*requests)[k] = v;
          }
        }
      }
    }
  }
}

void DefaultVolume(Json* v) {
  bool has_source = false;
  for (const auto& [k, val] : v->items()) {
    if (k != "name" && !val.is_null()) has_source = true;
  }
  if (!has_source) {
    (*v)["emptyDir"] = Json::object();
    return;
  }
  for (const char* src : {"secret", "configMap", "downwardAPI", "projected"}) {
    Json* s = Mut(v, src);
    if (s == nullptr || !s->is_object()) continue;
    Default(s, "defaultMode", 420);
    ForEachObj(Mut(s, "items"), [](Json* item) { DefaultFieldRef(item); });
    ForEachObj(Mut(s, "sources"), [](Json* source) {
      if (Json* sat = Mut(source, "serviceAccountToken"); sat && sat->is_object()) {
        Default(sat, "expirationSeconds", 3600);
      }
      if (Json* dapi = Mut(source, "downwardAPI"); dapi && dapi->is_object()) {
        ForEachObj(Mut(dapi, "items"), [](Json* item) { DefaultFieldRef(item); });
      }
    });
  }
  if (Json* hp = Mut(v, "hostPath"); hp != nullptr && hp->is_object()) Default(hp, "type", "");
}

void DefaultPodSpec(Json* spec, bool pod) {
  if (spec == nullptr) return;
  DefaultStr(spec, "dnsPolicy", "ClusterFirst");
  DefaultStr(spec, "restartPolicy", "Always");
  Default(spec, "terminationGracePeriodSeconds", 30);
  Default(spec, "securityContext", Json::object());
  DefaultStr(spec, "schedulerName", "default-scheduler");
  if (pod) Default(spec, "enableServiceLinks", true);
  bool host_network = True(Get(spec, "hostNetwork"));
  for (const char* field : {"initContainers", "containers", "ephemeralContainers"}) {
    ForEachObj(Mut(spec, field), [&](Json* c) { DefaultContainer(c, host_network, pod); });
  }
  ForEachObj(Mut(spec, "volumes"), DefaultVolume);
}

void DefaultPodTemplateSpec(Json* tmpl) { DefaultPodSpec(Obj(tmpl, "spec"), false); }

std::string PriorityFor(const std::string& class_name, int64_t* priority) {
  if (class_name == "system-node-critical") {
    *priority = 2000001000;
  } else if (class_name == "system-cluster-critical") {
    *priority = 2000000000;
  } else {
    *priority = 0;
  }
  return class_name;
}

bool ToleratesTaint(const Json& tol, std::string_view key) {
  std::string k = Str(Get(&tol, "key"));
  std::string effect = Str(Get(&tol, "effect"));
  std::string op = Str(Get(&tol, "operator"));
  if (!effect.empty() && effect != "NoExecute") return false;
  if (k.empty()) return op == "Exists";
  return k == key;
}

void DefaultPod(const AdmissionRequest& req, Json* obj) {
  Json* spec = Obj(obj, "spec");
  DefaultPodSpec(spec, true);
  if (spec == nullptr) return;
  if (!req.create) return;
  // Admission plugins (ServiceAccount, Priority, DefaultTolerationSeconds).
  DefaultStr(spec, "serviceAccountName", "default");
  DefaultStr(spec, "serviceAccount", Str(Get(spec, "serviceAccountName")));
  if (Get(spec, "priority") == nullptr) {
    int64_t priority = 0;
    PriorityFor(Str(Get(spec, "priorityClassName")), &priority);
    (*spec)["priority"] = priority;
  }
  DefaultStr(spec, "preemptionPolicy", "PreemptLowerPriority");
  Json* tols = Mut(spec, "tolerations");
  if (tols == nullptr) {
    (*spec)["tolerations"] = Json::array();
    tols = Mut(spec, "tolerations");
  }
  if (tols->is_array()) {
    for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      bool tolerated = std::any_of(tols->begin(), tols->end(),
                                   [&](const Json& t) { return ToleratesTaint(t, key); });
      if (!tolerated) {
        tols->push_back(Json{{"key", key},
                             {"operator", "Exists"},
                             {"effect", "NoExecute"},
                             {"tolerationSeconds", 300}});
      }
    }
  }
  // PrepareForCreate: a new Pod's status is {phase: Pending, qosClass}.
  (*obj)["status"] = Json{{"phase", "Pending"}, {"qosClass", PodQosClass(*spec)}};
}

void DefaultDeployment(Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  Default(spec, "replicas", 1);
  if (Json* strategy = Obj(spec, "strategy")) {
    DefaultStr(strategy, "type", "RollingUpdate");
    if (Str(Get(strategy, "type")) == "RollingUpdate") {
      if (Json* ru = Obj(strategy, "rollingUpdate")) {
        Default(ru, "maxUnavailable", "25%");
        Default(ru, "maxSurge", "25%");
      }
    }
  }
  Default(spec, "revisionHistoryLimit", 10);
  Default(spec, "progressDeadlineSeconds", 600);
  DefaultPodTemplateSpec(Obj(spec, "template"));
}

void DefaultPvcSpec(Json* pvc) {
  if (Json* spec = Obj(pvc, "spec")) DefaultStr(spec, "volumeMode", "Filesystem");
  if (Json* status = Obj(pvc, "status")) DefaultStr(status, "phase", "Pending");
}

void DefaultStatefulSet(Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  Default(spec, "replicas", 1);
  DefaultStr(spec, "podManagementPolicy", "OrderedReady");
  if (Json* us = Obj(spec, "updateStrategy")) {
    DefaultStr(us, "type", "RollingUpdate");
    if (Str(Get(us, "type")) == "RollingUpdate") {
      if (Json* ru = Obj(us, "rollingUpdate")) Default(ru, "partition", 0);
    }
  }
  Default(spec, "revisionHistoryLimit", 10);
  if (Json* policy = Obj(spec, "persistentVolumeClaimRetentionPolicy")) {
    DefaultStr(policy, "whenDeleted", "Retain");
    DefaultStr(policy, "whenScaled", "Retain");
  }
  ForEachObj(Mut(spec, "volumeClaimTemplates"), DefaultPvcSpec);
  DefaultPodTemplateSpec(Obj(spec, "template"));
}

void DefaultDaemonSet(Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  if (Json* us = Obj(spec, "updateStrategy")) {
    DefaultStr(us, "type", "RollingUpdate");
    if (Str(Get(us, "type")) == "RollingUpdate") {
      if (Json* ru = Obj(us, "rollingUpdate")) {
        Default(ru, "maxUnavailable", 1);
        Default(ru, "maxSurge", 0);
      }
    }
  }
  Default(spec, "revisionHistoryLimit", 10);
  DefaultPodTemplateSpec(Obj(spec, "template"));
}

void DefaultJobSpec(Json* spec) {
  if (spec == nullptr) return;
  if (Get(spec, "completions") == nullptr && Get(spec, "parallelism") == nullptr) {
    (*spec)["completions"] = 1;
  }
  Default(spec, "parallelism", 1);
  Default(spec, "backoffLimit", 6);
  DefaultStr(spec, "completionMode", "NonIndexed");
  Default(spec, "suspend", false);
  DefaultStr(spec, "podReplacementPolicy",
             Get(spec, "podFailurePolicy") != nullptr ? "Failed" : "TerminatingOrFailed");
  DefaultPodTemplateSpec(Obj(spec, "template"));
}

void DefaultJob(const AdmissionRequest& req, Json* obj) {
  Json* spec = Obj(obj, "spec");
  DefaultJobSpec(spec);
  if (!req.create || spec == nullptr || True(Get(spec, "manualSelector"))) return;
  // PrepareForCreate: the selector and template labels tie pods to this Job's uid.
  std::string uid = Str(GetIn(obj, {"metadata", "uid"}));
  std::string name = Str(GetIn(obj, {"metadata", "name"}));
  if (uid.empty()) return;
  Json* tmpl_meta = Obj(Obj(spec, "template"), "metadata");
  if (Json* labels = Obj(tmpl_meta, "labels")) {
    (*labels)["batch.kubernetes.io/controller-uid"] = uid;
    (*labels)["batch.kubernetes.io/job-name"] = name;
    (*labels)["controller-uid"] = uid;
    (*labels)["job-name"] = name;
  }
  if (Get(spec, "selector") == nullptr) {
    (*spec)["selector"] = Json{{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
  }
}

void DefaultCronJob(Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  DefaultStr(spec, "concurrencyPolicy", "Allow");
  Default(spec, "suspend", false);
  Default(spec, "successfulJobsHistoryLimit", 3);
  Default(spec, "failedJobsHistoryLimit", 1);
  DefaultPodTemplateSpec(Obj(Obj(Obj(spec, "jobTemplate"), "spec"), "template"));
}

void DefaultReplicationController(Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  const Json* labels = GetIn(spec, {"template", "metadata", "labels"});
  if (labels != nullptr && labels->is_object() && !labels->empty()) {
    if (Len(Get(spec, "selector")) == 0) (*spec)["selector"] = *labels;
    Json* meta = Obj(obj, "metadata");
    if (meta != nullptr && Len(Get(meta, "labels")) == 0) (*meta)["labels"] = *labels;
  }
  Default(spec, "replicas", 1);
  DefaultPodTemplateSpec(Obj(spec, "template"));
}

bool NeedsClusterIP(const Json* spec) { return Str(Get(spec, "type")) != "ExternalName"; }

bool NeedsNodePorts(const Json* spec) {
  std::string type = Str(Get(spec, "type"));
  return type == "NodePort" || type == "LoadBalancer";
}

bool NeedsHealthCheck(const Json* spec) {
  return Str(Get(spec, "type")) == "LoadBalancer" &&
         Str(Get(spec, "externalTrafficPolicy")) == "Local";
}

void DefaultService(const AdmissionRequest& req, Json* obj) {
  Json* spec = Obj(obj, "spec");
  if (spec == nullptr) return;
  DefaultStr(spec, "sessionAffinity", "None");
  if (Str(Get(spec, "sessionAffinity")) == "ClientIP") {
    if (Json* cfg = Obj(Obj(spec, "sessionAffinityConfig"), "clientIP")) {
      Default(cfg, "timeoutSeconds", 10800);
    }
  }
  DefaultStr(spec, "type", "ClusterIP");
  ForEachObj(Mut(spec, "ports"), [](Json* p) {
    DefaultStr(p, "protocol", "TCP");
    const Json* tp = Get(p, "targetPort");
    bool unset = tp == nullptr || (tp->is_string() && tp->get<std::string>().empty()) ||
                 (Int(tp) && *Int(tp) == 0);
    if (unset) {
      if (const Json* port = Get(p, "port")) (*p)["targetPort"] = *port;
    }
  });
  std::string type = Str(Get(spec, "type"));
  if (ExternallyAccessible(spec)) DefaultStr(spec, "externalTrafficPolicy", "Cluster");
  if (type != "ExternalName") {
    Default(spec, "internalTrafficPolicy", "Cluster");
    Default(spec, "ipFamilyPolicy", "SingleStack");
    Default(spec, "ipFamilies", Json::array({"IPv4"}));
  }
  if (type == "LoadBalancer") Default(spec, "allocateLoadBalancerNodePorts", true);

  const Json* old_spec = req.create ? nullptr : Get(req.old, "spec");
  if (old_spec != nullptr) {
    // patchAllocatedValues: keep what was allocated when the update left it out.
    if (NeedsClusterIP(old_spec) && NeedsClusterIP(spec)) {
      if (Str(Get(spec, "clusterIP")).empty()) {
        if (const Json* ip = Get(old_spec, "clusterIP")) (*spec)["clusterIP"] = *ip;
      }
      if (Len(Get(spec, "clusterIPs")) == 0) {
        if (const Json* ips = Get(old_spec, "clusterIPs")) (*spec)["clusterIPs"] = *ips;
      }
    }
    if (NeedsNodePorts(old_spec) && NeedsNodePorts(spec)) {
      ForEachObj(Mut(spec, "ports"), [&](Json* p) {
        if (Int(Get(p, "nodePort")).value_or(0) != 0) return;
        for (const Json& op : Arr(Get(old_spec, "ports"))) {
          if (Int(Get(&op, "port")) == Int(Get(p, "port")) &&
              Int(Get(&op, "nodePort")).value_or(0) != 0) {
            (*p)["nodePort"] = *Get(&op, "nodePort");
            return;
          }
        }
      });
    }
    if (NeedsHealthCheck(old_spec) && NeedsHealthCheck(spec) &&
        Int(Get(spec, "healthCheckNodePort")).value_or(0) == 0) {
      if (const Json* hc = Get(old_spec, "healthCheckNodePort"))
        (*spec)["healthCheckNodePort"] = *hc;
    }
    // NormalizeClusterIPs for updates: a changed singular field with an untouched
    // plural one means an old client; the plural follows.
    std::string ip = Str(Get(spec, "clusterIP"));
    if (ip != Str(Get(old_spec, "clusterIP")) &&
        SemanticEqual(Get(spec, "clusterIPs"), Get(old_spec, "clusterIPs"))) {
      if (ip.empty()) {
        spec->erase("clusterIPs");
      } else {
        (*spec)["clusterIPs"] = Json::array({ip});
      }
    }
  } else {
    std::string ip = Str(Get(spec, "clusterIP"));
    if (!ip.empty() && Len(Get(spec, "clusterIPs")) == 0) (*spec)["clusterIPs"] = Json::array({ip});
  }
}

void DefaultNamespace(const AdmissionRequest& req, Json* obj) {
  std::string name = Str(GetIn(obj, {"metadata", "name"}));
  if (Json* meta = Obj(obj, "metadata"); meta != nullptr && !name.empty()) {
    if (Json* labels = Obj(meta, "labels")) (*labels)["kubernetes.io/metadata.name"] = name;
  }
  if (req.create) {
    if (Json* spec = Obj(obj, "spec")) (*spec)["finalizers"] = Json::array({"kubernetes"});
  } else if (!req.finalize_subresource && !req.status_subresource) {
    const Json* old_finalizers = GetIn(req.old, {"spec", "finalizers"});
    if (Json* spec = Obj(obj, "spec")) {
      if (old_finalizers != nullptr) {
        (*spec)["finalizers"] = *old_finalizers;
      } else {
        spec->erase("finalizers");
      }
    }
  }
  if (Json* status = Obj(obj, "status")) DefaultStr(status, "phase", "Active");
}

void DefaultSecret(Json* obj) {
  DefaultStr(obj, "type", "Opaque");
  const Json* string_data = Get(obj, "stringData");
  if (string_data != nullptr && string_data->is_object()) {
    Json* data = Obj(obj, "data");
    if (data != nullptr) {
      for (const auto& [k, v] : string_data->items()) {
        if (v.is_string()) (*data)[k] = kube::internal::Base64Encode(v.get<std::string>());
      }
    }
  }
  if (obj->is_object()) obj->erase("stringData");
}

}  // namespace

// ---------------------------------------------------------------------------------
// Public API.

std::string PodQosClass(const Json& pod_spec) {
  std::map<std::string, Quantity> requests;
  std::map<std::string, Quantity> limits;
  bool guaranteed = true;
  for (const char* field : {"initContainers", "containers"}) {
    for (const Json& c : Arr(Get(&pod_spec, field))) {
      const Json* res = Get(&c, "resources");
      auto collect = [&](const Json* list, std::map<std::string, Quantity>* sum, int* found) {
        if (list == nullptr || !list->is_object()) return;
        for (const auto& [name, v] : list->items()) {
          if (name != "cpu" && name != "memory") continue;
          Result<Quantity> q = v.is_string()
                                   ? Quantity::Parse(v.get<std::string>())
                                   : Result<Quantity>(Quantity::FromInt(Int(&v).value_or(0)));
          if (!q.ok() || q->Sign() <= 0) continue;
          ++*found;
          auto it = sum->find(name);
          if (it == sum->end()) {
            sum->emplace(name, *q);
          } else {
            it->second += *q;
          }
        }
      };
      int requests_found = 0;
      int limits_found = 0;
      collect(Get(res, "requests"), &requests, &requests_found);
      collect(Get(res, "limits"), &limits, &limits_found);
      const Json* lim = Get(res, "limits");
      auto positive = [&](const char* name) {
        const Json* v = Get(lim, name);
        if (v == nullptr) return false;
        Result<Quantity> q = v->is_string()
                                 ? Quantity::Parse(v->get<std::string>())
                                 : Result<Quantity>(Quantity::FromInt(Int(v).value_or(0)));
        return q.ok() && q->Sign() > 0;
      };
      if (!positive("cpu") || !positive("memory")) guaranteed = false;
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, q] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second.Cmp(q) != 0) {
        guaranteed = false;
        break;
      }
    }
  }
  if (guaranteed && requests.size() == limits.size()) return "Guaranteed";
  return "Burstable";
}

Status InvalidStatus(std::string_view group, std::string_view kind, std::string_view name,
                     const std::vector<FieldError>& errors) {
  std::vector<std::string> messages;
  StatusDetails details;
  details.name = std::string(name);
  details.group = std::string(group);
  details.kind = std::string(kind);
  for (const FieldError& e : errors) {
    details.causes.push_back(StatusCause{.reason = e.type, .message = e.body, .field = e.field});
    std::string msg = e.field + ": " + e.body;
    if (std::find(messages.begin(), messages.end(), msg) == messages.end()) {
      messages.push_back(std::move(msg));
    }
  }
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  std::string message = qualified + " " + Quote(name) + " is invalid";
  if (!messages.empty()) {
    message += ": ";
    if (messages.size() > 1) message += "[";
    for (size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) message += ", ";
      message += messages[i];
    }
    if (messages.size() > 1) message += "]";
  }
  Status status = InvalidError(std::move(message));
  status.set_details(std::move(details));
  return status;
}

void ApplyDefaults(const AdmissionRequest& req, Json* obj) {
  if (obj == nullptr || !obj->is_object() || req.custom) return;
  std::string_view g = req.group;
  std::string_view k = req.kind;
  if (g.empty()) {
    if (k == "Pod") {
      DefaultPod(req, obj);
    } else if (k == "PodTemplate") {
      DefaultPodTemplateSpec(Obj(obj, "template"));
    } else if (k == "ReplicationController") {
      DefaultReplicationController(obj);
    } else if (k == "Service") {
      DefaultService(req, obj);
    } else if (k == "Namespace") {
      DefaultNamespace(req, obj);
    } else if (k == "Secret") {
      DefaultSecret(obj);
    } else if (k == "Node") {
      Json* status = Mut(obj, "status");
      if (status != nullptr && status->is_object() && Get(status, "allocatable") == nullptr) {
        if (const Json* cap = Get(status, "capacity")) (*status)["allocatable"] = *cap;
      }
    } else if (k == "PersistentVolumeClaim") {
      DefaultPvcSpec(obj);
    } else if (k == "PersistentVolume") {
      if (Json* spec = Obj(obj, "spec")) {
        DefaultStr(spec, "persistentVolumeReclaimPolicy", "Retain");
        DefaultStr(spec, "volumeMode", "Filesystem");
      }
      if (Json* status = Obj(obj, "status")) DefaultStr(status, "phase", "Pending");
    }
  } else if (g == "apps") {
    if (k == "Deployment") {
      DefaultDeployment(obj);
    } else if (k == "ReplicaSet") {
      if (Json* spec = Obj(obj, "spec")) {
        Default(spec, "replicas", 1);
        DefaultPodTemplateSpec(Obj(spec, "template"));
      }
    } else if (k == "StatefulSet") {
      DefaultStatefulSet(obj);
    } else if (k == "DaemonSet") {
      DefaultDaemonSet(obj);
    }
  } else if (g == "batch") {
    if (k == "Job") {
      DefaultJob(req, obj);
    } else if (k == "CronJob") {
      DefaultCronJob(obj);
    }
  }
}

Status Validate(const AdmissionRequest& req, const Json& obj) {
  ErrorList errs;
  const Json* meta = Get(&obj, "metadata");
  const Json* old = req.create ? nullptr : req.old;
  if (old == nullptr) {
    ValidateObjectMetaCreate(req, meta, &errs);
  } else {
    ValidateObjectMetaUpdate(req, meta, Get(old, "metadata"), &errs);
  }
  if (!req.custom) ValidateKind(req, obj, old, &errs);
  if (errs.empty()) return Status();
  return InvalidStatus(req.group, req.kind, Str(Get(meta, "name")), errs.errors());
}

// ---------------------------------------------------------------------------------
// ServiceAllocator.

ServiceAllocator::ServiceAllocator(std::string_view cidr, int node_port_min, int node_port_max)
    : cidr_(cidr), node_port_min_(node_port_min), node_port_max_(node_port_max) {
  size_t slash = cidr.find('/');
  std::optional<uint32_t> ip = ParseIPv4(cidr.substr(0, slash));
  int prefix = -1;
  if (slash != std::string_view::npos) {
    std::string_view p = cidr.substr(slash + 1);
    if (!p.empty() && p.size() <= 2 &&
        std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      prefix = std::stoi(std::string(p));
    }
  }
  if (!ip || prefix < 0 || prefix > 30) {
    cidr_ = "10.96.0.0/12";
    ip = ParseIPv4("10.96.0.0");
    prefix = 12;
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  base_ = *ip & mask;
  size_ = int64_t{1} << (32 - prefix);
}

int64_t ServiceAllocator::IpOffset(std::string_view ip) const {
  std::optional<uint32_t> v = ParseIPv4(ip);
  if (!v) return -1;
  int64_t off = static_cast<int64_t>(*v) - static_cast<int64_t>(base_);
  // The network and broadcast addresses are outside the usable range.
  if (off < 1 || off > size_ - 2) return -1;
  return off;
}

std::string ServiceAllocator::IpAt(int64_t offset) const {
  uint32_t v = base_ + static_cast<uint32_t>(offset);
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

std::string ServiceAllocator::PortRange() const {
  return std::to_string(node_port_min_) + "-" + std::to_string(node_port_max_);
}

bool ServiceAllocator::IsIPAllocated(std::string_view ip) const {
  int64_t off = IpOffset(ip);
  return off >= 0 && ips_.count(off) > 0;
}

bool ServiceAllocator::IsNodePortAllocated(int port) const { return ports_.count(port) > 0; }

namespace {

std::vector<int> ServiceNodePorts(const Json* spec) {
  std::vector<int> out;
  for (const Json& p : Arr(Get(spec, "ports"))) {
    int64_t np = Int(Get(&p, "nodePort")).value_or(0);
    if (np > 0 && np <= 65535) out.push_back(static_cast<int>(np));
  }
  if (NeedsHealthCheck(spec)) {
    int64_t hc = Int(Get(spec, "healthCheckNodePort")).value_or(0);
    if (hc > 0 && hc <= 65535) out.push_back(static_cast<int>(hc));
  }
  return out;
}

}  // namespace

Status ServiceAllocator::Allocate(Json* service, const Json* old) {
  Json* spec = Obj(service, "spec");
  if (spec == nullptr) return Status();
  const std::string name = Str(GetIn(service, {"metadata", "name"}));
  const Json* old_spec = old != nullptr ? Get(old, "spec") : nullptr;
  std::string type = Str(Get(spec, "type"));
  if (type.empty()) type = "ClusterIP";

  std::set<int64_t> ip_reserve;
  std::set<int64_t> ip_release;
  std::set<int> port_reserve;
  std::set<int> port_release;

  // Cluster IPs.
  int64_t old_ip = -1;
  if (old_spec != nullptr && NeedsClusterIP(old_spec)) {
    old_ip = IpOffset(Str(Get(old_spec, "clusterIP")));
  }
  std::optional<std::string> new_ip;  // set when spec.clusterIP must be written
  if (type != "ExternalName") {
    std::string ip = Str(Get(spec, "clusterIP"));
    if (ip.empty() && old_ip >= 0) ip = IpAt(old_ip);
    if (ip == "None") {
      new_ip = ip;
    } else if (ip.empty()) {
      int64_t off = 2;
      while (off <= size_ - 2 && ips_.count(off) > 0) ++off;
      if (off > size_ - 2) {
        return InternalError(
            "Internal error occurred: failed to allocate a serviceIP: range is full");
      }
      ip_reserve.insert(off);
      new_ip = IpAt(off);
    } else {
      int64_t off = IpOffset(ip);
      if (off != old_ip || off < 0) {
        const char* why = nullptr;
        if (off < 0) {
          why = "provided IP is not in the valid range. The range of valid IPs is ";
        } else if (ips_.count(off) > 0) {
          why = "provided IP is already allocated";
        }
        if (why != nullptr) {
          std::string detail = "failed to allocate IP " + ip + ": " + why;
          if (off < 0) detail += cidr_;
          Json ips = Json::array({ip});
          if (const Json* given = Get(spec, "clusterIPs")) ips = *given;
          return InvalidStatus(
              "", "Service", name,
              {FieldError{"FieldValueInvalid", "spec.clusterIPs",
                          "Invalid value: " + GoStrSliceJson(&ips) + ": " + detail}});
        }
        ip_reserve.insert(off);
      }
      new_ip = ip;
    }
    if (old_ip >= 0 && ip_reserve.count(old_ip) == 0 && IpOffset(*new_ip) != old_ip) {
      ip_release.insert(old_ip);
    }
  } else if (old_ip >= 0) {
    ip_release.insert(old_ip);
  }

  // Node ports.
  std::vector<int> old_ports =
      old_spec != nullptr ? ServiceNodePorts(old_spec) : std::vector<int>{};
  auto in_old = [&](int p) {
    return std::find(old_ports.begin(), old_ports.end(), p) != old_ports.end();
  };
  auto take = [&](int p, const std::string& field) -> Status {
    if (in_old(p) || port_reserve.count(p) > 0) return Status();
    if (p < node_port_min_ || p > node_port_max_) {
      return InvalidStatus("", "Service", name,
                           {FieldError{"FieldValueInvalid", field,
                                       "Invalid value: " + GoInt(p) +
                                           ": provided port is not in the valid range. The range "
                                           "of valid ports is " +
                                           PortRange()}});
    }
    if (ports_.count(p) > 0) {
      return InvalidStatus(
          "", "Service", name,
          {FieldError{"FieldValueInvalid", field,
                      "Invalid value: " + GoInt(p) + ": provided port is already allocated"}});
    }
    port_reserve.insert(p);
    return Status();
  };
  auto next_port = [&]() -> int {
    for (int p = node_port_min_; p <= node_port_max_; ++p) {
      if (ports_.count(p) == 0 && port_reserve.count(p) == 0 && !in_old(p)) return p;
    }
    return 0;
  };
  bool allocate_ports =
      type == "NodePort" ||
      (type == "LoadBalancer" && !(Get(spec, "allocateLoadBalancerNodePorts") != nullptr &&
                                   !True(Get(spec, "allocateLoadBalancerNodePorts"))));
  std::vector<int> kept;
  std::map<int64_t, int> by_port;  // service port -> node port, shared across protocols
  Json* ports = Mut(spec, "ports");
  if (ports != nullptr && ports->is_array()) {
    for (size_t i = 0; i < ports->size(); ++i) {
      Json& p = (*ports)[i];
      if (!p.is_object()) continue;
      int64_t np = Int(Get(&p, "nodePort")).value_or(0);
      int64_t port = Int(Get(&p, "port")).value_or(0);
      if (np == 0 && !allocate_ports) continue;
      if (np == 0 && old_spec != nullptr) {
        // Keep the node port the stored Service has for this port number.
        for (const Json& op : Arr(Get(old_spec, "ports"))) {
          if (Int(Get(&op, "port")).value_or(0) == port &&
              Int(Get(&op, "nodePort")).value_or(0) != 0) {
            np = *Int(Get(&op, "nodePort"));
            break;
          }
        }
      }
      if (np != 0) {
        KUBE_RETURN_IF_ERROR(take(static_cast<int>(np), Ch(Ix("spec.ports", i), "nodePort")));
      } else if (auto it = by_port.find(port); it != by_port.end()) {
        np = it->second;
      } else {
        np = next_port();
        if (np == 0) {
          return InternalError(
              "Internal error occurred: failed to allocate a nodePort: range is full");
        }
        port_reserve.insert(static_cast<int>(np));
      }
      p["nodePort"] = np;
      by_port.emplace(port, static_cast<int>(np));
      kept.push_back(static_cast<int>(np));
    }
  }
  if (NeedsHealthCheck(spec)) {
    int64_t hc = Int(Get(spec, "healthCheckNodePort")).value_or(0);
    if (hc != 0) {
      KUBE_RETURN_IF_ERROR(take(static_cast<int>(hc), "spec.healthCheckNodePort"));
    } else {
      hc = next_port();
      if (hc == 0) {
        return InternalError(
            "Internal error occurred: failed to allocate a nodePort: range is full");
      }
      port_reserve.insert(static_cast<int>(hc));
      (*spec)["healthCheckNodePort"] = hc;
    }
    kept.push_back(static_cast<int>(hc));
  }
  for (int p : old_ports) {
    if (std::find(kept.begin(), kept.end(), p) == kept.end()) port_release.insert(p);
  }

  // Commit.
  if (new_ip) {
    (*spec)["clusterIP"] = *new_ip;
    (*spec)["clusterIPs"] = Json::array({*new_ip});
  }
  for (int64_t off : ip_release) ips_.erase(off);
  ips_.insert(ip_reserve.begin(), ip_reserve.end());
  for (int p : port_release) ports_.erase(p);
  ports_.insert(port_reserve.begin(), port_reserve.end());
  return Status();
}

void ServiceAllocator::Release(const Json& service) {
  const Json* spec = Get(&service, "spec");
  if (NeedsClusterIP(spec)) {
    int64_t off = IpOffset(Str(Get(spec, "clusterIP")));
    if (off >= 0) ips_.erase(off);
  }
  for (int p : ServiceNodePorts(spec)) ports_.erase(p);
}

void ServiceAllocator::Restore(const std::vector<const Json*>& services) {
  ips_.clear();
  ports_.clear();
  for (const Json* service : services) {
    if (service == nullptr) continue;
    const Json* spec = Get(service, "spec");
    if (NeedsClusterIP(spec)) {
      int64_t off = IpOffset(Str(Get(spec, "clusterIP")));
      if (off >= 0) ips_.insert(off);
    }
    for (int p : ServiceNodePorts(spec)) {
      if (p >= node_port_min_ && p <= node_port_max_) ports_.insert(p);
    }
  }
}

}  // namespace kube::testing::internal
