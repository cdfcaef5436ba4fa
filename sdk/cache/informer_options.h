// Options of an informer: what it watches (namespace, selectors), how objects are
// trimmed before they are cached (Transform), resync, and reflector tuning.
//
// A Transform runs on every object the reflector receives, before it is decoded and
// stored, and on the objects handed to handlers. The default drops
// metadata.managedFields (often a third of an object, useless to controllers);
// MetadataOnlyTransform keeps only apiVersion, kind and metadata, for controllers
// that need nothing else (an owner index, a garbage collector). Transforms are
// compared by name: the InformerFactory refuses two caches of one watch with
// transforms of different names.
//
// Thread-safety: value types; thread-compatible. A Transform's function must be
// safe to call from the informer's reflector thread.
#ifndef KUBECPP_CACHE_INFORMER_OPTIONS_H_
#define KUBECPP_CACHE_INFORMER_OPTIONS_H_

#include <chrono>
#include <functional>
#include <string>

#include "kubecpp/cache/reflector.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/unstructured.h"

namespace kube::cache {

struct Transform {
  std::string name;                       // identifies the transform; "" only for NoTransform()
  std::function<void(Unstructured&)> fn;  // null: identity
};

// Drops metadata.managedFields. Name "strip-managed-fields".
Transform DefaultTransform();
// Keeps apiVersion, kind and metadata (without managedFields). Name "metadata-only".
Transform MetadataOnlyTransform();
// Caches objects as received. Name "none".
Transform NoTransform();

struct InformerOptions {
  // Namespace to watch; "" (default) watches all namespaces. Ignored for
  // cluster-scoped resources.
  std::string namespace_;
  // Server-side filters, in query syntax ("app=web", "spec.nodeName=n1"). Default none.
  std::string label_selector;
  std::string field_selector;
  // Re-deliver every cached object as an update (old == new) this often. Default 0:
  // never.
  Clock::Duration resync_period{0};
  // Applied before caching. Default DefaultTransform().
  Transform transform = DefaultTransform();
  ReflectorOptions reflector;
  // Clock for backoff, resync and WaitForSync. Default: the client's clock.
  Clock* clock = nullptr;
};

}  // namespace kube::cache

#endif  // KUBECPP_CACHE_INFORMER_OPTIONS_H_
