// Builder: wires a Reconciler to the watches that should trigger it
// (controller-runtime's builder.ControllerManagedBy).
//
//   auto c = kube::controller::Builder(informers)
//                .For<WebApp>({GenerationChangedPredicate<WebApp>()})
//                .Owns<Deployment>()
//                .Watches<ConfigMap>([](const ConfigMap& cm) { return KeysUsing(cm); })
//                .WithOptions({.max_concurrent_reconciles = 4})
//                .Build(std::make_shared<WebAppReconciler>(...));
//
// For<T>     reconcile T itself on every change of a T (exactly one For per controller).
// Owns<U>    reconcile the controller owner (ownerReferences with controller=true and
//            the For kind) of every changed U.
// Watches<V> reconcile the keys a function maps each changed V to.
// The ...Resource variants take a ResourceRef and work on kube::Unstructured.
// Each watch takes predicates (predicate.h); every event must pass all of them.
// InNamespace restricts every watch (and so the caches) to one namespace.
//
// All watches come from the shared InformerFactory, so controllers watching the same
// type share one list, one watch and one cache. The factory must be started (the
// manager does that) for the controller's caches to sync.
//
// The controller's name defaults to the For kind in lower case ("webapp").
//
// Thread-safety: not thread-safe; build on one thread.
#ifndef KUBECPP_CONTROLLER_BUILDER_H_
#define KUBECPP_CONTROLLER_BUILDER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kubecpp/cache/informer.h"
#include "kubecpp/cache/informer_factory.h"
#include "kubecpp/client/api.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/controller/handler.h"
#include "kubecpp/controller/predicate.h"
#include "kubecpp/controller/source.h"

namespace kube::controller {

class Builder {
 public:
  // Where Complete() hands the built controller (the manager's Add).
  using AddFunc = std::function<Status(std::unique_ptr<Controller>)>;

  // REQUIRES: `informers` outlives the controllers built.
  // `defaults` are the options WithOptions starts from (the manager's clock, registry).
  explicit Builder(cache::InformerFactory& informers, AddFunc add = nullptr,
                   ControllerOptions defaults = {})
      : informers_(informers), add_(std::move(add)), options_(std::move(defaults)) {}
  // Watches refer to the builder until Build: chain calls on one builder, do not copy.
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  template <client::ApiResource T>
  Builder& For(std::vector<Predicate<T>> predicates = {}) {
    SetFor(GroupKind{std::string(T::kGroup), std::string(T::kKind)}, T::kNamespaced);
    watches_.push_back([this, predicates = std::move(predicates)](
                           const Primary&) -> Result<std::unique_ptr<Source>> {
      auto informer = informers_.For<T>(InformerOptionsFor(T::kNamespaced));
      if (!informer) return std::move(informer).error();
      return std::unique_ptr<Source>(std::make_unique<KindSource<T>>(
          std::move(*informer), EnqueueRequestForObject<T>(), predicates, /*primary=*/true));
    });
    return *this;
  }
  Builder& ForResource(const client::ResourceRef& resource,
                       std::vector<Predicate<Unstructured>> predicates = {});

  template <client::ApiResource T>
  Builder& Owns(std::vector<Predicate<T>> predicates = {}) {
    watches_.push_back([this, predicates = std::move(predicates)](
                           const Primary& primary) -> Result<std::unique_ptr<Source>> {
      auto informer = informers_.For<T>(InformerOptionsFor(T::kNamespaced));
      if (!informer) return std::move(informer).error();
      return std::unique_ptr<Source>(std::make_unique<KindSource<T>>(
          std::move(*informer), EnqueueRequestForOwner<T>(primary.kind, true, primary.namespaced),
          predicates));
    });
    return *this;
  }
  Builder& OwnsResource(const client::ResourceRef& resource,
                        std::vector<Predicate<Unstructured>> predicates = {});

  template <client::ApiResource T>
  Builder& Watches(MapFunc<T> map, std::vector<Predicate<T>> predicates = {}) {
    watches_.push_back([this, map = std::move(map), predicates = std::move(predicates)](
                           const Primary&) -> Result<std::unique_ptr<Source>> {
      auto informer = informers_.For<T>(InformerOptionsFor(T::kNamespaced));
      if (!informer) return std::move(informer).error();
      return std::unique_ptr<Source>(
          std::make_unique<KindSource<T>>(std::move(*informer), map, predicates));
    });
    return *this;
  }
  Builder& WatchesResource(const client::ResourceRef& resource, MapFunc<Unstructured> map,
                           std::vector<Predicate<Unstructured>> predicates = {});

  // Controller options. Fields left unset (empty name, null clock or registry) keep
  // the builder's: the For kind in lower case, and the manager's clock and registry.
  Builder& WithOptions(ControllerOptions options);
  Builder& Named(std::string name);
  // Watch only namespace `ns` (cluster-scoped types are unaffected).
  Builder& InNamespace(std::string ns);

  // Builds the controller with its watches. Errors: kInvalid without exactly one For;
  // the informer factory's errors (kAlreadyExists for a conflicting cache).
  [[nodiscard]] Result<std::unique_ptr<Controller>> Build(std::shared_ptr<Reconciler> reconciler);
  // Build, then hand the controller to the AddFunc given at construction.
  [[nodiscard]] Status Complete(std::shared_ptr<Reconciler> reconciler);

 private:
  struct Primary {
    GroupKind kind;
    bool namespaced = true;
  };
  using MakeSource = std::function<Result<std::unique_ptr<Source>>(const Primary&)>;

  void SetFor(GroupKind kind, bool namespaced);
  cache::InformerOptions InformerOptionsFor(bool namespaced) const;

  cache::InformerFactory& informers_;
  AddFunc add_;
  ControllerOptions options_;
  std::string namespace_;
  std::optional<Primary> primary_;
  int for_count_ = 0;
  std::vector<MakeSource> watches_;
};

}  // namespace kube::controller

#endif  // KUBECPP_CONTROLLER_BUILDER_H_
