// Manager: runs a controller process (controller-runtime's manager.Manager).
//
// It owns the client, the shared informers (one watch per type for every controller),
// the controllers and other runnables, and around them the things every operator
// needs: leader election on a coordination.k8s.io/v1 Lease, /metrics, /healthz and
// /readyz, an EventRecorder, and a graceful shutdown on SIGINT/SIGTERM.
//
//   int main() {
//     auto stop = kube::manager::SetupSignalHandler();  // first thing in main
//     auto config = kube::client::LoadDefaultConfig();
//     auto mgr = kube::manager::Manager::New(*config, {.leader_election = true,
//                                                      .leader_election_id = "webapp"});
//     auto status = (*mgr)->NewControllerManagedBy()
//                       .For<WebApp>()
//                       .Owns<Deployment>()
//                       .Complete(std::make_shared<WebAppReconciler>(mgr->get()));
//     return (*mgr)->Start(stop).ok() ? 0 : 1;
//   }
//
// Start: serves the endpoints, starts the informers, runs the runnables that do not
// need leadership, campaigns for the Lease (when enabled) and runs the others once it
// leads; /readyz passes once every informer has synced. When `stop` fires: stops every
// runnable and waits for in-flight reconciles up to graceful_shutdown_timeout, then
// cancels them (Request::stop) and waits for them to return, releases the Lease,
// flushes events and stops the endpoints. Losing the Lease stops the manager with
// kUnavailable ("leader election lost"), as controller-runtime exits the process: a
// replica that lost leadership must not keep acting.
//
// Thread-safety: thread-safe. Start is called once.
#ifndef KUBECPP_MANAGER_MANAGER_H_
#define KUBECPP_MANAGER_MANAGER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/controller/builder.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/endpoints.h"
#include "kubecpp/manager/event_recorder.h"

namespace kube::metrics {
class Registry;
}

namespace kube::manager {

struct ManagerOptions {
  // Leader election (off by default, as in controller-runtime).
  bool leader_election = false;
  // Lease name; required with leader_election.
  std::string leader_election_id;
  // Lease namespace. Default: the client config's namespace (in a pod: its own).
  std::string leader_election_namespace;
  // Default: DefaultLeaderIdentity() ("<hostname>_<uuid>").
  std::string leader_election_identity;
  std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
  std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::milliseconds retry_period = std::chrono::seconds(2);
  // Release the Lease on a clean shutdown so a standby takes over at once.
  bool leader_election_release_on_cancel = true;

  // "host:port", ":port", or "0" to disable. Default ":8080" (controller-runtime's).
  std::string metrics_bind_address = ":8080";
  // Default "0": no probe endpoint (controller-runtime's default too).
  std::string health_probe_bind_address = "0";

  // How long Start waits for runnables to stop before cancelling in-flight reconciles.
  // Default 30 s.
  std::chrono::milliseconds graceful_shutdown_timeout = std::chrono::seconds(30);
  // How long controllers wait for their caches. Default 2 minutes.
  std::chrono::milliseconds cache_sync_timeout = std::chrono::minutes(2);
  // Events are written as this component ("source.component"). Default "kubecpp-manager".
  std::string event_component = "kubecpp-manager";

  // Time source for leader election, events and controllers. Default RealClock().
  Clock* clock = nullptr;
  // Metrics registry. Default metrics::DefaultRegistry().
  metrics::Registry* metrics_registry = nullptr;
};

// Something the manager runs: Run blocks until `stop` fires (or fails).
class Runnable {
 public:
  virtual ~Runnable() = default;
  [[nodiscard]] virtual Status Run(std::stop_token stop) = 0;
  // Runnables that write to the cluster should run only on the leader. Default true.
  virtual bool NeedLeaderElection() const { return true; }
  virtual std::string name() const = 0;
};

// A runnable from a function.
std::unique_ptr<Runnable> RunnableFunc(std::string name, std::function<Status(std::stop_token)> fn,
                                       bool need_leader_election = true);

// Installs SIGINT/SIGTERM handling and returns a token that fires on the first of
// them; a second signal exits the process at once with status 1. Call it first in
// main(), before any thread is started (it blocks the signals in the calling thread,
// which threads created later inherit, and waits for them on a thread of its own).
std::stop_token SetupSignalHandler();

class Manager {
 public:
  // Builds the client from `config`. Errors: the client's; kInvalid for bad options.
  [[nodiscard]] static Result<std::unique_ptr<Manager>> New(const client::Config& config,
                                                            ManagerOptions options = {});
  // Uses `client` (a fake apiserver's, in tests).
  [[nodiscard]] static Result<std::unique_ptr<Manager>> New(std::unique_ptr<client::Client> client,
                                                            ManagerOptions options = {});
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  client::Client* client() const { return client_.get(); }
  cache::InformerFactory& informers() { return informers_; }
  // Events as ManagerOptions::event_component.
  EventRecorder& event_recorder() { return *recorder_; }
  metrics::Registry& metrics_registry() const { return registry_; }
  const ManagerOptions& options() const { return options_; }

  // A builder whose Complete() adds the controller to this manager.
  controller::Builder NewControllerManagedBy();
  // Adds a controller or a runnable; allowed before and after Start (then it starts
  // at once, if this replica may run it). Errors: kAlreadyExists for a second
  // controller of the same name.
  [[nodiscard]] Status Add(std::unique_ptr<controller::Controller> controller);
  [[nodiscard]] Status Add(std::unique_ptr<Runnable> runnable);

  [[nodiscard]] Status AddHealthzCheck(std::string name, HealthCheck check);
  [[nodiscard]] Status AddReadyzCheck(std::string name, HealthCheck check);

  // Runs until `stop` fires or leadership is lost (see the file comment). Returns the
  // first runnable error, kUnavailable when the Lease was lost, kTimeout when
  // in-flight work outlived the graceful timeout (it was cancelled), else OK.
  [[nodiscard]] Status Start(std::stop_token stop);

  // True while this replica leads (always true without leader election, once started).
  bool IsLeader() const;
  // "http://127.0.0.1:PORT" of the metrics / probe endpoints ("" when disabled).
  std::string metrics_url() const;
  std::string health_probe_url() const;

 private:
  struct Entry;
  Manager(std::unique_ptr<client::Client> client, ManagerOptions options);
  void StartEntryLocked(Entry& entry);
  void StartLeaderRunnables(std::stop_token leader_stop);
  // Waits (up to the graceful timeout, then cancels) for the runnables that need
  // leadership (`leader`) or not to return.
  Status StopEntries(bool leader);

  const ManagerOptions options_;
  Clock& clock_;
  metrics::Registry& registry_;
  const std::unique_ptr<client::Client> client_;
  cache::InformerFactory informers_;
  std::unique_ptr<EventRecorder> recorder_;
  HealthChecks healthz_;
  HealthChecks readyz_;
  EndpointsServer metrics_server_;
  EndpointsServer probe_server_;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
  bool started_ = false;                         // GUARDED_BY(mu_)
  bool leading_ = false;                         // GUARDED_BY(mu_): leader runnables may run
  std::stop_token leader_stop_;                  // GUARDED_BY(mu_)
  std::stop_source stop_all_;                    // stops every runnable
  std::vector<Status> errors_;                   // GUARDED_BY(mu_): runnable errors
  std::condition_variable done_cv_;              // an entry finished
};

}  // namespace kube::manager

#endif  // KUBECPP_MANAGER_MANAGER_H_
