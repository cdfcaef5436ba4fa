// Informer throughput and memory: initial list + watch events of realistic pods
// through the in-process fake apiserver.
//
//   informer_bench [pods=5000] [events=5000] [ingest=20000]
//
// Creates `pods` pods (about 5 KB of JSON each as served: labels, a last-applied
// annotation, owner reference, managedFields, two containers with env, probes,
// resources, volumes, tolerations), then for each transform (default =
// strip-managed-fields, none, metadata-only):
//   * initial sync: time from Start to HasSynced, in objects/s (paged list of 500,
//     decode, transform, store, one handler counting adds);
//   * memory: heap bytes in use (mallinfo2) and resident set growth per cached pod;
//   * watch: `events` pod label updates written by the client, time until the
//     handler saw them all, in events/s (includes the fake apiserver's write path).
//   * ingest (default transform, over HTTPS: FakeApiServerHttps + the cpprestsdk
//     client, as a controller in a pod would): with the informer synced, its watch
//     is cut and held down while `ingest` pod updates are written; then the watch is
//     let back and resumes from the informer's last resourceVersion, so the server
//     replays all of them at once. Events/s from the first replayed update handled
//     to the last: the informer's own ingest rate (decode, transform, store,
//     handler), not bounded by the fake apiserver's write path.
// Printed as plain text; run by hand (see docs/development.md).
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "kubecpp/cache/informer.h"
#include "kubecpp/client/config.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_apiserver_https.h"

namespace {

using kube::Json;
using Clock = std::chrono::steady_clock;

const kube::client::ResourceRef kPods{{"", "v1", "pods"}, "Pod", true};

Json Container(const std::string& name, int i) {
  Json env = Json::array();
  for (int e = 0; e < 12; ++e) {
    env.push_back({{"name", "ENV_VAR_NUMBER_" + std::to_string(e)},
                   {"value", "value-" + std::to_string(i) + "-" + std::to_string(e)}});
  }
  Json probe = {{"httpGet", {{"path", "/healthz"}, {"port", 8080}, {"scheme", "HTTP"}}},
                {"initialDelaySeconds", 5},
                {"periodSeconds", 10}};
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
          {"volumeMounts", {{{"name", "config"}, {"mountPath", "/etc/app"}, {"readOnly", true}}}}};
}

Json Pod(int i) {
  Json metadata = {{"name", "web-7d4b9c8f5-" + std::to_string(100000 + i)},
                   {"namespace", "default"},
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
                      {"blockOwnerDeletion", true}}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata},
          {"spec",
           {{"containers", {Container("web", i), Container("sidecar", i)}},
            {"volumes",
             {{{"name", "config"}, {"configMap", {{"name", "web-config"}, {"defaultMode", 420}}}}}},
            {"restartPolicy", "Always"},
            {"terminationGracePeriodSeconds", 30},
            {"serviceAccountName", "web"},
            {"nodeName", "node-" + std::to_string(i % 50)},
            {"tolerations",
             {{{"key", "node.kubernetes.io/not-ready"},
               {"operator", "Exists"},
               {"effect", "NoExecute"},
               {"tolerationSeconds", 300}}}}}}};
}

size_t HeapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

