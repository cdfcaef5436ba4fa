// Server: a small embedded HTTP/1.1 server, plain or TLS, for the manager's endpoints
// (/metrics, /healthz), the fake apiserver's HTTPS front-end, and as a real peer in
// client tests.
//
// Each request is handed to one Handler, which answers through a ResponseWriter:
// either a whole response (Reply) or a streamed one (WriteHead, then Write chunks,
// sent with chunked transfer encoding) for watches. Connections are kept alive.
// Built on Boost.Beast; no Boost type appears here.
//
// Threading: one accept thread, plus one thread per connection that reads requests,
// runs the handler and writes the response with blocking I/O. So a handler may block
// (a watch streams for minutes) without holding up other connections.
//
// Thread-safety: thread-safe. The handler runs on the server's threads, possibly
// concurrently for different connections; a streaming handler may block its thread
// while it writes.
#ifndef KUBECPP_HTTP_SERVER_H_
#define KUBECPP_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/result.h"

namespace kube::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received: "/api/v1/pods?limit=2"
  std::string path;    // percent-decoded path: "/api/v1/pods"
  std::string query;   // raw query without '?': "limit=2"
  Headers headers;
  std::string body;
  // Verified TLS client certificate, if the client sent one: subject CN and O values
  // (Kubernetes maps them to user name and groups).
  std::string client_common_name;
  std::vector<std::string> client_organizations;

  // The header's value (case-insensitive name), or "".
  std::string_view Header(std::string_view name) const;
  // The decoded value of query parameter `name`, or "" (first occurrence).
  std::string Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
};

// Given to the handler for one request; valid only until the handler returns. Reply,
// WriteHead and Write are for the handler's thread; closed() may be called from any
// thread while the handler runs.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Sends a complete response with Content-Length. Returns false when the client
  // has gone away. REQUIRES: nothing was written yet.
  virtual bool Reply(int status, std::string_view content_type, std::string_view body,
                     const Headers& extra_headers = {}) = 0;
  // Starts a streamed (chunked) response. REQUIRES: nothing was written yet.
  virtual bool WriteHead(int status, const Headers& headers) = 0;
  // Sends one chunk and flushes it; blocks until the kernel has taken it. An empty
  // chunk sends nothing. Returns false when the client has gone away; the handler
  // should then return. REQUIRES: WriteHead was called.
  virtual bool Write(std::string_view chunk) = 0;
  // True once the client has disconnected or the server is stopping. A streaming
  // handler polls this while it waits for something to send.
  virtual bool closed() const = 0;
};

// Answers one request. A handler that returns without writing gets a 500; one that
// started a stream has it terminated when it returns. The writer sets the framing
// headers itself: Content-Length, Transfer-Encoding and Connection given by the handler
// are dropped, though "Connection: close" is honoured. Status codes outside 200-999
// become 500; 204 and 304 carry no body; a HEAD request gets the headers only.
using Handler = std::function<void(const Request&, ResponseWriter&)>;

struct TlsServerOptions {
  std::string cert_pem;  // server certificate (chain)
  std::string key_pem;   // its private key
  // When set, clients may present certificates signed by this CA; a certificate from
  // another CA fails the handshake. Clients without a certificate are accepted.
  std::string client_ca_pem;
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // default loopback
  uint16_t port = 0;                  // default 0: an ephemeral port
  bool tls = false;                   // default plain HTTP
  TlsServerOptions tls_options;
  // Unused: each connection is served by its own thread (see Server). Kept for
  // source compatibility. Default 4.
  int threads = 4;
  // Connections served at once (one thread each); more are closed on accept.
  // Default 1024.
  int max_connections = 1024;
};

class Server {
 public:
  // Binds, listens and starts serving. Errors: kUnavailable when the address cannot
  // be bound; kBadRequest for unusable certificate or key PEM.
  [[nodiscard]] static Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                                             Handler handler);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Stops (see Stop).
  virtual ~Server() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  virtual std::string url() const = 0;
  // Stops accepting, closes every connection (streaming handlers see closed()), waits
  // for handlers to return and joins the threads. Idempotent.
  virtual void Stop() = 0;

 protected:
  Server() = default;
};

}  // namespace kube::http

#endif  // KUBECPP_HTTP_SERVER_H_
