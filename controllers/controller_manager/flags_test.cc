#include "controllers/controller_manager/flags.h"

#include <gtest/gtest.h>

namespace kube::controllers {
namespace {

TEST(Flags, DefaultsAreKubeControllerManagers) {
  auto flags = ParseFlags({});
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->concurrent_deployment_syncs, 5);
  EXPECT_EQ(flags->concurrent_gc_syncs, 20);
  EXPECT_EQ(flags->kube_api_qps, 20);
  EXPECT_EQ(flags->kube_api_burst, 30);
  EXPECT_TRUE(flags->leader_elect);
  EXPECT_EQ(flags->leader_elect_lease_duration, std::chrono::seconds(15));
  EXPECT_FALSE(flags->embedded_apiserver);
}

TEST(Flags, TakesValuesAfterEqualsOrAsTheNextArgument) {
  auto flags =
      ParseFlags({"--kubeconfig", "/tmp/kc", "--concurrent-replicaset-syncs=12", "--kube-api-qps=0",
                  "-v=4", "--leader-elect=false", "--leader-elect-lease-duration=1m30s",
                  "--log-format", "json", "--apply", "a.yaml", "--apply=b.yaml"});
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->kubeconfig, "/tmp/kc");
  EXPECT_EQ(flags->concurrent_replicaset_syncs, 12);
  EXPECT_EQ(flags->kube_api_qps, 0);
  EXPECT_EQ(flags->verbosity, 4);
  EXPECT_FALSE(flags->leader_elect);
  EXPECT_EQ(flags->leader_elect_lease_duration, std::chrono::seconds(90));
  EXPECT_EQ(flags->log_format, "json");
  EXPECT_EQ(flags->apply, (std::vector<std::string>{"a.yaml", "b.yaml"}));
}

TEST(Flags, EmbeddedApiserverValueIsOptional) {
  auto bare = ParseFlags({"--embedded-apiserver", "--leader-elect=false"});
  ASSERT_TRUE(bare) << bare.error();
  EXPECT_EQ(bare->embedded_apiserver, "127.0.0.1:0");
  EXPECT_FALSE(bare->leader_elect);  // the next flag was not taken as the address
  auto addr = ParseFlags({"--embedded-apiserver=0.0.0.0:6443"});
  ASSERT_TRUE(addr) << addr.error();
  EXPECT_EQ(addr->embedded_apiserver, "0.0.0.0:6443");
}

TEST(Flags, BadInputNamesTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--no-such-flag"}, "unknown flag: --no-such-flag"},
           {{"--concurrent-deployment-syncs=zero"}, "--concurrent-deployment-syncs"},
           {{"--concurrent-deployment-syncs=0"}, "must be at least 1"},
           {{"--leader-elect=maybe"}, "--leader-elect"},
           {{"--leader-elect-renew-deadline=10"}, "not a duration"},
           {{"--log-format=xml"}, "want text or json"},
           {{"--controllers=deployment,-bogus"}, "unknown controller \"bogus\""},
           {{"--kubeconfig"}, "flag needs an argument: --kubeconfig"},
           {{"stray"}, "unexpected argument"},
       }) {
    auto flags = ParseFlags(c.args);
    ASSERT_FALSE(flags) << c.args[0];
    EXPECT_NE(flags.error().message().find(c.message), std::string::npos)
        << flags.error().message();
  }
}

TEST(Flags, ControllersSelectsLikeKubeControllerManager) {
  auto all = ParseFlags({});
  ASSERT_TRUE(all);
  EXPECT_TRUE(ControllerEnabled(*all, "deployment"));
  EXPECT_FALSE(ControllerEnabled(*all, "podsim"));  // would fight real kubelets

  auto embedded = ParseFlags({"--embedded-apiserver"});
  ASSERT_TRUE(embedded);
  EXPECT_TRUE(ControllerEnabled(*embedded, "podsim"));

  auto some = ParseFlags({"--embedded-apiserver", "--controllers=*,-podsim,-endpoints"});
  ASSERT_TRUE(some);
  EXPECT_FALSE(ControllerEnabled(*some, "podsim"));
  EXPECT_FALSE(ControllerEnabled(*some, "endpoints"));
  EXPECT_TRUE(ControllerEnabled(*some, "endpointslice"));

  auto named = ParseFlags({"--controllers=replicaset,podsim"});
  ASSERT_TRUE(named);
  EXPECT_TRUE(ControllerEnabled(*named, "podsim"));
  EXPECT_TRUE(ControllerEnabled(*named, "replicaset"));
  EXPECT_FALSE(ControllerEnabled(*named, "deployment"));
}

}  // namespace
}  // namespace kube::controllers
