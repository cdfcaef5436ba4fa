// The EndpointSlice controller against the in-process fake apiserver: scenarios
// C85-C94 of docs/k8s-semantics.md (the EndpointSlice side), with the B4.5 invariants
// checked after every scenario, plus the slice planner on its own.
#include "controllers/endpointslice/endpointslice_controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpoints/internal/test_cluster.h"
#include "controllers/endpointslice/slice_plan.h"
#include "kubecpp/client/api.h"
#include "kubecpp/metrics/registry.h"

namespace kube::controllers::endpointslice {
namespace {

using api::core::v1::Pod;
using api::core::v1::Service;
using api::discovery::v1::Endpoint;
using api::discovery::v1::EndpointSlice;
using endpoints::testing::ContainerPortSpec;
using endpoints::testing::PodOptions;
using endpoints::testing::ServiceOptions;
using endpoints::testing::TestCluster;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr int kMax = 100;

class EndpointSliceControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_.CreateNode("node-1", "zone-a"); }
  void TearDown() override {
    // B4.5: the invariants hold for every service the scenario touched.
    for (const auto& name : checked_services_) {
      std::string violations;
      bool ok = TestCluster::WaitFor([&] { return (violations = Violations(name)).empty(); });
      EXPECT_TRUE(ok) << "service " << name << ": " << violations;
    }
    Stop();
  }

  void Start(int max = kMax) {
    max_ = max;
    auto c = EndpointSliceController::New(
        cluster_.client(), informers_,
        {.workers = 2, .max_endpoints_per_slice = max, .metrics_registry = &registry_});
    ASSERT_TRUE(c.ok()) << c.error();
    controller_ = std::move(*c);
    informers_.Start(stop_.get_token());
    runner_ = std::jthread([this](std::stop_token st) { run_status_ = controller_->Run(st); });
    ASSERT_TRUE(TestCluster::WaitFor([&] { return controller_->controller().started(); }));
  }
  void Stop() {
    if (runner_.joinable()) {
      runner_.request_stop();
      runner_.join();
      EXPECT_TRUE(run_status_.ok()) << run_status_;
    }
    stop_.request_stop();
  }

  Service CreateService(const ServiceOptions& o) {
    checked_services_.push_back(o.name);
    Service out;
    EXPECT_TRUE(FromJson(cluster_.CreateService(o).object(), &out).ok());
    return out;
  }

  std::vector<EndpointSlice> Slices(const std::string& service) {
    auto list = slices_.List({.label_selector = std::string(kServiceNameLabel) + "=" + service});
    if (!list) return {};
    return list->items;
  }
  // Waits until the service's slices satisfy `ok`; returns them.
  std::vector<EndpointSlice> WaitSlices(
      const std::string& service,
      const std::function<bool(const std::vector<EndpointSlice>&)>& ok) {
    std::vector<EndpointSlice> last;
    bool done = TestCluster::WaitFor([&] {
      last = Slices(service);
      return ok(last);
    });
    EXPECT_TRUE(done) << "slices of " << service << " never reached the expected state";
    return last;
  }
  // Waits until every slice of the service together holds `n` endpoints.
  std::vector<EndpointSlice> WaitEndpointCount(const std::string& service, size_t n) {
    return WaitSlices(service, [n](const std::vector<EndpointSlice>& slices) {
      size_t total = 0;
      for (const auto& s : slices) total += s.endpoints.size();
      return total == n && !slices.empty();
    });
  }
  // Makes sure the controller has processed everything queued before.
  void Barrier() {
    static int n = 0;
    ServiceOptions o;
    o.name = "barrier-" + std::to_string(++n);
    o.selector = std::map<std::string, std::string>{{"barrier", o.name}};
    CreateService(o);
    WaitSlices(o.name, [](const auto& slices) { return slices.size() == 1; });
  }

