// Tests of the generated built-in types: real apiserver documents decode into the
// typed fields and encode back unchanged, and every kind satisfies Api<T>'s contract.
#include <gtest/gtest.h>

#include "kubecpp/api/apiextensions/v1/types.h"
#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/api/autoscaling/v1/types.h"
#include "kubecpp/api/coordination/v1/types.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/api/discovery/v1/types.h"
#include "kubecpp/api/events/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/core/json.h"

namespace {

namespace core = kube::api::core::v1;
namespace apps = kube::api::apps::v1;
using kube::Json;

// Decodes `text` into T, checks the re-encoded JSON is the same document, returns T.
template <typename T>
T RoundTrip(const std::string& text) {
  auto obj = kube::Decode<T>(text);
  EXPECT_TRUE(obj.has_value()) << obj.error().message();
  if (!obj) return T{};
  EXPECT_EQ(Json::parse(kube::Encode(*obj)), Json::parse(text));
  return *obj;
}

// A pod as the apiserver returns it (trimmed), with a field from a newer release.
constexpr const char* kPod = R"({
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "web-7d4b9c-x2x1z", "namespace": "shop", "uid": "6f1e",
               "resourceVersion": "1234", "labels": {"app": "web"},
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                 "name": "web-7d4b9c", "uid": "aa", "controller": true}]},
  "spec": {
    "containers": [{
      "name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
      "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
      "env": [{"name": "MODE", "value": "prod"},
              {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                "fieldPath": "status.podIP"}}}],
      "envFrom": [{"configMapRef": {"name": "web-config"}}],
      "resources": {"limits": {"cpu": "500m", "memory": "128Mi"},
                    "requests": {"cpu": "250m", "memory": "64Mi"}},
      "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                         "periodSeconds": 10, "failureThreshold": 3},
      "livenessProbe": {"tcpSocket": {"port": 80}, "initialDelaySeconds": 5},
      "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true}],
      "terminationMessagePath": "/dev/termination-log",
      "terminationMessagePolicy": "File",
      "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]
    }],
    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
                {"name": "cfg", "configMap": {"name": "web-config", "defaultMode": 420}}],
    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "nodeName": "node-1",
    "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                     "effect": "NoExecute", "tolerationSeconds": 300}]
  },
  "status": {
    "phase": "Running", "podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}],
    "hostIP": "192.168.1.10", "qosClass": "Burstable", "startTime": "2024-05-01T10:00:00Z",
    "conditions": [{"type": "Ready", "status": "True",
                    "lastTransitionTime": "2024-05-01T10:00:05Z", "lastProbeTime": null}],
    "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "started": true,
      "image": "docker.io/library/nginx:1.25", "imageID": "docker.io/library/nginx@sha256:ab",
      "containerID": "containerd://1f",
      "state": {"running": {"startedAt": "2024-05-01T10:00:02Z"}}}]
  }
})";

TEST(CoreV1, PodDecodesIntoTypedFieldsAndRoundTrips) {
  auto obj = kube::Decode<core::Pod>(kPod);
  ASSERT_TRUE(obj.has_value()) << obj.error().message();
  const core::Pod& pod = *obj;
  EXPECT_EQ(pod.metadata.name, "web-7d4b9c-x2x1z");
  EXPECT_EQ(pod.metadata.ControllerRef()->kind, "ReplicaSet");
  const core::Container& c = pod.spec->containers.at(0);
  EXPECT_EQ(c.image, "nginx:1.25");
  EXPECT_EQ(c.image_pull_policy, core::ContainerImagePullPolicy::kIfNotPresent);
  EXPECT_EQ(c.ports->at(0).container_port, 80);
  EXPECT_EQ(c.ports->at(0).protocol, core::ContainerPortProtocol::kTCP);
  EXPECT_EQ(c.env->at(1).value_from->field_ref->field_path, "status.podIP");
  EXPECT_EQ(c.resources->limits->at("cpu").MilliValue(), 500);
  EXPECT_EQ(c.resources->requests->at("memory").Value(), 64 * 1024 * 1024);
  EXPECT_EQ(c.readiness_probe->http_get->port, kube::IntOrString::FromString("http"));
  EXPECT_EQ(c.liveness_probe->tcp_socket->port, kube::IntOrString::FromInt(80));
  // A field this schema does not know (resizePolicy) is kept.
  EXPECT_EQ(c.unknown_fields.value()["resizePolicy"][0]["resourceName"], "cpu");
  EXPECT_EQ(pod.spec->volumes->at(0).persistent_volume_claim->claim_name, "web-data");
  EXPECT_EQ(pod.spec->restart_policy, core::PodSpecRestartPolicy::kAlways);
  EXPECT_EQ(pod.status->phase, core::PodStatusPhase::kRunning);
  EXPECT_EQ(pod.status->start_time->ToString(), "2024-05-01T10:00:00Z");
  EXPECT_TRUE(pod.status->container_statuses->at(0).ready);
  EXPECT_TRUE(pod.status->container_statuses->at(0).state->running.has_value());

  // lastProbeTime: null is not nullable in the schema and reads as absent (as the
  // apiserver, which never sends it as anything but null or a time).
  Json round = Json::parse(kube::Encode(pod));
  Json want = Json::parse(kPod);
  want["status"]["conditions"][0].erase("lastProbeTime");
  EXPECT_EQ(round, want);
}

