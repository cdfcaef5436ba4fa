// The manager end to end on the in-process fake apiserver: controllers, endpoints,
// leader election between two managers, graceful shutdown.
#include "kubecpp/manager/manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "kubecpp/client/dynamic.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"

namespace kube::manager {
namespace {

using ::testing::HasSubstr;

const client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};

bool Eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

struct HttpReply {
  int status = 0;
  std::string body;
};
HttpReply Get(const std::string& url, const std::string& target) {
  auto transport = transport::NewCpprestTransport({.server = url});
  if (!transport.ok()) return {};
  transport::Request request;
  request.method = "GET";
  request.target = target;
  auto response = (*transport)->Send(request, std::stop_token());
  if (!response.ok()) return {};
  return {response->status_code, response->body};
}

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() : cms_(api_.NewClient()) {}

  void CreateConfigMap(const std::string& name) {
    client::DynamicApi api(cms_.get(), kConfigMaps, "default");
    Unstructured u;
    u.set_api_version("v1");
    u.set_kind("ConfigMap");
    u.set_name(name);
    u.set_namespace("default");
    ASSERT_TRUE(api.Create(u).ok());
  }

  ManagerOptions Options() {
    ManagerOptions o;
    o.metrics_bind_address = "0";
    o.metrics_registry = &registry_;
    return o;
  }

  testing::FakeApiServer api_;
  std::unique_ptr<client::Client> cms_;
  metrics::Registry registry_;
};

