// Expectations: what a ReplicaSet controller is still waiting to see in its pod cache
// after it created or deleted pods (docs/k8s-semantics.md B0.3; upstream
// pkg/controller/controller_utils.go UIDTrackingControllerExpectations).
//
// Per controller key ("namespace/name") a record holds `add` (pending creations), the
// set of pod keys with pending deletions, and when it was last set. A sync may create
// or delete pods only when the key is Satisfied(): no record, nothing pending, or the
// record is older than the TTL (5 minutes), so a lost watch event delays a controller
// but never wedges it. Raise before acting (ExpectCreations, ExpectDeletions); lower
// when the informer shows the effect (CreationObserved, DeletionObserved) or when an
// API call failed.
//
// Thread-safety: thread-safe (informer handlers lower, workers raise and read).
#ifndef KUBECPP_CONTROLLERS_REPLICASET_EXPECTATIONS_H_
#define KUBECPP_CONTROLLERS_REPLICASET_EXPECTATIONS_H_

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kubecpp/core/clock.h"

namespace kube::controllers::replicaset {

// Upstream ExpectationsTimeout.
inline constexpr Clock::Duration kExpectationsTimeout = std::chrono::minutes(5);

class Expectations {
 public:
  // REQUIRES: `clock` outlives this object.
  explicit Expectations(Clock& clock, Clock::Duration ttl = kExpectationsTimeout)
      : clock_(clock), ttl_(ttl) {}
  Expectations(const Expectations&) = delete;
  Expectations& operator=(const Expectations&) = delete;

  // True when there is no record for `key`, nothing is pending, or the record expired.
  bool Satisfied(const std::string& key) const;
  // Replaces the record: `n` pending creations, no pending deletions, timestamp now.
  void ExpectCreations(const std::string& key, int n);
  // Replaces the record: no pending creations, the given pod keys pending deletion.
  void ExpectDeletions(const std::string& key, const std::vector<std::string>& pod_keys);
  // One pending creation observed (or given up); no-op without a record.
  void CreationObserved(const std::string& key) { LowerCreations(key, 1); }
  void LowerCreations(const std::string& key, int n);
  // The deletion of `pod_key` observed (or given up); counted once per pod key.
  void DeletionObserved(const std::string& key, const std::string& pod_key);
  // Forgets the record (the ReplicaSet was deleted).
  void Delete(const std::string& key);

  // For tests and logs: pending creations and deletions (0 without a record).
  int PendingCreations(const std::string& key) const;
  int PendingDeletions(const std::string& key) const;

 private:
  struct Record {
    int add = 0;
    std::set<std::string> del;
    Clock::TimePoint timestamp;
  };

  Clock& clock_;
  const Clock::Duration ttl_;
  mutable std::mutex mu_;
  std::map<std::string, Record> records_;  // GUARDED_BY(mu_)
};

}  // namespace kube::controllers::replicaset

#endif  // KUBECPP_CONTROLLERS_REPLICASET_EXPECTATIONS_H_