TEST(CoreV1, ServiceSecretConfigMapNodeEndpointsRoundTrip) {
  auto svc = RoundTrip<core::Service>(R"({"apiVersion": "v1", "kind": "Service",
      "metadata": {"name": "web"}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10",
      "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80,
      "targetPort": "http", "protocol": "TCP"}]}, "status": {"loadBalancer": {}}})");
  EXPECT_EQ(svc.spec->type, core::ServiceSpecType::kClusterIP);
  EXPECT_EQ(svc.spec->ports->at(0).target_port, kube::IntOrString::FromString("http"));

  auto secret = RoundTrip<core::Secret>(R"({"apiVersion": "v1", "kind": "Secret",
      "metadata": {"name": "s"}, "type": "Opaque", "data": {"password": "aHVudGVyMg=="}})");
  EXPECT_EQ(secret.data->at("password"), "hunter2");

  auto cm = RoundTrip<core::ConfigMap>(R"({"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "c"}, "data": {"a": "1"}, "binaryData": {"b": "AAE="},
      "immutable": true})");
  EXPECT_EQ(cm.binary_data->at("b"), std::string("\0\1", 2));

  auto node = RoundTrip<core::Node>(R"({"apiVersion": "v1", "kind": "Node",
      "metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.0.0/24",
      "taints": [{"key": "k", "effect": "NoSchedule"}]},
      "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
      "allocatable": {"cpu": "3800m", "memory": "15Gi"},
      "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
        "lastHeartbeatTime": "2024-05-01T10:00:00Z"}],
      "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}],
      "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
      "nodeInfo": {"machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "6.1",
        "osImage": "Ubuntu", "containerRuntimeVersion": "containerd://1.7",
        "kubeletVersion": "v1.30.0", "kubeProxyVersion": "", "operatingSystem": "linux",
        "architecture": "amd64"}}})");
  EXPECT_EQ(node.status->allocatable->at("cpu").MilliValue(), 3800);
  EXPECT_EQ(node.status->daemon_endpoints->kubelet_endpoint->port, 10250);
  EXPECT_EQ(node.spec->taints->at(0).effect, core::TaintEffect::kNoSchedule);
  static_assert(!core::Node::kNamespaced);

  auto ep = RoundTrip<core::Endpoints>(R"({"apiVersion": "v1", "kind": "Endpoints",
      "metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.0.0.7",
      "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "shop"}}],
      "ports": [{"port": 80, "protocol": "TCP"}]}]})");
  EXPECT_EQ(ep.subsets->at(0).addresses->at(0).target_ref->namespace_, "shop");

  RoundTrip<core::Namespace>(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "shop"}, "spec": {"finalizers": ["kubernetes"]},
      "status": {"phase": "Active"}})");
  RoundTrip<core::ServiceAccount>(R"({"apiVersion": "v1", "kind": "ServiceAccount",
      "metadata": {"name": "default"}, "secrets": [{"name": "t"}],
      "automountServiceAccountToken": false})");
  auto ev = RoundTrip<core::Event>(R"({"apiVersion": "v1", "kind": "Event",
      "metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"},
      "reason": "Started", "type": "Normal", "count": 2,
      "firstTimestamp": "2024-05-01T10:00:00Z", "source": {"component": "kubelet"},
      "eventTime": "2024-05-01T10:00:00.500000Z"})");
  EXPECT_EQ(ev.involved_object.name, "p");
}

TEST(AppsV1, DeploymentAndReplicaSetRoundTrip) {
  auto d = RoundTrip<apps::Deployment>(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "generation": 3},
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
      "status": {"observedGeneration": 3, "replicas": 3, "readyReplicas": 3,
        "conditions": [{"type": "Available", "status": "True",
          "lastUpdateTime": "2024-05-01T10:00:00Z", "reason": "MinimumReplicasAvailable"}]}})");
  EXPECT_EQ(d.spec->selector.match_labels.at("app"), "web");
  EXPECT_EQ(d.spec->strategy->type, apps::DeploymentStrategyType::kRollingUpdate);
  EXPECT_EQ(d.spec->strategy->rolling_update->max_surge, kube::IntOrString::FromString("25%"));
  EXPECT_EQ(d.spec->template_.spec->containers.at(0).image, "nginx");
  EXPECT_EQ(d.status->conditions->at(0).reason, "MinimumReplicasAvailable");

  auto rs = RoundTrip<apps::ReplicaSet>(R"({"apiVersion": "apps/v1", "kind": "ReplicaSet",
      "metadata": {"name": "web-1"}, "spec": {"replicas": 1, "selector": {}},
      "status": {"replicas": 1, "fullyLabeledReplicas": 1}})");
  EXPECT_EQ(rs.status->replicas, 1);
}

