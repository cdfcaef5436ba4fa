// Unstructured: any Kubernetes object as JSON, with typed accessors for the parts
// every object shares (apiVersion, kind, metadata).
//
// The dynamic client, the fake apiserver and controllers of kinds unknown at compile
// time use it. The JSON stays the source of truth: accessors read from it and
// setters write into it, so fields kubecpp does not model are never lost.
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_UNSTRUCTURED_H_
#define KUBECPP_CORE_UNSTRUCTURED_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "kubecpp/core/gvk.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"

namespace kube {

class Unstructured {
 public:
  // An empty object ({}).
  Unstructured();

  // Takes a JSON object. Errors: kBadRequest when `object` is not a JSON object.
  static Result<Unstructured> FromJson(Json object);
  // Parses JSON text holding an object.
  static Result<Unstructured> Parse(std::string_view json_text);

  const Json& object() const { return object_; }
  Json& object() { return object_; }
  // Compact JSON text.
  std::string ToString() const { return object_.dump(); }

  std::string api_version() const { return GetString({"apiVersion"}); }
  std::string kind() const { return GetString({"kind"}); }
  // Errors: kBadRequest when apiVersion is malformed ("a/b/c").
  Result<GroupVersionKind> gvk() const;
  std::string name() const { return GetString({"metadata", "name"}); }
  std::string namespace_() const { return GetString({"metadata", "namespace"}); }
  std::string uid() const { return GetString({"metadata", "uid"}); }
  std::string resource_version() const { return GetString({"metadata", "resourceVersion"}); }
  int64_t generation() const;
  ObjectKey key() const;
  std::map<std::string, std::string> labels() const;
  std::map<std::string, std::string> annotations() const;

  void set_api_version(std::string_view v) { Set({"apiVersion"}, Json(v)); }
  void set_kind(std::string_view v) { Set({"kind"}, Json(v)); }
  void set_name(std::string_view v) { Set({"metadata", "name"}, Json(v)); }
  void set_namespace(std::string_view v) { Set({"metadata", "namespace"}, Json(v)); }
  void set_resource_version(std::string_view v) { Set({"metadata", "resourceVersion"}, Json(v)); }
  void set_labels(const std::map<std::string, std::string>& labels);
  void set_annotations(const std::map<std::string, std::string>& annotations);

  // Decodes all of `metadata`. Errors: kBadRequest naming the malformed field.
  Result<ObjectMeta> metadata() const;
  // Replaces `metadata` with `meta` (unknown metadata fields travel in
  // meta.unknown_fields).
  void set_metadata(const ObjectMeta& meta);

  // The value at a path of object keys, or nullptr when any step is missing or not an
  // object. The pointer is valid until the object changes.
  const Json* Get(std::initializer_list<std::string_view> path) const;
  // The string at `path`, or "" when absent or not a string.
  std::string GetString(std::initializer_list<std::string_view> path) const;
  // Sets the value at `path`, creating intermediate objects (and replacing non-object
  // values on the way).
  void Set(std::initializer_list<std::string_view> path, Json value);
  // Removes the value at `path`; returns true when something was removed.
  bool Remove(std::initializer_list<std::string_view> path);

  friend bool operator==(const Unstructured&, const Unstructured&) = default;

 private:
  explicit Unstructured(Json object) : object_(std::move(object)) {}
  std::map<std::string, std::string> StringMap(std::string_view field) const;

  Json object_;
};

}  // namespace kube

#endif  // KUBECPP_CORE_UNSTRUCTURED_H_
