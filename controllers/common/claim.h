// Claiming: how a controller takes ownership of the objects its selector picks and lets
// go of the ones it no longer selects (docs/k8s-semantics.md B0.1, B0.2; upstream
// pkg/controller/controller_ref_manager.go). The ReplicaSet controller claims Pods, the
// Deployment controller claims ReplicaSets.
//
// For each candidate (an object from the cache, in the owner's namespace):
//   - controllerRef to another uid:                         ignore;
//   - controllerRef to the owner, selector matches:         keep (claimed);
//   - controllerRef to the owner, selector does not match:  ignore if the owner or the
//     object is being deleted, else release (kRelease);
//   - no controllerRef: ignore if the owner is being deleted, the selector does not
//     match or the object is being deleted, else adopt (kAdopt).
// Adopt is a strategic merge patch adding NewControllerRef(owner) with a `metadata.uid`
// precondition, after ClaimContext::recheck_owner succeeded once (called lazily before
// the first adoption of the call). Release is the strategic merge patch
// `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":<owner>}],"uid":<obj>}}`.
//
//   ClaimContext ctx{controller::OwnerOf(rs), *selector, rs.metadata.IsBeingDeleted(),
//                    [&] { return RecheckReplicaSet(rs); }};
//   auto owned = ClaimObjects<Pod>(ctx, active_pods, pods_api, stop);
//
// Thread-safety: stateless functions; thread-safe when the Api is.
#ifndef KUBECPP_CONTROLLERS_COMMON_CLAIM_H_
#define KUBECPP_CONTROLLERS_COMMON_CLAIM_H_

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/client/api.h"
#include "kubecpp/controller/util.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/result.h"

namespace kube::controllers {

// The field manager of every object write of the built-in controllers.
inline constexpr std::string_view kControllerFieldManager = "kube-controller-manager";

// What one claiming pass needs to know about the owner.
struct ClaimContext {
  controller::OwnerInfo owner;  // gvk, name, namespace and uid of the controller
  Selector selector;            // the owner's parsed spec.selector
  bool owner_being_deleted = false;
  // Re-reads the owner from the apiserver (not the cache) and fails when it is gone,
  // has another uid, or has a deletionTimestamp. Called at most once per ClaimObjects
  // call, before the first adoption. Empty: adoption needs no recheck.
  std::function<Status()> recheck_owner;
  // fieldManager of the adopt/release patches. Default "kube-controller-manager".
  std::string field_manager = std::string(kControllerFieldManager);
};

// `{apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}` (B0.1).
OwnerReference NewControllerRef(const controller::OwnerInfo& owner);

// The object's controllerRef (the ownerReference with controller: true), or nullptr.
inline const OwnerReference* ControllerRefOf(const ObjectMeta& meta) {
  return meta.ControllerRef();
}

// What ClaimObjects does with one candidate.
enum class ClaimDecision { kIgnore, kKeep, kAdopt, kRelease };
ClaimDecision DecideClaim(const ClaimContext& ctx, const ObjectMeta& object);

// The strategic merge patch bodies of adopt and release (see the file comment).
std::string AdoptPatch(const controller::OwnerInfo& owner, std::string_view object_uid);
std::string ReleasePatch(std::string_view owner_uid, std::string_view object_uid);

namespace internal {
// Runs `patch` and classifies its status: adopt treats NotFound as "not claimed, no
// error"; release treats NotFound and Invalid/Conflict (object replaced or the
// reference already gone) as success.
bool IgnorableAdoptError(const Status& s);
bool IgnorableReleaseError(const Status& s);
}  // namespace internal

// Claims `candidates` for ctx.owner (rules above) and returns the objects the owner
// controls afterwards: kept ones as given, adopted ones as the server returned them.
// Released and ignored objects are not returned. Every candidate is processed even
// after a failure; the first failure (the recheck's or a patch's) is then returned
// instead of the list, so the caller retries the whole sync. Blocks on API calls.
template <client::ApiResource T>
[[nodiscard]] Result<std::vector<std::shared_ptr<const T>>> ClaimObjects(
    const ClaimContext& ctx, const std::vector<std::shared_ptr<const T>>& candidates,
    client::Api<T>& api, std::stop_token stop = {}) {
  std::vector<std::shared_ptr<const T>> claimed;
  Status first_error;
  bool rechecked = false;
  Status recheck_status;
  client::PatchOptions options;
  options.write.field_manager = ctx.field_manager;
  for (const auto& object : candidates) {
    if (object == nullptr) continue;
    const ObjectMeta& meta = object->metadata;
    switch (DecideClaim(ctx, meta)) {
      case ClaimDecision::kIgnore:
        break;
      case ClaimDecision::kKeep:
        claimed.push_back(object);
        break;
      case ClaimDecision::kAdopt: {
        if (!rechecked) {
          rechecked = true;
          if (ctx.recheck_owner) recheck_status = ctx.recheck_owner();
        }
        if (!recheck_status.ok()) {
          if (first_error.ok()) first_error = recheck_status;
          break;
        }
        auto adopted = api.Patch(meta.name, client::PatchType::kStrategicMerge,
                                 AdoptPatch(ctx.owner, meta.uid), options, "", stop);
        if (adopted) {
          claimed.push_back(std::make_shared<const T>(std::move(*adopted)));
        } else if (!internal::IgnorableAdoptError(adopted.error()) && first_error.ok()) {
          first_error = std::move(adopted).error();
        }
        break;
      }
      case ClaimDecision::kRelease: {
        auto released = api.Patch(meta.name, client::PatchType::kStrategicMerge,
                                  ReleasePatch(ctx.owner.uid, meta.uid), options, "", stop);
        if (!released && !internal::IgnorableReleaseError(released.error()) && first_error.ok()) {
          first_error = std::move(released).error();
        }
        break;
      }
    }
  }
  if (!first_error.ok()) return first_error;
  return claimed;
}

}  // namespace kube::controllers

#endif  // KUBECPP_CONTROLLERS_COMMON_CLAIM_H_
