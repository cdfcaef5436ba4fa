#include "kubecpp/http/server.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/testing/pki.h"

namespace kube::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Long enough never to fire on a loaded CI machine; a hang still ends the test.
constexpr auto kGenerous = 20s;

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

// ---------------------------------------------------------------------------------
// A small Beast client, plain or TLS.

struct Response {
  beast::error_code ec;
  unsigned status = 0;
  std::string body;
  bool keep_alive = false;
  std::string Header(bhttp::field f) const { return ToString(msg[f]); }
  bhttp::response<bhttp::string_body> msg;
};

template <typename Stream>
Response Exchange(Stream& stream, beast::flat_buffer& buffer, bhttp::verb method,
                  const std::string& target, const std::string& body = "") {
  bhttp::request<bhttp::string_body> req(method, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.set("X-Test-Header", "present");
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  Response out;
  bhttp::write(stream, req, out.ec);
  if (out.ec) return out;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(method == bhttp::verb::head);  // a HEAD response has no body
  bhttp::read(stream, buffer, parser, out.ec);
  if (out.ec) return out;
  out.msg = parser.release();
  out.status = out.msg.result_int();
  out.body = out.msg.body();
  out.keep_alive = out.msg.keep_alive();
  return out;
}

class PlainClient {
 public:
  explicit PlainClient(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), connect_ec_);
  }
  const beast::error_code& connect_error() const { return connect_ec_; }
  Response Do(bhttp::verb method, const std::string& target, const std::string& body = "") {
    return Exchange(socket_, buffer_, method, target, body);
  }
  tcp::socket& socket() { return socket_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  beast::error_code connect_ec_;
};

class TlsClient {
 public:
  // Trusts only `ca_pem` and checks the server certificate for IP 127.0.0.1;
  // presents `client` when given.
  TlsClient(uint16_t port, const std::string& ca_pem, const testing::KeyPair* client = nullptr)
      : ctx_(net::ssl::context::tls_client) {
    ctx_.add_certificate_authority(net::buffer(ca_pem), ec_);
    ctx_.set_verify_mode(net::ssl::verify_peer, ec_);
    if (client != nullptr) {
      ctx_.use_certificate_chain(net::buffer(client->cert_pem), ec_);
      ctx_.use_private_key(net::buffer(client->key_pem), net::ssl::context::pem, ec_);
    }
    if (ec_) return;
    stream_ = std::make_unique<net::ssl::stream<tcp::socket>>(ioc_, ctx_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_->native_handle()), "127.0.0.1");
    stream_->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec_);
    if (ec_) return;
    stream_->handshake(net::ssl::stream_base::client, ec_);
  }
  const beast::error_code& handshake_error() const { return ec_; }
  Response Do(bhttp::verb method, const std::string& target, const std::string& body = "") {
    if (ec_) return Response{ec_};
    return Exchange(*stream_, buffer_, method, target, body);
  }

 private:
  net::io_context ioc_;
  net::ssl::context ctx_;
  std::unique_ptr<net::ssl::stream<tcp::socket>> stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

// Answers with a description of the request.
void EchoHandler(const Request& req, ResponseWriter& w) {
  std::string body = "method=" + req.method + "\npath=" + req.path + "\nquery=" + req.query +
                     "\nheader=" + std::string(req.Header("x-TEST-header")) +
                     "\ncn=" + req.client_common_name + "\norgs=";
  for (const auto& org : req.client_organizations) body += org + ",";
  body += "\nbody=" + req.body;
  w.Reply(200, "text/plain", body, {{"X-Echo", "1"}});
}

std::unique_ptr<Server> StartOrDie(ServerOptions options, Handler handler) {
  auto server = Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.error();
  return server.ok() ? std::move(*server) : nullptr;
}

struct Pki {
  testing::KeyPair ca;
  testing::KeyPair server;
};

Pki MakePki(const std::string& ca_name = "test-ca") {
  Pki pki;
  auto ca = testing::GenerateCa(ca_name);
  EXPECT_TRUE(ca.ok());
  pki.ca = *ca;
  testing::CertificateRequest request;
  request.common_name = "server";
  request.ip_addresses = {"127.0.0.1"};
  request.dns_names = {"localhost"};
  auto server = testing::IssueCertificate(pki.ca, request);
  EXPECT_TRUE(server.ok());
  pki.server = *server;
  return pki;
}

