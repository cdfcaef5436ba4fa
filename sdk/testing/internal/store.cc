#include "kubecpp/testing/internal/store.h"

#include <algorithm>
#include <utility>

namespace kube::testing::internal {
namespace {

std::map<std::string, std::string> LabelsOf(const Json& object) {
  std::map<std::string, std::string> labels;
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return labels;
  auto found = metadata->find("labels");
  if (found == metadata->end() || !found->is_object()) return labels;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string()) labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

std::string MetadataString(const Json& object, const char* field) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto found = metadata->find(field);
  return found != metadata->end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kAdded:
      return "ADDED";
    case EventKind::kModified:
      return "MODIFIED";
    case EventKind::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

bool Filter::Matches(const Json& object) const {
  if (!namespace_.empty() && MetadataString(object, "namespace") != namespace_) return false;
  if (!labels.Empty() && !labels.Matches(LabelsOf(object))) return false;
  if (fields.Empty()) return true;
  std::map<std::string, std::string> set;
  if (field_set) set = field_set(object);
  set.emplace("metadata.name", MetadataString(object, "name"));
  set.emplace("metadata.namespace", MetadataString(object, "namespace"));
  return fields.Matches(set);
}

void Watcher::Push(std::shared_ptr<const std::string> line, int64_t rv) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    queue_.push_back(std::move(line));
    last_rv_ = std::max(last_rv_, rv);
  }
  cv_.notify_one();
}

void Watcher::Close(std::string final_line) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    final_line_ = std::move(final_line);
  }
  cv_.notify_all();
}

bool Watcher::Pop(std::string* out, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [&] { return closed_ || !queue_.empty(); });
  while (!queue_.empty()) {
    out->append(*queue_.front());
    queue_.pop_front();
  }
  if (closed_) {
    out->append(final_line_);
    final_line_.clear();
    return false;
  }
  return true;
}

int64_t Watcher::last_rv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_rv_;
}

void Watcher::set_last_rv(int64_t rv) {
  std::lock_guard<std::mutex> lock(mu_);
  last_rv_ = std::max(last_rv_, rv);
}

bool Watcher::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty();
}

std::string EncodeWatchEvent(std::string_view type, const Json& object) {
  std::string line = R"({"type":")";
  line += type;
  line += R"(","object":)";
  line += object.dump(-1, ' ', false, Json::error_handler_t::replace);
  line += "}\n";
  return line;
}

Json WithApiVersion(const Json& object, std::string_view api_version) {
  Json copy = object;
  copy["apiVersion"] = api_version;
  return copy;
}

const Store::Resource* Store::Find(const std::string& resource) const {
  auto found = resources_.find(resource);
  return found == resources_.end() ? nullptr : &found->second;
}

std::vector<std::string> Store::ResourceNames() const {
  std::vector<std::string> names;
  for (const auto& [name, data] : resources_) names.push_back(name);
  return names;
}

ObjectPtr Store::Write(const std::string& resource, const StorageKey& key, Json object) {
  Resource& data = resources_[resource];
  const int64_t rv = ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  auto stored = std::make_shared<const Json>(std::move(object));
  StoreEvent event;
  event.rv = rv;
  event.key = key;
  event.object = stored;
  auto [it, inserted] = data.objects.try_emplace(key, stored);
  if (inserted) {
    event.kind = EventKind::kAdded;
  } else {
    event.kind = EventKind::kModified;
    event.previous = it->second;
    it->second = stored;
  }
  Record(data, std::move(event));
  return stored;
}

ObjectPtr Store::Delete(const std::string& resource, const StorageKey& key) {
  Resource& data = resources_[resource];
  auto it = data.objects.find(key);
  if (it == data.objects.end()) return nullptr;
  const int64_t rv = ++rv_;
  Json last = *it->second;
  last["metadata"]["resourceVersion"] = std::to_string(rv);
  StoreEvent event;
  event.rv = rv;
  event.kind = EventKind::kDeleted;
  event.key = key;
  event.object = std::make_shared<const Json>(std::move(last));
  event.previous = it->second;
  data.objects.erase(it);
  ObjectPtr result = event.object;
  Record(data, std::move(event));
  return result;
}

void Store::DropResource(const std::string& resource) {
  auto found = resources_.find(resource);
  if (found == resources_.end()) return;
  for (auto& watcher : found->second.watchers) watcher->Close();
  resources_.erase(found);
}

