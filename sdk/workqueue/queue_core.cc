#include "kubecpp/workqueue/detail/queue_core.h"

namespace kube::workqueue::detail {

QueueCore::QueueCore(std::string_view name, MetricsProvider* provider, Clock& clock)
    : metrics_(name, provider, clock) {}

void QueueCore::AddLocked(QueueState& s) {
  if (s.dirty) return;
  s.dirty = true;
  s.added = metrics_.Add();
  if (s.processing) return;  // goes back to the FIFO at Done
  fifo_.push_back(&s);
  item_or_shutdown_.Signal();
}

QueueState* QueueCore::GetLocked() {
  while (fifo_.empty() && !shutting_down_) item_or_shutdown_.Wait();
  if (fifo_.empty()) return nullptr;
  QueueState* s = fifo_.front();
  fifo_.pop_front();
  s->dirty = false;
  s->processing = true;
  ++processing_;
  s->started = metrics_.Get(s->added);
  return s;
}

bool QueueCore::DoneLocked(QueueState& s) {
  if (!s.processing) return !s.dirty;
  s.processing = false;
  --processing_;
  metrics_.Done(s.started);
  if (s.dirty) {
    fifo_.push_back(&s);
    item_or_shutdown_.Signal();
    return false;
  }
  if (processing_ == 0) drained_.SignalAll();
  return true;
}

int QueueCore::Len() {
  MutexLock lock(mu_);
  return static_cast<int>(fifo_.size());
}

void QueueCore::ShutDown() {
  MutexLock lock(mu_);
  drain_ = false;
  shutting_down_ = true;
  item_or_shutdown_.SignalAll();
  drained_.SignalAll();
}

void QueueCore::ShutDownWithDrain() {
  MutexLock lock(mu_);
  drain_ = true;
  shutting_down_ = true;
  item_or_shutdown_.SignalAll();
  while (processing_ != 0 && drain_) drained_.Wait();
}

bool QueueCore::ShuttingDown() {
  MutexLock lock(mu_);
  return shutting_down_;
}

}  // namespace kube::workqueue::detail
