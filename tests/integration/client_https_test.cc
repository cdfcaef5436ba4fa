// The client against a real HTTPS server, configured the way users configure it: a
// kubeconfig file naming the cluster CA, a client certificate and an exec credential
// plugin. The server is a small stand-in for kube-apiserver that serves paged lists
// and watches of ConfigMaps and checks credentials.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/http/server.h"
#include "kubecpp/testing/pki.h"

namespace kube {
namespace {

namespace fs = std::filesystem;
using client::DynamicApi;
using client::ResourceRef;

const ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};

void WriteFile(const fs::path& path, const std::string& text, bool executable = false) {
  std::ofstream(path) << text;
  if (executable) fs::permissions(path, fs::perms::owner_all);
}

class ClientHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kubecpp-client-https-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);

    auto ca = testing::GenerateCa("kubecpp-test-ca");
    ASSERT_TRUE(ca) << ca.error();
    auto server_cert = testing::IssueCertificate(
        *ca, {.common_name = "kube-apiserver", .ip_addresses = {"127.0.0.1"}, .server = true});
    ASSERT_TRUE(server_cert) << server_cert.error();
    auto client_cert = testing::IssueCertificate(
        *ca, {.common_name = "alice", .organizations = {"developers"}, .server = false});
    ASSERT_TRUE(client_cert) << client_cert.error();

    http::ServerOptions options;
    options.tls = true;
    options.tls_options = {server_cert->cert_pem, server_cert->key_pem, ca->cert_pem};
    auto server = http::Server::Start(
        options, [this](const http::Request& r, http::ResponseWriter& w) { Serve(r, w); });
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);

    // Files referenced by relative paths, resolved against the kubeconfig's folder.
    WriteFile(dir_ / "ca.crt", ca->cert_pem);
    WriteFile(dir_ / "alice.crt", client_cert->cert_pem);
    WriteFile(dir_ / "alice.key", client_cert->key_pem);
    // The exec plugin prints token "t<N>" on its N-th run.
    WriteFile(dir_ / "credential-plugin.sh", R"(#!/bin/sh
n=$(cat "$(dirname "$0")/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$(dirname "$0")/runs"
cat <<JSON
{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
 "status":{"token":"t$n","expirationTimestamp":"2999-01-01T00:00:00Z"}}
JSON
)",
              true);
    WriteFile(dir_ / "config",
              "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
              "clusters:\n- name: test\n  cluster:\n    server: " +
                  server_->url() +
                  "\n    certificate-authority: ca.crt\n"
                  "users:\n- name: alice\n  user:\n"
                  "    client-certificate: alice.crt\n"
                  "    client-key: alice.key\n"
                  "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                  "      command: ./credential-plugin.sh\n"
                  "      interactiveMode: Never\n"
                  "contexts:\n- name: test\n  context: {cluster: test, user: alice, "
                  "namespace: team-a}\n");
  }

  void TearDown() override {
    if (server_) server_->Stop();
    fs::remove_all(dir_);
  }

  std::unique_ptr<client::Client> Connect() {
    auto config = client::LoadKubeconfig({(dir_ / "config").string()});
    EXPECT_TRUE(config) << config.error();
    if (!config) return nullptr;
    config->qps = 0;
    auto c = client::Client::Create(*config);
    EXPECT_TRUE(c) << c.error();
    return c ? std::move(*c) : nullptr;
  }

  // The stand-in apiserver.
  void Serve(const http::Request& r, http::ResponseWriter& w) {
    {
      std::lock_guard lock(mu_);
      seen_users_.push_back(r.client_common_name);
      seen_targets_.push_back(r.target);
    }
    if (r.Header("Authorization") != "Bearer " + accepted_token_) {
      w.Reply(
          401, "application/json",
          R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
      return;
    }
    if (r.path != "/api/v1/namespaces/team-a/configmaps") {
      w.Reply(404, "application/json",
              R"({"kind":"Status","reason":"NotFound","code":404,"message":"not found"})");
      return;
    }
    if (r.Query("watch") == "true") {
      // Two events after the requested resourceVersion, then the server ends the
      // stream (as kube-apiserver does at its timeout).
      int from = std::stoi(r.Query("resourceVersion"));
      w.WriteHead(200, {{"Content-Type", "application/json"}});
      for (int rv = from + 1; rv <= from + 2; ++rv) {
        Json e = {{"type", "MODIFIED"},
                  {"object",
                   {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", "cm"}, {"resourceVersion", std::to_string(rv)}}}}}};
        if (!w.Write(e.dump() + "\n")) return;
      }
      return;
    }
    // Five items, paged by `limit` with continue tokens holding the offset.
    size_t limit = r.HasQuery("limit") ? std::stoul(r.Query("limit")) : 100;
    size_t offset = r.HasQuery("continue") ? std::stoul(r.Query("continue")) : 0;
    Json list = {{"apiVersion", "v1"},
                 {"kind", "ConfigMapList"},
                 {"metadata", {{"resourceVersion", "100"}}},
                 {"items", Json::array()}};
    for (size_t i = offset; i < std::min<size_t>(5, offset + limit); ++i) {
      list["items"].push_back(
          {{"metadata", {{"name", "cm-" + std::to_string(i)}, {"namespace", "team-a"}}}});
    }
    if (offset + limit < 5) list["metadata"]["continue"] = std::to_string(offset + limit);
    w.Reply(200, "application/json", list.dump());
  }

  fs::path dir_;
  std::unique_ptr<http::Server> server_;
  std::string accepted_token_ = "t1";
  std::mutex mu_;
  std::vector<std::string> seen_users_;    // GUARDED_BY(mu_)
  std::vector<std::string> seen_targets_;  // GUARDED_BY(mu_)
};

TEST_F(ClientHttpsTest, ListsAcrossPagesWithCaClientCertAndExecToken) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->config().namespace_, "team-a");
  DynamicApi api(c.get(), kConfigMaps, c->config().namespace_);
  auto list = api.List({.limit = 2});
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->items.size(), 5u);
  EXPECT_EQ(list->items[4].name(), "cm-4");
  EXPECT_EQ(list->items[0].kind(), "ConfigMap");
  std::lock_guard lock(mu_);
  EXPECT_EQ(seen_targets_.size(), 3u);                            // pages of 2, 2, 1
  for (const auto& user : seen_users_) EXPECT_EQ(user, "alice");  // the client certificate
}

