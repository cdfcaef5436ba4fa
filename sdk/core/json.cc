#include "kubecpp/core/json.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "kubecpp/core/internal/json_reader.h"

namespace kube {

RawJson::RawJson(Json value) : value_(std::make_shared<const Json>(std::move(value))) {}

bool RawJson::empty() const {
  return value_ == nullptr || value_->is_null() || (value_->is_object() && value_->empty());
}

std::string RawJson::ToString() const { return value_ ? value_->dump() : "null"; }

bool operator==(const RawJson& a, const RawJson& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty();
  return *a.value_ == *b.value_;
}

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error while parsing value - ..."; keep the part after the id.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return BadRequestError("malformed JSON (byte " + std::to_string(e.byte) + "): " + what);
  }
}

std::string_view JsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::binary:
      return "binary";
    case Json::value_t::discarded:
      return "discarded";
  }
  return "unknown";
}

Status JsonTypeError(std::string_view path, std::string_view want, const Json& in) {
  return internal::PathError(
      path, "expected " + std::string(want) + ", got " + std::string(JsonTypeName(in)));
}

Status FromJsonAt(const Json& in, std::string_view path, std::string* out) {
  if (in.is_null()) return Status();
  if (!in.is_string()) return JsonTypeError(path, "string", in);
  *out = in.get<std::string>();
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view path, int64_t* out) {
  if (in.is_null()) return Status();
  if (in.is_number_integer()) {
    if (in.is_number_unsigned() && in.get<uint64_t>() > uint64_t{INT64_MAX}) {
      return internal::PathError(path, "value " + in.dump() + " does not fit in a 64-bit integer");
    }
    *out = in.get<int64_t>();
    return Status();
  }
  // Go decodes 3.0 into an int field; 3.5 is an error.
  if (in.is_number_float()) {
    double d = in.get<double>();
    if (std::trunc(d) == d && std::abs(d) < 9.2e18) {
      *out = static_cast<int64_t>(d);
      return Status();
    }
  }
  return JsonTypeError(path, "integer", in);
}

Status FromJsonAt(const Json& in, std::string_view path, int32_t* out) {
  int64_t wide = *out;
  KUBE_RETURN_IF_ERROR(FromJsonAt(in, path, &wide));
  if (wide < INT32_MIN || wide > INT32_MAX) {
    return internal::PathError(
        path, "value " + std::to_string(wide) + " does not fit in a 32-bit integer");
  }
  *out = static_cast<int32_t>(wide);
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view path, bool* out) {
  if (in.is_null()) return Status();
  if (!in.is_boolean()) return JsonTypeError(path, "boolean", in);
  *out = in.get<bool>();
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view path, double* out) {
  if (in.is_null()) return Status();
  if (!in.is_number()) return JsonTypeError(path, "number", in);
  *out = in.get<double>();
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view path, Time* out) {
  if (in.is_null()) return Status();
  if (!in.is_string()) return JsonTypeError(path, "string", in);
  auto t = Time::Parse(in.get_ref<const std::string&>());
  if (!t) return internal::PathError(path, t.error().message());
  *out = *t;
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view path, MicroTime* out) {
  if (in.is_null()) return Status();
  if (!in.is_string()) return JsonTypeError(path, "string", in);
  auto t = MicroTime::Parse(in.get_ref<const std::string&>());
  if (!t) return internal::PathError(path, t.error().message());
  *out = *t;
  return Status();
}

Status FromJsonAt(const Json& in, std::string_view /*path*/, RawJson* out) {
  *out = in.is_null() ? RawJson() : RawJson(in);
  return Status();
}

void ToJson(const Time& v, Json* out) { *out = v.IsZero() ? Json(nullptr) : Json(v.ToString()); }
void ToJson(const MicroTime& v, Json* out) {
  *out = v.IsZero() ? Json(nullptr) : Json(v.ToString());
}

namespace internal {

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

Status PathError(std::string_view path, std::string_view detail) {
  if (path.empty()) return BadRequestError(std::string(detail));
  return BadRequestError(std::string(path) + ": " + std::string(detail));
}

ObjectReader::ObjectReader(const Json& in, std::string_view path, Status* status)
    : in_(in), path_(path), status_(status) {
  if (!in.is_object() && !in.is_null()) Fail(JsonTypeError(path, "object", in));
}

void ObjectReader::Fail(Status s) {
  if (status_->ok() && !s.ok()) *status_ = std::move(s);
}

const Json* ObjectReader::Field(const char* key) {
  known_.insert(key);
  if (!ok() || !in_.is_object()) return nullptr;
  auto it = in_.find(key);
  if (it == in_.end() || it->is_null()) return nullptr;
  return &*it;
}

RawJson ObjectReader::Unknown() const {
  if (!in_.is_object()) return RawJson();
  Json unknown = Json::object();
  for (const auto& [k, v] : in_.items()) {
    if (!known_.contains(k)) unknown[k] = v;
  }
  return unknown.empty() ? RawJson() : RawJson(std::move(unknown));
}

void PutIfNotEmpty(Json* out, const char* key, const std::string& value) {
  if (!value.empty()) (*out)[key] = value;
}
void PutIfNotEmpty(Json* out, const char* key, const std::map<std::string, std::string>& value) {
  if (!value.empty()) (*out)[key] = value;
}
void PutIfNotEmpty(Json* out, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) (*out)[key] = value;
}
void PutIfNotZero(Json* out, const char* key, int64_t value) {
  if (value != 0) (*out)[key] = value;
}
void PutIfNotZero(Json* out, const char* key, const Time& value) {
  if (!value.IsZero()) (*out)[key] = value.ToString();
}
void PutIfNotZero(Json* out, const char* key, const MicroTime& value) {
  if (!value.IsZero()) (*out)[key] = value.ToString();
}
void PutUnknown(Json* out, const RawJson& unknown) {
  if (unknown.empty() || !unknown.value().is_object()) return;
  if (!out->is_object()) *out = Json::object();
  for (const auto& [k, v] : unknown.value().items()) {
    if (!out->contains(k)) (*out)[k] = v;
  }
}

}  // namespace internal
}  // namespace kube
