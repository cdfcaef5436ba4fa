// The Endpoints controller against the in-process fake apiserver: scenarios C85-C94
// of docs/k8s-semantics.md (the Endpoints side), plus the pure helpers it is built
// from (repacking, truncation, port resolution, the pod-update filter).
#include "controllers/endpoints/endpoints_controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpoints/internal/test_cluster.h"
#include "controllers/endpoints/subsets.h"
#include "kubecpp/client/api.h"
#include "kubecpp/metrics/registry.h"

namespace kube::controllers::endpoints {
namespace {

using api::core::v1::EndpointAddress;
using api::core::v1::EndpointPort;
using api::core::v1::Endpoints;
using api::core::v1::EndpointSubset;
using api::core::v1::Pod;
using testing::ContainerPortSpec;
using ::testing::ElementsAre;
using testing::PodOptions;
using testing::ServiceOptions;
using testing::TestCluster;
using ::testing::UnorderedElementsAre;

// ---- The controller on the fake apiserver -------------------------------------------

class EndpointsControllerTest : public ::testing::Test {
 protected:
  ~EndpointsControllerTest() override { Stop(); }

  // Starts the informers and the controller (after the test created what should
  // exist at startup, if anything).
  void Start() {
    auto c = EndpointsController::New(cluster_.client(), informers_,
                                      {.workers = 2, .metrics_registry = &registry_});
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

  std::optional<Endpoints> Get(const std::string& name) {
    auto e = endpoints_.Get(name);
    if (!e) return std::nullopt;
    return *e;
  }
  // Waits until Endpoints `name` satisfies `ok`; returns its last state.
  Endpoints WaitEndpoints(const std::string& name,
                          const std::function<bool(const Endpoints&)>& ok) {
    std::optional<Endpoints> last;
    bool done = TestCluster::WaitFor([&] {
      last = Get(name);
      return last && ok(*last);
    });
    EXPECT_TRUE(done) << "Endpoints " << name << " never reached the expected state";
    return last.value_or(Endpoints{});
  }
  // Waits until the controller's pod cache holds `name` at `resource_version` (so
  // the update has reached the controller's handlers before a Barrier).
  void WaitPodCached(const std::string& name, const std::string& resource_version) {
    auto pods = informers_.For<Pod>();
    ASSERT_TRUE(pods.ok());
    EXPECT_TRUE(TestCluster::WaitFor([&] {
      auto pod = (*pods)->GetIndexer().Get(ObjectKey{"default", name});
      return pod && pod->metadata.resource_version == resource_version;
    }));
  }
  // Makes sure the controller has processed everything queued before: creates a
  // service and waits for its Endpoints.
  void Barrier() {
    static int n = 0;
    const std::string name = "barrier-" + std::to_string(++n);
    ServiceOptions o;
    o.name = name;
    o.selector = std::map<std::string, std::string>{{"barrier", name}};
    cluster_.CreateService(o);
    WaitEndpoints(name, [](const Endpoints&) { return true; });
  }

  TestCluster cluster_;
  client::Api<Endpoints> endpoints_{cluster_.client(), "default"};
  metrics::Registry registry_;
  cache::InformerFactory informers_{cluster_.client()};
  std::unique_ptr<EndpointsController> controller_;
  std::stop_source stop_;
  std::jthread runner_;
  Status run_status_;
};

std::vector<std::string> Ips(const std::optional<std::vector<EndpointAddress>>& addresses) {
  std::vector<std::string> out;
  if (addresses) {
    for (const auto& a : *addresses) out.push_back(a.ip);
  }
  return out;
}

size_t ReadyCount(const Endpoints& x) {
  size_t n = 0;
  for (const auto& s : x.subsets.value_or(std::vector<EndpointSubset>{})) {
    n += s.addresses ? s.addresses->size() : 0;
  }
  return n;
}

PodOptions WebPod(const std::string& name, const std::string& ip, bool ready = true) {
  PodOptions o;
  o.name = name;
  o.ip = ip;
  o.ready = ready;
  return o;
}

TEST_F(EndpointsControllerTest, C85_OneSubsetWithTheReadyPodsAndTheTargetPort) {
  Start();
  std::map<std::string, std::string> uids;
  for (int i = 1; i <= 3; ++i) {
    auto pod =
        cluster_.CreatePod(WebPod("web-" + std::to_string(i), "10.0.0." + std::to_string(i)));
    uids[pod.name()] = pod.uid();
  }
  ServiceOptions svc;
  svc.labels = {{"tier", "frontend"}};
  cluster_.CreateService(svc);

  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 3; });
  ASSERT_TRUE(e.subsets);
  ASSERT_EQ(e.subsets->size(), 1u);
  const EndpointSubset& subset = e.subsets->front();
  EXPECT_THAT(Ips(subset.addresses), ElementsAre("10.0.0.1", "10.0.0.2", "10.0.0.3"));
  EXPECT_FALSE(subset.not_ready_addresses);
  for (const auto& a : *subset.addresses) {
    ASSERT_TRUE(a.target_ref);
    EXPECT_EQ(a.target_ref->kind, "Pod");
    EXPECT_EQ(a.target_ref->namespace_, "default");
    EXPECT_EQ(a.target_ref->uid, uids[a.target_ref->name.value_or("")]);
    EXPECT_EQ(a.node_name, "node-1");
  }
  ASSERT_TRUE(subset.ports);
  ASSERT_EQ(subset.ports->size(), 1u);
  EXPECT_EQ(subset.ports->front().port, 8080);
  EXPECT_EQ(subset.ports->front().protocol->ToString(), "TCP");
  EXPECT_EQ(e.metadata.labels, (std::map<std::string, std::string>{{"tier", "frontend"}}));
  EXPECT_TRUE(e.metadata.annotations.contains(std::string(kLastChangeTriggerTimeAnnotation)));
  EXPECT_FALSE(e.metadata.annotations.contains(std::string(kOverCapacityAnnotation)));
}

TEST_F(EndpointsControllerTest, C86_NotReadyPodMovesToNotReadyAddresses) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  cluster_.CreateService(ServiceOptions{});
  WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });

  cluster_.SetPodReady("web-2", false);
  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1; });
  ASSERT_EQ(e.subsets->size(), 1u);
  EXPECT_THAT(Ips(e.subsets->front().addresses), ElementsAre("10.0.0.1"));
  EXPECT_THAT(Ips(e.subsets->front().not_ready_addresses), ElementsAre("10.0.0.2"));

  cluster_.SetPodReady("web-2", true);
  e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });
  EXPECT_FALSE(e.subsets->front().not_ready_addresses);
}

