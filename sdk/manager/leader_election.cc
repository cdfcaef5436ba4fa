#include "kubecpp/manager/leader_election.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/time.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/core/validation.h"

namespace kube::manager {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

const client::ResourceRef& LeaseResource() {
  static const client::ResourceRef kLease{{"coordination.k8s.io", "v1", "leases"}, "Lease", true};
  return kLease;
}

// The leader election record as it is stored in Lease.spec (client-go's
// LeaderElectionRecord). Times are kept as the JSON the server holds, so a renewal
// writes back acquireTime exactly as it was.
struct Record {
  std::string holder;
  int64_t lease_duration_seconds = 0;
  Json acquire_time;  // MicroTime text or null
  Json renew_time;
  int64_t transitions = 0;
  friend bool operator==(const Record&, const Record&) = default;
};

int64_t IntField(const Json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

Record RecordFromLease(const Unstructured& lease) {
  Record r;
  const Json* spec = lease.Get({"spec"});
  if (spec == nullptr || !spec->is_object()) return r;
  if (auto it = spec->find("holderIdentity"); it != spec->end() && it->is_string()) {
    r.holder = it->get<std::string>();
  }
  r.lease_duration_seconds = IntField(*spec, "leaseDurationSeconds");
  r.transitions = IntField(*spec, "leaseTransitions");
  if (auto it = spec->find("acquireTime"); it != spec->end()) r.acquire_time = *it;
  if (auto it = spec->find("renewTime"); it != spec->end()) r.renew_time = *it;
  return r;
}

// Writes `r` into `lease`'s spec, keeping spec fields the record does not model
// (strategy, preferredHolder).
void RecordToLease(const Record& r, Unstructured* lease) {
  lease->Set({"spec", "holderIdentity"}, Json(r.holder));
  lease->Set({"spec", "leaseDurationSeconds"}, Json(r.lease_duration_seconds));
  lease->Set({"spec", "acquireTime"}, r.acquire_time);
  lease->Set({"spec", "renewTime"}, r.renew_time);
  lease->Set({"spec", "leaseTransitions"}, Json(r.transitions));
}

std::string RandomUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};            // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    out.push_back(kHex[(word >> shift) & 0xF]);
  }
  return out;
}

std::string Ms(milliseconds d) { return FormatDuration(d); }

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {};
  std::string name = "unknown";
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') name = host;
  return name + "_" + RandomUuid();
}

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.lease_duration <= milliseconds(0)) {
    return InvalidError("lease_duration must be greater than zero");
  }
  if (c.renew_deadline <= milliseconds(0)) {
    return InvalidError("renew_deadline must be greater than zero");
  }
  if (c.retry_period <= milliseconds(0)) {
    return InvalidError("retry_period must be greater than zero");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return InvalidError("lease_duration (" + Ms(c.lease_duration) +
                        ") must be greater than renew_deadline (" + Ms(c.renew_deadline) + ")");
  }
  if (static_cast<double>(c.renew_deadline.count()) <=
      kLeaderElectionJitterFactor * static_cast<double>(c.retry_period.count())) {
    return InvalidError("renew_deadline (" + Ms(c.renew_deadline) +
                        ") must be greater than retry_period (" + Ms(c.retry_period) +
                        ") * JitterFactor (1.2)");
  }
  if (c.lease_duration < seconds(1)) {
    return InvalidError("lease_duration (" + Ms(c.lease_duration) +
                        ") must be at least 1s: the Lease stores whole seconds");
  }
  if (c.lease_name.empty()) return InvalidError("lease_name must not be empty");
  if (auto errs = IsDns1123Subdomain(c.lease_name); !errs.empty()) {
    return InvalidError("lease_name \"" + c.lease_name + "\": " + errs.front());
  }
  if (c.lease_namespace.empty()) return InvalidError("lease_namespace must not be empty");
  if (auto errs = IsDns1123Label(c.lease_namespace); !errs.empty()) {
    return InvalidError("lease_namespace \"" + c.lease_namespace + "\": " + errs.front());
  }
  if (c.identity.empty()) return InvalidError("identity must not be empty");
  if (!c.callbacks.on_started_leading) {
    return InvalidError("callbacks.on_started_leading must be set");
  }
  if (!c.callbacks.on_stopped_leading) {
    return InvalidError("callbacks.on_stopped_leading must be set");
  }
  return Status();
}

