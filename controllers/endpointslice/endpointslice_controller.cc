#include "controllers/endpointslice/endpointslice_controller.h"

#include <string>
#include <utility>
#include <vector>

#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpoints/trigger_time_tracker.h"
#include "controllers/endpointslice/endpoint_slice_tracker.h"
#include "controllers/endpointslice/slice_plan.h"
#include "kubecpp/client/api.h"
#include "kubecpp/controller/source.h"

namespace kube::controllers::endpointslice {

using api::core::v1::Node;
using api::core::v1::Pod;
using api::core::v1::Service;
using api::discovery::v1::EndpointSlice;

namespace {

bool ManagedByUs(const EndpointSlice& slice) {
  auto it = slice.metadata.labels.find(std::string(kManagedByLabel));
  return it != slice.metadata.labels.end() && it->second == kManagedBy;
}

std::string ZoneOf(const Node& node) {
  auto it = node.metadata.labels.find(std::string(endpoints::kZoneLabel));
  return it == node.metadata.labels.end() ? std::string() : it->second;
}

void SetTriggerTime(EndpointSlice* slice, Time trigger_time) {
  const std::string key(endpoints::kLastChangeTriggerTimeAnnotation);
  if (trigger_time.IsZero()) {
    slice->metadata.annotations.erase(key);
  } else {
    slice->metadata.annotations[key] = trigger_time.ToString();
  }
}

}  // namespace

// The reconciler: one sync of one service (B4).
class EndpointSliceSyncer final : public controller::Reconciler {
 public:
  EndpointSliceSyncer(client::Client* client, int max_endpoints_per_slice,
                      std::shared_ptr<cache::Informer<Service>> services,
                      std::shared_ptr<cache::Informer<Pod>> pods,
                      std::shared_ptr<cache::Informer<Node>> nodes,
                      std::shared_ptr<cache::Informer<EndpointSlice>> slices)
      : client_(client),
        max_endpoints_per_slice_(max_endpoints_per_slice),
        services_(std::move(services)),
        pods_(std::move(pods)),
        nodes_(std::move(nodes)),
        slices_(std::move(slices)) {}

  Result<controller::Action> Reconcile(const controller::Request& request) override {
    KUBE_RETURN_IF_ERROR(Sync(request.key, request.stop));
    return controller::Action::Done();
  }

  Status Sync(const ObjectKey& key, std::stop_token stop) {
    auto service = services_->GetIndexer().Get(key);
    if (!service) {
      // The garbage collector deletes the slices through their ownerReference.
      trigger_times_.DeleteService(key);
      tracker_.DeleteService(key);
      return Status();
    }
    if (!endpoints::ServiceSelectsPods(*service)) return Status();

    const std::vector<endpoints::PodPtr> pods =
        endpoints::PodsForService(pods_->GetIndexer(), *service);
    std::vector<SlicePtr> slices;
    auto in_namespace = slices_->GetIndexer().ByIndex(cache::kNamespaceIndex, key.namespace_);
    if (!in_namespace) return in_namespace.error();
    for (auto& slice : *in_namespace) {
      auto name = slice->metadata.labels.find(std::string(kServiceNameLabel));
      if (name == slice->metadata.labels.end() || name->second != key.name) continue;
      if (!ManagedByUs(*slice) || slice->metadata.IsBeingDeleted()) continue;
      slices.push_back(std::move(slice));
    }
    if (tracker_.StaleSlices(*service, slices)) {
      return Status(Code::kUnavailable, "EndpointSlice informer cache is out of date");
    }
    const Time trigger_time = trigger_times_.Compute(*service, pods);
    SlicePlan plan = PlanSlices(
        *service, pods, slices,
        [this](const std::string& name) { return nodes_->GetIndexer().Get(name); },
        max_endpoints_per_slice_);

    client::Api<EndpointSlice> api(client_, key.namespace_);
    client::WriteOptions write;
    write.field_manager = std::string(kFieldManager);
    for (EndpointSlice& slice : plan.create) {
      SetTriggerTime(&slice, trigger_time);
      auto created = api.Create(slice, write, stop);
      if (!created) {
        // Creates in a terminating namespace keep failing: drop the item.
        if (endpoints::IsNamespaceTerminating(created.error())) return Status();
        return std::move(created).error().Annotate("creating an EndpointSlice for " +
                                                   key.ToString());
      }
      tracker_.Update(*created);
    }
    for (EndpointSlice& slice : plan.update) {
      SetTriggerTime(&slice, trigger_time);
      auto updated = api.Update(slice, write, stop);
      if (!updated) {
        return std::move(updated).error().Annotate("updating EndpointSlice " + slice.metadata.name);
      }
      tracker_.Update(*updated);
    }
    for (const EndpointSlice& slice : plan.remove) {
      Status s = api.Delete(slice.metadata.name, {}, stop);
      if (IsNotFound(s)) continue;
      KUBE_RETURN_IF_ERROR(s.Annotate("deleting EndpointSlice " + slice.metadata.name));
      tracker_.ExpectDeletion(slice);
    }
    if (!plan.skipped_pods.empty()) {
      return Status(Code::kUnavailable, "pod " + plan.skipped_pods.front() + " of service " +
                                            key.ToString() + " is on a node not yet known");
    }
    return Status();
  }

