#include "controllers/podsim/scheduling.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "kubecpp/core/json.h"
#include "kubecpp/core/quantity.h"

namespace kube::controllers::podsim {
namespace {

using api::core::v1::Container;
using api::core::v1::Pod;

// The request of `name` in `requests`, if present.
std::optional<Quantity> Find(const std::map<std::string, Quantity>* requests,
                             std::string_view name) {
  if (requests == nullptr) return std::nullopt;
  auto it = requests->find(std::string(name));
  if (it == requests->end()) return std::nullopt;
  return it->second;
}

Resources ContainerRequests(const Container& c, bool non_zero) {
  const std::map<std::string, Quantity>* requests = nullptr;
  if (c.resources && c.resources->requests) requests = &*c.resources->requests;
  Resources out;
  if (auto cpu = Find(requests, "cpu")) {
    out.milli_cpu = cpu->MilliValue();
  } else if (non_zero) {
    out.milli_cpu = kDefaultMilliCpuRequest;
  }
  if (auto memory = Find(requests, "memory")) {
    out.memory = memory->Value();
  } else if (non_zero) {
    out.memory = kDefaultMemoryRequest;
  }
  return out;
}

// spec.overhead (not modelled by the typed PodSpec: read from its unknown fields).
Resources Overhead(const Pod& pod) {
  Resources out;
  if (!pod.spec || pod.spec->unknown_fields.empty()) return out;
  const Json& spec = pod.spec->unknown_fields.value();
  auto overhead = spec.find("overhead");
  if (overhead == spec.end() || !overhead->is_object()) return out;
  auto read = [&](std::string_view name) -> std::optional<Quantity> {
    auto it = overhead->find(std::string(name));
    if (it == overhead->end() || !it->is_string()) return std::nullopt;
    auto q = Quantity::Parse(it->get<std::string>());
    if (!q.ok()) return std::nullopt;
    return *q;
  };
  if (auto cpu = read("cpu")) out.milli_cpu = cpu->MilliValue();
  if (auto memory = read("memory")) out.memory = memory->Value();
  return out;
}

Resources Requests(const Pod& pod, bool non_zero) {
  Resources sum;
  if (!pod.spec) return sum;
  for (const Container& c : pod.spec->containers) sum += ContainerRequests(c, non_zero);
  if (pod.spec->init_containers) {
    for (const Container& c : *pod.spec->init_containers) {
      Resources init = ContainerRequests(c, non_zero);
      sum.milli_cpu = std::max(sum.milli_cpu, init.milli_cpu);
      sum.memory = std::max(sum.memory, init.memory);
    }
  }
  sum += Overhead(pod);
  return sum;
}

int64_t LeastRequested(int64_t requested, int64_t capacity) {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) * 100 / capacity;
}

}  // namespace

Resources PodRequests(const Pod& pod) { return Requests(pod, /*non_zero=*/false); }

Resources NonZeroPodRequests(const Pod& pod) { return Requests(pod, /*non_zero=*/true); }

std::vector<std::string> FitFailures(const Resources& request, const NodeUsage& node) {
  std::vector<std::string> reasons;
  if (node.pods + 1 > node.allowed_pods) reasons.emplace_back("Too many pods");
  if (request.milli_cpu > 0 &&
      request.milli_cpu > node.allocatable.milli_cpu - node.requested.milli_cpu) {
    reasons.emplace_back("Insufficient cpu");
  }
  if (request.memory > 0 && request.memory > node.allocatable.memory - node.requested.memory) {
    reasons.emplace_back("Insufficient memory");
  }
  return reasons;
}

int64_t LeastAllocatedScore(const Resources& non_zero_request, const NodeUsage& node) {
  const int64_t cpu = LeastRequested(node.non_zero_requested.milli_cpu + non_zero_request.milli_cpu,
                                     node.allocatable.milli_cpu);
  const int64_t memory = LeastRequested(node.non_zero_requested.memory + non_zero_request.memory,
                                        node.allocatable.memory);
  return (cpu + memory) / 2;
}

std::string FitErrorMessage(int num_nodes, const std::map<std::string, int>& reasons) {
  if (num_nodes == 0) return "no nodes available to schedule pods";
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reasons) {
    parts.push_back(std::to_string(count) + " " + reason);
  }
  std::sort(parts.begin(), parts.end());
  std::string message = "0/" + std::to_string(num_nodes) + " nodes are available:";
  if (parts.empty()) return message + ".";
  message += " ";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) message += ", ";
    message += parts[i];
  }
  return message + ".";
}

}  // namespace kube::controllers::podsim
