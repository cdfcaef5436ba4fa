// Config: everything needed to reach one apiserver as one user — where it is, how to
// trust it, how to authenticate — loaded from kubeconfig files or from a pod's
// service account (in-cluster).
//
// Loading follows client-go's clientcmd: KUBECONFIG lists are merged (for maps such
// as clusters, users and contexts the first file that defines a name wins; the first
// non-empty current-context wins), relative file paths resolve against the folder of
// the file that named them, file references are read at load time (except tokenFile,
// which the Authenticator re-reads as it changes). Errors name the file, the field and
// the reason; they never contain a token, password or key.
//
// Thread-safety: value types and stateless functions; thread-compatible.
#ifndef KUBECPP_CLIENT_CONFIG_H_
#define KUBECPP_CLIENT_CONFIG_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubecpp/core/result.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"

namespace kube::client {

// users[].user.exec: a credential plugin (client.authentication.k8s.io).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // resolved against the kubeconfig folder when it has a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode;  // Never, IfAvailable, Always (v1 requires one)
  bool provide_cluster_info = false;
  std::string install_hint;
};

struct Config {
  // Cluster.
  std::string server;         // "https://host:6443"
  transport::TlsOptions tls;  // CA / client certificate data, already read from files
  std::string proxy_url;
  // Namespace for namespaced calls that name none. Default "default".
  std::string namespace_ = "default";

  // Authentication; at most one of token_file / token / basic / exec is used, in
  // that order of precedence, except that a token serves while token_file cannot be
  // read (client-go's); client certificates in `tls` combine with any.
  std::string bearer_token;
  std::string bearer_token_file;  // re-read when it changes (bound SA tokens rotate)
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;

  // Client behaviour (not from kubeconfig). Defaults are client-go's.
  double qps = 20;  // default 20 requests/s; <= 0 disables rate limiting
  int burst = 30;   // default 30
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // default 30 s
  std::string user_agent;  // default "": DefaultUserAgent of the program

  // Where the config came from: "in-cluster" or the kubeconfig path(s); and the
  // context used. For logs and error messages.
  std::string source;
  std::string context;
};

// --context / --cluster / --user / --namespace style overrides.
struct KubeconfigOverrides {
  std::string context;
  std::string cluster;
  std::string user;
  std::string namespace_;
};

// Loads and merges kubeconfig files, in order. Empty and repeated paths are ignored
// and missing files are skipped, as client-go does for KUBECONFIG lists; kNotFound
// when none of the files exists (so a single missing path is an error). Only the
// selected context, cluster and user are validated and their files read. A server
// without a scheme gets https://; a context without a user connects anonymously.
// Errors (kBadRequest unless noted): unreadable file, malformed YAML (file and
// line), missing or unknown current-context / context / cluster / user, a cluster
// without server, invalid base64 in *-data fields, a CA or client certificate / key
// that is not PEM, a certificate without key, both a file and *-data for the same
// item, token together with username/password, insecure-skip-tls-verify with a CA,
// an invalid exec stanza, and auth-provider or impersonation (not supported).
[[nodiscard]] Result<Config> LoadKubeconfig(const std::vector<std::string>& paths,
                                            const KubeconfigOverrides& overrides = {});

// Loads a kubeconfig held in memory; relative paths resolve against `base_dir`, and
// errors name `source`.
[[nodiscard]] Result<Config> LoadKubeconfigFromString(std::string_view yaml,
                                                      std::string_view source,
                                                      std::string_view base_dir,
                                                      const KubeconfigOverrides& overrides = {});

// Where a pod finds its service account. Tests point these elsewhere.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_ = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster config: server from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT
// (IPv6 hosts bracketed), CA from the service-account file, namespace from
// POD_NAMESPACE, else the namespace file, else "default", and the token as
// bearer_token_file so it is re-read as it rotates (read once here to check it).
// Errors: kNotFound when not running in a cluster (variables unset), kBadRequest for
// an unreadable token or CA file, or a CA that is not PEM.
[[nodiscard]] Result<Config> InClusterConfig(const InClusterPaths& paths = {});

// controller-runtime's loading order: `explicit_path` if not empty; else the
// KUBECONFIG list (split on ':'); else in-cluster (skipped when overrides.context is
// set; overrides.namespace_ applies); else $HOME/.kube/config. When in-cluster
// variables are set but its files are unusable, ~/.kube/config is tried and, if it
// does not exist, the in-cluster error is returned. kNotFound when nothing applies.
[[nodiscard]] Result<Config> LoadDefaultConfig(const std::string& explicit_path = "",
                                               const KubeconfigOverrides& overrides = {});

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_CONFIG_H_
