// EndpointSliceTracker: remembers the EndpointSlices this controller wrote, so that
// it ignores the watch events of its own writes, repairs slices someone else edited or
// deleted, and never syncs from a cache that has not caught up with its writes
// (upstream staging/src/k8s.io/endpointslice EndpointSliceTracker).
//
// Upstream compares metadata.generation; the slices' resourceVersions are compared
// here instead (ResourceVersionOlder), since any apiserver bumps them on every write.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINT_SLICE_TRACKER_H_
#define KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINT_SLICE_TRACKER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/api/discovery/v1/types.h"
#include "kubecpp/core/gvk.h"

namespace kube::controllers::endpointslice {

using SlicePtr = std::shared_ptr<const api::discovery::v1::EndpointSlice>;

class EndpointSliceTracker {
 public:
  // True when the slice's uid is tracked (written by this controller).
  bool Has(const api::discovery::v1::EndpointSlice& slice) const;
  // True when an event about `slice` calls for a sync: not written by this
  // controller, or changed since its last write.
  bool ShouldSync(const api::discovery::v1::EndpointSlice& slice) const;
  // True when `slices` (the cached slices of `service`) miss a write of this
  // controller: a written slice absent or older, or a deleted one still present.
  bool StaleSlices(const api::core::v1::Service& service,
                   const std::vector<SlicePtr>& slices) const;
  // Records the server's copy after a create or update.
  void Update(const api::discovery::v1::EndpointSlice& slice);
  // Records that this controller deleted `slice`.
  void ExpectDeletion(const api::discovery::v1::EndpointSlice& slice);
  // Forgets a deleted slice; returns true when this controller did not expect the
  // deletion (someone else deleted it: resync).
  bool HandleDeletion(const api::discovery::v1::EndpointSlice& slice);
  // Forgets every slice of the service.
  void DeleteService(const ObjectKey& service);

 private:
  // What this controller last did to a slice.
  struct Written {
    std::string resource_version;  // of its last create or update
    bool deletion_expected = false;
  };
  using Versions = std::map<std::string, Written>;  // by uid
  static ObjectKey ServiceOf(const api::discovery::v1::EndpointSlice& slice);

  mutable std::mutex mu_;
  std::map<ObjectKey, Versions> by_service_;  // GUARDED_BY(mu_)
};

}  // namespace kube::controllers::endpointslice

#endif  // KUBECPP_CONTROLLERS_ENDPOINTSLICE_ENDPOINT_SLICE_TRACKER_H_
