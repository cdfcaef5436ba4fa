#include "kubecpp/transport/cpprest/cpprest_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kubecpp/http/server.h"
#include "kubecpp/testing/pki.h"

namespace kube::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Generous bound for anything that should happen "soon"; never a timing assertion.
constexpr auto kBound = seconds(20);

// A one-shot event between threads.
class Notification {
 public:
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      notified_ = true;
    }
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::steady_clock::duration limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return notified_; });
  }
  bool HasBeenNotified() {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

// Waits in a server handler for `event`, giving up when the client hangs up or after
// kBound, so the server can always stop.
bool WaitInHandler(Notification& event, http::ResponseWriter& writer) {
  const auto give_up = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < give_up) {
    if (event.WaitFor(milliseconds(10))) return true;
    if (writer.closed()) return false;
  }
  return false;
}

// Waits in a server handler until the client hangs up (true) or kBound passes.
bool WaitForClientToLeave(http::ResponseWriter& writer) {
  const auto give_up = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < give_up) {
    if (writer.closed()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

// What a handler saw, for assertions on the test thread.
struct Seen {
  std::mutex mu;
  std::vector<http::Request> requests;
  void Add(const http::Request& request) {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(request);
  }
  http::Request Last() {
    std::lock_guard<std::mutex> lock(mu);
    return requests.empty() ? http::Request{} : requests.back();
  }
};

std::unique_ptr<http::Server> StartServer(http::Handler handler,
                                          std::optional<http::TlsServerOptions> tls = {}) {
  http::ServerOptions options;
  if (tls) {
    options.tls = true;
    options.tls_options = *tls;
  }
  auto server = http::Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return server ? std::move(*server) : nullptr;
}

std::unique_ptr<Transport> NewTransport(CpprestOptions options) {
  auto transport = NewCpprestTransport(std::move(options));
  EXPECT_TRUE(transport.ok()) << transport.status();
  return transport ? std::move(*transport) : nullptr;
}

std::unique_ptr<Transport> NewTransport(const std::string& server) {
  CpprestOptions options;
  options.server = server;
  return NewTransport(std::move(options));
}

Request Get(std::string target, milliseconds timeout = milliseconds(0)) {
  Request request;
  request.target = std::move(target);
  request.timeout = timeout;
  return request;
}

// ---------------------------------------------------------------------------------
// Plain HTTP.

TEST(CpprestTransport, SendsGetWithHeadersAndReadsTheWholeResponse) {
  Seen seen;
  auto server = StartServer([&](const http::Request& request, http::ResponseWriter& writer) {
    seen.Add(request);
    writer.Reply(200, "application/json", R"({"kind":"PodList"})", {{"X-Answer", "42"}});
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  Request request = Get("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2");
  request.headers = {{"Accept", "application/json"}, {"X-Trace", "t-1"}};
  auto response = transport->Send(request, {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(response->body, R"({"kind":"PodList"})");
  EXPECT_EQ(FindHeader(response->headers, "x-answer"), "42");
  EXPECT_EQ(FindHeader(response->headers, "Content-Type"), "application/json");
  http::Request got = seen.Last();
  EXPECT_EQ(got.method, "GET");
  EXPECT_EQ(got.target, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2");
  EXPECT_EQ(got.Query("labelSelector"), "app=web");
  EXPECT_EQ(got.Header("x-trace"), "t-1");
  EXPECT_EQ(got.Header("Accept"), "application/json");
}

TEST(CpprestTransport, SendsPostBodyWithItsContentType) {
  Seen seen;
  auto server = StartServer([&](const http::Request& request, http::ResponseWriter& writer) {
    seen.Add(request);
    writer.Reply(201, "application/json", request.body);
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  Request request;
  request.method = "POST";
  request.target = "/api/v1/namespaces/default/configmaps";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"metadata":{"name":"a"}})";
  auto response = transport->Send(request, {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status_code, 201);
  EXPECT_EQ(response->body, request.body);
  http::Request got = seen.Last();
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.body, request.body);
  EXPECT_EQ(got.Header("Content-Type"), "application/json");
  EXPECT_EQ(got.Header("Content-Length"), std::to_string(request.body.size()));
}

TEST(CpprestTransport, KeepsThePathPrefixOfTheServerUrl) {
  Seen seen;
  auto server = StartServer([&](const http::Request& request, http::ResponseWriter& writer) {
    seen.Add(request);
    writer.Reply(200, "text/plain", "ok");
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url() + "/k8s/clusters/c1");
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/api/v1/pods?watch=1"), {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(seen.Last().target, "/k8s/clusters/c1/api/v1/pods?watch=1");
}

TEST(CpprestTransport, ReusesTheTransportForManyRequests) {
  std::atomic<int> count{0};
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.Reply(200, "text/plain", std::to_string(++count));
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  for (int i = 1; i <= 5; ++i) {
    auto response = transport->Send(Get("/healthz"), {});
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, std::to_string(i));
  }
}

TEST(CpprestTransport, ReturnsAnErrorStatusWithItsBodyInsteadOfFailing) {
  const std::string status_json =
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404})";
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.Reply(404, "application/json", status_json);
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  auto sent = transport->Send(Get("/api/v1/namespaces/default/pods/missing"), {});
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->status_code, 404);
  EXPECT_EQ(sent->body, status_json);

  int chunks = 0;
  auto streamed = transport->Stream(Get("/api/v1/pods?watch=1"),
                                    [&](std::string_view) { return ++chunks, true; }, {});
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->status_code, 404);
  EXPECT_EQ(streamed->body, status_json);
  EXPECT_EQ(chunks, 0);
}

TEST(CpprestTransport, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    auto server = StartServer([](const http::Request&, http::ResponseWriter& writer) {
      writer.Reply(200, "text/plain", "");
    });
    ASSERT_NE(server, nullptr);
    url = server->url();
  }  // stopped: nothing listens on the port any more
  auto transport = NewTransport(url);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/healthz"), {});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kUnavailable) << response.error();
  EXPECT_NE(response.error().message().find(url), std::string::npos) << response.error();
}

TEST(CpprestTransport, SendTimesOutWhenTheServerDoesNotAnswer) {
  Notification release;
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    WaitInHandler(release, writer);
    writer.Reply(200, "text/plain", "late");
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/slow", milliseconds(200)), {});
  release.Notify();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kTimeout) << response.error();
}

TEST(CpprestTransport, SendTimeoutIsADeadlineForTheWholeResponse) {
  // The body trickles in for well over the timeout, though no single gap is long.
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.WriteHead(200, {});
    for (int i = 0; i < 100; ++i) {
      if (!writer.Write("x")) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/trickle", milliseconds(500)), {});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kTimeout) << response.error();
}

TEST(CpprestTransport, SendTimesOutWithTheDefaultTimeout) {
  Notification release;
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    WaitInHandler(release, writer);
    writer.Reply(200, "text/plain", "late");
  });
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.default_timeout = milliseconds(200);
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/slow"), {});
  release.Notify();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kTimeout) << response.error();
}