class LeaderElector::Impl {
 public:
  Impl(client::Client* client, LeaderElectionConfig config, Clock& clock)
      : config_(std::move(config)),
        clock_(clock),
        api_(client, LeaseResource(), config_.lease_namespace),
        description_(config_.lease_namespace + "/" + config_.lease_name),
        rng_(std::random_device{}()) {
    // Build spdlog's registry on this thread, before Run's threads log.
    (void)spdlog::default_logger_raw();
  }

  Status Run(std::stop_token stop);

  bool IsLeader() const {
    std::lock_guard lock(mu_);
    return leading_;
  }
  std::string GetLeader() const {
    std::lock_guard lock(mu_);
    return observed_.holder;
  }
  const std::string& identity() const { return config_.identity; }

 private:
  bool TryAcquireOrRenew(std::stop_token stop);
  // Writes `record` over the last Lease read or written (its resourceVersion makes a
  // stale write fail with kConflict).
  Status UpdateLease(const Record& record, std::stop_token stop);
  void SetObserved(Record record);
  bool ObservedSelf() const;
  void MaybeReportTransition();
  void Release();
  void RecordEvent(std::string_view what) {
    if (config_.event_recorder == nullptr || !lease_) return;
    ObjectReference ref = ReferenceTo(*lease_);
    ref.api_version = "coordination.k8s.io/v1";
    ref.kind = "Lease";
    config_.event_recorder->Event(ref, EventType::kNormal, "LeaderElection",
                                  config_.identity + " " + std::string(what));
  }
  void SetStatus(bool leading) {
    if (config_.on_status) config_.on_status(leading);
  }
  Clock::Duration JitteredRetry();

  const LeaderElectionConfig config_;
  Clock& clock_;
  client::DynamicApi api_;
  const std::string description_;

  // Touched only by Run()'s thread.
  std::optional<Unstructured> lease_;  // last Lease read or written
  std::string reported_leader_;
  std::mt19937_64 rng_;
  bool ran_ = false;

  mutable std::mutex mu_;
  Record observed_;                 // GUARDED_BY(mu_): last record seen or written
  Clock::TimePoint observed_time_;  // GUARDED_BY(mu_): local time `observed_` changed
  bool leading_ = false;            // GUARDED_BY(mu_)
};

void LeaderElector::Impl::SetObserved(Record record) {
  std::lock_guard lock(mu_);
  observed_ = std::move(record);
  observed_time_ = clock_.Now();
}

bool LeaderElector::Impl::ObservedSelf() const {
  std::lock_guard lock(mu_);
  return observed_.holder == config_.identity;
}

Clock::Duration LeaderElector::Impl::JitteredRetry() {
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  auto retry = duration_cast<Clock::Duration>(config_.retry_period);
  double extra = dist(rng_) * kLeaderElectionJitterFactor * static_cast<double>(retry.count());
  return retry + Clock::Duration(static_cast<Clock::Duration::rep>(extra));
}

Status LeaderElector::Impl::UpdateLease(const Record& record, std::stop_token stop) {
  if (!lease_) return InternalError("lease " + description_ + " not read yet");
  Unstructured next = *lease_;
  RecordToLease(record, &next);
  auto written = api_.Update(next, {}, stop);
  if (!written) return written.error();
  lease_ = std::move(*written);
  return Status();
}

