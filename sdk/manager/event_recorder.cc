#include "kubecpp/manager/event_recorder.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <thread>
#include <unordered_map>
#include <utility>

#include <spdlog/spdlog.h>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/time.h"

namespace kube::manager {
namespace {

constexpr int kMaxTriesPerEvent = 12;                   // client-go maxTriesPerEvent
constexpr auto kRetrySleep = std::chrono::seconds(10);  // client-go defaultSleepDuration
constexpr uint64_t kDropLogEvery = 100;                 // log 1st, 101st, ... drop
constexpr std::string_view kCombinedPrefix = "(combined from similar events): ";

const client::ResourceRef& EventResource() {
  static const client::ResourceRef kEvents{{"", "v1", "events"}, "Event", true};
  return kEvents;
}

// One Event as the correlator and the writer see it.
struct EventData {
  ObjectReference ref;
  std::string namespace_;
  std::string name;
  std::string resource_version;
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
  std::string first_timestamp;  // metav1.Time text
  std::string last_timestamp;
  int64_t count = 1;
  Clock::TimePoint observed;  // monotonic time of the Event() call
};

// A least-recently-used map with a fixed capacity (k8s.io/utils/lru).
template <typename V>
class Lru {
 public:
  explicit Lru(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  V* Get(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    items_.splice(items_.begin(), items_, it->second);
    return &it->second->second;
  }
  void Put(const std::string& key, V value) {
    if (V* existing = Get(key)) {
      *existing = std::move(value);
      return;
    }
    items_.emplace_front(key, std::move(value));
    index_[key] = items_.begin();
    if (items_.size() > capacity_) {
      index_.erase(items_.back().first);
      items_.pop_back();
    }
  }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, V>> items_;
  std::unordered_map<std::string, typename std::list<std::pair<std::string, V>>::iterator> index_;
};

std::string JoinKey(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.append(p);
    out.push_back('\x1f');
  }
  return out;
}

void SetIfNotEmpty(Json* obj, const char* key, const std::string& value) {
  if (!value.empty()) (*obj)[key] = value;
}

Json ReferenceJson(const ObjectReference& ref) {
  Json out = Json::object();
  SetIfNotEmpty(&out, "kind", ref.kind);
  SetIfNotEmpty(&out, "namespace", ref.namespace_);
  SetIfNotEmpty(&out, "name", ref.name);
  SetIfNotEmpty(&out, "uid", ref.uid);
  SetIfNotEmpty(&out, "apiVersion", ref.api_version);
  SetIfNotEmpty(&out, "resourceVersion", ref.resource_version);
  SetIfNotEmpty(&out, "fieldPath", ref.field_path);
  return out;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

ObjectReference ReferenceTo(const Unstructured& object) {
  ObjectReference ref;
  ref.api_version = object.api_version();
  ref.kind = object.kind();
  ref.namespace_ = object.namespace_();
  ref.name = object.name();
  ref.uid = object.uid();
  ref.resource_version = object.resource_version();
  return ref;
}

class EventRecorder::Impl {
 public:
  Impl(client::Client* client, EventRecorderOptions options, Clock& clock)
      : client_(client),
        options_(std::move(options)),
        clock_(clock),
        aggregates_(options_.cache_size),
        logs_(options_.cache_size),
        spam_(options_.cache_size),
        rng_(std::random_device{}()) {
    assert(!options_.component.empty() && "EventRecorderOptions.component is required");
    // Build spdlog's registry here, before the writer thread logs.
    (void)spdlog::default_logger_raw();
    worker_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
  }
  ~Impl() { Shutdown(); }

  void Event(const ObjectReference& ref, EventType type, std::string_view reason,
             std::string_view message);
  void Shutdown();
  EventRecorderStats stats() const {
    EventRecorderStats s;
    s.created = created_.load();
    s.patched = patched_.load();
    s.queue_dropped = queue_dropped_.load();
    s.spam_dropped = spam_dropped_.load();
    s.failed = failed_.load();
    return s;
  }

 private:
  struct AggregateRecord {
    std::set<std::string> messages;
    Clock::TimePoint last{};
  };
  struct EventLog {
    int64_t count = 0;
    std::string first_timestamp;
    std::string name;
    std::string resource_version;
  };
  struct SpamRecord {
    double tokens = 0;
    Clock::TimePoint last{};
  };
  // What the correlator decided for one event.
  struct Correlated {
    bool skip = false;
    EventData event;
    std::string key;    // the EventLog entry that tracks it
    std::string patch;  // non-empty: PATCH this onto the existing Event
  };

  // "<name>.<hex of unix nanos>", unique within this recorder even when the clock
  // has not moved.
  std::string UniqueName(std::string_view object_name, std::chrono::system_clock::time_point wall);
  void Loop(std::stop_token stop);
  Correlated Correlate(EventData event);
  bool SpamFilterAllows(const EventData& event);
  void Write(Correlated c, std::stop_token stop);
  // One attempt. Returns true when done with the event (written or given up).
  bool WriteOnce(Correlated& c, std::stop_token stop);
  void DropQueued(uint64_t n);

  client::Client* const client_;
  const EventRecorderOptions options_;
  Clock& clock_;

  // Touched only by the writer thread.
  Lru<AggregateRecord> aggregates_;
  Lru<EventLog> logs_;
  Lru<SpamRecord> spam_;
  std::mt19937_64 rng_;

  std::mutex mu_;
  std::condition_variable_any cv_;  // signalled on push and close
  std::deque<EventData> queue_;     // GUARDED_BY(mu_)
  bool closed_ = false;             // GUARDED_BY(mu_)
  bool drained_ = false;            // GUARDED_BY(mu_): the writer has exited
  int64_t last_name_nanos_ = 0;     // GUARDED_BY(mu_)

  std::mutex shutdown_mu_;       // serialises Shutdown()
  std::stop_source retry_stop_;  // requested at Shutdown: no more retry sleeps
  std::jthread worker_;

  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> patched_{0};
  std::atomic<uint64_t> queue_dropped_{0};
  std::atomic<uint64_t> spam_dropped_{0};
  std::atomic<uint64_t> failed_{0};
};

std::string EventRecorder::Impl::UniqueName(std::string_view object_name,
                                            std::chrono::system_clock::time_point wall) {
  int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  {
    std::lock_guard lock(mu_);
    if (nanos <= last_name_nanos_) nanos = last_name_nanos_ + 1;
    last_name_nanos_ = nanos;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(nanos));
  return std::string(object_name) + "." + hex;
}

void EventRecorder::Impl::DropQueued(uint64_t n) {
  uint64_t before = queue_dropped_.fetch_add(n);
  for (uint64_t i = before; i < before + n; ++i) {
    if (i % kDropLogEvery == 0) {
      spdlog::warn("event recorder {}: event queue full or closed; {} events dropped so far",
                   options_.component, i + 1);
      break;
    }
  }
}

void EventRecorder::Impl::Event(const ObjectReference& ref, EventType type, std::string_view reason,
                                std::string_view message) {
  const auto wall = clock_.WallNow();
  EventData e;
  e.ref = ref;
  e.namespace_ = ref.namespace_.empty() ? "default" : ref.namespace_;
  e.type = type;
  e.reason = std::string(reason);
  e.message = std::string(message);
  e.first_timestamp = Time(wall).ToString();
  e.last_timestamp = e.first_timestamp;
  e.observed = clock_.Now();
  e.name = UniqueName(ref.name, wall);
  {
    std::lock_guard lock(mu_);
    if (!closed_ && queue_.size() < options_.queue_size) {
      queue_.push_back(std::move(e));
      cv_.notify_one();
      return;
    }
  }
  DropQueued(1);
}

void EventRecorder::Impl::Loop(std::stop_token stop) {
  while (true) {
    EventData next;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [&] { return !queue_.empty() || closed_; });
      if (stop.stop_requested()) {
        uint64_t left = queue_.size();
        queue_.clear();
        lock.unlock();
        if (left > 0) DropQueued(left);
        break;
      }
      if (queue_.empty()) break;  // closed and drained
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    Correlated c = Correlate(std::move(next));
    if (c.skip) {
      spam_dropped_.fetch_add(1);
      continue;
    }
    Write(std::move(c), stop);
  }
  {
    std::lock_guard lock(mu_);
    drained_ = true;
  }
  cv_.notify_all();
}

// client-go's EventCorrelator: aggregate similar events, then record the observation
// of identical ones, then apply the spam filter.
EventRecorder::Impl::Correlated EventRecorder::Impl::Correlate(EventData event) {
  const std::string type(EventTypeName(event.type));
  const ObjectReference& ref = event.ref;

  // 1. Similar events (same reason, different messages).
  const std::string aggregate_key =
      JoinKey({options_.component, options_.host, ref.kind, ref.namespace_, ref.name, ref.uid,
               ref.api_version, type, event.reason, options_.component, options_.host});
  AggregateRecord record;
  if (AggregateRecord* found = aggregates_.Get(aggregate_key)) record = *found;
  if (event.observed - record.last > options_.aggregate_interval) record = AggregateRecord{};
  record.messages.insert(event.message);
  record.last = std::max(record.last, event.observed);
  const bool combine =
      record.messages.size() >= static_cast<size_t>(std::max(options_.aggregate_max_events, 1));
  if (combine) record.messages.erase(record.messages.begin());
  aggregates_.Put(aggregate_key, std::move(record));

  Correlated out;
  if (combine) {
    EventData combined;
    combined.ref = event.ref;
    combined.namespace_ = event.namespace_;
    combined.type = event.type;
    combined.reason = event.reason;
    combined.message = std::string(kCombinedPrefix) + event.message;
    combined.first_timestamp = event.first_timestamp;
    combined.last_timestamp = event.last_timestamp;
    combined.observed = event.observed;
    combined.name = UniqueName(ref.name, clock_.WallNow());
    out.event = std::move(combined);
    out.key = aggregate_key;
  } else {
    out.key =
        JoinKey({options_.component, options_.host, ref.kind, ref.namespace_, ref.name,
                 ref.field_path, ref.uid, ref.api_version, type, event.reason, event.message});
    out.event = std::move(event);
  }

  // 2. Identical events: patch the existing Event's count.
  EventData& e = out.event;
  if (EventLog* last = logs_.Get(out.key); last != nullptr && last->count > 0) {
    e.name = last->name;
    e.resource_version = last->resource_version;
    e.first_timestamp = last->first_timestamp;
    e.count = last->count + 1;
    Json patch = {{"count", e.count}, {"lastTimestamp", e.last_timestamp}, {"message", e.message}};
    out.patch = patch.dump();
  }
  logs_.Put(out.key, EventLog{e.count, e.first_timestamp, e.name, e.resource_version});

  // 3. Spam filter per (source, involved object).
  out.skip = !SpamFilterAllows(e);
  return out;
}

bool EventRecorder::Impl::SpamFilterAllows(const EventData& e) {
  const ObjectReference& ref = e.ref;
  const std::string key = JoinKey({options_.component, options_.host, ref.kind, ref.namespace_,
                                   ref.name, ref.uid, ref.api_version});
  const double burst = std::max(options_.spam_burst, 1);
  SpamRecord* record = spam_.Get(key);
  if (record == nullptr) {
    spam_.Put(key, SpamRecord{burst, e.observed});
    record = spam_.Get(key);
  }
  if (e.observed > record->last) {
    const double elapsed = static_cast<double>((e.observed - record->last).count());
    const double interval = static_cast<double>(
        std::chrono::duration_cast<Clock::Duration>(options_.spam_refill_interval).count());
    record->tokens = interval > 0 ? std::min(burst, record->tokens + elapsed / interval) : burst;
    record->last = e.observed;
  }
  if (record->tokens < 1.0) return false;
  record->tokens -= 1.0;
  return true;
}

void EventRecorder::Impl::Write(Correlated c, std::stop_token stop) {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int tries = 1;; ++tries) {
    if (WriteOnce(c, stop)) return;
    if (tries >= kMaxTriesPerEvent || stop.stop_requested() || retry_stop_.stop_requested()) {
      spdlog::error("event recorder {}: giving up on event {}/{} ({}) after {} tries",
                    options_.component, c.event.namespace_, c.event.name, c.event.reason, tries);
      failed_.fetch_add(1);
      return;
    }
    // Randomise the first sleep so clients do not retry in step after an outage.
    Clock::Duration sleep = std::chrono::duration_cast<Clock::Duration>(kRetrySleep);
    if (tries == 1) {
      sleep = Clock::Duration(
          static_cast<Clock::Duration::rep>(static_cast<double>(sleep.count()) * jitter(rng_)));
    }
    if (!clock_.SleepFor(sleep, retry_stop_.get_token())) {
      failed_.fetch_add(1);
      return;
    }
  }
}

bool EventRecorder::Impl::WriteOnce(Correlated& c, std::stop_token stop) {
  EventData& e = c.event;
  client::DynamicApi api(client_, EventResource(), e.namespace_);
  Status status;
  std::optional<Unstructured> written;
  bool patched = false;
  if (!c.patch.empty()) {
    auto r = api.Patch(e.name, client::PatchType::kStrategicMerge, c.patch, {}, "", stop);
    if (r) {
      written = std::move(*r);
      patched = true;
    } else {
      status = r.error();
    }
  }
  // Create when new, or when the Event to patch is gone.
  if (c.patch.empty() || (!written && IsNotFound(status))) {
    Json body = {{"apiVersion", "v1"},
                 {"kind", "Event"},
                 {"metadata", {{"name", e.name}, {"namespace", e.namespace_}}},
                 {"involvedObject", ReferenceJson(e.ref)},
                 {"reason", e.reason},
                 {"message", e.message},
                 {"source", Json::object()},
                 {"firstTimestamp", e.first_timestamp},
                 {"lastTimestamp", e.last_timestamp},
                 {"count", e.count},
                 {"type", std::string(EventTypeName(e.type))},
                 {"reportingComponent", options_.component},
                 {"reportingInstance", options_.host}};
    body["source"]["component"] = options_.component;
    SetIfNotEmpty(&body["source"], "host", options_.host);
    auto object = Unstructured::FromJson(std::move(body));
    if (!object) {
      failed_.fetch_add(1);
      return true;
    }
    auto r = api.Create(*object, {}, stop);
    if (r) {
      written = std::move(*r);
      status = Status();
    } else {
      status = r.error();
    }
  }
  if (written) {
    // Remember the server's name and resourceVersion for the next patch.
    if (EventLog* log = logs_.Get(c.key); log != nullptr && log->name == e.name) {
      log->resource_version = written->resource_version();
    }
    (patched ? patched_ : created_).fetch_add(1);
    return true;
  }
  // Transport trouble: retry. Anything the server rejected: give up, as client-go does.
  if (status.code() == Code::kUnavailable || status.code() == Code::kTimeout) {
    spdlog::warn("event recorder {}: writing event {}/{} failed (may retry): {}",
                 options_.component, e.namespace_, e.name, status.ToString());
    return false;
  }
  if (IsAlreadyExists(status)) {
    spdlog::debug("event recorder {}: event {}/{} already exists", options_.component, e.namespace_,
                  e.name);
  } else {
    spdlog::error("event recorder {}: server rejected event {}/{} (will not retry): {}",
                  options_.component, e.namespace_, e.name, status.ToString());
  }
  failed_.fetch_add(1);
  return true;
}

void EventRecorder::Impl::Shutdown() {
  std::lock_guard shutdown_lock(shutdown_mu_);
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  retry_stop_.request_stop();
  {
    std::unique_lock lock(mu_);
    std::stop_source never;
    cv_.wait_for(lock, never.get_token(), options_.shutdown_timeout, [&] { return drained_; });
  }
  worker_.request_stop();
  worker_.join();
}

EventRecorder::EventRecorder(client::Client* client, EventRecorderOptions options, Clock& clock)
    : impl_(std::make_unique<Impl>(client, std::move(options), clock)) {}
EventRecorder::~EventRecorder() = default;

void EventRecorder::Event(const ObjectReference& ref, EventType type, std::string_view reason,
                          std::string_view message) {
  impl_->Event(ref, type, reason, message);
}
void EventRecorder::Shutdown() { impl_->Shutdown(); }
EventRecorderStats EventRecorder::stats() const { return impl_->stats(); }

}  // namespace kube::manager
