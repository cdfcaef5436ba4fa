// CpprestTransport: Transport over cpprestsdk's asio http_client.
//
// How the pieces map onto cpprestsdk 2.10.18 (asio client, Linux):
// - One http_client per transport; it pools keep-alive connections per host name.
// - Timeouts are ours: cpprestsdk's timeout is per client and counts inactivity, while
//   Request::timeout is per request (a whole-request deadline for Send, an inactivity
//   limit for Stream). The client's own timer is set far out and every wait here is
//   bounded by our deadline; when it passes, the request is cancelled.
// - Cancellation goes through a pplx::cancellation_token_source per request; cancelling
//   closes the request's socket, which ends any pending read with an error.
// - TLS is configured in the ssl context callback, which runs for every new connection
//   after the system CAs were loaded: a given CA replaces the whole X509_STORE.
// - SNI and hostname verification use the Host header when one is set (calc_cn_host in
//   http_client_asio.cpp), so tls.server_name is sent as the Host header, without a port.
// - The response body arrives in a producer_consumer_buffer: we wait for one byte with
//   getc() (which does not consume it), then take whatever is buffered with
//   acquire()/release(), so each read hands over all the data received so far.
//
// pplx raises SIGTRAP for a failed task nobody observed, so every task we start gets a
// continuation that observes it (WatchTask).

#define _TURN_OFF_PLATFORM_STRING  // before any cpprest header: its U() macro breaks others

#include "kubecpp/transport/cpprest/cpprest_transport.h"
#include "kubecpp/core/internal/strings.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <cpprest/uri.h>
#include <pplx/threadpool.h>

namespace kube::transport {
namespace {

using Clock = std::chrono::steady_clock;

// Threads for cpprestsdk's pool when nobody called SetCpprestThreadPoolSize first.
constexpr size_t kDefaultPoolThreads = 4;
// Largest piece handed to a ChunkHandler at once.
constexpr size_t kMaxChunk = 64 * 1024;
// cpprestsdk's own inactivity timer; ours are always shorter in practice.
constexpr auto kCpprestTimeout = std::chrono::hours(24 * 365);
// How long to wait for a request to wind down (after cancelling it, if it did not
// finish) before leaving it behind.
constexpr auto kDrainTimeout = std::chrono::seconds(10);

// ---------------------------------------------------------------------------------
// Thread pool sizing, once, before first use.

struct PoolState {
  std::mutex mu;
  bool sealed = false;  // sized, or used with whatever size it had
};

PoolState& Pool() {
  static PoolState state;
  return state;
}

// Creates cpprestsdk's pool (its threads start now). OpenSSL is initialized first so
// that its exit-time cleanup, registered with atexit, runs after the pool's static
// destructor has joined the threads: the other order leaves each thread's OpenSSL
// state (error queue, random generators) unfreed, and TLS objects outliving OpenSSL.
void InitializePool(size_t threads) {
  OPENSSL_init_ssl(0, nullptr);
  crossplat::threadpool::initialize_with_threads(threads);
}

// Marks the pool as used, sizing it first with the default if nobody did.
void EnsurePool() {
  PoolState& pool = Pool();
  std::lock_guard<std::mutex> lock(pool.mu);
  if (pool.sealed) return;
  pool.sealed = true;
  try {
    InitializePool(kDefaultPoolThreads);
  } catch (const std::exception&) {
    // Already initialized by someone using cpprestsdk directly: keep its size.
  }
}

// ---------------------------------------------------------------------------------
// Small helpers.

using kube::internal::AsciiLower;
using kube::internal::EqualsIgnoreCase;

Clock::time_point DeadlineAfter(std::chrono::milliseconds timeout) {
  const Clock::time_point now = Clock::now();
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  return timeout >= room ? Clock::time_point::max() : now + timeout;
}

// Wakes a waiting caller thread when a pplx task finishes.
class Signal {
 public:
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }

  // True once notified; false when `stop` was requested or `deadline` passed first.
  bool WaitUntil(std::stop_token stop, Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, stop, deadline, [this] { return done_; });
  }

