#include "kubecpp/manager/leader_election.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/time.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::manager {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

const client::ResourceRef kLeases{{"coordination.k8s.io", "v1", "leases"}, "Lease", true};

// Polls `pred` (real time) until it holds or 20 s pass: for other threads to act.
bool WaitFor(const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Counts candidates inside on_started_leading; flags any moment with two.
struct LeadershipLog {
  std::atomic<int> active{0};
  std::atomic<bool> overlap{false};
};

// One candidate: a LeaderElector running on its own thread, with its callbacks
// recorded.
class Candidate {
 public:
  Candidate(client::Client* client, testing::FakeClock& clock, std::string identity,
            bool release_on_cancel = true, LeadershipLog* log = nullptr)
      : log_(log) {
    LeaderElectionConfig config;
    config.lease_namespace = "default";
    config.lease_name = "my-controller";
    config.identity = std::move(identity);
    config.release_on_cancel = release_on_cancel;
    config.callbacks.on_started_leading = [this](std::stop_token lost) {
      if (log_ != nullptr && log_->active.fetch_add(1) != 0) log_->overlap = true;
      started_ = true;
      WaitForStop(lost);
      lost_signalled_ = true;
      if (log_ != nullptr) log_->active.fetch_sub(1);
    };
    config.callbacks.on_stopped_leading = [this] { stopped_ = true; };
    config.callbacks.on_new_leader = [this](const std::string& id) {
      std::lock_guard lock(mu_);
      new_leaders_.push_back(id);
    };
    config.on_status = [this](bool leading) {
      std::lock_guard lock(mu_);
      statuses_.push_back(leading);
    };
    auto elector = LeaderElector::Create(client, std::move(config), clock);
    EXPECT_TRUE(elector.ok()) << elector.status();
    elector_ = std::move(*elector);
  }
  ~Candidate() { Stop(); }

  void Start() {
    thread_ = std::jthread([this](std::stop_token stop) {
      Status s = elector_->Run(stop);
      {
        std::lock_guard lock(mu_);
        result_ = s;
      }
      done_ = true;
    });
  }
  void Stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }

  LeaderElector& elector() { return *elector_; }
  bool running() const { return thread_.joinable() && !done_; }
  bool started() const { return started_; }
  bool stopped() const { return stopped_; }
  bool lost_signalled() const { return lost_signalled_; }
  bool done() const { return done_; }
  Status result() {
    std::lock_guard lock(mu_);
    return result_;
  }
  std::vector<std::string> new_leaders() {
    std::lock_guard lock(mu_);
    return new_leaders_;
  }
  std::vector<bool> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }

 private:
  LeadershipLog* log_;
  std::unique_ptr<LeaderElector> elector_;
  std::jthread thread_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> lost_signalled_{false};
  std::atomic<bool> done_{false};
  std::mutex mu_;
  Status result_;
  std::vector<std::string> new_leaders_;
  std::vector<bool> statuses_;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  // Waits until every running candidate sleeps on the fake clock (a leader twice:
  // its renew loop and its renew-deadline watchdog): nothing moves until the next Step.
  void Settle(const std::vector<Candidate*>& candidates) {
    ASSERT_TRUE(WaitFor([&] {
      int expected = 0;
      for (Candidate* c : candidates) {
        if (c->running()) expected += c->elector().IsLeader() ? 2 : 1;
      }
      return clock_.sleepers() == expected;
    }));
  }
  // Steps the clock by `step` until `pred` holds (true) or `limit` of fake time passed.
  bool StepUntil(const std::vector<Candidate*>& candidates, const std::function<bool()>& pred,
                 Clock::Duration limit, Clock::Duration step = milliseconds(500)) {
    Settle(candidates);
    for (Clock::Duration passed{}; !pred(); passed += step) {
      if (passed >= limit) return false;
      clock_.Step(step);
      Settle(candidates);
    }
    return true;
  }
  Unstructured GetLease() {
    client::DynamicApi leases(client_.get(), kLeases, "default");
    auto lease = leases.Get("my-controller");
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? *lease : Unstructured();
  }
  std::string WallText() { return MicroTime(clock_.WallNow()).ToString(); }

  testing::FakeClock clock_;
  testing::FakeApiServer api_;
  std::unique_ptr<client::Client> client_ = api_.NewClient();
};

