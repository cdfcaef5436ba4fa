#include "controllers/endpointslice/endpoint_slice_tracker.h"

#include <set>

#include "controllers/endpointslice/slice_plan.h"
#include "kubecpp/controller/read_your_writes.h"

namespace kube::controllers::endpointslice {
ObjectKey EndpointSliceTracker::ServiceOf(const api::discovery::v1::EndpointSlice& slice) {
  auto it = slice.metadata.labels.find(std::string(kServiceNameLabel));
  return ObjectKey{slice.metadata.namespace_,
                   it == slice.metadata.labels.end() ? std::string() : it->second};
}

bool EndpointSliceTracker::Has(const api::discovery::v1::EndpointSlice& slice) const {
  std::lock_guard lock(mu_);
  auto service = by_service_.find(ServiceOf(slice));
  return service != by_service_.end() && service->second.contains(slice.metadata.uid);
}

bool EndpointSliceTracker::ShouldSync(const api::discovery::v1::EndpointSlice& slice) const {
  std::lock_guard lock(mu_);
  auto service = by_service_.find(ServiceOf(slice));
  if (service == by_service_.end()) return true;
  auto it = service->second.find(slice.metadata.uid);
  if (it == service->second.end() || it->second.deletion_expected) return true;
  return controller::ResourceVersionOlder(it->second.resource_version,
                                          slice.metadata.resource_version);
}

bool EndpointSliceTracker::StaleSlices(const api::core::v1::Service& service,
                                       const std::vector<SlicePtr>& slices) const {
  std::lock_guard lock(mu_);
  auto tracked = by_service_.find(service.metadata.key());
  if (tracked == by_service_.end()) return false;
  std::set<std::string> present;
  for (const SlicePtr& slice : slices) {
    present.insert(slice->metadata.uid);
    auto it = tracked->second.find(slice->metadata.uid);
    if (it == tracked->second.end()) continue;
    if (it->second.deletion_expected) return true;
    if (controller::ResourceVersionOlder(slice->metadata.resource_version,
                                         it->second.resource_version)) {
      return true;
    }
  }
  for (const auto& [uid, written] : tracked->second) {
    if (!written.deletion_expected && !present.contains(uid)) return true;
  }
  return false;
}

void EndpointSliceTracker::Update(const api::discovery::v1::EndpointSlice& slice) {
  std::lock_guard lock(mu_);
  by_service_[ServiceOf(slice)][slice.metadata.uid] =
      Written{slice.metadata.resource_version, false};
}

void EndpointSliceTracker::ExpectDeletion(const api::discovery::v1::EndpointSlice& slice) {
  std::lock_guard lock(mu_);
  by_service_[ServiceOf(slice)][slice.metadata.uid] = Written{std::string(), true};
}

bool EndpointSliceTracker::HandleDeletion(const api::discovery::v1::EndpointSlice& slice) {
  std::lock_guard lock(mu_);
  auto service = by_service_.find(ServiceOf(slice));
  if (service == by_service_.end()) return true;
  auto it = service->second.find(slice.metadata.uid);
  if (it == service->second.end()) return true;
  const bool expected = it->second.deletion_expected;
  service->second.erase(it);
  return !expected;
}

void EndpointSliceTracker::DeleteService(const ObjectKey& service) {
  std::lock_guard lock(mu_);
  by_service_.erase(service);
}

}  // namespace kube::controllers::endpointslice
