#include "kubecpp/controller/controller.h"

#include <cstdio>
#include <exception>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "kubecpp/metrics/controller_metrics.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/metrics/workqueue_metrics.h"

namespace kube::controller {
namespace {

// A random RFC 4122 version 4 UUID, like controller-runtime's reconcileID.
std::string NewReconcileId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t hi = (rng() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string FormatDuration(Clock::Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

Result<std::unique_ptr<Controller>> Controller::New(ControllerOptions options,
                                                    std::shared_ptr<Reconciler> reconciler) {
  if (options.name.empty()) return Status(Code::kInvalid, "controller name must not be empty");
  if (options.max_concurrent_reconciles < 1) {
    return Status(Code::kInvalid, "controller " + options.name +
                                      ": max_concurrent_reconciles must be at least 1, got " +
                                      std::to_string(options.max_concurrent_reconciles));
  }
  if (!reconciler) {
    return Status(Code::kInvalid, "controller " + options.name + ": reconciler must be set");
  }
  return std::unique_ptr<Controller>(new Controller(std::move(options), std::move(reconciler)));
}

Controller::Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler)
    : options_(std::move(options)),
      reconciler_(std::move(reconciler)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      log_(Logger("controller").WithValues({{"controller", options_.name}})) {
  metrics::Registry& registry = options_.metrics_registry != nullptr ? *options_.metrics_registry
                                                                     : metrics::DefaultRegistry();
  metrics_ = std::make_unique<metrics::ControllerMetrics>(options_.name, registry);
  metrics_->SetMaxConcurrentReconciles(options_.max_concurrent_reconciles);
  auto provider = metrics::NewWorkqueueMetricsProvider(registry);
  workqueue::PriorityQueueOptions<ObjectKey> q;
  q.name = options_.name;
  q.metrics_provider = provider.get();
  q.clock = &clock_;
  q.rate_limiter = options_.rate_limiter
                       ? options_.rate_limiter()
                       : workqueue::DefaultControllerRateLimiter<ObjectKey>(clock_);
  queue_ = std::make_unique<workqueue::PriorityQueue<ObjectKey>>(std::move(q));
}

Controller::~Controller() {
  std::map<WatchId, std::unique_ptr<Source>> sources;
  {
    std::lock_guard lock(mu_);
    sources.swap(sources_);
  }
  for (auto& [id, source] : sources) source->Stop();
  queue_->ShutDown();
}

Controller::WatchId Controller::Watch(std::unique_ptr<Source> source) {
  std::lock_guard lock(mu_);
  const WatchId id = next_watch_++;
  if (ran_) source->Start(*this);
  sources_.emplace(id, std::move(source));
  return id;
}

Status Controller::RemoveWatch(WatchId id) {
  std::unique_ptr<Source> source;
  {
    std::lock_guard lock(mu_);
    auto it = sources_.find(id);
    if (it == sources_.end()) {
      return Status(Code::kNotFound,
                    "controller " + options_.name + ": no watch " + std::to_string(id));
    }
    source = std::move(it->second);
    sources_.erase(it);
  }
  source->Stop();
  return Status();
}

void Controller::Enqueue(const ObjectKey& key, int priority) {
  queue_->AddWithOpts({.priority = priority}, key);
}

void Controller::RecordDeleted(const ObjectKey& key, std::shared_ptr<const void> last_state) {
  std::lock_guard lock(deleted_mu_);
  deleted_[key] = std::move(last_state);
}

void Controller::ClearDeleted(const ObjectKey& key) {
  std::lock_guard lock(deleted_mu_);
  deleted_.erase(key);
}

Status Controller::Run(std::stop_token stop) {
  {
    std::lock_guard lock(mu_);
    if (ran_) {
      return Status(Code::kInvalid, "controller " + options_.name + " was already started");
    }
    ran_ = true;
    for (auto& [id, source] : sources_) source->Start(*this);
  }
  log_.Info("Starting EventSource");
  if (Status s = WaitForSources(stop); !s.ok()) {
    queue_->ShutDown();
    return s;
  }
  if (stop.stop_requested()) {
    queue_->ShutDown();
    return Status();
  }
  log_.Info("Starting workers",
            {{"worker count", std::to_string(options_.max_concurrent_reconciles)}});
  started_ = true;
  {
    std::vector<std::jthread> workers;
    workers.reserve(options_.max_concurrent_reconciles);
    for (int i = 0; i < options_.max_concurrent_reconciles; ++i) {
      workers.emplace_back([this, stop] { Worker(stop); });
    }
    WaitForStop(stop);
    log_.Info("Shutdown signal received, waiting for all workers to finish");
    queue_->ShutDown();
  }  // joins the workers: in-flight reconciles finish
  log_.Info("All workers finished");
  started_ = false;
  return Status();
}

Status Controller::WaitForSources(std::stop_token stop) {
  const Clock::TimePoint deadline = clock_.Now() + options_.cache_sync_timeout;
  while (!stop.stop_requested()) {
    std::vector<std::string> pending;
    Status last_error;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, source] : sources_) {
        if (source->HasSynced()) continue;
        pending.push_back(source->description());
        if (Status e = source->LastError(); !e.ok()) last_error = e;
      }
    }
    if (pending.empty()) return Status();
    if (clock_.Now() >= deadline) {
      std::string msg = "controller " + options_.name + ": timed out after " +
                        FormatDuration(options_.cache_sync_timeout) + " waiting for the cache of " +
                        pending.front();
      for (size_t i = 1; i < pending.size(); ++i) msg += ", " + pending[i];
      msg += " to sync";
      if (!last_error.ok()) msg += ": " + last_error.ToString();
      return Status(Code::kTimeout, msg);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status();
}

void Controller::Worker(std::stop_token stop) {
  while (auto item = queue_->GetWithPriority()) {
    if (!stop.stop_requested()) Process(*item);
    queue_->Done(item->item);
  }
}

void Controller::Process(const workqueue::PriorityItem<ObjectKey>& item) {
  const ObjectKey& key = item.item;
  Request request;
  request.key = key;
  request.reconcile_id = NewReconcileId();
  request.stop = abort_.get_token();
  request.log = log_.WithValues(
      {{"namespace", key.namespace_}, {"name", key.name}, {"reconcileID", request.reconcile_id}});
  {
    std::lock_guard lock(deleted_mu_);
    if (auto it = deleted_.find(key); it != deleted_.end()) request.deleted_object = it->second;
  }

  active_.fetch_add(1);
  metrics_->AddActiveWorkers(1);
  const Clock::TimePoint start = clock_.Now();
  Result<Action> result = Action::Done();
  bool threw = false;
  try {
    result = reconciler_->Reconcile(request);
  } catch (const std::exception& e) {
    threw = true;
    result = Status(Code::kInternal, std::string("reconciler threw: ") + e.what());
  } catch (...) {
    threw = true;
    result = Status(Code::kInternal, "reconciler threw a non-standard exception");
  }
  const Clock::Duration elapsed = clock_.Now() - start;
  active_.fetch_sub(1);
  metrics_->AddActiveWorkers(-1);

  if (!result) {
    const Status& error = result.error();
    if (IsTerminalError(error)) {
      queue_->Forget(key);
      metrics_->RecordReconcile(metrics::ReconcileOutcome::kTerminalError, elapsed);
      request.log.Error(error, "Reconciler error (terminal, not retried)");
    } else {
      queue_->AddWithOpts({.rate_limited = true, .priority = item.priority}, key);
      metrics_->RecordReconcile(
          threw ? metrics::ReconcileOutcome::kPanic : metrics::ReconcileOutcome::kError, elapsed);
      request.log.Error(error, "Reconciler error");
    }
    return;
  }
  if (result->requeue_after() > Clock::Duration::zero()) {
    queue_->Forget(key);
    queue_->AddWithOpts({.after = result->requeue_after(), .priority = item.priority}, key);
    metrics_->RecordReconcile(metrics::ReconcileOutcome::kRequeueAfter, elapsed);
  } else if (result->requeue()) {
    queue_->AddWithOpts({.rate_limited = true, .priority = item.priority}, key);
    metrics_->RecordReconcile(metrics::ReconcileOutcome::kRequeue, elapsed);
  } else {
    queue_->Forget(key);
    metrics_->RecordReconcile(metrics::ReconcileOutcome::kSuccess, elapsed);
  }
  if (request.deleted_object) {
    std::lock_guard lock(deleted_mu_);
    auto it = deleted_.find(key);
    if (it != deleted_.end() && it->second == request.deleted_object) deleted_.erase(it);
  }
}

}  // namespace kube::controller