  // B4.5's invariants for `service`, checked against the pods in the apiserver; ""
  // when they hold, else what is wrong.
  std::string Violations(const std::string& name) {
    std::ostringstream out;
    auto svc = client::Api<Service>(cluster_.client(), "default").Get(name);
    if (!svc) return "";  // deleted: the garbage collector's business
    if (!endpoints::ServiceSelectsPods(*svc)) {
      if (!Slices(name).empty()) out << "slices for a service that selects nothing; ";
      return out.str();
    }
    auto pods = client::Api<Pod>(cluster_.client(), "default").List();
    auto nodes = client::Api<api::core::v1::Node>(cluster_.client(), "").List();
    if (!pods || !nodes) return "list failed";
    std::set<std::string> node_names;
    for (const auto& n : nodes->items) node_names.insert(n.metadata.name);
    const bool publish = svc->spec->publish_not_ready_addresses.value_or(false);
    const std::vector<EndpointSlice> slices = Slices(name);
    for (const std::string& type : AddressTypesFor(*svc)) {
      // Desired: pod name -> port map key.
      std::map<std::string, std::string> desired;
      for (const auto& pod : pods->items) {
        if (!endpoints::SelectorMatches(*svc, pod.metadata.labels)) continue;
        if (!endpoints::ShouldPodBeInEndpoints(pod, true)) continue;
        if (!publish && !node_names.contains(pod.spec->node_name.value_or(""))) continue;
        bool has_address = false;
        for (const auto& ip : endpoints::PodIps(pod)) {
          if (endpoints::IsIpv6(ip) == (type == "IPv6")) has_address = true;
        }
        if (has_address) desired[pod.metadata.name] = PortMapKey(EndpointPortsFor(*svc, pod));
      }
      std::map<std::string, int> seen;
      int of_type = 0;
      const EndpointSlice* last = nullptr;
      for (const auto& slice : slices) {
        if (slice.address_type.ToString() != type) continue;
        ++of_type;
        last = &slice;
        if (slice.endpoints.size() > static_cast<size_t>(max_)) {
          out << slice.metadata.name << " has " << slice.endpoints.size() << " endpoints; ";
        }
        const std::string key =
            PortMapKey(slice.ports.value_or(std::vector<api::discovery::v1::EndpointPort>{}));
        for (const auto& ep : slice.endpoints) {
          const std::string pod = ep.target_ref ? ep.target_ref->name.value_or("") : "";
          ++seen[pod];
          auto it = desired.find(pod);
          if (it == desired.end()) {
            out << "undesired endpoint " << pod << " in " << slice.metadata.name << "; ";
          } else if (it->second != key) {
            out << pod << " in a slice with ports " << key << " instead of " << it->second << "; ";
          }
        }
        if (slice.metadata.owner_references.size() != 1 ||
            slice.metadata.owner_references[0].uid != svc->metadata.uid) {
          out << slice.metadata.name << " not owned by the service; ";
        }
      }
      for (const auto& [pod, key] : desired) {
        if (seen[pod] != 1) out << pod << " appears " << seen[pod] << " times; ";
      }
      if (desired.empty()) {
        if (of_type != 1 || !last->endpoints.empty() ||
            !last->ports.value_or(std::vector<api::discovery::v1::EndpointPort>{}).empty()) {
          out << "no single empty placeholder of type " << type << " (" << of_type << " slices); ";
        }
      }
    }
    return out.str();
  }

  TestCluster cluster_;
  client::Api<EndpointSlice> slices_{cluster_.client(), "default"};
  metrics::Registry registry_;
  cache::InformerFactory informers_{cluster_.client()};
  std::unique_ptr<EndpointSliceController> controller_;
  std::stop_source stop_;
  std::jthread runner_;
  Status run_status_;
  int max_ = kMax;
  std::vector<std::string> checked_services_;
};

PodOptions WebPod(const std::string& name, const std::string& ip, bool ready = true) {
  PodOptions o;
  o.name = name;
  o.ip = ip;
  o.ready = ready;
  return o;
}

const Endpoint* Find(const std::vector<EndpointSlice>& slices, const std::string& pod) {
  for (const auto& s : slices) {
    for (const auto& ep : s.endpoints) {
      if (ep.target_ref && ep.target_ref->name == pod) return &ep;
    }
  }
  return nullptr;
}

