// ObjectReader: decodes the fields of one JSON object into typed members, recording
// the first error with its full path, and collects the fields nobody read. Private to
// kubecpp: the building block of every FromJsonAt() and of generated codecs.
//
// Thread-safety: single-threaded.
#ifndef KUBECPP_CORE_INTERNAL_JSON_READER_H_
#define KUBECPP_CORE_INTERNAL_JSON_READER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube::internal {

// "metadata" + "labels" -> "metadata.labels"; "" + "spec" -> "spec".
std::string JoinPath(std::string_view path, std::string_view key);
// A kBadRequest "<path>: <detail>" (or just detail at the top level).
Status PathError(std::string_view path, std::string_view detail);

class ObjectReader {
 public:
  // `in` must be an object or null (null reads as an empty object); otherwise the
  // reader records a type error. `status` receives the first error.
  ObjectReader(const Json& in, std::string_view path, Status* status);

  bool ok() const { return status_->ok(); }

  // Decodes field `key` with the FromJsonAt() overload for T; absent and null fields
  // leave `out` unchanged.
  template <typename T>
  void Read(const char* key, T* out) {
    if (const Json* v = Field(key)) Fail(FromJsonAt(*v, JoinPath(path_, key), out));
  }

  // Every field not read so far, as one JSON object (empty RawJson when none).
  RawJson Unknown() const;

 private:
  // The value at `key`, or nullptr when absent, null, or after an earlier error.
  // Marks the key as known.
  const Json* Field(const char* key);
  void Fail(Status s);

  const Json& in_;
  std::string path_;
  Status* status_;
  std::set<std::string_view> known_;
};

// Writers that omit empty values, as Kubernetes' omitempty does.
void PutIfNotEmpty(Json* out, const char* key, const std::string& value);
void PutIfNotEmpty(Json* out, const char* key, const std::map<std::string, std::string>& value);
void PutIfNotEmpty(Json* out, const char* key, const std::vector<std::string>& value);
void PutIfNotZero(Json* out, const char* key, int64_t value);
void PutIfNotZero(Json* out, const char* key, const Time& value);
void PutIfNotZero(Json* out, const char* key, const MicroTime& value);
// Merges the fields of `unknown` (an object) into `out` without overwriting.
void PutUnknown(Json* out, const RawJson& unknown);

template <typename T>
void PutIfNotEmpty(Json* out, const char* key, const std::vector<T>& values) {
  if (values.empty()) return;
  Json& arr = (*out)[key] = Json::array();
  for (const T& v : values) {
    Json item;
    ToJson(v, &item);
    arr.push_back(std::move(item));
  }
}

}  // namespace kube::internal

#endif  // KUBECPP_CORE_INTERNAL_JSON_READER_H_
