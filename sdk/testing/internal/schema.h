// CustomResourceDefinition schemas for the fake apiserver (k8s-semantics.md A16).
//
// Two jobs, both worded as kube-apiserver words them:
//  - ValidateCrd: the checks a CustomResourceDefinition (apiextensions.k8s.io/v1) must
//    pass before it is stored: names, group, scope, versions, subresources, and a
//    structural openAPIV3Schema per version whose defaults validate and are pruned.
//  - The three steps every write of a custom resource goes through, given the
//    version's `schema.openAPIV3Schema`: PruneUnknownFields, ApplySchemaDefaults,
//    ValidateAgainstSchema. The engine (registry) runs them in that order on create
//    and update, applies defaults again when it reads stored objects, and wraps the
//    causes with InvalidStatus for the custom resource's Kind.
// Schemas and objects are untyped JSON; a schema that is not an object is treated as
// "no schema" and validates everything. Nothing here throws.
//
// Thread-safety: stateless free functions; thread-safe (a per-thread cache keeps
// compiled `pattern` regular expressions).
#ifndef KUBECPP_TESTING_INTERNAL_SCHEMA_H_
#define KUBECPP_TESTING_INTERNAL_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/core/status.h"

namespace kube::testing::internal {

inline constexpr std::string_view kCrdKind = "CustomResourceDefinition";
inline constexpr std::string_view kCrdGroup = "apiextensions.k8s.io";

// Fills what the apiserver defaults on a v1 CRD: spec.names.singular (lowercase
// kind), spec.names.listKind (<Kind>List), spec.conversion.strategy (None). Leaves
// fields that are set alone. REQUIRES: crd != nullptr.
void ApplyCrdDefaults(Json* crd);

// Validates a CRD as the apiserver does on create and update: metadata.name ==
// <plural>.<group>; group a DNS subdomain with a dot; names (plural/singular/kind/
// listKind as DNS-1035 labels, kind != listKind; missing singular/listKind count as
// defaulted); scope Namespaced|Cluster; at least one version, unique DNS-1035 version
// names, exactly one with storage: true; spec.preserveUnknownFields not true; per
// version a structural schema.openAPIV3Schema (every node typed except under
// x-kubernetes-int-or-string / x-kubernetes-preserve-unknown-fields, object at the
// root, items for arrays, metadata at the root restricted to name/generateName, no
// type/default/description/x-kubernetes-* in allOf/anyOf/oneOf/not, no $ref,
// uniqueItems, patternProperties..., valid pattern and list-type extensions), whose
// defaults are pruned and validate; subresources.scale paths under .spec/.status.
// Returns OK, or Invalid (422, kind CustomResourceDefinition, group
// apiextensions.k8s.io) with one cause per problem, e.g.
//   spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value:
//   must not be empty for specified object fields
[[nodiscard]] Status ValidateCrd(const Json& crd);

// The schema.openAPIV3Schema of `version` in a v1 CRD, or nullptr when the version
// or its schema is missing. The result points into `crd`.
const Json* FindVersionSchema(const Json& crd, std::string_view version);

// Removes the fields of `obj` that `schema` does not declare, as the apiserver does
// on every write: apiVersion, kind and metadata at the root (and under
// x-kubernetes-embedded-resource) are kept (metadata is pruned to ObjectMeta by the
// engine, not here); x-kubernetes-preserve-unknown-fields keeps unknown fields at
// its level while declared ones are still pruned below; additionalProperties keeps
// any key and prunes its value. Returns the paths of the removed fields in dotted
// form with [i] for list items ("spec.foo", "spec.ports[1].bar"), in the order met,
// for the Warning headers of fieldValidation=Warn and the 400 of Strict.
// REQUIRES: obj != nullptr.
std::vector<std::string> PruneUnknownFields(const Json& schema, Json* obj);

// Applies the schema's `default`s to `obj` as the apiserver does on writes and on
// reads from storage: first a null that the schema does not allow (nullable false)
// and that has no default is removed; then each absent property with a default, and
// each disallowed null with one, takes a deep copy of the default, recursively
// (inside newly defaulted values too, through properties, additionalProperties and
// items). A default applies only where the parent object exists.
// REQUIRES: obj != nullptr.
void ApplySchemaDefaults(const Json& schema, Json* obj);

// Validates `obj` against `schema` (type incl. integer accepting 3.0, nullable,
// required, enum, minimum/maximum/exclusive*, multipleOf, minLength/maxLength,
// pattern, format (date-time, date, byte, uuid, ipv4, ipv6, cidr, mac, hostname,
// email, int32, int64), minItems/maxItems/uniqueItems, minProperties/maxProperties,
// additionalProperties, allOf/anyOf/oneOf/not, x-kubernetes-int-or-string,
// x-kubernetes-embedded-resource (needs apiVersion and kind), x-kubernetes-list-type
// set/map uniqueness). Returns one cause per error in the apiserver's wording; the
// cause's `message` is the part after "<field>: ", e.g. field "spec.replicas",
// message `Invalid value: "string": spec.replicas in body must be of type integer:
// "string"`. Errors that upstream reports without a field (anyOf/oneOf/allOf/not)
// carry field "<nil>" as upstream does. Empty means valid.
std::vector<StatusCause> ValidateAgainstSchema(const Json& schema, const Json& obj);

// The apiserver's Invalid status (422, reason Invalid): message
// `<Kind>[.<group>] "<name>" is invalid: <field>: <message>` (several causes joined
// as "[e1, e2]", identical lines once), details {name, group, kind: Kind, causes}.
// REQUIRES: !causes.empty().
[[nodiscard]] Status InvalidStatus(std::string_view kind, std::string_view group,
                                   std::string_view name, const std::vector<StatusCause>& causes);

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_SCHEMA_H_