// {ready, serving, terminating} of the pod's endpoint.
std::vector<bool> Conditions(const std::vector<EndpointSlice>& slices, const std::string& pod) {
  const Endpoint* ep = Find(slices, pod);
  if (ep == nullptr || !ep->conditions) return {};
  return {ep->conditions->ready.value_or(false), ep->conditions->serving.value_or(false),
          ep->conditions->terminating.value_or(false)};
}

TEST_F(EndpointSliceControllerTest, C85_OneSliceWithReadyEndpointsOwnedByTheService) {
  Start();
  std::map<std::string, std::string> uids;
  for (int i = 1; i <= 3; ++i) {
    auto pod =
        cluster_.CreatePod(WebPod("web-" + std::to_string(i), "10.0.0." + std::to_string(i)));
    uids[pod.name()] = pod.uid();
  }
  ServiceOptions o;
  o.labels = {{"tier", "frontend"}};
  Service svc = CreateService(o);

  auto slices = WaitEndpointCount("web", 3);
  ASSERT_EQ(slices.size(), 1u);
  const EndpointSlice& slice = slices[0];
  EXPECT_THAT(slice.metadata.name, StartsWith("web-"));
  EXPECT_EQ(slice.metadata.generate_name, "web-");
  EXPECT_EQ(slice.metadata.labels,
            (std::map<std::string, std::string>{
                {"tier", "frontend"},
                {"kubernetes.io/service-name", "web"},
                {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}}));
  EXPECT_EQ(slice.address_type.ToString(), "IPv4");
  ASSERT_EQ(slice.metadata.owner_references.size(), 1u);
  const OwnerReference& owner = slice.metadata.owner_references[0];
  EXPECT_EQ(owner.api_version, "v1");
  EXPECT_EQ(owner.kind, "Service");
  EXPECT_EQ(owner.name, "web");
  EXPECT_EQ(owner.uid, svc.metadata.uid);
  EXPECT_EQ(owner.controller, true);
  EXPECT_EQ(owner.block_owner_deletion, true);
  ASSERT_TRUE(slice.ports);
  ASSERT_EQ(slice.ports->size(), 1u);
  EXPECT_EQ(slice.ports->front().port, 8080);
  EXPECT_EQ(slice.ports->front().protocol->ToString(), "TCP");
  for (const auto& [pod, uid] : uids) {
    const Endpoint* ep = Find(slices, pod);
    ASSERT_NE(ep, nullptr) << pod;
    EXPECT_EQ(Conditions(slices, pod), (std::vector<bool>{true, true, false})) << pod;
    EXPECT_EQ(ep->target_ref->kind, "Pod");
    EXPECT_EQ(ep->target_ref->uid, uid);
    EXPECT_EQ(ep->node_name, "node-1");
    EXPECT_EQ(ep->zone, "zone-a");
  }
  EXPECT_TRUE(slice.metadata.annotations.contains(
      std::string(endpoints::kLastChangeTriggerTimeAnnotation)));
}

TEST_F(EndpointSliceControllerTest, C86_NotReadyPodStaysNotReadyAndNotServing) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  CreateService(ServiceOptions{});
  WaitEndpointCount("web", 2);
  cluster_.SetPodReady("web-2", false);
  auto slices = WaitSlices("web", [](const auto& s) {
    return !Conditions(s, "web-2").empty() && !Conditions(s, "web-2")[0];
  });
  EXPECT_EQ(Conditions(slices, "web-2"), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(Conditions(slices, "web-1"), (std::vector<bool>{true, true, false}));
}

TEST_F(EndpointSliceControllerTest, C87_TerminatingPodStaysServingUntilGone) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  CreateService(ServiceOptions{});
  WaitEndpointCount("web", 2);
  auto pods = cluster_.Api(endpoints::testing::kPodsRef);
  ASSERT_TRUE(pods.Delete("web-2").ok());  // graceful: stays with a deletionTimestamp
  auto slices = WaitSlices("web", [](const auto& s) {
    return Conditions(s, "web-2") == std::vector<bool>{false, true, true};
  });
  EXPECT_EQ(Conditions(slices, "web-1"), (std::vector<bool>{true, true, false}));
  ASSERT_TRUE(pods.Delete("web-2", {.grace_period_seconds = 0}).ok());
  WaitSlices("web", [](const auto& s) { return Find(s, "web-2") == nullptr && Find(s, "web-1"); });
}

