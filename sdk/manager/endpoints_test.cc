#include "kubecpp/manager/endpoints.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "kubecpp/metrics/registry.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"
#include "kubecpp/transport/transport.h"

namespace kube::manager {
namespace {

struct HttpReply {
  int code = 0;
  std::string body;
  std::string content_type;
  std::string nosniff;
};

// GETs `target` from `server_url` over real HTTP.
HttpReply Get(const std::string& server_url, const std::string& target) {
  auto transport = transport::NewCpprestTransport({.server = server_url});
  EXPECT_TRUE(transport.ok()) << transport.status();
  if (!transport.ok()) return {};
  transport::Request request;
  request.target = target;
  auto response = (*transport)->Send(request, std::stop_token());
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return {};
  return {response->status_code, response->body,
          std::string(transport::FindHeader(response->headers, "Content-Type")),
          std::string(transport::FindHeader(response->headers, "X-Content-Type-Options"))};
}

// A probe server with healthz (no checks: the built-in ping) and readyz with one
// passing and one switchable check, on an ephemeral loopback port.
class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(readyz_.AddCheck("informers", Ping).ok());
    ASSERT_TRUE(readyz_
                    .AddCheck("cache-sync",
                              [this]() -> Status {
                                if (synced_) return Status();
                                return UnavailableError("caches not synced");
                              })
                    .ok());
    ASSERT_TRUE(server_.Start("127.0.0.1:0").ok());
    url_ = server_.url();
  }

  std::atomic<bool> synced_{false};
  HealthChecks healthz_;
  HealthChecks readyz_;
  EndpointsServer server_{{.healthz = &healthz_, .readyz = &readyz_}};
  std::string url_;
};

TEST_F(ProbeTest, HealthzWithoutChecksAnswersOkThroughPing) {
  HttpReply r = Get(url_, "/healthz");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.nosniff, "nosniff");
  EXPECT_EQ(Get(url_, "/healthz?verbose").body, "[+]ping ok\nhealthz check passed\n");
  EXPECT_EQ(Get(url_, "/healthz/").body, "ok");
  r = Get(url_, "/healthz/ping");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST_F(ProbeTest, ReadyzFailsWithOneLinePerCheckUntilEveryCheckPasses) {
  HttpReply r = Get(url_, "/readyz");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body,
            "[-]cache-sync failed: reason withheld\n"
            "[+]informers ok\n"
            "healthz check failed\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");

  synced_ = true;
  r = Get(url_, "/readyz");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
  r = Get(url_, "/readyz?verbose=1");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "[+]cache-sync ok\n[+]informers ok\nhealthz check passed\n");
}

TEST_F(ProbeTest, ReadyzNameRunsOneCheckAndShowsItsReason) {
  HttpReply r = Get(url_, "/readyz/cache-sync");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body, "internal server error: caches not synced\n");
  r = Get(url_, "/readyz/informers");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(Get(url_, "/readyz/unknown").code, 404);
  // The built-in ping exists only while no check is registered.
  EXPECT_EQ(Get(url_, "/readyz/ping").code, 404);
}

TEST_F(ProbeTest, ExcludeSkipsChecksAndWarnsAboutUnknownNames) {
  HttpReply r = Get(url_, "/readyz?exclude=cache-sync");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
  r = Get(url_, "/readyz?exclude=cache-sync&verbose");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "[+]cache-sync excluded: ok\n[+]informers ok\nhealthz check passed\n");
  r = Get(url_, "/readyz?exclude=nope&exclude=also%2Dnope");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body,
            "[-]cache-sync failed: reason withheld\n"
            "[+]informers ok\n"
            "warn: some health checks cannot be excluded: no matches for \"also-nope\",\"nope\"\n"
            "healthz check failed\n");
}

TEST_F(ProbeTest, ChecksAddedWhileServingAreUsed) {
  synced_ = true;
  ASSERT_TRUE(healthz_.AddCheck("late", []() -> Status { return InternalError("stuck"); }).ok());
  EXPECT_EQ(Get(url_, "/healthz").code, 500);
  EXPECT_EQ(Get(url_, "/healthz/late").body, "internal server error: stuck\n");
  EXPECT_EQ(Get(url_, "/healthz/ping").code, 404);
}

TEST_F(ProbeTest, UnknownPathsAndDisabledMetricsAre404) {
  for (const char* path : {"/", "/metrics", "/healthzx", "/readyz/a/b", "/other"}) {
    HttpReply r = Get(url_, path);
    EXPECT_EQ(r.code, 404) << path;
    EXPECT_EQ(r.body, "404 page not found\n") << path;
  }
}

TEST(EndpointsServer, ServesTheRegistryAtMetricsInPrometheusTextFormat) {
  metrics::Registry registry;
  auto reconciles = registry.NewCounterVec("controller_runtime_reconcile_total", "Total.",
                                           {"controller", "result"});
  ASSERT_TRUE(reconciles.ok());
  (*reconciles)->WithLabelValues("pods", "success").Inc(3);
  EndpointsServer server({.metrics = &registry});
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  HttpReply r = Get(server.url(), "/metrics");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, registry.Expose());
  EXPECT_NE(
      r.body.find("controller_runtime_reconcile_total{controller=\"pods\",result=\"success\"} 3\n"),
      std::string::npos);
  EXPECT_EQ(Get(server.url(), "/healthz").code, 404);
  EXPECT_EQ(Get(server.url(), "/metrics/x").code, 404);
}

