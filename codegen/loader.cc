#include "loader.h"

#include <algorithm>
#include <utility>

#include "kubecpp/core/yaml.h"
#include "names.h"

namespace kube::codegen {
namespace {

// meta/v1 and util types kubecpp core provides: OpenAPI names mapped to them.
const std::map<std::string, Scalar, std::less<>>& WellKnown() {
  static const auto* const kMap = new std::map<std::string, Scalar, std::less<>>{
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", Scalar::kObjectMeta},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", Scalar::kListMeta},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", Scalar::kOwnerReference},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", Scalar::kManagedFieldsEntry},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.Condition", Scalar::kCondition},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", Scalar::kLabelSelector},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
       Scalar::kLabelSelectorRequirement},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.Time", Scalar::kTime},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", Scalar::kMicroTime},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.Duration", Scalar::kString},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", Scalar::kRawJson},
      {"io.k8s.apimachinery.pkg.runtime.RawExtension", Scalar::kRawJson},
      {"io.k8s.apimachinery.pkg.api.resource.Quantity", Scalar::kQuantity},
      {"io.k8s.apimachinery.pkg.util.intstr.IntOrString", Scalar::kIntOrString},
      {"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON", Scalar::kRawJson},
  };
  return *kMap;
}

bool IsVersion(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v' || !std::isdigit(static_cast<unsigned char>(s[1]))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z');
  });
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Kubernetes' guess of a resource from a kind (meta.UnsafeGuessKindToResource).
std::string GuessPlural(const std::string& kind) {
  std::string singular = Lower(kind);
  if (singular.empty()) return singular;
  char last = singular.back();
  if (last == 's') return singular + "es";
  if (last == 'y') {
    char before = singular.size() > 1 ? singular[singular.size() - 2] : 'a';
    if (std::string_view("aeiou").find(before) == std::string_view::npos) {
      return singular.substr(0, singular.size() - 1) + "ies";
    }
  }
  return singular + "s";
}

