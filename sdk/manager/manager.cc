#include "kubecpp/manager/manager.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <thread>
#include <utility>

#include "kubecpp/controller/log.h"
#include "kubecpp/manager/leader_election.h"
#include "kubecpp/metrics/leader_election_metrics.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/metrics/rest_client_metrics.h"

namespace kube::manager {
namespace {

class FuncRunnable final : public Runnable {
 public:
  FuncRunnable(std::string name, std::function<Status(std::stop_token)> fn, bool leader)
      : name_(std::move(name)), fn_(std::move(fn)), leader_(leader) {}
  Status Run(std::stop_token stop) override { return fn_(std::move(stop)); }
  bool NeedLeaderElection() const override { return leader_; }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  std::function<Status(std::stop_token)> fn_;
  bool leader_;
};

class ControllerRunnable final : public Runnable {
 public:
  explicit ControllerRunnable(std::unique_ptr<controller::Controller> c) : c_(std::move(c)) {}
  Status Run(std::stop_token stop) override { return c_->Run(std::move(stop)); }
  bool NeedLeaderElection() const override { return c_->options().need_leader_election; }
  std::string name() const override { return c_->name(); }
  controller::Controller& controller() { return *c_; }

 private:
  std::unique_ptr<controller::Controller> c_;
};

}  // namespace

std::unique_ptr<Runnable> RunnableFunc(std::string name, std::function<Status(std::stop_token)> fn,
                                       bool need_leader_election) {
  return std::make_unique<FuncRunnable>(std::move(name), std::move(fn), need_leader_election);
}

std::stop_token SetupSignalHandler() {
  static std::stop_source source;
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
      int received = 0;
      for (int count = 0;; ++count) {
        if (sigwait(&set, &received) != 0) continue;
        if (count > 0) std::_Exit(1);  // a second signal: exit at once
        controller::Logger("manager").Info("received signal, shutting down",
                                           {{"signal", std::to_string(received)}});
        source.request_stop();
      }
    }).detach();
  });
  return source.get_token();
}

struct Manager::Entry {
  std::unique_ptr<Runnable> runnable;
  controller::Controller* controller = nullptr;  // for Abort
  bool started = false;
  bool done = false;
  std::thread thread;
};

Result<std::unique_ptr<Manager>> Manager::New(const client::Config& config,
                                              ManagerOptions options) {
  auto client = client::Client::Create(config);
  if (!client) return std::move(client).error();
  if (options.leader_election_namespace.empty()) {
    options.leader_election_namespace = config.namespace_;
  }
  return New(std::move(*client), std::move(options));
}

Result<std::unique_ptr<Manager>> Manager::New(std::unique_ptr<client::Client> client,
                                              ManagerOptions options) {
  if (!client) return Status(Code::kInvalid, "manager: client must not be null");
  KUBE_RETURN_IF_ERROR(ValidateBindAddress(options.metrics_bind_address));
  KUBE_RETURN_IF_ERROR(ValidateBindAddress(options.health_probe_bind_address));
  if (options.leader_election && options.leader_election_id.empty()) {
    return Status(Code::kInvalid,
                  "manager: leader_election_id must be set when leader election is enabled");
  }
  if (options.leader_election_namespace.empty()) {
    options.leader_election_namespace =
        client->config().namespace_.empty() ? "default" : client->config().namespace_;
  }
  return std::unique_ptr<Manager>(new Manager(std::move(client), std::move(options)));
}

