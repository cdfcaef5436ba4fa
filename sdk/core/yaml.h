// YAML <-> JSON conversion for manifests, kubeconfig files and CRDs.
//
// Follows sigs.k8s.io/yaml, which kubectl uses: YAML is converted to the JSON it
// denotes, plain scalars resolved with YAML 1.1 rules as go-yaml v2 does (`true`,
// `yes`, `on` -> true; `~`, `null`, empty -> null; `0x1F` and `0o17`/`017` -> integers;
// `1.5`, `1e3` -> numbers), quoted scalars always strings. Mapping keys become strings.
// Errors name the line and column, and nothing throws.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CORE_YAML_H_
#define KUBECPP_CORE_YAML_H_

#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube {

// Converts a single YAML document. More than one document is an error (use
// ParseYamlDocuments). An empty document gives JSON null.
Result<Json> YamlToJson(std::string_view yaml);

// Splits a `---`-separated stream and converts each document; empty documents are
// skipped, as kubectl does. Errors name the document index, line and column.
Result<std::vector<Json>> ParseYamlDocuments(std::string_view yaml);

// Block-style YAML for a JSON value, keys in JSON order; strings that would read
// back as another type are quoted, so YamlToJson(JsonToYaml(j)) == j.
std::string JsonToYaml(const Json& json);

}  // namespace kube

#endif  // KUBECPP_CORE_YAML_H_