TEST(CpprestTransport, SendIsCancelledByTheStopToken) {
  Notification arrived;
  Notification release;
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    arrived.Notify();
    WaitInHandler(release, writer);
    writer.Reply(200, "text/plain", "late");
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  std::stop_source stop;
  std::jthread stopper([&] {
    if (arrived.WaitFor(kBound)) stop.request_stop();
  });
  auto response = transport->Send(Get("/slow", seconds(60)), stop.get_token());
  release.Notify();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kCancelled) << response.error();
}

TEST(CpprestTransport, SendWithStopAlreadyRequestedIsCancelled) {
  auto transport = NewTransport("http://127.0.0.1:1");
  ASSERT_NE(transport, nullptr);
  std::stop_source stop;
  stop.request_stop();

  auto response = transport->Send(Get("/healthz"), stop.get_token());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kCancelled) << response.error();
}

TEST(CpprestTransport, SendsThroughAnHttpProxy) {
  // The "proxy" is our server: a proxied plain-HTTP request carries the absolute URL.
  Seen seen;
  auto proxy = StartServer([&](const http::Request& request, http::ResponseWriter& writer) {
    seen.Add(request);
    writer.Reply(200, "text/plain", "via proxy");
  });
  ASSERT_NE(proxy, nullptr);
  CpprestOptions options;
  options.server = "http://apiserver.invalid:8080";
  options.proxy_url = proxy->url();
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/api/v1/pods"), {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "via proxy");
  EXPECT_EQ(seen.Last().target, "http://apiserver.invalid:8080/api/v1/pods");
}

