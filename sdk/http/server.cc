#include "kubecpp/http/server.h"
#include "kubecpp/core/internal/strings.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace kube::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

constexpr std::uint64_t kBodyLimit = 16 * 1024 * 1024;  // 16 MiB; 413 beyond
constexpr std::uint32_t kHeaderLimit = 64 * 1024;       // 431 beyond
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

// ---------------------------------------------------------------------------------
// Text helpers

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (malformed ones are kept as they are) and, when
// `plus_is_space`, '+' as ' '.
std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string_view ToStd(beast::string_view s) { return std::string_view(s.data(), s.size()); }

using kube::internal::EqualsIgnoreCase;

// Calls `fn(raw_key, raw_value)` for each `&`-separated parameter until it returns
// true; returns whether it did.
template <typename Fn>
bool ForEachQueryParam(std::string_view query, Fn fn) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    if (fn(key, value)) return true;
  }
  return false;
}

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// TLS

struct PeerIdentity {
  std::string common_name;
  std::vector<std::string> organizations;
};

std::vector<std::string> SubjectEntries(X509* cert, int nid) {
  std::vector<std::string> out;
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    if (data == nullptr) continue;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
  }
  return out;
}

// The verified client certificate's subject, or an empty identity.
PeerIdentity PeerFromSsl(SSL* ssl) {
  PeerIdentity peer;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return peer;
  std::vector<std::string> cns = SubjectEntries(cert, NID_commonName);
  if (!cns.empty()) peer.common_name = cns.back();  // the most specific CN
  peer.organizations = SubjectEntries(cert, NID_organizationName);
  return peer;
}

// Adds every certificate in `pem` to the CA names sent in the CertificateRequest.
Status AddClientCaNames(SSL_CTX* ctx, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return InternalError("http: BIO_new_mem_buf failed");
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_client_CA(ctx, cert) == 1) ++added;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (added == 0) return BadRequestError("http: client CA PEM holds no certificate");
  return Status();
}

