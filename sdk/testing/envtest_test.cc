// Tests of EnvTest against the real binaries (skipped when scripts/build-envtest.sh has
// not built them) and of its errors.
#include "kubecpp/testing/envtest.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"

namespace kube::testing {
namespace {

const client::ResourceRef kNamespaces{{"", "v1", "namespaces"}, "Namespace", false};

bool BinariesBuilt() {
  std::string dir = DefaultEnvTestBinaryDir();
  return std::filesystem::exists(dir + "/etcd") && std::filesystem::exists(dir + "/kube-apiserver");
}

TEST(EnvTest, MissingBinaryIsNotFoundNamingPathAndBuildScript) {
  EnvTest env(EnvTestOptions{.binary_dir = "/nonexistent/envtest-bin"});
  Status s = env.Start();
  EXPECT_TRUE(IsNotFound(s)) << s;
  EXPECT_NE(s.message().find("/nonexistent/envtest-bin/"), std::string::npos) << s;
  EXPECT_NE(s.message().find("scripts/build-envtest.sh"), std::string::npos) << s;
  EXPECT_FALSE(env.running());
}

TEST(EnvTest, ServesVersion133AndListsNamespacesThenStopsCleanly) {
  if (!BinariesBuilt()) GTEST_SKIP() << "run scripts/build-envtest.sh to build the binaries";
  EnvTest env;
  ASSERT_TRUE(env.Start().ok());
  ASSERT_TRUE(env.running());
  const std::string temp_dir = env.temp_dir();
  EXPECT_TRUE(std::filesystem::exists(temp_dir + "/kube-apiserver.log"));

  auto client = client::Client::Create(env.config());
  ASSERT_TRUE(client.ok()) << client.status();
  auto version = client::GetServerVersion(**client);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(version->major, "1");
  EXPECT_EQ(version->minor, "33");
  EXPECT_EQ(version->git_version.rfind("v1.33.", 0), 0u) << version->git_version;

  client::DynamicApi namespaces(client->get(), kNamespaces);
  auto list = namespaces.List();
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> names;
  for (const auto& ns : list->items) names.push_back(ns.name());
  EXPECT_NE(std::find(names.begin(), names.end(), "default"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "kube-system"), names.end());

  // The kubeconfig reaches the same cluster as the same user.
  const std::string path = temp_dir + "/test.kubeconfig";
  ASSERT_TRUE(env.WriteKubeconfig(path).ok());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto loaded = client::LoadKubeconfig({path});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->server, env.server());
  auto from_file = client::Client::Create(*loaded);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  client::DynamicApi via_file(from_file->get(), kNamespaces);
  auto got = via_file.Get("default");
  ASSERT_TRUE(got.ok()) << got.status();

  EXPECT_TRUE(env.Stop().ok());
  EXPECT_FALSE(env.running());
  EXPECT_FALSE(std::filesystem::exists(temp_dir));
  // Nothing answers on the port any more (one request, no client retries).
  auto transport =
      transport::NewCpprestTransport({.server = env.server(), .tls = env.config().tls});
  ASSERT_TRUE(transport.ok());
  transport::Request request;
  request.target = "/readyz";
  request.timeout = std::chrono::seconds(5);
  auto response = (*transport)->Send(request, {});
  EXPECT_FALSE(response.ok()) << "the apiserver still answers after Stop";
}

TEST(EnvTest, FailedStartQuotesTheApiserverLogAndCleansUp) {
  if (!BinariesBuilt()) GTEST_SKIP() << "run scripts/build-envtest.sh to build the binaries";
  std::string root = (std::filesystem::temp_directory_path() / "envtest-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(root.data()), nullptr);
  // What a crashed test leaves behind (its process is gone), and a running one's folder.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::filesystem::path abandoned = std::filesystem::path(root) / "kubecpp-envtest-dead";
  const std::filesystem::path alive = std::filesystem::path(root) / "kubecpp-envtest-alive";
  for (const auto& [dir, pid] : {std::pair{abandoned, dead}, std::pair{alive, ::getpid()}}) {
    std::filesystem::create_directory(dir);
    std::ofstream(dir / "owner.pid") << pid << "\n";
  }

  EnvTest env(EnvTestOptions{.apiserver_flags = {"--no-such-flag-for-envtest"}, .temp_root = root});
  Status s = env.Start();
  EXPECT_EQ(s.code(), Code::kUnavailable) << s;
  EXPECT_NE(s.message().find("kube-apiserver exited"), std::string::npos) << s;
  EXPECT_NE(s.message().find("no-such-flag-for-envtest"), std::string::npos) << s;
  EXPECT_FALSE(env.running());
  // etcd was stopped and the temporary folder removed, and so was the abandoned one.
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{"kubecpp-envtest-alive"});
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace kube::testing