  EndpointSliceTracker& tracker() { return tracker_; }

 private:
  client::Client* const client_;
  const int max_endpoints_per_slice_;
  const std::shared_ptr<cache::Informer<Service>> services_;
  const std::shared_ptr<cache::Informer<Pod>> pods_;
  const std::shared_ptr<cache::Informer<Node>> nodes_;
  const std::shared_ptr<cache::Informer<EndpointSlice>> slices_;
  EndpointSliceTracker tracker_;
  endpoints::TriggerTimeTracker trigger_times_;
};

Result<std::unique_ptr<EndpointSliceController>> EndpointSliceController::New(
    client::Client* client, cache::InformerFactory& informers, Options options) {
  if (options.max_endpoints_per_slice < 1 || options.max_endpoints_per_slice > 1000) {
    return Status(Code::kInvalid, "max_endpoints_per_slice must be between 1 and 1000, got " +
                                      std::to_string(options.max_endpoints_per_slice));
  }
  auto services = informers.For<Service>();
  if (!services) return std::move(services).error();
  auto pods = informers.For<Pod>();
  if (!pods) return std::move(pods).error();
  auto nodes = informers.For<Node>();
  if (!nodes) return std::move(nodes).error();
  auto slices = informers.For<EndpointSlice>();
  if (!slices) return std::move(slices).error();

  std::unique_ptr<EndpointSliceController> out(new EndpointSliceController());
  out->syncer_ = std::make_shared<EndpointSliceSyncer>(client, options.max_endpoints_per_slice,
                                                       *services, *pods, *nodes, *slices);
  auto c = controller::Controller::New(
      controller::ControllerOptions{.name = std::string(kControllerName),
                                    .max_concurrent_reconciles = options.workers,
                                    .cache_sync_timeout = options.cache_sync_timeout,
                                    .clock = options.clock,
                                    .metrics_registry = options.metrics_registry},
      out->syncer_);
  if (!c) return std::move(c).error();
  out->controller_ = std::move(*c);

  auto service_cache = *services;
  // Services: the service itself.
  out->controller_->Watch(std::make_unique<controller::KindSource<Service>>(
      *services, controller::EnqueueRequestForObject<Service>(),
      std::vector<controller::Predicate<Service>>{}, /*primary=*/true));
  // Pods: every service selecting the pod, on changes that matter to endpoints.
  out->controller_->Watch(std::make_unique<controller::KindSource<Pod>>(
      *pods,
      [service_cache](const Pod& pod) {
        return endpoints::ServicesForPod(service_cache->GetIndexer(), pod);
      },
      std::vector{endpoints::PodEndpointsChangedPredicate()}));
  // Nodes: a node appearing, going or changing zone may change any service's slices.
  out->controller_->Watch(std::make_unique<controller::KindSource<Node>>(
      *nodes,
      [service_cache](const Node&) {
        return endpoints::AllSelectingServices(service_cache->GetIndexer());
      },
      std::vector{controller::Predicate<Node>{
          .update = [](const Node& a, const Node& b) { return ZoneOf(a) != ZoneOf(b); }}}));
  // Slices: changes this controller did not make (the tracker knows its own).
  EndpointSliceTracker* tracker = &out->syncer_->tracker();
  out->controller_->Watch(std::make_unique<controller::KindSource<EndpointSlice>>(
      *slices,
      [](const EndpointSlice& slice) {
        std::vector<ObjectKey> keys;
        auto it = slice.metadata.labels.find(std::string(kServiceNameLabel));
        if (it != slice.metadata.labels.end()) {
          keys.push_back(ObjectKey{slice.metadata.namespace_, it->second});
        }
        return keys;
      },
      std::vector{controller::Predicate<EndpointSlice>{
          .create =
              [tracker](const EndpointSlice& s) {
                return ManagedByUs(s) && tracker->ShouldSync(s);
              },
          .update =
              [tracker](const EndpointSlice& a, const EndpointSlice& b) {
                return ManagedByUs(a) != ManagedByUs(b) ||
                       (ManagedByUs(b) && tracker->ShouldSync(b));
              },
          .delete_ =
              [tracker](const EndpointSlice& s) {
                return ManagedByUs(s) && (!tracker->Has(s) || tracker->HandleDeletion(s));
              },
      }}));
  return out;
}

EndpointSliceController::~EndpointSliceController() = default;

Status EndpointSliceController::Run(std::stop_token stop) { return controller_->Run(stop); }

Status SetupWithManager(manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  if (options.metrics_registry == nullptr) options.metrics_registry = &mgr.metrics_registry();
  auto c = EndpointSliceController::New(mgr.client(), mgr.informers(), options);
  if (!c) return std::move(c).error();
  std::shared_ptr<EndpointSliceController> shared = std::move(*c);
  return mgr.Add(manager::RunnableFunc(
      std::string(kControllerName), [shared](std::stop_token stop) { return shared->Run(stop); }));
}

}  // namespace kube::controllers::endpointslice