TEST_F(LeaderElectionTest, FirstCandidateCreatesLeaseAndStartsLeading) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  EXPECT_TRUE(a.elector().IsLeader());
  EXPECT_EQ(a.elector().GetLeader(), "a");

  const std::string t0 = WallText();
  EXPECT_EQ(t0, "2024-01-01T00:00:00.000000Z");
  Unstructured lease = GetLease();
  EXPECT_EQ(lease.GetString({"spec", "holderIdentity"}), "a");
  EXPECT_EQ(*lease.Get({"spec", "leaseDurationSeconds"}), 15);
  EXPECT_EQ(*lease.Get({"spec", "leaseTransitions"}), 0);
  EXPECT_EQ(lease.GetString({"spec", "acquireTime"}), t0);
  EXPECT_EQ(lease.GetString({"spec", "renewTime"}), t0);
  EXPECT_THAT(a.new_leaders(), ::testing::ElementsAre("a"));
}

TEST_F(LeaderElectionTest, LeaderRenewsEveryRetryPeriodKeepingAcquireTime) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  const std::string acquired = WallText();
  Settle({&a});
  clock_.Step(seconds(2));
  Settle({&a});
  Unstructured lease = GetLease();
  EXPECT_EQ(lease.GetString({"spec", "renewTime"}), "2024-01-01T00:00:02.000000Z");
  EXPECT_EQ(lease.GetString({"spec", "acquireTime"}), acquired);
  EXPECT_EQ(*lease.Get({"spec", "leaseTransitions"}), 0);
  EXPECT_TRUE(a.elector().IsLeader());
}

TEST_F(LeaderElectionTest, CleanStopReleasesLeaseLikeClientGo) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Settle({&a});
  clock_.Step(seconds(3));
  Settle({&a});
  a.Stop();
  EXPECT_TRUE(a.result().ok()) << a.result();
  EXPECT_TRUE(a.lost_signalled());
  EXPECT_TRUE(a.stopped());
  EXPECT_FALSE(a.elector().IsLeader());
  EXPECT_EQ(a.elector().GetLeader(), "");
  EXPECT_THAT(a.statuses(), ::testing::ElementsAre(false, true, false));

  // client-go's release(): empty holder, leaseDurationSeconds 1, both times now,
  // transitions kept.
  Unstructured lease = GetLease();
  EXPECT_EQ(lease.GetString({"spec", "holderIdentity"}), "");
  EXPECT_EQ(*lease.Get({"spec", "leaseDurationSeconds"}), 1);
  EXPECT_EQ(lease.GetString({"spec", "acquireTime"}), WallText());
  EXPECT_EQ(lease.GetString({"spec", "renewTime"}), WallText());
  EXPECT_EQ(*lease.Get({"spec", "leaseTransitions"}), 0);
}