// ---------------------------------------------------------------------------------
// Streaming.

TEST(CpprestTransport, StreamDeliversChunksAsTheyArrive) {
  Notification first_chunk_received;
  std::atomic<bool> server_saw_client_ack{false};
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.WriteHead(200, {{"Content-Type", "application/json"}});
    writer.Write("{\"type\":\"ADDED\"}\n");
    // The second chunk is only sent once the client has handled the first, which it
    // can only do if the transport hands chunks over as they arrive.
    server_saw_client_ack = WaitInHandler(first_chunk_received, writer);
    writer.Write("{\"type\":\"MODIFIED\"}\n");
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  std::string received;
  int calls = 0;
  auto response = transport->Stream(Get("/api/v1/pods?watch=1"),
                                    [&](std::string_view chunk) {
                                      ++calls;
                                      received += chunk;
                                      if (received.find('\n') != std::string::npos)
                                        first_chunk_received.Notify();
                                      return true;
                                    },
                                    {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status_code, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(FindHeader(response->headers, "content-type"), "application/json");
  EXPECT_TRUE(server_saw_client_ack);
  EXPECT_GE(calls, 2);
  EXPECT_EQ(received, "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n");
}

TEST(CpprestTransport, StreamStopsWhenTheHandlerReturnsFalse) {
  Notification client_left;
  auto server = StartServer([&](const http::Request& request, http::ResponseWriter& writer) {
    if (request.path != "/watch") {
      writer.Reply(200, "text/plain", "ok");
      return;
    }
    writer.WriteHead(200, {});
    writer.Write("first\n");
    if (WaitForClientToLeave(writer)) client_left.Notify();
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  int calls = 0;
  auto response = transport->Stream(Get("/watch", seconds(60)),
                                    [&](std::string_view) { return ++calls, false; }, {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(calls, 1);
  // The connection was closed, not left open with the server writing into it.
  EXPECT_TRUE(client_left.WaitFor(kBound));
  // The transport still works afterwards.
  auto again = transport->Send(Get("/other"), {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->body, "ok");
}

TEST(CpprestTransport, StopTokenEndsABlockedStreamAndTheTransportShutsDownCleanly) {
  Notification first_chunk_received;
  Notification client_left;
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.WriteHead(200, {});
    writer.Write("first\n");
    if (WaitForClientToLeave(writer)) client_left.Notify();  // nothing more to say
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  std::stop_source stop;
  std::optional<Result<Response>> result;
  Notification done;
  std::jthread streamer([&] {
    result.emplace(transport->Stream(
        Get("/watch", seconds(120)),
        [&](std::string_view) {
          first_chunk_received.Notify();
          return true;
        },
        stop.get_token()));
    done.Notify();
  });
  ASSERT_TRUE(first_chunk_received.WaitFor(kBound));
  stop.request_stop();

  ASSERT_TRUE(done.WaitFor(kBound)) << "Stream did not return after stop was requested";
  streamer.join();
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->status();  // stopping a stream is success
  EXPECT_EQ((*result)->status_code, 200);
  EXPECT_TRUE(client_left.WaitFor(kBound));
  transport.reset();  // must neither crash nor hang
  server->Stop();
}

TEST(CpprestTransport, StreamTimesOutAfterInactivity) {
  Notification release;
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.WriteHead(200, {});
    writer.Write("first\n");
    WaitInHandler(release, writer);
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  std::string received;
  auto response = transport->Stream(Get("/watch", milliseconds(300)),
                                    [&](std::string_view chunk) {
                                      received += chunk;
                                      return true;
                                    },
                                    {});
  release.Notify();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kTimeout) << response.error();
  EXPECT_EQ(received, "first\n");
}

TEST(CpprestTransport, StreamTimeoutCountsInactivityNotTotalDuration) {
  // 30 chunks 50 ms apart take well over the 1 s timeout in total, but no gap comes
  // close to it.
  auto server = StartServer([&](const http::Request&, http::ResponseWriter& writer) {
    writer.WriteHead(200, {});
    for (int i = 0; i < 30; ++i) {
      if (!writer.Write("x")) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());
  ASSERT_NE(transport, nullptr);

  std::string received;
  auto response = transport->Stream(Get("/watch", seconds(1)),
                                    [&](std::string_view chunk) {
                                      received += chunk;
                                      return true;
                                    },
                                    {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(received, std::string(30, 'x'));
}

// ---------------------------------------------------------------------------------
// TLS.

class CpprestTransportTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = Must(testing::GenerateCa("kubecpp-test-ca"));
    other_ca_ = Must(testing::GenerateCa("some-other-ca"));
    testing::CertificateRequest server;
    server.common_name = "apiserver";
    server.ip_addresses = {"127.0.0.1"};
    server_cert_ = Must(testing::IssueCertificate(ca_, server));
    testing::CertificateRequest named;
    named.common_name = "kubernetes";
    named.dns_names = {"kubernetes.default.svc"};
    named_cert_ = Must(testing::IssueCertificate(ca_, named));
    testing::CertificateRequest client;
    client.common_name = "alice";
    client.organizations = {"developers"};
    client.server = false;
    client_cert_ = Must(testing::IssueCertificate(ca_, client));
  }

  static testing::KeyPair Must(Result<testing::KeyPair> pair) {
    EXPECT_TRUE(pair.ok()) << pair.status();
    return pair ? *pair : testing::KeyPair{};
  }

  static http::TlsServerOptions ServerTls(const testing::KeyPair& cert) {
    http::TlsServerOptions tls;
    tls.cert_pem = cert.cert_pem;
    tls.key_pem = cert.key_pem;
    return tls;
  }

  static inline testing::KeyPair ca_;
  static inline testing::KeyPair other_ca_;
  static inline testing::KeyPair server_cert_;
  static inline testing::KeyPair named_cert_;
  static inline testing::KeyPair client_cert_;
};

http::Handler ReplyOk(Seen* seen = nullptr) {
  return [seen](const http::Request& request, http::ResponseWriter& writer) {
    if (seen != nullptr) seen->Add(request);
    writer.Reply(200, "text/plain", "secure");
  };
}

TEST_F(CpprestTransportTls, TrustsTheConfiguredCa) {
  auto server = StartServer(ReplyOk(), ServerTls(server_cert_));
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = ca_.cert_pem;
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/version"), {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "secure");
}

TEST_F(CpprestTransportTls, AnIntermediateCaIsATrustAnchor) {
  // root -> intermediate -> server; the kubeconfig holds only the intermediate, which
  // Go's TLS (kubectl) accepts.
  auto intermediate =
      Must(testing::IssueCertificate(ca_, {.common_name = "intermediate", .ca = true}));
  auto leaf = Must(testing::IssueCertificate(
      intermediate, {.common_name = "apiserver", .ip_addresses = {"127.0.0.1"}}));
  http::TlsServerOptions tls;
  tls.cert_pem = leaf.cert_pem + intermediate.cert_pem;
  tls.key_pem = leaf.key_pem;
  auto server = StartServer(ReplyOk(), tls);
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = intermediate.cert_pem;
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);
  auto response = transport->Send(Get("/version"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "secure");
}

TEST_F(CpprestTransportTls, RefusesAServerSignedByAnotherCa) {
  auto server = StartServer(ReplyOk(), ServerTls(server_cert_));
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = other_ca_.cert_pem;  // replaces the system store: nothing else counts
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/version"), {});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kUnavailable) << response.error();
  EXPECT_NE(response.error().message().find("unable to get local issuer certificate"),
            std::string::npos)
      << response.error();
}

TEST_F(CpprestTransportTls, RefusesAnUnknownCaByDefault) {
  auto server = StartServer(ReplyOk(), ServerTls(server_cert_));
  ASSERT_NE(server, nullptr);
  auto transport = NewTransport(server->url());  // system trust store only
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/version"), {});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kUnavailable) << response.error();
}

TEST_F(CpprestTransportTls, InsecureSkipVerifyAcceptsAnUntrustedServer) {
  auto server = StartServer(ReplyOk(), ServerTls(server_cert_));
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = other_ca_.cert_pem;
  options.tls.insecure_skip_verify = true;
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/version"), {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "secure");
}

TEST_F(CpprestTransportTls, PresentsTheClientCertificate) {
  Seen seen;
  http::TlsServerOptions tls = ServerTls(server_cert_);
  tls.client_ca_pem = ca_.cert_pem;
  auto server = StartServer(ReplyOk(&seen), tls);
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = ca_.cert_pem;
  options.tls.client_cert_pem = client_cert_.cert_pem;
  options.tls.client_key_pem = client_cert_.key_pem;
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/api"), {});

  ASSERT_TRUE(response.ok()) << response.status();
  http::Request got = seen.Last();
  EXPECT_EQ(got.client_common_name, "alice");
  EXPECT_EQ(got.client_organizations, std::vector<std::string>{"developers"});
}

TEST_F(CpprestTransportTls, ServerNameIsUsedForVerificationInsteadOfTheDialedAddress) {
  // The certificate names only kubernetes.default.svc; we dial 127.0.0.1.
  Seen seen;
  auto server = StartServer(ReplyOk(&seen), ServerTls(named_cert_));
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = ca_.cert_pem;

  auto without = NewTransport(options);
  ASSERT_NE(without, nullptr);
  auto refused = without->Send(Get("/version"), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Code::kUnavailable) << refused.error();
  EXPECT_NE(refused.error().message().find("not valid for \"127.0.0.1\""), std::string::npos)
      << refused.error();

  options.tls.server_name = "kubernetes.default.svc";
  auto with = NewTransport(options);
  ASSERT_NE(with, nullptr);
  auto accepted = with->Send(Get("/version"), {});
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->body, "secure");
  // cpprestsdk takes SNI and the verified name from the Host header.
  EXPECT_EQ(seen.Last().Header("Host"), "kubernetes.default.svc");
}

TEST_F(CpprestTransportTls, StreamsOverTls) {
  auto server = StartServer(
      [](const http::Request&, http::ResponseWriter& writer) {
        writer.WriteHead(200, {});
        writer.Write("a\n");
        writer.Write("b\n");
      },
      ServerTls(server_cert_));
  ASSERT_NE(server, nullptr);
  CpprestOptions options;
  options.server = server->url();
  options.tls.ca_pem = ca_.cert_pem;
  auto transport = NewTransport(options);
  ASSERT_NE(transport, nullptr);

  std::string received;
  auto response = transport->Stream(Get("/watch"),
                                    [&](std::string_view chunk) {
                                      received += chunk;
                                      return true;
                                    },
                                    {});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(received, "a\nb\n");
}

// ---------------------------------------------------------------------------------
// Options.

// Asserts a BadRequest naming `option` and not leaking `secret`.
void ExpectBadOption(CpprestOptions options, const std::string& option, const std::string& secret) {
  auto transport = NewCpprestTransport(std::move(options));
  ASSERT_FALSE(transport.ok()) << "expected " << option << " to be rejected";
  EXPECT_EQ(transport.error().code(), Code::kBadRequest) << transport.error();
  EXPECT_NE(transport.error().message().find(option), std::string::npos) << transport.error();
  if (!secret.empty()) {
    EXPECT_EQ(transport.error().message().find(secret), std::string::npos) << transport.error();
  }
}

TEST_F(CpprestTransportTls, RejectsInvalidPemNamingTheOption) {
  const std::string garbage =
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
      "-----END CERTIFICATE-----\n";
  const std::string not_pem = "s3cr3t-not-pem-at-all";
  CpprestOptions base;
  base.server = "https://127.0.0.1:6443";

  CpprestOptions bad_ca = base;
  bad_ca.tls.ca_pem = garbage;
  ExpectBadOption(bad_ca, "tls.ca_pem", "bm90IGEgY2VydA");
  bad_ca.tls.ca_pem = not_pem;
  ExpectBadOption(bad_ca, "tls.ca_pem", not_pem);

  CpprestOptions bad_cert = base;
  bad_cert.tls.client_cert_pem = garbage;
  bad_cert.tls.client_key_pem = client_cert_.key_pem;
  ExpectBadOption(bad_cert, "tls.client_cert_pem", "bm90IGEgY2VydA");

  CpprestOptions bad_key = base;
  bad_key.tls.client_cert_pem = client_cert_.cert_pem;
  bad_key.tls.client_key_pem =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n"
      "-----END PRIVATE KEY-----\n";
  ExpectBadOption(bad_key, "tls.client_key_pem", "c2VjcmV0LWtleS1ieXRlcw");

  CpprestOptions mismatched = base;
  mismatched.tls.client_cert_pem = client_cert_.cert_pem;
  mismatched.tls.client_key_pem = server_cert_.key_pem;
  ExpectBadOption(mismatched, "tls.client_key_pem", server_cert_.key_pem);

  CpprestOptions half = base;
  half.tls.client_cert_pem = client_cert_.cert_pem;
  ExpectBadOption(half, "tls.client_key_pem", "");
}

TEST(CpprestTransport, RejectsMalformedUrls) {
  CpprestOptions options;
  ExpectBadOption(options, "server", "");
  options.server = "not a url";
  ExpectBadOption(options, "server", "");
  options.server = "ftp://127.0.0.1:21";
  ExpectBadOption(options, "server", "");
  options.server = "https://admin:hunter2@127.0.0.1:6443";
  ExpectBadOption(options, "server", "hunter2");
  options.server = "http://127.0.0.1:8080";
  options.proxy_url = "socks5://127.0.0.1:1080";
  ExpectBadOption(options, "proxy_url", "");
}

TEST(CpprestTransport, RejectsAnInvalidRequestTargetOrMethod) {
  auto transport = NewTransport("http://127.0.0.1:1");
  ASSERT_NE(transport, nullptr);

  auto response = transport->Send(Get("/api/v1/pods?x=a b"), {});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kBadRequest) << response.error();

  Request bad_method = Get("/api");
  bad_method.method = "GET /x HTTP/1.1\r\nX-Injected:";
  auto rejected = transport->Send(bad_method, {});
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code(), Code::kBadRequest) << rejected.error();
}

TEST(CpprestTransport, RejectsHeaderValuesThatWouldInjectHeaders) {
  auto transport = NewTransport("http://127.0.0.1:1");
  ASSERT_NE(transport, nullptr);
  Request request;
  request.target = "/version";
  request.headers = {{"Authorization", "Bearer secret-token\r\nX-Injected: yes"}};
  auto response = transport->Send(request, {});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), Code::kBadRequest);
  EXPECT_NE(response.error().message().find("Authorization"), std::string::npos);
  EXPECT_EQ(response.error().message().find("secret-token"), std::string::npos);
  request.headers = {{"Bad Name", "x"}};
  EXPECT_EQ(transport->Send(request, {}).error().code(), Code::kBadRequest);
}

TEST(CpprestTransport, ThreadPoolCannotBeResizedAfterFirstUse) {
  auto transport = NewTransport("http://127.0.0.1:1");
  ASSERT_NE(transport, nullptr);
  EXPECT_FALSE(SetCpprestThreadPoolSize(8));
  EXPECT_FALSE(SetCpprestThreadPoolSize(0));
}

}  // namespace
}  // namespace kube::transport
