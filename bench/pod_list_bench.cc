// Benchmark: decode and encode throughput of the generated core/v1 Pod for a
// 10,000-pod list, against nlohmann's DOM alone, and the memory the decoded objects
// take per pod compared with the JSON text. Prints one line per figure.
//
//   build/<dir>/bench/pod_list_bench [pods] [rounds]
#include <malloc.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/core/json.h"

namespace {

// Live heap bytes, counted by the replaced global operator new / delete below.
size_t g_live_bytes = 0;

using Clock = std::chrono::steady_clock;

kube::Json MakePod(int i) {
  std::string n = std::to_string(i);
  return kube::Json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d4b9c-)" +
                           n + R"(", "namespace": "shop", "uid": "6f1e2a3b-)" + n +
                           R"(", "resourceVersion": ")" + n + R"(",
      "creationTimestamp": "2024-05-01T10:00:00Z",
      "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c",
        "uid": "aa11", "controller": true, "blockOwnerDeletion": true}]},
    "spec": {
      "containers": [{"name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
        "env": [{"name": "MODE", "value": "prod"}, {"name": "POD_IP", "valueFrom":
          {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}],
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"},
                      "requests": {"cpu": "250m", "memory": "64Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
          "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "kube-api-access", "mountPath":
          "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
      "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}],
      "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "nodeName": "node-)" +
                           std::to_string(i % 50) + R"(",
      "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
      "schedulerName": "default-scheduler", "priority": 0, "enableServiceLinks": true,
      "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
        "effect": "NoExecute", "tolerationSeconds": 300}]},
    "status": {"phase": "Running", "podIP": "10.0.)" +
                           std::to_string(i / 250) + "." + std::to_string(i % 250) +
                           R"(", "hostIP": "192.168.1.10",
      "qosClass": "Burstable", "startTime": "2024-05-01T10:00:00Z",
      "conditions": [
        {"type": "Initialized", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"},
        {"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:05Z"},
        {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2024-05-01T10:00:05Z"},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}],
      "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "started": true,
        "image": "docker.io/library/nginx:1.25", "imageID": "docker.io/library/nginx@sha256:ab",
        "containerID": "containerd://1f2e3d", "state": {"running":
        {"startedAt": "2024-05-01T10:00:02Z"}}}]}})");
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

// Counting replacements of the global allocation functions (not inlined, so the
// compiler sees them only as what they are).
[[gnu::noinline]] void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  g_live_bytes += malloc_usable_size(p);
  return p;
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live_bytes -= malloc_usable_size(p);
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { operator delete(p); }

int main(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  std::string text;
  {
    kube::Json list = {{"apiVersion", "v1"},
                       {"kind", "PodList"},
                       {"metadata", {{"resourceVersion", "99"}}},
                       {"items", kube::Json::array()}};
    for (int i = 0; i < pods; ++i) list["items"].push_back(MakePod(i));
    text = list.dump();
  }
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("pod list: %d pods, %.1f MB of JSON (%zu bytes per pod)\n", pods, mb,
              text.size() / static_cast<size_t>(pods));

  double parse_s = 1e9, decode_s = 1e9, encode_s = 1e9, dump_s = 1e9;
  size_t dom_bytes = 0, typed_bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    // nlohmann DOM only.
    size_t before = g_live_bytes;
    auto start = Clock::now();
    auto dom = kube::ParseJson(text);
    parse_s = std::min(parse_s, Seconds(start));
    if (!dom) return 1;
    dom_bytes = g_live_bytes - before;

    // DOM parse + convert into the generated types (the client's decode path).
    start = Clock::now();
    auto parsed = kube::ParseJson(text);
    std::vector<kube::api::core::v1::Pod> items;
    {
      const kube::Json& in = (*parsed)["items"];
      items.resize(in.size());
      for (size_t i = 0; i < in.size(); ++i) {
        if (kube::Status s = kube::FromJson(in[i], &items[i]); !s.ok()) {
          std::fprintf(stderr, "%s\n", s.message().c_str());
          return 1;
        }
      }
    }
    decode_s = std::min(decode_s, Seconds(start));
    parsed = kube::Json();  // drop the DOM; what stays is the typed objects
    typed_bytes = g_live_bytes - before - dom_bytes;

    // Encode typed -> DOM -> text.
    start = Clock::now();
    kube::Json out = {{"apiVersion", "v1"}, {"kind", "PodList"}, {"items", kube::Json::array()}};
    for (const auto& pod : items) {
      kube::Json j;
      ToJson(pod, &j);
      out["items"].push_back(std::move(j));
    }
    std::string encoded = out.dump();
    encode_s = std::min(encode_s, Seconds(start));

    start = Clock::now();
    std::string dumped = dom->dump();
    dump_s = std::min(dump_s, Seconds(start));
    if (r == 0 && kube::Json::parse(encoded)["items"] != (*dom)["items"]) {
      std::fprintf(stderr, "encoded list differs from the input\n");
      return 1;
    }
  }
  std::printf("nlohmann DOM parse:                  %7.1f MB/s\n", mb / parse_s);
  std::printf("DOM parse + convert to typed Pod:    %7.1f MB/s\n", mb / decode_s);
  std::printf("typed Pod -> DOM -> text:            %7.1f MB/s\n", mb / encode_s);
  std::printf("nlohmann DOM dump:                   %7.1f MB/s\n", mb / dump_s);
  std::printf("memory per pod: JSON %zu B, nlohmann DOM %zu B, typed Pod %zu B\n",
              text.size() / static_cast<size_t>(pods), dom_bytes / static_cast<size_t>(pods),
              typed_bytes / static_cast<size_t>(pods));
  return 0;
}