  bool WaitUntil(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline, [this] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
  bool done_ = false;  // guarded by mu_
};

// Attaches a continuation that observes `task` (so pplx never reports it as unobserved)
// and notifies the returned signal when it is done. Never blocks a pool thread.
template <typename T>
std::shared_ptr<Signal> WatchTask(const pplx::task<T>& task) {
  auto signal = std::make_shared<Signal>();
  task.then([signal](pplx::task<T> finished) {
    try {
      finished.wait();
    } catch (...) {
      // Observed here; the waiting thread reads the failure with get().
    }
    signal->Notify();
  });
  return signal;
}

// ---------------------------------------------------------------------------------
// PEM parsing and TLS material.

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Parsed once in NewCpprestTransport; shared read-only by every connection's callback.
struct TlsMaterial {
  std::vector<X509Ptr> ca_certs;      // non-empty: the only trusted roots
  std::vector<X509Ptr> client_chain;  // [0] is the client certificate
  EvpPkeyPtr client_key;
};

// Never prompts for a passphrase (OpenSSL's default callback would read the terminal).
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

// The reason of the most recent OpenSSL error (no key material), and clears the queue.
std::string TakeOpensslReason() {
  unsigned long last = 0;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) last = e;
  if (last == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "unknown error";
}

bool IsEndOfPem(unsigned long error) {
  return ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
}

BioPtr MemoryBio(const std::string& pem) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return nullptr;
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in `pem`; all must parse. Errors never quote the PEM text.
Result<std::vector<X509Ptr>> ParseCertificates(const std::string& pem) {
  ERR_clear_error();
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return BadRequestError("cannot read PEM");
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)) {
    certs.emplace_back(cert);
  }
  const unsigned long error = ERR_peek_last_error();
  if (error != 0 && !IsEndOfPem(error)) {
    return BadRequestError("invalid PEM certificate: " + TakeOpensslReason());
  }
  ERR_clear_error();
  if (certs.empty()) return BadRequestError("no PEM certificate found");
  return certs;
}

Result<EvpPkeyPtr> ParsePrivateKey(const std::string& pem) {
  ERR_clear_error();
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return BadRequestError("cannot read PEM");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return BadRequestError("not a PEM private key (or an encrypted one): " + TakeOpensslReason());
  }
  ERR_clear_error();
  return key;
}

Result<std::shared_ptr<const TlsMaterial>> LoadTlsMaterial(const TlsOptions& tls) {
  auto material = std::make_shared<TlsMaterial>();
  if (!tls.ca_pem.empty()) {
    auto certs = ParseCertificates(tls.ca_pem);
    if (!certs) return std::move(certs).error().Annotate("tls.ca_pem");
    material->ca_certs = std::move(*certs);
  }
  if (tls.client_cert_pem.empty() != tls.client_key_pem.empty()) {
    return BadRequestError("tls.client_cert_pem and tls.client_key_pem must be given together");
  }
  if (!tls.client_cert_pem.empty()) {
    auto chain = ParseCertificates(tls.client_cert_pem);
    if (!chain) return std::move(chain).error().Annotate("tls.client_cert_pem");
    auto key = ParsePrivateKey(tls.client_key_pem);
    if (!key) return std::move(key).error().Annotate("tls.client_key_pem");
    if (X509_check_private_key(chain->front().get(), key->get()) != 1) {
      ERR_clear_error();
      return BadRequestError("tls.client_key_pem does not match tls.client_cert_pem");
    }
    material->client_chain = std::move(*chain);
    material->client_key = std::move(*key);
  }
  return std::shared_ptr<const TlsMaterial>(std::move(material));
}

// The last TLS failure seen on a transport's connections, to explain cpprestsdk's bare
// "Error in SSL handshake". Best effort: concurrent handshakes may swap reasons.
class TlsDiagnostics {
 public:
  void Record(std::string reason) {
    std::lock_guard<std::mutex> lock(mu_);
    last_ = std::move(reason);
  }
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(last_, std::string());
  }

 private:
  std::mutex mu_;
  std::string last_;  // guarded by mu_
};