TEST_F(ManagerTest, RunsControllersServesMetricsAndProbesAndStopsCleanly) {
  CreateConfigMap("a");
  ManagerOptions options = Options();
  options.metrics_bind_address = "127.0.0.1:0";
  options.health_probe_bind_address = "127.0.0.1:0";
  auto mgr = Manager::New(api_.NewClient(), options);
  ASSERT_TRUE(mgr.ok()) << mgr.status();
  std::atomic<int> reconciles{0};
  Status added = (*mgr)
                     ->NewControllerManagedBy()
                     .ForResource(kConfigMaps)
                     .Named("cms")
                     .Complete(controller::ReconcilerFunc(
                         [&](const controller::Request&) -> Result<controller::Action> {
                           ++reconciles;
                           return controller::Action::Done();
                         }));
  ASSERT_TRUE(added.ok()) << added;
  Status duplicate = (*mgr)
                         ->NewControllerManagedBy()
                         .ForResource(kConfigMaps)
                         .Named("cms")
                         .Complete(controller::ReconcilerFunc([](const controller::Request&) {
                           return Result<controller::Action>(controller::Action::Done());
                         }));
  EXPECT_EQ(duplicate.code(), Code::kAlreadyExists);

  std::stop_source stop;
  Status result;
  std::thread runner([&] { result = (*mgr)->Start(stop.get_token()); });
  ASSERT_TRUE(Eventually([&] { return reconciles.load() >= 1; }));
  ASSERT_TRUE(Eventually([&] { return Get((*mgr)->health_probe_url(), "/readyz").status == 200; }));
  EXPECT_EQ(Get((*mgr)->health_probe_url(), "/healthz").status, 200);
  HttpReply metrics = Get((*mgr)->metrics_url(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(
      metrics.body,
      HasSubstr("controller_runtime_reconcile_total{controller=\"cms\",result=\"success\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("workqueue_adds_total{controller=\"cms\",name=\"cms\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("rest_client_requests_total{code=\"200\""));
  EXPECT_TRUE((*mgr)->IsLeader());
  stop.request_stop();
  runner.join();
  EXPECT_TRUE(result.ok()) << result;
  EXPECT_FALSE((*mgr)->IsLeader());
}

TEST_F(ManagerTest, ReadyzFailsUntilTheCachesHaveSynced) {
  ManagerOptions options = Options();
  options.health_probe_bind_address = "127.0.0.1:0";
  auto mgr = Manager::New(api_.NewClient(), options);
  ASSERT_TRUE(mgr.ok());
  // An informer that cannot sync: its resource is not served.
  client::ResourceRef widgets{{"example.com", "v1", "widgets"}, "Widget", true};
  ASSERT_TRUE((*mgr)->informers().ForResource(widgets).ok());
  std::stop_source stop;
  std::thread runner([&] { (void)(*mgr)->Start(stop.get_token()); });
  ASSERT_TRUE(Eventually([&] { return !(*mgr)->health_probe_url().empty(); }));
  HttpReply ready = Get((*mgr)->health_probe_url(), "/readyz?verbose");
  EXPECT_EQ(ready.status, 500);
  EXPECT_THAT(ready.body, HasSubstr("[-]informers failed"));
  stop.request_stop();
  runner.join();
}

TEST_F(ManagerTest, AFailingRunnableStopsTheManagerWithItsError) {
  auto mgr = Manager::New(api_.NewClient(), Options());
  ASSERT_TRUE(mgr.ok());
  ASSERT_TRUE((*mgr)
                  ->Add(RunnableFunc("broken",
                                     [](std::stop_token) {
                                       return Status(Code::kForbidden, "cannot list widgets");
                                     }))
                  .ok());
  std::atomic<bool> other_stopped{false};
  ASSERT_TRUE((*mgr)
                  ->Add(RunnableFunc("waits",
                                     [&](std::stop_token st) {
                                       while (!st.stop_requested()) {
                                         std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                       }
                                       other_stopped = true;
                                       return Status();
                                     }))
                  .ok());
  Status result = (*mgr)->Start(std::stop_token());
  EXPECT_EQ(result.code(), Code::kForbidden);
  EXPECT_THAT(result.message(), HasSubstr("broken"));
  EXPECT_TRUE(other_stopped.load());
}

TEST_F(ManagerTest, GracefulShutdownWaitsThenCancelsInFlightReconciles) {
  CreateConfigMap("slow");
  ManagerOptions options = Options();
  options.graceful_shutdown_timeout = std::chrono::milliseconds(100);
  auto mgr = Manager::New(api_.NewClient(), options);
  ASSERT_TRUE(mgr.ok());
  std::latch entered(1);
  std::atomic<bool> cancelled{false};
  ASSERT_TRUE((*mgr)
                  ->NewControllerManagedBy()
                  .ForResource(kConfigMaps)
                  .Complete(controller::ReconcilerFunc(
                      [&](const controller::Request& req) -> Result<controller::Action> {
                        entered.count_down();
                        while (!req.stop.stop_requested()) {
                          std::this_thread::sleep_for(std::chrono::milliseconds(1));
                        }
                        cancelled = true;
                        return Status(Code::kCancelled, "stopped");
                      }))
                  .ok());
  std::stop_source stop;
  Status result;
  std::thread runner([&] { result = (*mgr)->Start(stop.get_token()); });
  entered.wait();
  const auto t0 = std::chrono::steady_clock::now();
  stop.request_stop();
  runner.join();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  EXPECT_TRUE(cancelled.load());
  EXPECT_EQ(result.code(), Code::kTimeout) << result;
}

TEST_F(ManagerTest, OnlyTheLeaderRunsControllersAndAStandbyTakesOverOnRelease) {
  CreateConfigMap("x");
  auto make = [&](const std::string& identity, std::atomic<int>* reconciles) {
    ManagerOptions options = Options();
    options.leader_election = true;
    options.leader_election_id = "test-manager";
    options.leader_election_identity = identity;
    options.lease_duration = std::chrono::seconds(2);
    options.renew_deadline = std::chrono::milliseconds(1500);
    options.retry_period = std::chrono::milliseconds(100);
    auto mgr = Manager::New(api_.NewClient(), options);
    EXPECT_TRUE(mgr.ok()) << mgr.status();
    EXPECT_TRUE((*mgr)
                    ->NewControllerManagedBy()
                    .ForResource(kConfigMaps)
                    .Complete(controller::ReconcilerFunc(
                        [reconciles](const controller::Request&) -> Result<controller::Action> {
                          ++*reconciles;
                          return controller::Action::Done();
                        }))
                    .ok());
    return std::move(*mgr);
  };
  std::atomic<int> a_reconciles{0}, b_reconciles{0};
  auto a = make("a", &a_reconciles);
  auto b = make("b", &b_reconciles);
  std::stop_source stop_a, stop_b;
  std::thread run_a([&] { (void)a->Start(stop_a.get_token()); });
  ASSERT_TRUE(Eventually([&] { return a->IsLeader() && a_reconciles.load() >= 1; }));
  std::thread run_b([&] { (void)b->Start(stop_b.get_token()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // b campaigns in vain
  EXPECT_FALSE(b->IsLeader());
  EXPECT_EQ(b_reconciles.load(), 0);

  stop_a.request_stop();  // a releases the Lease on its way out
  run_a.join();
  EXPECT_FALSE(a->IsLeader());
  ASSERT_TRUE(Eventually([&] { return b->IsLeader() && b_reconciles.load() >= 1; },
                         std::chrono::seconds(1)));  // well inside the 2 s lease
  stop_b.request_stop();
  run_b.join();
}

}  // namespace
}  // namespace kube::manager