TEST_F(EndpointSliceControllerTest, C87_PublishNotReadyAddressesMarksTerminatingPodReady) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2", /*ready=*/false));
  ServiceOptions o;
  o.publish_not_ready = true;
  CreateService(o);
  WaitEndpointCount("web", 2);
  ASSERT_TRUE(cluster_.Api(endpoints::testing::kPodsRef).Delete("web-1").ok());
  auto slices = WaitSlices("web", [](const auto& s) {
    return Conditions(s, "web-1") == std::vector<bool>{true, true, true};
  });
  EXPECT_EQ(Conditions(slices, "web-2"), (std::vector<bool>{true, false, false}));
}

TEST_F(EndpointSliceControllerTest, C88_250PodsSpreadOverSlicesOfAtMost100) {
  Start();
  for (int i = 0; i < 250; ++i) {
    cluster_.CreatePod(WebPod("web-" + std::to_string(i),
                              "10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200)));
  }
  CreateService(ServiceOptions{});
  auto slices = WaitEndpointCount("web", 250);
  EXPECT_EQ(slices.size(), 3u);
  for (const auto& s : slices) EXPECT_LE(s.endpoints.size(), 100u);
}

TEST_F(EndpointSliceControllerTest, MaxEndpointsPerSliceIsConfigurable) {
  Start(/*max=*/10);
  CreateService(ServiceOptions{});
  for (int i = 0; i < 25; ++i)
    cluster_.CreatePod(WebPod("web-" + std::to_string(i), "10.0.0." + std::to_string(i + 1)));
  auto slices = WaitEndpointCount("web", 25);
  for (const auto& s : slices) EXPECT_LE(s.endpoints.size(), 10u);
  EXPECT_GE(slices.size(), 3u);
}

TEST_F(EndpointSliceControllerTest, OptionsOutOfRangeAreRejected) {
  for (int max : {0, 1001}) {
    auto c = EndpointSliceController::New(
        cluster_.client(), informers_,
        {.max_endpoints_per_slice = max, .metrics_registry = &registry_});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code(), Code::kInvalid);
  }
}

TEST_F(EndpointSliceControllerTest, C89_NamedTargetPortGroupsPodsByResolvedPort) {
  Start();
  PodOptions a = WebPod("a", "10.0.0.1");
  a.ports = {ContainerPortSpec{.name = "http", .port = 8080}};
  PodOptions b = WebPod("b", "10.0.0.2");
  b.ports = {ContainerPortSpec{.name = "http", .port = 9090}};
  PodOptions c = WebPod("c", "10.0.0.3");
  for (const auto& p : {a, b, c}) cluster_.CreatePod(p);
  ServiceOptions o;
  o.ports = {ServiceOptions::Port{.name = "web", .port = 80, .target_port = "http"}};
  CreateService(o);

  auto slices = WaitEndpointCount("web", 3);
  ASSERT_EQ(slices.size(), 3u);
  std::map<std::string, std::vector<int32_t>> ports_by_pod;
  for (const auto& s : slices) {
    ASSERT_EQ(s.endpoints.size(), 1u);
    std::vector<int32_t> ports;
    for (const auto& p : s.ports.value_or(std::vector<api::discovery::v1::EndpointPort>{})) {
      ports.push_back(p.port.value_or(0));
      EXPECT_EQ(p.name, "web");
    }
    ports_by_pod[s.endpoints[0].target_ref->name.value_or("")] = ports;
  }
  EXPECT_EQ(ports_by_pod,
            (std::map<std::string, std::vector<int32_t>>{{"a", {8080}}, {"b", {9090}}, {"c", {}}}));
}

TEST_F(EndpointSliceControllerTest, C90_HeadlessServiceWithoutPortsHasHeadlessLabelAndHostnames) {
  Start();
  PodOptions h = WebPod("web-1", "10.0.0.1");
  h.hostname = "h";
  h.subdomain = "web";
  cluster_.CreatePod(h);
  ServiceOptions o;
  o.headless = true;
  o.ports = {};
  CreateService(o);
  auto slices = WaitEndpointCount("web", 1);
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].metadata.labels.at("service.kubernetes.io/headless"), "");
  EXPECT_EQ(slices[0].endpoints[0].hostname, "h");
  // `ports: []` on the wire.
  auto raw = cluster_.Api(endpoints::testing::kSlicesRef).Get(slices[0].metadata.name);
  ASSERT_TRUE(raw.ok());
  const Json* ports = raw->Get({"ports"});
  ASSERT_NE(ports, nullptr);
  EXPECT_EQ(*ports, Json::array());
}

