#include "e2e_cluster.h"

#include <cctype>
#include <utility>

#include "kubecpp/core/clock.h"

namespace kube::e2e {
namespace {

Cluster* g_cluster = nullptr;

class EnvTestEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_cluster = new Cluster;
    g_cluster->env = std::make_unique<testing::EnvTest>();
    g_cluster->start_status = g_cluster->env->Start();
    if (!g_cluster->start_status.ok()) return;
    auto client = client::Client::Create(g_cluster->env->config());
    if (!client) {
      g_cluster->start_status = client.error();
      return;
    }
    g_cluster->client = std::move(*client);
  }
  void TearDown() override {
    if (g_cluster == nullptr) return;
    g_cluster->client.reset();
    Status stopped = g_cluster->env->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped;
    delete g_cluster;
    g_cluster = nullptr;
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EnvTestEnvironment);

}  // namespace

Cluster* SharedCluster() { return g_cluster; }

Unstructured Object(Json json) {
  auto object = Unstructured::FromJson(std::move(json));
  EXPECT_TRUE(object.ok()) << object.status();
  return object.ok() ? std::move(*object) : Unstructured();
}

bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = RealClock().Now() + kDeadline;
  while (!condition()) {
    if (RealClock().Now() >= deadline) return false;
    RealClock().SleepFor(std::chrono::milliseconds(100), {});
  }
  return true;
}

void ClientE2E::SetUp() {
  ASSERT_NE(g_cluster, nullptr);
  const Status& started = g_cluster->start_status;
  if (IsNotFound(started)) GTEST_SKIP() << started;
  ASSERT_TRUE(started.ok()) << started;
  client_ = g_cluster->client.get();
  std::string name = "e2e";
  for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    if (name.size() >= 60) break;
    if (std::isupper(static_cast<unsigned char>(c)) && name.back() != '-') name += '-';
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (name.back() == '-') name.pop_back();
  client::DynamicApi namespaces(client_, kNamespaces);
  auto created = namespaces.Create(
      Object({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}}));
  ASSERT_TRUE(created.ok()) << created.status();
  ns_ = name;
}

}  // namespace kube::e2e