// SSL_CTX ex_data slot holding the TlsDiagnostics* (app_data is taken by Boost.Asio).
int DiagnosticsIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// SSL info callback: records why a handshake ended with a fatal alert.
void RecordFatalAlert(const SSL* ssl, int where, int alert) {
  if ((where & SSL_CB_ALERT) == 0 || (alert >> 8) != SSL3_AL_FATAL) return;
  auto* diagnostics =
      static_cast<TlsDiagnostics*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), DiagnosticsIndex()));
  if (diagnostics == nullptr) return;
  const bool sent = (where & SSL_CB_WRITE) != 0;
  std::string reason = std::string(sent ? "client" : "server") + " sent TLS alert \"" +
                       SSL_alert_desc_string_long(alert) + "\"";
  if (sent) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify == X509_V_ERR_UNSPECIFIED) {
      // The chain was fine but cpprestsdk's RFC 2818 host name check said no.
      const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      reason += "; the server certificate is not valid for \"";
      reason += name != nullptr ? name : "";
      reason += "\"";
    } else if (verify != X509_V_OK) {
      reason += "; server certificate: ";
      reason += X509_verify_cert_error_string(verify);
    }
  }
  diagnostics->Record(std::move(reason));
}

// Runs for every new TLS connection, after cpprestsdk loaded the system CAs.
void ConfigureSslContext(SSL_CTX* ctx, const TlsMaterial& tls, TlsDiagnostics* diagnostics) {
  SSL_CTX_set_ex_data(ctx, DiagnosticsIndex(), diagnostics);
  SSL_CTX_set_info_callback(ctx, RecordFatalAlert);
  if (!tls.ca_certs.empty()) {
    // A fresh store holding only the configured CAs replaces the system one.
    X509_STORE* store = X509_STORE_new();
    if (store == nullptr) throw std::bad_alloc();  // never trust the system store instead
    for (const X509Ptr& cert : tls.ca_certs) X509_STORE_add_cert(store, cert.get());
    // Any configured certificate is a trust anchor, even an intermediate CA, as in Go
    // (kubectl) where every certificate in the pool is trusted.
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_cert_store(ctx, store);  // takes ownership; frees the old store
  }
  if (tls.client_key != nullptr) {
    SSL_CTX_use_certificate(ctx, tls.client_chain.front().get());
    for (size_t i = 1; i < tls.client_chain.size(); ++i) {
      SSL_CTX_add1_chain_cert(ctx, tls.client_chain[i].get());
    }
    SSL_CTX_use_PrivateKey(ctx, tls.client_key.get());
    SSL_CTX_check_private_key(ctx);
  }
  ERR_clear_error();
}

// ---------------------------------------------------------------------------------
// URL validation.

struct ParsedUrl {
  std::string scheme;  // lower case
  std::string host;
};

Result<ParsedUrl> ParseUrl(const std::string& url, std::string_view option) {
  if (url.empty()) return BadRequestError(std::string(option) + " is empty");
  if (const size_t at = url.find('@'); at != std::string::npos && at < url.find('/', 8)) {
    // Not echoed: it would carry a password. Credentials go in headers.
    return BadRequestError(std::string(option) + ": URL must not contain user info");
  }
  if (!web::uri::validate(url)) {
    return BadRequestError(std::string(option) + ": malformed URL \"" + url + "\"");
  }
  try {
    web::uri uri(url);
    ParsedUrl parsed{AsciiLower(uri.scheme()), uri.host()};
    if (parsed.host.empty()) {
      return BadRequestError(std::string(option) + ": URL \"" + url + "\" has no host");
    }
    if (!uri.query().empty() || !uri.fragment().empty()) {
      return BadRequestError(std::string(option) + ": URL \"" + url +
                             "\" must not have a query or fragment");
    }
    return parsed;
  } catch (const std::exception& e) {
    return BadRequestError(std::string(option) + ": malformed URL \"" + url + "\": " + e.what());
  }
}

// ---------------------------------------------------------------------------------
// The transport.

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// RFC 9110 token: what a method may be made of.
bool IsHttpToken(std::string_view s) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

class CpprestTransport final : public Transport {
 public:
  CpprestTransport(std::unique_ptr<web::http::client::http_client> client, std::string server,
                   std::string host_header, std::chrono::milliseconds default_timeout,
                   std::shared_ptr<TlsDiagnostics> tls_diagnostics)
      : client_(std::move(client)),
        server_(std::move(server)),
        host_header_(std::move(host_header)),
        default_timeout_(default_timeout),
        tls_diagnostics_(std::move(tls_diagnostics)) {}

