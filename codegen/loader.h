// Loader: reads CustomResourceDefinition documents and OpenAPI v3 documents
// (components.schemas with $refs) and builds the Model kube-codegen prints.
//
// CRDs: every served version of every CRD becomes a struct in the unit of its
// group-version; the schema must be structural. OpenAPI: every schema in
// components.schemas becomes a struct or enum in the unit named by its prefix
// ("io.k8s.api.apps.v1.Deployment" -> apps/v1), except the meta/v1 and util types
// that kubecpp core already provides (ObjectMeta, Time, Quantity, ...), which map to
// those. Errors name the file, the JSON path of the offending schema and the reason.
//
// Thread-safety: thread-compatible.
#ifndef KUBECPP_CODEGEN_LOADER_H_
#define KUBECPP_CODEGEN_LOADER_H_

#include <string>
#include <vector>

#include "kubecpp/core/result.h"
#include "model.h"

namespace kube::codegen {

struct Options {
  // The C++ namespace units go in: <root>::<group>::<version>. Default "kube::api".
  std::string root_namespace = "kube::api";
  // Generated headers include each other as "<include_prefix>/<group>/<version>/types.h".
  // Default "kubecpp/api".
  std::string include_prefix = "kubecpp/api";
};

struct Input {
  std::string name;  // as printed in errors and in the generated header comment
  std::string text;  // YAML (one or many documents) or JSON
};

// Builds the model from all inputs. Errors (kBadRequest): "file: JSON path: reason"
// for unparsable input, a non-structural or invalid schema, an unresolved $ref, a
// document that is neither a CRD nor an OpenAPI document.
[[nodiscard]] Result<Model> LoadModel(const std::vector<Input>& inputs, const Options& options);

}  // namespace kube::codegen

#endif  // KUBECPP_CODEGEN_LOADER_H_