TEST(OtherGroups, EndpointSliceLeaseEventScaleAndCrdRoundTrip) {
  auto slice = RoundTrip<kube::api::discovery::v1::EndpointSlice>(R"({
      "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
      "metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
      "addressType": "IPv4",
      "endpoints": [{"addresses": ["10.0.0.7"], "conditions": {"ready": true},
        "nodeName": "node-1", "zone": "a", "hints": {"forZones": [{"name": "a"}]},
        "targetRef": {"kind": "Pod", "name": "web-1"}}],
      "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]})");
  EXPECT_EQ(slice.address_type, kube::api::discovery::v1::EndpointSliceAddressType::kIPv4);
  EXPECT_TRUE(*slice.endpoints.at(0).conditions->ready);

  auto lease = RoundTrip<kube::api::coordination::v1::Lease>(R"({
      "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "lock"},
      "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15, "leaseTransitions": 2,
               "acquireTime": "2024-05-01T10:00:00.000000Z",
               "renewTime": "2024-05-01T10:00:10.123456Z"}})");
  EXPECT_EQ(lease.spec->renew_time->ToString(), "2024-05-01T10:00:10.123456Z");

  auto ev = RoundTrip<kube::api::events::v1::Event>(R"({"apiVersion": "events.k8s.io/v1",
      "kind": "Event", "metadata": {"name": "e"}, "eventTime": "2024-05-01T10:00:00.000001Z",
      "reportingController": "kubecpp", "reportingInstance": "i", "action": "Reconcile",
      "reason": "Synced", "regarding": {"kind": "Pod", "name": "p"}, "type": "Normal",
      "series": {"count": 2, "lastObservedTime": "2024-05-01T10:01:00.000000Z"}})");
  EXPECT_EQ(ev.series->count, 2);

  auto scale = RoundTrip<kube::api::autoscaling::v1::Scale>(R"({
      "apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web"},
      "spec": {"replicas": 5}, "status": {"replicas": 3, "selector": "app=web"}})");
  EXPECT_EQ(scale.spec->replicas, 5);

  namespace ext = kube::api::apiextensions::v1;
  auto crd = RoundTrip<ext::CustomResourceDefinition>(R"({
      "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": {"name": "webapps.web.kubecpp.io"},
      "spec": {"group": "web.kubecpp.io", "scope": "Namespaced",
        "names": {"kind": "WebApp", "plural": "webapps"},
        "versions": [{"name": "v1", "served": true, "storage": true,
          "subresources": {"status": {}},
          "schema": {"openAPIV3Schema": {"type": "object", "properties": {
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]},
      "status": {"storedVersions": ["v1"]}})");
  EXPECT_EQ(crd.spec.scope, ext::CustomResourceDefinitionSpecScope::kNamespaced);
  EXPECT_EQ(crd.spec.versions.at(0).schema->open_apiv3_schema->value()["type"], "object");
  EXPECT_TRUE(crd.spec.versions.at(0).subresources->status.has_value());
}

// Every built-in kind works with Api<T> as is.
static_assert(kube::client::ApiResource<core::Pod>);
static_assert(kube::client::ApiResource<core::Service>);
static_assert(kube::client::ApiResource<core::ConfigMap>);
static_assert(kube::client::ApiResource<core::Secret>);
static_assert(kube::client::ApiResource<core::Node>);
static_assert(kube::client::ApiResource<apps::Deployment>);
static_assert(kube::client::ApiResource<kube::api::coordination::v1::Lease>);
static_assert(kube::client::ApiResource<kube::api::discovery::v1::EndpointSlice>);
static_assert(kube::client::ApiResource<kube::api::apiextensions::v1::CustomResourceDefinition>);
static_assert(core::Pod::kGroup.empty() && core::Pod::kPlural == "pods");
static_assert(apps::Deployment::kGroup == "apps" && apps::Deployment::kHasScaleSubresource);
static_assert(kube::api::discovery::v1::EndpointSlice::kGroup == "discovery.k8s.io");
static_assert(core::PodSpec::kMergeStrategy[0] == "containers=map:name");

TEST(Validate, BuiltInEnumsRejectUnknownValues) {
  core::Service svc;
  svc.metadata.name = "s";
  svc.spec.emplace().type = core::ServiceSpecType::FromString("Weird");
  kube::Status s = Validate(svc);
  ASSERT_EQ(s.code(), kube::Code::kInvalid);
  EXPECT_EQ(s.details().causes.at(0).field, "spec.type");
}

TEST(SetDefaults, BuiltInDefaultsApply) {
  core::Pod pod;
  auto& spec = pod.spec.emplace();
  spec.containers.emplace_back().ports.emplace().emplace_back().container_port = 80;
  SetDefaults(&pod);
  EXPECT_EQ(pod.spec->containers[0].ports->at(0).protocol, core::ContainerPortProtocol::kTCP);
}

}  // namespace