ServerOptions TlsOptions(const Pki& pki, const std::string& client_ca = "") {
  ServerOptions options;
  options.tls = true;
  options.tls_options.cert_pem = pki.server.cert_pem;
  options.tls_options.key_pem = pki.server.key_pem;
  options.tls_options.client_ca_pem = client_ca;
  return options;
}

// ---------------------------------------------------------------------------------
// Request parsing

TEST(Request, QueryDecodesPlusAndPercentEscapes) {
  Request req;
  req.query = "labelSelector=app%3Dweb+tier&limit=2&flag&empty=&a%20b=c&limit=3&bad=%zz%4";
  EXPECT_EQ(req.Query("labelSelector"), "app=web tier");
  EXPECT_EQ(req.Query("limit"), "2");  // first occurrence
  EXPECT_EQ(req.Query("a b"), "c");
  EXPECT_EQ(req.Query("bad"), "%zz%4");
  EXPECT_EQ(req.Query("missing"), "");
  EXPECT_TRUE(req.HasQuery("flag"));
  EXPECT_TRUE(req.HasQuery("empty"));
  EXPECT_FALSE(req.HasQuery("watch"));
}

TEST(Request, HeaderIsCaseInsensitive) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("Accept"), "");
}

// ---------------------------------------------------------------------------------
// Plain HTTP