TEST_F(LeaderElectionTest, RecordsLeaderElectionEventsOnTheLease) {
  EventRecorder recorder(client_.get(), {.component = "my-controller"}, clock_);
  LeaderElectionConfig config;
  config.lease_namespace = "default";
  config.lease_name = "my-controller";
  config.identity = "a";
  config.event_recorder = &recorder;
  config.callbacks.on_started_leading = [](std::stop_token) {};
  config.callbacks.on_stopped_leading = [] {};
  auto elector = LeaderElector::Create(client_.get(), std::move(config), clock_);
  ASSERT_TRUE(elector.ok()) << elector.status();
  {
    std::jthread run([&](std::stop_token stop) { (void)(*elector)->Run(stop); });
    ASSERT_TRUE(WaitFor([&] { return (*elector)->IsLeader(); }));
  }
  recorder.Shutdown();
  client::DynamicApi events(client_.get(), {{"", "v1", "events"}, "Event", true}, "default");
  auto list = events.List();
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> messages;
  for (const auto& e : list->items) {
    EXPECT_EQ(e.GetString({"reason"}), "LeaderElection");
    EXPECT_EQ(e.GetString({"type"}), "Normal");
    EXPECT_EQ(e.GetString({"involvedObject", "kind"}), "Lease");
    EXPECT_EQ(e.GetString({"involvedObject", "apiVersion"}), "coordination.k8s.io/v1");
    EXPECT_EQ(e.GetString({"involvedObject", "name"}), "my-controller");
    messages.push_back(e.GetString({"message"}));
  }
  EXPECT_THAT(messages, ::testing::UnorderedElementsAre("a became leader", "a stopped leading"));
}

TEST_F(LeaderElectionTest, StopBeforeLeadingNeitherCallsBackNorReleases) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Candidate b(client_.get(), clock_, "b");
  b.Start();
  Settle({&a, &b});
  b.Stop();
  EXPECT_TRUE(b.result().ok());
  EXPECT_FALSE(b.started());
  EXPECT_FALSE(b.stopped());
  EXPECT_THAT(b.statuses(), ::testing::ElementsAre(false));
  EXPECT_EQ(GetLease().GetString({"spec", "holderIdentity"}), "a");
}

TEST_F(LeaderElectionTest, SecondCandidateWaitsWhileLeaseIsRenewed) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Candidate b(client_.get(), clock_, "b");
  b.Start();
  // A minute of renewals: b never leads, and sees a as the leader.
  EXPECT_FALSE(StepUntil(
      {&a, &b}, [&] { return b.elector().IsLeader(); }, seconds(60)));
  EXPECT_TRUE(a.elector().IsLeader());
  EXPECT_FALSE(b.elector().IsLeader());
  EXPECT_EQ(b.elector().GetLeader(), "a");
  EXPECT_THAT(b.new_leaders(), ::testing::ElementsAre("a"));
}

TEST_F(LeaderElectionTest, ReleasedLeaseIsTakenOverWithinOneRetry) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Candidate b(client_.get(), clock_, "b");
  b.Start();
  Settle({&a, &b});
  a.Stop();
  // b retries within retry_period * (1 + 1.2) = 4.4 s (plus the 0.5 s step), far
  // below the 15 s lease.
  EXPECT_TRUE(StepUntil(
      {&b}, [&] { return b.elector().IsLeader(); }, seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return b.started(); }));
  EXPECT_TRUE(b.elector().IsLeader());
  Unstructured lease = GetLease();
  EXPECT_EQ(lease.GetString({"spec", "holderIdentity"}), "b");
  EXPECT_EQ(*lease.Get({"spec", "leaseDurationSeconds"}), 15);
  EXPECT_EQ(*lease.Get({"spec", "leaseTransitions"}), 1);
  EXPECT_THAT(b.new_leaders(), ::testing::ElementsAre("a", "b"));
}

