// Authenticator: the Authorization header for each request to one apiserver.
//
// Built from a Config: a static bearer token, a token file (re-read when its
// modification time changes, and at least every minute), basic auth, or an exec
// credential plugin (run on first use; its token cached until expirationTimestamp;
// run again after the server answers 401). The client calls Header() before each
// request and Invalidate(header) after a 401.
//
// Exec plugins run with the parent's environment plus their `env`, with
// KUBERNETES_EXEC_INFO set to an ExecCredential (spec.interactive false, and
// spec.cluster when provideClusterInfo), stdin from /dev/null, and stdout and stderr
// captured. Only tokens are supported for now: a plugin that returns only
// clientCertificateData / clientKeyData gets a clear kUnauthorized error, and
// interactiveMode Always always fails (there is no terminal to offer).
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CLIENT_AUTH_H_
#define KUBECPP_CLIENT_AUTH_H_

#include <memory>
#include <string>
#include <string_view>

#include "kubecpp/client/config.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"

namespace kube::client {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The header value ("Bearer ...", "Basic ..."), or "" when the config has no
  // credentials. Errors: kUnauthorized when a token file cannot be read or an exec
  // plugin fails or prints no valid ExecCredential (message names the plugin and the
  // reason, never the token). May block while a plugin runs.
  [[nodiscard]] virtual Result<std::string> Header() = 0;
  // Called after the server answered 401 to a request that carried `rejected` (a value
  // Header() returned). Forgets the cached credentials if they are still `rejected`,
  // so many concurrent 401s cause one refresh, as in client-go. Returns true when the
  // next Header() may differ (a token file or exec plugin); false for static
  // credentials, where retrying cannot help.
  virtual bool Invalidate(std::string_view rejected) = 0;
};

// REQUIRES: `config` outlives nothing; the authenticator copies what it needs.
std::unique_ptr<Authenticator> NewAuthenticator(const Config& config);
// As above; token-file refresh intervals and exec credential expiry are measured on
// `clock`. REQUIRES: `clock` outlives the authenticator.
std::unique_ptr<Authenticator> NewAuthenticator(const Config& config, Clock& clock);

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_AUTH_H_