Result<std::unique_ptr<net::ssl::context>> MakeSslContext(const TlsServerOptions& tls) {
  try {
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    beast::error_code ec;
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                         net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                     ec);
    SSL_CTX* native = ctx->native_handle();
    if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
      return InternalError("http: configuring TLS failed: " + OpenSslErrors());
    }
    ctx->use_certificate_chain(net::buffer(tls.cert_pem), ec);
    if (ec) {
      ERR_clear_error();
      return BadRequestError("http: unusable server certificate PEM: " + ec.message());
    }
    ctx->use_private_key(net::buffer(tls.key_pem), net::ssl::context::pem, ec);
    if (ec) {
      ERR_clear_error();
      return BadRequestError("http: unusable server private key PEM: " + ec.message());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      return BadRequestError("http: the private key does not match the server certificate");
    }
    if (!tls.client_ca_pem.empty()) {
      ctx->add_certificate_authority(net::buffer(tls.client_ca_pem), ec);
      if (ec) {
        ERR_clear_error();
        return BadRequestError("http: unusable client CA PEM: " + ec.message());
      }
      KUBE_RETURN_IF_ERROR(AddClientCaNames(native, tls.client_ca_pem));
      // Ask for a certificate and verify one if sent, but accept clients without one.
      ctx->set_verify_mode(net::ssl::verify_peer, ec);
      if (ec) return InternalError("http: set_verify_mode: " + ec.message());
      // Sessions resumed with client verification need an id context.
      static constexpr unsigned char kSessionContext[] = "kubecpp-http";
      SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
    }
    ERR_clear_error();
    return ctx;
  } catch (const std::exception& e) {
    ERR_clear_error();
    return InternalError(std::string("http: creating the TLS context failed: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------
// Connections

// One accepted connection, shared by its thread and the server (for Stop).
struct Connection {
  int fd = -1;  // the native socket; set before the thread starts, then read-only
  // Set when a write failed or the peer was seen to hang up.
  std::atomic<bool> peer_gone{false};
  bool socket_closed = false;  // guarded by ServerImpl::mu_; fd must not be used after
  bool finished = false;       // guarded by ServerImpl::mu_; the thread is about to exit
  std::thread thread;          // guarded by ServerImpl::mu_ until Stop takes the list
};

// True when the peer has hung up (or half-closed) the connection, without reading.
bool PeerHungUp(int fd) {
  pollfd pfd{};
  pfd.fd = fd;
#ifdef POLLRDHUP
  pfd.events = POLLRDHUP;
#else
  pfd.events = 0;
#endif
  if (::poll(&pfd, 1, 0) <= 0) return false;
  short hangup = POLLHUP | POLLERR | POLLNVAL;
#ifdef POLLRDHUP
  hangup = static_cast<short>(hangup | POLLRDHUP);
#endif
  return (pfd.revents & hangup) != 0;
}

template <typename Stream>
class ConnectionWriter final : public ResponseWriter {
 public:
  ConnectionWriter(Stream& stream, Connection& conn, const std::atomic<bool>& stopping,
                   bool keep_alive, bool head)
      : stream_(stream), conn_(conn), stopping_(stopping), keep_alive_(keep_alive), head_(head) {}

  bool Reply(int status, std::string_view content_type, std::string_view body,
             const Headers& extra_headers) override {
    assert(state_ == State::kNone && "Reply after a response was started");
    if (state_ != State::kNone) return false;
    state_ = State::kReplied;
    try {
      bhttp::response<bhttp::string_body> res;
      res.version(11);
      res.result(FinalStatus(status));
      if (!content_type.empty()) {
        res.set(bhttp::field::content_type,
                beast::string_view(content_type.data(), content_type.size()));
      }
      AddHeaders(res, extra_headers);
      res.keep_alive(keep_alive_ && !stopping_.load());
      if (res.result() == bhttp::status::no_content ||
          res.result() == bhttp::status::not_modified) {
        // No body and no Content-Length (RFC 9110 8.6).
      } else if (head_) {
        res.content_length(body.size());  // as for GET, without the body
      } else {
        res.body().assign(body.data(), body.size());
        res.prepare_payload();
      }
      beast::error_code ec;
      bhttp::write(stream_, res, ec);
      return Check(ec);
    } catch (const std::exception&) {
      return Check(beast::errc::make_error_code(beast::errc::invalid_argument));
    }
  }

  bool WriteHead(int status, const Headers& headers) override {
    assert(state_ == State::kNone && "WriteHead after a response was started");
    if (state_ != State::kNone) return false;
    state_ = State::kStreaming;
    try {
      bhttp::response<bhttp::empty_body> res;
      res.version(11);
      res.result(FinalStatus(status));
      AddHeaders(res, headers);
      res.keep_alive(keep_alive_);
      res.chunked(true);
      bhttp::response_serializer<bhttp::empty_body> serializer(res);
      beast::error_code ec;
      bhttp::write_header(stream_, serializer, ec);
      return Check(ec);
    } catch (const std::exception&) {
      return Check(beast::errc::make_error_code(beast::errc::invalid_argument));
    }
  }

  bool Write(std::string_view chunk) override {
    assert(state_ == State::kStreaming && "Write before WriteHead");
    if (state_ != State::kStreaming || failed_) return false;
    if (chunk.empty() || head_) return !closed();
    beast::error_code ec;
    net::write(stream_, bhttp::make_chunk(net::const_buffer(chunk.data(), chunk.size())), ec);
    return Check(ec);
  }

  bool closed() const override {
    if (stopping_.load() || conn_.peer_gone.load()) return true;
    if (PeerHungUp(conn_.fd)) {
      conn_.peer_gone.store(true);
      return true;
    }
    return false;
  }

  // Completes the response after the handler returned: a 500 when nothing was
  // written, the last chunk of a stream. Returns whether the connection can serve
  // another request.
  bool Finish() {
    switch (state_) {
      case State::kNone:
        if (!Reply(500, "text/plain", "handler wrote no response\n", {})) return false;
        break;
      case State::kStreaming:
        if (!failed_ && !head_) {
          beast::error_code ec;
          net::write(stream_, bhttp::make_chunk_last(), ec);
          Check(ec);
        }
        break;
      case State::kReplied:
        break;
    }
    return !failed_ && keep_alive_ && !stopping_.load() && !conn_.peer_gone.load();
  }

  // After a handler threw: finish what can be finished, never reuse the connection.
  void Abandon() {
    keep_alive_ = false;
    if (state_ == State::kNone) Reply(500, "text/plain", "handler failed\n", {});
    failed_ = true;
  }

 private:
  enum class State { kNone, kReplied, kStreaming };

  // Handlers send final responses only: 200 to 999; anything else becomes 500.
  static unsigned FinalStatus(int status) {
    return status >= 200 && status <= 999 ? static_cast<unsigned>(status) : 500U;
  }

  // Adds handler headers, except the framing ones the writer sets itself. A
  // "Connection: close" ends the connection after this response.
  template <typename Message>
  void AddHeaders(Message& res, const Headers& headers) {
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "Connection") && EqualsIgnoreCase(value, "close")) {
        keep_alive_ = false;
      }
      if (name.empty() || EqualsIgnoreCase(name, "Content-Length") ||
          EqualsIgnoreCase(name, "Transfer-Encoding") || EqualsIgnoreCase(name, "Connection")) {
        continue;
      }
      res.insert(beast::string_view(name.data(), name.size()),
                 beast::string_view(value.data(), value.size()));
    }
  }

  bool Check(const beast::error_code& ec) {
    if (ec) {
      failed_ = true;
      conn_.peer_gone.store(true);
      return false;
    }
    return true;
  }

  Stream& stream_;
  Connection& conn_;
  const std::atomic<bool>& stopping_;
  bool keep_alive_;  // cleared by a handler's "Connection: close"
  const bool head_;  // a HEAD request: headers only
  State state_ = State::kNone;
  bool failed_ = false;
};

