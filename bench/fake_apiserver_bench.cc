// Throughput of the fake apiserver through both doors.
//
//   In-process (FakeApiServer::NewTransport, no sockets):
//     BM_InProcessCreate     POST of small ConfigMaps            target >= 20,000/s
//     BM_InProcessGet        GET of one ConfigMap
//     BM_InProcessUpdate     PUT of one ConfigMap (a real change each time)
//     BM_InProcessList       GET of a 100-item list (items/s counts objects)
//     BM_WatchFanOut/N       one write delivered to N watchers; items/s counts
//                            delivered events, time is per write until all N saw it
//   HTTPS (FakeApiServerHttps + kubecpp's cpprestsdk client, keep-alive):
//     BM_HttpsGet            GET of one ConfigMap               target >= 5,000/s
//     BM_HttpsCreate         POST of small ConfigMaps
//     BM_HttpsWatchEvents    events/s streamed to one watching client
//
// The figures are what kubecpp's own benchmarks need from the fake: it must never be
// their bottleneck. Run: build/release/bench/fake_apiserver_bench.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/core/json.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_apiserver_https.h"
#include "kubecpp/transport/transport.h"

namespace {

using kube::Json;
using kube::testing::FakeApiServer;
using kube::testing::FakeApiServerOptions;

constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

std::string ConfigMapBody(const std::string& name, const std::string& value = "v") {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
              {"data", {{"key", value}}}}
      .dump();
}

kube::transport::Request Post(std::string body) {
  kube::transport::Request request;
  request.method = "POST";
  request.target = kConfigMaps;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::move(body);
  return request;
}

kube::transport::Request GetRequest(std::string target) {
  kube::transport::Request request;
  request.target = std::move(target);
  return request;
}

void Check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) state.SkipWithError(what);
}

FakeApiServerOptions SmallHistory() {
  FakeApiServerOptions options;
  options.watch_history = 1000;
  return options;
}

