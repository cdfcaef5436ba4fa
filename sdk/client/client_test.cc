#include "kubecpp/client/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kubecpp/client/internal/test_transport.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::client {
namespace {

using internal::JsonResponse;
using internal::ScriptedTransport;
using std::chrono::seconds;
using testing::FakeClock;

constexpr const char* kNotFound =
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",
        "message":"pods \"a\" not found","details":{"name":"a","kind":"pods"},"code":404})";

class CountingAuth final : public Authenticator {
 public:
  Result<std::string> Header() override { return "Bearer token-" + std::to_string(generation_); }
  bool Invalidate(std::string_view rejected) override {
    if (rejected == "Bearer token-" + std::to_string(generation_)) ++generation_;
    return true;
  }
  std::atomic<int> generation_ = 0;
};

Config NoLimits() {
  Config c;
  c.qps = 0;  // rate limiting off
  c.user_agent = "test-agent/v1";
  return c;
}

struct Fixture {
  explicit Fixture(ScriptedTransport::Script script, Config config = NoLimits()) {
    auto t = std::make_unique<ScriptedTransport>(std::move(script));
    transport = t.get();
    auto a = std::make_unique<CountingAuth>();
    auth = a.get();
    client = std::make_unique<Client>(std::move(config), std::move(t), std::move(a), clock);
  }
  FakeClock clock;
  ScriptedTransport* transport;
  CountingAuth* auth;
  std::unique_ptr<Client> client;
};

TEST(Client, SendsUserAgentAcceptAndAuthorization) {
  Fixture f([](const transport::Request&) { return JsonResponse(200, R"({"ok":true})"); });
  auto body = f.client->Call("GET", "/api/v1/pods");
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ(*body, R"({"ok":true})");
  auto req = f.transport->requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/api/v1/pods");
  EXPECT_EQ(transport::FindHeader(req.headers, "user-agent"), "test-agent/v1");
  EXPECT_EQ(transport::FindHeader(req.headers, "Authorization"), "Bearer token-0");
  EXPECT_EQ(transport::FindHeader(req.headers, "Accept"), "application/json");
  EXPECT_EQ(transport::FindHeader(req.headers, "Content-Type"), "");
}

