// FakeApiServerHttps: the fake apiserver's network door. Serves a FakeApiServer over
// HTTPS (or plain HTTP for debugging) with a freshly generated CA, authenticates
// requests by client certificate or bearer token as kube-apiserver does, and writes a
// kubeconfig that kubectl, the Python client and kubecpp's own Config loader accept.
//
//   kube::testing::FakeApiServer engine;
//   auto https = kube::testing::FakeApiServerHttps::Start(engine, {});
//   (*https)->WriteKubeconfig("/tmp/kubeconfig");  // kubectl --kubeconfig ...
//
// Thread-safety: thread-safe; the engine must outlive the front-end.
#ifndef KUBECPP_TESTING_FAKE_APISERVER_HTTPS_H_
#define KUBECPP_TESTING_FAKE_APISERVER_HTTPS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kubecpp/core/result.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace kube::testing {

struct FakeApiServerHttpsOptions {
  std::string address = "127.0.0.1";  // default loopback
  uint16_t port = 0;                  // default 0: an ephemeral port
  bool plain_http = false;            // no TLS and no authentication (debugging only)
  // The token the kubeconfig's token user carries. Default "": a random one.
  std::string token;
  // Serve POST/GET /fake/faults (inject faults over HTTP). Default off.
  bool enable_fault_api = false;
};

class FakeApiServerHttps {
 public:
  // Generates the CA, the serving certificate (SANs: localhost, 127.0.0.1, ::1 and
  // the address) and the admin client certificate (CN admin, O system:masters), then
  // listens. Errors: kUnavailable when the address cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<FakeApiServerHttps>> Start(
      FakeApiServer& engine, FakeApiServerHttpsOptions options);
  ~FakeApiServerHttps();
  FakeApiServerHttps(const FakeApiServerHttps&) = delete;
  FakeApiServerHttps& operator=(const FakeApiServerHttps&) = delete;

  std::string url() const;  // "https://127.0.0.1:PORT"
  uint16_t port() const;
  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& token() const { return token_; }

  // A kubeconfig with two users ("admin": client certificate, current context;
  // "token-user": bearer token) and contexts "fake" and "fake-token".
  std::string Kubeconfig() const;
  // Writes Kubeconfig() to `path` (mode 0600). Errors: kUnavailable.
  [[nodiscard]] Status WriteKubeconfig(const std::string& path) const;

  // Stops serving: open watches end, later connections are refused. Idempotent.
  void Stop();

 private:
  FakeApiServerHttps() = default;
  struct State;
  std::unique_ptr<State> state_;
  std::string ca_pem_;
  std::string token_;
};

}  // namespace kube::testing

#endif  // KUBECPP_TESTING_FAKE_APISERVER_HTTPS_H_