TEST_F(ClientHttpsTest, UnauthorizedRerunsTheExecPlugin) {
  accepted_token_ = "t2";  // the server no longer accepts the first token
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  DynamicApi api(c.get(), kConfigMaps, "team-a");
  auto list = api.List();
  ASSERT_TRUE(list) << list.error();
  std::ifstream runs(dir_ / "runs");
  int n = 0;
  runs >> n;
  EXPECT_EQ(n, 2);  // ran once, got 401, ran again
}

TEST_F(ClientHttpsTest, WatchEndsWhenServerClosesAndResumesFromLastResourceVersion) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  DynamicApi api(c.get(), kConfigMaps, "team-a");
  std::string last_rv = "10";
  std::vector<std::string> seen;
  for (int round = 0; round < 2; ++round) {
    Status s = api.Watch({.resource_version = last_rv, .allow_watch_bookmarks = true},
                         [&](client::WatchEvent&& e) {
                           last_rv = e.object.resource_version();
                           seen.push_back(last_rv);
                           return true;
                         });
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"11", "12", "13", "14"}));
}

TEST_F(ClientHttpsTest, WrongCaIsRefused) {
  auto other_ca = testing::GenerateCa("someone-else");
  ASSERT_TRUE(other_ca);
  WriteFile(dir_ / "ca.crt", other_ca->cert_pem);
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  DynamicApi api(c.get(), kConfigMaps, "team-a");
  auto list = api.List();
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code(), Code::kUnavailable) << list.error();
  EXPECT_EQ(list.error().reason(), transport::kTlsHandshakeFailed);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(seen_targets_.empty());  // no request got through, and none was retried
}

}  // namespace
}  // namespace kube
