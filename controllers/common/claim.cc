#include "controllers/common/claim.h"

#include "kubecpp/core/json.h"

namespace kube::controllers {

OwnerReference NewControllerRef(const controller::OwnerInfo& owner) {
  OwnerReference ref;
  ref.api_version = owner.gvk.ApiVersion();
  ref.kind = owner.gvk.kind;
  ref.name = owner.name;
  ref.uid = owner.uid;
  ref.controller = true;
  ref.block_owner_deletion = true;
  return ref;
}

ClaimDecision DecideClaim(const ClaimContext& ctx, const ObjectMeta& object) {
  const OwnerReference* ref = object.ControllerRef();
  const bool matches = ctx.selector.Matches(object.labels);
  if (ref != nullptr) {
    if (ref->uid != ctx.owner.uid) return ClaimDecision::kIgnore;
    if (matches) return ClaimDecision::kKeep;
    if (ctx.owner_being_deleted || object.IsBeingDeleted()) return ClaimDecision::kIgnore;
    return ClaimDecision::kRelease;
  }
  if (ctx.owner_being_deleted || !matches || object.IsBeingDeleted()) {
    return ClaimDecision::kIgnore;
  }
  return ClaimDecision::kAdopt;
}

std::string AdoptPatch(const controller::OwnerInfo& owner, std::string_view object_uid) {
  Json ref;
  ToJson(NewControllerRef(owner), &ref);
  Json patch = {
      {"metadata", {{"ownerReferences", Json::array({ref})}, {"uid", std::string(object_uid)}}}};
  return patch.dump();
}

std::string ReleasePatch(std::string_view owner_uid, std::string_view object_uid) {
  Json patch = {
      {"metadata",
       {{"ownerReferences", Json::array({{{"$patch", "delete"}, {"uid", std::string(owner_uid)}}})},
        {"uid", std::string(object_uid)}}}};
  return patch.dump();
}

namespace internal {

bool IgnorableAdoptError(const Status& s) { return IsNotFound(s); }

bool IgnorableReleaseError(const Status& s) {
  return IsNotFound(s) || IsInvalid(s) || IsConflict(s);
}

}  // namespace internal

}  // namespace kube::controllers
