// Uniform metadata access for the object types controllers work with: generated typed
// structs (with a `kube::ObjectMeta metadata` member) and kube::Unstructured.
//
//   auto&& meta = MetaOf(obj);  // a reference for typed objects, a copy for Unstructured
//
// Thread-safety: stateless functions.
#ifndef KUBECPP_CONTROLLER_OBJECT_H_
#define KUBECPP_CONTROLLER_OBJECT_H_

#include <concepts>

#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"

namespace kube::controller {

template <typename T>
concept TypedObject = requires(const T& t) {
  { t.metadata } -> std::convertible_to<const ObjectMeta&>;
};

template <TypedObject T>
const ObjectMeta& MetaOf(const T& object) {
  return object.metadata;
}
// Unstructured: the parsed metadata (empty when it does not parse).
ObjectMeta MetaOf(const Unstructured& object);

template <typename T>
concept ControllerObject = TypedObject<T> || std::same_as<T, Unstructured>;

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_OBJECT_H_