Request ToRequest(const bhttp::request<bhttp::string_body>& msg, const PeerIdentity& peer) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  std::string_view target(req.target);
  size_t question = target.find('?');
  req.path = PercentDecode(target.substr(0, question), /*plus_is_space=*/false);
  if (question != std::string_view::npos) req.query = std::string(target.substr(question + 1));
  for (const auto& field : msg) {
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = msg.body();
  req.client_common_name = peer.common_name;
  req.client_organizations = peer.organizations;
  return req;
}

// ---------------------------------------------------------------------------------
// The server

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Handler handler, std::unique_ptr<net::ssl::context> ssl)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(ioc_),
        retry_timer_(ioc_),
        ssl_(std::move(ssl)) {}

  ~ServerImpl() override { Stop(); }

  // Binds and listens. Runs before the accept thread exists.
  Status Listen() {
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(options_.address, ec);
    if (ec) return BadRequestError("http: bad listen address \"" + options_.address + "\"");
    tcp::endpoint endpoint(address, options_.port);
    std::string where = options_.address + ":" + std::to_string(options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (ec)
      return UnavailableError("http: cannot open a socket for " + where + ": " + ec.message());
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
    if (ec) return UnavailableError("http: cannot bind " + where + ": " + ec.message());
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return UnavailableError("http: cannot listen on " + where + ": " + ec.message());
    tcp::endpoint local = acceptor_.local_endpoint(ec);
    if (ec) return UnavailableError("http: local_endpoint: " + ec.message());
    port_ = local.port();
    url_host_ = UrlHost(local.address());
    return Status();
  }

  void StartAccepting() {
    DoAccept();
    accept_thread_ = std::thread([this] {
      beast::error_code ec;
      ioc_.run(ec);
    });
  }

  uint16_t port() const override { return port_; }

  std::string url() const override {
    return std::string(ssl_ ? "https://" : "http://") + url_host_ + ":" + std::to_string(port_);
  }

  void Stop() override {
    std::lock_guard<std::mutex> stop_lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_.store(true);
      // Wakes connection threads blocked reading or writing; handlers see closed().
      for (const auto& conn : connections_) {
        if (!conn->socket_closed) ::shutdown(conn->fd, SHUT_RDWR);
      }
    }
    ioc_.stop();
    if (accept_thread_.joinable()) accept_thread_.join();
    // The accept thread is gone, so no connection is added any more.
    std::list<std::unique_ptr<Connection>> connections;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections.swap(connections_);
    }
    for (const auto& conn : connections) {
      if (conn->thread.joinable()) conn->thread.join();
    }
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  static std::string UrlHost(const net::ip::address& address) {
    if (address.is_unspecified()) return address.is_v6() ? "[::1]" : "127.0.0.1";
    if (address.is_v6()) return "[" + address.to_string() + "]";
    return address.to_string();
  }

  // Runs on the accept thread (or before it starts).
  void DoAccept() {
    acceptor_.async_accept(
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (stopping_.load()) return;
    if (ec) {
      // Out of descriptors, or a connection reset before accept: try again shortly.
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([this](beast::error_code timer_ec) {
        if (!timer_ec && !stopping_.load()) DoAccept();
      });
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_.load()) return;  // Stop runs; the socket closes here
      ReapFinishedLocked();
      if (connections_.size() >= static_cast<size_t>(std::max(options_.max_connections, 1))) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto conn = std::make_unique<Connection>();
        conn->fd = socket.native_handle();
        Connection* raw = conn.get();
        try {
          conn->thread = std::thread([this, raw, s = std::move(socket)]() mutable {
            ServeConnection(*raw, std::move(s));
          });
          connections_.push_back(std::move(conn));
        } catch (const std::system_error&) {
          // Could not start a thread; the socket (moved into the lambda) is closed.
        }
      }
    }
    DoAccept();
  }

  // Joins and drops connections whose thread has finished. REQUIRES: mu_ held.
  void ReapFinishedLocked() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->finished) {
        (*it)->thread.join();  // it set `finished` as its last step
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Runs on the connection's own thread.
  void ServeConnection(Connection& conn, tcp::socket socket) {
    if (ssl_) {
      net::ssl::stream<tcp::socket> stream(std::move(socket), *ssl_);
      beast::error_code ec;
      stream.handshake(net::ssl::stream_base::server, ec);
      if (!ec) {
        PeerIdentity peer = PeerFromSsl(stream.native_handle());
        ServeRequests(stream, conn, peer);
      }
      ERR_clear_error();
      CloseConnection(conn, stream.next_layer());
    } else {
      ServeRequests(socket, conn, PeerIdentity());
      CloseConnection(conn, socket);
    }
  }

  void CloseConnection(Connection& conn, tcp::socket& socket) {
    std::lock_guard<std::mutex> lock(mu_);
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
    conn.socket_closed = true;
    conn.finished = true;
  }

  template <typename Stream>
  void SendError(Stream& stream, bhttp::status status, std::string_view body) {
    bhttp::response<bhttp::string_body> res(status, 11);
    res.set(bhttp::field::content_type, "text/plain");
    res.body().assign(body.data(), body.size());
    res.keep_alive(false);
    res.prepare_payload();
    beast::error_code ec;
    bhttp::write(stream, res, ec);
  }

  template <typename Stream>
  void ServeRequests(Stream& stream, Connection& conn, const PeerIdentity& peer) {
    beast::flat_buffer buffer;
    while (!stopping_.load()) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(kHeaderLimit);
      beast::error_code ec;
      bhttp::read_header(stream, buffer, parser, ec);
      if (!ec && EqualsIgnoreCase(ToStd(parser.get()[bhttp::field::expect]), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        net::write(stream, net::const_buffer(kContinue.data(), kContinue.size()), ec);
      }
      if (!ec && !parser.is_done()) bhttp::read(stream, buffer, parser, ec);
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          SendError(stream, bhttp::status::payload_too_large, "request body too large\n");
        } else if (ec == bhttp::error::header_limit) {
          SendError(stream, bhttp::status::request_header_fields_too_large,
                    "request header too large\n");
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          SendError(stream, bhttp::status::bad_request, "malformed request\n");
        }
        return;
      }
      const auto& msg = parser.get();
      Request request = ToRequest(msg, peer);
      ConnectionWriter<Stream> writer(stream, conn, stopping_, msg.keep_alive(),
                                      msg.method() == bhttp::verb::head);
      try {
        handler_(request, writer);
      } catch (...) {
        // A safety net, not an API: handlers report errors through the response.
        writer.Abandon();
        return;
      }
      if (!writer.Finish()) return;
    }
  }

  const ServerOptions options_;
  const Handler handler_;
  net::io_context ioc_;                           // runs the acceptor only; outlives every socket
  tcp::acceptor acceptor_;                        // used on the accept thread once it runs
  net::steady_timer retry_timer_;                 // used on the accept thread
  const std::unique_ptr<net::ssl::context> ssl_;  // null for plain HTTP
  uint16_t port_ = 0;                             // set by Listen, then read-only
  std::string url_host_;                          // set by Listen, then read-only
  std::thread accept_thread_;                     // started by StartAccepting, joined by Stop

  std::atomic<bool> stopping_{false};

  std::mutex stop_mu_;    // serializes Stop
  bool stopped_ = false;  // guarded by stop_mu_

  std::mutex mu_;
  std::list<std::unique_ptr<Connection>> connections_;  // guarded by mu_
};

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string Request::Query(std::string_view name) const {
  std::string result;
  ForEachQueryParam(query, [&](std::string_view key, std::string_view value) {
    if (PercentDecode(key, true) != name) return false;
    result = PercentDecode(value, true);
    return true;
  });
  return result;
}

bool Request::HasQuery(std::string_view name) const {
  return ForEachQueryParam(query, [&](std::string_view key, std::string_view) {
    return PercentDecode(key, true) == name;
  });
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  if (!handler) return BadRequestError("http: Server::Start needs a handler");
  std::unique_ptr<net::ssl::context> ssl;
  if (options.tls) {
    auto ctx = MakeSslContext(options.tls_options);
    if (!ctx) return ctx.error();
    ssl = std::move(*ctx);
  }
  try {
    auto server =
        std::make_unique<ServerImpl>(std::move(options), std::move(handler), std::move(ssl));
    KUBE_RETURN_IF_ERROR(server->Listen());
    server->StartAccepting();
    return std::unique_ptr<Server>(std::move(server));
  } catch (const std::exception& e) {
    return InternalError(std::string("http: starting the server failed: ") + e.what());
  }
}

}  // namespace kube::http