void Store::Record(Resource& data, StoreEvent event) {
  Dispatch(data, event);
  data.history.push_back(std::move(event));
  while (data.history.size() > history_limit_) {
    data.compacted_rv = data.history.front().rv;
    data.history.pop_front();
  }
}

void Store::Dispatch(Resource& data, const StoreEvent& event) {
  // One encoding per (event type, apiVersion) however many watchers see it.
  struct Encoded {
    std::string_view type;
    std::string api_version;
    std::shared_ptr<const std::string> line;
  };
  std::vector<Encoded> cache;
  auto encode = [&](std::string_view type, const Json& object, const std::string& api_version) {
    for (const Encoded& e : cache) {
      if (e.type == type && e.api_version == api_version) return e.line;
    }
    auto line = std::make_shared<const std::string>(
        EncodeWatchEvent(type, WithApiVersion(object, api_version)));
    cache.push_back({type, api_version, line});
    return line;
  };
  for (const auto& watcher : data.watchers) {
    const bool was = event.previous && watcher->filter().Matches(*event.previous);
    const bool is = event.kind != EventKind::kDeleted && watcher->filter().Matches(*event.object);
    if (!was && !is) continue;
    if (event.kind == EventKind::kDeleted || (was && !is)) {
      // An object leaving the filter is a deletion for this watcher, carrying its last
      // matching state at the event's resourceVersion.
      if (event.kind == EventKind::kDeleted) {
        watcher->Push(encode("DELETED", *event.object, watcher->api_version()), event.rv);
      } else {
        Json last = *event.previous;
        last["metadata"]["resourceVersion"] = std::to_string(event.rv);
        watcher->Push(std::make_shared<const std::string>(EncodeWatchEvent(
                          "DELETED", WithApiVersion(last, watcher->api_version()))),
                      event.rv);
      }
    } else if (!was) {
      watcher->Push(encode("ADDED", *event.object, watcher->api_version()), event.rv);
    } else {
      watcher->Push(encode("MODIFIED", *event.object, watcher->api_version()), event.rv);
    }
  }
}

Result<std::map<StorageKey, ObjectPtr>> Store::SnapshotAt(const std::string& resource,
                                                          int64_t rv) const {
  const Resource* data = Find(resource);
  if (data == nullptr) return std::map<StorageKey, ObjectPtr>{};
  if (rv < data->compacted_rv) {
    return GoneError("too old resource version: " + std::to_string(rv) + " (" +
                     std::to_string(data->compacted_rv) + ")")
        .set_reason("Expired");
  }
  std::map<StorageKey, ObjectPtr> objects = data->objects;
  for (auto it = data->history.rbegin(); it != data->history.rend() && it->rv > rv; ++it) {
    if (it->previous) {
      objects[it->key] = it->previous;
    } else {
      objects.erase(it->key);
    }
  }
  return objects;
}

Result<std::vector<StoreEvent>> Store::EventsSince(const std::string& resource, int64_t rv) const {
  const Resource* data = Find(resource);
  if (data == nullptr) return std::vector<StoreEvent>{};
  if (rv < data->compacted_rv) {
    return GoneError("too old resource version: " + std::to_string(rv) + " (" +
                     std::to_string(data->compacted_rv) + ")")
        .set_reason("Expired");
  }
  std::vector<StoreEvent> events;
  auto it = std::partition_point(data->history.begin(), data->history.end(),
                                 [&](const StoreEvent& e) { return e.rv <= rv; });
  events.assign(it, data->history.end());
  return events;
}

void Store::AddWatcher(const std::string& resource, std::shared_ptr<Watcher> watcher) {
  resources_[resource].watchers.push_back(std::move(watcher));
}

void Store::RemoveWatcher(const std::string& resource, const Watcher* watcher) {
  auto found = resources_.find(resource);
  if (found == resources_.end()) return;
  auto& watchers = found->second.watchers;
  std::erase_if(watchers, [&](const auto& w) { return w.get() == watcher; });
}

void Store::CloseWatchers(const std::string& resource) {
  for (auto& [name, data] : resources_) {
    if (!resource.empty() && name != resource) continue;
    for (auto& watcher : data.watchers) watcher->Close();
    data.watchers.clear();
  }
}

void Store::Compact() {
  for (auto& [name, data] : resources_) {
    data.history.clear();
    data.compacted_rv = rv_;
  }
}

}  // namespace kube::testing::internal
