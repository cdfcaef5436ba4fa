#include "kubecpp/controller/builder.h"

#include "kubecpp/core/internal/strings.h"

namespace kube::controller {

void Builder::SetFor(GroupKind kind, bool namespaced) {
  ++for_count_;
  primary_ = Primary{std::move(kind), namespaced};
}

cache::InformerOptions Builder::InformerOptionsFor(bool namespaced) const {
  cache::InformerOptions options;
  if (namespaced) options.namespace_ = namespace_;
  if (options_.clock != nullptr) options.clock = options_.clock;
  return options;
}

Builder& Builder::ForResource(const client::ResourceRef& resource,
                              std::vector<Predicate<Unstructured>> predicates) {
  SetFor(GroupKind{resource.gvr.group, resource.kind}, resource.namespaced);
  watches_.push_back([this, resource, predicates = std::move(predicates)](
                         const Primary&) -> Result<std::unique_ptr<Source>> {
    auto informer = informers_.ForResource(resource, InformerOptionsFor(resource.namespaced));
    if (!informer) return std::move(informer).error();
    return std::unique_ptr<Source>(std::make_unique<KindSource<Unstructured>>(
        std::move(*informer), EnqueueRequestForObject<Unstructured>(), predicates, true));
  });
  return *this;
}

Builder& Builder::OwnsResource(const client::ResourceRef& resource,
                               std::vector<Predicate<Unstructured>> predicates) {
  watches_.push_back([this, resource, predicates = std::move(predicates)](
                         const Primary& primary) -> Result<std::unique_ptr<Source>> {
    auto informer = informers_.ForResource(resource, InformerOptionsFor(resource.namespaced));
    if (!informer) return std::move(informer).error();
    return std::unique_ptr<Source>(std::make_unique<KindSource<Unstructured>>(
        std::move(*informer),
        EnqueueRequestForOwner<Unstructured>(primary.kind, true, primary.namespaced), predicates));
  });
  return *this;
}

Builder& Builder::WatchesResource(const client::ResourceRef& resource, MapFunc<Unstructured> map,
                                  std::vector<Predicate<Unstructured>> predicates) {
  watches_.push_back([this, resource, map = std::move(map), predicates = std::move(predicates)](
                         const Primary&) -> Result<std::unique_ptr<Source>> {
    auto informer = informers_.ForResource(resource, InformerOptionsFor(resource.namespaced));
    if (!informer) return std::move(informer).error();
    return std::unique_ptr<Source>(
        std::make_unique<KindSource<Unstructured>>(std::move(*informer), map, predicates));
  });
  return *this;
}

Builder& Builder::WithOptions(ControllerOptions options) {
  // Unset fields keep what the builder already has (the manager's defaults).
  if (options.name.empty()) options.name = options_.name;
  if (options.clock == nullptr) options.clock = options_.clock;
  if (options.metrics_registry == nullptr) options.metrics_registry = options_.metrics_registry;
  options_ = std::move(options);
  return *this;
}

Builder& Builder::Named(std::string name) {
  options_.name = std::move(name);
  return *this;
}

Builder& Builder::InNamespace(std::string ns) {
  namespace_ = std::move(ns);
  return *this;
}

Result<std::unique_ptr<Controller>> Builder::Build(std::shared_ptr<Reconciler> reconciler) {
  if (for_count_ != 1 || !primary_) {
    return Status(Code::kInvalid,
                  for_count_ == 0
                      ? "controller builder: For() must be called exactly once, it was not called"
                      : "controller builder: For() must be called exactly once, it was called " +
                            std::to_string(for_count_) + " times");
  }
  ControllerOptions options = options_;
  if (options.name.empty()) options.name = internal::AsciiLower(primary_->kind.kind);
  auto controller = Controller::New(std::move(options), std::move(reconciler));
  if (!controller) return std::move(controller).error();
  for (const MakeSource& make : watches_) {
    auto source = make(*primary_);
    if (!source) {
      return std::move(source).error().Annotate("controller " + (*controller)->name());
    }
    (*controller)->Watch(std::move(*source));
  }
  return controller;
}

Status Builder::Complete(std::shared_ptr<Reconciler> reconciler) {
  if (!add_) {
    return Status(Code::kInvalid,
                  "controller builder: Complete needs an AddFunc (use Build without a manager)");
  }
  auto controller = Build(std::move(reconciler));
  if (!controller) return std::move(controller).error();
  return add_(std::move(*controller));
}

}  // namespace kube::controller
