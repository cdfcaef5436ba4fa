#include "kubecpp/cache/detail/informer_core.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <unordered_map>
#include <utility>

#include "kubecpp/cache/store.h"

namespace kube::cache {

Transform DefaultTransform() {
  return Transform{"strip-managed-fields", [](Unstructured& u) {
                     u.Remove({"metadata", "managedFields"});
                   }};
}

Transform MetadataOnlyTransform() {
  return Transform{
      "metadata-only", [](Unstructured& u) {
        Json& j = u.object();
        if (!j.is_object()) return;
        for (auto it = j.begin(); it != j.end();) {
          if (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "metadata") {
            ++it;
          } else {
            it = j.erase(it);
          }
        }
        u.Remove({"metadata", "managedFields"});
      }};
}

Transform NoTransform() { return Transform{"none", nullptr}; }

}  // namespace kube::cache

namespace kube::cache::detail {

InformerCore::InformerCore(client::Client* client, client::ResourceRef resource,
                           InformerOptions options, Decoder decoder,
                           ResourceVersionFn resource_version)
    : resource_(resource),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : client->clock()),
      decoder_(std::move(decoder)),
      resource_version_(std::move(resource_version)),
      store_(std::make_shared<StoreCore>()),
      reflector_(client, resource_, options_.namespace_, options_.label_selector,
                 options_.field_selector, this, clock_, options_.reflector) {}

InformerCore::~InformerCore() {
  stop_source_.request_stop();
  external_stop_.reset();
  queue_cv_.notify_all();
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (dispatch_thread_.joinable()) dispatch_thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

void InformerCore::Start(std::stop_token stop) {
  if (started_.exchange(true)) return;
  if (stop.stop_possible()) {
    external_stop_.emplace(stop, std::function<void()>([this] {
                             stop_source_.request_stop();
                             queue_cv_.notify_all();
                           }));
  }
  std::stop_token token = stop_source_.get_token();
  dispatch_thread_ = std::thread([this, token] { DispatchLoop(token); });
  reflector_thread_ = std::thread([this, token] { reflector_.Run(token); });
  if (options_.resync_period > Clock::Duration::zero()) {
    resync_thread_ = std::thread([this, token] { ResyncLoop(token); });
  }
}

ObjectPtr InformerCore::Decode(Unstructured&& object, std::string* key) {
  *key = MetaNamespaceKey(object.namespace_(), object.name());
  if (options_.transform.fn) options_.transform.fn(object);
  auto decoded = decoder_(std::move(object));
  if (!decoded) {
    Status s = std::move(decoded).error();
    s.Annotate("decoding " + *key + " of " + description());
    spdlog::error("cache: {}; object skipped", s.ToString());
    std::lock_guard lock(error_mu_);
    decode_error_ = std::move(s);
    return nullptr;
  }
  return std::move(*decoded);
}

void InformerCore::Push(Notification n) {
  {
    std::lock_guard lock(queue_mu_);
    n.seq = next_seq_++;
    queue_.push_back(std::move(n));
  }
  queue_cv_.notify_one();
}

void InformerCore::Replace(std::vector<Unstructured> items, const std::string& resource_version) {
  std::unordered_map<std::string, ObjectPtr> fresh;
  std::vector<std::pair<std::string, ObjectPtr>> order;  // list order, for events
  fresh.reserve(items.size());
  order.reserve(items.size());
  for (auto& item : items) {
    std::string key;
    ObjectPtr object = Decode(std::move(item), &key);
    if (!object) continue;
    fresh[key] = object;
    order.emplace_back(std::move(key), std::move(object));
  }
  items.clear();
  std::lock_guard deliver(deliver_mu_);
  bool initial = !synced_.load();
  auto old = store_->Replace(std::move(fresh));
  for (auto& [key, object] : order) {
    auto it = old.find(key);
    if (it == old.end()) {
      Push(Notification{
          .type = NotificationType::kAdd, .object = object, .key = key, .flag = initial});
    } else {
      if (resource_version_(it->second.get()) != resource_version_(object.get())) {
        Push(Notification{.type = NotificationType::kUpdate,
                          .old_object = it->second,
                          .object = object,
                          .key = key});
      }
      old.erase(it);
    }
  }
  // What is left was deleted while we were not watching: its final state is unknown.
  for (auto& [key, object] : old) {
    Push(Notification{
        .type = NotificationType::kDelete, .object = std::move(object), .key = key, .flag = true});
  }
  if (initial) {
    synced_.store(true);
    Push(Notification{.type = NotificationType::kSynced});
    synced_source_.request_stop();
    spdlog::debug("cache: {} synced at resourceVersion {}", description(), resource_version);
  }
}

void InformerCore::Apply(client::EventType type, Unstructured object) {
  std::string key;
  ObjectPtr decoded = Decode(std::move(object), &key);
  if (!decoded) return;
  std::lock_guard deliver(deliver_mu_);
  if (type == client::EventType::kDeleted) {
    store_->Erase(key);
    Push(Notification{.type = NotificationType::kDelete, .object = std::move(decoded), .key = key});
    return;
  }
  ObjectPtr old = store_->Upsert(key, decoded);
  if (old) {
    Push(Notification{.type = NotificationType::kUpdate,
                      .old_object = std::move(old),
                      .object = std::move(decoded),
                      .key = std::move(key)});
  } else {
    Push(Notification{
        .type = NotificationType::kAdd, .object = std::move(decoded), .key = std::move(key)});
  }
}

uint64_t InformerCore::AddHandler(NotificationFn fn) {
  std::lock_guard deliver(deliver_mu_);
  auto handler = std::make_shared<Handler>();
  handler->fn = std::move(fn);
  {
    std::lock_guard lock(queue_mu_);
    handler->from_seq = next_seq_;
  }
  {
    std::lock_guard lock(handlers_mu_);
    handler->id = next_handler_id_++;
    handlers_.push_back(handler);
    handlers_version_.fetch_add(1);
  }
  if (synced_.load()) {
    // Catch the newcomer up: one add per cached object, then its own sync marker.
    for (auto& [key, object] : store_->Snapshot()) {
      Push(Notification{.type = NotificationType::kAdd,
                        .object = std::move(object),
                        .key = key,
                        .flag = true,
                        .target = handler->id});
    }
    Push(Notification{.type = NotificationType::kSynced, .target = handler->id});
  }
  return handler->id;
}

void InformerCore::RemoveHandler(uint64_t id) {
  std::shared_ptr<Handler> handler;
  {
    std::lock_guard lock(handlers_mu_);
    for (auto it = handlers_.begin(); it != handlers_.end(); ++it) {
      if ((*it)->id == id) {
        handler = *it;
        handlers_.erase(it);
        handlers_version_.fetch_add(1);
        break;
      }
    }
  }
  if (!handler) return;
  if (std::this_thread::get_id() == dispatch_thread_id_.load()) {
    handler->removed = true;  // called from a handler: call_mu is held by us or free
    return;
  }
  std::lock_guard lock(handler->call_mu);  // waits for a call in progress
  handler->removed = true;
}

bool InformerCore::HandlerSynced(uint64_t id) const {
  std::lock_guard lock(handlers_mu_);
  for (const auto& h : handlers_) {
    if (h->id == id) return h->synced.load();
  }
  return false;
}

size_t InformerCore::pending_notifications() const {
  std::lock_guard lock(queue_mu_);
  return queue_.size();
}

void InformerCore::DispatchLoop(std::stop_token stop) {
  dispatch_thread_id_.store(std::this_thread::get_id());
  std::vector<std::shared_ptr<Handler>> handlers;
  uint64_t seen_version = ~uint64_t{0};
  while (true) {
    Notification n;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, stop, [this] { return !queue_.empty(); });
      if (stop.stop_requested()) return;
      n = std::move(queue_.front());
      queue_.pop_front();
    }
    if (uint64_t v = handlers_version_.load(); v != seen_version) {
      std::lock_guard lock(handlers_mu_);
      handlers = handlers_;
      seen_version = handlers_version_.load();
    }
    for (const auto& h : handlers) {
      if (n.target != 0 ? h->id != n.target : n.seq < h->from_seq) continue;
      std::lock_guard call(h->call_mu);
      if (h->removed) continue;
      if (n.type == NotificationType::kSynced) {
        h->synced.store(true);
        continue;
      }
      try {
        h->fn(n);
      } catch (const std::exception& e) {
        spdlog::error("cache: event handler of {} threw: {}", description(), e.what());
      } catch (...) {
        spdlog::error("cache: event handler of {} threw a non-std exception", description());
      }
    }
  }
}