TEST(Client, RequestObserverSeesEveryAttemptWithCodeAndHost) {
  int calls = 0;
  Config c = NoLimits();
  c.server = "https://10.0.0.1:6443";
  Fixture f(
      [&](const transport::Request&) {
        return ++calls == 1 ? JsonResponse(503, "{}") : JsonResponse(200, "{}");
      },
      c);
  std::vector<std::string> seen;
  f.client->SetRequestObserver([&](std::string_view method, std::string_view host, int code,
                                   std::chrono::duration<double> latency) {
    EXPECT_GE(latency.count(), 0);
    seen.push_back(std::string(method) + " " + std::string(host) + " " + std::to_string(code));
  });
  std::jthread stepper([&](std::stop_token st) {  // the retry backs off on the fake clock
    while (!st.stop_requested()) {
      f.clock.Step(seconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_TRUE(f.client->Call("GET", "/api/v1/pods"));
  stepper.request_stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"GET 10.0.0.1:6443 503", "GET 10.0.0.1:6443 200"}));
  f.client->SetRequestObserver(nullptr);
  ASSERT_TRUE(f.client->Call("GET", "/api/v1/pods"));
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Client, DefaultUserAgentNamesProgramAndVersion) {
  Config c = NoLimits();
  c.user_agent.clear();
  Fixture f([](const transport::Request&) { return JsonResponse(200, "{}"); }, c);
  ASSERT_TRUE(f.client->Call("GET", "/version"));
  std::string ua(transport::FindHeader(f.transport->requests()[0].headers, "User-Agent"));
  EXPECT_NE(ua.find("/v0.1.0 (linux/"), std::string::npos) << ua;
  EXPECT_NE(ua.find("kubecpp/v0.1.0"), std::string::npos) << ua;
}

TEST(Client, ErrorResponsesBecomeStatusWithReasonAndDetails) {
  Fixture f([](const transport::Request&) { return JsonResponse(404, kNotFound); });
  auto body = f.client->Call("GET", "/api/v1/namespaces/default/pods/a");
  ASSERT_FALSE(body);
  EXPECT_TRUE(IsNotFound(body.error()));
  EXPECT_EQ(body.error().message(), "pods \"a\" not found");
  EXPECT_EQ(body.error().details().name, "a");
  EXPECT_EQ(f.transport->requests().size(), 1u);  // not retried
}

TEST(Client, TooManyRequestsWaitsForRetryAfterThenRetries) {
  std::atomic<int> calls = 0;
  Fixture f([&](const transport::Request&) {
    if (calls++ == 0) {
      return JsonResponse(429, R"({"kind":"Status","reason":"TooManyRequests","code":429})",
                          {{"Retry-After", "3"}});
    }
    return JsonResponse(201, "{}");
  });
  Result<std::string> result = std::string();
  std::jthread caller([&] { result = f.client->Call("POST", "/api/v1/namespaces/d/pods", "{}"); });
  ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
  f.clock.Step(seconds(2));
  EXPECT_EQ(calls, 1);  // still waiting: Retry-After is 3 s
  f.clock.Step(seconds(1));
  caller.join();
  EXPECT_TRUE(result) << result.error();
  EXPECT_EQ(calls, 2);
}

TEST(Client, ServerErrorsRetriedOnlyForIdempotentVerbs) {
  std::atomic<int> calls = 0;
  Fixture f([&](const transport::Request&) {
    return ++calls < 3 ? JsonResponse(503, "unavailable") : JsonResponse(200, "{}");
  });
  std::jthread caller([&] { EXPECT_TRUE(f.client->Call("GET", "/api/v1/pods")); });
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
    f.clock.Step(seconds(10));
  }
  caller.join();
  EXPECT_EQ(calls, 3);

  calls = 0;
  auto post = f.client->Call("POST", "/api/v1/namespaces/d/pods", "{}");
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST(Client, ConnectionFailuresRetriedForGetButNotForWrites) {
  std::atomic<int> calls = 0;
  Fixture f([&](const transport::Request&) -> Result<transport::Response> {
    if (++calls == 1) return UnavailableError("connection reset by peer");
    return JsonResponse(200, "{}");
  });
  std::jthread caller([&] { EXPECT_TRUE(f.client->Call("GET", "/api/v1/pods")); });
  ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
  f.clock.Step(seconds(1));
  caller.join();
  EXPECT_EQ(calls, 2);

  calls = 0;
  auto put = f.client->Call("PUT", "/api/v1/namespaces/d/pods/a", "{}");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST(Client, TimeoutsAreNotRetried) {
  Fixture f([](const transport::Request&) -> Result<transport::Response> {
    return TimeoutError("GET /api/v1/pods: timed out waiting for the response");
  });
  auto r = f.client->Call("GET", "/api/v1/pods");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kTimeout);
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(Client, TlsFailuresAreNotRetried) {
  Fixture f([](const transport::Request&) -> Result<transport::Response> {
    Status s = UnavailableError("SSL handshake failed: unknown CA");
    s.set_reason(std::string(transport::kTlsHandshakeFailed));
    return s;
  });
  auto r = f.client->Call("GET", "/api/v1/pods");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), transport::kTlsHandshakeFailed);
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(Client, UnauthorizedRefreshesCredentialsOnce) {
  Fixture f([](const transport::Request& r) {
    return transport::FindHeader(r.headers, "Authorization") == "Bearer token-1"
               ? JsonResponse(200, "{}")
               : JsonResponse(401, R"({"kind":"Status","reason":"Unauthorized","code":401})");
  });
  EXPECT_TRUE(f.client->Call("GET", "/api/v1/pods"));
  EXPECT_EQ(f.auth->generation_, 1);

  Fixture g([](const transport::Request&) {
    return JsonResponse(401, R"({"kind":"Status","reason":"Unauthorized","code":401})");
  });
  auto r = g.client->Call("GET", "/api/v1/pods");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthorized);
  EXPECT_EQ(g.transport->requests().size(), 2u);  // one refresh, then give up
}

TEST(Client, GivesUpAfterTenAttempts) {
  Fixture f([](const transport::Request&) { return JsonResponse(500, "boom"); });
  Result<std::string> result = std::string();
  std::jthread caller([&] { result = f.client->Call("GET", "/api/v1/pods"); });
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
    f.clock.Step(seconds(10));
  }
  caller.join();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), Code::kInternal);
  EXPECT_NE(result.error().message().find("giving up after 10 attempts"), std::string::npos);
  EXPECT_EQ(f.transport->requests().size(), 10u);
}

TEST(Client, CancelDuringBackoff) {
  Fixture f([](const transport::Request&) { return JsonResponse(503, ""); });
  std::stop_source stop;
  Result<std::string> result = std::string();
  std::jthread caller([&] { result = f.client->Call("GET", "/x", "", "", stop.get_token()); });
  ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
  stop.request_stop();
  caller.join();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), Code::kCancelled);
}

TEST(Client, RateLimiterSpacesRequests) {
  Config c = NoLimits();
  c.qps = 1;
  c.burst = 1;
  Fixture f([](const transport::Request&) { return JsonResponse(200, "{}"); }, c);
  ASSERT_TRUE(f.client->Call("GET", "/a"));  // the burst token
  std::atomic<bool> done = false;
  std::jthread caller([&] {
    EXPECT_TRUE(f.client->Call("GET", "/b"));
    done = true;
  });
  ASSERT_TRUE(f.clock.BlockUntilSleepers(1));
  EXPECT_FALSE(done);
  EXPECT_EQ(f.transport->requests().size(), 1u);
  f.clock.Step(seconds(1));
  caller.join();
  EXPECT_EQ(f.transport->requests().size(), 2u);
}

TEST(Client, WritesCarryContentType) {
  Fixture f([](const transport::Request&) { return JsonResponse(200, "{}"); });
  ASSERT_TRUE(f.client->Call("PATCH", "/x", "[]", "application/json-patch+json"));
  EXPECT_EQ(transport::FindHeader(f.transport->requests()[0].headers, "content-type"),
            "application/json-patch+json");
}

}  // namespace
}  // namespace kube::client