void BM_InProcessCreate(benchmark::State& state) {
  FakeApiServer server(SmallHistory());
  auto transport = server.NewTransport();
  int64_t i = 0;
  for (auto _ : state) {
    auto response = transport->Send(Post(ConfigMapBody("cm-" + std::to_string(i++))), {});
    if (!response.ok() || response->status_code != 201) {
      state.SkipWithError("create failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessCreate)->UseRealTime();

void BM_InProcessGet(benchmark::State& state) {
  FakeApiServer server(SmallHistory());
  auto transport = server.NewTransport();
  Check(transport->Send(Post(ConfigMapBody("one")), {}).ok(), state, "setup");
  const auto request = GetRequest(std::string(kConfigMaps) + "/one");
  for (auto _ : state) {
    auto response = transport->Send(request, {});
    if (!response.ok() || response->status_code != 200) {
      state.SkipWithError("get failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessGet)->UseRealTime();

void BM_InProcessUpdate(benchmark::State& state) {
  FakeApiServer server(SmallHistory());
  auto transport = server.NewTransport();
  Check(transport->Send(Post(ConfigMapBody("one")), {}).ok(), state, "setup");
  kube::transport::Request put;
  put.method = "PUT";
  put.target = std::string(kConfigMaps) + "/one";
  put.headers = {{"Content-Type", "application/json"}};
  int64_t i = 0;
  for (auto _ : state) {
    put.body = ConfigMapBody("one", std::to_string(i++));
    auto response = transport->Send(put, {});
    if (!response.ok() || response->status_code != 200) {
      state.SkipWithError("update failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessUpdate)->UseRealTime();

void BM_InProcessList(benchmark::State& state) {
  FakeApiServer server(SmallHistory());
  auto transport = server.NewTransport();
  for (int i = 0; i < 100; ++i) {
    Check(transport->Send(Post(ConfigMapBody("cm-" + std::to_string(i))), {}).ok(), state, "setup");
  }
  const auto request = GetRequest(kConfigMaps);
  for (auto _ : state) {
    auto response = transport->Send(request, {});
    if (!response.ok() || response->status_code != 200) {
      state.SkipWithError("list failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_InProcessList)->UseRealTime();

// N watchers on one resource; each iteration is one write and waits until every
// watcher has received its event.
void BM_WatchFanOut(benchmark::State& state) {
  const int watchers = static_cast<int>(state.range(0));
  FakeApiServer server(SmallHistory());
  auto writer = server.NewTransport();
  std::mutex mu;
  std::condition_variable cv;
  int64_t delivered = 0;
  std::vector<std::jthread> threads;
  std::atomic<int> started{0};
  for (int w = 0; w < watchers; ++w) {
    threads.emplace_back([&](std::stop_token stop) {
      auto transport = server.NewTransport();
      auto request = GetRequest(std::string(kConfigMaps) + "?watch=1&resourceVersion=" +
                                std::to_string(server.resource_version()));
      started++;
      (void)transport->Stream(
          request,
          [&](std::string_view chunk) {
            int64_t lines = std::count(chunk.begin(), chunk.end(), '\n');
            {
              std::lock_guard<std::mutex> lock(mu);
              delivered += lines;
            }
            cv.notify_all();
            return true;
          },
          stop);
    });
  }
  while (started < watchers) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // watches registered
  int64_t i = 0;
  int64_t expected = 0;
  for (auto _ : state) {
    if (!writer->Send(Post(ConfigMapBody("cm-" + std::to_string(i++))), {}).ok()) {
      state.SkipWithError("create failed");
      break;
    }
    expected += watchers;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return delivered >= expected; });
  }
  state.SetItemsProcessed(expected);
  server.Shutdown();
  for (auto& t : threads) t.request_stop();
}
BENCHMARK(BM_WatchFanOut)->Arg(1)->Arg(100)->UseRealTime();

// --- HTTPS ---------------------------------------------------------------------

struct Https {
  FakeApiServer engine{SmallHistory()};
  std::unique_ptr<kube::testing::FakeApiServerHttps> front;
  std::unique_ptr<kube::client::Client> client;

  bool Start() {
    auto started = kube::testing::FakeApiServerHttps::Start(engine, {});
    if (!started.ok()) return false;
    front = std::move(*started);
    auto config =
        kube::client::LoadKubeconfigFromString(front->Kubeconfig(), "/tmp", "fake kubeconfig");
    if (!config.ok()) return false;
    config->qps = 0;
    auto client_or = kube::client::Client::Create(*config);
    if (!client_or.ok()) return false;
    client = std::move(*client_or);
    return true;
  }
};

void BM_HttpsGet(benchmark::State& state) {
  Https https;
  Check(https.Start(), state, "start");
  Check(https.client->Call("POST", kConfigMaps, ConfigMapBody("one")).ok(), state, "setup");
  const std::string target = std::string(kConfigMaps) + "/one";
  for (auto _ : state) {
    if (!https.client->Call("GET", target).ok()) {
      state.SkipWithError("get failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpsGet)->UseRealTime();

void BM_HttpsCreate(benchmark::State& state) {
  Https https;
  Check(https.Start(), state, "start");
  int64_t i = 0;
  for (auto _ : state) {
    if (!https.client->Call("POST", kConfigMaps, ConfigMapBody("cm-" + std::to_string(i++))).ok()) {
      state.SkipWithError("create failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpsCreate)->UseRealTime();

// Events/s to one HTTPS watcher: the initial ADDED events of 10,000 ConfigMaps.
void BM_HttpsWatchEvents(benchmark::State& state) {
  Https https;
  Check(https.Start(), state, "start");
  auto transport = https.engine.NewTransport();
  constexpr int kObjects = 10000;
  for (int i = 0; i < kObjects; ++i) {
    (void)transport->Send(Post(ConfigMapBody("cm-" + std::to_string(i))), {});
  }
  for (auto _ : state) {
    int64_t events = 0;
    auto status = https.client->Stream(
        std::string(kConfigMaps) + "?watch=1&resourceVersion=0",
        [&](std::string_view chunk) {
          events += std::count(chunk.begin(), chunk.end(), '\n');
          return events < kObjects;
        },
        std::chrono::seconds(30));
    if (!status.ok() || events < kObjects) {
      state.SkipWithError("watch failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kObjects);
}
BENCHMARK(BM_HttpsWatchEvents)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
