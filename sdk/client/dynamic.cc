#include "kubecpp/client/dynamic.h"

#include <utility>

#include "kubecpp/core/json.h"

namespace kube::client {
namespace {

// Items of a list lack apiVersion and kind on the wire; they are the list's, less "List".
void FillTypeMeta(UnstructuredList* list) {
  std::string kind = list->kind;
  if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
  for (auto& item : list->items) {
    if (item.api_version().empty()) item.set_api_version(list->api_version);
    if (item.kind().empty()) item.set_kind(kind);
  }
}

Result<UnstructuredList> DecodeList(const std::string& body) {
  auto json = ParseJson(body);
  if (!json) return std::move(json).error().Annotate("decoding list");
  if (!json->is_object()) return BadRequestError("decoding list: not a JSON object");
  UnstructuredList list;
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["apiVersion"], "apiVersion", &list.api_version));
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["kind"], "kind", &list.kind));
  KUBE_RETURN_IF_ERROR(FromJsonAt((*json)["metadata"], "metadata", &list.metadata));
  Json& items = (*json)["items"];
  if (!items.is_null() && !items.is_array()) return JsonTypeError("items", "array", items);
  if (items.is_array()) {
    list.items.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      auto obj = Unstructured::FromJson(std::move(items[i]));
      if (!obj) return std::move(obj).error().Annotate("items[" + std::to_string(i) + "]");
      list.items.push_back(std::move(*obj));
    }
  }
  FillTypeMeta(&list);
  return list;
}

}  // namespace

std::string ResourcePath(const ResourceRef& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string path =
      r.gvr.group.empty() ? "/api/" + r.gvr.version : "/apis/" + r.gvr.group + "/" + r.gvr.version;
  if (r.namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += ns;
  }
  path += "/";
  path += r.gvr.resource;
  if (!name.empty()) {
    path += "/";
    path += name;
    if (!subresource.empty()) {
      path += "/";
      path += subresource;
    }
  }
  return path;
}

DynamicApi::DynamicApi(Client* client, ResourceRef resource, std::string namespace_)
    : client_(client), resource_(std::move(resource)), ns_(std::move(namespace_)) {}

std::string DynamicApi::WriteNamespace(const Unstructured& object) const {
  if (!ns_.empty()) return ns_;
  if (!object.namespace_().empty()) return object.namespace_();
  return client_->config().namespace_;  // the context's namespace, as kubectl uses it
}

std::string DynamicApi::Path(std::string_view name, std::string_view subresource) const {
  return ResourcePath(resource_, ns_, name, subresource);
}

Result<Unstructured> DynamicApi::DecodeObject(Result<std::string> body) const {
  if (!body) return std::move(body).error();
  return Unstructured::Parse(*body);
}

Result<Unstructured> DynamicApi::Get(std::string_view name, std::stop_token stop) {
  return DecodeObject(client_->Call("GET", Path(name), "", "", stop));
}

Result<UnstructuredList> DynamicApi::ListPage(const ListOptions& options, std::stop_token stop) {
  auto body = client_->Call("GET", Path() + ListQuery(options, false), "", "", stop);
  if (!body) return std::move(body).error();
  return DecodeList(*body);
}

Result<Unstructured> DynamicApi::ListTable(const ListOptions& options, std::stop_token stop) {
  return DecodeObject(
      client_->CallAccepting("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", "GET",
                             Path() + ListQuery(options, false), "", "", stop));
}

Result<UnstructuredList> DynamicApi::List(const ListOptions& options, std::stop_token stop) {
  auto first = ListPage(options, stop);
  if (!first || options.limit <= 0 || !options.continue_.empty()) return first;
  UnstructuredList all = std::move(*first);
  ListOptions next = options;
  while (!all.metadata.continue_.empty()) {
    if (all.metadata.continue_ == next.continue_) {
      return InternalError("list paging: the server returned the same continue token twice");
    }
    next.continue_ = all.metadata.continue_;
    next.resource_version.clear();  // the token pins the snapshot
    next.resource_version_match.clear();
    auto page = ListPage(next, stop);
    if (!page && IsGone(page.error())) {
      // The continue token expired: list everything in one go, as client-go does.
      ListOptions full = options;
      full.limit = 0;
      return ListPage(full, stop);
    }
    if (!page) return page;
    for (auto& item : page->items) all.items.push_back(std::move(item));
    all.metadata = std::move(page->metadata);
  }
  all.metadata.remaining_item_count.reset();
  return all;
}