const Json* Find(const Json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

bool IsTrue(const Json& j, std::string_view key) {
  const Json* v = Find(j, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::string StringAt(const Json& j, std::string_view key) {
  const Json* v = Find(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

struct Ctx {
  std::string file;
  std::string path;  // JSON path of the schema in its document
  int unit = -1;
  std::string hint;  // type name for a nested struct or enum made here
  bool structural = true;
  bool named = false;  // the schema is a named OpenAPI schema: `hint` is reserved for it
};

class Loader {
 public:
  explicit Loader(const Options& options) : options_(options) {}

  Status AddInput(const Input& input) {
    std::vector<Json> docs;
    std::string_view text = input.text;
    size_t first = text.find_first_not_of(" \t\r\n");
    Result<Json> json = BadRequestError("not JSON");
    if (first != std::string_view::npos && text[first] == '{') json = ParseJson(text);
    if (json.has_value()) {
      docs.push_back(std::move(*json));
    } else {
      auto parsed = ParseYamlDocuments(text);
      if (!parsed) return BadRequestError(input.name + ": " + parsed.error().message());
      docs = std::move(*parsed);
    }
    int index = 0;
    for (const Json& doc : docs) {
      ++index;
      if (doc.is_null()) continue;
      std::string name = docs.size() > 1 ? input.name + "#" + std::to_string(index) : input.name;
      if (StringAt(doc, "kind") == "CustomResourceDefinition") {
        crds_.push_back({name, input.name, doc});
      } else if (const Json* schemas = Find(doc, "components");
                 schemas && Find(*schemas, "schemas")) {
        const Json& all = (*schemas)["schemas"];
        if (!all.is_object()) return Error(name, "components.schemas", "must be an object");
        for (const auto& [key, schema] : all.items()) {
          auto [it, inserted] = named_.try_emplace(key, Named{name, input.name, schema});
          if (!inserted && it->second.schema != schema) {
            return Error(name, "components.schemas." + key,
                         "defined differently in " + it->second.file);
          }
        }
      } else {
        return Error(name, "",
                     "neither a CustomResourceDefinition nor an OpenAPI v3 document "
                     "with components.schemas");
      }
    }
    return Status();
  }

  Result<Model> Finish() {
    // Named schemas first keep their own names; inline types get suffixes on clashes.
    for (const auto& [name, named] : named_) {
      if (WellKnown().contains(name)) continue;
      auto [unit, short_name] = UnitForSchemaName(name);
      model_.units[unit].type_names.insert(short_name);
    }
    for (const auto& [name, named] : named_) {
      if (WellKnown().contains(name)) continue;
      Ctx ctx{named.file, "components.schemas." + name, -1, "", false};
      auto t = ResolveNamed(name, ctx);
      if (!t) return std::move(t).error();
    }
    for (const Crd& crd : crds_) KUBE_RETURN_IF_ERROR(AddCrd(crd));
    return std::move(model_);
  }

 private:
  struct Named {
    std::string file;   // with "#N" for multi-document files
    std::string input;  // the input name
    Json schema;
  };
  struct Crd {
    std::string file;
    std::string input;
    Json doc;
  };

  static Status Error(const std::string& file, const std::string& path, const std::string& why) {
    return BadRequestError(file + ": " + (path.empty() ? "" : path + ": ") + why);
  }
  static Status Error(const Ctx& c, const std::string& why) { return Error(c.file, c.path, why); }

  // The unit of group key `key` (a CRD group or an OpenAPI name prefix).
  int UnitFor(const std::string& key, const std::string& preferred, const std::string& version) {
    auto it = group_ish_.find(key);
    if (it == group_ish_.end()) {
      std::string ish = FieldName(preferred);
      if (used_ish_.contains(ish)) ish = FieldName(key);
      while (used_ish_.contains(ish)) ish += '_';
      used_ish_.insert(ish);
      it = group_ish_.emplace(key, ish).first;
    }
    std::string ish = it->second;
    for (size_t i = 0; i < model_.units.size(); ++i) {
      if (model_.units[i].group_ish == ish && model_.units[i].version == version) {
        return static_cast<int>(i);
      }
    }
    Unit unit;
    unit.group_ish = ish;
    unit.version = version;
    unit.ns =
        options_.root_namespace + "::" + ish + (version.empty() ? "" : "::" + FieldName(version));
    unit.path = ish + "/" + (version.empty() ? "" : version + "/") + "types";
    // Names the generated code declares at namespace scope.
    unit.type_names = {"ToJson", "FromJsonAt", "Validate", "SetDefaults", "Json"};
    model_.units.push_back(std::move(unit));
    return static_cast<int>(model_.units.size()) - 1;
  }

  std::pair<int, std::string> UnitForSchemaName(const std::string& name) {
    std::vector<std::string> parts = Split(name, '.');
    std::string short_name = TypeName(parts.back());
    std::string version;
    size_t group_end = parts.size() - 1;
    if (parts.size() >= 2 && IsVersion(parts[parts.size() - 2])) {
      version = parts[parts.size() - 2];
      group_end = parts.size() - 2;
    }
    std::string preferred = group_end > 0 ? parts[group_end - 1] : "types";
    std::string key;
    for (size_t i = 0; i < group_end; ++i) key += (i ? "." : "") + parts[i];
    if (IsReserved(short_name)) short_name += '_';
    return {UnitFor("openapi:" + key, preferred, version), short_name};
  }

  Result<Type> ResolveNamed(const std::string& name, const Ctx& from) {
    if (auto wk = WellKnown().find(name); wk != WellKnown().end()) {
      Type t;
      t.scalar = wk->second;
      return t;
    }
    if (auto it = memo_.find(name); it != memo_.end()) return it->second;
    auto it = named_.find(name);
    if (it == named_.end()) return Error(from, "unresolved $ref to \"" + name + "\"");
    auto [unit, short_name] = UnitForSchemaName(name);
    const Named& named = it->second;
    model_.units[unit].inputs.insert(named.input);
    Ctx ctx{named.file, "components.schemas." + name, unit, short_name, false, true};
    const Json& s = named.schema;
    if (!s.is_object()) return Error(ctx, "schema must be an object");
    if (Find(s, "properties") != nullptr) {
      bool kind_root = false;
      std::optional<Resource> resource;
      if (const Json* gvks = Find(s, "x-kubernetes-group-version-kind");
          gvks && gvks->is_array() && gvks->size() == 1 && IsObjectMetaRef(s)) {
        const Json& gvk = (*gvks)[0];
        Resource r;
        r.group = StringAt(gvk, "group");
        r.version = StringAt(gvk, "version");
        r.kind = StringAt(gvk, "kind");
        r.plural = GuessPlural(r.kind);
        r.singular = Lower(r.kind);
        r.list_kind = r.kind + "List";
        if (const Json* res = Find(s, "x-kubecpp-resource")) {
          if (std::string p = StringAt(*res, "plural"); !p.empty()) r.plural = p;
          if (std::string p = StringAt(*res, "singular"); !p.empty()) r.singular = p;
          if (const Json* ns = Find(*res, "namespaced"); ns && ns->is_boolean()) {
            r.namespaced = ns->get<bool>();
          }
          if (const Json* sub = Find(*res, "subresources"); sub && sub->is_array()) {
            for (const Json& x : *sub) {
              if (x == "status") r.status_subresource = true;
              if (x == "scale") r.scale_subresource = true;
            }
          }
        }
        kind_root = true;
        resource = r;
      }
      auto id = MakeStruct(s, ctx, name, kind_root, /*name_reserved=*/true);
      if (!id) return std::move(id).error();
      model_.structs[*id].resource = resource;
      return memo_[name];
    }
    auto t = Resolve(s, ctx);
    if (!t) return t;
    memo_[name] = *t;
    return t;
  }

  static bool IsObjectMetaRef(const Json& s) {
    const Json* props = Find(s, "properties");
    const Json* meta = props ? Find(*props, "metadata") : nullptr;
    if (meta == nullptr) return false;
    std::string ref = RefOf(*meta);
    return ref == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  }

  // The schema name a $ref (or allOf: [{$ref}]) points to, or "".
  static std::string RefOf(const Json& s) {
    std::string ref = StringAt(s, "$ref");
    if (ref.empty()) {
      const Json* all = Find(s, "allOf");
      if (all && all->is_array() && all->size() == 1) ref = StringAt((*all)[0], "$ref");
    }
    constexpr std::string_view kPrefixes[] = {"#/components/schemas/", "#/definitions/"};
    for (std::string_view p : kPrefixes) {
      if (ref.starts_with(p)) return ref.substr(p.size());
    }
    return ref;
  }

  Status CheckStructural(const Json& s, const Ctx& c) {
    if (!c.structural) return Status();
    if (Find(s, "$ref")) return Error(c, "$ref is not allowed in a CRD schema");
    if (const Json* n = Find(s, "nullable"); n && !n->is_boolean()) {
      return Error(c, "nullable must be a boolean");
    }
    if (const Json* r = Find(s, "required"); r) {
      if (!r->is_array()) return Error(c, "required must be an array of strings");
      for (const Json& x : *r) {
        if (!x.is_string()) return Error(c, "required must be an array of strings");
      }
    }
    if (const Json* e = Find(s, "enum"); e && !e->is_array()) {
      return Error(c, "enum must be an array");
    }
    for (const char* junctor : {"allOf", "anyOf", "oneOf", "not"}) {
      const Json* j = Find(s, junctor);
      if (j == nullptr) continue;
      std::vector<std::pair<const Json*, std::string>> subs;
      if (j->is_array()) {
        for (size_t i = 0; i < j->size(); ++i) {
          subs.push_back({&(*j)[i], c.path + "." + junctor + "[" + std::to_string(i) + "]"});
        }
      } else {
        subs.push_back({j, c.path + "." + junctor});
      }
      bool int_or_string = IsTrue(s, "x-kubernetes-int-or-string");
      for (const auto& [sub, path] : subs) {
        for (const char* k :
             {"description", "default", "additionalProperties", "nullable",
              "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"}) {
          if (Find(*sub, k)) {
            return Error(c.file, path,
                         std::string("must not set ") + k + " (not a structural schema)");
          }
        }
        if (Find(*sub, "type") && !(int_or_string && std::string_view(junctor) != "not")) {
          return Error(c.file, path, "must not set type (not a structural schema)");
        }
      }
    }
    return Status();
  }

  Result<Type> Resolve(const Json& s, const Ctx& c) {
    if (!s.is_object()) return Error(c, "schema must be an object");
    KUBE_RETURN_IF_ERROR(CheckStructural(s, c));
    if (!c.structural) {
      if (std::string ref = RefOf(s); !ref.empty()) return ResolveNamed(ref, c);
    }
    Type t;
    t.schema = s;
    std::string type = StringAt(s, "type");
    if (const Json* ty = Find(s, "type"); ty && !ty->is_string()) {
      return Error(c, "type must be a string");
    }
    if (IsTrue(s, "x-kubernetes-int-or-string") || StringAt(s, "format") == "int-or-string") {
      if (c.structural && !type.empty()) {
        return Error(c, "type must be empty with x-kubernetes-int-or-string");
      }
      t.scalar = Scalar::kIntOrString;
      return t;
    }
    bool preserve = IsTrue(s, "x-kubernetes-preserve-unknown-fields");
    const Json* props = Find(s, "properties");
    if (IsTrue(s, "x-kubernetes-embedded-resource")) {
      if (type != "object") return Error(c, "x-kubernetes-embedded-resource requires type: object");
      if (props == nullptr) {
        if (!preserve && c.structural) {
          return Error(c,
                       "x-kubernetes-embedded-resource needs properties or "
                       "x-kubernetes-preserve-unknown-fields");
        }
        t.scalar = Scalar::kRawJson;
        return t;
      }
    }
    if (type.empty()) {
      if (preserve && props == nullptr) {
        t.scalar = Scalar::kRawJson;
        return t;
      }
      if (c.structural) return Error(c, "type must be specified (not a structural schema)");
      if (props == nullptr) {
        t.scalar = Scalar::kRawJson;
        return t;
      }
      type = "object";
    }
    if (type == "string") {
      std::string format = StringAt(s, "format");
      if (format == "date-time") {
        t.scalar = Scalar::kTime;
      } else if (format == "byte") {
        t.scalar = Scalar::kBytes;
      } else if (format == "quantity") {
        t.scalar = Scalar::kQuantity;
      } else if (const Json* e = Find(s, "enum"); e && e->is_array()) {
        return MakeEnum(s, *e, c);
      } else {
        t.scalar = Scalar::kString;
      }
      return t;
    }
    if (type == "integer") {
      t.scalar = StringAt(s, "format") == "int32" ? Scalar::kInt32 : Scalar::kInt64;
      return t;
    }
    if (type == "number") {
      t.scalar = Scalar::kDouble;
      return t;
    }
    if (type == "boolean") {
      t.scalar = Scalar::kBool;
      return t;
    }
    if (type == "array") {
      const Json* items = Find(s, "items");
      if (items == nullptr) {
        if (c.structural) return Error(c, "items must be specified (not a structural schema)");
        t.scalar = Scalar::kRawJson;
        return t;
      }
      if (!items->is_object()) return Error(c, "items must be a single schema");
      Ctx ic = c;
      ic.path += ".items";
      ic.named = false;
      auto elem = Resolve(*items, ic);
      if (!elem) return elem;
      t.kind = Type::Kind::kArray;
      t.elem = std::make_shared<Type>(std::move(*elem));
      t.elem_nullable = IsTrue(*items, "nullable");
      return t;
    }
    if (type == "object") {
      const Json* ap = Find(s, "additionalProperties");
      if (props != nullptr) {
        if (ap != nullptr && !(ap->is_boolean() && !preserve)) {
          if (c.structural) {
            return Error(c, "properties and additionalProperties are mutually exclusive");
          }
        }
        auto id = MakeStruct(s, c, "", false, false);
        if (!id) return std::move(id).error();
        t.kind = Type::Kind::kStruct;
        t.id = *id;
        return t;
      }
      if (ap != nullptr && ap->is_object()) {
        Ctx ac = c;
        ac.path += ".additionalProperties";
        ac.named = false;
        auto elem = Resolve(*ap, ac);
        if (!elem) return elem;
        t.kind = Type::Kind::kMap;
        t.elem = std::make_shared<Type>(std::move(*elem));
        t.elem_nullable = IsTrue(*ap, "nullable");
        return t;
      }
      t.scalar = Scalar::kRawJson;
      return t;
    }
    return Error(c, "unknown type \"" + type + "\"");
  }

  Result<Type> MakeEnum(const Json& s, const Json& values, const Ctx& c) {
    Enum e;
    e.unit = c.unit;
    Unit& unit = model_.units[c.unit];
    e.name = c.named ? c.hint : UniqueName(c.hint, "", &unit.type_names);
    e.doc = StringAt(s, "description");
    std::set<std::string> names{"kUnrecognized"};
    std::set<std::string> seen;
    for (const Json& v : values) {
      if (!v.is_string()) {
        if (v.is_null()) continue;
        return Error(c, "enum of a string must list strings");
      }
      std::string text = v.get<std::string>();
      if (!seen.insert(text).second) continue;
      e.values.emplace_back(text, UniqueName(EnumeratorName(text), "_", &names));
    }
    model_.enums.push_back(std::move(e));
    int id = static_cast<int>(model_.enums.size()) - 1;
    unit.enums.push_back(id);
    Type t;
    t.kind = Type::Kind::kEnum;
    t.id = id;
    t.schema = s;
    return t;
  }

  // Makes the struct of object schema `s`. `memo_key` (named schemas) is recorded
  // before the fields are resolved, so recursive references find it.
  Result<int> MakeStruct(const Json& s, const Ctx& c, const std::string& memo_key, bool kind_root,
                         bool name_reserved) {
    Unit& unit = model_.units[c.unit];
    Struct st;
    st.unit = c.unit;
    st.name = name_reserved ? c.hint : UniqueName(c.hint, "", &unit.type_names);
    st.doc = StringAt(s, "description");
    st.schema = s;
    st.embedded_resource = IsTrue(s, "x-kubernetes-embedded-resource");
    model_.structs.push_back(st);
    int id = static_cast<int>(model_.structs.size()) - 1;
    model_.units[c.unit].structs.push_back(id);
    if (!memo_key.empty()) {
      Type t;
      t.kind = Type::Kind::kStruct;
      t.id = id;
      t.schema = s;
      memo_[memo_key] = t;
    }
    std::set<std::string> required;
    if (const Json* r = Find(s, "required"); r && r->is_array()) {
      for (const Json& x : *r) {
        if (x.is_string()) required.insert(x.get<std::string>());
      }
    }
    const Json& props = s["properties"];
    if (!props.is_object()) return Error(c, "properties must be an object");
    std::vector<Field> fields;
    bool meta_like = kind_root || st.embedded_resource;
    for (const auto& [key, prop] : props.items()) {
      if (kind_root && (key == "apiVersion" || key == "kind")) continue;
      Field f;
      f.json_name = key;
      f.required = required.contains(key);
      Ctx pc = c;
      pc.path += ".properties." + key;
      pc.hint = st.name + TypeName(key);
      pc.named = false;
      if (!prop.is_object()) return Error(pc, "schema must be an object");
      f.doc = StringAt(prop, "description");
      f.nullable = IsTrue(prop, "nullable");
      if (meta_like && key == "metadata") {
        f.type.scalar = Scalar::kObjectMeta;
        f.type.schema = prop;
        f.required = kind_root;
        f.nullable = false;
      } else {
        auto t = Resolve(prop, pc);
        if (!t) return std::move(t).error();
        f.type = std::move(*t);
      }
      fields.push_back(std::move(f));
    }
    if (meta_like) {
      bool added = false;
      for (const char* implicit : {"apiVersion", "kind", "metadata"}) {
        if (props.contains(implicit)) continue;
        bool is_meta = std::string_view(implicit) == "metadata";
        if (kind_root && !is_meta) continue;
        Field f;
        f.json_name = implicit;
        f.type.scalar = is_meta ? Scalar::kObjectMeta : Scalar::kString;
        f.required = kind_root;
        fields.push_back(std::move(f));
        added = true;
      }
      if (added) {
        std::sort(fields.begin(), fields.end(),
                  [](const Field& a, const Field& b) { return a.json_name < b.json_name; });
      }
    }
    // Names: a JSON name that already is its C++ name keeps it ("foo_bar" before
    // "fooBar"), then other plain identifiers, then escaped ones ("$ref", "x-foo").
    std::set<std::string> taken{"unknown_fields", "metadata"};
    if (!meta_like) taken.erase("metadata");
    for (int pass = 0; pass < 3; ++pass) {
      for (Field& f : fields) {
        if (!f.cpp_name.empty()) continue;
        if (meta_like && f.json_name == "metadata") {
          f.cpp_name = "metadata";
          continue;
        }
        std::string base = FieldName(f.json_name);
        bool plain = !f.json_name.empty() &&
                     !std::isdigit(static_cast<unsigned char>(f.json_name[0])) &&
                     std::all_of(f.json_name.begin(), f.json_name.end(), [](char ch) {
                       return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
                     });
        if (pass == 0 && base != f.json_name) continue;
        if (pass == 1 && !plain) continue;
        f.cpp_name = UniqueName(base, "_", &taken);
      }
    }
    model_.structs[id].fields = std::move(fields);
    return id;
  }

  Status AddCrd(const Crd& crd) {
    const Json& doc = crd.doc;
    std::string api_version = StringAt(doc, "apiVersion");
    if (api_version != "apiextensions.k8s.io/v1") {
      return Error(crd.file, "apiVersion",
                   "only apiextensions.k8s.io/v1 CustomResourceDefinitions are supported, got \"" +
                       api_version + "\"");
    }
    const Json* spec = Find(doc, "spec");
    if (spec == nullptr || !spec->is_object()) return Error(crd.file, "spec", "is required");
    std::string group = StringAt(*spec, "group");
    if (group.empty()) return Error(crd.file, "spec.group", "is required");
    const Json* names = Find(*spec, "names");
    if (names == nullptr) return Error(crd.file, "spec.names", "is required");
    Resource base;
    base.group = group;
    base.kind = StringAt(*names, "kind");
    if (base.kind.empty()) return Error(crd.file, "spec.names.kind", "is required");
    base.plural = StringAt(*names, "plural");
    if (base.plural.empty()) return Error(crd.file, "spec.names.plural", "is required");
    base.singular = StringAt(*names, "singular");
    if (base.singular.empty()) base.singular = Lower(base.kind);
    base.list_kind = StringAt(*names, "listKind");
    if (base.list_kind.empty()) base.list_kind = base.kind + "List";
    std::string scope = StringAt(*spec, "scope");
    if (scope != "Namespaced" && scope != "Cluster") {
      return Error(crd.file, "spec.scope", "must be Namespaced or Cluster");
    }
    base.namespaced = scope == "Namespaced";
    const Json* versions = Find(*spec, "versions");
    if (versions == nullptr || !versions->is_array() || versions->empty()) {
      return Error(crd.file, "spec.versions", "must list at least one version");
    }
    for (size_t i = 0; i < versions->size(); ++i) {
      const Json& v = (*versions)[i];
      std::string vpath = "spec.versions[" + std::to_string(i) + "]";
      Resource r = base;
      r.version = StringAt(v, "name");
      if (r.version.empty()) return Error(crd.file, vpath + ".name", "is required");
      r.served = IsTrue(v, "served");
      r.storage = IsTrue(v, "storage");
      if (!r.served) continue;
      if (const Json* sub = Find(v, "subresources")) {
        r.status_subresource = Find(*sub, "status") != nullptr;
        r.scale_subresource = Find(*sub, "scale") != nullptr;
      }
      const Json* schema = Find(v, "schema");
      const Json* root = schema ? Find(*schema, "openAPIV3Schema") : nullptr;
      if (root == nullptr) {
        return Error(crd.file, vpath + ".schema.openAPIV3Schema", "is required");
      }
      std::string preferred = Split(group, '.')[0];
      int unit = UnitFor("crd:" + group, preferred, r.version);
      model_.units[unit].inputs.insert(crd.input);
      Ctx ctx{crd.file, vpath + ".schema.openAPIV3Schema", unit, TypeName(base.kind), true};
      KUBE_RETURN_IF_ERROR(CheckStructural(*root, ctx));
      if (StringAt(*root, "type") != "object") return Error(ctx, "type must be object");
      Json with_props = *root;
      if (!with_props.contains("properties")) with_props["properties"] = Json::object();
      if (model_.units[unit].type_names.contains(ctx.hint)) {
        return Error(crd.file, "spec.names.kind",
                     "type " + ctx.hint + " is already defined in " + model_.units[unit].ns);
      }
      auto id = MakeStruct(with_props, ctx, "", /*kind_root=*/true, /*name_reserved=*/false);
      if (!id) return std::move(id).error();
      model_.structs[*id].resource = r;
    }
    return Status();
  }

  const Options& options_;
  Model model_;
  std::vector<Crd> crds_;
  std::map<std::string, Named> named_;
  std::map<std::string, Type> memo_;
  std::map<std::string, std::string> group_ish_;
  std::set<std::string> used_ish_;
};

}  // namespace

Result<Model> LoadModel(const std::vector<Input>& inputs, const Options& options) {
  Loader loader(options);
  for (const Input& input : inputs) KUBE_RETURN_IF_ERROR(loader.AddInput(input));
  return loader.Finish();
}

}  // namespace kube::codegen
