#include "controllers/replicaset/expectations.h"

namespace kube::controllers::replicaset {

bool Expectations::Satisfied(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return true;
  const Record& r = it->second;
  if (r.add <= 0 && r.del.empty()) return true;
  return clock_.Now() - r.timestamp > ttl_;
}

void Expectations::ExpectCreations(const std::string& key, int n) {
  std::lock_guard lock(mu_);
  records_[key] = Record{n, {}, clock_.Now()};
}

void Expectations::ExpectDeletions(const std::string& key,
                                   const std::vector<std::string>& pod_keys) {
  std::lock_guard lock(mu_);
  records_[key] = Record{0, std::set<std::string>(pod_keys.begin(), pod_keys.end()), clock_.Now()};
}

void Expectations::LowerCreations(const std::string& key, int n) {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it != records_.end()) it->second.add -= n;
}

void Expectations::DeletionObserved(const std::string& key, const std::string& pod_key) {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it != records_.end()) it->second.del.erase(pod_key);
}

void Expectations::Delete(const std::string& key) {
  std::lock_guard lock(mu_);
  records_.erase(key);
}

int Expectations::PendingCreations(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  return it == records_.end() ? 0 : it->second.add;
}

int Expectations::PendingDeletions(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  return it == records_.end() ? 0 : static_cast<int>(it->second.del.size());
}

}  // namespace kube::controllers::replicaset
