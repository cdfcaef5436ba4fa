// Rolling out a big Deployment (issue 7's benchmark): time and API calls for the
// Deployment and ReplicaSet controllers to roll out N replicas (default 1,000), then to
// roll them to a new image, on the in-process fake apiserver with podsim making pods
// Running and Ready at once.
//
//   controller_manager_bench [REPLICAS]
//
// Two runs: with client-side rate limiting off, and with kube-controller-manager's
// default QPS 20 / burst 30. kubecpp-controller-manager has one client, so both
// controllers (and their Events) share that budget; kube-controller-manager gives each
// controller a client of its own with it. podsim has its own unlimited client: it stands in for
// kubelets, whose writes are not the controller manager's budget. With the QPS limit the physical
// floor is (calls - burst) / QPS seconds; the run prints how close it comes.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "controllers/controller_manager/demo.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/podsim/podsim.h"
#include "controllers/replicaset/replicaset_controller.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/log.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
const kube::client::ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};

// API calls by verb, as the controllers' client sent them (the manager owns the
// client's request observer, for its metrics, so the count sits in the transport).
class CountingTransport final : public kube::transport::Transport {
 public:
  explicit CountingTransport(std::unique_ptr<kube::transport::Transport> inner)
      : inner_(std::move(inner)) {}
  kube::Result<kube::transport::Response> Send(const kube::transport::Request& request,
                                               std::stop_token stop) override {
    Count(request.method);
    return inner_->Send(request, stop);
  }
  kube::Result<kube::transport::Response> Stream(const kube::transport::Request& request,
                                                 const kube::transport::ChunkHandler& on_chunk,
                                                 std::stop_token stop) override {
    Count("WATCH");
    return inner_->Stream(request, on_chunk, stop);
  }
  std::map<std::string, int> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  void Count(const std::string& verb) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[verb];
  }
  const std::unique_ptr<kube::transport::Transport> inner_;
  mutable std::mutex mu_;
  std::map<std::string, int> calls_;
};

int Total(const std::map<std::string, int>& calls) {
  int total = 0;
  for (const auto& [verb, n] : calls) total += n;
  return total;
}

std::map<std::string, int> Minus(std::map<std::string, int> a,
                                 const std::map<std::string, int>& b) {
  for (const auto& [verb, n] : b) a[verb] -= n;
  return a;
}

std::string Describe(const std::map<std::string, int>& calls) {
  std::string out;
  for (const auto& [verb, n] : calls) {
    if (n == 0) continue;
    out += (out.empty() ? "" : " ") + verb + "=" + std::to_string(n);
  }
  return out;
}

std::unique_ptr<kube::manager::Manager> NewManager(std::unique_ptr<kube::client::Client> client,
                                                   kube::metrics::Registry* registry) {
  kube::manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = registry;
  auto mgr = kube::manager::Manager::New(std::move(client), options);
  if (!mgr) {
    std::fprintf(stderr, "manager: %s\n", mgr.error().ToString().c_str());
    std::abort();
  }
  return std::move(*mgr);
}

void WaitForRollout(kube::client::DynamicApi& deployments) {
  while (true) {
    auto d = deployments.Get("web");
    if (d && kube::controllers::RolloutComplete(d->object())) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Run(int replicas, double qps, int burst) {
  kube::testing::FakeApiServer apiserver;
  auto counting = std::make_unique<CountingTransport>(apiserver.NewTransport());
  const CountingTransport& counter = *counting;
  kube::client::Config config;
  config.server = "https://fake-apiserver";
  config.qps = qps;
  config.burst = burst;
  auto client = std::make_unique<kube::client::Client>(config, std::move(counting), nullptr);

  kube::metrics::Registry controllers_registry;
  auto controllers = NewManager(std::move(client), &controllers_registry);
  if (!kube::controllers::replicaset::ReplicaSetController::SetupWithManager(*controllers).ok() ||
      !kube::controllers::deployment::SetupWithManager(*controllers).ok()) {
    std::abort();
  }
  kube::metrics::Registry kubelets_registry;
  auto kubelets = NewManager(apiserver.NewClient(), &kubelets_registry);
  kube::controllers::podsim::PodSimulator::Options sim;
  sim.nodes = (replicas * 2) / 100 + 2;  // room for the surge at 110 pods per node
  sim.workers = 8;
  if (!kube::controllers::podsim::SetupWithManager(*kubelets, sim)) std::abort();

  std::stop_source stop;
  std::thread run_controllers([&] { (void)controllers->Start(stop.get_token()); });
  std::thread run_kubelets([&] { (void)kubelets->Start(stop.get_token()); });

  auto user = apiserver.NewClient();
  kube::client::DynamicApi deployments(user.get(), kDeployments, "default");
  auto web = kube::Unstructured::Parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web","namespace":"default"},
      "spec":{"selector":{"matchLabels":{"app":"web"}},
        "template":{"metadata":{"labels":{"app":"web"}},
          "spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}})");
  web->object()["spec"]["replicas"] = replicas;

  const auto before = counter.Snapshot();
  auto t0 = SteadyClock::now();
  if (!deployments.Create(*web)) std::abort();
  WaitForRollout(deployments);
  const double rollout = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const auto after_rollout = counter.Snapshot();

  t0 = SteadyClock::now();
  if (!deployments.Patch("web", kube::client::PatchType::kStrategicMerge,
                         R"({"spec":{"template":{"spec":{"containers":[{"name":"web",
                             "image":"nginx:1.28"}]}}}})")) {
    std::abort();
  }
  WaitForRollout(deployments);
  const double update = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const auto after_update = counter.Snapshot();
  stop.request_stop();
  run_controllers.join();
  run_kubelets.join();

  const std::string mode =
      qps > 0 ? "qps=" + std::to_string(static_cast<int>(qps)) + " burst=" + std::to_string(burst)
              : "qps=off";
  for (const auto& [phase, seconds, calls] :
       {std::tuple{"rollout", rollout, Minus(after_rollout, before)},
        std::tuple{"image update", update, Minus(after_update, after_rollout)}}) {
    const int total = Total(calls);
    std::printf("%-16s %-13s %d replicas: %7.2f s, %5d API calls (%s), %6.1f calls/s", mode.c_str(),
                phase, replicas, seconds, total, Describe(calls).c_str(), total / seconds);
    if (qps > 0) {
      const double floor = std::max(0.0, (total - burst) / qps);
      std::printf(", QPS floor %.1f s: %.0f%% of it", floor, 100.0 * floor / seconds);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  kube::controller::SetLogVerbosity(-1);
  const int replicas = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (replicas <= 0) {
    std::fprintf(stderr, "usage: controller_manager_bench [REPLICAS]\n");
    return 2;
  }
  Run(replicas, 0, 0);
  Run(replicas, 20, 30);
  return 0;
}