TEST_F(EndpointsControllerTest, C87_TerminatingPodLeavesEndpoints) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  cluster_.CreateService(ServiceOptions{});
  WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });

  // A graceful delete: the pod stays with a deletionTimestamp.
  ASSERT_TRUE(cluster_.Api(testing::kPodsRef).Delete("web-2").ok());
  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1; });
  EXPECT_THAT(Ips(e.subsets->front().addresses), ElementsAre("10.0.0.1"));
  EXPECT_FALSE(e.subsets->front().not_ready_addresses);
  EXPECT_TRUE(cluster_.Api(testing::kPodsRef).Get("web-2").ok());  // still terminating
}

TEST_F(EndpointsControllerTest, C87_PublishNotReadyAddressesKeepsTerminatingAndUnreadyPods) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2", /*ready=*/false));
  ServiceOptions svc;
  svc.publish_not_ready = true;
  cluster_.CreateService(svc);
  WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });

  ASSERT_TRUE(cluster_.Api(testing::kPodsRef).Delete("web-1").ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] {
    auto pod = cluster_.Api(testing::kPodsRef).Get("web-1");
    return pod.ok() && pod->Get({"metadata", "deletionTimestamp"}) != nullptr;
  }));
  Barrier();
  Endpoints e = *Get("web");
  EXPECT_THAT(Ips(e.subsets->front().addresses), ElementsAre("10.0.0.1", "10.0.0.2"));
}

