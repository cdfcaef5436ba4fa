// Decoding a large pod list: the hot path of every informer's initial list.
//
// Input: a PodList of 10,000 realistic pods (about 8 KB each: labels, annotations with
// a last-applied configuration, owner reference, managedFields, two containers with
// env, ports, probes, resources and mounts, volumes, tolerations, status with
// conditions and container statuses).
//
//   BM_NlohmannDomParse      the peer: nlohmann's DOM parse alone
//   BM_DomParseAndConvert    what kubecpp does today: DOM parse, then each item to an
//                            Unstructured with its ObjectMeta decoded (what a cache
//                            needs to index it)
//
// Both report MB/s (bytes_per_second) and objects/s (items_per_second) in one run.
// The target, a decoder straight into typed structs at 3x the DOM path, comes
// with generated types (kube-codegen); this file is where it will be measured.
#include <benchmark/benchmark.h>

#include <string>

#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"
#include "kubecpp/core/unstructured.h"

namespace {

using kube::Json;

constexpr int kPods = 10000;

Json Container(const std::string& name, int i) {
  Json env = Json::array();
  for (int e = 0; e < 12; ++e) {
    env.push_back({{"name", "ENV_VAR_NUMBER_" + std::to_string(e)},
                   {"value", "value-" + std::to_string(i) + "-" + std::to_string(e)}});
  }
  env.push_back(
      {{"name", "POD_IP"},
       {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "status.podIP"}}}}}});
  Json probe = {{"httpGet", {{"path", "/healthz"}, {"port", 8080}, {"scheme", "HTTP"}}},
                {"initialDelaySeconds", 5},
                {"periodSeconds", 10},
                {"timeoutSeconds", 1},
                {"successThreshold", 1},
                {"failureThreshold", 3}};
  return {{"name", name},
          {"image", "registry.example.com/team/" + name + ":v1.27.3-" + std::to_string(i % 7)},
          {"imagePullPolicy", "IfNotPresent"},
          {"args", {"--port=8080", "--log-level=info", "--metrics-addr=:9090"}},
          {"env", env},
          {"ports",
           {{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}},
            {{"name", "metrics"}, {"containerPort", 9090}, {"protocol", "TCP"}}}},
          {"resources",
           {{"requests", {{"cpu", "250m"}, {"memory", "256Mi"}}},
            {"limits", {{"cpu", "1"}, {"memory", "512Mi"}}}}},
          {"livenessProbe", probe},
          {"readinessProbe", probe},
          {"volumeMounts",
           {{{"name", "config"}, {"mountPath", "/etc/app"}, {"readOnly", true}},
            {{"name", "kube-api-access-x7k2p"},
             {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
             {"readOnly", true}}}},
          {"terminationMessagePath", "/dev/termination-log"},
          {"terminationMessagePolicy", "File"}};
}

