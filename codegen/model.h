// The model kube-codegen builds from schemas and prints as C++: units (one per
// group-version, one header and one source file each), structs, enums and the types
// of their fields.
//
// Thread-safety: plain data; thread-compatible.
#ifndef KUBECPP_CODEGEN_MODEL_H_
#define KUBECPP_CODEGEN_MODEL_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kube::codegen {

using Json = nlohmann::json;

// Leaf types; the k* after kRawJson are kubecpp core types with their own codecs.
enum class Scalar {
  kString,
  kInt32,
  kInt64,
  kDouble,
  kBool,
  kBytes,      // format: byte; std::string holding the decoded bytes, base64 on the wire
  kTime,       // format: date-time; kube::Time
  kMicroTime,  // meta/v1 MicroTime; kube::MicroTime
  kRawJson,    // preserve-unknown-fields, embedded resources without properties
  kQuantity,
  kIntOrString,
  kObjectMeta,
  kListMeta,
  kOwnerReference,
  kManagedFieldsEntry,
  kCondition,
  kLabelSelector,
  kLabelSelectorRequirement,
};

struct Type {
  enum class Kind { kScalar, kStruct, kEnum, kArray, kMap };
  Kind kind = Kind::kScalar;
  Scalar scalar = Scalar::kString;
  int id = -1;                 // index into Model::structs or Model::enums
  std::shared_ptr<Type> elem;  // kArray / kMap
  bool elem_nullable = false;  // items / additionalProperties say nullable: elements optional
  Json schema;                 // the (resolved) schema, for validation and defaults
};

struct Field {
  std::string json_name;
  std::string cpp_name;
  std::string doc;
  Type type;
  bool required = false;
  bool nullable = false;
};

struct Resource {
  std::string group, version, kind, plural, singular, list_kind;
  bool namespaced = true;
  bool storage = true;
  bool served = true;
  bool status_subresource = false;
  bool scale_subresource = false;
};

struct Struct {
  std::string name;
  int unit = -1;
  std::string doc;
  std::vector<Field> fields;
  Json schema;                       // the object schema (minProperties, oneOf, ...)
  std::optional<Resource> resource;  // set for top-level kinds
  bool embedded_resource = false;
};

struct Enum {
  std::string name;
  int unit = -1;
  std::string doc;
  std::vector<std::pair<std::string, std::string>> values;  // wire text, enumerator
};

struct Unit {
  std::string group_ish;  // "core", "apps", "stable"
  std::string version;    // "v1"; may be empty
  std::string ns;         // full C++ namespace
  std::string path;       // "core/v1/types" (no extension), relative to the output dir
  std::set<std::string> inputs;
  std::vector<int> structs;  // in creation order
  std::vector<int> enums;
  std::set<std::string> type_names;
};

struct Model {
  std::vector<Unit> units;
  std::vector<Struct> structs;
  std::vector<Enum> enums;
};

}  // namespace kube::codegen

#endif  // KUBECPP_CODEGEN_MODEL_H_
