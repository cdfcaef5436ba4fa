// Sources: where a controller's events come from (controller-runtime's pkg/source).
//
// A KindSource<T> connects a shared informer to a controller: each add, update and
// delete the informer sees passes the predicates, is mapped to keys by a MapFunc and
// lands in the controller's queue. Objects of the informer's initial list are queued
// at low priority so live changes go first. The Builder makes these for you; build
// one by hand only to add a watch to a running controller (Controller::Watch).
//
// Thread-safety: Start/Stop are called by the controller; the handlers run on the
// informer's dispatch thread.
#ifndef KUBECPP_CONTROLLER_SOURCE_H_
#define KUBECPP_CONTROLLER_SOURCE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kubecpp/cache/informer.h"
#include "kubecpp/controller/handler.h"
#include "kubecpp/controller/predicate.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/status.h"
#include "kubecpp/workqueue/priority_queue.h"

namespace kube::controller {

// What a source feeds: the controller.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues `key`; `priority` is workqueue::kLowPriority for the initial list.
  virtual void Enqueue(const ObjectKey& key, int priority) = 0;
  // The primary (For) object `key` was deleted; `last_state` is its last known state.
  virtual void RecordDeleted(const ObjectKey& key, std::shared_ptr<const void> last_state) = 0;
  // The primary object `key` exists (again).
  virtual void ClearDeleted(const ObjectKey& key) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Starts delivering events to `sink` (which outlives the source or its Stop()).
  virtual void Start(EventSink& sink) = 0;
  // Stops delivery; when it returns, no handler call is running. Idempotent.
  virtual void Stop() = 0;
  // True once every object of the informer's initial list has been delivered.
  virtual bool HasSynced() const = 0;
  // Why the source is not synced (the informer's last error), or OK.
  virtual Status LastError() const = 0;
  // "pods (namespace default)"-style, for logs and sync timeouts.
  virtual std::string description() const = 0;
};

template <cache::CacheObject T>
class KindSource final : public Source {
 public:
  // `primary` marks the For() source: deletions are remembered for
  // Request::LastKnownState.
  KindSource(std::shared_ptr<cache::Informer<T>> informer, MapFunc<T> map,
             std::vector<Predicate<T>> predicates = {}, bool primary = false)
      : informer_(std::move(informer)),
        map_(std::move(map)),
        predicates_(std::move(predicates)),
        primary_(primary) {}
  ~KindSource() override { Stop(); }

  void Start(EventSink& sink) override {
    using Ptr = std::shared_ptr<const T>;
    registration_ = informer_->AddEventHandler({
        .on_add =
            [this, &sink](const Ptr& o, bool initial) {
              for (const auto& p : predicates_) {
                if (!p.Create(*o)) return;
              }
              Emit(sink, *o, initial ? workqueue::kLowPriority : 0, /*deleted=*/nullptr);
            },
        .on_update =
            [this, &sink](const Ptr& old_object, const Ptr& new_object) {
              for (const auto& p : predicates_) {
                if (!p.Update(*old_object, *new_object)) return;
              }
              for (const ObjectKey& key : map_(*old_object)) sink.Enqueue(key, 0);
              Emit(sink, *new_object, 0, nullptr);
            },
        .on_delete =
            [this, &sink](const cache::DeletedObject<T>& d) {
              if (!d.object) return;
              for (const auto& p : predicates_) {
                if (!p.Delete(*d.object)) return;
              }
              Emit(sink, *d.object, 0, d.object);
            },
    });
    started_ = true;
  }

  void Stop() override {
    if (started_) registration_.Remove();
    started_ = false;
  }
  bool HasSynced() const override { return started_ && registration_.HasSynced(); }
  Status LastError() const override { return informer_->LastError(); }
  std::string description() const override { return informer_->description(); }

 private:
  void Emit(EventSink& sink, const T& object, int priority, std::shared_ptr<const T> deleted) {
    for (const ObjectKey& key : map_(object)) {
      if (primary_) {
        if (deleted) {
          sink.RecordDeleted(key, deleted);
        } else {
          sink.ClearDeleted(key);
        }
      }
      sink.Enqueue(key, priority);
    }
  }

  std::shared_ptr<cache::Informer<T>> informer_;
  MapFunc<T> map_;
  std::vector<Predicate<T>> predicates_;
  bool primary_;
  cache::HandlerRegistration registration_;
  bool started_ = false;
};

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_SOURCE_H_
