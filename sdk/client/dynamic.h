// DynamicApi: every API verb on one resource, with objects as Unstructured.
//
// A ResourceRef names the resource (group, version, plural, namespaced or not); the
// RESTMapper can find it from a Kind. A DynamicApi is scoped to one namespace, or to
// all namespaces ("") for list and watch of namespaced resources; writes through an
// all-namespaces handle go to the object's namespace, or the config's (the
// kubeconfig context's) when the object names none. Typed access (Api<T>) is built on
// it.
//
// Thread-safety: thread-safe (it holds only the Client pointer and its scope).
#ifndef KUBECPP_CLIENT_DYNAMIC_H_
#define KUBECPP_CLIENT_DYNAMIC_H_

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/options.h"
#include "kubecpp/client/watch.h"
#include "kubecpp/core/gvk.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"

namespace kube::client {

struct ResourceRef {
  GroupVersionResource gvr;
  std::string kind;  // "Deployment"
  bool namespaced = true;
};

// "/api/v1/namespaces/ns/pods/name/status" and the like; empty parts are left out.
std::string ResourcePath(const ResourceRef& resource, std::string_view namespace_,
                         std::string_view name = "", std::string_view subresource = "");

struct UnstructuredList {
  std::string api_version;
  std::string kind;  // "PodList"
  ListMeta metadata;
  std::vector<Unstructured> items;  // each with apiVersion and kind filled in
};

class DynamicApi {
 public:
  // REQUIRES: `client` outlives this object. For a cluster-scoped resource
  // `namespace_` is ignored.
  DynamicApi(Client* client, ResourceRef resource, std::string namespace_ = "");

  [[nodiscard]] Result<Unstructured> Get(std::string_view name, std::stop_token stop = {});
  // Lists. With options.limit > 0 and no continue token, follows continue tokens and
  // returns every item; when a token expires midway (410) it falls back to one
  // unpaged list, as client-go's pager does. With a continue token: that page only.
  [[nodiscard]] Result<UnstructuredList> List(const ListOptions& options = {},
                                              std::stop_token stop = {});
  // Lists in the server-side Table form (meta.k8s.io/v1 Table: columnDefinitions and
  // rows of cells), what `kubectl get` prints. One page; no paging.
  [[nodiscard]] Result<Unstructured> ListTable(const ListOptions& options = {},
                                               std::stop_token stop = {});
  [[nodiscard]] Result<Unstructured> Create(const Unstructured& object,
                                            const WriteOptions& options = {},
                                            std::stop_token stop = {});
  // PUT. With metadata.resourceVersion set, fails with kConflict when stale.
  [[nodiscard]] Result<Unstructured> Update(const Unstructured& object,
                                            const WriteOptions& options = {},
                                            std::stop_token stop = {});
  // PUT to the status subresource.
  [[nodiscard]] Result<Unstructured> UpdateStatus(const Unstructured& object,
                                                  const WriteOptions& options = {},
                                                  std::stop_token stop = {});
  // PATCH the object (or a subresource: "status", "scale") with `body` of `type`.
  [[nodiscard]] Result<Unstructured> Patch(std::string_view name, PatchType type, std::string body,
                                           const PatchOptions& options = {},
                                           std::string_view subresource = "",
                                           std::stop_token stop = {});
  // Server-side apply of `object` as `field_manager`.
  [[nodiscard]] Result<Unstructured> Apply(const Unstructured& object, std::string field_manager,
                                           bool force = false, std::stop_token stop = {});
  // DELETE. Succeeds when the server accepted the deletion (the object may linger
  // while finalizers run). Errors: kNotFound, kConflict on failed preconditions.
  [[nodiscard]] Status Delete(std::string_view name, const DeleteOptions& options = {},
                              std::stop_token stop = {});
  [[nodiscard]] Status DeleteCollection(const ListOptions& list_options,
                                        const DeleteOptions& options = {},
                                        std::stop_token stop = {});
  // Watches, calling `on_event` for each event until the server closes the stream
  // (OK: resume from the last resourceVersion seen), `on_event` returns false (OK),
  // or `stop` (kCancelled). An ERROR event is returned as its Status (kGone: relist).
  // Blocks the calling thread.
  [[nodiscard]] Status Watch(const ListOptions& options,
                             const std::function<bool(WatchEvent&&)>& on_event,
                             std::stop_token stop = {});

  const ResourceRef& resource() const { return resource_; }
  const std::string& namespace_() const { return ns_; }

 private:
  std::string Path(std::string_view name = "", std::string_view subresource = "") const;
  // Where a write goes: the Api's namespace, else the object's, else the config's.
  std::string WriteNamespace(const Unstructured& object) const;
  Result<Unstructured> DecodeObject(Result<std::string> body) const;
  Result<UnstructuredList> ListPage(const ListOptions& options, std::stop_token stop);

  Client* client_;
  ResourceRef resource_;
  std::string ns_;
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_DYNAMIC_H_