TEST_F(EndpointSliceControllerTest, C91_ServiceWithoutPodsGetsOnePlaceholder) {
  Start();
  CreateService(ServiceOptions{});
  auto slices = WaitSlices("web", [](const auto& s) { return s.size() == 1; });
  EXPECT_TRUE(slices[0].endpoints.empty());
  Barrier();
  EXPECT_EQ(Slices("web").size(), 1u);
}

TEST_F(EndpointSliceControllerTest, ServiceThatStopsSelectingConvergesToThePlaceholder) {
  Start();
  for (int i = 1; i <= 3; ++i)
    cluster_.CreatePod(WebPod("web-" + std::to_string(i), "10.0.0." + std::to_string(i)));
  CreateService(ServiceOptions{});
  auto before = WaitEndpointCount("web", 3);
  auto services = cluster_.Api(endpoints::testing::kServicesRef);
  auto svc = *services.Get("web");
  svc.Set({"spec", "selector"}, Json{{"app", "nothing"}});
  ASSERT_TRUE(services.Update(svc).ok());
  auto after =
      WaitSlices("web", [](const auto& s) { return s.size() == 1 && s[0].endpoints.empty(); });
  // The slice was updated in place, not replaced.
  EXPECT_EQ(after[0].metadata.name, before[0].metadata.name);
}

TEST_F(EndpointSliceControllerTest, C92_SelectorlessAndExternalNameServicesGetNoSlices) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  ServiceOptions manual;
  manual.name = "manual";
  manual.selector = std::nullopt;
  CreateService(manual);
  ServiceOptions external;
  external.name = "external";
  external.external_name = true;
  CreateService(external);
  Barrier();
  EXPECT_TRUE(Slices("manual").empty());
  EXPECT_TRUE(Slices("external").empty());
}

TEST_F(EndpointSliceControllerTest, C93_SlicesAreLeftToTheGarbageCollectorWhenTheServiceGoes) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  Service svc = CreateService(ServiceOptions{});
  auto slices = WaitEndpointCount("web", 1);
  ASSERT_EQ(slices[0].metadata.owner_references.size(), 1u);
  EXPECT_EQ(slices[0].metadata.owner_references[0].uid, svc.metadata.uid);
  EXPECT_EQ(slices[0].metadata.owner_references[0].controller, true);
  ASSERT_TRUE(cluster_.Api(endpoints::testing::kServicesRef).Delete("web").ok());
  Barrier();
  // No garbage collector runs here: the slice stays, and nothing new is created.
  auto now = Slices("web");
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].metadata.resource_version, slices[0].metadata.resource_version);
}

TEST_F(EndpointSliceControllerTest, C94_PodOnAnUnknownNodeIsSkippedUntilTheNodeExists) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  PodOptions lost = WebPod("web-2", "10.0.0.2");
  lost.node = "node-2";
  cluster_.CreatePod(lost);
  CreateService(ServiceOptions{});
  auto slices = WaitEndpointCount("web", 1);
  EXPECT_NE(Find(slices, "web-1"), nullptr);
  EXPECT_EQ(Find(slices, "web-2"), nullptr);
  cluster_.CreateNode("node-2", "zone-b");
  slices = WaitEndpointCount("web", 2);
  ASSERT_NE(Find(slices, "web-2"), nullptr);
  EXPECT_EQ(Find(slices, "web-2")->zone, "zone-b");
}

