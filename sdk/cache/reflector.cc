#include "kubecpp/cache/reflector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "kubecpp/cache/store.h"

namespace kube::cache {

namespace {

constexpr std::string_view kInitialEventsEnd = "k8s.io/initial-events-end";

std::string Describe(const client::ResourceRef& resource, const std::string& ns,
                     const std::string& label_selector, const std::string& field_selector) {
  std::string out = resource.gvr.resource;
  if (!resource.gvr.group.empty()) out += "." + resource.gvr.group;
  out += " (";
  if (!resource.namespaced) {
    out += "cluster-scoped";
  } else if (ns.empty()) {
    out += "all namespaces";
  } else {
    out += "namespace " + ns;
  }
  if (!label_selector.empty()) out += ", labelSelector " + label_selector;
  if (!field_selector.empty()) out += ", fieldSelector " + field_selector;
  out += ")";
  return out;
}

// Errors a human must fix (RBAC, missing CRD, credentials): logged at error level.
bool NeedsAttention(const Status& s) {
  return s.code() == Code::kForbidden || s.code() == Code::kNotFound ||
         s.code() == Code::kUnauthorized || s.code() == Code::kNotSupported;
}

// Watch failures after which the same resourceVersion is still good.
bool ResumableWatchError(const Status& s) {
  return s.code() == Code::kUnavailable || s.code() == Code::kTooManyRequests ||
         s.code() == Code::kTimeout;
}

int64_t Millis(Clock::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Backoff::Backoff(BackoffOptions options, Clock& clock, uint64_t seed)
    : options_(options), clock_(clock), rng_(seed) {}

Clock::Duration Backoff::Next() {
  Clock::TimePoint now = clock_.Now();
  if (!started_ || now - last_ > options_.reset_after) {
    current_ = options_.initial;
  } else {
    auto next = std::chrono::duration<double, std::nano>(current_) * options_.factor;
    current_ =
        next >= options_.max ? options_.max : std::chrono::duration_cast<Clock::Duration>(next);
  }
  started_ = true;
  last_ = now;
  if (options_.jitter <= 0) return current_;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double extra = unit(rng_) * options_.jitter * static_cast<double>(current_.count());
  return current_ + Clock::Duration(static_cast<Clock::Duration::rep>(extra));
}

Reflector::Reflector(client::Client* client, client::ResourceRef resource, std::string namespace_,
                     std::string label_selector, std::string field_selector, ReflectorSink* sink,
                     Clock& clock, ReflectorOptions options)
    : api_(client, resource, resource.namespaced ? namespace_ : std::string()),
      label_selector_(std::move(label_selector)),
      field_selector_(std::move(field_selector)),
      sink_(sink),
      clock_(clock),
      options_(options),
      description_(Describe(resource, namespace_, label_selector_, field_selector_)),
      backoff_(options.backoff, clock),
      rng_(std::random_device{}()) {
  // spdlog builds its registry on first use behind a guard compiled into the
  // (uninstrumented) shared library; build it here, on the constructing thread, so
  // reflector threads started later never race to create it.
  (void)spdlog::default_logger_raw();
}

Status Reflector::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::string Reflector::LastSyncResourceVersion() const {
  std::lock_guard lock(mu_);
  return resume_rv_;
}

int64_t Reflector::list_count() const {
  std::lock_guard lock(mu_);
  return list_count_;
}

void Reflector::SetResourceVersion(std::string rv) {
  if (rv.empty()) return;
  std::lock_guard lock(mu_);
  resume_rv_ = std::move(rv);
}

int64_t Reflector::WatchTimeoutSeconds() {
  int64_t lo = options_.min_watch_timeout.count();
  int64_t hi = std::max(lo, options_.max_watch_timeout.count());
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
}

void Reflector::RecordError(const Status& status, std::string_view what, Clock::Duration retry_in) {
  Status annotated = status;
  annotated.Annotate(std::string(what) + " " + description_);
  if (NeedsAttention(status)) {
    spdlog::error("cache: {} {} failed ({}); retrying in {} ms", what, description_,
                  status.ToString(), Millis(retry_in));
  } else {
    spdlog::warn("cache: {} {} failed ({}); retrying in {} ms", what, description_,
                 status.ToString(), Millis(retry_in));
  }
  std::lock_guard lock(mu_);
  last_error_ = std::move(annotated);
}

void Reflector::Run(std::stop_token stop) {
  bool need_list = true;
  while (!stop.stop_requested()) {
    Status watch_status;
    bool quick_empty_watch = false;
    if (need_list) {
      bool watched = false;
      Status list_status = List(stop, &watched, &watch_status);
      if (stop.stop_requested()) return;
      if (!list_status.ok()) {
        Clock::Duration delay = backoff_.Next();
        RecordError(list_status, "list", delay);
        clock_.SleepFor(delay, stop);
        continue;
      }
      need_list = false;
      {
        std::lock_guard lock(mu_);
        last_error_ = Status();
      }
      if (!watched) continue;
    } else {
      auto started = std::chrono::steady_clock::now();
      bool any_event = false;
      watch_status = Watch(stop, &any_event);
      quick_empty_watch =
          !any_event && std::chrono::steady_clock::now() - started < std::chrono::seconds(1);
      if (watch_status.ok() && any_event) {
        std::lock_guard lock(mu_);
        last_error_ = Status();
      }
    }
    if (stop.stop_requested()) return;
    if (watch_status.ok()) {
      // The server ended the stream: resume from the last resourceVersion. A stream
      // that ends at once without events is throttled so a broken server is not
      // hammered (client-go's "very short watch" rule).
      if (quick_empty_watch) clock_.SleepFor(backoff_.Next(), stop);
      continue;
    }
    Clock::Duration delay = backoff_.Next();
    if (IsGone(watch_status)) {
      spdlog::info("cache: watch of {} from resourceVersion {} expired ({}); relisting",
                   description_, LastSyncResourceVersion(), watch_status.message());
      need_list = true;
    } else {
      RecordError(watch_status, "watch", delay);
      need_list = !ResumableWatchError(watch_status);
    }
    clock_.SleepFor(delay, stop);
  }
}

Status Reflector::List(std::stop_token stop, bool* watched, Status* watch_status) {
  *watched = false;
  if (options_.streaming_list && !streaming_unsupported_) {
    Status s = StreamingList(stop, watched, watch_status);
    if (s.ok() || stop.stop_requested()) return s;
    spdlog::warn("cache: streaming list of {} failed ({}); falling back to list", description_,
                 s.ToString());
    streaming_unsupported_ = true;
  }
  client::ListOptions options;
  options.label_selector = label_selector_;
  options.field_selector = field_selector_;
  options.limit = options_.page_size;
  auto list = api_.List(options, stop);
  if (!list) return std::move(list).error();
  {
    // Cleared before the store syncs, so no one sees a synced informer with a stale
    // error.
    std::lock_guard lock(mu_);
    last_error_ = Status();
  }
  std::string rv = list->metadata.resource_version;
  sink_->Replace(std::move(list->items), rv);
  SetResourceVersion(std::move(rv));
  std::lock_guard lock(mu_);
  ++list_count_;
  return Status();
}

Status Reflector::StreamingList(std::stop_token stop, bool* watched, Status* watch_status) {
  client::ListOptions options;
  options.label_selector = label_selector_;
  options.field_selector = field_selector_;
  options.send_initial_events = true;
  options.allow_watch_bookmarks = true;
  options.timeout_seconds = WatchTimeoutSeconds();
  std::unordered_map<std::string, Unstructured> initial;
  bool done = false;
  Status s = api_.Watch(
      options,
      [&](client::WatchEvent&& event) {
        if (done) {
          HandleWatchEvent(std::move(event));
          return true;
        }
        std::string rv = event.object.resource_version();
        switch (event.type) {
          case client::EventType::kBookmark: {
            const Json* end = event.object.Get({"metadata", "annotations", kInitialEventsEnd});
            if (end == nullptr || !end->is_string() || end->get<std::string>() != "true") break;
            std::vector<Unstructured> items;
            items.reserve(initial.size());
            for (auto& [key, object] : initial) items.push_back(std::move(object));
            initial.clear();
            sink_->Replace(std::move(items), rv);
            SetResourceVersion(std::move(rv));
            {
              std::lock_guard lock(mu_);
              ++list_count_;
            }
            done = true;
            break;
          }
          case client::EventType::kAdded:
          case client::EventType::kModified: {
            std::string key = MetaNamespaceKey(event.object.namespace_(), event.object.name());
            initial.insert_or_assign(std::move(key), std::move(event.object));
            break;
          }
          case client::EventType::kDeleted:
            initial.erase(MetaNamespaceKey(event.object.namespace_(), event.object.name()));
            break;
          case client::EventType::kError:
            break;
        }
        return true;
      },
      stop);
  if (!done) {
    return s.ok() ? InternalError("the stream ended before the initial-events-end bookmark") : s;
  }
  *watched = true;
  *watch_status = std::move(s);
  return Status();
}

void Reflector::HandleWatchEvent(client::WatchEvent&& event) {
  std::string rv = event.object.resource_version();
  switch (event.type) {
    case client::EventType::kAdded:
    case client::EventType::kModified:
    case client::EventType::kDeleted:
      sink_->Apply(event.type, std::move(event.object));
      break;
    case client::EventType::kBookmark:
    case client::EventType::kError:
      break;
  }
  SetResourceVersion(std::move(rv));
}

Status Reflector::Watch(std::stop_token stop, bool* any_event) {
  client::ListOptions options;
  options.label_selector = label_selector_;
  options.field_selector = field_selector_;
  options.resource_version = LastSyncResourceVersion();
  options.allow_watch_bookmarks = true;
  options.timeout_seconds = WatchTimeoutSeconds();
  return api_.Watch(
      options,
      [&](client::WatchEvent&& event) {
        *any_event = true;
        HandleWatchEvent(std::move(event));
        return true;
      },
      stop);
}

}  // namespace kube::cache