Result<Unstructured> DynamicApi::Create(const Unstructured& object, const WriteOptions& options,
                                        std::stop_token stop) {
  std::string ns = WriteNamespace(object);
  return DecodeObject(client_->Call("POST", ResourcePath(resource_, ns) + WriteQuery(options),
                                    object.ToString(), "application/json", stop));
}

Result<Unstructured> DynamicApi::Update(const Unstructured& object, const WriteOptions& options,
                                        std::stop_token stop) {
  std::string ns = WriteNamespace(object);
  return DecodeObject(
      client_->Call("PUT", ResourcePath(resource_, ns, object.name()) + WriteQuery(options),
                    object.ToString(), "application/json", stop));
}

Result<Unstructured> DynamicApi::UpdateStatus(const Unstructured& object,
                                              const WriteOptions& options, std::stop_token stop) {
  std::string ns = WriteNamespace(object);
  return DecodeObject(client_->Call(
      "PUT", ResourcePath(resource_, ns, object.name(), "status") + WriteQuery(options),
      object.ToString(), "application/json", stop));
}

Result<Unstructured> DynamicApi::Patch(std::string_view name, PatchType type, std::string body,
                                       const PatchOptions& options, std::string_view subresource,
                                       std::stop_token stop) {
  bool force = type == PatchType::kApply && options.force;
  return DecodeObject(client_->Call("PATCH",
                                    Path(name, subresource) + WriteQuery(options.write, force),
                                    std::move(body), PatchContentType(type), stop));
}

Result<Unstructured> DynamicApi::Apply(const Unstructured& object, std::string field_manager,
                                       bool force, std::stop_token stop) {
  PatchOptions options;
  options.write.field_manager = std::move(field_manager);
  options.force = force;
  std::string ns = WriteNamespace(object);
  // JSON is YAML, so the object goes as is.
  return DecodeObject(client_->Call(
      "PATCH", ResourcePath(resource_, ns, object.name()) + WriteQuery(options.write, force),
      object.ToString(), PatchContentType(PatchType::kApply), stop));
}

Status DynamicApi::Delete(std::string_view name, const DeleteOptions& options,
                          std::stop_token stop) {
  return client_->Call("DELETE", Path(name), DeleteBody(options), "application/json", stop)
      .status();
}

Status DynamicApi::DeleteCollection(const ListOptions& list_options, const DeleteOptions& options,
                                    std::stop_token stop) {
  return client_
      ->Call("DELETE", Path() + ListQuery(list_options, false), DeleteBody(options),
             "application/json", stop)
      .status();
}

Status DynamicApi::Watch(const ListOptions& options,
                         const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) {
  Status event_error;
  WatchDecoder decoder([&](WatchEvent&& event) {
    if (event.type == EventType::kError) {
      event_error = event.error;
      return false;
    }
    return on_event(std::move(event));
  });
  // Idle timeout: a little longer than the server's own timeout, so the server ends
  // the stream first; bookmarks keep an otherwise quiet watch alive.
  auto idle = options.timeout_seconds
                  ? std::chrono::milliseconds(std::chrono::seconds(*options.timeout_seconds + 30))
                  : std::chrono::milliseconds(std::chrono::minutes(70));
  Status s = client_->Stream(
      Path() + ListQuery(options, true),
      [&](std::string_view chunk) { return decoder.Feed(chunk); }, idle, stop);
  if (!event_error.ok()) return event_error;
  if (!decoder.status().ok()) return decoder.status();
  if (!s.ok()) return s;
  if (stop.stop_requested()) return CancelledError("watch cancelled");
  return Status();
}

}  // namespace kube::client