TEST_F(EndpointsControllerTest, C88_250PodsAreAllListed) {
  Start();
  for (int i = 0; i < 250; ++i) {
    cluster_.CreatePod(WebPod("web-" + std::to_string(i),
                              "10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200)));
  }
  cluster_.CreateService(ServiceOptions{});
  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 250; });
  EXPECT_EQ(e.subsets->size(), 1u);
  EXPECT_FALSE(e.metadata.annotations.contains(std::string(kOverCapacityAnnotation)));
}

TEST_F(EndpointsControllerTest, C88_1001PodsAreTruncatedTo1000WithTheOverCapacityAnnotation) {
  Start();
  for (int i = 0; i < 1001; ++i) {
    cluster_.CreatePod(WebPod("web-" + std::to_string(i),
                              "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)));
  }
  cluster_.CreateService(ServiceOptions{});
  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1000; });
  EXPECT_EQ(e.metadata.annotations[std::string(kOverCapacityAnnotation)], "truncated");
  EXPECT_EQ(CountAddresses(*e.subsets), 1000u);

  // Back under capacity: the annotation goes.
  ASSERT_TRUE(cluster_.Api(testing::kPodsRef).Delete("web-0", {.grace_period_seconds = 0}).ok());
  ASSERT_TRUE(cluster_.Api(testing::kPodsRef).Delete("web-1", {.grace_period_seconds = 0}).ok());
  e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 999; });
  EXPECT_FALSE(e.metadata.annotations.contains(std::string(kOverCapacityAnnotation)));
}

TEST_F(EndpointsControllerTest, C89_NamedTargetPortResolvesPerPod) {
  Start();
  PodOptions a = WebPod("a", "10.0.0.1");
  a.ports = {ContainerPortSpec{.name = "http", .port = 8080}};
  PodOptions b = WebPod("b", "10.0.0.2");
  b.ports = {ContainerPortSpec{.name = "http", .port = 9090}};
  PodOptions c = WebPod("c", "10.0.0.3");
  c.ports = {ContainerPortSpec{.name = "metrics", .port = 9100}};
  for (const auto& p : {a, b, c}) cluster_.CreatePod(p);
  ServiceOptions svc;
  svc.ports = {ServiceOptions::Port{.name = "web", .port = 80, .target_port = "http"}};
  cluster_.CreateService(svc);

  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });
  ASSERT_EQ(e.subsets->size(), 2u);
  std::map<int32_t, std::vector<std::string>> by_port;
  for (const auto& s : *e.subsets) {
    ASSERT_EQ(s.ports->size(), 1u);
    EXPECT_EQ(s.ports->front().name, "web");
    by_port[s.ports->front().port] = Ips(s.addresses);
  }
  EXPECT_EQ(by_port, (std::map<int32_t, std::vector<std::string>>{{8080, {"10.0.0.1"}},
                                                                  {9090, {"10.0.0.2"}}}));
}

TEST_F(EndpointsControllerTest, C90_HeadlessServiceWithoutPortsPublishesHostnames) {
  Start();
  PodOptions h = WebPod("web-1", "10.0.0.1");
  h.hostname = "h";
  h.subdomain = "web";
  cluster_.CreatePod(h);
  PodOptions other = WebPod("web-2", "10.0.0.2");
  other.hostname = "x";
  other.subdomain = "elsewhere";
  cluster_.CreatePod(other);
  ServiceOptions svc;
  svc.headless = true;
  svc.ports = {};
  cluster_.CreateService(svc);

  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 2; });
  ASSERT_EQ(e.subsets->size(), 1u);
  EXPECT_FALSE(e.subsets->front().ports);
  std::map<std::string, std::optional<std::string>> hostnames;
  for (const auto& a : *e.subsets->front().addresses) hostnames[a.ip] = a.hostname;
  EXPECT_EQ(hostnames["10.0.0.1"], "h");
  EXPECT_EQ(hostnames["10.0.0.2"], std::nullopt);
  EXPECT_EQ(e.metadata.labels,
            (std::map<std::string, std::string>{{"service.kubernetes.io/headless", ""}}));
}