TEST_F(LeaderElectionTest, KilledLeaderHandsOverOnlyAfterLeaseDuration) {
  Candidate a(client_.get(), clock_, "a", /*release_on_cancel=*/false);
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Candidate b(client_.get(), clock_, "b");
  b.Start();
  ASSERT_FALSE(StepUntil(
      {&a, &b}, [&] { return b.elector().IsLeader(); }, seconds(10)));
  const std::string last_renew = GetLease().GetString({"spec", "renewTime"});
  a.Stop();  // dies without releasing
  EXPECT_TRUE(a.result().ok());
  EXPECT_EQ(GetLease().GetString({"spec", "holderIdentity"}), "a");

  // The last renewal was at most retry_period ago, so the lease cannot be taken for
  // 15 - 2 = 13 s; b takes it once 15 s passed since it saw the last change.
  EXPECT_FALSE(StepUntil(
      {&b}, [&] { return b.elector().IsLeader(); }, seconds(13)));
  EXPECT_FALSE(b.elector().IsLeader());
  EXPECT_TRUE(StepUntil(
      {&b}, [&] { return b.elector().IsLeader(); }, seconds(12)));
  ASSERT_TRUE(WaitFor([&] { return b.started(); }));
  Unstructured lease = GetLease();
  EXPECT_EQ(lease.GetString({"spec", "holderIdentity"}), "b");
  EXPECT_EQ(*lease.Get({"spec", "leaseTransitions"}), 1);
  EXPECT_NE(lease.GetString({"spec", "renewTime"}), last_renew);
}

TEST_F(LeaderElectionTest, ExpiryUsesLocalObservationTimeNotRemoteRenewTime) {
  // A lease held by a candidate whose clock is far behind: its renewTime is years
  // old, yet it must be treated as live for a full lease duration of our own clock.
  Unstructured lease;
  lease.set_api_version("coordination.k8s.io/v1");
  lease.set_kind("Lease");
  lease.set_name("my-controller");
  lease.set_namespace("default");
  lease.Set({"spec", "holderIdentity"}, Json("skewed"));
  lease.Set({"spec", "leaseDurationSeconds"}, Json(15));
  lease.Set({"spec", "renewTime"}, Json("2001-01-01T00:00:00.000000Z"));
  lease.Set({"spec", "acquireTime"}, Json("2001-01-01T00:00:00.000000Z"));
  lease.Set({"spec", "leaseTransitions"}, Json(4));
  client::DynamicApi leases(client_.get(), kLeases, "default");
  ASSERT_TRUE(leases.Create(lease).ok());

  Candidate b(client_.get(), clock_, "b");
  b.Start();
  EXPECT_FALSE(StepUntil(
      {&b}, [&] { return b.elector().IsLeader(); }, seconds(14)));
  EXPECT_EQ(b.elector().GetLeader(), "skewed");
  EXPECT_TRUE(StepUntil(
      {&b}, [&] { return b.elector().IsLeader(); }, seconds(7)));
  ASSERT_TRUE(WaitFor([&] { return b.started(); }));
  EXPECT_EQ(*GetLease().Get({"spec", "leaseTransitions"}), 5);
}

TEST_F(LeaderElectionTest, RenewFailuresPastRenewDeadlineLoseLeadership) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Settle({&a});
  // From here every lease write fails; the last renewal happened at t = 0.
  api_.InjectFault({.verb = "update", .resource = "leases", .http_code = 500, .times = 1000});
  // The next cycle starts at t = 2 s and gives up renew_deadline (10 s) later.
  EXPECT_FALSE(StepUntil(
      {&a}, [&] { return !a.elector().IsLeader(); }, seconds(11)));
  EXPECT_TRUE(a.elector().IsLeader());
  EXPECT_FALSE(a.lost_signalled());
  EXPECT_TRUE(StepUntil(
      {&a}, [&] { return a.done(); }, seconds(1)));
  EXPECT_FALSE(a.elector().IsLeader());
  EXPECT_EQ(a.result().code(), Code::kUnavailable) << a.result();
  EXPECT_THAT(a.result().message(), HasSubstr("default/my-controller"));
  EXPECT_TRUE(a.lost_signalled());
  EXPECT_TRUE(a.stopped());
  EXPECT_THAT(a.statuses(), ::testing::ElementsAre(false, true, false));
}

