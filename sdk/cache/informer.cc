#include "kubecpp/cache/informer.h"

namespace kube::cache {

void HandlerRegistration::Remove() const {
  if (auto core = core_.lock()) core->RemoveHandler(id_);
}

bool HandlerRegistration::HasSynced() const {
  auto core = core_.lock();
  return core != nullptr && core->HandlerSynced(id_);
}

namespace detail {

std::string UnstructuredResourceVersion(const void* object) {
  return static_cast<const Unstructured*>(object)->resource_version();
}

Result<ObjectPtr> DecodeUnstructured(Unstructured&& object) {
  return ObjectPtr(std::make_shared<const Unstructured>(std::move(object)));
}

std::shared_ptr<InformerCore> NewDynamicCore(client::Client* client,
                                             const client::ResourceRef& resource,
                                             InformerOptions options) {
  return std::make_shared<InformerCore>(client, resource, std::move(options), DecodeUnstructured,
                                        UnstructuredResourceVersion);
}

}  // namespace detail

std::shared_ptr<Informer<Unstructured>> NewDynamicInformer(client::Client* client,
                                                           const client::ResourceRef& resource,
                                                           InformerOptions options) {
  return std::make_shared<Informer<Unstructured>>(
      detail::NewDynamicCore(client, resource, std::move(options)));
}

}  // namespace kube::cache
