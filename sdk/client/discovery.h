// Discovery and RESTMapper: what the apiserver serves, and how a Kind maps to the
// resource (plural) used in URLs.
//
// Discovery reads the legacy discovery documents (/version, /api, /apis, /api/v1,
// /apis/<group>/<version>). RESTMapper caches them and answers kind <-> resource
// questions; on a miss it refreshes (at most once per 10 s), so a CRD created after
// start is found. When several groups serve a name ("events" in core and
// events.k8s.io), kubectl's priority picks: core first, then /apis order.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CLIENT_DISCOVERY_H_
#define KUBECPP_CLIENT_DISCOVERY_H_

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/gvk.h"

namespace kube::client {

struct ServerVersion {
  std::string major;
  std::string minor;
  std::string git_version;  // "v1.31.0"
  std::string platform;     // "linux/amd64"
};

// One entry of an APIResourceList (subresources such as "pods/status" are skipped).
struct DiscoveredResource {
  ResourceRef ref;  // group, version, plural, kind, namespaced
  std::string singular_name;
  std::vector<std::string> short_names;
  std::vector<std::string> verbs;
  std::vector<std::string> categories;
  bool preferred_version = false;  // the group's preferred version
};

// GET /version.
[[nodiscard]] Result<ServerVersion> GetServerVersion(Client& client);
// Every resource of every served group version (one request per group version).
[[nodiscard]] Result<std::vector<DiscoveredResource>> DiscoverResources(Client& client);

class RESTMapper {
 public:
  // REQUIRES: `client` outlives the mapper. Discovery runs on first use.
  explicit RESTMapper(Client* client) : client_(client) {}

  // The resource serving `gvk`. Errors: kNotFound naming the kind.
  [[nodiscard]] Result<ResourceRef> ResourceFor(const GroupVersionKind& gvk);
  // The preferred version's resource for a group and kind (version ignored).
  [[nodiscard]] Result<ResourceRef> PreferredResourceFor(const GroupKind& gk);
  // Resolves what a user types: plural, singular, short name or kind, optionally
  // qualified by group ("deploy", "pods", "deployments.apps", "Widget"). Errors:
  // kNotFound.
  [[nodiscard]] Result<ResourceRef> ResourceForName(std::string_view name);
  // Drops the cache; the next question rediscovers.
  void Invalidate();

 private:
  static constexpr std::chrono::seconds kMinRefreshInterval{10};

  // REQUIRES: mu_ held.
  Status Reload();
  template <typename Match>
  const DiscoveredResource* Best(Match match) const;
  template <typename Match>
  Result<ResourceRef> Find(Match match, const std::string& what);

  Client* client_;
  std::mutex mu_;
  bool loaded_ = false;                        // GUARDED_BY(mu_)
  std::vector<DiscoveredResource> resources_;  // GUARDED_BY(mu_)
  Clock::TimePoint last_refresh_{};            // GUARDED_BY(mu_)
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_DISCOVERY_H_
