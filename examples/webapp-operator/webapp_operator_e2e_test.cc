// The WebApp operator against a real kube-apiserver and etcd (kube::testing::EnvTest):
// the same operator, client and manager as in webapp_operator_test.cc, but the CRD's
// schema, defaults, scale subresource, garbage-collection metadata and finalizer flow
// are the real apiserver's. Skipped when the binaries are not built (`make envtest`).
// No controllers run there either: the test plays the Deployment controller.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/util.h"
#include "kubecpp/core/json.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/envtest.h"
#include "webapp_operator.h"

namespace webapp {
namespace {

namespace apps = kube::api::apps::v1;
namespace core = kube::api::core::v1;

const kube::client::ResourceRef kWebApps{{"examples.kubecpp.io", "v1", "webapps"}, "WebApp", true};

// Polls `condition` every 100 ms until it holds (true) or 60 s pass (false).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 600; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Changes an annotation of the WebApp "shop" (an event, no spec change).
kube::Status Touch(kube::client::Client* client) {
  kube::client::DynamicApi raw(client, kWebApps, "default");
  return raw
      .Patch("shop", kube::client::PatchType::kMerge,
             R"({"metadata":{"annotations":{"touched":"yes"}}})")
      .status();
}

bool IsReady(const WebApp& app) {
  if (!app.status || !app.status->conditions) return false;
  for (const auto& c : *app.status->conditions) {
    if (c.type == kReady) return c.status.ToString() == "True";
  }
  return false;
}

// Reconciles of the webapp controller so far (controller_runtime_reconcile_total).
double Reconciles(const kube::metrics::Registry& metrics) {
  double total = 0;
  std::istringstream text(metrics.Expose());
  for (std::string line; std::getline(text, line);) {
    if (line.starts_with("controller_runtime_reconcile_total{") &&
        line.find("controller=\"webapp\"") != std::string::npos) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

TEST(WebAppOperatorE2E, ReconcilesScalesAndFinalizesOnARealApiserver) {
  kube::testing::EnvTest env;
  if (kube::Status s = env.Start(); kube::IsNotFound(s)) {
    GTEST_SKIP() << s;
  } else {
    ASSERT_TRUE(s.ok()) << s;
  }
  auto user = kube::client::Client::Create(env.config());
  ASSERT_TRUE(user.ok()) << user.status();
  ASSERT_TRUE(InstallCrd(**user).ok());

  kube::metrics::Registry metrics;
  kube::manager::ManagerOptions options;
  options.metrics_bind_address = "0";
  options.metrics_registry = &metrics;
  auto mgr = kube::manager::Manager::New(env.config(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.status();
  ASSERT_TRUE(SetupWithManager(**mgr).ok());
  std::stop_source stop;
  std::jthread runner([&] { (void)(*mgr)->Start(stop.get_token()); });
  struct StopAtExit {
    std::stop_source& stop;
    ~StopAtExit() { stop.request_stop(); }  // before `runner` joins
  } stop_at_exit{stop};

  kube::client::Api<WebApp> webapps(user->get(), "default");
  kube::client::Api<apps::Deployment> deployments(user->get(), "default");
  auto app = kube::Decode<WebApp>(
      R"({"metadata": {"name": "shop"}, "spec": {"image": "nginx", "env": {"A": "1"}}})");
  ASSERT_TRUE(app.ok());
  auto created = webapps.Create(*app);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->spec->replicas, 1);  // the CRD's default, applied by the apiserver
  EXPECT_EQ(created->spec->port, 8080);

  // The operator creates the Deployment; the test reports it rolled out.
  ASSERT_TRUE(Eventually([&] { return deployments.Get("shop").ok(); }));
  auto d = deployments.Get("shop");
  ASSERT_NE(d->metadata.ControllerRef(), nullptr);
  EXPECT_EQ(d->metadata.ControllerRef()->uid, created->metadata.uid);
  kube::Status rolled_out = kube::controller::RetryOnConflict({}, [&]() -> kube::Status {
    auto live = deployments.Get("shop");
    if (!live) return live.status();
    apps::DeploymentStatus& st = live->status.emplace();
    st.observed_generation = live->metadata.generation;
    st.replicas = st.updated_replicas = st.ready_replicas = st.available_replicas = 1;
    return deployments.UpdateStatus(*live).status();
  });
  ASSERT_TRUE(rolled_out.ok()) << rolled_out;
  EXPECT_TRUE(Eventually([&] {
    auto got = webapps.Get("shop");
    return got.ok() && IsReady(*got);
  }));

  // Up to date: a reconcile (the WebApp was touched) writes nothing, also with the
  // real apiserver's defaults on the owned objects.
  auto versions = [&] {
    kube::client::Api<core::Service> services(user->get(), "default");
    kube::client::Api<core::ConfigMap> config_maps(user->get(), "default");
    return deployments.Get("shop")->metadata.resource_version + "/" +
           services.Get("shop")->metadata.resource_version + "/" +
           config_maps.Get("shop-env")->metadata.resource_version;
  };
  const std::string before = versions();
  const double reconciles = Reconciles(metrics);
  ASSERT_TRUE(Touch(user->get()).ok());
  EXPECT_TRUE(Eventually([&] { return Reconciles(metrics) > reconciles; }));
  EXPECT_EQ(versions(), before);

  // kubectl scale webapp shop --replicas=3
  kube::client::DynamicApi raw(user->get(), kWebApps, "default");
  auto scaled =
      raw.Patch("shop", kube::client::PatchType::kMerge, R"({"spec":{"replicas":3}})", {}, "scale");
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_TRUE(Eventually([&] { return deployments.Get("shop")->spec->replicas == 3; }));

  // Deleting waits for the finalizer, which empties the registry entry.
  kube::client::Api<core::ConfigMap> registry(user->get(), std::string(kRegistryNamespace));
  EXPECT_TRUE(Eventually([&] {
    auto cm = registry.Get(kRegistryName);
    return cm.ok() && cm->data && cm->data->contains("default.shop");
  }));
  ASSERT_TRUE(webapps.Delete("shop").ok());
  EXPECT_TRUE(Eventually([&] { return kube::IsNotFound(webapps.Get("shop").status()); }));
  auto cm = registry.Get(kRegistryName);
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_FALSE(cm->data && cm->data->contains("default.shop"));
}

}  // namespace
}  // namespace webapp
