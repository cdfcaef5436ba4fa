// A std::mutex and condition variable annotated for Clang's -Wthread-safety, so the
// compiler checks that every GUARDED_BY member of the work queues is read and written
// under its lock (leveldb's port::Mutex / thread_annotations.h).
//
// Not part of the API: the queue templates need it in their headers.
//
// Thread-safety: Mutex and CondVar are thread-safe, as their std counterparts.
#ifndef KUBECPP_WORKQUEUE_DETAIL_MUTEX_H_
#define KUBECPP_WORKQUEUE_DETAIL_MUTEX_H_

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define KUBE_WQ_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KUBE_WQ_THREAD_ANNOTATION(x)
#endif

#define KUBE_WQ_CAPABILITY(x) KUBE_WQ_THREAD_ANNOTATION(capability(x))
#define KUBE_WQ_SCOPED_CAPABILITY KUBE_WQ_THREAD_ANNOTATION(scoped_lockable)
#define KUBE_WQ_GUARDED_BY(x) KUBE_WQ_THREAD_ANNOTATION(guarded_by(x))
#define KUBE_WQ_PT_GUARDED_BY(x) KUBE_WQ_THREAD_ANNOTATION(pt_guarded_by(x))
#define KUBE_WQ_REQUIRES(...) KUBE_WQ_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define KUBE_WQ_ACQUIRE(...) KUBE_WQ_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define KUBE_WQ_RELEASE(...) KUBE_WQ_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define KUBE_WQ_EXCLUDES(...) KUBE_WQ_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define KUBE_WQ_RETURN_CAPABILITY(x) KUBE_WQ_THREAD_ANNOTATION(lock_returned(x))
#define KUBE_WQ_NO_THREAD_SAFETY_ANALYSIS KUBE_WQ_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace kube::workqueue::detail {

class KUBE_WQ_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() KUBE_WQ_ACQUIRE() { mu_.lock(); }
  void Unlock() KUBE_WQ_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope.
class KUBE_WQ_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) KUBE_WQ_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() KUBE_WQ_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable bound to one Mutex.
class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Atomically releases the mutex and waits; holds it again on return. May wake
  // spuriously. REQUIRES: the mutex is held.
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex* const mu_;
  std::condition_variable cv_;
};

}  // namespace kube::workqueue::detail

#endif  // KUBECPP_WORKQUEUE_DETAIL_MUTEX_H_
