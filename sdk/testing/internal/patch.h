// PATCH algorithms of the fake apiserver: JSON Patch, JSON merge patch and
// Kubernetes strategic merge patch, applied to objects held as JSON.
//
// The fake's request engine picks one of these by the request's Content-Type
// (docs/k8s-semantics.md A11) and runs the result through the same pipeline as a PUT.
// The functions here only compute the patched document; preconditions, server-owned
// fields and validation belong to the engine. Errors are the Status the real
// kube-apiserver returns for the same patch:
//   - JSON Patch (RFC 6902, evanphx/json-patch v4 as vendored by Kubernetes): a body
//     that is not an array of objects is 400 BadRequest; any operation that cannot be
//     applied (missing path, bad index, failed `test`, unknown `op`) is 422 Invalid with
//     the generic message "the server rejected our request due to an error in our
//     request" and no details (upstream drops the detail; it is offered through
//     `failure_detail` for logs).
//   - JSON merge patch (RFC 7386) never fails.
//   - Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch): malformed
//     directives are 400 BadRequest with upstream's message; a list of lists is 422
//     Invalid with the generic message.
// `PatchSchema` carries the per-field strategy that upstream reads from Go struct tags
// (`patchStrategy`, `patchMergeKey`); `BuiltinPatchSchema` has them for built-in kinds.
//
// Thread-safety: stateless functions over value types; thread-safe. Schemas returned
// by BuiltinPatchSchema are immutable and live for the whole program.
#ifndef KUBECPP_TESTING_INTERNAL_PATCH_H_
#define KUBECPP_TESTING_INTERNAL_PATCH_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kubecpp/core/json.h"
#include "kubecpp/core/result.h"

namespace kube::testing::internal {

// Message of the 422 the apiserver returns for a JSON patch that does not apply.
inline constexpr std::string_view kPatchRejectedMessage =
    "the server rejected our request due to an error in our request";

// Applies an RFC 6902 patch (`add`, `remove`, `replace`, `move`, `copy`, `test`) to
// `doc` and returns the new document; `doc` is not modified. Paths are JSON pointers
// (`~0` is `~`, `~1` is `/`); `-` appends to an array. Like the apiserver, array
// indices may be negative (counted from the end) and a JSON `null` patch is a no-op.
// Errors: kBadRequest when `patch` is not an array of objects (message as Go's decoder
// words it); kInvalid (422, kPatchRejectedMessage) when an operation fails, and then
// `*failure_detail` (when non-null) says which one and why.
[[nodiscard]] Result<Json> ApplyJsonPatch(const Json& doc, const Json& patch,
                                          std::string* failure_detail = nullptr);

// Applies an RFC 7386 merge patch: objects merge recursively, `null` deletes a key,
// any other value (arrays included) replaces the target; a non-object patch replaces
// the whole document. Never fails (Result for symmetry with the other patch types).
[[nodiscard]] Result<Json> ApplyMergePatch(const Json& doc, const Json& patch);

// The RFC 7386 patch that turns `original` into `modified`: changed and added keys,
// `null` for removed keys, arrays and non-object values replaced wholesale. Empty
// object when they are equal. ApplyMergePatch(original, result) == modified as long as
// `modified` holds no explicit nulls.
Json CreateMergePatch(const Json& original, const Json& modified);

// How a field merges in a strategic merge patch (upstream's `patchStrategy` tag).
enum class PatchStrategy {
  kDefault,  // maps merge key by key; lists are replaced wholesale (atomic)
  kMerge,    // lists merge: by `merge_key` for lists of objects, as a set for scalars
  kReplace,  // the patch value replaces the field, maps included
};

class PatchSchema;

// Patch metadata of one field.
struct PatchField {
  PatchStrategy strategy = PatchStrategy::kDefault;
  // For kMerge lists of objects: the key identifying an element ("name").
  std::string merge_key;
  // `retainKeys` strategy: the struct (or each list element) honours `$retainKeys`.
  // Informational: like upstream's apply path, `$retainKeys` is honoured wherever the
  // patch carries it.
  bool retain_keys = false;
  // Metadata of the fields below: the field's struct, or each element's struct for a
  // list. Null for plain maps (labels) and scalars.
  std::shared_ptr<const PatchSchema> schema;
};

// Patch metadata of one struct type: field name -> PatchField. Fields without an entry
// get the default strategy and no metadata below them. Regular value type.
class PatchSchema {
 public:
  PatchSchema() = default;

  // Declares `name` (replacing an earlier declaration). Returns *this for chaining.
  PatchSchema& Set(std::string name, PatchField field);
  // The field's metadata, or nullptr when it has none.
  const PatchField* Find(std::string_view name) const;
  bool empty() const { return fields_.empty(); }

 private:
  std::map<std::string, PatchField, std::less<>> fields_;
};

// Applies a strategic merge patch to the object `doc` using `schema` for its top-level
// fields. Beyond merge-patch rules: lists declared kMerge merge by key (or as sets),
// other lists are replaced; directives `$patch: replace|delete` (in maps and as list
// elements), `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
// `$setElementOrder/<field>` are applied and never appear in the result.
// `$patch: merge` is rejected as upstream rejects it. Merged lists are ordered as
// upstream orders them: the patch's elements in patch order, each server-only element
// kept in front of the patch elements it preceded on the server, so an element the
// server lacks lands in front of the server's elements unless
// `$setElementOrder/<field>` says otherwise (as kubectl apply always sends).
// Errors: kBadRequest when `doc` or `patch` is not an object, on malformed directives,
// a merge-list element without its merge key, or mixed element types; kInvalid (422,
// kPatchRejectedMessage) for lists of lists.
[[nodiscard]] Result<Json> ApplyStrategicMergePatch(const Json& doc, const Json& patch,
                                                    const PatchSchema& schema);

// The patch schema of a built-in kind (`group` "" for core), with upstream's merge keys
// for Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet,
// DaemonSet, Job, CronJob, Service, Node, Namespace and PersistentVolumeClaim;
// any other kind of a built-in API group (ConfigMap, Secret, Endpoints, EndpointSlice,
// Lease, ...) gets the metadata-only schema (finalizers merge as a set,
// ownerReferences merge by uid). nullptr for groups that are not built in (custom
// resources: the engine answers 415). The pointer is valid for the program's lifetime.
const PatchSchema* BuiltinPatchSchema(std::string_view group, std::string_view kind);

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_PATCH_H_
