// TestCluster: what the Endpoints and EndpointSlice controller tests share — an
// in-process FakeApiServer and helpers that write Nodes, Services and Pods (with the
// pod status a kubelet would write: phase, podIP/podIPs, the Ready condition), and a
// polling wait with a generous deadline. Test-only; header-only.
//
// Thread-safety: thread-compatible (use from the test thread).
#ifndef KUBECPP_CONTROLLERS_ENDPOINTS_INTERNAL_TEST_CLUSTER_H_
#define KUBECPP_CONTROLLERS_ENDPOINTS_INTERNAL_TEST_CLUSTER_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace kube::controllers::endpoints::testing {

inline const client::ResourceRef kPodsRef{{"", "v1", "pods"}, "Pod", true};
inline const client::ResourceRef kServicesRef{{"", "v1", "services"}, "Service", true};
inline const client::ResourceRef kNodesRef{{"", "v1", "nodes"}, "Node", false};
inline const client::ResourceRef kEndpointsRef{{"", "v1", "endpoints"}, "Endpoints", true};
inline const client::ResourceRef kSlicesRef{
    {"discovery.k8s.io", "v1", "endpointslices"}, "EndpointSlice", true};

// A container port a pod declares.
struct ContainerPortSpec {
  std::string name;
  int port = 0;
  std::string protocol = "TCP";
  bool sidecar = false;  // declared by an init container with restartPolicy Always
};

struct PodOptions {
  std::string name;
  std::map<std::string, std::string> labels = {{"app", "web"}};
  std::string ip;    // IPv4 (empty: none)
  std::string ipv6;  // IPv6 (empty: none)
  bool ready = true;
  std::string node = "node-1";
  std::vector<ContainerPortSpec> ports;
  std::string hostname;
  std::string subdomain;
  std::string phase = "Running";
};

struct ServiceOptions {
  std::string name = "web";
  std::optional<std::map<std::string, std::string>> selector =
      std::map<std::string, std::string>{{"app", "web"}};
  // {name, port, targetPort (number or name; "" = unset)}.
  struct Port {
    std::string name;
    int port = 80;
    Json target_port = 8080;
    std::string protocol = "TCP";
  };
  std::vector<Port> ports = {Port{}};
  bool headless = false;
  bool external_name = false;
  bool publish_not_ready = false;
  std::map<std::string, std::string> labels;
};

class TestCluster {
 public:
  TestCluster() : client_(server_.NewClient()) {}

  kube::testing::FakeApiServer& server() { return server_; }
  client::Client* client() { return client_.get(); }
  client::DynamicApi Api(const client::ResourceRef& ref, std::string ns = "default") {
    return client::DynamicApi(client_.get(), ref, std::move(ns));
  }

  // Polls `done` every 5 ms until it is true or `timeout` passes.
  static bool WaitFor(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  Unstructured CreateNode(const std::string& name, const std::string& zone = "") {
    Json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
    if (!zone.empty()) node["metadata"]["labels"] = {{"topology.kubernetes.io/zone", zone}};
    return Must(Api(kNodesRef, "").Create(*Unstructured::FromJson(node)));
  }

  Unstructured CreateService(const ServiceOptions& o, const std::string& ns = "default") {
    Json spec = Json::object();
    if (o.external_name) {
      spec["type"] = "ExternalName";
      spec["externalName"] = "example.com";
    } else {
      if (o.selector) spec["selector"] = *o.selector;
      if (o.headless) spec["clusterIP"] = "None";
      if (o.publish_not_ready) spec["publishNotReadyAddresses"] = true;
      Json ports = Json::array();
      for (const auto& p : o.ports) {
        Json port = {{"port", p.port}, {"protocol", p.protocol}};
        if (!p.name.empty()) port["name"] = p.name;
        if (!(p.target_port.is_string() && p.target_port.get<std::string>().empty())) {
          port["targetPort"] = p.target_port;
        }
        ports.push_back(port);
      }
      if (!ports.empty()) spec["ports"] = ports;
    }
    Json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", {{"name", o.name}, {"namespace", ns}}},
                {"spec", spec}};
    if (!o.labels.empty()) svc["metadata"]["labels"] = o.labels;
    return Must(Api(kServicesRef, ns).Create(*Unstructured::FromJson(svc)));
  }

  // Creates the pod, then writes its status as a kubelet would.
  Unstructured CreatePod(const PodOptions& o, const std::string& ns = "default") {
    Json containers = Json::array({{{"name", "app"}, {"image", "nginx"}}});
    Json init_containers = Json::array();
    for (const auto& p : o.ports) {
      Json port = {{"containerPort", p.port}, {"protocol", p.protocol}};
      if (!p.name.empty()) port["name"] = p.name;
      if (p.sidecar) {
        if (init_containers.empty()) {
          init_containers.push_back(
              {{"name", "sidecar"}, {"image", "envoy"}, {"restartPolicy", "Always"}});
        }
        init_containers[0]["ports"].push_back(port);
      } else {
        containers[0]["ports"].push_back(port);
      }
    }
    Json spec = {{"containers", containers}};
    if (!init_containers.empty()) spec["initContainers"] = init_containers;
    if (!o.node.empty()) spec["nodeName"] = o.node;
    if (!o.hostname.empty()) spec["hostname"] = o.hostname;
    if (!o.subdomain.empty()) spec["subdomain"] = o.subdomain;
    Json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", o.name}, {"namespace", ns}, {"labels", o.labels}}},
                {"spec", spec}};
    Unstructured created = Must(Api(kPodsRef, ns).Create(*Unstructured::FromJson(pod)));
    Json status = {{"phase", o.phase}};
    Json ips = Json::array();
    for (const std::string& ip : {o.ip, o.ipv6}) {
      if (ip.empty()) continue;
      if (!status.contains("podIP")) status["podIP"] = ip;
      ips.push_back({{"ip", ip}});
    }
    if (!ips.empty()) status["podIPs"] = ips;
    status["conditions"] = Json::array({ReadyCondition(o.ready)});
    created.Set({"status"}, status);
    return Must(Api(kPodsRef, ns).UpdateStatus(created));
  }

  // Rewrites the pod's Ready condition.
  Unstructured SetPodReady(const std::string& name, bool ready, const std::string& ns = "default") {
    Unstructured pod = Must(Api(kPodsRef, ns).Get(name));
    pod.Set({"status", "conditions"}, Json::array({ReadyCondition(ready)}));
    return Must(Api(kPodsRef, ns).UpdateStatus(pod));
  }

  static Json ReadyCondition(bool ready) {
    return {{"type", "Ready"},
            {"status", ready ? "True" : "False"},
            {"lastTransitionTime", "2026-01-01T00:00:00Z"}};
  }

  template <typename T>
  static T Must(Result<T> r) {
    if (!r) {
      ADD_FAILURE() << r.error();
      return T{};
    }
    return std::move(*r);
  }

 private:
  kube::testing::FakeApiServer server_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace kube::controllers::endpoints::testing

#endif  // KUBECPP_CONTROLLERS_ENDPOINTS_INTERNAL_TEST_CLUSTER_H_
