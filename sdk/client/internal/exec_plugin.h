// Internal: Authenticator construction with the exec-plugin time limit exposed, so
// tests can use a short one. Not installed.
#ifndef KUBECPP_CLIENT_INTERNAL_EXEC_PLUGIN_H_
#define KUBECPP_CLIENT_INTERNAL_EXEC_PLUGIN_H_

#include <chrono>
#include <memory>

#include "kubecpp/client/auth.h"
#include "kubecpp/client/config.h"
#include "kubecpp/core/clock.h"

namespace kube::client::internal {

// Wall-time limit for one run of an exec credential plugin, including waiting for
// its standard output and error to close. When it passes, the plugin's process group
// is killed with SIGKILL and the run fails with kUnauthorized.
inline constexpr std::chrono::milliseconds kExecPluginTimeout = std::chrono::seconds(60);

// As kube::client::NewAuthenticator(config, clock), with each exec plugin run limited
// to `exec_timeout` (measured on the real steady clock, not `clock`).
// REQUIRES: exec_timeout > 0; `clock` outlives the authenticator.
std::unique_ptr<Authenticator> NewAuthenticator(const Config& config, Clock& clock,
                                                std::chrono::milliseconds exec_timeout);

}  // namespace kube::client::internal

#endif  // KUBECPP_CLIENT_INTERNAL_EXEC_PLUGIN_H_
