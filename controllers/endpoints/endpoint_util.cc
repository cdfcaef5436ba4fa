#include "controllers/endpoints/endpoint_util.h"

#include <utility>

#include "controllers/common/pod_util.h"

namespace kube::controllers::endpoints {
namespace {

using api::core::v1::Pod;
using api::core::v1::Service;

const std::map<std::string, std::string>* SelectorOf(const Service& service) {
  if (!service.spec || !service.spec->selector || service.spec->selector->empty()) return nullptr;
  return &*service.spec->selector;
}

std::string ContainerPortProtocol(const api::core::v1::ContainerPort& port) {
  return port.protocol ? std::string(port.protocol->ToString()) : "TCP";
}

template <typename T>
const T& OrEmpty(const std::optional<T>& value) {
  static const T kEmpty{};
  return value ? *value : kEmpty;
}

}  // namespace

bool ServiceSelectsPods(const Service& service) {
  if (service.spec && service.spec->type &&
      service.spec->type->value() == api::core::v1::ServiceSpecType::kExternalName) {
    return false;
  }
  return SelectorOf(service) != nullptr;
}

bool IsHeadless(const Service& service) {
  return service.spec && service.spec->cluster_ip && *service.spec->cluster_ip == "None";
}

bool SelectorMatches(const Service& service, const std::map<std::string, std::string>& labels) {
  if (!ServiceSelectsPods(service)) return false;
  for (const auto& [key, value] : *SelectorOf(service)) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::vector<PodPtr> PodsForService(const cache::Indexer<Pod>& pods, const Service& service) {
  std::vector<PodPtr> out;
  if (!ServiceSelectsPods(service)) return out;
  auto in_namespace = pods.ByIndex(cache::kNamespaceIndex, service.metadata.namespace_);
  if (!in_namespace) return out;
  for (auto& pod : *in_namespace) {
    if (SelectorMatches(service, pod->metadata.labels)) out.push_back(std::move(pod));
  }
  return out;
}

std::vector<ObjectKey> ServicesForPod(const cache::Indexer<Service>& services, const Pod& pod) {
  std::vector<ObjectKey> out;
  auto in_namespace = services.ByIndex(cache::kNamespaceIndex, pod.metadata.namespace_);
  if (!in_namespace) return out;
  for (const auto& service : *in_namespace) {
    if (SelectorMatches(*service, pod.metadata.labels)) out.push_back(service->metadata.key());
  }
  return out;
}

std::vector<ObjectKey> AllSelectingServices(const cache::Indexer<Service>& services) {
  std::vector<ObjectKey> out;
  for (const auto& service : services.List()) {
    if (ServiceSelectsPods(*service)) out.push_back(service->metadata.key());
  }
  return out;
}

std::vector<std::string> PodIps(const Pod& pod) {
  std::vector<std::string> out;
  if (!pod.status) return out;
  for (const auto& ip : OrEmpty(pod.status->pod_i_ps)) {
    if (!ip.ip.empty()) out.push_back(ip.ip);
  }
  if (out.empty() && pod.status->pod_ip && !pod.status->pod_ip->empty()) {
    out.push_back(*pod.status->pod_ip);
  }
  return out;
}

bool IsIpv6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

bool ShouldPodBeInEndpoints(const Pod& pod, bool include_terminating) {
  if (IsPodTerminal(pod)) return false;
  if (PodIps(pod).empty()) return false;
  if (!include_terminating && pod.metadata.IsBeingDeleted()) return false;
  return true;
}

bool ShouldSetHostname(const Pod& pod, const Service& service) {
  if (!pod.spec || !pod.spec->hostname || pod.spec->hostname->empty()) return false;
  return pod.spec->subdomain && *pod.spec->subdomain == service.metadata.name &&
         pod.metadata.namespace_ == service.metadata.namespace_;
}

std::string ServicePortProtocol(const api::core::v1::ServicePort& service_port) {
  return service_port.protocol ? std::string(service_port.protocol->ToString()) : "TCP";
}

std::optional<int32_t> FindPort(const Pod& pod, const api::core::v1::ServicePort& service_port) {
  if (!service_port.target_port) return service_port.port;  // the server defaults it to port
  if (service_port.target_port->is_int()) return service_port.target_port->int_value();
  const std::string& name = service_port.target_port->str_value();
  const std::string protocol = ServicePortProtocol(service_port);
  if (!pod.spec) return std::nullopt;
  auto search = [&](const api::core::v1::Container& container) -> std::optional<int32_t> {
    for (const auto& port : OrEmpty(container.ports)) {
      if (port.name && *port.name == name && ContainerPortProtocol(port) == protocol) {
        return port.container_port;
      }
    }
    return std::nullopt;
  };
  for (const auto& container : pod.spec->containers) {
    if (auto port = search(container)) return port;
  }
  for (const auto& container : OrEmpty(pod.spec->init_containers)) {
    if (!container.restart_policy || *container.restart_policy != "Always") continue;
    if (auto port = search(container)) return port;
  }
  return std::nullopt;
}

bool PodEndpointsChanged(const Pod& old_pod, const Pod& new_pod) {
  if (old_pod.metadata.resource_version == new_pod.metadata.resource_version) return false;
  if (old_pod.metadata.labels != new_pod.metadata.labels) return true;
  auto spec_string = [](const Pod& pod, std::optional<std::string> api::core::v1::PodSpec::*f) {
    return pod.spec ? (*pod.spec).*f : std::nullopt;
  };
  using api::core::v1::PodSpec;
  if (spec_string(old_pod, &PodSpec::hostname) != spec_string(new_pod, &PodSpec::hostname) ||
      spec_string(old_pod, &PodSpec::subdomain) != spec_string(new_pod, &PodSpec::subdomain) ||
      spec_string(old_pod, &PodSpec::node_name) != spec_string(new_pod, &PodSpec::node_name)) {
    return true;
  }
  if (old_pod.metadata.deletion_timestamp != new_pod.metadata.deletion_timestamp) return true;
  if (IsPodReady(old_pod) != IsPodReady(new_pod)) return true;
  if (IsPodTerminal(old_pod) != IsPodTerminal(new_pod)) return true;
  return PodIps(old_pod) != PodIps(new_pod);
}

bool IsNamespaceTerminating(const Status& status) {
  if (status.code() != Code::kForbidden) return false;
  for (const auto& cause : status.details().causes) {
    if (cause.reason == "NamespaceTerminating") return true;
  }
  return false;
}

controller::Predicate<Pod> PodEndpointsChangedPredicate() {
  return controller::Predicate<Pod>{.update = [](const Pod& old_pod, const Pod& new_pod) {
    return PodEndpointsChanged(old_pod, new_pod);
  }};
}

}  // namespace kube::controllers::endpoints
