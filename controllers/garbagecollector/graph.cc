#include "controllers/garbagecollector/graph.h"

#include <algorithm>
#include <utility>

namespace kube::controllers::garbagecollector {
namespace {

const Json* Member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const Json& object, std::string_view key) {
  const Json* v = Member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<bool> BoolMember(const Json& object, std::string_view key) {
  const Json* v = Member(object, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

const Json* MetadataOf(const Json& object) { return Member(object, "metadata"); }

bool Blocks(const OwnerReference& ref) { return ref.block_owner_deletion.value_or(false); }

// upstream's ownerReferenceMatchesCoordinates.
bool MatchesCoordinates(const OwnerReference& ref, const ObjectIdentity& identity) {
  return ref.uid == identity.uid && ref.name == identity.name && ref.kind == identity.kind &&
         ref.api_version == identity.api_version;
}

bool SameReference(const OwnerReference& a, const OwnerReference& b) {
  return a.api_version == b.api_version && a.kind == b.kind && a.name == b.name && a.uid == b.uid &&
         a.controller == b.controller && a.block_owner_deletion == b.block_owner_deletion;
}

const OwnerReference* FindByUid(const std::vector<OwnerReference>& refs, const std::string& uid) {
  for (const auto& ref : refs) {
    if (ref.uid == uid) return &ref;
  }
  return nullptr;
}

// The object newly waits on `finalizer` (deletionTimestamp set and the finalizer
// present now, not both before).
bool StartsWaitingFor(const Json* old_object, const Json& object, std::string_view finalizer) {
  if (!HasDeletionTimestamp(object) || !HasFinalizer(object, finalizer)) return false;
  if (old_object == nullptr) return true;
  return !(HasDeletionTimestamp(*old_object) && HasFinalizer(*old_object, finalizer));
}

}  // namespace

std::string ObjectIdentity::ToString() const {
  return "[" + api_version + "/" + kind + ", namespace: " + namespace_ + ", name: " + name +
         ", uid: " + uid + "]";
}

std::vector<OwnerReference> OwnerReferencesOf(const Json& object) {
  std::vector<OwnerReference> out;
  const Json* metadata = MetadataOf(object);
  const Json* refs = metadata != nullptr ? Member(*metadata, "ownerReferences") : nullptr;
  if (refs == nullptr || !refs->is_array()) return out;
  for (const Json& ref : *refs) {
    OwnerReference owner;
    owner.api_version = StringMember(ref, "apiVersion");
    owner.kind = StringMember(ref, "kind");
    owner.name = StringMember(ref, "name");
    owner.uid = StringMember(ref, "uid");
    owner.controller = BoolMember(ref, "controller");
    owner.block_owner_deletion = BoolMember(ref, "blockOwnerDeletion");
    if (owner.uid.empty()) continue;
    out.push_back(std::move(owner));
  }
  return out;
}

std::vector<std::string> FinalizersOf(const Json& object) {
  std::vector<std::string> out;
  const Json* metadata = MetadataOf(object);
  const Json* list = metadata != nullptr ? Member(*metadata, "finalizers") : nullptr;
  if (list == nullptr || !list->is_array()) return out;
  for (const Json& f : *list) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

bool HasFinalizer(const Json& object, std::string_view finalizer) {
  auto finalizers = FinalizersOf(object);
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

bool HasDeletionTimestamp(const Json& object) {
  const Json* metadata = MetadataOf(object);
  return metadata != nullptr && !StringMember(*metadata, "deletionTimestamp").empty();
}

ObjectIdentity OwnerIdentity(const OwnerReference& owner, std::string_view dependent_namespace) {
  return {owner.api_version, owner.kind, std::string(dependent_namespace), owner.name, owner.uid};
}

Json OwnerReferenceToJson(const OwnerReference& owner) {
  Json out = {{"apiVersion", owner.api_version},
              {"kind", owner.kind},
              {"name", owner.name},
              {"uid", owner.uid}};
  if (owner.controller) out["controller"] = *owner.controller;
  if (owner.block_owner_deletion) out["blockOwnerDeletion"] = *owner.block_owner_deletion;
  return out;
}

// --- AbsentOwnerCache ----------------------------------------------------------------

std::string AbsentOwnerCache::Key(const ObjectIdentity& identity) {
  return identity.api_version + "|" + identity.kind + "|" + identity.namespace_ + "|" +
         identity.name + "|" + identity.uid;
}

void AbsentOwnerCache::Add(const ObjectIdentity& identity) {
  std::string key = Key(identity);
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(key);
  index_[key] = lru_.begin();
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back());
    lru_.pop_back();
  }
}

bool AbsentOwnerCache::Has(const ObjectIdentity& identity) {
  std::string key = Key(identity);
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  return true;
}

// --- GraphBuilder --------------------------------------------------------------------

GraphBuilder::GraphBuilder(Queue* attempt_to_delete, Queue* attempt_to_orphan,
                           AbsentOwnerCache* absent_owners)
    : attempt_to_delete_(attempt_to_delete),
      attempt_to_orphan_(attempt_to_orphan),
      absent_owners_(absent_owners) {}

void GraphBuilder::OnAddOrUpdate(const ObjectIdentity& identity, const Json* old_object,
                                 const Json& object) {
  if (identity.uid.empty()) return;
  std::lock_guard lock(mu_);
  auto it = nodes_.find(identity.uid);
  if (it != nodes_.end() && it->second.is_virtual) {
    // First observation of a node known only as an owner: dependents that named it
    // by other coordinates are checked again.
    Node& node = it->second;
    if (node.identity != identity) {
      for (const std::string& dep : node.dependents) attempt_to_delete_->Add(dep);
      node.identity = identity;
    }
    node.is_virtual = false;
  }
  std::vector<OwnerReference> owners = OwnerReferencesOf(object);
  const bool being_deleted = HasDeletionTimestamp(object);
  if (it == nodes_.end()) {
    Node fresh;
    fresh.identity = identity;
    fresh.owners = owners;
    fresh.being_deleted = being_deleted;
    fresh.deleting_dependents = being_deleted && HasFinalizer(object, kForegroundDeletionFinalizer);
    Node& node = nodes_.emplace(identity.uid, std::move(fresh)).first->second;
    AddDependentToOwnersLocked(node, owners);
    ProcessTransitionsLocked(old_object, object, node);
    return;
  }
  Node& node = it->second;
  std::vector<OwnerReference> added;
  std::vector<OwnerReference> removed;
  bool changed = false;
  for (const auto& ref : owners) {
    const OwnerReference* before = FindByUid(node.owners, ref.uid);
    if (before == nullptr) {
      added.push_back(ref);
    } else if (!SameReference(*before, ref)) {
      changed = true;
      // An owner waiting on this dependent may be unblocked.
      if (Blocks(*before) && !Blocks(ref) && nodes_.contains(ref.uid)) {
        attempt_to_delete_->Add(ref.uid);
      }
    }
  }
  for (const auto& ref : node.owners) {
    if (FindByUid(owners, ref.uid) == nullptr) {
      removed.push_back(ref);
      if (Blocks(ref) && nodes_.contains(ref.uid)) attempt_to_delete_->Add(ref.uid);
    }
  }
  if (!added.empty() || !removed.empty() || changed) {
    node.owners = owners;
    AddDependentToOwnersLocked(node, added);
    RemoveDependentFromOwnersLocked(node, removed);
  }
  if (being_deleted) node.being_deleted = true;
  ProcessTransitionsLocked(old_object, object, node);
}

void GraphBuilder::OnDelete(const ObjectIdentity& identity) {
  std::lock_guard lock(mu_);
  RemoveLocked(identity, Removal::kObserved);
}

void GraphBuilder::OnVirtualDelete(const ObjectIdentity& identity) {
  std::lock_guard lock(mu_);
  RemoveLocked(identity, Removal::kVirtual);
}

void GraphBuilder::RemoveLocked(const ObjectIdentity& identity, Removal how) {
  auto it = nodes_.find(identity.uid);
  if (it == nodes_.end()) return;
  if (how == Removal::kVirtual && !it->second.is_virtual && it->second.identity != identity) {
    // An observed object disagrees with the coordinates found absent: keep it, and
    // let the dependents that used those coordinates be checked again.
    absent_owners_->Add(identity);
    for (const std::string& dep : it->second.dependents) attempt_to_delete_->Add(dep);
    return;
  }
  Node removed = std::move(it->second);
  nodes_.erase(it);
  RemoveDependentFromOwnersLocked(removed, removed.owners);
  if (!removed.dependents.empty()) absent_owners_->Add(identity);
  for (const std::string& dep : removed.dependents) attempt_to_delete_->Add(dep);
  for (const auto& owner : removed.owners) {
    auto found = nodes_.find(owner.uid);
    if (found != nodes_.end() && found->second.deleting_dependents) {
      attempt_to_delete_->Add(owner.uid);
    }
  }
}

void GraphBuilder::AddDependentToOwnersLocked(Node& node,
                                              const std::vector<OwnerReference>& owners) {
  bool verify = false;
  for (const auto& owner : owners) {
    auto it = nodes_.find(owner.uid);
    if (it == nodes_.end()) {
      // A virtual node for an owner not observed yet; the delete queue checks it.
      Node virtual_node;
      virtual_node.identity = OwnerIdentity(owner, node.identity.namespace_);
      virtual_node.is_virtual = true;
      virtual_node.dependents.insert(node.identity.uid);
      nodes_.emplace(owner.uid, std::move(virtual_node));
      attempt_to_delete_->Add(owner.uid);
      continue;
    }
    Node& owner_node = it->second;
    owner_node.dependents.insert(node.identity.uid);
    // An owner already deleting its dependents in the foreground queued the ones it
    // had; one observed only now must be looked at too.
    if (owner_node.deleting_dependents) verify = true;
    if (verify) continue;
    const bool owner_namespaced = !owner_node.identity.namespace_.empty();
    if (owner_namespaced && owner_node.identity.namespace_ != node.identity.namespace_) {
      verify = true;  // an owner in another namespace: it cannot be the real owner
    } else if (!MatchesCoordinates(owner, owner_node.identity)) {
      verify = true;
    } else if (!owner_namespaced && owner_node.is_virtual &&
               owner_node.identity.namespace_ != node.identity.namespace_) {
      verify = true;
    }
  }
  if (verify) attempt_to_delete_->Add(node.identity.uid);
}

void GraphBuilder::RemoveDependentFromOwnersLocked(const Node& node,
                                                   const std::vector<OwnerReference>& owners) {
  for (const auto& owner : owners) {
    auto it = nodes_.find(owner.uid);
    if (it != nodes_.end()) it->second.dependents.erase(node.identity.uid);
  }
}

void GraphBuilder::ProcessTransitionsLocked(const Json* old_object, const Json& object,
                                            Node& node) {
  if (StartsWaitingFor(old_object, object, kOrphanFinalizer)) {
    attempt_to_orphan_->Add(node.identity.uid);
    return;
  }
  if (StartsWaitingFor(old_object, object, kForegroundDeletionFinalizer)) {
    node.being_deleted = true;
    node.deleting_dependents = true;
    for (const std::string& dep : node.dependents) attempt_to_delete_->Add(dep);
    attempt_to_delete_->Add(node.identity.uid);
  }
}

std::optional<Node> GraphBuilder::GetNode(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

std::vector<Node> GraphBuilder::Dependents(const std::string& uid) const {
  std::vector<Node> out;
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return out;
  for (const std::string& dep : it->second.dependents) {
    if (auto d = nodes_.find(dep); d != nodes_.end()) out.push_back(d->second);
  }
  return out;
}

std::vector<Node> GraphBuilder::BlockingDependents(const std::string& uid) const {
  std::vector<Node> out;
  for (Node& dep : Dependents(uid)) {
    const OwnerReference* ref = FindByUid(dep.owners, uid);
    if (ref != nullptr && Blocks(*ref)) out.push_back(std::move(dep));
  }
  return out;
}

bool GraphBuilder::IsVirtual(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  return it != nodes_.end() && it->second.is_virtual;
}

size_t GraphBuilder::size() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace kube::controllers::garbagecollector
