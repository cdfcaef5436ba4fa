#include "kubecpp/cache/informer_factory.h"

namespace kube::cache {

namespace {

std::string WatchKey(std::type_index type, const client::ResourceRef& resource,
                     const InformerOptions& options) {
  // '\n' cannot occur in any part, so the key is unambiguous.
  return std::string(type.name()) + "\n" + resource.gvr.group + "\n" + resource.gvr.version + "\n" +
         resource.gvr.resource + "\n" + (resource.namespaced ? options.namespace_ : "") + "\n" +
         options.label_selector + "\n" + options.field_selector;
}

std::string TransformName(const Transform& t) { return t.name.empty() ? "none" : t.name; }

}  // namespace

InformerFactory::InformerFactory(client::Client* client) : client_(client) {}

Result<std::shared_ptr<Informer<Unstructured>>> InformerFactory::ForResource(
    const client::ResourceRef& resource, const InformerOptions& options) {
  auto informer = GetOrCreate(std::type_index(typeid(Unstructured)), resource, options, [&] {
    auto core = detail::NewDynamicCore(client_, resource, options);
    return Entry{std::make_shared<Informer<Unstructured>>(core), core};
  });
  if (!informer) return std::move(informer).error();
  return std::static_pointer_cast<Informer<Unstructured>>(*informer);
}

Result<std::shared_ptr<void>> InformerFactory::GetOrCreate(std::type_index type,
                                                           const client::ResourceRef& resource,
                                                           const InformerOptions& options,
                                                           const std::function<Entry()>& make) {
  std::string key = WatchKey(type, resource, options);
  std::lock_guard lock(mu_);
  if (auto it = informers_.find(key); it != informers_.end()) {
    const Transform& existing = it->second.core->options().transform;
    if (TransformName(existing) != TransformName(options.transform)) {
      return Status(Code::kAlreadyExists,
                    "InformerFactory: " + it->second.core->description() +
                        " is already cached with transform \"" + TransformName(existing) +
                        "\"; refusing to build a second cache of it with transform \"" +
                        TransformName(options.transform) +
                        "\" (ask for the same transform, or use another namespace or "
                        "selector)");
    }
    return it->second.informer;
  }
  Entry entry = make();
  if (started_) entry.core->Start(*started_);
  auto informer = entry.informer;
  informers_.emplace(std::move(key), std::move(entry));
  return informer;
}

void InformerFactory::Start(std::stop_token stop) {
  std::lock_guard lock(mu_);
  started_ = stop;
  for (auto& [key, entry] : informers_) entry.core->Start(stop);
}

Status InformerFactory::WaitForCacheSync(std::stop_token stop, Clock::Duration timeout) {
  std::vector<std::shared_ptr<detail::InformerCore>> cores;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, entry] : informers_) cores.push_back(entry.core);
  }
  if (cores.empty()) return Status();
  Clock& clock = cores.front()->options().clock != nullptr ? *cores.front()->options().clock
                                                           : client_->clock();
  Clock::TimePoint deadline = clock.Now() + timeout;
  std::string failures;
  int failed = 0;
  for (auto& core : cores) {
    Clock::Duration left = deadline - clock.Now();
    Status s = core->WaitForSync(stop, left > Clock::Duration::zero() ? left : Clock::Duration(0));
    if (s.ok()) continue;
    if (s.code() == Code::kCancelled) return s;
    failures += (failed++ == 0 ? "" : "; ") + s.message();
  }
  if (failed == 0) return Status();
  return TimeoutError(std::to_string(failed) + " of " + std::to_string(cores.size()) +
                      " informers not synced: " + failures);
}

size_t InformerFactory::size() const {
  std::lock_guard lock(mu_);
  return informers_.size();
}

}  // namespace kube::cache
