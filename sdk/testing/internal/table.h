// Server-side printing for the fake apiserver (docs/k8s-semantics.md A14): the
// meta.k8s.io/v1 Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, and the
// PartialObjectMetadata[List] forms metadata-only clients ask for.
//
// Column sets follow upstream's printers for pods, deployments, replicasets,
// services, namespaces, configmaps, secrets, endpoints and nodes; custom resources
// use their CRD version's additionalPrinterColumns; other kinds print Name and Age
// (CustomResourceDefinitions: Name and Created At).
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_TESTING_INTERNAL_TABLE_H_
#define KUBECPP_TESTING_INTERNAL_TABLE_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/core/time.h"
#include "kubecpp/testing/internal/registry.h"

namespace kube::testing::internal {

// The includeObject query parameter: what rows[].object holds.
enum class IncludeObject {
  kNone,      // no object
  kMetadata,  // PartialObjectMetadata (the default)
  kObject,    // the full object
};

// Parses includeObject ("None", "Metadata", "Object"); "" gives kMetadata. False for
// anything else.
bool ParseIncludeObject(std::string_view value, IncludeObject* out);

// A Table of `objects` (all of kind `info`). `list_metadata` (resourceVersion,
// continue, remainingItemCount) becomes the Table's metadata; pass null or {} for
// a single object. `now` renders Age cells.
Json ToTable(const ResourceInfo& info, const std::vector<Json>& objects, const Json& list_metadata,
             Time now, IncludeObject include);
// As above; true means IncludeObject::kMetadata, false kNone.
Json ToTable(const ResourceInfo& info, const std::vector<Json>& objects, const Json& list_metadata,
             Time now, bool include_object_metadata);

// True when `accept` lists a meta.k8s.io Table (v1 or v1beta1) as JSON. The
// Table's apiVersion is always meta.k8s.io/v1.
bool WantsTable(std::string_view accept_header);

// True when `accept` lists PartialObjectMetadata or PartialObjectMetadataList
// (meta.k8s.io, v1 or v1beta1) as JSON.
bool WantsPartialObjectMetadata(std::string_view accept_header);

// {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":...}.
Json ToPartialObjectMetadata(const Json& object);
// A PartialObjectMetadataList of `objects` with `list_metadata` as its metadata.
Json ToPartialObjectMetadataList(const std::vector<Json>& objects, const Json& list_metadata);

// Upstream's duration.HumanDuration: "45s", "5m30s", "3h", "2d3h", "400d", "3y2d";
// "0s" for up to 1s of clock skew and "<invalid>" beyond.
std::string HumanDuration(std::chrono::nanoseconds d);

// Evaluates a simple JSONPath as additionalPrinterColumns use it (".spec.replicas",
// ".status.conditions[0].type", ".status.conditions[?(@.type==\"Ready\")].status",
// "[*]") against `object`. Returns every match (empty when nothing matches or the path
// is not understood).
std::vector<Json> EvaluateJsonPath(const Json& object, std::string_view path);

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_TABLE_H_
