#include "kubecpp/controller/util.h"

#include "kubecpp/controller/read_your_writes.h"

#include <algorithm>
#include <thread>

namespace kube::controller {
namespace {

std::string ApiVersionOf(const GroupVersionKind& gvk) {
  return gvk.group.empty() ? gvk.version : gvk.group + "/" + gvk.version;
}

bool SameOwner(const OwnerReference& ref, const OwnerInfo& owner) {
  auto gv = GroupVersion::Parse(ref.api_version);
  return gv && gv->group == owner.gvk.group && ref.kind == owner.gvk.kind && ref.name == owner.name;
}

std::string Describe(const OwnerInfo& owner) {
  return owner.gvk.kind + " " + (owner.namespace_.empty() ? "" : owner.namespace_ + "/") +
         owner.name;
}

Status CheckScope(const OwnerInfo& owner, const ObjectMeta& object, bool object_namespaced) {
  if (owner.uid.empty()) {
    return Status(Code::kInvalid, "owner " + Describe(owner) + " has no uid (not yet created?)");
  }
  if (owner.namespace_.empty()) return Status();  // cluster-scoped owners own anything
  if (!object_namespaced) {
    return Status(Code::kInvalid,
                  "cluster-scoped resource must not have a namespace-scoped owner, "
                  "owner's namespace " +
                      owner.namespace_);
  }
  if (object.namespace_ != owner.namespace_) {
    return Status(Code::kInvalid,
                  "cross-namespace owner references are disallowed, owner's "
                  "namespace " +
                      owner.namespace_ + ", obj's namespace " + object.namespace_);
  }
  return Status();
}

void Upsert(OwnerReference ref, const OwnerInfo& owner, ObjectMeta* object) {
  for (OwnerReference& existing : object->owner_references) {
    if (SameOwner(existing, owner)) {
      existing = std::move(ref);
      return;
    }
  }
  object->owner_references.push_back(std::move(ref));
}

}  // namespace

OwnerInfo OwnerOf(const GroupVersionKind& gvk, const ObjectMeta& owner) {
  return OwnerInfo{gvk, owner.name, owner.namespace_, owner.uid};
}

Result<OwnerInfo> OwnerOf(const Unstructured& owner) {
  auto gvk = owner.gvk();
  if (!gvk) return std::move(gvk).error();
  return OwnerInfo{*gvk, owner.name(), owner.namespace_(), owner.uid()};
}

Status SetControllerReference(const OwnerInfo& owner, ObjectMeta* object, bool object_namespaced) {
  KUBE_RETURN_IF_ERROR(CheckScope(owner, *object, object_namespaced));
  if (const OwnerReference* existing = object->ControllerRef();
      existing != nullptr && !SameOwner(*existing, owner)) {
    return Status(Code::kAlreadyExists,
                  "Object " + (object->namespace_.empty() ? "" : object->namespace_ + "/") +
                      object->name + " is already owned by another " + existing->kind +
                      " controller " + existing->name);
  }
  Upsert(OwnerReference{ApiVersionOf(owner.gvk), owner.gvk.kind, owner.name, owner.uid, true, true},
         owner, object);
  return Status();
}

Status SetOwnerReference(const OwnerInfo& owner, ObjectMeta* object, bool object_namespaced) {
  KUBE_RETURN_IF_ERROR(CheckScope(owner, *object, object_namespaced));
  OwnerReference ref{ApiVersionOf(owner.gvk), owner.gvk.kind, owner.name, owner.uid, {}, {}};
  for (const OwnerReference& existing : object->owner_references) {
    if (SameOwner(existing, owner)) {  // keep the controller flags it already has
      ref.controller = existing.controller;
      ref.block_owner_deletion = existing.block_owner_deletion;
    }
  }
  Upsert(std::move(ref), owner, object);
  return Status();
}

bool RemoveOwnerReference(const OwnerInfo& owner, ObjectMeta* object) {
  auto& refs = object->owner_references;
  const size_t before = refs.size();
  std::erase_if(refs, [&](const OwnerReference& r) { return SameOwner(r, owner); });
  return refs.size() != before;
}

bool IsControlledBy(const ObjectMeta& object, const OwnerInfo& owner) {
  const OwnerReference* ref = object.ControllerRef();
  return ref != nullptr && SameOwner(*ref, owner) && (owner.uid.empty() || ref->uid == owner.uid);
}

Status MutateMeta(Unstructured* object, const std::function<Status(ObjectMeta&)>& fn) {
  auto meta = object->metadata();
  if (!meta) return std::move(meta).error();
  KUBE_RETURN_IF_ERROR(fn(*meta));
  object->set_metadata(*meta);
  return Status();
}

Json CreateMergePatch(const Json& from, const Json& to) {
  Json patch = Json::object();
  if (!from.is_object() || !to.is_object()) return to;
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : to.items()) {
    auto it = from.find(key);
    if (it == from.end()) {
      patch[key] = value;
    } else if (*it != value) {
      patch[key] = it->is_object() && value.is_object() ? CreateMergePatch(*it, value) : value;
    }
  }
  return patch;
}

Status RetryOnConflict(const RetryBackoff& backoff, const std::function<Status()>& fn,
                       std::stop_token stop) {
  Clock& clock = backoff.clock != nullptr ? *backoff.clock : RealClock();
  Status s;
  for (int i = 0; i < std::max(1, backoff.steps); ++i) {
    if (i > 0 && !clock.SleepFor(backoff.interval, stop)) {
      return Status(Code::kCancelled, "retry cancelled");
    }
    s = fn();
    if (s.code() != Code::kConflict) return s;
  }
  return s;
}

bool ResourceVersionOlder(std::string_view a, std::string_view b) {
  auto decimal = [](std::string_view v) {
    return !v.empty() && v.size() <= 19 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (decimal(a) && decimal(b)) return std::stoull(std::string(a)) < std::stoull(std::string(b));
  return a != b;  // unknown format: a differing version is taken as newer
}

std::string_view OperationResultName(OperationResult r) {
  switch (r) {
    case OperationResult::kUnchanged:
      return "unchanged";
    case OperationResult::kCreated:
      return "created";
    case OperationResult::kUpdated:
      return "updated";
    case OperationResult::kUpdatedStatus:
      return "updatedStatus";
    case OperationResult::kUpdatedStatusOnly:
      return "updatedStatusOnly";
  }
  return "unknown";
}

namespace detail {
Status CheckSameIdentity(const ObjectMeta& before, const ObjectMeta& after) {
  if (before.name != after.name || before.namespace_ != after.namespace_) {
    return Status(Code::kInvalid, "MutateFn cannot mutate object name and/or object namespace");
  }
  return Status();
}
}  // namespace detail

}  // namespace kube::controller
