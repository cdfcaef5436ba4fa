#include "controllers/endpoints/subsets.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "kubecpp/core/json.h"

namespace kube::controllers::endpoints {
namespace {

using api::core::v1::EndpointAddress;
using api::core::v1::EndpointPort;
using api::core::v1::EndpointSubset;

// An address's identity: IP and targetRef uid.
using AddressKey = std::pair<std::string, std::string>;
// A port's identity and canonical order: name, number, protocol, appProtocol.
using PortKey = std::tuple<std::string, int32_t, std::string, std::optional<std::string>>;

constexpr int32_t kNoPort = -1;  // the sentinel of a port-less subset

AddressKey KeyOf(const EndpointAddress& address) {
  std::string uid;
  if (address.target_ref && address.target_ref->uid) uid = *address.target_ref->uid;
  return {address.ip, uid};
}

PortKey KeyOf(const EndpointPort& port) {
  return {port.name.value_or(""), port.port,
          port.protocol ? std::string(port.protocol->ToString()) : std::string("TCP"),
          port.app_protocol};
}

template <typename T>
const std::vector<T>& OrEmpty(const std::optional<std::vector<T>>& list) {
  static const std::vector<T> kEmpty;
  return list ? *list : kEmpty;
}

template <typename T>
std::optional<std::vector<T>> NonEmpty(std::vector<T> list) {
  if (list.empty()) return std::nullopt;
  return list;
}

EndpointSubset Normalized(EndpointSubset subset) {
  for (auto* list : {&subset.addresses, &subset.not_ready_addresses}) {
    if (list->has_value() && (*list)->empty()) list->reset();
    if (!list->has_value()) continue;
    for (auto& address : **list) {
      if (address.target_ref) address.target_ref->resource_version.reset();
    }
  }
  if (subset.ports && subset.ports->empty()) subset.ports.reset();
  return subset;
}

}  // namespace

std::vector<EndpointSubset> RepackSubsets(const std::vector<EndpointSubset>& subsets) {
  // Each port (or the port-less sentinel) with the addresses offering it and whether
  // each is ready there.
  struct PortEntry {
    EndpointPort port;
    std::map<AddressKey, bool> addresses;
  };
  std::map<AddressKey, EndpointAddress> all_addresses;
  std::map<PortKey, PortEntry> by_port;
  auto add = [&](const EndpointAddress& address, const EndpointPort& port, bool ready) {
    const AddressKey key = KeyOf(address);
    all_addresses.try_emplace(key, address);
    PortEntry& entry = by_port.try_emplace(KeyOf(port), PortEntry{port, {}}).first->second;
    auto [it, inserted] = entry.addresses.try_emplace(key, ready);
    if (!inserted && !it->second) it->second = ready;
  };
  for (const EndpointSubset& subset : subsets) {
    std::vector<EndpointPort> ports = OrEmpty(subset.ports);
    if (ports.empty()) {
      EndpointPort sentinel;
      sentinel.port = kNoPort;
      ports.push_back(sentinel);
    }
    for (const EndpointPort& port : ports) {
      for (const auto& address : OrEmpty(subset.addresses)) add(address, port, true);
      for (const auto& address : OrEmpty(subset.not_ready_addresses)) add(address, port, false);
    }
  }

  // Ports offered by exactly the same addresses (with the same readiness) share a
  // subset. by_port iterates in PortKey order, so each group's ports come out sorted.
  struct Group {
    const std::map<AddressKey, bool>* addresses;
    std::vector<EndpointPort> ports;
  };
  std::map<std::vector<std::pair<AddressKey, bool>>, Group> groups;
  for (const auto& [key, entry] : by_port) {
    std::vector<std::pair<AddressKey, bool>> signature(entry.addresses.begin(),
                                                       entry.addresses.end());
    Group& group =
        groups.try_emplace(std::move(signature), Group{&entry.addresses, {}}).first->second;
    if (entry.port.port != kNoPort) group.ports.push_back(entry.port);
  }

  std::vector<EndpointSubset> out;
  for (auto& [signature, group] : groups) {
    std::vector<EndpointAddress> ready;
    std::vector<EndpointAddress> not_ready;
    for (const auto& [key, is_ready] : *group.addresses) {  // sorted by IP, then uid
      (is_ready ? ready : not_ready).push_back(all_addresses.at(key));
    }
    EndpointSubset subset;
    subset.addresses = NonEmpty(std::move(ready));
    subset.not_ready_addresses = NonEmpty(std::move(not_ready));
    subset.ports = NonEmpty(std::move(group.ports));
    out.push_back(std::move(subset));
  }
  // Subsets in a canonical order: by their serialized form.
  std::vector<std::pair<std::string, EndpointSubset>> keyed;
  for (auto& subset : out) {
    Json j;
    ToJson(subset, &j);
    keyed.emplace_back(j.dump(), std::move(subset));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.clear();
  for (auto& [key, subset] : keyed) out.push_back(std::move(subset));
  return out;
}

size_t CountAddresses(const std::vector<EndpointSubset>& subsets) {
  size_t n = 0;
  for (const auto& subset : subsets) {
    n += OrEmpty(subset.addresses).size() + OrEmpty(subset.not_ready_addresses).size();
  }
  return n;
}

bool TruncateSubsets(std::vector<EndpointSubset>* subsets, size_t max) {
  size_t total_ready = 0;
  size_t total_not_ready = 0;
  for (const auto& subset : *subsets) {
    total_ready += OrEmpty(subset.addresses).size();
    total_not_ready += OrEmpty(subset.not_ready_addresses).size();
  }
  if (total_ready + total_not_ready <= max) return false;

  // Cut the not-ready addresses to the room left by the ready ones, or, when the
  // ready ones alone are too many, cut those and drop every not-ready address.
  const bool truncate_ready = total_ready > max;
  const size_t room = truncate_ready ? max : max - total_ready;
  const size_t num_total = truncate_ready ? total_ready : total_not_ready;
  size_t can_be_added = room;
  for (auto& subset : *subsets) {
    auto& list = truncate_ready ? subset.addresses : subset.not_ready_addresses;
    const size_t in_subset = OrEmpty(list).size();
    // Each subset's share is rounded up; the last ones get what is left.
    auto share =
        static_cast<size_t>(std::ceil(static_cast<double>(in_subset) /
                                      static_cast<double>(num_total) * static_cast<double>(room)));
    share = std::min(share, can_be_added);
    if (list && list->size() > share) list->resize(share);
    if (list && list->empty()) list.reset();
    if (truncate_ready) subset.not_ready_addresses.reset();
    can_be_added -= OrEmpty(list).size();
  }
  return true;
}

bool SubsetsEqual(const std::vector<EndpointSubset>& a, const std::vector<EndpointSubset>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Normalized(a[i]) != Normalized(b[i])) return false;
  }
  return true;
}

}  // namespace kube::controllers::endpoints
