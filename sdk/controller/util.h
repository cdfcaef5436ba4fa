// Helpers every controller needs: owner references, finalizers, create-or-update,
// and writes that retry on conflict (controller-runtime's controllerutil and
// client-go's retry.RetryOnConflict).
//
// The write helpers take the API to write through: a typed kube::client::Api<T> for
// a generated type, or a kube::client::DynamicApi for kube::Unstructured. They read
// from the apiserver, not from a cache, so they never act on a stale copy.
//
//   auto result = CreateOrUpdate(deployments, &deployment, [&](Deployment& d) {
//     d.spec.replicas = app.spec.replicas;  // mutate only what you own
//     return SetControllerReference(app_meta, app_gvk, true, &d.metadata);
//   });
//   // *result is kCreated, kUpdated or kUnchanged
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CONTROLLER_UTIL_H_
#define KUBECPP_CONTROLLER_UTIL_H_

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/object.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/result.h"

namespace kube::controller {

// ---- Owner references ---------------------------------------------------------------

// The owner side of an owner reference.
struct OwnerInfo {
  GroupVersionKind gvk;
  std::string name;
  std::string namespace_;  // "" for a cluster-scoped owner
  std::string uid;
};
OwnerInfo OwnerOf(const GroupVersionKind& gvk, const ObjectMeta& owner);
template <client::ApiResource O>
OwnerInfo OwnerOf(const O& owner) {
  return OwnerOf(
      GroupVersionKind{std::string(O::kGroup), std::string(O::kVersion), std::string(O::kKind)},
      owner.metadata);
}
// REQUIRES: the object's apiVersion and kind are set.
Result<OwnerInfo> OwnerOf(const Unstructured& owner);

// Makes `owner` the controller of `object` (controller=true, blockOwnerDeletion=true),
// replacing a reference to the same owner. Errors: kAlreadyExists when another
// controller owns the object (AlreadyOwnedError); kInvalid when the owner is
// namespaced and the object is cluster-scoped or in another namespace, or the owner
// has no uid.
[[nodiscard]] Status SetControllerReference(const OwnerInfo& owner, ObjectMeta* object,
                                            bool object_namespaced = true);
// Adds or updates a non-controller reference to `owner`; same scope rules.
[[nodiscard]] Status SetOwnerReference(const OwnerInfo& owner, ObjectMeta* object,
                                       bool object_namespaced = true);
// Removes references to `owner` (by group, kind and name); true when one was removed.
bool RemoveOwnerReference(const OwnerInfo& owner, ObjectMeta* object);
// True when `owner` is the controller of `object`.
bool IsControlledBy(const ObjectMeta& object, const OwnerInfo& owner);

// Runs `fn` on the object's metadata and stores it back (Unstructured keeps its
// unknown metadata fields).
template <TypedObject T>
Status MutateMeta(T* object, const std::function<Status(ObjectMeta&)>& fn) {
  return fn(object->metadata);
}
Status MutateMeta(Unstructured* object, const std::function<Status(ObjectMeta&)>& fn);

// ---- JSON of either kind of object --------------------------------------------------

template <TypedObject T>
Json ToJsonValue(const T& object) {
  Json j;
  ToJson(object, &j);
  return j;
}
inline Json ToJsonValue(const Unstructured& object) { return object.object(); }

// An RFC 7386 merge patch turning `from` into `to` (null deletes a field; arrays and
// scalars are replaced whole). "{}" when they are equal.
Json CreateMergePatch(const Json& from, const Json& to);

// ---- Retrying writes ----------------------------------------------------------------

struct RetryBackoff {
  int steps = 5;  // client-go's retry.DefaultRetry: 5 tries, 10 ms apart (jitter 0.1)
  Clock::Duration interval = std::chrono::milliseconds(10);
  Clock* clock = nullptr;  // default RealClock()
};

// Runs `fn` until it does not fail with kConflict, at most backoff.steps times.
// Returns fn's last status.
[[nodiscard]] Status RetryOnConflict(const RetryBackoff& backoff, const std::function<Status()>& fn,
                                     std::stop_token stop = {});

// ---- Create or update ---------------------------------------------------------------

enum class OperationResult { kUnchanged, kCreated, kUpdated, kUpdatedStatus, kUpdatedStatusOnly };
std::string_view OperationResultName(OperationResult r);  // "unchanged", "created", ...

// Gets the object named by `object->metadata` (name and namespace must be set). If
// it does not exist: runs `mutate` on *object and creates it (kCreated). If it does:
// runs `mutate` on the live copy and updates it only if that changed anything
// (kUpdated / kUnchanged). *object ends up as the server's copy. `mutate` must not
// change the name or namespace (kInvalid).
template <typename ApiT, typename T>
[[nodiscard]] Result<OperationResult> CreateOrUpdate(ApiT& api, T* object,
                                                     const std::function<Status(T&)>& mutate,
                                                     std::stop_token stop = {});

// Like CreateOrUpdate, but writes the change as a JSON merge patch (so fields the
// controller does not set are never sent), and the status, when changed, through the
// status subresource: kUpdated, kUpdatedStatus (both) or kUpdatedStatusOnly.
template <typename ApiT, typename T>
[[nodiscard]] Result<OperationResult> CreateOrPatch(ApiT& api, T* object,
                                                    const std::function<Status(T&)>& mutate,
                                                    std::stop_token stop = {});

// Reads the object, applies `mutate` and writes its status subresource, re-reading
// and retrying on conflict. Returns the server's copy.
template <typename ApiT, typename T = std::remove_cvref_t<
                             decltype(*std::declval<ApiT&>().Get(std::string_view()))>>
[[nodiscard]] Result<T> UpdateStatus(ApiT& api, std::string_view name,
                                     const std::function<Status(T&)>& mutate,
                                     const RetryBackoff& backoff = {}, std::stop_token stop = {});

// ---- Finalizers ---------------------------------------------------------------------

// The one-call finalizer flow. On an object not being deleted: adds `finalizer` if
// missing (one update) and returns kContinue. On an object being deleted that still
// has it: runs `cleanup`; on success removes the finalizer (one update) and returns
// kDeleted; a cleanup error is returned as is (retry later). Being deleted without
// the finalizer: kDeleted.
enum class FinalizerResult { kContinue, kDeleted };
template <typename ApiT, typename T>
[[nodiscard]] Result<FinalizerResult> HandleFinalizer(
    ApiT& api, const T& object, std::string_view finalizer,
    const std::function<Status(const T&)>& cleanup, std::stop_token stop = {});

// ---- Implementation -----------------------------------------------------------------

namespace detail {
Status CheckSameIdentity(const ObjectMeta& before, const ObjectMeta& after);

// The live copy of the object `meta` names; or, when there is none, runs `mutate` on
// *object, creates it (*object becomes the server's copy) and returns nullopt.
template <typename ApiT, typename T>
Result<std::optional<T>> GetOrCreate(ApiT& api, T* object, const ObjectMeta& meta,
                                     const std::function<Status(T&)>& mutate,
                                     std::stop_token stop) {
  auto live = api.Get(meta.name, stop);
  if (live) return std::optional<T>(std::move(*live));
  if (live.error().code() != Code::kNotFound) return std::move(live).error();
  KUBE_RETURN_IF_ERROR(mutate(*object));
  KUBE_RETURN_IF_ERROR(CheckSameIdentity(meta, MetaOf(*object)));
  auto created = api.Create(*object, {}, stop);
  if (!created) return std::move(created).error();
  *object = std::move(*created);
  return std::optional<T>();
}
}  // namespace detail

template <typename ApiT, typename T>
Result<OperationResult> CreateOrUpdate(ApiT& api, T* object,
                                       const std::function<Status(T&)>& mutate,
                                       std::stop_token stop) {
  const ObjectMeta meta = MetaOf(*object);
  auto live = detail::GetOrCreate(api, object, meta, mutate, stop);
  if (!live) return std::move(live).error();
  if (!*live) return OperationResult::kCreated;
  T current = std::move(**live);
  const Json before = ToJsonValue(current);
  KUBE_RETURN_IF_ERROR(mutate(current));
  KUBE_RETURN_IF_ERROR(detail::CheckSameIdentity(meta, MetaOf(current)));
  if (ToJsonValue(current) == before) {
    *object = std::move(current);
    return OperationResult::kUnchanged;
  }
  auto updated = api.Update(current, {}, stop);
  if (!updated) return std::move(updated).error();
  *object = std::move(*updated);
  return OperationResult::kUpdated;
}

template <typename ApiT, typename T>
Result<OperationResult> CreateOrPatch(ApiT& api, T* object, const std::function<Status(T&)>& mutate,
                                      std::stop_token stop) {
  const ObjectMeta meta = MetaOf(*object);
  auto live = detail::GetOrCreate(api, object, meta, mutate, stop);
  if (!live) return std::move(live).error();
  if (!*live) return OperationResult::kCreated;
  T current = std::move(**live);
  Json before = ToJsonValue(current);
  KUBE_RETURN_IF_ERROR(mutate(current));
  KUBE_RETURN_IF_ERROR(detail::CheckSameIdentity(meta, MetaOf(current)));
  Json after = ToJsonValue(current);
  Json status_before = before.contains("status") ? before["status"] : Json();
  Json status_after = after.contains("status") ? after["status"] : Json();
  before.erase("status");
  after.erase("status");
  const Json patch = CreateMergePatch(before, after);
  const bool spec_changed = !patch.empty();
  const bool status_changed = status_before != status_after;
  if (spec_changed) {
    auto patched = api.Patch(meta.name, client::PatchType::kMerge, patch.dump(), {}, "", stop);
    if (!patched) return std::move(patched).error();
    *object = std::move(*patched);
  }
  if (status_changed) {
    Json status_patch = {{"status", CreateMergePatch(status_before, status_after)}};
    auto patched =
        api.Patch(meta.name, client::PatchType::kMerge, status_patch.dump(), {}, "status", stop);
    if (!patched) return std::move(patched).error();
    *object = std::move(*patched);
  }
  if (!spec_changed && !status_changed) {
    *object = std::move(current);
    return OperationResult::kUnchanged;
  }
  if (spec_changed)
    return status_changed ? OperationResult::kUpdatedStatus : OperationResult::kUpdated;
  return OperationResult::kUpdatedStatusOnly;
}

template <typename ApiT, typename T>
Result<T> UpdateStatus(ApiT& api, std::string_view name, const std::function<Status(T&)>& mutate,
                       const RetryBackoff& backoff, std::stop_token stop) {
  std::optional<T> out;
  Status s = RetryOnConflict(
      backoff,
      [&]() -> Status {
        auto live = api.Get(name, stop);
        if (!live) return std::move(live).error();
        T current = std::move(*live);
        KUBE_RETURN_IF_ERROR(mutate(current));
        auto updated = api.UpdateStatus(current, {}, stop);
        if (!updated) return std::move(updated).error();
        out = std::move(*updated);
        return Status();
      },
      stop);
  if (!s.ok()) return s;
  return std::move(*out);
}

template <typename ApiT, typename T>
Result<FinalizerResult> HandleFinalizer(ApiT& api, const T& object, std::string_view finalizer,
                                        const std::function<Status(const T&)>& cleanup,
                                        std::stop_token stop) {
  auto&& meta = MetaOf(object);
  if (!meta.IsBeingDeleted()) {
    if (meta.HasFinalizer(finalizer)) return FinalizerResult::kContinue;
    T copy = object;
    KUBE_RETURN_IF_ERROR(MutateMeta(&copy, [&](ObjectMeta& m) {
      m.AddFinalizer(finalizer);
      return Status();
    }));
    auto updated = api.Update(copy, {}, stop);
    if (!updated) return std::move(updated).error();
    return FinalizerResult::kContinue;
  }
  if (!meta.HasFinalizer(finalizer)) return FinalizerResult::kDeleted;
  KUBE_RETURN_IF_ERROR(cleanup(object));
  T copy = object;
  KUBE_RETURN_IF_ERROR(MutateMeta(&copy, [&](ObjectMeta& m) {
    m.RemoveFinalizer(finalizer);
    return Status();
  }));
  auto updated = api.Update(copy, {}, stop);
  if (!updated && updated.error().code() != Code::kNotFound) return std::move(updated).error();
  return FinalizerResult::kDeleted;
}

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_UTIL_H_