void InformerCore::ResyncLoop(std::stop_token stop) {
  while (clock_.SleepFor(options_.resync_period, stop)) {
    std::lock_guard deliver(deliver_mu_);
    if (!synced_.load()) continue;
    for (auto& [key, object] : store_->Snapshot()) {
      Push(Notification{
          .type = NotificationType::kUpdate, .old_object = object, .object = object, .key = key});
    }
  }
}

Status InformerCore::LastError() const {
  Status s = reflector_.LastError();
  if (!s.ok()) return s;
  std::lock_guard lock(error_mu_);
  return decode_error_;
}

Status InformerCore::WaitForSync(std::stop_token stop, Clock::Duration timeout) {
  if (synced_.load()) return Status();
  std::stop_source wake;
  std::stop_callback on_stop(stop, [&wake] { wake.request_stop(); });
  std::stop_callback on_sync(synced_source_.get_token(), [&wake] { wake.request_stop(); });
  std::stop_callback on_shutdown(stop_source_.get_token(), [&wake] { wake.request_stop(); });
  clock_.SleepFor(timeout, wake.get_token());
  if (synced_.load()) return Status();
  if (stop.stop_requested()) {
    return CancelledError("cancelled while waiting for the informer of " + description() +
                          " to sync");
  }
  std::string why;
  if (!started_.load()) {
    why = "the informer was never started";
  } else if (stop_source_.stop_requested()) {
    why = "the informer was stopped";
  } else if (Status last = LastError(); !last.ok()) {
    why = "last error: " + last.ToString();
  } else {
    why = "the initial list has not completed (no error reported yet)";
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  return TimeoutError("informer of " + description() + " did not sync within " +
                      std::to_string(ms) + " ms: " + why);
}

}  // namespace kube::cache::detail