TEST_F(EndpointSliceControllerTest, C94_PublishNotReadyAddressesIncludesPodsOnUnknownNodes) {
  Start();
  PodOptions lost = WebPod("web-1", "10.0.0.1");
  lost.node = "node-9";
  cluster_.CreatePod(lost);
  ServiceOptions o;
  o.publish_not_ready = true;
  CreateService(o);
  auto slices = WaitEndpointCount("web", 1);
  ASSERT_NE(Find(slices, "web-1"), nullptr);
  EXPECT_FALSE(Find(slices, "web-1")->zone);
}

TEST_F(EndpointSliceControllerTest, NodeZoneChangesReachTheEndpoints) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  CreateService(ServiceOptions{});
  WaitEndpointCount("web", 1);
  auto nodes = cluster_.Api(endpoints::testing::kNodesRef, "");
  auto node = *nodes.Get("node-1");
  node.Set({"metadata", "labels", "topology.kubernetes.io/zone"}, Json("zone-z"));
  ASSERT_TRUE(nodes.Update(node).ok());
  WaitSlices("web", [](const auto& s) {
    const Endpoint* ep = Find(s, "web-1");
    return ep != nullptr && ep->zone == "zone-z";
  });
}

TEST_F(EndpointSliceControllerTest, ExternalEditsAndDeletionsAreRepaired) {
  Start();
  for (int i = 1; i <= 3; ++i)
    cluster_.CreatePod(WebPod("web-" + std::to_string(i), "10.0.0." + std::to_string(i)));
  CreateService(ServiceOptions{});
  auto slices = WaitEndpointCount("web", 3);
  // Someone drops an endpoint: it comes back.
  EndpointSlice edited = slices[0];
  edited.endpoints.pop_back();
  ASSERT_TRUE(slices_.Update(edited).ok());
  slices = WaitEndpointCount("web", 3);
  // Someone deletes the slice: the endpoints come back in a slice.
  ASSERT_TRUE(slices_.Delete(slices[0].metadata.name).ok());
  WaitSlices("web", [&](const auto& s) {
    size_t total = 0;
    for (const auto& x : s) total += x.endpoints.size();
    return total == 3 && s.size() == 1 && s[0].metadata.name != slices[0].metadata.name;
  });
}

TEST_F(EndpointSliceControllerTest, PodUpdatesThatDoNotTouchEndpointsCauseNoWrite) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  CreateService(ServiceOptions{});
  const std::string rv = WaitEndpointCount("web", 2)[0].metadata.resource_version;
  auto pods = cluster_.Api(endpoints::testing::kPodsRef);
  auto pod = *pods.Get("web-1");
  pod.Set({"metadata", "annotations"}, Json{{"note", "hello"}});
  auto updated = pods.Update(pod);
  ASSERT_TRUE(updated.ok());
  // The update reached the controller's pod cache (and so its handlers) first.
  auto cache = informers_.For<Pod>();
  ASSERT_TRUE(cache.ok());
  EXPECT_TRUE(TestCluster::WaitFor([&] {
    auto cached = (*cache)->GetIndexer().Get(ObjectKey{"default", "web-1"});
    return cached && cached->metadata.resource_version == updated->resource_version();
  }));
  Barrier();
  EXPECT_EQ(Slices("web")[0].metadata.resource_version, rv);
}