TEST(EndpointsServer, ServesMetricsAndProbesOnOnePort) {
  metrics::Registry registry;
  HealthChecks healthz;
  HealthChecks readyz;
  EndpointsServer server({.metrics = &registry, .healthz = &healthz, .readyz = &readyz});
  ASSERT_TRUE(server.Start("localhost:0").ok());
  EXPECT_EQ(Get(server.url(), "/metrics").code, 200);
  EXPECT_EQ(Get(server.url(), "/healthz").body, "ok");
  EXPECT_EQ(Get(server.url(), "/readyz").body, "ok");
}

TEST(EndpointsServer, ZeroAddressDisablesTheServer) {
  metrics::Registry registry;
  EndpointsServer server({.metrics = &registry});
  ASSERT_TRUE(server.Start("0").ok());
  EXPECT_FALSE(server.serving());
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(server.url(), "");
}

TEST(EndpointsServer, StartStopAndRestart) {
  HealthChecks healthz;
  EndpointsServer server({.healthz = &healthz});
  ASSERT_TRUE(server.Start(":0").ok());  // every interface, reached over loopback
  EXPECT_TRUE(server.serving());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(Get(server.url(), "/healthz").body, "ok");
  EXPECT_EQ(server.Start("127.0.0.1:0").code(), Code::kInvalid);  // already serving
  server.Stop();
  server.Stop();
  EXPECT_FALSE(server.serving());
  EXPECT_EQ(server.url(), "");
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  EXPECT_EQ(Get(server.url(), "/healthz").body, "ok");
}

TEST(EndpointsServer, TakenPortIsUnavailable) {
  HealthChecks healthz;
  EndpointsServer first({.healthz = &healthz});
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  EndpointsServer second({.healthz = &healthz});
  EXPECT_EQ(second.Start("127.0.0.1:" + std::to_string(first.port())).code(), Code::kUnavailable);
}

TEST(ValidateBindAddress, AcceptsControllerRuntimeForms) {
  struct Case {
    const char* address;
    bool ok;
  };
  const Case cases[] = {
      {"0", true},
      {"", true},
      {":8080", true},
      {"127.0.0.1:8080", true},
      {"0.0.0.0:0", true},
      {"localhost:8081", true},
      {"[::1]:8080", true},
      {"[::]:9443", true},
      {"8080", false},
      {"127.0.0.1", false},
      {":http", false},
      {":65536", false},
      {":-1", false},
      {"example.com:80", false},
      {"1.2.3:80", false},
      {"256.1.1.1:80", false},
      {"::1:8080", false},
      {"[::1]", false},
      {"[127.0.0.1]:80", false},
  };
  for (const Case& c : cases) {
    const Status status = ValidateBindAddress(c.address);
    EXPECT_EQ(status.ok(), c.ok) << "\"" << c.address << "\": " << status;
    if (!c.ok) {
      EXPECT_EQ(status.code(), Code::kInvalid);
    }
  }
}

TEST(HealthChecks, RejectsDuplicateAndMalformedNames) {
  HealthChecks checks;
  ASSERT_TRUE(checks.AddCheck("a", Ping).ok());
  EXPECT_EQ(checks.AddCheck("a", Ping).code(), Code::kAlreadyExists);
  EXPECT_EQ(checks.AddCheck("", Ping).code(), Code::kInvalid);
  EXPECT_EQ(checks.AddCheck("a/b", Ping).code(), Code::kInvalid);
  ASSERT_TRUE(checks.AddCheck("0first", Ping).ok());
  EXPECT_EQ(checks.Names(), (std::vector<std::string>{"0first", "a"}));
}

TEST(HealthChecks, AThrowingCheckFails) {
  HealthChecks checks;
  ASSERT_TRUE(checks.AddCheck("boom", []() -> Status { throw std::runtime_error("bad"); }).ok());
  HealthChecks::Response all = checks.Serve("", "");
  EXPECT_EQ(all.status_code, 500);
  EXPECT_EQ(all.body, "[-]boom failed: reason withheld\nhealthz check failed\n");
  HealthChecks::Response one = checks.Serve("/boom", "");
  EXPECT_EQ(one.status_code, 500);
  EXPECT_EQ(one.body, "internal server error: health check threw: bad\n");
}

TEST(HealthChecks, ExcludingPingWithoutChecksWarns) {
  HealthChecks checks;
  HealthChecks::Response r = checks.Serve("/", "exclude=ping&verbose");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.body,
            "[+]ping ok\n"
            "warn: some health checks cannot be excluded: no matches for \"ping\"\n"
            "healthz check passed\n");
}

}  // namespace
}  // namespace kube::manager
