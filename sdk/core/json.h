// JSON codecs: text <-> nlohmann::json <-> typed kubecpp structs, without exceptions.
//
// Every typed struct T in kubecpp has a pair of free functions found by
// argument-dependent lookup:
//   void ToJson(const T& value, nlohmann::json* out);
//   Status FromJsonAt(const nlohmann::json& in, std::string_view path, T* out);
// `path` is where `in` sits in the enclosing document ("" at the top, "metadata" for
// an ObjectMeta inside an object); it prefixes error messages. FromJsonAt ignores JSON
// null like Go's encoding/json, keeps fields it does not model (see RawJson) and
// reports the first type error with its path
// ("metadata.labels.app: expected string, got number").
// FromJson(), Decode<T>() and Encode() below combine those with parsing and printing.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CORE_JSON_H_
#define KUBECPP_CORE_JSON_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/raw_json.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/time.h"

namespace kube {

using Json = nlohmann::json;

// Parses JSON text. Malformed input gives kBadRequest naming the byte offset and
// what was expected there; nothing throws.
Result<Json> ParseJson(std::string_view text);

// Codecs for the scalar and container types fields are made of. Integers accept
// integral JSON numbers (3.0 reads as 3); null leaves `out` unchanged.
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, std::string* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, int64_t* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, int32_t* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, bool* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, double* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, Time* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, MicroTime* out);
[[nodiscard]] Status FromJsonAt(const Json& in, std::string_view path, RawJson* out);
void ToJson(const Time& v, Json* out);       // null when zero
void ToJson(const MicroTime& v, Json* out);  // null when zero

// "<path>: expected <want>, got <JSON type of in>" (kBadRequest).
Status JsonTypeError(std::string_view path, std::string_view want, const Json& in);

template <typename T>
Status FromJsonAt(const Json& in, std::string_view path, std::vector<T>* out) {
  if (in.is_null()) return Status();
  if (!in.is_array()) return JsonTypeError(path, "array", in);
  std::vector<T> items(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    std::string item_path = std::string(path) + "[" + std::to_string(i) + "]";
    if (Status s = FromJsonAt(in[i], item_path, &items[i]); !s.ok()) return s;
  }
  *out = std::move(items);
  return Status();
}

template <typename T>
Status FromJsonAt(const Json& in, std::string_view path, std::map<std::string, T>* out) {
  if (in.is_null()) return Status();
  if (!in.is_object()) return JsonTypeError(path, "object", in);
  std::map<std::string, T> items;
  for (const auto& [key, value] : in.items()) {
    if (value.is_null()) continue;
    std::string item_path = path.empty() ? key : std::string(path) + "." + key;
    if (Status s = FromJsonAt(value, item_path, &items[key]); !s.ok()) return s;
  }
  *out = std::move(items);
  return Status();
}

template <typename T>
Status FromJsonAt(const Json& in, std::string_view path, std::optional<T>* out) {
  if (in.is_null()) return Status();
  T value{};
  if (Status s = FromJsonAt(in, path, &value); !s.ok()) return s;
  *out = std::move(value);
  return Status();
}

// Decodes a whole document into a T.
template <typename T>
Status FromJson(const Json& in, T* out) {
  return FromJsonAt(in, "", out);
}

// Parses `text` and decodes it into a T. Errors: kBadRequest for malformed JSON or a
// value of the wrong type.
template <typename T>
Result<T> Decode(std::string_view text) {
  auto json = ParseJson(text);
  if (!json) return std::move(json).error();
  T out{};
  if (Status s = FromJson(*json, &out); !s.ok()) return s;
  return out;
}

// Encodes a T as compact JSON text.
template <typename T>
std::string Encode(const T& value) {
  Json out;
  ToJson(value, &out);
  return out.dump();
}

// Names the JSON type of `j` as error messages do: "string", "number", "object", ...
std::string_view JsonTypeName(const Json& j);

}  // namespace kube

#endif  // KUBECPP_CORE_JSON_H_
