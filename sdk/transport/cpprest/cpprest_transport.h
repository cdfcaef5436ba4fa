// CpprestTransport: the Transport for real apiservers, HTTP and HTTPS over cpprestsdk.
//
// TLS uses OpenSSL. When a CA is given it *replaces* the system trust store (as
// client-go does), so a server certificate signed by any other CA is refused. A
// client certificate and key authenticate the client. `server_name` overrides the name
// used for SNI and certificate verification (kubeconfig's tls-server-name). Requests
// reuse keep-alive connections. cpprestsdk's types and exceptions never leave this
// folder.
//
// Details callers may notice:
// - cpprestsdk takes the SNI and verified name from the Host header, so with
//   `server_name` set the Host header is that name (without a port). A Host header in
//   Request::headers is ignored; Content-Length and Content-Type come from the body
//   (Content-Type from the request's header, default application/octet-stream).
// - Timeouts are per request: a deadline for Send, an inactivity limit for Stream
//   (measured while waiting for the headers and between reads of the body).
// - Stream: once a 2xx body is streaming, a stop request ends it successfully; before
//   the headers arrive it is kCancelled. Redirects are not followed (3xx is returned).
// - Send and Stream cancel and wind down their request before returning, so a
//   transport may be destroyed as soon as no call is running on it.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_TRANSPORT_CPPREST_CPPREST_TRANSPORT_H_
#define KUBECPP_TRANSPORT_CPPREST_CPPREST_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "kubecpp/core/result.h"
#include "kubecpp/transport/transport.h"

namespace kube::transport {

struct TlsOptions {
  // PEM CA bundle that replaces the system trust store. Empty: system store.
  std::string ca_pem;
  // PEM client certificate (chain) and private key; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // Skip server certificate verification (insecure-skip-tls-verify). Default false.
  bool insecure_skip_verify = false;
  // Name for SNI and hostname verification instead of the URL's host. Default "".
  std::string server_name;
};

struct CpprestOptions {
  // Base URL: "https://10.0.0.1:6443" or "http://127.0.0.1:8080", optionally with a
  // path prefix ("https://host/k8s/clusters/c1").
  std::string server;
  TlsOptions tls;
  // HTTP proxy URL ("http://proxy:3128"). Default "": none.
  std::string proxy_url;
  // Default for Request::timeout == 0. Default 30 s.
  std::chrono::milliseconds default_timeout{std::chrono::seconds(30)};
};

// Builds a transport. Errors: kBadRequest for a malformed server or proxy URL, a CA,
// certificate or key that is not valid PEM, or a key that does not match the
// certificate; messages name the option, never the key material.
[[nodiscard]] Result<std::unique_ptr<Transport>> NewCpprestTransport(CpprestOptions options);

// Checks PEM text exactly as NewCpprestTransport reads it, so configuration can be
// rejected when it is loaded: every certificate of a bundle must parse (at least one);
// a key must be an unencrypted private key. Errors (kBadRequest) carry OpenSSL's
// reason, never the PEM text.
[[nodiscard]] Status CheckPemCertificates(const std::string& pem);
[[nodiscard]] Status CheckPemPrivateKey(const std::string& pem);

// Sizes cpprestsdk's shared thread pool (its default is 40 threads). Takes effect only
// before the first NewCpprestTransport of the process (which otherwise sizes it to 4);
// later calls, and 0, return false and change nothing.
bool SetCpprestThreadPoolSize(size_t threads);

}  // namespace kube::transport

#endif  // KUBECPP_TRANSPORT_CPPREST_CPPREST_TRANSPORT_H_
