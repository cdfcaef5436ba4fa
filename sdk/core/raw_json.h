// RawJson: an immutable JSON value carried through typed structs untouched.
//
// Typed objects never lose data: fields a struct does not model (unknown fields of a
// newer schema, free-form fields such as managedFields' fieldsV1) are kept as RawJson
// and written back verbatim. Copies share one immutable value, so they are cheap.
// This header only forward-declares nlohmann::json; include "kubecpp/core/json.h"
// to build or read the value.
//
// Thread-safety: value type; thread-compatible (the shared value is immutable).
#ifndef KUBECPP_CORE_RAW_JSON_H_
#define KUBECPP_CORE_RAW_JSON_H_

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace kube {

class RawJson {
 public:
  // Null (absent).
  RawJson() = default;
  explicit RawJson(nlohmann::json value);

  // True when no value is held, or the value is JSON null or an empty object.
  bool empty() const;
  // REQUIRES: !empty().
  const nlohmann::json& value() const { return *value_; }
  // Compact JSON text; "null" when empty.
  std::string ToString() const;

  friend bool operator==(const RawJson& a, const RawJson& b);

 private:
  std::shared_ptr<const nlohmann::json> value_;
};

}  // namespace kube

#endif  // KUBECPP_CORE_RAW_JSON_H_
