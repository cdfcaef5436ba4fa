// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, with the
// semantics of client-go's tools/leaderelection.
//
// Candidates share one Lease. The holder writes spec.holderIdentity and renews
// spec.renewTime every retry_period; a candidate takes the Lease over once it has
// seen no change to the Lease record for leaseDurationSeconds of its *own* clock
// (client-go's observedTime), so clock skew between candidates does not matter.
// Writes use the Lease's resourceVersion, so of two candidates racing for an expired
// Lease exactly one wins. The holder gives up leadership when it cannot renew within
// renew_deadline, which is shorter than lease_duration: the old leader stops acting
// before anyone else may start.
//
//   kube::manager::LeaderElectionConfig config;
//   config.lease_namespace = "kube-system";
//   config.lease_name = "my-controller";
//   config.callbacks.on_started_leading = [&](std::stop_token lost) { RunControllers(lost); };
//   config.callbacks.on_stopped_leading = [] { spdlog::info("no longer leading"); };
//   auto elector = kube::manager::LeaderElector::Create(client, std::move(config));
//   if (!elector) return elector.error();
//   Status s = (*elector)->Run(stop);  // blocks; kUnavailable when leadership was lost
//
// Thread-safety: thread-safe. Run() is called once, on a thread the caller owns;
// IsLeader(), GetLeader() and identity() may be called from any thread at any time.
#ifndef KUBECPP_MANAGER_LEADER_ELECTION_H_
#define KUBECPP_MANAGER_LEADER_ELECTION_H_

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "kubecpp/client/client.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"
#include "kubecpp/manager/event_recorder.h"

namespace kube::manager {

// What the elector tells its owner. Callbacks run on the elector's threads and must
// not call Run(); they may call IsLeader() and GetLeader().
struct LeaderCallbacks {
  // Required. Called on a thread of its own when this candidate becomes leader. Its
  // stop_token is requested when leadership is lost or Run() is stopped; the function
  // must then return promptly, because Run() joins its thread before releasing the
  // Lease and returning.
  std::function<void(std::stop_token)> on_started_leading;
  // Required. Called on Run()'s thread after leadership ended (lost, or stopped and
  // released) and after on_started_leading returned. Not called when this candidate
  // never led.
  std::function<void()> on_stopped_leading;
  // Optional. Called on Run()'s thread whenever the observed holder changes to a new,
  // non-empty identity (this candidate's included). Must not block.
  std::function<void(const std::string& identity)> on_new_leader;
};

struct LeaderElectionConfig {
  // Required: where the Lease lives. The Lease is created when missing.
  std::string lease_namespace;
  std::string lease_name;
  // This candidate's identity, unique among candidates. Default (empty): Create()
  // fills in DefaultLeaderIdentity().
  std::string identity;
  // How long a non-leader waits, after the last observed change of the Lease, before
  // taking it over. Written as spec.leaseDurationSeconds (whole seconds). Default 15 s.
  std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
  // How long the leader keeps retrying a failed renewal before giving up leadership.
  // Default 10 s.
  std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
  // Interval between attempts to acquire (jittered by up to 1.2x more) and to renew.
  // Default 2 s.
  std::chrono::milliseconds retry_period = std::chrono::seconds(2);
  // When Run() is stopped while leading, write the Lease with an empty holder and
  // leaseDurationSeconds 1 so another candidate takes over at once. Only safe when all
  // work guarded by the Lease has stopped: the elector waits for on_started_leading to
  // return before releasing. Default true.
  bool release_on_cancel = true;
  LeaderCallbacks callbacks;
  // Optional: records "<identity> became leader" and "<identity> stopped leading"
  // Normal Events with reason LeaderElection on the Lease, as client-go's LeaseLock
  // does. Must outlive the elector.
  EventRecorder* event_recorder = nullptr;
  // Optional observer of leadership for metrics (leader_election_master_status):
  // called with false when Run() starts, true when leadership is acquired and false
  // when it ends. Called on Run()'s thread; must not block.
  std::function<void(bool leading)> on_status;
};

// Jitter factor of the acquire loop, and the bound in validation: renew_deadline must
// exceed kLeaderElectionJitterFactor * retry_period (client-go's JitterFactor).
inline constexpr double kLeaderElectionJitterFactor = 1.2;

// "<hostname>_<random UUID>", as controller-runtime builds identities.
std::string DefaultLeaderIdentity();

// Checks `config` as client-go's NewLeaderElector does: lease_duration >
// renew_deadline > 1.2 * retry_period, all > 0; lease_duration at least 1 s (it is
// written in whole seconds); a valid Lease name (DNS-1123 subdomain) and namespace
// (DNS-1123 label); non-empty identity; both required callbacks set.
// Errors: kInvalid naming the offending field.
[[nodiscard]] Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  // Validates `config` (after filling in a default identity) and builds an elector.
  // REQUIRES: `client` and `clock` outlive the elector. Errors: kInvalid.
  [[nodiscard]] static Result<std::unique_ptr<LeaderElector>> Create(client::Client* client,
                                                                     LeaderElectionConfig config,
                                                                     Clock& clock = RealClock());
  // REQUIRES: Run() has returned (or was never called).
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns until this candidate leads, then renews until `stop` is requested or a
  // renew cycle has not succeeded within renew_deadline (a request still pending then
  // is cancelled, so a hung apiserver cannot keep a stale leader acting). Blocks the
  // calling thread; while leading, a second thread watches the deadline on the Clock.
  // On the way out: stops on_started_leading (its stop_token) and joins it, releases
  // the Lease with release_on_cancel if the last record seen still names this
  // candidate, then calls on_stopped_leading.
  // Returns OK when `stop` ended it; kUnavailable when leadership was lost.
  // REQUIRES: called at most once.
  [[nodiscard]] Status Run(std::stop_token stop);

  // True from the moment this candidate acquired the Lease until leadership ends.
  bool IsLeader() const;
  // The holder of the Lease as last observed ("" before the first observation, or
  // when the Lease is released).
  std::string GetLeader() const;
  const std::string& identity() const;

 private:
  class Impl;
  explicit LeaderElector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kube::manager

#endif  // KUBECPP_MANAGER_LEADER_ELECTION_H_