Manager::Manager(std::unique_ptr<client::Client> client, ManagerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      registry_(options_.metrics_registry != nullptr ? *options_.metrics_registry
                                                     : metrics::DefaultRegistry()),
      client_(std::move(client)),
      informers_(client_.get()),
      recorder_(std::make_unique<EventRecorder>(
          client_.get(), EventRecorderOptions{.component = options_.event_component}, clock_)),
      metrics_server_({.metrics = &registry_}),
      probe_server_({.healthz = &healthz_, .readyz = &readyz_}) {
  client_->SetRequestObserver([rest = std::make_shared<metrics::RestClientMetrics>(registry_)](
                                  std::string_view method, std::string_view host, int code,
                                  std::chrono::duration<double> latency) {
    rest->Observe(method, host, code, latency.count());
  });
  (void)readyz_.AddCheck("informers", [this] {
    return informers_.WaitForCacheSync(std::stop_token(), Clock::Duration::zero());
  });
}

Manager::~Manager() {
  stop_all_.request_stop();
  std::vector<std::unique_ptr<Entry>> entries;
  {
    std::lock_guard lock(mu_);
    entries.swap(entries_);
  }
  for (auto& e : entries) {
    if (e->controller != nullptr) e->controller->Abort();
    if (e->thread.joinable()) e->thread.join();
  }
}

controller::Builder Manager::NewControllerManagedBy() {
  return controller::Builder(
      informers_, [this](std::unique_ptr<controller::Controller> c) { return Add(std::move(c)); },
      controller::ControllerOptions{.cache_sync_timeout = options_.cache_sync_timeout,
                                    .clock = &clock_,
                                    .metrics_registry = &registry_});
}

Status Manager::Add(std::unique_ptr<controller::Controller> c) {
  if (!c) return Status(Code::kInvalid, "manager: controller must not be null");
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) {
    if (e->controller != nullptr && e->controller->name() == c->name()) {
      return Status(Code::kAlreadyExists,
                    "manager: a controller named " + c->name() + " was already added");
    }
  }
  auto entry = std::make_unique<Entry>();
  entry->controller = c.get();
  entry->runnable = std::make_unique<ControllerRunnable>(std::move(c));
  entries_.push_back(std::move(entry));
  StartEntryLocked(*entries_.back());
  return Status();
}

Status Manager::Add(std::unique_ptr<Runnable> runnable) {
  if (!runnable) return Status(Code::kInvalid, "manager: runnable must not be null");
  auto entry = std::make_unique<Entry>();
  entry->runnable = std::move(runnable);
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(entry));
  StartEntryLocked(*entries_.back());
  return Status();
}

Status Manager::AddHealthzCheck(std::string name, HealthCheck check) {
  return healthz_.AddCheck(std::move(name), std::move(check));
}
Status Manager::AddReadyzCheck(std::string name, HealthCheck check) {
  return readyz_.AddCheck(std::move(name), std::move(check));
}

// Starts `entry` if the manager runs and this replica may run it.
void Manager::StartEntryLocked(Entry& entry) {
  if (!started_ || entry.started || stop_all_.stop_requested()) return;
  const bool leader = entry.runnable->NeedLeaderElection();
  if (leader && !leading_) return;
  std::stop_token token = leader ? leader_stop_ : stop_all_.get_token();
  entry.started = true;
  entry.thread = std::thread([this, &entry, token] {
    Status s = entry.runnable->Run(token);
    std::lock_guard lock(mu_);
    if (!s.ok() && s.code() != Code::kCancelled) {
      controller::Logger("manager").Error(s, "runnable failed",
                                          {{"runnable", entry.runnable->name()}});
      errors_.push_back(s.Annotate(entry.runnable->name()));
      stop_all_.request_stop();  // a failed runnable stops the manager
    }
    entry.done = true;
    done_cv_.notify_all();
  });
}

Status Manager::StopEntries(bool leader) {
  const auto deadline = std::chrono::steady_clock::now() + options_.graceful_shutdown_timeout;
  Status result;
  std::unique_lock lock(mu_);
  auto all_done = [&] {
    for (const auto& e : entries_) {
      if (e->started && e->runnable->NeedLeaderElection() == leader && !e->done) return false;
    }
    return true;
  };
  if (!done_cv_.wait_until(lock, deadline, all_done)) {
    result = Status(Code::kTimeout, "manager: graceful shutdown timed out after " +
                                        std::to_string(options_.graceful_shutdown_timeout.count()) +
                                        " ms; in-flight reconciles were cancelled");
    for (const auto& e : entries_) {
      if (e->controller != nullptr && e->runnable->NeedLeaderElection() == leader) {
        e->controller->Abort();
      }
    }
    done_cv_.wait(lock, all_done);
  }
  std::vector<std::thread*> threads;
  for (const auto& e : entries_) {
    if (e->started && e->runnable->NeedLeaderElection() == leader && e->thread.joinable()) {
      threads.push_back(&e->thread);
    }
  }
  lock.unlock();
  for (std::thread* t : threads) t->join();
  return result;
}

