#include "controllers/endpoints/endpoints_controller.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controllers/common/pod_util.h"
#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpoints/subsets.h"
#include "controllers/endpoints/trigger_time_tracker.h"
#include "kubecpp/client/api.h"
#include "kubecpp/controller/source.h"

namespace kube::controllers::endpoints {

using api::core::v1::EndpointAddress;
using api::core::v1::EndpointPort;
using api::core::v1::Endpoints;
using api::core::v1::EndpointSubset;
using api::core::v1::Pod;
using api::core::v1::Service;

namespace {

// The address of `pod` for the service's IP family (B3 step 5), or nullopt.
std::optional<EndpointAddress> AddressFor(const Service& service, const Pod& pod) {
  const std::vector<std::string> ips = PodIps(pod);
  bool ipv6 = false;
  const auto& spec = service.spec;
  if (spec && spec->ip_families && !spec->ip_families->empty()) {
    ipv6 = spec->ip_families->front().value() == api::core::v1::ServiceSpecIpFamilies::kIPv6;
  } else if (spec && spec->cluster_ip && !spec->cluster_ip->empty() && !IsHeadless(service)) {
    ipv6 = IsIpv6(*spec->cluster_ip);
  } else if (!ips.empty()) {
    ipv6 = IsIpv6(ips.front());  // headless without families: the primary pod IP's
  }
  for (const std::string& ip : ips) {
    if (IsIpv6(ip) != ipv6) continue;
    EndpointAddress address;
    address.ip = ip;
    if (pod.spec && pod.spec->node_name && !pod.spec->node_name->empty()) {
      address.node_name = pod.spec->node_name;
    }
    api::core::v1::ObjectReference ref;
    ref.kind = "Pod";
    ref.namespace_ = pod.metadata.namespace_;
    ref.name = pod.metadata.name;
    ref.uid = pod.metadata.uid;
    address.target_ref = std::move(ref);
    if (ShouldSetHostname(pod, service)) address.hostname = pod.spec->hostname;
    return address;
  }
  return std::nullopt;
}

std::map<std::string, std::string> DesiredLabels(const Service& service) {
  std::map<std::string, std::string> labels = service.metadata.labels;
  if (IsHeadless(service)) {
    labels[std::string(kHeadlessLabel)] = "";
  } else {
    labels.erase(std::string(kHeadlessLabel));
  }
  return labels;
}

bool IsTruncated(const Endpoints& endpoints) {
  auto it = endpoints.metadata.annotations.find(std::string(kOverCapacityAnnotation));
  return it != endpoints.metadata.annotations.end() && it->second == "truncated";
}

}  // namespace

// The reconciler: one sync of one service (B3 steps 1-10).
class EndpointsSyncer final : public controller::Reconciler {
 public:
  EndpointsSyncer(client::Client* client, std::shared_ptr<cache::Informer<Service>> services,
                  std::shared_ptr<cache::Informer<Pod>> pods,
                  std::shared_ptr<cache::Informer<Endpoints>> endpoints)
      : client_(client),
        services_(std::move(services)),
        pods_(std::move(pods)),
        endpoints_(std::move(endpoints)) {}

  Result<controller::Action> Reconcile(const controller::Request& request) override {
    KUBE_RETURN_IF_ERROR(Sync(request.key, request.stop));
    return controller::Action::Done();
  }

  Status Sync(const ObjectKey& key, std::stop_token stop) {
    client::Api<Endpoints> api(client_, key.namespace_);
    auto service = services_->GetIndexer().Get(key);
    if (!service) {
      // Step 1: the service is gone; so go its Endpoints.
      trigger_times_.DeleteService(key);
      Status s = api.Delete(key.name, {}, stop);
      return IsNotFound(s) ? Status() : s;
    }
    // Step 2: ExternalName and selector-less services are not ours.
    if (!ServiceSelectsPods(*service)) return Status();

    const bool publish_not_ready = service->spec->publish_not_ready_addresses.value_or(false);
    const std::vector<PodPtr> pods = PodsForService(pods_->GetIndexer(), *service);
    const Time trigger_time = trigger_times_.Compute(*service, pods);
    const std::vector<api::core::v1::ServicePort> no_ports;
    const auto& service_ports = service->spec->ports ? *service->spec->ports : no_ports;

    // Steps 3-7: one subset per pod and port.
    std::vector<EndpointSubset> subsets;
    auto add = [&](const EndpointAddress& address, bool ready, std::optional<EndpointPort> port) {
      EndpointSubset subset;
      (ready ? subset.addresses : subset.not_ready_addresses) = std::vector{address};
      if (port) subset.ports = std::vector{std::move(*port)};
      subsets.push_back(std::move(subset));
    };
    for (const PodPtr& pod : pods) {
      if (!ShouldPodBeInEndpoints(*pod, publish_not_ready)) continue;
      std::optional<EndpointAddress> address = AddressFor(*service, *pod);
      if (!address) continue;
      const bool ready = publish_not_ready || IsPodReady(*pod);
      if (service_ports.empty()) {
        if (IsHeadless(*service)) add(*address, ready, std::nullopt);
        continue;
      }
      for (const auto& service_port : service_ports) {
        std::optional<int32_t> number = FindPort(*pod, service_port);
        if (!number) continue;
        EndpointPort port;
        if (service_port.name && !service_port.name->empty()) port.name = service_port.name;
        port.port = *number;
        port.protocol =
            api::core::v1::EndpointPortProtocol::FromString(ServicePortProtocol(service_port));
        port.app_protocol = service_port.app_protocol;
        add(*address, ready, std::move(port));
      }
    }
    // Step 8 and the cap of step 10.
    subsets = RepackSubsets(subsets);
    const bool truncated = TruncateSubsets(&subsets, kMaxEndpointsAddresses);
    const std::map<std::string, std::string> labels = DesiredLabels(*service);

    // Step 9: nothing to do when the object is already as desired. A stale cache
    // makes the write below fail (AlreadyExists, Conflict) and the sync retry.
    auto current = endpoints_->GetIndexer().Get(key);
    if (current &&
        SubsetsEqual(current->subsets.value_or(std::vector<EndpointSubset>{}), subsets) &&
        current->metadata.labels == labels && IsTruncated(*current) == truncated) {
      return Status();
    }

    // Step 10: write.
    Endpoints desired;
    if (current) {
      desired = *current;
    } else {
      desired.metadata.name = key.name;
      desired.metadata.namespace_ = key.namespace_;
    }
    desired.subsets = subsets.empty() ? std::nullopt : std::optional(std::move(subsets));
    desired.metadata.labels = labels;
    auto& annotations = desired.metadata.annotations;
    if (!trigger_time.IsZero()) {
      annotations[std::string(kLastChangeTriggerTimeAnnotation)] = trigger_time.ToString();
    } else {
      annotations.erase(std::string(kLastChangeTriggerTimeAnnotation));
    }
    if (truncated) {
      annotations[std::string(kOverCapacityAnnotation)] = "truncated";
    } else {
      annotations.erase(std::string(kOverCapacityAnnotation));
    }
    client::WriteOptions write;
    write.field_manager = std::string(kFieldManager);
    auto written = current ? api.Update(desired, write, stop) : api.Create(desired, write, stop);
    // Creates in a terminating namespace keep failing: drop the item.
    if (!written && !(!current && IsNamespaceTerminating(written.error()))) {
      return std::move(written).error();
    }
    return Status();
  }

