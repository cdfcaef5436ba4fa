#include "watcher.h"

#include <cstdio>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/predicate.h"
#include "kubecpp/core/labels.h"

namespace watcher {
namespace {

using kube::controller::Action;
using kube::controller::Request;

const kube::client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};

}  // namespace

std::string ContentHash(const kube::Unstructured& config_map) {
  uint64_t h = 1469598103934665603ULL;
  for (const char* field : {"data", "binaryData"}) {
    const kube::Json* value = config_map.Get({field});
    for (char c : value != nullptr ? value->dump() : std::string("null")) {
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

kube::Status SetupWithManager(kube::manager::Manager& mgr) {
  auto watched = kube::Selector::Parse(std::string(kWatchLabel) + "=true");
  if (!watched) return watched.error();
  return mgr.NewControllerManagedBy()
      .ForResource(kConfigMaps,
                   {kube::controller::LabelSelectorPredicate<kube::Unstructured>(*watched)})
      .Named("configmap-watcher")
      .Complete(
          kube::controller::ReconcilerFunc([&mgr](const Request& req) -> kube::Result<Action> {
            // The reconcile: read, compare, write the difference.
            kube::client::DynamicApi api(mgr.client(), kConfigMaps, req.key.namespace_);
            auto cm = api.Get(req.key.name, req.stop);
            if (!cm) {
              if (cm.error().code() == kube::Code::kNotFound) return Action::Done();  // deleted
              return cm.error();
            }
            const std::string hash = ContentHash(*cm);
            auto annotations = cm->annotations();
            if (annotations[kHashAnnotation] == hash) return Action::Done();
            annotations[kHashAnnotation] = hash;
            cm->set_annotations(annotations);
            auto updated = api.Update(*cm, {}, req.stop);  // a conflict is retried with backoff
            if (!updated) return updated.error();
            mgr.event_recorder().Event(*updated, kube::manager::EventType::kNormal, "HashUpdated",
                                       "content hash is now " + hash);
            req.log.Info("updated content hash", {{"hash", hash}});
            return Action::Done();
          }));
}

}  // namespace watcher
