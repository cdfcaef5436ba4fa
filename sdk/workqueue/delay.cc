#include "kubecpp/workqueue/detail/delay.h"

#include <utility>

namespace kube::workqueue::detail {

Clock::TimePoint AddSaturating(Clock::TimePoint t, Clock::Duration d) {
  if (d <= Clock::Duration::zero()) return t;
  if (d > Clock::TimePoint::max() - t) return Clock::TimePoint::max();
  return t + d;
}

bool WaitingSet::Offer(WaitState& s, Clock::TimePoint ready_at, bool is_new) {
  if (!is_new) {
    if (ready_at >= s.ready_at) return false;
    set_.erase(Entry{s.ready_at, s.seq, &s});
  } else {
    s.seq = next_seq_++;
  }
  s.ready_at = ready_at;
  set_.insert(Entry{s.ready_at, s.seq, &s});
  return true;
}

void WaitingSet::Remove(WaitState& s) { set_.erase(Entry{s.ready_at, s.seq, &s}); }

WaitState* WaitingSet::PopReady(Clock::TimePoint now) {
  if (set_.empty() || set_.begin()->ready_at > now) return nullptr;
  WaitState* s = set_.begin()->state;
  set_.erase(set_.begin());
  return s;
}

std::optional<Clock::TimePoint> WaitingSet::Next() const {
  if (set_.empty()) return std::nullopt;
  return set_.begin()->ready_at;
}

DelayTimer::DelayTimer(Clock& clock, FireFn fire) : clock_(clock), fire_(std::move(fire)) {
  thread_ = std::thread([this] { Run(); });
}

DelayTimer::~DelayTimer() { Stop(); }

void DelayTimer::Schedule(Clock::TimePoint deadline) {
  MutexLock lock(mu_);
  if (stopped_ || deadline >= next_wake_) return;
  kicked_ = true;
  if (!sleeping_) {
    cv_.SignalAll();  // idle, or about to look at kicked_
    return;
  }
  sleep_stop_.request_stop();
  const std::uint64_t ended = sleeps_ended_;
  while (sleeps_ended_ == ended && !stopped_) cv_.Wait();
}

void DelayTimer::Stop() {
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    sleep_stop_.request_stop();
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void DelayTimer::Run() {
  for (;;) {
    {
      MutexLock lock(mu_);
      if (stopped_) return;
      kicked_ = false;
    }
    const std::optional<Clock::TimePoint> next = fire_(clock_.Now());
    std::stop_token stop;
    {
      MutexLock lock(mu_);
      if (stopped_) return;
      if (kicked_) continue;
      if (!next.has_value()) {
        while (!kicked_ && !stopped_) cv_.Wait();
        continue;
      }
      next_wake_ = *next;
      sleeping_ = true;
      sleep_stop_ = std::stop_source();
      stop = sleep_stop_.get_token();
    }
    const Clock::Duration d = *next - clock_.Now();
    if (d > Clock::Duration::zero()) clock_.SleepFor(d, stop);
    MutexLock lock(mu_);
    sleeping_ = false;
    next_wake_ = Clock::TimePoint::max();
    ++sleeps_ended_;
    cv_.SignalAll();
  }
}

}  // namespace kube::workqueue::detail