TEST_F(EndpointsControllerTest, C91_ServiceWithoutMatchingPodsGetsEmptyEndpoints) {
  Start();
  cluster_.CreatePod(WebPod("other", "10.0.0.9"));  // app=web: not selected
  ServiceOptions svc;
  svc.selector = std::map<std::string, std::string>{{"app", "nothing"}};
  cluster_.CreateService(svc);
  Endpoints e = WaitEndpoints("web", [](const Endpoints&) { return true; });
  EXPECT_TRUE(!e.subsets || e.subsets->empty());
}

TEST_F(EndpointsControllerTest, C92_SelectorlessAndExternalNameServicesAreLeftAlone) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  ServiceOptions manual;
  manual.name = "manual";
  manual.selector = std::nullopt;
  cluster_.CreateService(manual);
  Endpoints user;
  user.metadata.name = "manual";
  user.subsets = std::vector<EndpointSubset>{EndpointSubset{}};
  user.subsets->front().addresses = std::vector{EndpointAddress{.ip = "192.168.1.1"}};
  auto created = endpoints_.Create(user);
  ASSERT_TRUE(created.ok()) << created.error();
  ServiceOptions external;
  external.name = "external";
  external.external_name = true;
  cluster_.CreateService(external);
  ServiceOptions empty_selector;
  empty_selector.name = "empty-selector";
  empty_selector.selector = std::map<std::string, std::string>{};
  cluster_.CreateService(empty_selector);

  Barrier();
  auto now = Get("manual");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->metadata.resource_version, created->metadata.resource_version);
  EXPECT_FALSE(Get("external"));
  EXPECT_FALSE(Get("empty-selector"));
}

TEST_F(EndpointsControllerTest, C93_DeletingTheServiceDeletesItsEndpoints) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreateService(ServiceOptions{});
  WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1; });
  ASSERT_TRUE(cluster_.Api(testing::kServicesRef).Delete("web").ok());
  EXPECT_TRUE(TestCluster::WaitFor([&] { return !Get("web"); }));
}

TEST_F(EndpointsControllerTest, PodUpdatesThatDoNotTouchEndpointsCauseNoWrite) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreatePod(WebPod("web-2", "10.0.0.2"));
  cluster_.CreateService(ServiceOptions{});
  const std::string rv = WaitEndpoints("web", [](const Endpoints& x) {
                           return ReadyCount(x) == 2;
                         }).metadata.resource_version;

  // An annotation, a container status and an unrelated label: no endpoint changes.
  auto pods = cluster_.Api(testing::kPodsRef);
  auto pod = *pods.Get("web-1");
  pod.Set({"metadata", "annotations"}, Json{{"note", "hello"}});
  pod.Set({"metadata", "labels", "version"}, Json("v2"));
  ASSERT_TRUE(pods.Update(pod).ok());
  pod = *pods.Get("web-2");
  pod.Set({"status", "containerStatuses"},
          Json::array({{{"name", "app"},
                        {"image", "nginx"},
                        {"imageID", ""},
                        {"ready", true},
                        {"restartCount", 1},
                        {"state", {{"running", Json::object()}}}}}));
  ASSERT_TRUE(pods.UpdateStatus(pod).ok());
  Barrier();
  EXPECT_EQ(Get("web")->metadata.resource_version, rv);

  // A readiness change does write.
  cluster_.SetPodReady("web-1", false);
  WaitEndpoints("web", [&](const Endpoints& x) { return x.metadata.resource_version != rv; });
}

TEST_F(EndpointsControllerTest, ServiceLabelChangesAreMirrored) {
  Start();
  cluster_.CreateService(ServiceOptions{.labels = {{"a", "1"}}});
  WaitEndpoints("web", [](const Endpoints& x) { return x.metadata.labels.contains("a"); });
  auto services = cluster_.Api(testing::kServicesRef);
  auto svc = *services.Get("web");
  svc.set_labels({{"b", "2"}});
  ASSERT_TRUE(services.Update(svc).ok());
  WaitEndpoints("web", [](const Endpoints& x) {
    return x.metadata.labels == std::map<std::string, std::string>{{"b", "2"}};
  });
}