  const std::shared_ptr<cache::Informer<Service>>& services() const { return services_; }
  const std::shared_ptr<cache::Informer<Pod>>& pods() const { return pods_; }
  const std::shared_ptr<cache::Informer<Endpoints>>& endpoints() const { return endpoints_; }

 private:
  client::Client* const client_;
  const std::shared_ptr<cache::Informer<Service>> services_;
  const std::shared_ptr<cache::Informer<Pod>> pods_;
  const std::shared_ptr<cache::Informer<Endpoints>> endpoints_;
  TriggerTimeTracker trigger_times_;
};

Result<std::unique_ptr<EndpointsController>> EndpointsController::New(
    client::Client* client, cache::InformerFactory& informers, Options options) {
  auto services = informers.For<Service>();
  if (!services) return std::move(services).error();
  auto pods = informers.For<Pod>();
  if (!pods) return std::move(pods).error();
  auto endpoints = informers.For<Endpoints>();
  if (!endpoints) return std::move(endpoints).error();

  std::unique_ptr<EndpointsController> out(new EndpointsController());
  out->cache_sync_timeout_ = options.cache_sync_timeout;
  out->syncer_ = std::make_shared<EndpointsSyncer>(client, *services, *pods, *endpoints);
  auto c = controller::Controller::New(
      controller::ControllerOptions{.name = std::string(kControllerName),
                                    .max_concurrent_reconciles = options.workers,
                                    .cache_sync_timeout = options.cache_sync_timeout,
                                    .clock = options.clock,
                                    .metrics_registry = options.metrics_registry},
      out->syncer_);
  if (!c) return std::move(c).error();
  out->controller_ = std::move(*c);

  // Services: the service itself.
  out->controller_->Watch(std::make_unique<controller::KindSource<Service>>(
      *services, controller::EnqueueRequestForObject<Service>(),
      std::vector<controller::Predicate<Service>>{}, /*primary=*/true));
  // Pods: every service selecting the pod (old and new labels), on changes that
  // matter to endpoints.
  auto service_cache = *services;
  out->controller_->Watch(std::make_unique<controller::KindSource<Pod>>(
      *pods,
      [service_cache](const Pod& pod) { return ServicesForPod(service_cache->GetIndexer(), pod); },
      std::vector{PodEndpointsChangedPredicate()}));
  // Endpoints deleted by someone else are put back.
  out->controller_->Watch(std::make_unique<controller::KindSource<Endpoints>>(
      *endpoints, controller::EnqueueRequestForObject<Endpoints>(),
      std::vector{controller::Predicate<Endpoints>{
          .create = [](const Endpoints&) { return false; },
          .update = [](const Endpoints&, const Endpoints&) { return false; },
      }}));
  return out;
}

EndpointsController::~EndpointsController() = default;

Status EndpointsController::Run(std::stop_token stop) {
  for (Status s : {syncer_->services()->WaitForSync(stop, cache_sync_timeout_),
                   syncer_->pods()->WaitForSync(stop, cache_sync_timeout_),
                   syncer_->endpoints()->WaitForSync(stop, cache_sync_timeout_)}) {
    if (s.code() == Code::kCancelled) return Status();
    KUBE_RETURN_IF_ERROR(s);
  }
  // B3 step 11: leftovers of services deleted while no controller ran.
  for (const auto& endpoints : syncer_->endpoints()->GetIndexer().List()) {
    if (endpoints->metadata.annotations.contains(std::string(kLeaderAnnotation))) continue;
    controller_->Enqueue(endpoints->metadata.key());
  }
  return controller_->Run(stop);
}

Status SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  if (options.metrics_registry == nullptr) options.metrics_registry = &mgr.metrics_registry();
  auto c = EndpointsController::New(mgr.client(), mgr.informers(), options);
  if (!c) return std::move(c).error();
  std::shared_ptr<EndpointsController> shared = std::move(*c);
  return mgr.Add(manager::RunnableFunc(
      std::string(kControllerName), [shared](std::stop_token stop) { return shared->Run(stop); }));
}

}  // namespace kube::controllers::endpoints