  CpprestTransport(const CpprestTransport&) = delete;
  CpprestTransport& operator=(const CpprestTransport&) = delete;
  // Send and Stream drain their requests before returning (InFlight), so the client's
  // pool holds at most idle keep-alive connections here, closed as the client goes.
  ~CpprestTransport() override = default;

  Result<Response> Send(const Request& request, std::stop_token stop) override {
    return Do(request, nullptr, std::move(stop));
  }

  Result<Response> Stream(const Request& request, const ChunkHandler& on_chunk,
                          std::stop_token stop) override {
    return Do(request, &on_chunk, std::move(stop));
  }

 private:
  // Cancels the request (closing its connection) unless it finished, then waits a
  // bounded time for every task we watch to be done, so nothing is left in flight.
  //
  // The wait is needed on success too: cpprestsdk ends a body by closing its stream,
  // which hands end-of-file to our getc() at once, and only then completes the
  // response's content_ready() task, whose continuations run later on its pool. A
  // continuation still queued when the pool is torn down at exit is dropped unrun
  // (pplx posts a raw pointer), leaking the response and its body buffer.
  class InFlight {
   public:
    explicit InFlight(pplx::cancellation_token_source& cts) : cts_(cts) {}
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    ~InFlight() {
      if (!finished_) cts_.cancel();
      const Clock::time_point give_up = Clock::now() + kDrainTimeout;
      for (const std::shared_ptr<Signal>& signal : {response_, read_}) {
        if (signal != nullptr) signal->WaitUntil(give_up);
      }
    }
    // The response's task that completes last: its headers, then its whole body.
    void TrackResponse(std::shared_ptr<Signal> signal) { response_ = std::move(signal); }
    // The latest body read, which is still pending when we stop reading early.
    void TrackRead(std::shared_ptr<Signal> signal) { read_ = std::move(signal); }
    // The body was read to its end: nothing to cancel, only to wait for.
    void Finished() { finished_ = true; }

   private:
    pplx::cancellation_token_source& cts_;
    std::shared_ptr<Signal> response_;
    std::shared_ptr<Signal> read_;
    bool finished_ = false;
  };

  Result<web::http::http_request> BuildRequest(const Request& request) const;
  Status MapFailure(const Request& request, std::exception_ptr failure, std::string_view phase,
                    bool timed_out, const std::stop_token& stop) const;
  Result<Response> Do(const Request& request, const ChunkHandler* on_chunk, std::stop_token stop);

  std::string Describe(const Request& request) const {
    return request.method + " " + server_ + request.target;
  }

  const std::unique_ptr<web::http::client::http_client> client_;
  const std::string server_;
  const std::string host_header_;  // tls.server_name for https, else ""
  const std::chrono::milliseconds default_timeout_;
  const std::shared_ptr<TlsDiagnostics> tls_diagnostics_;
};

Result<web::http::http_request> CpprestTransport::BuildRequest(const Request& request) const {
  if (!IsHttpToken(request.method)) {
    return BadRequestError("invalid request method \"" + request.method + "\"");
  }
  web::http::http_request req(request.method);
  try {
    if (!request.target.empty()) req.set_request_uri(web::uri(request.target));
  } catch (const std::exception& e) {
    return BadRequestError("invalid request target \"" + request.target + "\": " + e.what());
  }
  if (!request.body.empty()) {
    std::string content_type(FindHeader(request.headers, "Content-Type"));
    if (content_type.empty()) content_type = "application/octet-stream";
    // A byte container, not std::string: cpprestsdk's std::string overload reads a
    // streambuf<char> through a streambuf<uint8_t> pointer, which UBSan rejects.
    std::vector<uint8_t> bytes(request.body.begin(), request.body.end());
    const size_t length = bytes.size();
    req.set_body(concurrency::streams::bytestream::open_istream(std::move(bytes)), length,
                 content_type);
  }
  for (const auto& [name, value] : request.headers) {
    // CR, LF or NUL in a value would inject headers (cpprestsdk does not check). The
    // message names the header, never its value, which may be a credential.
    if (!IsHttpToken(name) ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return BadRequestError("invalid HTTP header \"" + (IsHttpToken(name) ? name : "?") +
                             "\": names must be tokens and values must not contain CR, LF or NUL");
    }
    // The body's length and type were set with it; Host belongs to the transport
    // (cpprestsdk takes the TLS name from it).
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Content-Type") ||
        EqualsIgnoreCase(name, "Host")) {
      continue;
    }
    req.headers().add(name, value);
  }
  if (!host_header_.empty()) req.headers().add("Host", host_header_);
  return req;
}