TEST_F(EndpointsControllerTest, EndpointsDeletedBySomeoneElseAreRecreated) {
  Start();
  cluster_.CreatePod(WebPod("web-1", "10.0.0.1"));
  cluster_.CreateService(ServiceOptions{});
  auto first = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1; });
  ASSERT_TRUE(endpoints_.Delete("web").ok());
  WaitEndpoints("web", [&](const Endpoints& x) {
    return x.metadata.uid != first.metadata.uid && ReadyCount(x) == 1;
  });
}

TEST_F(EndpointsControllerTest, LeftoverEndpointsOfDeletedServicesGoOnStartup) {
  Endpoints ghost;
  ghost.metadata.name = "ghost";
  ASSERT_TRUE(endpoints_.Create(ghost).ok());
  Endpoints leader;
  leader.metadata.name = "kube-controller-manager";
  leader.metadata.annotations = {{std::string(kLeaderAnnotation), "{}"}};
  ASSERT_TRUE(endpoints_.Create(leader).ok());
  Start();
  EXPECT_TRUE(TestCluster::WaitFor([&] { return !Get("ghost"); }));
  Barrier();
  EXPECT_TRUE(Get("kube-controller-manager"));
}

TEST_F(EndpointsControllerTest, DualStackPodUsesTheServiceFamily) {
  Start();
  PodOptions p = WebPod("web-1", "10.0.0.1");
  p.ipv6 = "fd00::1";
  cluster_.CreatePod(p);
  cluster_.CreateService(ServiceOptions{});  // single-stack IPv4 (the server's default)
  Endpoints e = WaitEndpoints("web", [](const Endpoints& x) { return ReadyCount(x) == 1; });
  EXPECT_THAT(Ips(e.subsets->front().addresses), ElementsAre("10.0.0.1"));
}

TEST_F(EndpointsControllerTest, SetupWithManagerRunsTheControllerOnTheLeader) {
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
    auto e = endpoints_.Get("web");
    return e.ok() && e->subsets && e->subsets->size() == 1;
  }));
  stop.request_stop();
  runner.join();
}

// ---- RepackSubsets and TruncateSubsets ----------------------------------------------

EndpointAddress Addr(const std::string& ip, const std::string& uid = "") {
  EndpointAddress a;
  a.ip = ip;
  if (!uid.empty()) a.target_ref = api::core::v1::ObjectReference{.uid = uid};
  return a;
}
EndpointPort Port(const std::string& name, int32_t port) {
  EndpointPort p;
  if (!name.empty()) p.name = name;
  p.port = port;
  p.protocol = api::core::v1::EndpointPortProtocol::kTCP;
  return p;
}
EndpointSubset One(const EndpointAddress& a, bool ready, std::vector<EndpointPort> ports) {
  EndpointSubset s;
  (ready ? s.addresses : s.not_ready_addresses) = std::vector{a};
  if (!ports.empty()) s.ports = std::move(ports);
  return s;
}

TEST(RepackSubsets, AddressesWithTheSamePortsShareOneSortedSubset) {
  auto out = RepackSubsets({One(Addr("10.0.0.3"), true, {Port("http", 80)}),
                            One(Addr("10.0.0.1"), true, {Port("http", 80)}),
                            One(Addr("10.0.0.2"), false, {Port("http", 80)})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(Ips(out[0].addresses), ElementsAre("10.0.0.1", "10.0.0.3"));
  EXPECT_THAT(Ips(out[0].not_ready_addresses), ElementsAre("10.0.0.2"));
  EXPECT_EQ(out[0].ports->size(), 1u);
}

TEST(RepackSubsets, PortsOfTheSameAddressesMergeAndSort) {
  // One input subset per pod and port, as the controller builds them.
  auto out = RepackSubsets({One(Addr("10.0.0.1"), true, {Port("https", 443)}),
                            One(Addr("10.0.0.1"), true, {Port("http", 80)}),
                            One(Addr("10.0.0.2"), true, {Port("http", 80)}),
                            One(Addr("10.0.0.2"), true, {Port("https", 443)})});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].ports->size(), 2u);
  EXPECT_EQ((*out[0].ports)[0].name, "http");
  EXPECT_EQ((*out[0].ports)[1].name, "https");
}

