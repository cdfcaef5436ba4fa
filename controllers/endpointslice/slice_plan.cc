#include "controllers/endpointslice/slice_plan.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "controllers/common/pod_util.h"
#include "kubecpp/core/validation.h"

namespace kube::controllers::endpointslice {

using api::core::v1::Pod;
using api::core::v1::Service;
using api::discovery::v1::Endpoint;
using api::discovery::v1::EndpointPort;
using api::discovery::v1::EndpointSlice;
using api::discovery::v1::EndpointSliceAddressType;
using endpoints::PodPtr;

namespace {

// Desired endpoints of one port map, by EndpointKey (ordered, so plans are
// deterministic).
struct PortMapGroup {
  std::vector<EndpointPort> ports;
  std::map<std::string, Endpoint> endpoints;
};

bool IsServiceIpSet(const Service& service) {
  return service.spec && service.spec->cluster_ip && !service.spec->cluster_ip->empty() &&
         *service.spec->cluster_ip != "None";
}

// The prefix of generated slice names: "<service>-", or "<service>" when that is not
// a valid name prefix (upstream getEndpointSlicePrefix).
std::string GenerateNameFor(const std::string& service) {
  std::string prefix = service + "-";
  std::string masked = service + "a";  // a trailing '-' is fine in a prefix
  return IsDns1123Subdomain(masked).empty() ? prefix : service;
}

std::optional<bool> Flag(const Endpoint& e,
                         std::optional<bool> api::discovery::v1::EndpointConditions::*f) {
  if (!e.conditions) return std::nullopt;
  return (*e.conditions).*f;
}

// Whether two endpoints with the same key differ in what is not part of the key.
bool EqualBeyondKey(const Endpoint& a, const Endpoint& b) {
  using C = api::discovery::v1::EndpointConditions;
  return a.node_name == b.node_name && a.zone == b.zone &&
         Flag(a, &C::ready) == Flag(b, &C::ready) && Flag(a, &C::serving) == Flag(b, &C::serving) &&
         Flag(a, &C::terminating) == Flag(b, &C::terminating) && a.hints == b.hints &&
         a.target_ref == b.target_ref;
}

Endpoint PodToEndpoint(const Pod& pod, const api::core::v1::Node* node, const Service& service,
                       const std::string& address_type) {
  Endpoint ep;
  for (const std::string& ip : endpoints::PodIps(pod)) {
    if (endpoints::IsIpv6(ip) == (address_type == "IPv6")) ep.addresses.push_back(ip);
  }
  const bool serving = IsPodReady(pod);
  const bool terminating = pod.metadata.IsBeingDeleted();
  const bool publish = service.spec && service.spec->publish_not_ready_addresses.value_or(false);
  api::discovery::v1::EndpointConditions conditions;
  conditions.ready = publish || (serving && !terminating);
  conditions.serving = serving;
  conditions.terminating = terminating;
  ep.conditions = conditions;
  api::core::v1::ObjectReference ref;
  ref.kind = "Pod";
  ref.namespace_ = pod.metadata.namespace_;
  ref.name = pod.metadata.name;
  ref.uid = pod.metadata.uid;
  ep.target_ref = std::move(ref);
  if (pod.spec && pod.spec->node_name && !pod.spec->node_name->empty()) {
    ep.node_name = pod.spec->node_name;
  }
  if (node != nullptr) {
    auto zone = node->metadata.labels.find(std::string(endpoints::kZoneLabel));
    if (zone != node->metadata.labels.end() && !zone->second.empty()) ep.zone = zone->second;
  }
  if (endpoints::ShouldSetHostname(pod, service)) ep.hostname = pod.spec->hostname;
  return ep;
}

EndpointSlice NewSlice(const Service& service, const std::string& address_type,
                       const std::vector<EndpointPort>& ports) {
  EndpointSlice slice;
  slice.metadata.generate_name = GenerateNameFor(service.metadata.name);
  slice.metadata.namespace_ = service.metadata.namespace_;
  OwnerReference owner;
  owner.api_version = "v1";
  owner.kind = "Service";
  owner.name = service.metadata.name;
  owner.uid = service.metadata.uid;
  owner.controller = true;
  owner.block_owner_deletion = true;
  slice.metadata.owner_references.push_back(std::move(owner));
  slice.metadata.labels = SliceLabels(service);
  slice.address_type = EndpointSliceAddressType::FromString(address_type);
  slice.ports = ports;
  return slice;
}

const std::vector<EndpointPort>& PortsOf(const EndpointSlice& slice) {
  static const std::vector<EndpointPort> kNone;
  return slice.ports ? *slice.ports : kNone;
}

// The placeholder a service with no endpoints of an address type keeps (upstream
// placeholderSliceCompare: namespace, labels, address type, no endpoints, no ports).
bool IsPlaceholderFor(const EndpointSlice& slice, const EndpointSlice& placeholder) {
  return slice.metadata.namespace_ == placeholder.metadata.namespace_ &&
         slice.metadata.labels == placeholder.metadata.labels &&
         slice.address_type == placeholder.address_type && slice.endpoints.empty() &&
         PortsOf(slice).empty();
}

// B4.5 steps 1-3 for one port map; appends to the plan.
void PlanPortMap(const Service& service, const std::string& address_type,
                 const std::vector<EndpointSlice>& existing, PortMapGroup desired, size_t max,
                 std::vector<EndpointSlice>* create, std::vector<EndpointSlice>* update,
                 std::vector<EndpointSlice>* remove) {
  const std::map<std::string, std::string> labels = SliceLabels(service);
  std::map<std::string, EndpointSlice> by_name;
  std::set<std::string> unchanged, to_update, to_remove;

  // 1. Keep the endpoints still desired (in their desired version).
  for (const EndpointSlice& slice : existing) {
    std::vector<Endpoint> kept;
    bool changed = false;
    for (const Endpoint& ep : slice.endpoints) {
      auto it = desired.endpoints.find(EndpointKey(ep));
      if (it == desired.endpoints.end()) continue;
      if (!EqualBeyondKey(it->second, ep)) changed = true;
      kept.push_back(std::move(it->second));
      desired.endpoints.erase(it);
    }
    EndpointSlice copy = slice;
    if (changed || kept.size() != slice.endpoints.size()) {
      if (kept.empty()) {
        to_remove.insert(slice.metadata.name);
      } else {
        copy.endpoints = std::move(kept);
        copy.metadata.labels = labels;
        to_update.insert(slice.metadata.name);
      }
    } else if (slice.metadata.labels != labels) {
      copy.metadata.labels = labels;
      to_update.insert(slice.metadata.name);
    } else {
      unchanged.insert(slice.metadata.name);
    }
    by_name[slice.metadata.name] = std::move(copy);
  }

  auto fill = [&](EndpointSlice* slice) {
    while (!desired.endpoints.empty() && slice->endpoints.size() < max) {
      auto first = desired.endpoints.begin();
      slice->endpoints.push_back(std::move(first->second));
      desired.endpoints.erase(first);
    }
  };

  // 2. Fill the slices that are written anyway, fullest first.
  if (!desired.endpoints.empty() && !to_update.empty()) {
    std::vector<EndpointSlice*> slices;
    for (const auto& name : to_update) slices.push_back(&by_name[name]);
    std::stable_sort(slices.begin(), slices.end(), [](const auto* a, const auto* b) {
      return a->endpoints.size() > b->endpoints.size();
    });
    for (EndpointSlice* slice : slices) fill(slice);
  }

  // 3. The rest: into the unchanged slice closest to full after taking them all, or
  // into new slices.
  while (!desired.endpoints.empty()) {
    EndpointSlice* target = nullptr;
    if (desired.endpoints.size() < max && !unchanged.empty()) {
      size_t closest = max;
      for (const auto& name : unchanged) {
        EndpointSlice& slice = by_name[name];
        const size_t total = desired.endpoints.size() + slice.endpoints.size();
        if (total <= max && max - total < closest) {
          closest = max - total;
          target = &slice;
        }
      }
    }
    if (target == nullptr) {
      EndpointSlice fresh = NewSlice(service, address_type, desired.ports);
      fill(&fresh);
      create->push_back(std::move(fresh));
      continue;
    }
    fill(target);
    unchanged.erase(target->metadata.name);
    to_update.insert(target->metadata.name);
  }

  for (const auto& name : to_update) update->push_back(std::move(by_name[name]));
  for (const auto& name : to_remove) remove->push_back(std::move(by_name[name]));
}

// B4.2-B4.6 for one address type; appends to `plan`.
void PlanAddressType(const Service& service, const std::vector<PodPtr>& pods,
                     const std::vector<SlicePtr>& existing, const std::string& address_type,
                     const NodeLookup& nodes, size_t max, SlicePlan* plan) {
  std::vector<EndpointSlice> create, update, remove;
  std::map<std::string, std::vector<EndpointSlice>> existing_by_port_map;
  for (const SlicePtr& slice : existing) {
    if (OwnedBy(*slice, service)) {
      existing_by_port_map[PortMapKey(PortsOf(*slice))].push_back(*slice);
    } else {
      remove.push_back(*slice);  // a previous service's of the same name
    }
  }

  // B4.3: the desired endpoints by port map.
  const bool publish = service.spec->publish_not_ready_addresses.value_or(false);
  std::map<std::string, PortMapGroup> desired;
  for (const PodPtr& pod : pods) {
    if (!endpoints::ShouldPodBeInEndpoints(*pod, /*include_terminating=*/true)) continue;
    std::vector<EndpointPort> ports = EndpointPortsFor(service, *pod);
    PortMapGroup& group = desired[PortMapKey(ports)];
    group.ports = std::move(ports);
    const std::string node_name = pod->spec ? pod->spec->node_name.value_or("") : "";
    std::shared_ptr<const api::core::v1::Node> node = nodes ? nodes(node_name) : nullptr;
    if (!node && !publish) {
      if (std::find(plan->skipped_pods.begin(), plan->skipped_pods.end(), pod->metadata.name) ==
          plan->skipped_pods.end()) {
        plan->skipped_pods.push_back(pod->metadata.name);
      }
      continue;
    }
    Endpoint ep = PodToEndpoint(*pod, node.get(), service, address_type);
    if (!ep.addresses.empty()) group.endpoints[EndpointKey(ep)] = std::move(ep);
  }

  for (auto& [key, group] : desired) {
    auto it = existing_by_port_map.find(key);
    PlanPortMap(service, address_type,
                it == existing_by_port_map.end() ? std::vector<EndpointSlice>{} : it->second,
                std::move(group), max, &create, &update, &remove);
  }
  // 4. Port maps no longer desired.
  for (auto& [key, slices] : existing_by_port_map) {
    if (desired.contains(key)) continue;
    for (auto& slice : slices) remove.push_back(std::move(slice));
  }
  // 5. Nothing left: keep (or create) a placeholder.
  if (existing.size() == remove.size() && create.empty()) {
    EndpointSlice placeholder = NewSlice(service, address_type, {});
    if (remove.size() == 1 && IsPlaceholderFor(remove.front(), placeholder)) {
      remove.clear();
    } else {
      create.push_back(std::move(placeholder));
    }
  }
  // 6. Turn creates into updates of slices that would be deleted.
  for (size_t i = 0; i < remove.size() && !create.empty();) {
    const EndpointSlice& doomed = remove[i];
    if (doomed.address_type != create.back().address_type || !OwnedBy(doomed, service)) {
      ++i;
      continue;
    }
    EndpointSlice reused = std::move(create.back());
    create.pop_back();
    reused.metadata.name = doomed.metadata.name;
    reused.metadata.generate_name = doomed.metadata.generate_name;
    reused.metadata.resource_version = doomed.metadata.resource_version;
    reused.metadata.uid = doomed.metadata.uid;
    reused.metadata.annotations = doomed.metadata.annotations;
    update.push_back(std::move(reused));
    remove.erase(remove.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (service.metadata.IsBeingDeleted()) create.clear();
  for (auto& s : create) plan->create.push_back(std::move(s));
  for (auto& s : update) plan->update.push_back(std::move(s));
  for (auto& s : remove) plan->remove.push_back(std::move(s));
}

}  // namespace

std::vector<std::string> AddressTypesFor(const Service& service) {
  std::set<std::string> types;
  if (service.spec && service.spec->ip_families) {
    for (const auto& family : *service.spec->ip_families) {
      if (family.value() == api::core::v1::ServiceSpecIpFamilies::kIPv4) types.insert("IPv4");
      if (family.value() == api::core::v1::ServiceSpecIpFamilies::kIPv6) types.insert("IPv6");
    }
  }
  if (types.empty() && IsServiceIpSet(service)) {
    types.insert(endpoints::IsIpv6(*service.spec->cluster_ip) ? "IPv6" : "IPv4");
  }
  if (types.empty()) types = {"IPv4", "IPv6"};  // headless without families
  return {types.begin(), types.end()};
}

std::vector<EndpointPort> EndpointPortsFor(const Service& service, const Pod& pod) {
  std::vector<EndpointPort> out;
  if (!service.spec || !service.spec->ports) return out;
  for (const auto& service_port : *service.spec->ports) {
    std::optional<int32_t> number = endpoints::FindPort(pod, service_port);
    if (!number) continue;
    EndpointPort port;
    port.name = service_port.name.value_or("");
    port.port = *number;
    port.protocol = api::discovery::v1::EndpointPortProtocol::FromString(
        endpoints::ServicePortProtocol(service_port));
    port.app_protocol = service_port.app_protocol;
    out.push_back(std::move(port));
  }
  return out;
}

std::string PortMapKey(const std::vector<EndpointPort>& ports) {
  std::vector<std::string> parts;
  for (const auto& port : ports) {
    parts.push_back(port.name.value_or("") + "/" +
                    (port.protocol ? std::string(port.protocol->ToString()) : "TCP") + "/" +
                    std::to_string(port.port.value_or(0)) + "/" +
                    (port.app_protocol ? "=" + *port.app_protocol : "-"));
  }
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const auto& part : parts) key += part + ";";
  return key;
}

std::string EndpointKey(const Endpoint& endpoint) {
  std::vector<std::string> addresses = endpoint.addresses;
  std::sort(addresses.begin(), addresses.end());
  std::string key;
  for (const auto& a : addresses) key += a + ",";
  key += "|" + endpoint.hostname.value_or("") + "|";
  if (endpoint.target_ref) {
    key +=
        endpoint.target_ref->namespace_.value_or("") + "/" + endpoint.target_ref->name.value_or("");
  }
  return key;
}

std::map<std::string, std::string> SliceLabels(const Service& service) {
  std::map<std::string, std::string> labels;
  for (const auto& [key, value] : service.metadata.labels) {
    if (key == kServiceNameLabel || key == kManagedByLabel || key == endpoints::kHeadlessLabel) {
      continue;
    }
    labels[key] = value;
  }
  if (!IsServiceIpSet(service)) labels[std::string(endpoints::kHeadlessLabel)] = "";
  labels[std::string(kServiceNameLabel)] = service.metadata.name;
  labels[std::string(kManagedByLabel)] = std::string(kManagedBy);
  return labels;
}

bool OwnedBy(const EndpointSlice& slice, const Service& service) {
  for (const auto& ref : slice.metadata.owner_references) {
    if (ref.uid == service.metadata.uid && ref.kind == "Service" && ref.api_version == "v1") {
      return true;
    }
  }
  return false;
}

SlicePlan PlanSlices(const Service& service, const std::vector<PodPtr>& pods,
                     const std::vector<SlicePtr>& slices, const NodeLookup& nodes,
                     int max_endpoints_per_slice) {
  SlicePlan plan;
  const size_t max = static_cast<size_t>(std::max(1, max_endpoints_per_slice));
  const std::vector<std::string> types = AddressTypesFor(service);
  std::map<std::string, std::vector<SlicePtr>> by_type;
  for (const SlicePtr& slice : slices) {
    const std::string type(slice->address_type.ToString());
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      plan.remove.push_back(*slice);  // an address type the service no longer has
    } else {
      by_type[type].push_back(slice);
    }
  }
  for (const std::string& type : types) {
    PlanAddressType(service, pods, by_type[type], type, nodes, max, &plan);
  }
  return plan;
}

}  // namespace kube::controllers::endpointslice
