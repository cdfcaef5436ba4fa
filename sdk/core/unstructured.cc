#include "kubecpp/core/unstructured.h"

namespace kube {

Unstructured::Unstructured() : object_(Json::object()) {}

Result<Unstructured> Unstructured::FromJson(Json object) {
  if (!object.is_object()) {
    return BadRequestError("expected a JSON object for a Kubernetes object, got " +
                           std::string(JsonTypeName(object)));
  }
  return Unstructured(std::move(object));
}

Result<Unstructured> Unstructured::Parse(std::string_view json_text) {
  auto json = ParseJson(json_text);
  if (!json) return std::move(json).error();
  return FromJson(std::move(*json));
}

Result<GroupVersionKind> Unstructured::gvk() const {
  return GroupVersionKind::FromApiVersionAndKind(api_version(), kind());
}

int64_t Unstructured::generation() const {
  const Json* g = Get({"metadata", "generation"});
  return g != nullptr && g->is_number_integer() ? g->get<int64_t>() : 0;
}

ObjectKey Unstructured::key() const {
  ObjectKey key;
  key.namespace_ = namespace_();
  key.name = name();
  return key;
}

std::map<std::string, std::string> Unstructured::StringMap(std::string_view field) const {
  std::map<std::string, std::string> out;
  const Json* m = Get({"metadata", field});
  if (m == nullptr || !m->is_object()) return out;
  for (const auto& [k, v] : m->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> Unstructured::labels() const { return StringMap("labels"); }
std::map<std::string, std::string> Unstructured::annotations() const {
  return StringMap("annotations");
}

void Unstructured::set_labels(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) {
    Remove({"metadata", "labels"});
  } else {
    Set({"metadata", "labels"}, Json(labels));
  }
}

void Unstructured::set_annotations(const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) {
    Remove({"metadata", "annotations"});
  } else {
    Set({"metadata", "annotations"}, Json(annotations));
  }
}

Result<ObjectMeta> Unstructured::metadata() const {
  ObjectMeta meta;
  const Json* m = Get({"metadata"});
  if (m == nullptr) return meta;
  if (Status s = FromJsonAt(*m, "metadata", &meta); !s.ok()) return s;
  return meta;
}

void Unstructured::set_metadata(const ObjectMeta& meta) {
  Json m;
  ToJson(meta, &m);
  object_["metadata"] = std::move(m);
}

const Json* Unstructured::Get(std::initializer_list<std::string_view> path) const {
  const Json* cur = &object_;
  for (std::string_view step : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(step);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string Unstructured::GetString(std::initializer_list<std::string_view> path) const {
  const Json* v = Get(path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

void Unstructured::Set(std::initializer_list<std::string_view> path, Json value) {
  Json* cur = &object_;
  for (std::string_view step : path) {
    if (!cur->is_object()) *cur = Json::object();
    cur = &(*cur)[std::string(step)];
  }
  *cur = std::move(value);
}

bool Unstructured::Remove(std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return false;
  Json* cur = &object_;
  auto last = path.end() - 1;
  for (auto it = path.begin(); it != last; ++it) {
    if (!cur->is_object()) return false;
    auto found = cur->find(*it);
    if (found == cur->end()) return false;
    cur = &*found;
  }
  if (!cur->is_object()) return false;
  return cur->erase(std::string(*last)) > 0;
}

}  // namespace kube