TEST(RepackSubsets, DifferentPortSetsGiveDifferentSubsets) {
  auto out = RepackSubsets({One(Addr("10.0.0.1"), true, {Port("", 8080)}),
                            One(Addr("10.0.0.2"), true, {Port("", 9090)}),
                            One(Addr("10.0.0.3"), true, {})});
  ASSERT_EQ(out.size(), 3u);
  std::set<std::vector<std::string>> groups;
  for (const auto& s : out) groups.insert(Ips(s.addresses));
  EXPECT_EQ(groups, (std::set<std::vector<std::string>>{{"10.0.0.1"}, {"10.0.0.2"}, {"10.0.0.3"}}));
  // Canonical: the same input in another order gives the same output.
  auto again =
      RepackSubsets({One(Addr("10.0.0.3"), true, {}), One(Addr("10.0.0.2"), true, {Port("", 9090)}),
                     One(Addr("10.0.0.1"), true, {Port("", 8080)})});
  EXPECT_TRUE(SubsetsEqual(out, again));
}

TEST(RepackSubsets, SameIpOfDifferentPodsStaysTwoAddresses) {
  auto out = RepackSubsets({One(Addr("10.0.0.1", "uid-a"), true, {Port("", 80)}),
                            One(Addr("10.0.0.1", "uid-b"), true, {Port("", 80)})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].addresses->size(), 2u);
}

std::vector<EndpointSubset> Sized(std::vector<std::pair<int, int>> ready_not_ready) {
  std::vector<EndpointSubset> out;
  int ip = 0;
  for (auto [ready, not_ready] : ready_not_ready) {
    EndpointSubset s;
    std::vector<EndpointAddress> r, n;
    for (int i = 0; i < ready; ++i) r.push_back(Addr("ip-" + std::to_string(ip++)));
    for (int i = 0; i < not_ready; ++i) n.push_back(Addr("ip-" + std::to_string(ip++)));
    if (!r.empty()) s.addresses = r;
    if (!n.empty()) s.not_ready_addresses = n;
    out.push_back(s);
  }
  return out;
}

TEST(TruncateSubsets, CutsInProportionKeepingReadyAddressesFirst) {
  struct Case {
    std::vector<std::pair<int, int>> in;
    bool truncated;
    std::vector<std::pair<size_t, size_t>> out;
  };
  const std::vector<Case> cases = {
      {{{500, 0}, {500, 0}}, false, {{500, 0}, {500, 0}}},
      {{{1001, 0}}, true, {{1000, 0}}},
      {{{600, 0}, {600, 0}}, true, {{500, 0}, {500, 0}}},
      // Ready addresses fit: only not-ready ones are cut, in proportion (ceil).
      {{{800, 100}, {100, 100}}, true, {{800, 50}, {100, 50}}},
      // Too many ready ones: every not-ready address goes.
      {{{900, 10}, {300, 10}}, true, {{750, 0}, {250, 0}}},
  };
  for (const auto& c : cases) {
    auto subsets = Sized(c.in);
    EXPECT_EQ(TruncateSubsets(&subsets, kMaxEndpointsAddresses), c.truncated);
    std::vector<std::pair<size_t, size_t>> got;
    for (const auto& s : subsets) {
      got.emplace_back(s.addresses ? s.addresses->size() : 0,
                       s.not_ready_addresses ? s.not_ready_addresses->size() : 0);
    }
    EXPECT_EQ(got, c.out);
    EXPECT_LE(CountAddresses(subsets), kMaxEndpointsAddresses);
  }
}

// ---- Port resolution and the pod-update filter --------------------------------------

Pod MakePod(const Json& spec) {
  Pod pod;
  EXPECT_TRUE(FromJson(Json{{"metadata", {{"name", "p"}}}, {"spec", spec}}, &pod).ok());
  return pod;
}

