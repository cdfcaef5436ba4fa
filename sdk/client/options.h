// Options of the Kubernetes API verbs (meta/v1 ListOptions, DeleteOptions, ...) and
// their encoding as query parameters and request bodies.
//
// Thread-safety: value types; thread-compatible.
#ifndef KUBECPP_CLIENT_OPTIONS_H_
#define KUBECPP_CLIENT_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kube::client {

struct ListOptions {
  std::string label_selector;  // "app=web,tier in (a,b)"
  std::string field_selector;  // "metadata.name=x"
  // Page size. With List(), pages are followed transparently. Default 0: no paging.
  int64_t limit = 0;
  // A continue token from a previous page; when set, List() returns that one page.
  std::string continue_;
  std::string resource_version;        // "" (most recent), "0" (any), or an RV
  std::string resource_version_match;  // "", "NotOlderThan" or "Exact"
  // Watch: server-side timeout. Default unset: the server's (30-60 min upstream).
  std::optional<int64_t> timeout_seconds;
  bool allow_watch_bookmarks = false;  // watch only
  // Watch only (WatchList). Without resource_version_match, NotOlderThan is sent,
  // which the apiserver requires with it.
  bool send_initial_events = false;
};

struct WriteOptions {
  bool dry_run = false;          // dryRun=All
  std::string field_manager;     // fieldManager=
  std::string field_validation;  // "", "Ignore", "Warn" or "Strict"
};

enum class PatchType {
  kJson,            // application/json-patch+json (RFC 6902)
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
  kApply,           // application/apply-patch+yaml (server-side apply)
};

struct PatchOptions {
  WriteOptions write;
  bool force = false;  // server-side apply: take ownership of conflicting fields
};

enum class PropagationPolicy { kDefault, kOrphan, kBackground, kForeground };

struct DeleteOptions {
  PropagationPolicy propagation_policy = PropagationPolicy::kDefault;
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;               // fail with Conflict unless it matches
  std::string precondition_resource_version;  // fail with Conflict unless it matches
  bool dry_run = false;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string QueryEscape(std::string_view value);
// "?labelSelector=...&limit=..." for a list (watch=false) or a watch; "" when empty.
std::string ListQuery(const ListOptions& options, bool watch);
// Query for create/update/patch; `force` only for apply.
std::string WriteQuery(const WriteOptions& options, bool force = false);
// The JSON DeleteOptions body (kind DeleteOptions, apiVersion v1).
std::string DeleteBody(const DeleteOptions& options);
// The Content-Type of a patch.
std::string_view PatchContentType(PatchType type);

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_OPTIONS_H_