void Manager::StartLeaderRunnables(std::stop_token leader_stop) {
  std::lock_guard lock(mu_);
  leading_ = true;
  leader_stop_ = std::move(leader_stop);
  for (auto& e : entries_) StartEntryLocked(*e);
}

Status Manager::Start(std::stop_token stop) {
  {
    std::lock_guard lock(mu_);
    if (started_) return Status(Code::kInvalid, "manager: Start was already called");
    started_ = true;
  }
  std::stop_callback forward(stop, [this] { stop_all_.request_stop(); });
  KUBE_RETURN_IF_ERROR(metrics_server_.Start(options_.metrics_bind_address));
  if (Status s = probe_server_.Start(options_.health_probe_bind_address); !s.ok()) {
    metrics_server_.Stop();
    return s;
  }
  informers_.Start(stop_all_.get_token());
  {
    std::lock_guard lock(mu_);
    for (auto& e : entries_) StartEntryLocked(*e);  // those that need no leadership
  }

  Status leader_status;
  Status leader_stop_status;
  std::unique_ptr<LeaderElector> elector;
  std::thread elector_thread;
  if (options_.leader_election) {
    LeaderElectionConfig config;
    config.lease_namespace = options_.leader_election_namespace;
    config.lease_name = options_.leader_election_id;
    config.identity = options_.leader_election_identity;
    config.lease_duration = options_.lease_duration;
    config.renew_deadline = options_.renew_deadline;
    config.retry_period = options_.retry_period;
    config.release_on_cancel = options_.leader_election_release_on_cancel;
    config.event_recorder = recorder_.get();
    config.callbacks.on_started_leading = [this, &leader_stop_status](std::stop_token lt) {
      controller::Logger("manager").Info(
          "became leader",
          {{"lease", options_.leader_election_namespace + "/" + options_.leader_election_id}});
      StartLeaderRunnables(lt);
      WaitForStop(lt);
      // Leader work must stop before the elector releases the Lease.
      leader_stop_status = StopEntries(/*leader=*/true);
    };
    config.callbacks.on_stopped_leading = [this] {
      std::lock_guard lock(mu_);
      leading_ = false;
    };
    config.on_status = [this](bool leading) {
      metrics::SetLeaderStatus(registry_, options_.leader_election_id, leading);
    };
    auto created = LeaderElector::Create(client_.get(), std::move(config), clock_);
    if (!created) {
      stop_all_.request_stop();
      (void)StopEntries(false);
      metrics_server_.Stop();
      probe_server_.Stop();
      return std::move(created).error();
    }
    elector = std::move(*created);
    elector_thread = std::thread([&] {
      leader_status = elector->Run(stop_all_.get_token());
      if (!leader_status.ok()) {
        controller::Logger("manager").Error(leader_status, "leader election lost");
        stop_all_.request_stop();
      }
    });
  } else {
    StartLeaderRunnables(stop_all_.get_token());
  }

  {  // Run until stopped (signal, caller, a failed runnable or a lost Lease).
    WaitForStop(stop_all_.get_token());
  }
  controller::Logger("manager").Info("stopping");
  Status result;
  if (elector_thread.joinable()) {
    elector_thread.join();  // stops and drains leader runnables, releases the Lease
    result = leader_stop_status;
  } else {
    result = StopEntries(/*leader=*/true);
  }
  if (Status s = StopEntries(/*leader=*/false); result.ok()) result = s;
  recorder_->Shutdown();
  metrics_server_.Stop();
  probe_server_.Stop();
  {
    std::lock_guard lock(mu_);
    leading_ = false;
    if (!errors_.empty()) return errors_.front();
  }
  if (!leader_status.ok()) {
    return Status(Code::kUnavailable, "leader election lost: " + leader_status.message());
  }
  return result;
}

bool Manager::IsLeader() const {
  std::lock_guard lock(mu_);
  return leading_;
}

std::string Manager::metrics_url() const { return metrics_server_.url(); }
std::string Manager::health_probe_url() const { return probe_server_.url(); }

}  // namespace kube::manager