TEST(FindPort, ResolvesNumericAndNamedTargetPorts) {
  const Pod pod = MakePod(Json::parse(R"({
    "containers": [
      {"name": "a", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                              {"name": "http", "containerPort": 8080}]},
      {"name": "b", "ports": [{"name": "http", "containerPort": 9999}]}],
    "initContainers": [
      {"name": "init", "ports": [{"name": "init-only", "containerPort": 1}]},
      {"name": "sidecar", "restartPolicy": "Always",
       "ports": [{"name": "proxy", "containerPort": 15001}]}]})"));
  struct Case {
    Json target_port;  // null: unset
    std::string protocol;
    std::optional<int32_t> want;
  };
  const std::vector<Case> cases = {
      {8443, "TCP", 8443},            // numeric: as is
      {nullptr, "TCP", 80},           // unset: the service port
      {"http", "TCP", 8080},          // the first container declaring it
      {"http", "UDP", std::nullopt},  // the protocol must match
      {"dns", "UDP", 53},
      {"dns", "", std::nullopt},  // protocol defaults to TCP
      {"proxy", "TCP", 15001},    // sidecar init containers count
      {"init-only", "TCP", std::nullopt},
      {"missing", "TCP", std::nullopt},
  };
  for (const auto& c : cases) {
    api::core::v1::ServicePort port;
    port.port = 80;
    if (!c.protocol.empty())
      port.protocol = api::core::v1::ServicePortProtocol::FromString(c.protocol);
    if (c.target_port.is_number())
      port.target_port = IntOrString::FromInt(c.target_port.get<int>());
    if (c.target_port.is_string())
      port.target_port = IntOrString::FromString(c.target_port.get<std::string>());
    EXPECT_EQ(FindPort(pod, port), c.want) << c.target_port.dump() << " " << c.protocol;
  }
}

TEST(PodEndpointsChanged, OnlyChangesThatMatterToEndpointsCount) {
  const Json base = Json::parse(R"({
    "metadata": {"name": "p", "resourceVersion": "1", "labels": {"app": "web"}},
    "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
    "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}],
               "conditions": [{"type": "Ready", "status": "True"}]}})");
  struct Case {
    std::string name;
    std::vector<std::pair<std::vector<std::string>, Json>> edits;
    bool changed;
  };
  const std::vector<Case> cases = {
      {"annotation", {{{"metadata", "annotations"}, {{"a", "b"}}}}, false},
      {"container status", {{{"status", "containerStatuses"}, Json::array()}}, false},
      {"label", {{{"metadata", "labels", "app"}, "api"}}, true},
      {"readiness", {{{"status", "conditions", "0", "status"}, "False"}}, true},
      {"ip", {{{"status", "podIPs", "0", "ip"}, "10.0.0.2"}}, true},
      {"deletion", {{{"metadata", "deletionTimestamp"}, "2026-01-01T00:00:00Z"}}, true},
      {"hostname", {{{"spec", "hostname"}, "h"}}, true},
      {"phase", {{{"status", "phase"}, "Succeeded"}}, true},
  };
  Pod old_pod;
  ASSERT_TRUE(FromJson(base, &old_pod).ok());
  for (const auto& c : cases) {
    Json j = base;
    j["metadata"]["resourceVersion"] = "2";
    for (const auto& [path, value] : c.edits) {
      Json* at = &j;
      for (const auto& p : path) {
        at = at->is_array() ? &(*at)[std::stoul(p)] : &(*at)[p];
      }
      *at = value;
    }
    Pod new_pod;
    ASSERT_TRUE(FromJson(j, &new_pod).ok()) << c.name;
    EXPECT_EQ(PodEndpointsChanged(old_pod, new_pod), c.changed) << c.name;
    // A resync (same resourceVersion) never counts.
    new_pod.metadata.resource_version = "1";
    EXPECT_FALSE(PodEndpointsChanged(old_pod, new_pod)) << c.name;
  }
}

}  // namespace
}  // namespace kube::controllers::endpoints
