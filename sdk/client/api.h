// Api<T>: every API verb on one typed resource.
//
// T is any type that says where it is served and has JSON codecs (generated types do):
//   struct Widget {
//     static constexpr std::string_view kGroup = "example.com", kVersion = "v1",
//                                       kKind = "Widget", kPlural = "widgets";
//     static constexpr bool kNamespaced = true;
//     kube::ObjectMeta metadata; ...
//   };
//   void ToJson(const Widget&, nlohmann::json*);
//   Status FromJsonAt(const nlohmann::json&, std::string_view, Widget*);
// Api<T> encodes and decodes T around DynamicApi, setting apiVersion and kind.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CLIENT_API_H_
#define KUBECPP_CLIENT_API_H_

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"

namespace kube::client {

template <typename T>
concept ApiResource = requires(const T& t, Json* out, const Json& in, T* obj) {
  { T::kGroup } -> std::convertible_to<std::string_view>;
  { T::kVersion } -> std::convertible_to<std::string_view>;
  { T::kKind } -> std::convertible_to<std::string_view>;
  { T::kPlural } -> std::convertible_to<std::string_view>;
  { T::kNamespaced } -> std::convertible_to<bool>;
  ToJson(t, out);
  { FromJsonAt(in, std::string_view(), obj) } -> std::same_as<Status>;
};

template <ApiResource T>
ResourceRef ResourceRefFor() {
  return ResourceRef{{std::string(T::kGroup), std::string(T::kVersion), std::string(T::kPlural)},
                     std::string(T::kKind),
                     T::kNamespaced};
}

template <ApiResource T>
struct ObjectList {
  ListMeta metadata;
  std::vector<T> items;
};

template <ApiResource T>
struct TypedEvent {
  EventType type;
  T object;  // for BOOKMARK only metadata.resourceVersion (and annotations) are set
};

template <ApiResource T>
class Api {
 public:
  // REQUIRES: `client` outlives the Api. `namespace_` "" means all namespaces for list
  // and watch; writes then use the object's own namespace.
  explicit Api(Client* client, std::string namespace_ = "")
      : dynamic_(client, ResourceRefFor<T>(), std::move(namespace_)) {}

  [[nodiscard]] Result<T> Get(std::string_view name, std::stop_token stop = {}) {
    return Decode(dynamic_.Get(name, stop));
  }
  [[nodiscard]] Result<ObjectList<T>> List(const ListOptions& options = {},
                                           std::stop_token stop = {}) {
    auto list = dynamic_.List(options, stop);
    if (!list) return std::move(list).error();
    ObjectList<T> out;
    out.metadata = std::move(list->metadata);
    out.items.reserve(list->items.size());
    for (auto& item : list->items) {
      auto obj = Decode(std::move(item));
      if (!obj) return std::move(obj).error();
      out.items.push_back(std::move(*obj));
    }
    return out;
  }
  [[nodiscard]] Result<T> Create(const T& object, const WriteOptions& options = {},
                                 std::stop_token stop = {}) {
    return Decode(dynamic_.Create(Encode(object), options, stop));
  }
  [[nodiscard]] Result<T> Update(const T& object, const WriteOptions& options = {},
                                 std::stop_token stop = {}) {
    return Decode(dynamic_.Update(Encode(object), options, stop));
  }
  [[nodiscard]] Result<T> UpdateStatus(const T& object, const WriteOptions& options = {},
                                       std::stop_token stop = {}) {
    return Decode(dynamic_.UpdateStatus(Encode(object), options, stop));
  }
  [[nodiscard]] Result<T> Patch(std::string_view name, PatchType type, std::string body,
                                const PatchOptions& options = {}, std::string_view subresource = "",
                                std::stop_token stop = {}) {
    return Decode(dynamic_.Patch(name, type, std::move(body), options, subresource, stop));
  }
  [[nodiscard]] Result<T> Apply(const T& object, std::string field_manager, bool force = false,
                                std::stop_token stop = {}) {
    return Decode(dynamic_.Apply(Encode(object), std::move(field_manager), force, stop));
  }
  [[nodiscard]] Status Delete(std::string_view name, const DeleteOptions& options = {},
                              std::stop_token stop = {}) {
    return dynamic_.Delete(name, options, stop);
  }
  // As DynamicApi::Watch, with typed objects. An object that does not decode ends the
  // watch with that error.
  [[nodiscard]] Status Watch(const ListOptions& options,
                             const std::function<bool(TypedEvent<T>&&)>& on_event,
                             std::stop_token stop = {}) {
    Status decode_error;
    Status s = dynamic_.Watch(
        options,
        [&](WatchEvent&& e) {
          auto obj = Decode(std::move(e.object));
          if (!obj) {
            decode_error = std::move(obj).error();
            return false;
          }
          return on_event(TypedEvent<T>{e.type, std::move(*obj)});
        },
        stop);
    return decode_error.ok() ? s : decode_error;
  }

  DynamicApi& dynamic() { return dynamic_; }

 private:
  static Unstructured Encode(const T& object) {
    Json j;
    ToJson(object, &j);
    j["apiVersion"] = T::kGroup.empty() ? std::string(T::kVersion)
                                        : std::string(T::kGroup) + "/" + std::string(T::kVersion);
    j["kind"] = std::string(T::kKind);
    return *Unstructured::FromJson(std::move(j));
  }
  static Result<T> Decode(Result<Unstructured> object) {
    if (!object) return std::move(object).error();
    T out{};
    if (Status s = FromJson(object->object(), &out); !s.ok()) {
      return s.Annotate("decoding " + std::string(T::kKind));
    }
    return out;
  }

  DynamicApi dynamic_;
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_API_H_