TEST(Server, PlainGetSeesDecodedPathRawQueryAndHeaders) {
  std::mutex mu;
  std::string selector;
  bool has_watch = true;
  auto server = StartOrDie({}, [&](const Request& req, ResponseWriter& w) {
    {
      std::lock_guard<std::mutex> lock(mu);
      selector = req.Query("labelSelector");
      has_watch = req.HasQuery("watch");
    }
    EchoHandler(req, w);
  });
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url(), "http://127.0.0.1:" + std::to_string(server->port()));

  PlainClient client(server->port());
  ASSERT_FALSE(client.connect_error()) << client.connect_error().message();
  Response res = client.Do(bhttp::verb::get, "/api/v1/name%20space/pods?labelSelector=app%3Dweb+x");
  ASSERT_FALSE(res.ec) << res.ec.message();
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.Header(bhttp::field::content_type), "text/plain");
  EXPECT_EQ(res.Header(bhttp::field::content_length), std::to_string(res.body.size()));
  EXPECT_EQ(ToString(res.msg["X-Echo"]), "1");
  EXPECT_NE(res.body.find("method=GET\n"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("path=/api/v1/name space/pods\n"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("query=labelSelector=app%3Dweb+x\n"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("header=present\n"), std::string::npos) << res.body;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(selector, "app=web x");
  EXPECT_FALSE(has_watch);
}

TEST(Server, PostPutAndPatchBodiesAreReadFully) {
  auto server = StartOrDie({}, [](const Request& req, ResponseWriter& w) {
    w.Reply(201, "application/octet-stream", req.method + ":" + req.body);
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (bhttp::verb verb : {bhttp::verb::post, bhttp::verb::put, bhttp::verb::patch}) {
    Response res = client.Do(verb, "/echo", big);
    ASSERT_FALSE(res.ec) << res.ec.message();
    EXPECT_EQ(res.status, 201u);
    std::string method = ToString(bhttp::to_string(verb));
    EXPECT_EQ(res.body, method + ":" + big);
  }
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  auto server = StartOrDie({}, [&](const Request& req, ResponseWriter& w) {
    ++calls;
    w.Reply(200, "text/plain", req.path);
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  Response first = client.Do(bhttp::verb::get, "/one");
  ASSERT_FALSE(first.ec) << first.ec.message();
  EXPECT_TRUE(first.keep_alive);
  Response second = client.Do(bhttp::verb::get, "/two");
  ASSERT_FALSE(second.ec) << second.ec.message();
  EXPECT_EQ(first.body, "/one");
  EXPECT_EQ(second.body, "/two");
  EXPECT_EQ(calls.load(), 2);
}

TEST(Server, HandlerThatWritesNothingGets500) {
  auto server = StartOrDie({}, [](const Request&, ResponseWriter&) {});
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  Response res = client.Do(bhttp::verb::get, "/");
  ASSERT_FALSE(res.ec) << res.ec.message();
  EXPECT_EQ(res.status, 500u);
  // The connection stays usable.
  Response again = client.Do(bhttp::verb::get, "/");
  ASSERT_FALSE(again.ec) << again.ec.message();
  EXPECT_EQ(again.status, 500u);
}

TEST(Server, HandlerThatThrowsGets500AndConnectionCloses) {
  auto server =
      StartOrDie({}, [](const Request&, ResponseWriter&) { throw std::runtime_error("boom"); });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  Response res = client.Do(bhttp::verb::get, "/");
  ASSERT_FALSE(res.ec) << res.ec.message();
  EXPECT_EQ(res.status, 500u);
  EXPECT_FALSE(res.keep_alive);
}

TEST(Server, HeadNoContentAndConnectionCloseAreFramedCorrectly) {
  auto server = StartOrDie({}, [](const Request& req, ResponseWriter& w) {
    if (req.path == "/empty") {
      w.Reply(204, "", "ignored");
    } else if (req.path == "/close") {
      w.Reply(200, "text/plain", "bye", {{"Connection", "close"}});
    } else {
      w.Reply(200, "text/plain", "twelve bytes");
    }
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  Response head = client.Do(bhttp::verb::head, "/");
  ASSERT_FALSE(head.ec) << head.ec.message();
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.Header(bhttp::field::content_length), "12");
  EXPECT_EQ(head.body, "");
  Response empty = client.Do(bhttp::verb::get, "/empty");
  ASSERT_FALSE(empty.ec) << empty.ec.message();
  EXPECT_EQ(empty.status, 204u);
  EXPECT_EQ(empty.body, "");
  Response get = client.Do(bhttp::verb::get, "/");
  ASSERT_FALSE(get.ec) << get.ec.message();
  EXPECT_EQ(get.body, "twelve bytes");
  Response close = client.Do(bhttp::verb::get, "/close");
  ASSERT_FALSE(close.ec) << close.ec.message();
  EXPECT_EQ(close.body, "bye");
  EXPECT_FALSE(close.keep_alive);
  Response after = client.Do(bhttp::verb::get, "/");
  EXPECT_TRUE(after.ec) << "the server closed the connection";
}

TEST(Server, ExpectContinueGets100BeforeTheBody) {
  auto server = StartOrDie(
      {}, [](const Request& req, ResponseWriter& w) { w.Reply(200, "text/plain", req.body); });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  std::string head =
      "PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  beast::error_code ec;
  net::write(client.socket(), net::buffer(head), ec);
  ASSERT_FALSE(ec);
  bhttp::response_parser<bhttp::empty_body> interim_parser;
  bhttp::read_header(client.socket(), client.buffer(), interim_parser, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(interim_parser.get().result_int(), 100u);
  net::write(client.socket(), net::buffer(std::string("hello")), ec);
  ASSERT_FALSE(ec);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(client.socket(), client.buffer(), res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "hello");
}

TEST(Server, BodyOverLimitGets413) {
  std::atomic<int> calls{0};
  auto server = StartOrDie({}, [&](const Request&, ResponseWriter& w) {
    ++calls;
    w.Reply(200, "text/plain", "ok");
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  // Only the header is sent: the server answers from Content-Length alone.
  std::string head =
      "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(17 * 1024 * 1024) +
      "\r\n\r\n";
  beast::error_code ec;
  net::write(client.socket(), net::buffer(head), ec);
  ASSERT_FALSE(ec);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(client.socket(), client.buffer(), res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(calls.load(), 0);
}

TEST(Server, MalformedRequestGets400) {
  auto server = StartOrDie({}, EchoHandler);
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  beast::error_code ec;
  net::write(client.socket(), net::buffer(std::string("GARBAGE\x01 / HTTP/1.1\r\n\r\n")), ec);
  ASSERT_FALSE(ec);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(client.socket(), client.buffer(), res, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 400u);
}

// ---------------------------------------------------------------------------------
// TLS

TEST(Server, TlsClientVerifiesServerByCaAndIpSan) {
  Pki pki = MakePki();
  auto server = StartOrDie(TlsOptions(pki), EchoHandler);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url(), "https://127.0.0.1:" + std::to_string(server->port()));
  TlsClient client(server->port(), pki.ca.cert_pem);
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  Response res = client.Do(bhttp::verb::post, "/tls?x=1", "payload");
  ASSERT_FALSE(res.ec) << res.ec.message();
  EXPECT_EQ(res.status, 200u);
  EXPECT_NE(res.body.find("body=payload"), std::string::npos);
  EXPECT_NE(res.body.find("cn=\n"), std::string::npos) << "no client certificate was sent";
  Response again = client.Do(bhttp::verb::get, "/again");
  ASSERT_FALSE(again.ec) << again.ec.message();
  EXPECT_NE(again.body.find("path=/again"), std::string::npos);
}

TEST(Server, TlsClientTrustingAnotherCaFailsHandshake) {
  Pki pki = MakePki();
  Pki other = MakePki("other-ca");
  auto server = StartOrDie(TlsOptions(pki), EchoHandler);
  ASSERT_TRUE(server);
  TlsClient client(server->port(), other.ca.cert_pem);
  EXPECT_TRUE(client.handshake_error());
}

TEST(Server, ClientCertificateIdentityReachesHandler) {
  Pki pki = MakePki();
  auto server = StartOrDie(TlsOptions(pki, pki.ca.cert_pem), EchoHandler);
  ASSERT_TRUE(server);
  testing::CertificateRequest request;
  request.common_name = "jane";
  request.organizations = {"system:masters", "devs"};
  request.server = false;
  auto client_cert = testing::IssueCertificate(pki.ca, request);
  ASSERT_TRUE(client_cert.ok());

  TlsClient client(server->port(), pki.ca.cert_pem, &*client_cert);
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  Response res = client.Do(bhttp::verb::get, "/whoami");
  ASSERT_FALSE(res.ec) << res.ec.message();
  EXPECT_NE(res.body.find("cn=jane\n"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("orgs=system:masters,devs,\n"), std::string::npos) << res.body;

  // Without a certificate the client is still served, anonymously.
  TlsClient anonymous(server->port(), pki.ca.cert_pem);
  ASSERT_FALSE(anonymous.handshake_error()) << anonymous.handshake_error().message();
  Response anon = anonymous.Do(bhttp::verb::get, "/whoami");
  ASSERT_FALSE(anon.ec) << anon.ec.message();
  EXPECT_NE(anon.body.find("cn=\norgs=\n"), std::string::npos) << anon.body;
}

TEST(Server, ClientCertificateFromAnotherCaIsRejected) {
  Pki pki = MakePki();
  Pki other = MakePki("other-ca");
  std::atomic<int> calls{0};
  auto server =
      StartOrDie(TlsOptions(pki, pki.ca.cert_pem), [&](const Request&, ResponseWriter& w) {
        ++calls;
        w.Reply(200, "text/plain", "ok");
      });
  ASSERT_TRUE(server);
  testing::CertificateRequest request;
  request.common_name = "mallory";
  request.server = false;
  auto client_cert = testing::IssueCertificate(other.ca, request);
  ASSERT_TRUE(client_cert.ok());
  TlsClient client(server->port(), pki.ca.cert_pem, &*client_cert);
  // With TLS 1.3 the client learns of the rejection only when it next reads.
  Response res = client.Do(bhttp::verb::get, "/");
  EXPECT_TRUE(res.ec);
  EXPECT_EQ(calls.load(), 0);
}

TEST(Server, BadPemIsBadRequest) {
  Pki pki = MakePki();
  ServerOptions options = TlsOptions(pki);
  options.tls_options.cert_pem = "not a certificate";
  auto bad_cert = Server::Start(options, EchoHandler);
  ASSERT_FALSE(bad_cert.ok());
  EXPECT_EQ(bad_cert.error().code(), Code::kBadRequest);

  options = TlsOptions(pki);
  options.tls_options.key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto bad_key = Server::Start(options, EchoHandler);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().code(), Code::kBadRequest);

  options = TlsOptions(pki);
  options.tls_options.key_pem = pki.ca.key_pem;  // a key of another certificate
  auto mismatched = Server::Start(options, EchoHandler);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code(), Code::kBadRequest);

  options = TlsOptions(pki, "garbage");
  auto bad_ca = Server::Start(options, EchoHandler);
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_EQ(bad_ca.error().code(), Code::kBadRequest);
}

TEST(Server, PortInUseIsUnavailable) {
  auto first = StartOrDie({}, EchoHandler);
  ASSERT_TRUE(first);
  ServerOptions options;
  options.port = first->port();
  auto second = Server::Start(options, EchoHandler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), Code::kUnavailable) << second.error();
}

// ---------------------------------------------------------------------------------
// Streaming

// Lets a test thread and a handler hand a counter back and forth.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  int value = 0;  // guarded by mu

  void Set(int v) {
    std::lock_guard<std::mutex> lock(mu);
    value = v;
    cv.notify_all();
  }
  // Waits until value >= v; false on timeout.
  bool WaitFor(int v) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kGenerous, [&] { return value >= v; });
  }
};

// A handler that writes three events, each only after the client confirmed the
// previous one: the stream completes quickly only if each Write reaches the client
// before the next one is made.
struct ThreeEventHandler {
  Latch* client_got;
  std::atomic<bool>* timed_out;
  void operator()(const Request&, ResponseWriter& w) const {
    if (!w.WriteHead(200, {{"Content-Type", "application/json"}, {"Content-Length", "99"}})) {
      return;
    }
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(5ms);
      if (!w.Write("{\"event\":" + std::to_string(i) + "}\n")) return;
      if (!client_got->WaitFor(i + 1)) {
        timed_out->store(true);
        return;
      }
    }
  }
};

template <typename Stream>
void ReadThreeEvents(Stream& stream, Latch& client_got) {
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/api/v1/pods?watch=1", 11);
  req.set(bhttp::field::host, "127.0.0.1");
  beast::error_code ec;
  bhttp::write(stream, req, ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(stream, buffer, parser, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_TRUE(parser.get().chunked());
  EXPECT_EQ(ToString(parser.get()[bhttp::field::content_type]), "application/json");
  EXPECT_EQ(ToString(parser.get()[bhttp::field::content_length]), "");
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    expected += "{\"event\":" + std::to_string(i) + "}\n";
    while (parser.get().body().size() < expected.size() && !parser.is_done()) {
      bhttp::read_some(stream, buffer, parser, ec);
      ASSERT_FALSE(ec) << ec.message();
    }
    EXPECT_EQ(parser.get().body(), expected);
    client_got.Set(i + 1);
  }
  while (!parser.is_done()) {
    bhttp::read_some(stream, buffer, parser, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(parser.get().body(), expected);
  EXPECT_TRUE(parser.get().keep_alive());
}

TEST(Server, StreamDeliversEachChunkBeforeTheNextIsWritten) {
  Latch client_got;
  std::atomic<bool> timed_out{false};
  auto server = StartOrDie({}, ThreeEventHandler{&client_got, &timed_out});
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  ReadThreeEvents(client.socket(), client_got);
  EXPECT_FALSE(timed_out.load());
  // The connection is reusable after the stream ends.
  Response after = client.Do(bhttp::verb::get, "/again");
  ASSERT_FALSE(after.ec) << after.ec.message();
}

TEST(Server, TlsStreamDeliversEachChunkBeforeTheNextIsWritten) {
  Pki pki = MakePki();
  Latch client_got;
  std::atomic<bool> timed_out{false};
  auto server = StartOrDie(TlsOptions(pki), ThreeEventHandler{&client_got, &timed_out});
  ASSERT_TRUE(server);
  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.add_certificate_authority(net::buffer(pki.ca.cert_pem));
  ctx.set_verify_mode(net::ssl::verify_peer);
  net::ssl::stream<tcp::socket> stream(ioc, ctx);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), "127.0.0.1");
  stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  stream.handshake(net::ssl::stream_base::client);
  ReadThreeEvents(stream, client_got);
  EXPECT_FALSE(timed_out.load());
}

// Runs a handler that streams until closed() and reports what it saw.
struct UntilClosedHandler {
  Latch* started;
  Latch* finished;
  std::atomic<bool>* saw_closed;
  void operator()(const Request&, ResponseWriter& w) const {
    bool ok = w.WriteHead(200, {}) && w.Write("hello\n");
    started->Set(1);
    auto deadline = std::chrono::steady_clock::now() + kGenerous;
    while (ok && !w.closed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    saw_closed->store(w.closed());
    finished->Set(1);
  }
};

TEST(Server, ClientDisconnectMakesClosedTrue) {
  Latch started, finished;
  std::atomic<bool> saw_closed{false};
  auto server = StartOrDie({}, UntilClosedHandler{&started, &finished, &saw_closed});
  ASSERT_TRUE(server);
  {
    PlainClient client(server->port());
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/watch", 11);
    bhttp::write(client.socket(), req);
    bhttp::response_parser<bhttp::string_body> parser;
    bhttp::read_header(client.socket(), client.buffer(), parser);
    ASSERT_TRUE(started.WaitFor(1));
    // The client goes away while the handler waits for something to send.
  }
  ASSERT_TRUE(finished.WaitFor(1));
  EXPECT_TRUE(saw_closed.load());
}

TEST(Server, TlsClientDisconnectMakesClosedTrue) {
  Pki pki = MakePki();
  Latch started, finished;
  std::atomic<bool> saw_closed{false};
  auto server = StartOrDie(TlsOptions(pki), UntilClosedHandler{&started, &finished, &saw_closed});
  ASSERT_TRUE(server);
  {
    net::io_context ioc;
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.add_certificate_authority(net::buffer(pki.ca.cert_pem));
    ctx.set_verify_mode(net::ssl::verify_peer);
    net::ssl::stream<tcp::socket> stream(ioc, ctx);
    stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
    stream.handshake(net::ssl::stream_base::client);
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/watch", 11);
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    bhttp::read_header(stream, buffer, parser);
    ASSERT_TRUE(started.WaitFor(1));
    // The client drops the TCP connection without a TLS close_notify.
    stream.next_layer().close();
  }
  ASSERT_TRUE(finished.WaitFor(1));
  EXPECT_TRUE(saw_closed.load());
}

TEST(Server, StopWithStreamingHandlerInFlightReturnsPromptly) {
  Latch started, finished;
  std::atomic<bool> saw_closed{false};
  auto server = StartOrDie({}, UntilClosedHandler{&started, &finished, &saw_closed});
  ASSERT_TRUE(server);
  PlainClient client(server->port());
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/watch", 11);
  bhttp::write(client.socket(), req);
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(client.socket(), client.buffer(), parser);
  ASSERT_TRUE(started.WaitFor(1));

  auto begin = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, kGenerous / 2);
  // Stop waited for the handler, which saw closed().
  {
    std::lock_guard<std::mutex> lock(finished.mu);
    EXPECT_EQ(finished.value, 1);
  }
  EXPECT_TRUE(saw_closed.load());
  server->Stop();  // idempotent

  // The client sees its stream end.
  beast::error_code ec;
  while (!ec) bhttp::read_some(client.socket(), client.buffer(), parser, ec);
  EXPECT_TRUE(ec);
}

TEST(Server, StopUnblocksHandlerStuckWritingToSlowClient) {
  Latch started, finished;
  auto server = StartOrDie({}, [&](const Request&, ResponseWriter& w) {
    w.WriteHead(200, {});
    started.Set(1);
    std::string chunk(64 * 1024, 'z');
    while (w.Write(chunk)) {
    }
    finished.Set(1);
  });
  ASSERT_TRUE(server);
  PlainClient client(server->port());  // sends a request, then never reads
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/watch", 11);
  bhttp::write(client.socket(), req);
  ASSERT_TRUE(started.WaitFor(1));
  server->Stop();
  std::lock_guard<std::mutex> lock(finished.mu);
  EXPECT_EQ(finished.value, 1);
}

TEST(Server, ConcurrentClientsAreServedWhileAStreamIsOpen) {
  Latch started, finished;
  std::atomic<bool> saw_closed{false};
  UntilClosedHandler streamer{&started, &finished, &saw_closed};
  auto server = StartOrDie({}, [&](const Request& req, ResponseWriter& w) {
    if (req.path == "/watch") return streamer(req, w);
    w.Reply(200, "text/plain", "pong");
  });
  ASSERT_TRUE(server);
  PlainClient watcher(server->port());
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, "/watch", 11);
  bhttp::write(watcher.socket(), req);
  ASSERT_TRUE(started.WaitFor(1));

  std::vector<std::thread> threads;
  std::atomic<int> pongs{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      PlainClient client(server->port());
      for (int j = 0; j < 5; ++j) {
        if (client.Do(bhttp::verb::get, "/ping").body == "pong") ++pongs;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(pongs.load(), 40);
  server->Stop();
  EXPECT_TRUE(saw_closed.load());
}

}  // namespace
}  // namespace kube::http