TEST_F(LeaderElectionTest, RenewalHungPastRenewDeadlineStillEndsLeadership) {
  Candidate a(client_.get(), clock_, "a");
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.started(); }));
  Settle({&a});
  // The next renewal (at t = 2 s) hangs for 4 s of real time.
  api_.SetLatency(seconds(4));
  clock_.Step(seconds(2));
  ASSERT_TRUE(WaitFor([&] { return clock_.sleepers() == 1; }));  // only the watchdog
  clock_.Step(seconds(11));  // past the cycle's deadline (2 s + 10 s)
  ASSERT_TRUE(WaitFor([&] { return a.lost_signalled(); }));
  EXPECT_FALSE(a.elector().IsLeader());
  EXPECT_FALSE(a.done());  // the request is still pending
  api_.SetLatency(milliseconds(0));
  ASSERT_TRUE(WaitFor([&] { return a.done(); }));
  EXPECT_EQ(a.result().code(), Code::kUnavailable);
  EXPECT_TRUE(a.stopped());
}

TEST_F(LeaderElectionTest, NeverTwoLeadersThroughHandovers) {
  LeadershipLog log;
  std::vector<std::unique_ptr<Candidate>> all;
  int next_id = 0;
  auto spawn = [&](bool release) {
    all.push_back(std::make_unique<Candidate>(client_.get(), clock_,
                                              "c" + std::to_string(next_id++), release, &log));
    all.back()->Start();
  };
  auto live = [&] {
    std::vector<Candidate*> out;
    for (auto& c : all) {
      if (c->running()) out.push_back(c.get());
    }
    return out;
  };
  auto leaders = [&] {
    int n = 0;
    for (auto& c : all) n += c->elector().IsLeader() ? 1 : 0;
    return n;
  };
  auto leader = [&]() -> Candidate* {
    for (auto& c : all) {
      if (c->running() && c->elector().IsLeader()) return c.get();
    }
    return nullptr;
  };
  // Steps 250 ms at a time, checking at every settled step that at most one leads.
  auto step_until = [&](const std::function<bool()>& pred, Clock::Duration limit) {
    for (Clock::Duration passed{};; passed += milliseconds(250)) {
      Settle(live());
      EXPECT_LE(leaders(), 1);
      if (pred()) return true;
      if (passed >= limit) return false;
      clock_.Step(milliseconds(250));
    }
  };

  // Each replacement joins after the handover, so the next leader is known: the one
  // other live candidate.
  spawn(/*release=*/true);  // c0
  ASSERT_TRUE(step_until([&] { return leader() != nullptr; }, seconds(10)));
  spawn(/*release=*/false);  // c1
  for (int round = 0; round < 4; ++round) {
    Candidate* old = leader();
    ASSERT_NE(old, nullptr) << "round " << round;
    if (round == 2) {
      // The apiserver rejects every lease write until the leader gives up.
      api_.InjectFault({.verb = "update", .resource = "leases", .http_code = 500, .times = 1000});
      ASSERT_TRUE(step_until([&] { return old->done(); }, seconds(20)));
      api_.ClearFaults();
    } else {
      old->Stop();  // round 0: c0 releases; round 1: c1 dies without releasing
    }
    ASSERT_TRUE(step_until(
        [&] {
          Candidate* now = leader();
          return now != nullptr && now != old;
        },
        seconds(30)))
        << "round " << round;
    spawn(/*release=*/true);
  }
  EXPECT_FALSE(log.overlap);
  for (auto& c : all) c->Stop();
  EXPECT_EQ(log.active, 0);
}

