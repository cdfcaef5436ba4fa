// Event handlers: map an object that changed to the keys to reconcile
// (controller-runtime's pkg/handler).
//
//   EnqueueRequestForObject<T>()            the object's own key (For<T>)
//   EnqueueRequestForOwner<T>(owner, ...)   the key of its owner of kind `owner` (Owns<T>)
//   a lambda returning keys                 anything else (Watches<T>(map))
//
// For an update the map runs on the old and the new object, so a change of owner or
// label enqueues both the old and the new target; the queue collapses duplicates.
//
// Thread-safety: map functions run on the informer's dispatch thread; they must be
// quick and must not block.
#ifndef KUBECPP_CONTROLLER_HANDLER_H_
#define KUBECPP_CONTROLLER_HANDLER_H_

#include <functional>
#include <string_view>
#include <vector>

#include "kubecpp/controller/object.h"
#include "kubecpp/core/gvk.h"

namespace kube::controller {

template <typename T>
using MapFunc = std::function<std::vector<ObjectKey>(const T& object)>;

template <ControllerObject T>
MapFunc<T> EnqueueRequestForObject() {
  return [](const T& o) {
    auto&& meta = MetaOf(o);
    return std::vector<ObjectKey>{ObjectKey{meta.namespace_, meta.name}};
  };
}

// True when `ref` points at an object of `owner` kind (the version does not matter).
bool OwnerRefMatches(const OwnerReference& ref, const GroupKind& owner);

// The keys of the owners of kind `owner` (only the controller owner when
// `only_controller`). The owner key takes the object's namespace, or none when
// `owner_namespaced` is false (a cluster-scoped owner).
template <ControllerObject T>
MapFunc<T> EnqueueRequestForOwner(GroupKind owner, bool only_controller = true,
                                  bool owner_namespaced = true) {
  return [owner = std::move(owner), only_controller, owner_namespaced](const T& o) {
    auto&& meta = MetaOf(o);
    std::vector<ObjectKey> keys;
    for (const OwnerReference& ref : meta.owner_references) {
      if (only_controller && !ref.controller.value_or(false)) continue;
      if (!OwnerRefMatches(ref, owner)) continue;
      keys.push_back(ObjectKey{owner_namespaced ? meta.namespace_ : std::string(), ref.name});
    }
    return keys;
  };
}

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_HANDLER_H_
