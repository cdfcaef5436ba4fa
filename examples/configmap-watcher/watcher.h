// configmap-watcher: the smallest useful kubecpp controller.
//
// For every ConfigMap labelled kubecpp.io/watch=true it keeps the annotation
// kubecpp.io/content-hash equal to a hash of the ConfigMap's data, and records an
// Event when the hash changes, so other tools (or a Deployment's pod template) can
// react to content changes.
#ifndef KUBECPP_EXAMPLES_CONFIGMAP_WATCHER_WATCHER_H_
#define KUBECPP_EXAMPLES_CONFIGMAP_WATCHER_WATCHER_H_

#include <string>

#include "kubecpp/core/unstructured.h"
#include "kubecpp/manager/manager.h"

namespace watcher {

inline constexpr const char* kWatchLabel = "kubecpp.io/watch";
inline constexpr const char* kHashAnnotation = "kubecpp.io/content-hash";

// FNV-1a of the ConfigMap's data and binaryData, as 16 hex digits (stable across
// runs and builds).
std::string ContentHash(const kube::Unstructured& config_map);

// Adds the controller to `mgr`.
[[nodiscard]] kube::Status SetupWithManager(kube::manager::Manager& mgr);

}  // namespace watcher

#endif  // KUBECPP_EXAMPLES_CONFIGMAP_WATCHER_WATCHER_H_
