// Response bodies of the fake apiserver's discovery and OpenAPI endpoints, built from
// the Registry: /version, /api, /apis, /apis/<group>, /api/v1, /apis/<group>/<version>
// (legacy and aggregated discovery, docs/k8s-semantics.md A2), /openapi/v2 and
// /openapi/v3[/<path>]. The engine routes requests and picks the body; these
// functions only build JSON.
//
// The OpenAPI documents are generated here, not copied from upstream: every kind gets
// a definition with its top-level fields, ObjectMeta modelled in full and spec/status
// left open (x-kubernetes-preserve-unknown-fields), tagged with
// x-kubernetes-group-version-kind. Every PATCH operation declares the fieldValidation
// query parameter, so kubectl create/apply rely on server-side validation and never
// need /openapi/v2 (which kubectl only reads as protobuf).
//
// Thread-safety: stateless functions; thread-safe as long as the Registry is not
// mutated concurrently.
#ifndef KUBECPP_TESTING_INTERNAL_DISCOVERY_H_
#define KUBECPP_TESTING_INTERNAL_DISCOVERY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/testing/internal/registry.h"

namespace kube::testing::internal {

// The version /version reports.
struct ServerVersion {
  std::string git_version = "v1.33.0";  // "v<major>.<minor>.<patch>"; default "v1.33.0"
  std::string git_commit = "0000000000000000000000000000000000000000";
  std::string build_date = "2025-01-01T00:00:00Z";
  std::string platform = "linux/amd64";
};

// GET /version: {"major":"1","minor":"33","gitVersion":"v1.33.0",...}. major and
// minor are parsed from git_version.
Json VersionInfo(const ServerVersion& version = {});

// GET /api: kind APIVersions with versions ["v1"] and one serverAddressByClientCIDRs
// entry for `server_address` ("host:port").
Json ApiVersions(std::string_view server_address);

// GET /apis: kind APIGroupList, groups in Registry::Groups() order.
Json ApiGroupList(const Registry& registry);

// GET /apis/<group>: kind APIGroup; null when the group serves nothing.
Json ApiGroup(const Registry& registry, std::string_view group);

// GET /api/v1 or /apis/<group>/<version>: kind APIResourceList with one entry per
// resource and one per subresource ("deployments/scale"); null when nothing is served
// at that group/version.
Json ApiResourceList(const Registry& registry, std::string_view group, std::string_view version);

// --- Aggregated discovery (apidiscovery.k8s.io/v2) --------------------------------

// The exact Content-Type an aggregated discovery response must carry.
inline constexpr std::string_view kAggregatedDiscoveryContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

// True when the first media range of `accept` the fake can serve asks for
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList (kubectl's and client-go's discovery
// Accept header). False for plain JSON, an empty header, or v2beta1 only.
bool WantsAggregatedDiscovery(std::string_view accept_header);

// GET /api (aggregated): an APIGroupDiscoveryList with one item, the core group
// (metadata.name "").
Json AggregatedCoreDiscovery(const Registry& registry);

// GET /apis (aggregated): an APIGroupDiscoveryList with an item per named group.
Json AggregatedGroupsDiscovery(const Registry& registry);

// --- OpenAPI ----------------------------------------------------------------------

// GET /openapi/v2: a Swagger 2.0 document (JSON) for every served resource.
Json OpenApiV2(const Registry& registry);

// GET /openapi/v3: {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=H"},
// "apis/apps/v1":{...}}}. The hash changes whenever that document changes.
Json OpenApiV3Index(const Registry& registry);

// GET /openapi/v3/api/v1 (group "") or /openapi/v3/apis/<group>/<version>: an
// OpenAPI 3.0 document; null when nothing is served at that group/version.
Json OpenApiV3GroupVersion(const Registry& registry, std::string_view group,
                           std::string_view version);

// The group/version an /openapi/v3 sub-path names: "api/v1" gives {"", "v1"},
// "apis/apps/v1" gives {"apps", "v1"}. False for anything else.
bool ParseOpenApiV3Path(std::string_view path, std::string* group, std::string* version);

// --- Media ranges -----------------------------------------------------------------

// One entry of an Accept header: "application/json;as=Table;v=v1;g=meta.k8s.io".
struct MediaRange {
  std::string type;                               // lower case, "application"
  std::string subtype;                            // lower case, "json"
  std::map<std::string, std::string> params;      // keys lower case, values as sent
  std::string Param(std::string_view key) const;  // "" when absent
};

// Splits an Accept header into media ranges, in the order given (q values are kept in
// params["q"] and not used for ordering). Malformed entries are skipped.
std::vector<MediaRange> ParseAcceptHeader(std::string_view accept_header);

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_DISCOVERY_H_