bool LeaderElector::Impl::TryAcquireOrRenew(std::stop_token stop) {
  const std::string now_text = MicroTime(clock_.WallNow()).ToString();
  const Clock::TimePoint now = clock_.Now();
  Record desired;
  desired.holder = config_.identity;
  desired.lease_duration_seconds = duration_cast<seconds>(config_.lease_duration).count();
  desired.acquire_time = now_text;
  desired.renew_time = now_text;

  // 1. Fast path: the leader renews optimistically from the record it wrote last.
  bool fast = false;
  Record observed;
  {
    std::lock_guard lock(mu_);
    fast = lease_.has_value() && observed_.holder == config_.identity &&
           observed_time_ + config_.lease_duration > now;
    observed = observed_;
  }
  if (fast) {
    Record renewal = desired;
    renewal.acquire_time = observed.acquire_time;
    renewal.transitions = observed.transitions;
    Status s = UpdateLease(renewal, stop);
    if (s.ok()) {
      SetObserved(std::move(renewal));
      return true;
    }
    if (stop.stop_requested()) return false;
    spdlog::warn("leader election: renewing lease {} optimistically failed ({}); re-reading",
                 description_, s.ToString());
  }

  // 2. Read the Lease, or create it.
  auto got = api_.Get(config_.lease_name, stop);
  if (!got) {
    if (!IsNotFound(got.error())) {
      if (!stop.stop_requested()) {
        spdlog::warn("leader election: reading lease {} failed: {}", description_,
                     got.error().ToString());
      }
      return false;
    }
    Unstructured lease;
    lease.set_api_version("coordination.k8s.io/v1");
    lease.set_kind("Lease");
    lease.set_name(config_.lease_name);
    lease.set_namespace(config_.lease_namespace);
    RecordToLease(desired, &lease);
    auto created = api_.Create(lease, {}, stop);
    if (!created) {
      if (!stop.stop_requested()) {
        spdlog::warn("leader election: creating lease {} failed: {}", description_,
                     created.error().ToString());
      }
      return false;
    }
    lease_ = std::move(*created);
    SetObserved(std::move(desired));
    return true;
  }
  lease_ = std::move(*got);
  Record current = RecordFromLease(*lease_);

  // 3. Judge expiry by when *we* saw the record change, not by its renewTime.
  Clock::TimePoint observed_time;
  {
    std::lock_guard lock(mu_);
    if (!(observed_ == current)) {
      observed_ = current;
      observed_time_ = now;
    }
    observed_time = observed_time_;
  }
  if (!current.holder.empty() && current.holder != config_.identity &&
      observed_time + seconds(current.lease_duration_seconds) > now) {
    spdlog::debug("leader election: lease {} is held by {} and has not yet expired", description_,
                  current.holder);
    return false;
  }

  // 4. Take it over (or renew it).
  if (current.holder == config_.identity) {
    desired.acquire_time = current.acquire_time;
    desired.transitions = current.transitions;
  } else {
    desired.transitions = current.transitions + 1;
  }
  if (Status s = UpdateLease(desired, stop); !s.ok()) {
    if (!stop.stop_requested()) {
      spdlog::warn("leader election: updating lease {} failed: {}", description_, s.ToString());
    }
    return false;
  }
  SetObserved(std::move(desired));
  return true;
}

void LeaderElector::Impl::MaybeReportTransition() {
  std::string holder = GetLeader();
  if (holder == reported_leader_) return;
  reported_leader_ = holder;
  if (holder.empty() || !config_.callbacks.on_new_leader) return;
  try {
    config_.callbacks.on_new_leader(holder);
  } catch (const std::exception& e) {
    spdlog::error("leader election: on_new_leader threw: {}", e.what());
  } catch (...) {
    spdlog::error("leader election: on_new_leader threw");
  }
}

void LeaderElector::Impl::Release() {
  if (!ObservedSelf()) return;
  Record released;
  {
    std::lock_guard lock(mu_);
    released.transitions = observed_.transitions;
  }
  const std::string now_text = MicroTime(clock_.WallNow()).ToString();
  released.lease_duration_seconds = 1;
  released.acquire_time = now_text;
  released.renew_time = now_text;
  // A fresh token: Run's has been requested, and releasing should still happen.
  if (Status s = UpdateLease(released, std::stop_token()); !s.ok()) {
    spdlog::error("leader election: releasing lease {} failed: {}", description_, s.ToString());
    return;
  }
  SetObserved(std::move(released));
  spdlog::info("leader election: released lease {}", description_);
}