TEST(LeaderElectionConfigTest, ValidatesLikeClientGo) {
  auto valid = [] {
    LeaderElectionConfig c;
    c.lease_namespace = "kube-system";
    c.lease_name = "my-controller.example.com";
    c.identity = "pod-1_1234";
    c.callbacks.on_started_leading = [](std::stop_token) {};
    c.callbacks.on_stopped_leading = [] {};
    return c;
  };
  struct Case {
    std::string name;
    std::function<void(LeaderElectionConfig&)> change;
    std::string error;  // "" = valid
  };
  const std::vector<Case> cases = {
      {"defaults", [](LeaderElectionConfig&) {}, ""},
      {"renew deadline just above 1.2 retry",
       [](LeaderElectionConfig& c) { c.renew_deadline = milliseconds(2401); }, ""},
      {"zero lease", [](LeaderElectionConfig& c) { c.lease_duration = {}; },
       "lease_duration must be greater than zero"},
      {"zero renew deadline", [](LeaderElectionConfig& c) { c.renew_deadline = {}; },
       "renew_deadline must be greater than zero"},
      {"negative retry", [](LeaderElectionConfig& c) { c.retry_period = milliseconds(-1); },
       "retry_period must be greater than zero"},
      {"lease equal to renew deadline",
       [](LeaderElectionConfig& c) { c.lease_duration = seconds(10); },
       "lease_duration (10s) must be greater than renew_deadline (10s)"},
      {"renew deadline equal to 1.2 retry",
       [](LeaderElectionConfig& c) { c.renew_deadline = milliseconds(2400); },
       "renew_deadline (2.4s) must be greater than retry_period (2s) * JitterFactor"},
      {"sub-second lease",
       [](LeaderElectionConfig& c) {
         c.lease_duration = milliseconds(900);
         c.renew_deadline = milliseconds(500);
         c.retry_period = milliseconds(100);
       },
       "must be at least 1s"},
      {"empty name", [](LeaderElectionConfig& c) { c.lease_name.clear(); },
       "lease_name must not be empty"},
      {"bad name", [](LeaderElectionConfig& c) { c.lease_name = "My_Lease"; }, "lease_name"},
      {"empty namespace", [](LeaderElectionConfig& c) { c.lease_namespace.clear(); },
       "lease_namespace must not be empty"},
      {"namespace with dots", [](LeaderElectionConfig& c) { c.lease_namespace = "a.b"; },
       "lease_namespace"},
      {"empty identity", [](LeaderElectionConfig& c) { c.identity.clear(); },
       "identity must not be empty"},
      {"no on_started_leading",
       [](LeaderElectionConfig& c) { c.callbacks.on_started_leading = nullptr; },
       "on_started_leading"},
      {"no on_stopped_leading",
       [](LeaderElectionConfig& c) { c.callbacks.on_stopped_leading = nullptr; },
       "on_stopped_leading"},
  };
  for (const Case& tc : cases) {
    LeaderElectionConfig c = valid();
    tc.change(c);
    Status s = ValidateLeaderElectionConfig(c);
    if (tc.error.empty()) {
      EXPECT_TRUE(s.ok()) << tc.name << ": " << s;
    } else {
      EXPECT_EQ(s.code(), Code::kInvalid) << tc.name;
      EXPECT_THAT(s.message(), HasSubstr(tc.error)) << tc.name;
    }
  }
}

TEST(LeaderElectionConfigTest, CreateFillsInHostnameAndUuidIdentity) {
  testing::FakeApiServer api;
  auto client = api.NewClient();
  LeaderElectionConfig c;
  c.lease_namespace = "default";
  c.lease_name = "x";
  c.callbacks.on_started_leading = [](std::stop_token) {};
  c.callbacks.on_stopped_leading = [] {};
  auto elector = LeaderElector::Create(client.get(), c);
  ASSERT_TRUE(elector.ok()) << elector.status();
  const std::string& id = (*elector)->identity();
  ASSERT_GT(id.size(), 37u);
  EXPECT_EQ(id[id.size() - 37], '_');
  EXPECT_THAT(id.substr(id.size() - 36),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                      "[0-9a-f]{12}"));
  EXPECT_NE(DefaultLeaderIdentity(), DefaultLeaderIdentity());

  c.retry_period = seconds(9);
  auto invalid = LeaderElector::Create(client.get(), c);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code(), Code::kInvalid);
}

}  // namespace
}  // namespace kube::manager