Status CpprestTransport::MapFailure(const Request& request, std::exception_ptr failure,
                                    std::string_view phase, bool timed_out,
                                    const std::stop_token& stop) const {
  if (stop.stop_requested()) return CancelledError(Describe(request) + ": cancelled");
  if (timed_out) return TimeoutError(Describe(request) + ": timed out " + std::string(phase));
  if (failure == nullptr) return UnavailableError(Describe(request) + ": " + std::string(phase));
  std::string reason = "unknown error";
  try {
    std::rethrow_exception(std::move(failure));
  } catch (const web::http::http_exception& e) {
    if (e.error_code().value() == static_cast<int>(std::errc::timed_out)) {
      return TimeoutError(Describe(request) + ": timed out " + std::string(phase));
    }
    reason = e.what();
  } catch (const pplx::task_canceled&) {
    reason = "request cancelled";
  } catch (const std::exception& e) {
    reason = e.what();
  } catch (...) {
  }
  std::string message = Describe(request) + ": " + std::string(phase) + ": " + reason;
  if (reason.find("SSL") != std::string::npos) {
    const std::string detail = tls_diagnostics_->Take();
    if (!detail.empty()) message += " (" + detail + ")";
    message += "; check tls.ca_pem, tls.server_name and the client certificate";
    Status tls = UnavailableError(std::move(message));
    tls.set_reason(std::string(kTlsHandshakeFailed));
    return tls;
  }
  return UnavailableError(std::move(message));
}

Result<Response> CpprestTransport::Do(const Request& request, const ChunkHandler* on_chunk,
                                      std::stop_token stop) {
  if (stop.stop_requested()) return CancelledError(Describe(request) + ": cancelled");
  auto built = BuildRequest(request);
  if (!built) return built.error();

  const std::chrono::milliseconds timeout =
      request.timeout.count() > 0 ? request.timeout : default_timeout_;
  // Send: one deadline for the whole request. Stream: pushed back on every read.
  Clock::time_point deadline = DeadlineAfter(timeout);

  pplx::cancellation_token_source cts;
  InFlight in_flight(cts);  // declared after cts: runs first on the way out
  std::stop_callback cancel_on_stop(stop, [&cts] { cts.cancel(); });

  // 1. Status line and headers.
  pplx::task<web::http::http_response> response_task;
  try {
    response_task = client_->request(std::move(*built), cts.get_token());
  } catch (...) {
    return MapFailure(request, std::current_exception(), "sending request", false, stop);
  }
  auto headers_done = WatchTask(response_task);
  in_flight.TrackResponse(headers_done);
  if (!headers_done->WaitUntil(stop, deadline)) {
    return MapFailure(request, nullptr, "waiting for the response", !stop.stop_requested(), stop);
  }
  web::http::http_response response;
  try {
    response = response_task.get();
  } catch (...) {
    return MapFailure(request, std::current_exception(), "sending request", false, stop);
  }
  in_flight.TrackResponse(WatchTask(response.content_ready()));

  Response out;
  out.status_code = response.status_code();
  for (const auto& [name, value] : response.headers()) out.headers.emplace_back(name, value);

  // 2. The body, read as it arrives.
  const bool streaming = on_chunk != nullptr;
  const bool deliver = streaming && IsSuccess(out.status_code);
  concurrency::streams::streambuf<uint8_t> body = response.body().streambuf();
  std::string chunk;
  for (;;) {
    if (streaming) deadline = DeadlineAfter(timeout);
    // Wait for at least one byte, or the end; getc() peeks without consuming.
    pplx::task<int> peek = body.getc();
    auto readable = WatchTask(peek);
    in_flight.TrackRead(readable);
    if (!readable->WaitUntil(stop, deadline)) {
      if (deliver && stop.stop_requested()) return out;  // stopping a stream is success
      return MapFailure(request, nullptr, "reading the response body", !stop.stop_requested(),
                        stop);
    }
    int next = 0;
    try {
      next = peek.get();
    } catch (...) {
      if (deliver && stop.stop_requested()) return out;
      return MapFailure(request, std::current_exception(), "reading the response body", false,
                        stop);
    }
    if (next == concurrency::streams::char_traits<uint8_t>::eof()) break;

    // Take everything already buffered, up to kMaxChunk.
    chunk.clear();
    uint8_t* data = nullptr;
    size_t available = 0;
    while (chunk.size() < kMaxChunk && body.acquire(data, available) && data != nullptr &&
           available > 0) {
      const size_t take = std::min(available, kMaxChunk - chunk.size());
      chunk.append(reinterpret_cast<const char*>(data), take);
      body.release(data, take);
    }
    if (chunk.empty()) {
      // Not expected (getc saw a byte), but never spin: take the byte synchronously.
      const int byte = body.sbumpc();
      if (byte < 0) continue;
      chunk.push_back(static_cast<char>(byte));
    }
    if (deliver) {
      if (!(*on_chunk)(chunk)) return out;  // InFlight cancels the rest of the body
    } else {
      out.body += chunk;
    }
  }
  in_flight.Finished();  // InFlight still waits for content_ready() to be done
  return out;
}

}  // namespace

