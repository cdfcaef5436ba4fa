// Predicates: filter the events of a watch before they become reconcile requests
// (controller-runtime's pkg/predicate).
//
// A Predicate<T> has one test per event type; an unset test lets the event through.
// Combine with And/Or/Not:
//
//   builder.For<WebApp>({kube::controller::GenerationChangedPredicate<WebApp>()});
//   auto p = Or(LabelChangedPredicate<Pod>(), AnnotationChangedPredicate<Pod>());
//
// Update tests see the old and the new object; create, delete and generic tests see
// one. Thread-safety: predicates are called from the informer's dispatch thread;
// custom lambdas must not block.
#ifndef KUBECPP_CONTROLLER_PREDICATE_H_
#define KUBECPP_CONTROLLER_PREDICATE_H_

#include <functional>
#include <utility>
#include <vector>

#include "kubecpp/controller/object.h"
#include "kubecpp/core/labels.h"

namespace kube::controller {

template <typename T>
struct Predicate {
  std::function<bool(const T& object)> create;
  std::function<bool(const T& old_object, const T& new_object)> update;
  std::function<bool(const T& object)> delete_;
  // Events a Source raises on its own (resync, a channel); rarely used.
  std::function<bool(const T& object)> generic;

  bool Create(const T& o) const { return !create || create(o); }
  bool Update(const T& a, const T& b) const { return !update || update(a, b); }
  bool Delete(const T& o) const { return !delete_ || delete_(o); }
  bool Generic(const T& o) const { return !generic || generic(o); }
};

// The same test for every event type (for updates: the new object).
template <typename T>
Predicate<T> NewPredicateFuncs(std::function<bool(const T&)> filter) {
  return Predicate<T>{
      .create = filter,
      .update = [filter](const T&, const T& n) { return filter(n); },
      .delete_ = filter,
      .generic = filter,
  };
}

// Updates pass only when metadata.generation changed (spec changes, not status).
template <ControllerObject T>
Predicate<T> GenerationChangedPredicate() {
  return Predicate<T>{.update = [](const T& a, const T& b) {
    return MetaOf(a).generation != MetaOf(b).generation;
  }};
}

// Updates pass only when metadata.resourceVersion changed (drops resyncs).
template <ControllerObject T>
Predicate<T> ResourceVersionChangedPredicate() {
  return Predicate<T>{.update = [](const T& a, const T& b) {
    return MetaOf(a).resource_version != MetaOf(b).resource_version;
  }};
}

template <ControllerObject T>
Predicate<T> LabelChangedPredicate() {
  return Predicate<T>{
      .update = [](const T& a, const T& b) { return MetaOf(a).labels != MetaOf(b).labels; }};
}

template <ControllerObject T>
Predicate<T> AnnotationChangedPredicate() {
  return Predicate<T>{.update = [](const T& a, const T& b) {
    return MetaOf(a).annotations != MetaOf(b).annotations;
  }};
}

// Every event whose object's labels match `selector` (for updates: the new object).
template <ControllerObject T>
Predicate<T> LabelSelectorPredicate(Selector selector) {
  return NewPredicateFuncs<T>(
      [selector = std::move(selector)](const T& o) { return selector.Matches(MetaOf(o).labels); });
}

template <typename T>
Predicate<T> And(std::vector<Predicate<T>> predicates) {
  return Predicate<T>{
      .create =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (!p.Create(o)) return false;
            return true;
          },
      .update =
          [predicates](const T& a, const T& b) {
            for (const auto& p : predicates)
              if (!p.Update(a, b)) return false;
            return true;
          },
      .delete_ =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (!p.Delete(o)) return false;
            return true;
          },
      .generic =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (!p.Generic(o)) return false;
            return true;
          },
  };
}

template <typename T>
Predicate<T> Or(std::vector<Predicate<T>> predicates) {
  return Predicate<T>{
      .create =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (p.Create(o)) return true;
            return false;
          },
      .update =
          [predicates](const T& a, const T& b) {
            for (const auto& p : predicates)
              if (p.Update(a, b)) return true;
            return false;
          },
      .delete_ =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (p.Delete(o)) return true;
            return false;
          },
      .generic =
          [predicates](const T& o) {
            for (const auto& p : predicates)
              if (p.Generic(o)) return true;
            return false;
          },
  };
}

template <typename T>
Predicate<T> Not(Predicate<T> p) {
  return Predicate<T>{
      .create = [p](const T& o) { return !p.Create(o); },
      .update = [p](const T& a, const T& b) { return !p.Update(a, b); },
      .delete_ = [p](const T& o) { return !p.Delete(o); },
      .generic = [p](const T& o) { return !p.Generic(o); },
  };
}

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_PREDICATE_H_
