// Building blocks of the JSON codecs kube-codegen generates (sdk/api, kubecpp_generate),
// shared by every generated file instead of being repeated in each.
//
// Enc() turns a stored field value into JSON and Dec() reads it back, one overload per
// stored type: scalars and kubecpp core types here, containers as templates, and
// generated types through their ToJson / FromJsonAt, found by argument-dependent
// lookup. Dec() carries the JSON path in a buffer it extends for children and restores,
// so no path string is built unless there is an error. The *Bytes variants handle
// `format: byte` fields (standard base64 with padding, as Go's encoding/json).
//
// Generated code brings these names in with using-declarations; user code has no need
// to call them.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CORE_CODEC_H_
#define KUBECPP_CORE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/core/raw_json.h"
#include "kubecpp/core/status.h"
#include "kubecpp/core/time.h"

namespace kube::codec {

inline std::string JoinPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

inline std::string IndexPath(std::string_view path, size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

// ---- Encoding ---------------------------------------------------------------------

inline Json Enc(const std::string& v) { return Json(v); }
inline Json Enc(int32_t v) { return Json(v); }
inline Json Enc(int64_t v) { return Json(v); }
inline Json Enc(bool v) { return Json(v); }
inline Json Enc(double v) { return Json(v); }
inline Json Enc(const Time& v) { return Json(v.ToString()); }
inline Json Enc(const MicroTime& v) { return Json(v.ToString()); }
inline Json Enc(const RawJson& v) {
  if (!v.empty()) return v.value();
  return v.ToString() == "{}" ? Json::object() : Json(nullptr);
}
template <typename T>
Json Enc(const std::vector<T>& v);
template <typename T>
Json Enc(const std::map<std::string, T>& v);
template <typename T>
Json Enc(const std::optional<T>& v);
template <typename T>
Json Enc(const T& v) {
  Json j;
  ToJson(v, &j);
  return j;
}
template <typename T>
Json Enc(const std::vector<T>& v) {
  Json out = Json::array();
  for (const T& item : v) out.push_back(Enc(item));
  return out;
}
template <typename T>
Json Enc(const std::map<std::string, T>& v) {
  Json out = Json::object();
  for (const auto& [key, item] : v) out.emplace(key, Enc(item));
  return out;
}
template <typename T>
Json Enc(const std::optional<T>& v) {
  return v ? Enc(*v) : Json(nullptr);
}

// ---- Decoding ---------------------------------------------------------------------

inline void PushKey(std::string* path, std::string_view key) {
  if (!path->empty()) path->push_back('.');
  path->append(key);
}
template <typename T>
Status Dec(const Json& in, std::string* path, std::vector<T>* out);
template <typename T>
Status Dec(const Json& in, std::string* path, std::map<std::string, T>* out);
template <typename T>
Status Dec(const Json& in, std::string* path, std::optional<T>* out);
template <typename T>
Status Dec(const Json& in, std::string* path, T* out) {
  if constexpr (requires { FromJsonAt(in, path, out); }) {
    return FromJsonAt(in, path, out);  // generated types: the buffer overload
  } else {
    using kube::FromJsonAt;  // scalars and kubecpp core types
    return FromJsonAt(in, std::string_view(*path), out);
  }
}
template <typename T>
Status Dec(const Json& in, std::string* path, std::vector<T>* out) {
  if (!in.is_array()) return JsonTypeError(*path, "array", in);
  out->clear();
  out->resize(in.size());
  const size_t n = path->size();
  for (size_t i = 0; i < in.size(); ++i) {
    path->push_back('[');
    path->append(std::to_string(i));
    path->push_back(']');
    if (Status s = Dec(in[i], path, &(*out)[i]); !s.ok()) return s;
    path->resize(n);
  }
  return Status();
}
template <typename T>
Status Dec(const Json& in, std::string* path, std::map<std::string, T>* out) {
  if (!in.is_object()) return JsonTypeError(*path, "object", in);
  out->clear();
  const size_t n = path->size();
  for (auto it = in.begin(); it != in.end(); ++it) {
    PushKey(path, it.key());
    if (Status s = Dec(it.value(), path, &(*out)[it.key()]); !s.ok()) return s;
    path->resize(n);
  }
  return Status();
}
template <typename T>
Status Dec(const Json& in, std::string* path, std::optional<T>* out) {
  if (in.is_null()) {
    out->reset();
    return Status();
  }
  return Dec(in, path, &out->emplace());
}

// ---- Fields: one instantiation per stored type keeps the per-field code to a call ---

template <typename T>
void Put(Json* j, const char* key, const T& v) {
  (*j)[key] = Enc(v);
}
inline void PutNull(Json* j, const char* key) { (*j)[key] = nullptr; }
template <typename T>
bool DecField(const Json& value, std::string* path, const char* key, T* out, Status* status) {
  const size_t n = path->size();
  PushKey(path, key);
  *status = Dec(value, path, out);
  path->resize(n);
  return status->ok();
}
// Writes the fields of `unknown` that `out` does not have.
inline void PutUnknown(const RawJson& unknown, Json* out) {
  if (unknown.empty() || !unknown.value().is_object()) return;
  for (auto it = unknown.value().begin(); it != unknown.value().end(); ++it) {
    if (!out->contains(it.key())) (*out)[it.key()] = it.value();
  }
}
inline bool HasUnknown(const RawJson& unknown, const char* key) {
  return !unknown.empty() && unknown.value().is_object() && unknown.value().contains(key);
}

// ---- Validation -------------------------------------------------------------------

inline void AddCause(std::vector<StatusCause>* errors, std::string reason, std::string_view path,
                     std::string message) {
  errors->push_back(StatusCause{std::move(reason), std::move(message), std::string(path)});
}
// Characters (code points) of UTF-8 text, as Kubernetes counts minLength / maxLength.
inline size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
template <typename T>
std::string Repr(const T& v) {
  return Json(v).dump();
}
// kInvalid "<Kind> "<name>" is invalid: <field>: <message>, ..." with the causes in
// details, as the apiserver reports a failed validation.
Status InvalidStatus(std::string_view kind, std::string_view group, const std::string& name,
                     std::vector<StatusCause> causes);

// ---- Bytes (format: byte) ---------------------------------------------------------

Json EncBytes(const std::string& v);
Status DecBytes(const Json& in, std::string* path, std::string* out);
template <typename T>
Json EncBytes(const std::vector<T>& v) {
  Json out = Json::array();
  for (const T& item : v) out.push_back(EncBytes(item));
  return out;
}
template <typename T>
Json EncBytes(const std::map<std::string, T>& v) {
  Json out = Json::object();
  for (const auto& [key, item] : v) out.emplace(key, EncBytes(item));
  return out;
}
template <typename T>
Json EncBytes(const std::optional<T>& v) {
  return v ? EncBytes(*v) : Json(nullptr);
}
template <typename T>
Status DecBytes(const Json& in, std::string* path, std::vector<T>* out) {
  if (!in.is_array()) return JsonTypeError(*path, "array", in);
  out->clear();
  out->resize(in.size());
  const size_t n = path->size();
  for (size_t i = 0; i < in.size(); ++i) {
    path->append("[" + std::to_string(i) + "]");
    if (Status s = DecBytes(in[i], path, &(*out)[i]); !s.ok()) return s;
    path->resize(n);
  }
  return Status();
}
template <typename T>
Status DecBytes(const Json& in, std::string* path, std::map<std::string, T>* out) {
  if (!in.is_object()) return JsonTypeError(*path, "object", in);
  out->clear();
  const size_t n = path->size();
  for (auto it = in.begin(); it != in.end(); ++it) {
    PushKey(path, it.key());
    if (Status s = DecBytes(it.value(), path, &(*out)[it.key()]); !s.ok()) return s;
    path->resize(n);
  }
  return Status();
}
template <typename T>
Status DecBytes(const Json& in, std::string* path, std::optional<T>* out) {
  if (in.is_null()) {
    out->reset();
    return Status();
  }
  return DecBytes(in, path, &out->emplace());
}
template <typename T>
void PutBytes(Json* j, const char* key, const T& v) {
  (*j)[key] = EncBytes(v);
}
template <typename T>
bool DecBytesField(const Json& value, std::string* path, const char* key, T* out, Status* status) {
  const size_t n = path->size();
  PushKey(path, key);
  *status = DecBytes(value, path, out);
  path->resize(n);
  return status->ok();
}

}  // namespace kube::codec

#endif  // KUBECPP_CORE_CODEC_H_
