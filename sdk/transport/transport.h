// Transport: moves one HTTP request to an apiserver and its response back.
//
// The client layer (kube::client) builds requests, adds authentication headers and
// interprets status codes; a Transport only carries bytes. Implementations:
// CpprestTransport (HTTP/HTTPS over cpprestsdk, in cpprest/) and the fake
// apiserver's InProcessTransport (sdk/testing). An HTTP error status is not a
// transport error: it comes back in Response::status_code for the client to map.
//
// Thread-safety: implementations are thread-safe; many requests may be in flight.
#ifndef KUBECPP_TRANSPORT_TRANSPORT_H_
#define KUBECPP_TRANSPORT_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/result.h"

namespace kube::transport {

// Header names are compared case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Status::reason() of a kUnavailable error caused by a failed TLS handshake (untrusted
// or mismatched server certificate, rejected client certificate). Unlike a refused or
// reset connection, retrying it fails the same way.
inline constexpr std::string_view kTlsHandshakeFailed = "TLSHandshakeFailed";

// The value of header `name` (case-insensitive), or "" when absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method = "GET";
  // Path and query relative to the server's base URL, already escaped:
  // "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb".
  std::string target;
  Headers headers;
  std::string body;
  // Whole-request deadline for Send; inactivity timeout for Stream. Zero: the
  // transport's default.
  std::chrono::milliseconds timeout{0};
};

struct Response {
  int status_code = 0;
  Headers headers;
  // The whole body for Send. For Stream, empty on 2xx (the body went to the chunk
  // handler) and the whole body otherwise (an error Status, for the client to map).
  std::string body;
};

// Receives a streamed body piece by piece, in order. Return false to stop reading.
using ChunkHandler = std::function<bool(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends `request` and reads the whole response. Blocks until done.
  // Errors: kUnavailable (cannot connect, connection reset, TLS failure, with the
  // reason), kTimeout (request.timeout passed), kCancelled (`stop` requested).
  [[nodiscard]] virtual Result<Response> Send(const Request& request, std::stop_token stop) = 0;

  // Sends `request` and hands the body of a 2xx response to `on_chunk` as it arrives
  // (watch streams, chunked lists). Blocks until the body ends, `on_chunk` returns
  // false, or `stop` is requested; all of these are success. A non-2xx response is
  // returned whole, like Send. Errors as Send, plus kTimeout when no byte arrived for
  // request.timeout.
  [[nodiscard]] virtual Result<Response> Stream(const Request& request,
                                                const ChunkHandler& on_chunk,
                                                std::stop_token stop) = 0;
};

}  // namespace kube::transport

#endif  // KUBECPP_TRANSPORT_TRANSPORT_H_