bool SetCpprestThreadPoolSize(size_t threads) {
  if (threads == 0) return false;
  PoolState& pool = Pool();
  std::lock_guard<std::mutex> lock(pool.mu);
  if (pool.sealed) return false;
  pool.sealed = true;
  try {
    InitializePool(threads);
    return true;
  } catch (const std::exception&) {
    return false;  // cpprestsdk was already used directly
  }
}

Result<std::unique_ptr<Transport>> NewCpprestTransport(CpprestOptions options) {
  auto server = ParseUrl(options.server, "server");
  if (!server) return server.error();
  if (server->scheme != "http" && server->scheme != "https") {
    return BadRequestError("server: URL \"" + options.server + "\" must use http or https");
  }
  const bool https = server->scheme == "https";

  web::http::client::http_client_config config;
  config.set_timeout(kCpprestTimeout);
  // Redirects go back to the caller; following them could leak credentials elsewhere.
  config.set_max_redirects(0);

  if (!options.proxy_url.empty()) {
    auto proxy = ParseUrl(options.proxy_url, "proxy_url");
    if (!proxy) return proxy.error();
    if (proxy->scheme != "http") {
      return BadRequestError("proxy_url: only http:// proxies are supported, got \"" +
                             options.proxy_url + "\"");
    }
    config.set_proxy(web::web_proxy(web::uri(options.proxy_url)));
  }

  // TLS options are validated even for http:// so that mistakes surface early.
  auto material = LoadTlsMaterial(options.tls);
  if (!material) return material.error();
  std::string host_header;
  auto diagnostics = std::make_shared<TlsDiagnostics>();
  if (https) {
    config.set_validate_certificates(!options.tls.insecure_skip_verify);
    std::shared_ptr<const TlsMaterial> tls = *material;
    // The callback (kept by the client, which every connection outlives at most until
    // the client goes) owns what the SSL_CTX points to.
    config.set_ssl_context_callback([tls, diagnostics](boost::asio::ssl::context& ctx) {
      ConfigureSslContext(ctx.native_handle(), *tls, diagnostics.get());
    });
    if (!options.tls.server_name.empty()) {
      if (options.tls.server_name.find_first_of(":/ \t\r\n") != std::string::npos) {
        return BadRequestError("tls.server_name: \"" + options.tls.server_name +
                               "\" is not a host name");
      }
      host_header = options.tls.server_name;
    }
  }

  if (options.default_timeout.count() <= 0) {
    return BadRequestError("default_timeout must be positive");
  }

  EnsurePool();
  try {
    auto client =
        std::make_unique<web::http::client::http_client>(web::uri(options.server), config);
    return std::unique_ptr<Transport>(std::make_unique<CpprestTransport>(
        std::move(client), options.server, std::move(host_header), options.default_timeout,
        std::move(diagnostics)));
  } catch (const std::exception& e) {
    return BadRequestError("server: cannot use \"" + options.server + "\": " + e.what());
  }
}

Status CheckPemCertificates(const std::string& pem) { return ParseCertificates(pem).status(); }

Status CheckPemPrivateKey(const std::string& pem) { return ParsePrivateKey(pem).status(); }

}  // namespace kube::transport
