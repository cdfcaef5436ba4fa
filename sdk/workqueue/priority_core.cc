#include "kubecpp/workqueue/detail/priority_core.h"

#include <limits>

namespace kube::workqueue::detail {

PriorityCore::PriorityCore(std::string_view name, MetricsProvider* provider, Clock& clock,
                           Clock::Duration aging)
    : clock_(clock),
      aging_(aging),
      epoch_(clock.Now()),
      metrics_(name, provider, clock),
      timer_(clock, [this](Clock::TimePoint now) { return Release(now); }) {}

PriorityCore::~PriorityCore() { timer_.Stop(); }

std::int64_t PriorityCore::Rank(Clock::TimePoint eligible_since, int priority) const {
  if (aging_ <= Clock::Duration::zero()) return -static_cast<std::int64_t>(priority);
  // An item that became ready at t with priority p ranks as one of priority 0 that
  // became ready at t - p * aging: each `aging` waited is worth one level, so a low
  // priority item is overtaken only by items that became ready less than
  // (difference in priority) * aging after it.
  const std::int64_t since = (eligible_since - epoch_).count();
  std::int64_t boost = 0;
  std::int64_t rank = 0;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(priority), aging_.count(), &boost) ||
      __builtin_sub_overflow(since, boost, &rank)) {
    return priority > 0 ? std::numeric_limits<std::int64_t>::min()
                        : std::numeric_limits<std::int64_t>::max();
  }
  return rank;
}

void PriorityCore::InsertReady(PriorityState& s) {
  ready_.insert(ReadyEntry{s.rank, s.seq, &s});
  ready_or_shutdown_.Signal();
}

void PriorityCore::MakeReady(PriorityState& s, Clock::TimePoint since) {
  s.delayed = false;
  s.since = since;
  s.rank = Rank(since, s.priority);
  s.added = metrics_.Add();
  if (!s.processing) InsertReady(s);
}

std::optional<Clock::TimePoint> PriorityCore::AddLocked(PriorityState& s, int priority,
                                                        Clock::Duration after) {
  const bool delay = after > Clock::Duration::zero();
  if (delay) metrics_.Retry();
  const Clock::TimePoint now = clock_.Now();
  if (!s.dirty) {
    s.dirty = true;
    s.priority = priority;
    s.seq = next_seq_++;
    if (!delay) {
      MakeReady(s, now);
      return std::nullopt;
    }
    s.delayed = true;
    const Clock::TimePoint ready_at = AddSaturating(now, after);
    waiting_.Offer(s, ready_at, /*is_new=*/true);
    return ready_at;
  }
  // Already queued: the higher priority and the earlier ready time win.
  if (priority > s.priority) {
    s.priority = priority;
    if (!s.delayed) {
      const bool in_ready = !s.processing;
      if (in_ready) ready_.erase(ReadyEntry{s.rank, s.seq, &s});
      s.rank = Rank(s.since, s.priority);  // keeps the age it has gained
      if (in_ready) InsertReady(s);
    }
  }
  if (!s.delayed) return std::nullopt;
  if (!delay) {
    waiting_.Remove(s);
    MakeReady(s, now);
    return std::nullopt;
  }
  const Clock::TimePoint ready_at = AddSaturating(now, after);
  if (!waiting_.Offer(s, ready_at, /*is_new=*/false)) return std::nullopt;
  return ready_at;
}

PriorityState* PriorityCore::GetLocked() {
  while (ready_.empty() && !shutting_down_) ready_or_shutdown_.Wait();
  if (ready_.empty()) return nullptr;
  PriorityState* s = ready_.begin()->state;
  ready_.erase(ready_.begin());
  s->dirty = false;
  s->processing = true;
  ++processing_;
  s->started = metrics_.Get(s->added);
  return s;
}

bool PriorityCore::DoneLocked(PriorityState& s) {
  if (!s.processing) return !s.dirty;
  s.processing = false;
  --processing_;
  metrics_.Done(s.started);
  if (s.dirty) {
    if (!s.delayed) InsertReady(s);
    return false;
  }
  if (processing_ == 0) drained_.SignalAll();
  return true;
}

std::optional<Clock::TimePoint> PriorityCore::Release(Clock::TimePoint now) {
  MutexLock lock(mu_);
  while (WaitState* w = waiting_.PopReady(now)) {
    auto* s = static_cast<PriorityState*>(w);
    // Ages from when it became due, not from when the timer got to it.
    MakeReady(*s, w->ready_at);
  }
  return waiting_.Next();
}

int PriorityCore::Len() {
  MutexLock lock(mu_);
  return static_cast<int>(ready_.size());
}

void PriorityCore::ShutDown() {
  {
    MutexLock lock(mu_);
    drain_ = false;
    shutting_down_ = true;
    ready_or_shutdown_.SignalAll();
    drained_.SignalAll();
  }
  timer_.Stop();
}

void PriorityCore::ShutDownWithDrain() {
  timer_.Stop();
  MutexLock lock(mu_);
  drain_ = true;
  shutting_down_ = true;
  ready_or_shutdown_.SignalAll();
  while (processing_ != 0 && drain_) drained_.Wait();
}

bool PriorityCore::ShuttingDown() {
  MutexLock lock(mu_);
  return shutting_down_;
}

}  // namespace kube::workqueue::detail
