// InformerFactory: one informer per watch, shared by every user in the process
// (client-go's SharedInformerFactory, controller-runtime's informer cache).
//
// A watch is identified by the cached type (a typed T or Unstructured), the resource,
// the namespace and the label and field selectors. For<T>(options) returns the
// existing informer for that watch, or builds one; so two controllers asking for pods
// in all namespaces share one LIST, one WATCH and one cache. The first caller's
// resync period and reflector options win. Two callers asking for the same watch
// with different transforms (say one metadata-only) are a configuration error: the
// second gets kAlreadyExists naming both, rather than a silent second full cache.
//
//   kube::cache::InformerFactory factory(client);
//   auto pods = factory.ForResource(pod_ref);
//   factory.Start(stop);
//   KUBE_RETURN_IF_ERROR(factory.WaitForCacheSync(stop, std::chrono::seconds(60)));
//
// Informers created after Start are started at once. Destroying the factory stops
// its informers' threads once no one else holds them.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CACHE_INFORMER_FACTORY_H_
#define KUBECPP_CACHE_INFORMER_FACTORY_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <typeindex>
#include <vector>

#include "kubecpp/cache/informer.h"
#include "kubecpp/cache/informer_options.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/result.h"

namespace kube::cache {

class InformerFactory {
 public:
  // REQUIRES: `client` outlives the factory and its informers.
  explicit InformerFactory(client::Client* client);
  InformerFactory(const InformerFactory&) = delete;
  InformerFactory& operator=(const InformerFactory&) = delete;

  // The shared informer of typed Ts for this watch. Errors: kAlreadyExists when the
  // watch is cached with another transform.
  template <client::ApiResource T>
  [[nodiscard]] Result<std::shared_ptr<Informer<T>>> For(const InformerOptions& options = {}) {
    auto informer =
        GetOrCreate(std::type_index(typeid(T)), client::ResourceRefFor<T>(), options, [&] {
          auto core = detail::NewTypedCore<T>(client_, options);
          return Entry{std::make_shared<Informer<T>>(core), core};
        });
    if (!informer) return std::move(informer).error();
    return std::static_pointer_cast<Informer<T>>(*informer);
  }
  // The shared informer of Unstructured objects of `resource` for this watch. Errors
  // as For.
  [[nodiscard]] Result<std::shared_ptr<Informer<Unstructured>>> ForResource(
      const client::ResourceRef& resource, const InformerOptions& options = {});

  // Starts every informer not yet started, and those created later. Returns at once.
  void Start(std::stop_token stop);
  // Waits until every informer has synced, up to `timeout` in all. Errors: kTimeout
  // listing each informer not synced with its last error; kCancelled on `stop`.
  [[nodiscard]] Status WaitForCacheSync(std::stop_token stop, Clock::Duration timeout);
  // Number of distinct informers (watches).
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<void> informer;  // Informer<T>
    std::shared_ptr<detail::InformerCore> core;
  };
  Result<std::shared_ptr<void>> GetOrCreate(std::type_index type,
                                            const client::ResourceRef& resource,
                                            const InformerOptions& options,
                                            const std::function<Entry()>& make);

  client::Client* client_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> informers_;  // GUARDED_BY(mu_); by watch key
  std::optional<std::stop_token> started_;  // GUARDED_BY(mu_)
};

}  // namespace kube::cache

#endif  // KUBECPP_CACHE_INFORMER_FACTORY_H_