Json Pod(int i) {
  std::string name = "web-7d4b9c8f5-" + std::to_string(100000 + i);
  Json containers = {Container("web", i), Container("sidecar", i)};
  Json metadata = {
      {"name", name},
      {"generateName", "web-7d4b9c8f5-"},
      {"namespace", "production"},
      {"uid", "6b1d3f3e-1111-4a7e-9c1e-" + std::to_string(100000000000 + i)},
      {"resourceVersion", std::to_string(5000000 + i)},
      {"creationTimestamp", "2024-05-01T10:00:00Z"},
      {"labels",
       {{"app", "web"},
        {"tier", "frontend"},
        {"pod-template-hash", "7d4b9c8f5"},
        {"app.kubernetes.io/version", "1.27.3"}}},
      {"annotations",
       {{"kubectl.kubernetes.io/last-applied-configuration", std::string(1500, 'x')},
        {"prometheus.io/scrape", "true"}}},
      {"ownerReferences",
       {{{"apiVersion", "apps/v1"},
         {"kind", "ReplicaSet"},
         {"name", "web-7d4b9c8f5"},
         {"uid", "0a1b2c3d"},
         {"controller", true},
         {"blockOwnerDeletion", true}}}},
      {"managedFields",
       {{{"manager", "kube-controller-manager"},
         {"operation", "Update"},
         {"apiVersion", "v1"},
         {"time", "2024-05-01T10:00:00Z"},
         {"fieldsType", "FieldsV1"},
         {"fieldsV1",
          {{"f:metadata", {{"f:labels", {{"f:app", Json::object()}, {"f:tier", Json::object()}}}}},
           {"f:spec", {{"f:containers", {{"k:{\"name\":\"web\"}", Json::object()}}}}}}}},
        {{"manager", "kubelet"},
         {"operation", "Update"},
         {"apiVersion", "v1"},
         {"time", "2024-05-01T10:00:05Z"},
         {"fieldsType", "FieldsV1"},
         {"subresource", "status"},
         {"fieldsV1",
          {{"f:status", {{"f:conditions", Json::object()}, {"f:podIP", Json::object()}}}}}}}}};
  Json conditions = Json::array();
  for (const char* type : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    conditions.push_back({{"type", type},
                          {"status", "True"},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", "2024-05-01T10:00:05Z"}});
  }
  Json statuses = Json::array();
  for (const char* c : {"web", "sidecar"}) {
    statuses.push_back({{"name", c},
                        {"ready", true},
                        {"restartCount", 0},
                        {"started", true},
                        {"image", std::string("registry.example.com/team/") + c + ":v1.27.3"},
                        {"imageID", "registry.example.com/team/web@sha256:" + std::string(64, 'a')},
                        {"containerID", "containerd://" + std::string(64, 'b')},
                        {"state", {{"running", {{"startedAt", "2024-05-01T10:00:03Z"}}}}}});
  }
  return {
      {"metadata", metadata},
      {"spec",
       {{"containers", containers},
        {"volumes",
         {{{"name", "config"}, {"configMap", {{"name", "web-config"}, {"defaultMode", 420}}}},
          {{"name", "kube-api-access-x7k2p"},
           {"projected",
            {{"defaultMode", 420},
             {"sources", Json::array({{{"serviceAccountToken",
                                        {{"expirationSeconds", 3607}, {"path", "token"}}}}})}}}}}},
        {"restartPolicy", "Always"},
        {"terminationGracePeriodSeconds", 30},
        {"dnsPolicy", "ClusterFirst"},
        {"serviceAccountName", "web"},
        {"nodeName", "node-" + std::to_string(i % 50)},
        {"schedulerName", "default-scheduler"},
        {"tolerations",
         {{{"key", "node.kubernetes.io/not-ready"},
           {"operator", "Exists"},
           {"effect", "NoExecute"},
           {"tolerationSeconds", 300}},
          {{"key", "node.kubernetes.io/unreachable"},
           {"operator", "Exists"},
           {"effect", "NoExecute"},
           {"tolerationSeconds", 300}}}},
        {"priority", 0}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", conditions},
        {"hostIP", "10.0.0." + std::to_string(i % 250)},
        {"podIP", "10.244." + std::to_string(i % 250) + "." + std::to_string(i % 200)},
        {"startTime", "2024-05-01T10:00:00Z"},
        {"containerStatuses", statuses},
        {"qosClass", "Burstable"}}}};
}

const std::string& PodListText() {
  static const std::string text = [] {
    Json list = {{"apiVersion", "v1"},
                 {"kind", "PodList"},
                 {"metadata", {{"resourceVersion", "6000000"}}},
                 {"items", Json::array()}};
    for (int i = 0; i < kPods; ++i) list["items"].push_back(Pod(i));
    return list.dump();
  }();
  return text;
}

void Report(benchmark::State& state, const std::string& text) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPods);
  state.counters["KB_per_pod"] = static_cast<double>(text.size()) / kPods / 1024.0;
}

void BM_NlohmannDomParse(benchmark::State& state) {
  const std::string& text = PodListText();
  for (auto _ : state) {
    auto json = kube::ParseJson(text);
    benchmark::DoNotOptimize(json);
  }
  Report(state, text);
}

void BM_DomParseAndConvert(benchmark::State& state) {
  const std::string& text = PodListText();
  for (auto _ : state) {
    auto json = kube::ParseJson(text);
    std::vector<kube::Unstructured> items;
    std::vector<kube::ObjectMeta> metas;
    items.reserve(kPods);
    metas.reserve(kPods);
    for (auto& item : (*json)["items"]) {
      kube::ObjectMeta meta;
      if (!kube::FromJson(item["metadata"], &meta).ok()) state.SkipWithError("bad metadata");
      metas.push_back(std::move(meta));
      items.push_back(*kube::Unstructured::FromJson(std::move(item)));
    }
    benchmark::DoNotOptimize(items);
    benchmark::DoNotOptimize(metas);
  }
  Report(state, text);
}

BENCHMARK(BM_NlohmannDomParse)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DomParseAndConvert)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
