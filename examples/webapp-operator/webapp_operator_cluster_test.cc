// The WebApp operator end to end, with the rest of a cluster simulated in-process: the
// built-in Deployment and ReplicaSet controllers and podsim (the stand-in for the
// scheduler and kubelets) run in the same manager on the fake apiserver, so the pods
// really come up and the WebApp's status comes from them, not from the test.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "controllers/deployment/deployment_controller.h"
#include "controllers/podsim/podsim.h"
#include "controllers/replicaset/replicaset_controller.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "webapp_operator.h"

namespace webapp {
namespace {

namespace core = kube::api::core::v1;

// Polls `condition` every 20 ms until it holds (true) or 30 s pass (false).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(WebAppOperatorCluster, RollsOutScalesAndRollsOnConfigChangeWithRealControllers) {
  kube::testing::FakeApiServer apiserver;
  auto user = apiserver.NewClient();
  ASSERT_TRUE(InstallCrd(*user).ok());

  kube::metrics::Registry metrics;
  kube::manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &metrics;
  auto mgr = kube::manager::Manager::New(apiserver.NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.status();
  ASSERT_TRUE(SetupWithManager(**mgr).ok());
  ASSERT_TRUE(kube::controllers::deployment::SetupWithManager(**mgr, {.workers = 2}).ok());
  ASSERT_TRUE(
      kube::controllers::replicaset::ReplicaSetController::SetupWithManager(**mgr, {.workers = 2})
          .ok());
  ASSERT_TRUE(kube::controllers::podsim::SetupWithManager(**mgr, {.nodes = 2}).ok());
  std::stop_source stop;
  std::jthread runner([&] { (void)(*mgr)->Start(stop.get_token()); });
  struct StopAtExit {
    std::stop_source& stop;
    ~StopAtExit() { stop.request_stop(); }  // before `runner` joins
  } stop_at_exit{stop};

  kube::client::Api<WebApp> webapps(user.get(), "default");
  kube::client::Api<core::Pod> pods(user.get(), "default");
  auto app = kube::Decode<WebApp>(R"({"metadata": {"name": "shop"},
      "spec": {"image": "nginx", "replicas": 2, "env": {"COLOR": "blue"}}})");
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(webapps.Create(*app).ok());

  // Ready once `want` pods run, every one of them with the ConfigMap's `hash`.
  auto ready_with = [&](int32_t want, const std::string& hash) {
    auto got = webapps.Get("shop");
    if (!got || !got->status || got->status->available_replicas != want) return false;
    bool ready = false;
    for (const auto& c : got->status->conditions.value_or(
             std::vector<::webapp::api::examples::v1::WebAppStatusConditions>{})) {
      ready |= c.type == kReady && c.status.ToString() == "True";
    }
    auto list = pods.List({.label_selector = "app.kubernetes.io/instance=shop"});
    if (!ready || !list) return false;
    int running = 0;
    for (const auto& p : list->items) {
      if (!p.metadata.deletion_timestamp.IsZero()) return false;  // old pods still going
      auto it = p.metadata.annotations.find(std::string(kConfigHashAnnotation));
      if (it == p.metadata.annotations.end() || it->second != hash) return false;
      ++running;
    }
    return running == want;
  };
  EXPECT_TRUE(Eventually([&] { return ready_with(2, ConfigHash({{"COLOR", "blue"}})); }));

  // kubectl scale webapp shop --replicas=3
  kube::client::DynamicApi raw(
      user.get(), {{"examples.kubecpp.io", "v1", "webapps"}, "WebApp", true}, "default");
  ASSERT_TRUE(
      raw.Patch("shop", kube::client::PatchType::kMerge, R"({"spec":{"replicas":3}})", {}, "scale")
          .ok());
  EXPECT_TRUE(Eventually([&] { return ready_with(3, ConfigHash({{"COLOR", "blue"}})); }));

  // A new environment: the pods are replaced by ones with the new hash.
  ASSERT_TRUE(
      raw.Patch("shop", kube::client::PatchType::kMerge, R"({"spec":{"env":{"COLOR":"green"}}})")
          .ok());
  EXPECT_TRUE(Eventually([&] { return ready_with(3, ConfigHash({{"COLOR", "green"}})); }));
}

}  // namespace
}  // namespace webapp