TEST_F(EndpointSliceControllerTest, ChangedPortMapReusesTheSliceName) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  CreateService(ServiceOptions{});
  auto before = WaitEndpointCount("web", 1);
  auto services = cluster_.Api(endpoints::testing::kServicesRef);
  auto svc = *services.Get("web");
  Json ports = *svc.Get({"spec", "ports"});
  ports[0]["targetPort"] = 9090;
  svc.Set({"spec", "ports"}, ports);
  ASSERT_TRUE(services.Update(svc).ok());
  auto after = WaitSlices("web", [](const auto& s) {
    return s.size() == 1 && s[0].ports && s[0].ports->size() == 1 &&
           s[0].ports->front().port == 9090 && s[0].endpoints.size() == 1;
  });
  EXPECT_EQ(after[0].metadata.name, before[0].metadata.name);
  EXPECT_EQ(after[0].metadata.uid, before[0].metadata.uid);
}

TEST_F(EndpointSliceControllerTest, SetupWithManagerRunsTheControllerOnTheLeader) {
  manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &registry_;
  auto mgr = manager::Manager::New(cluster_.server().NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.error();
  ASSERT_TRUE(SetupWithManager(**mgr, {.workers = 1}).ok());
  std::stop_source stop;
  std::thread runner([&] { EXPECT_TRUE((*mgr)->Start(stop.get_token()).ok()); });
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreateService(ServiceOptions{});
  EXPECT_TRUE(TestCluster::WaitFor([&] {
    auto slices = Slices("web");
    return slices.size() == 1 && slices[0].endpoints.size() == 1;
  }));
  stop.request_stop();
  runner.join();
}

// ---- The planner on its own -----------------------------------------------------------

Service PlainService() {
  Service svc;
  EXPECT_TRUE(
      FromJson(
          Json::parse(R"({"metadata": {"name": "web", "namespace": "default", "uid": "svc-uid"},
      "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ipFamilies": ["IPv4"],
               "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}})"),
          &svc)
          .ok());
  return svc;
}

endpoints::PodPtr PlanPod(int i) {
  auto pod = std::make_shared<Pod>();
  EXPECT_TRUE(
      FromJson(Json{{"metadata",
                     {{"name", "p" + std::to_string(i)},
                      {"namespace", "default"},
                      {"uid", "u" + std::to_string(i)}}},
                    {"spec", {{"nodeName", "n"}, {"containers", Json::array({{{"name", "c"}}})}}},
                    {"status",
                     {{"phase", "Running"},
                      {"podIPs", Json::array({{{"ip", "10.1.0." + std::to_string(i)}}})},
                      {"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}}})}}}},
               pod.get())
          .ok());
  return pod;
}

TEST(PlanSlices, LeftoverEndpointsGoToTheUnchangedSliceClosestToFull) {
  const Service svc = PlainService();
  auto node = std::make_shared<api::core::v1::Node>();
  NodeLookup nodes = [&](const std::string&) { return node; };
  std::vector<endpoints::PodPtr> pods;
  for (int i = 0; i < 149; ++i) pods.push_back(PlanPod(i));
  // Existing: slice "a" with 95 of the first 145 pods' endpoints, slice "b" with 50.
  SlicePlan all = PlanSlices(svc, {pods.begin(), pods.begin() + 145}, {}, nodes, 1000);
  ASSERT_EQ(all.create.size(), 1u);
  const std::vector<Endpoint>& eps = all.create[0].endpoints;
  ASSERT_EQ(eps.size(), 145u);
  EndpointSlice a = all.create[0];
  a.metadata.name = "a";
  a.endpoints.assign(eps.begin(), eps.begin() + 95);
  EndpointSlice b = all.create[0];
  b.metadata.name = "b";
  b.endpoints.assign(eps.begin() + 95, eps.end());

  // Four more pods fit into "a" (99 of 100), the closest to full: one update, no create.
  SlicePlan plan = PlanSlices(
      svc, pods, {std::make_shared<EndpointSlice>(a), std::make_shared<EndpointSlice>(b)}, nodes,
      100);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_TRUE(plan.remove.empty());
  ASSERT_EQ(plan.update.size(), 1u);
  EXPECT_EQ(plan.update[0].metadata.name, "a");
  EXPECT_EQ(plan.update[0].endpoints.size(), 99u);

  // Seven more would not fit into "a": they go to "b".
  for (int i = 149; i < 152; ++i) pods.push_back(PlanPod(i));
  plan = PlanSlices(svc, pods,
                    {std::make_shared<EndpointSlice>(a), std::make_shared<EndpointSlice>(b)}, nodes,
                    100);
  ASSERT_EQ(plan.update.size(), 1u);
  EXPECT_EQ(plan.update[0].metadata.name, "b");
  EXPECT_EQ(plan.update[0].endpoints.size(), 57u);
}

TEST(PlanSlices, SlicesBeingUpdatedAreFilledFirstFullestFirst) {
  const Service svc = PlainService();
  auto node = std::make_shared<api::core::v1::Node>();
  NodeLookup nodes = [&](const std::string&) { return node; };
  std::vector<endpoints::PodPtr> pods;
  for (int i = 0; i < 100; ++i) pods.push_back(PlanPod(i));
  SlicePlan all = PlanSlices(svc, pods, {}, nodes, 1000);
  const std::vector<Endpoint>& eps = all.create[0].endpoints;
  // "a" holds 60 (one of them no longer desired), "b" 30 (one no longer desired).
  EndpointSlice a = all.create[0];
  a.metadata.name = "a";
  a.endpoints.assign(eps.begin(), eps.begin() + 60);
  EndpointSlice b = all.create[0];
  b.metadata.name = "b";
  b.endpoints.assign(eps.begin() + 60, eps.begin() + 90);
  std::vector<endpoints::PodPtr> desired;
  for (const auto& pod : pods) {
    if (pod->metadata.name != a.endpoints[0].target_ref->name &&
        pod->metadata.name != b.endpoints[0].target_ref->name) {
      desired.push_back(pod);
    }
  }
  // 10 new endpoints: "a" (59 left) is the fuller one and takes them all.
  SlicePlan plan = PlanSlices(
      svc, desired, {std::make_shared<EndpointSlice>(a), std::make_shared<EndpointSlice>(b)}, nodes,
      100);
  EXPECT_TRUE(plan.create.empty());
  std::map<std::string, size_t> sizes;
  for (const auto& s : plan.update) sizes[s.metadata.name] = s.endpoints.size();
  EXPECT_EQ(sizes, (std::map<std::string, size_t>{{"a", 69}, {"b", 29}}));
}

TEST(PlanSlices, UnchangedStateNeedsNoWrites) {
  const Service svc = PlainService();
  auto node = std::make_shared<api::core::v1::Node>();
  NodeLookup nodes = [&](const std::string&) { return node; };
  std::vector<endpoints::PodPtr> pods;
  for (int i = 0; i < 120; ++i) pods.push_back(PlanPod(i));
  SlicePlan first = PlanSlices(svc, pods, {}, nodes, 100);
  std::vector<SlicePtr> existing;
  int n = 0;
  for (auto s : first.create) {
    s.metadata.name = "s" + std::to_string(n++);
    existing.push_back(std::make_shared<EndpointSlice>(s));
  }
  SlicePlan again = PlanSlices(svc, pods, existing, nodes, 100);
  EXPECT_TRUE(again.create.empty());
  EXPECT_TRUE(again.update.empty());
  EXPECT_TRUE(again.remove.empty());
}

TEST(AddressTypesFor, FollowsFamiliesThenClusterIpThenBothForHeadless) {
  struct Case {
    std::string spec;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {R"({"ipFamilies": ["IPv6", "IPv4"], "clusterIP": "fd00::1"})", {"IPv4", "IPv6"}},
      {R"({"clusterIP": "fd00::10"})", {"IPv6"}},
      {R"({"clusterIP": "10.0.0.10"})", {"IPv4"}},
      {R"({"clusterIP": "None"})", {"IPv4", "IPv6"}},
  };
  for (const auto& c : cases) {
    Service svc;
    ASSERT_TRUE(
        FromJson(Json{{"metadata", {{"name", "s"}}}, {"spec", Json::parse(c.spec)}}, &svc).ok());
    EXPECT_EQ(AddressTypesFor(svc), c.want) << c.spec;
  }
}

}  // namespace
}  // namespace kube::controllers::endpointslice
