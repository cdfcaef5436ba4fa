// Reconciler: the one interface a controller author implements.
//
// A reconcile is told *which* object to look at (namespace/name), never what changed:
// it reads the current state (from the cache), computes the desired state, writes the
// difference and says when to look again. It must be idempotent; it may run again for
// the same key at any time, but never twice at once for one key.
//
//   class WebAppReconciler : public kube::controller::Reconciler {
//    public:
//     kube::Result<kube::controller::Action> Reconcile(
//         const kube::controller::Request& req) override {
//       auto app = apps_->GetIndexer().Get(req.key);
//       if (!app) return Action::Done();                   // deleted: nothing to do
//       ...
//       if (!ready) return Action::RequeueAfter(std::chrono::seconds(10));
//       return Action::Done();
//     }
//   };
//
// Results, as controller-runtime treats them:
//   Action::Done()           success; the key's failure count is reset.
//   Action::RequeueAfter(d)  success, look again after d (failure count reset).
//   Action::Requeue()        look again after the rate limiter's backoff.
//   an error Status          logged, counted, retried with per-key exponential backoff
//                            (5 ms doubling to 1000 s, overall 10 qps / burst 100).
//   TerminalError(status)    logged and counted, not retried until the next event.
//   a thrown exception       caught by the worker, logged with the key, counted in
//                            controller_runtime_reconcile_panics_total, retried as an
//                            error.
//
// Thread-safety: Reconcile is called from MaxConcurrentReconciles worker threads at
// once (for different keys), so a Reconciler must be safe for concurrent calls.
#ifndef KUBECPP_CONTROLLER_RECONCILER_H_
#define KUBECPP_CONTROLLER_RECONCILER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "kubecpp/controller/log.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"

namespace kube::controller {

struct Request {
  // The object to reconcile.
  ObjectKey key;
  // Unique per reconcile attempt; on every log line of the attempt.
  std::string reconcile_id;
  // Fires when the controller is told to abandon in-flight work (the manager's
  // graceful shutdown timeout ran out). Pass it to client calls.
  std::stop_token stop;
  // Logger carrying controller, namespace, name and reconcileID.
  Logger log;
  // The last state the controller's cache held of an object that has since been
  // deleted (nullptr when the object exists, or was never seen). Cast with
  // LastKnownState<T>(); kept until a reconcile of the key succeeds.
  std::shared_ptr<const void> deleted_object;

  template <typename T>
  std::shared_ptr<const T> LastKnownState() const {
    return std::static_pointer_cast<const T>(deleted_object);
  }
};

class Action {
 public:
  // Success: nothing more to do until the next event.
  static Action Done() { return Action(Kind::kDone, {}); }
  // Success: reconcile again after `delay` (<= 0 behaves as Done()).
  static Action RequeueAfter(Clock::Duration delay) {
    return delay > Clock::Duration::zero() ? Action(Kind::kRequeueAfter, delay) : Done();
  }
  // Reconcile again after the rate limiter's backoff for this key.
  static Action Requeue() { return Action(Kind::kRequeue, {}); }

  bool done() const { return kind_ == Kind::kDone; }
  bool requeue() const { return kind_ == Kind::kRequeue; }
  // The RequeueAfter delay, zero otherwise.
  Clock::Duration requeue_after() const { return delay_; }

  friend bool operator==(const Action&, const Action&) = default;

 private:
  enum class Kind { kDone, kRequeue, kRequeueAfter };
  Action(Kind kind, Clock::Duration delay) : kind_(kind), delay_(delay) {}
  Kind kind_;
  Clock::Duration delay_;
};

// Marks `cause` as terminal: the controller logs and counts it
// (controller_runtime_terminal_reconcile_errors_total) but does not retry.
Status TerminalError(Status cause);
bool IsTerminalError(const Status& status);

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  [[nodiscard]] virtual Result<Action> Reconcile(const Request& request) = 0;
};

// A Reconciler from a function (handy in tests and small controllers).
using ReconcileFunc = std::function<Result<Action>(const Request&)>;
std::shared_ptr<Reconciler> ReconcilerFunc(ReconcileFunc fn);

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_RECONCILER_H_