size_t ResidentBytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void Run(kube::client::Client* client, const char* label, kube::cache::Transform transform,
         int pods, int events) {
  size_t heap_before = HeapInUse();
  size_t rss_before = ResidentBytes();
  kube::cache::InformerOptions options;
  options.transform = std::move(transform);
  auto informer = kube::cache::NewDynamicInformer(client, kPods, options);
  std::atomic<int> adds{0}, updates{0};
  informer->AddEventHandler({.on_add = [&](const auto&, bool) { ++adds; },
                             .on_update = [&](const auto&, const auto&) { ++updates; }});
  std::stop_source stop;
  auto t0 = Clock::now();
  informer->Start(stop.get_token());
  while (!informer->HasSynced()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  auto synced = Clock::now();
  while (adds.load() < pods) std::this_thread::sleep_for(std::chrono::microseconds(200));
  auto delivered = Clock::now();
  size_t heap_after = HeapInUse();
  size_t rss_after = ResidentBytes();

  double n = pods;
  std::printf(
      "[%s] initial sync of %d pods: %.3f s to HasSynced (%.0f objects/s), %.3f s until "
      "every add was handled (%.0f objects/s)\n",
      label, pods, Seconds(synced - t0), n / Seconds(synced - t0), Seconds(delivered - t0),
      n / Seconds(delivered - t0));
  std::printf("[%s] memory per cached pod: %.0f B heap in use, %.0f B resident\n", label,
              (static_cast<double>(heap_after) - static_cast<double>(heap_before)) / n,
              (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / n);

  if (events > 0) {
    kube::client::DynamicApi api(client, kPods, "default");
    auto current = api.List();
    if (!current) {
      std::printf("list failed: %s\n", current.error().ToString().c_str());
      return;
    }
    auto w0 = Clock::now();
    for (int e = 0; e < events; ++e) {
      kube::Unstructured& pod = current->items[static_cast<size_t>(e) % current->items.size()];
      pod.Set({"metadata", "labels", "generation"}, Json(std::string(label) + std::to_string(e)));
      auto updated = api.Update(pod);
      if (!updated) {
        std::printf("update failed: %s\n", updated.error().ToString().c_str());
        return;
      }
      pod = std::move(*updated);
    }
    auto written = Clock::now();
    while (updates.load() < events) std::this_thread::sleep_for(std::chrono::microseconds(200));
    auto seen = Clock::now();
    std::printf(
        "[%s] %d watch events: written in %.3f s, all handled after %.3f s "
        "(%.0f events/s end to end, including the fake apiserver's writes)\n",
        label, events, Seconds(written - w0), Seconds(seen - w0), events / Seconds(seen - w0));
  }
  stop.request_stop();
}

}  // namespace

// The ingest phase (see the file comment), over HTTPS.
int Ingest(int pods, int events) {
  kube::testing::FakeApiServerOptions options;
  options.watch_history = events + pods + 100;
  kube::testing::FakeApiServer engine(options);
  auto front = kube::testing::FakeApiServerHttps::Start(engine, {});
  if (!front) return 1;
  auto config =
      kube::client::LoadKubeconfigFromString((*front)->Kubeconfig(), "/tmp", "fake kubeconfig");
  if (!config) return 1;
  config->qps = 0;
  auto https = kube::client::Client::Create(*config);
  if (!https) return 1;
  auto writer = engine.NewClient();
  kube::client::DynamicApi api(writer.get(), kPods, "default");
  for (int i = 0; i < pods; ++i) {
    if (!api.Create(*kube::Unstructured::FromJson(Pod(i)), {.field_manager = "bench"})) return 1;
  }
  auto current = api.List();
  if (!current) return 1;

  size_t rss_before = ResidentBytes();
  auto informer = kube::cache::NewDynamicInformer(https->get(), kPods, {});
  std::atomic<int> updates{0};
  std::atomic<int64_t> first_ns{0}, last_ns{0};
  informer->AddEventHandler({.on_update = [&](const auto&, const auto&) {
    const int64_t now = Clock::now().time_since_epoch().count();
    if (updates.fetch_add(1) == 0) first_ns = now;
    last_ns = now;
  }});
  std::stop_source stop;
  auto t0 = Clock::now();
  informer->Start(stop.get_token());
  while (!informer->HasSynced()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const double sync = Seconds(Clock::now() - t0);
  const double rss_per_pod =
      (static_cast<double>(ResidentBytes()) - static_cast<double>(rss_before)) / pods;

  // Cut the watch and keep it down while the updates are written (503: the reflector
  // retries the watch from its last resourceVersion rather than relisting).
  while (engine.OpenWatches("pods") == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  engine.InjectFault({.verb = "watch", .resource = "pods", .http_code = 503, .times = 1 << 30});
  engine.InjectFault({.verb = "list", .resource = "pods", .http_code = 503, .times = 1 << 30});
  engine.CloseWatches("pods");
  auto w0 = Clock::now();
  for (int e = 0; e < events; ++e) {
    kube::Unstructured& pod = current->items[static_cast<size_t>(e) % current->items.size()];
    pod.Set({"metadata", "labels", "generation"}, Json(std::to_string(e)));
    auto updated = api.Update(pod);
    if (!updated) return 1;
    pod = std::move(*updated);
  }
  const double write = Seconds(Clock::now() - w0);
  engine.ClearFaults();  // the reflector's next retry resumes the watch
  while (updates.load() < events) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double ingest = static_cast<double>(last_ns.load() - first_ns.load()) / 1e9;
  std::printf(
      "[https] initial sync of %d pods: %.3f s (%.0f objects/s), %.0f B resident per pod\n"
      "[https] %d watch events replayed after a dropped watch: ingested in %.3f s = %.0f "
      "events/s (writing them took %.1f s = %.0f/s)\n",
      pods, sync, pods / sync, rss_per_pod, events, ingest, events / ingest, write, events / write);
  stop.request_stop();
  return 0;
}

int main(int argc, char** argv) {
  int pods = argc > 1 ? std::atoi(argv[1]) : 5000;
  int events = argc > 2 ? std::atoi(argv[2]) : 5000;
  int ingest = argc > 3 ? std::atoi(argv[3]) : 20000;
  kube::testing::FakeApiServer server;
  auto client = server.NewClient();
  kube::client::DynamicApi api(client.get(), kPods, "default");
  auto c0 = Clock::now();
  for (int i = 0; i < pods; ++i) {
    auto pod = kube::Unstructured::FromJson(Pod(i));
    auto created = api.Create(*pod, {.field_manager = "bench"});
    if (!created) {
      std::printf("create failed: %s\n", created.error().ToString().c_str());
      return 1;
    }
  }
  auto listed = api.List();
  if (!listed) return 1;
  size_t json = 0, json_without_mf = 0;
  for (auto& item : listed->items) {
    json += item.ToString().size();
    item.Remove({"metadata", "managedFields"});
    json_without_mf += item.ToString().size();
  }
  std::printf(
      "created %d pods in %.2f s; JSON per pod as served: %zu B (%zu B without "
      "managedFields)\n",
      pods, Seconds(Clock::now() - c0), json / listed->items.size(),
      json_without_mf / listed->items.size());
  listed->items.clear();
  listed->items.shrink_to_fit();
  // The peer of the initial sync: the same paged list, decoded, without any cache.
  auto l0 = Clock::now();
  auto paged = api.List({.limit = 500});
  if (!paged) return 1;
  std::printf("paged list alone (client + fake apiserver, no cache): %.3f s (%.0f objects/s)\n",
              Seconds(Clock::now() - l0), pods / Seconds(Clock::now() - l0));
  paged->items.clear();
  paged->items.shrink_to_fit();

  Run(client.get(), "default", kube::cache::DefaultTransform(), pods, events);
  Run(client.get(), "none", kube::cache::NoTransform(), pods, 0);
  Run(client.get(), "metadata-only", kube::cache::MetadataOnlyTransform(), pods, 0);
  return ingest > 0 ? Ingest(pods, ingest) : 0;
}
