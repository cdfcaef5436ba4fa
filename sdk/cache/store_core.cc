#include <algorithm>
#include <mutex>

#include "kubecpp/cache/detail/store_core.h"

namespace kube::cache::detail {

ObjectPtr StoreCore::Upsert(const std::string& key, ObjectPtr object) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = items_.try_emplace(key);
  ObjectPtr old = std::move(it->second);
  if (old) Unindex(key, old.get());
  it->second = std::move(object);
  IndexObject(key, it->second.get());
  return old;
}

ObjectPtr StoreCore::Erase(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  items_.erase(it);
  Unindex(key, old.get());
  return old;
}

std::unordered_map<std::string, ObjectPtr> StoreCore::Replace(
    std::unordered_map<std::string, ObjectPtr> items) {
  // Build the new indices before taking the lock, so readers wait only for a swap.
  std::map<std::string, ErasedIndexFunc, std::less<>> indexers;
  {
    std::shared_lock lock(mu_);
    indexers = indexers_;
  }
  std::map<std::string, Index, std::less<>> indices;
  for (const auto& [name, fn] : indexers) {
    Index& index = indices[name];
    for (const auto& [key, object] : items) {
      for (auto& value : fn(key, object.get())) index[std::move(value)].insert(key);
    }
  }
  std::unique_lock lock(mu_);
  if (indexers.size() != indexers_.size()) {
    // An index was added meanwhile: rebuild under the lock (rare).
    items_.swap(items);
    indices_.clear();
    for (const auto& [key, object] : items_) IndexObject(key, object.get());
    return items;
  }
  items_.swap(items);
  indices_.swap(indices);
  return items;
}

ObjectPtr StoreCore::Get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> StoreCore::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(object);
  return out;
}

std::vector<std::string> StoreCore::ListKeys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(key);
  return out;
}

std::unordered_map<std::string, ObjectPtr> StoreCore::Snapshot() const {
  std::shared_lock lock(mu_);
  return items_;
}

size_t StoreCore::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

Status StoreCore::AddIndexers(std::map<std::string, ErasedIndexFunc> indexers) {
  std::unique_lock lock(mu_);
  for (const auto& [name, fn] : indexers) {
    if (indexers_.contains(name)) {
      return Status(Code::kAlreadyExists, "indexer \"" + name + "\" already exists");
    }
  }
  for (auto& [name, fn] : indexers) {
    Index& index = indices_[name];
    for (const auto& [key, object] : items_) {
      for (auto& value : fn(key, object.get())) index[std::move(value)].insert(key);
    }
    indexers_.emplace(name, std::move(fn));
  }
  return Status();
}

namespace {
Status UnknownIndex(std::string_view index) {
  return Status(Code::kNotFound, "index \"" + std::string(index) + "\" does not exist");
}
}  // namespace

Status StoreCore::ByIndex(std::string_view index, std::string_view value,
                          std::vector<ObjectPtr>* out) const {
  out->clear();
  std::shared_lock lock(mu_);
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return UnknownIndex(index);
  auto keys = idx->second.find(std::string(value));
  if (keys == idx->second.end()) return Status();
  out->reserve(keys->second.size());
  for (const auto& key : keys->second) {
    if (auto it = items_.find(key); it != items_.end()) out->push_back(it->second);
  }
  return Status();
}

Status StoreCore::IndexKeys(std::string_view index, std::string_view value,
                            std::vector<std::string>* out) const {
  out->clear();
  std::shared_lock lock(mu_);
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return UnknownIndex(index);
  auto keys = idx->second.find(std::string(value));
  if (keys != idx->second.end()) out->assign(keys->second.begin(), keys->second.end());
  return Status();
}

Status StoreCore::ListIndexFuncValues(std::string_view index, std::vector<std::string>* out) const {
  out->clear();
  std::shared_lock lock(mu_);
  auto idx = indices_.find(index);
  if (idx == indices_.end()) return UnknownIndex(index);
  for (const auto& [value, keys] : idx->second) out->push_back(value);
  std::sort(out->begin(), out->end());
  return Status();
}

void StoreCore::Unindex(const std::string& key, const void* object) {
  for (const auto& [name, fn] : indexers_) {
    auto idx = indices_.find(name);
    if (idx == indices_.end()) continue;
    for (const auto& value : fn(key, object)) {
      auto it = idx->second.find(value);
      if (it == idx->second.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) idx->second.erase(it);
    }
  }
}

void StoreCore::IndexObject(const std::string& key, const void* object) {
  for (const auto& [name, fn] : indexers_) {
    Index& index = indices_[name];
    for (auto& value : fn(key, object)) index[std::move(value)].insert(key);
  }
}

}  // namespace kube::cache::detail