Status LeaderElector::Impl::Run(std::stop_token stop) {
  assert(!ran_ && "LeaderElector::Run called twice");
  ran_ = true;
  SetStatus(false);

  // Acquire: try at once, then every retry_period with jitter.
  spdlog::info("leader election: {} attempting to acquire lease {}", config_.identity,
               description_);
  bool acquired = false;
  while (!stop.stop_requested()) {
    acquired = TryAcquireOrRenew(stop);
    MaybeReportTransition();
    if (acquired || !clock_.SleepFor(JitteredRetry(), stop)) break;
  }
  if (!acquired) return Status();

  {
    std::lock_guard lock(mu_);
    leading_ = true;
  }
  spdlog::info("leader election: {} acquired lease {}", config_.identity, description_);
  RecordEvent("became leader");
  SetStatus(true);
  std::jthread leader([this](std::stop_token lost) {
    try {
      config_.callbacks.on_started_leading(lost);
    } catch (const std::exception& e) {
      spdlog::error("leader election: on_started_leading threw: {}", e.what());
    } catch (...) {
      spdlog::error("leader election: on_started_leading threw");
    }
  });

  // Renew: every retry_period; a cycle that has not renewed within renew_deadline
  // loses leadership (client-go's renew loop). A watchdog enforces the deadline even
  // while a request hangs: it ends leadership (IsLeader, the callback's stop_token)
  // and cancels the request, as client-go's timeout context does, so the old leader
  // stops before anyone else may take the lease.
  const auto retry = duration_cast<Clock::Duration>(config_.retry_period);
  const auto renew_deadline = duration_cast<Clock::Duration>(config_.renew_deadline);
  std::stop_source abort;  // Run stopped, or the renew deadline passed
  std::stop_callback forward_stop(stop, [&abort] { abort.request_stop(); });
  // Deadline of the current renew cycle (or, between cycles, of the next one).
  std::atomic<Clock::Duration::rep> deadline_ns{
      (clock_.Now() + renew_deadline).time_since_epoch().count()};
  auto deadline = [&deadline_ns] { return Clock::TimePoint(Clock::Duration(deadline_ns.load())); };
  std::jthread watchdog([&](std::stop_token done) {
    while (!done.stop_requested()) {
      const Clock::TimePoint now = clock_.Now();
      if (now >= deadline()) {
        // Stop acting at once, even while a renewal request is still stuck.
        {
          std::lock_guard lock(mu_);
          leading_ = false;
        }
        leader.request_stop();
        abort.request_stop();
        return;
      }
      if (!clock_.SleepFor(deadline() - now, done)) return;
    }
  });
  while (!abort.stop_requested()) {
    bool renewed = false;
    while (!abort.stop_requested()) {
      renewed = TryAcquireOrRenew(abort.get_token());
      if (renewed) break;
      const Clock::TimePoint now = clock_.Now();
      if (now >= deadline()) break;
      if (!clock_.SleepFor(std::min(retry, deadline() - now), abort.get_token())) break;
      if (clock_.Now() >= deadline()) break;
    }
    MaybeReportTransition();
    if (!renewed || abort.stop_requested()) break;
    // The next cycle starts after retry_period and has renew_deadline to succeed.
    deadline_ns = (clock_.Now() + retry + renew_deadline).time_since_epoch().count();
    if (!clock_.SleepFor(retry, abort.get_token())) break;
  }
  const bool lost = !stop.stop_requested();

  {
    std::lock_guard lock(mu_);
    leading_ = false;
  }
  watchdog.request_stop();
  watchdog.join();
  if (lost) {
    spdlog::error("leader election: {} lost lease {}: not renewed within {}", config_.identity,
                  description_, Ms(config_.renew_deadline));
  } else {
    spdlog::info("leader election: {} stopping, leaving lease {}", config_.identity, description_);
  }
  RecordEvent("stopped leading");
  SetStatus(false);
  leader.request_stop();
  leader.join();
  if (config_.release_on_cancel) Release();
  try {
    config_.callbacks.on_stopped_leading();
  } catch (const std::exception& e) {
    spdlog::error("leader election: on_stopped_leading threw: {}", e.what());
  } catch (...) {
    spdlog::error("leader election: on_stopped_leading threw");
  }
  if (lost) {
    return UnavailableError("leader election lost: lease " + description_ + " not renewed within " +
                            Ms(config_.renew_deadline));
  }
  return Status();
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::Create(client::Client* client,
                                                             LeaderElectionConfig config,
                                                             Clock& clock) {
  if (config.identity.empty()) config.identity = DefaultLeaderIdentity();
  KUBE_RETURN_IF_ERROR(ValidateLeaderElectionConfig(config));
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(std::make_unique<Impl>(client, std::move(config), clock)));
}

LeaderElector::LeaderElector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LeaderElector::~LeaderElector() = default;

Status LeaderElector::Run(std::stop_token stop) { return impl_->Run(std::move(stop)); }
bool LeaderElector::IsLeader() const { return impl_->IsLeader(); }
std::string LeaderElector::GetLeader() const { return impl_->GetLeader(); }
const std::string& LeaderElector::identity() const { return impl_->identity(); }

}  // namespace kube::manager
