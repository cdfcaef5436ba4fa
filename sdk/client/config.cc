#include "kubecpp/client/config.h"
#include "kubecpp/core/internal/base64.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/yaml.h"

namespace kube::client {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExecV1 = "client.authentication.k8s.io/v1";
constexpr std::string_view kExecV1Beta1 = "client.authentication.k8s.io/v1beta1";

// ---------------------------------------------------------------------------
// Files, base64 and PEM.

// Reads a whole file. Errors carry only the OS reason ("No such file or
// directory"): kNotFound when the file does not exist, kBadRequest otherwise.
Result<std::string> ReadWholeFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(std::strerror(err));
    return BadRequestError(std::strerror(err));
  }
  std::string data;
  char buf[8192];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof(buf), file.get());
    data.append(buf, n);
    if (n < sizeof(buf)) {
      if (std::ferror(file.get())) return BadRequestError(std::strerror(errno));
      break;
    }
  }
  return data;
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path.empty() ? fs::path(".") : fs::path(path), ec);
  if (ec) return path;
  return abs.lexically_normal().string();
}

// `path` made absolute against `base_dir`, as client-go's ResolvePaths does.
std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---------------------------------------------------------------------------
// Kubeconfig documents and their merge.

// Where an entry came from: the file named in messages and the folder its relative
// paths resolve against.
struct Origin {
  std::string file;
  std::string base_dir;
};

struct Document {
  Origin origin;
  Json json;
};

// One named entry of clusters / users / contexts: its body (the "cluster", "user"
// or "context" mapping; null when absent) and its origin.
struct Entry {
  const Json* body = nullptr;
  const Origin* origin = nullptr;
};

// The merged view of several documents (client-go's Load): for each map the first
// document that defines a name wins, whole entry; the first non-empty
// current-context wins.
struct Merged {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  std::string source;  // the loaded files, ':'-separated
};

Status DocError(const Origin& origin, std::string_view what) {
  return BadRequestError("kubeconfig " + origin.file + ": " + std::string(what));
}

Status MergeSection(const Document& doc, std::string_view list_key, std::string_view body_key,
                    std::map<std::string, Entry>* out) {
  auto it = doc.json.find(list_key);
  if (it == doc.json.end() || it->is_null()) return Status();
  if (!it->is_array()) {
    return DocError(doc.origin, std::string(list_key) + ": expected a list, got " +
                                    std::string(JsonTypeName(*it)));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    std::string where = std::string(list_key) + "[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return DocError(doc.origin,
                      where + ": expected a mapping, got " + std::string(JsonTypeName(item)));
    }
    auto name = item.find("name");
    if (name == item.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      return DocError(doc.origin, where + ": missing name");
    }
    const std::string& n = name->get_ref<const std::string&>();
    Entry entry;
    entry.origin = &doc.origin;
    auto body = item.find(body_key);
    if (body != item.end() && !body->is_null()) {
      if (!body->is_object()) {
        return DocError(doc.origin, std::string(list_key) + "[" + n + "]." + std::string(body_key) +
                                        ": expected a mapping, got " +
                                        std::string(JsonTypeName(*body)));
      }
      entry.body = &*body;
    }
    out->emplace(n, entry);  // first definition wins
  }
  return Status();
}

Status MergeDocument(const Document& doc, Merged* merged) {
  if (doc.json.is_null()) return Status();  // empty file: an empty config, as client-go
  if (!doc.json.is_object()) {
    return DocError(doc.origin, "expected a mapping at the top level, got " +
                                    std::string(JsonTypeName(doc.json)));
  }
  KUBE_RETURN_IF_ERROR(MergeSection(doc, "clusters", "cluster", &merged->clusters));
  KUBE_RETURN_IF_ERROR(MergeSection(doc, "users", "user", &merged->users));
  KUBE_RETURN_IF_ERROR(MergeSection(doc, "contexts", "context", &merged->contexts));
  if (auto it = doc.json.find("current-context"); it != doc.json.end() && !it->is_null()) {
    if (!it->is_string()) {
      return DocError(doc.origin,
                      "current-context: expected string, got " + std::string(JsonTypeName(*it)));
    }
    if (merged->current_context.empty()) {
      merged->current_context = it->get<std::string>();
    }
  }
  return Status();
}

// Typed access to the fields of one entry; errors name the file and the field
// ("kubeconfig /x/config: users[alice].client-key-data: ...") and never a value.
class Section {
 public:
  Section(const Entry& entry, std::string path) : entry_(entry), path_(std::move(path)) {}

  const Origin& origin() const { return *entry_.origin; }

  bool Has(std::string_view key) const {
    if (entry_.body == nullptr) return false;
    auto it = entry_.body->find(key);
    return it != entry_.body->end() && !it->is_null();
  }
  const Json* Get(std::string_view key) const {
    if (!Has(key)) return nullptr;
    return &*entry_.body->find(key);
  }

  Status Error(std::string_view key, std::string_view reason) const {
    std::string field = path_;
    if (!key.empty()) field += "." + std::string(key);
    return DocError(origin(), field + ": " + std::string(reason));
  }

  // Strings; YAML numbers and booleans are taken as their text, as sigs.k8s.io/yaml
  // does for string fields.
  Status String(std::string_view key, std::string* out) const {
    const Json* v = Get(key);
    if (v == nullptr) return Status();
    if (v->is_string()) {
      *out = v->get<std::string>();
    } else if (v->is_number() || v->is_boolean()) {
      *out = v->dump();
    } else {
      return Error(key, "expected string, got " + std::string(JsonTypeName(*v)));
    }
    return Status();
  }

  Status Bool(std::string_view key, bool* out) const {
    const Json* v = Get(key);
    if (v == nullptr) return Status();
    if (!v->is_boolean()) {
      return Error(key, "expected boolean, got " + std::string(JsonTypeName(*v)));
    }
    *out = v->get<bool>();
    return Status();
  }

  // A base64 *-data field, decoded.
  Status Data(std::string_view key, std::string* out) const {
    std::string text;
    KUBE_RETURN_IF_ERROR(String(key, &text));
    auto decoded = kube::internal::Base64Decode(text);
    if (!decoded) return Error(key, "invalid base64");
    *out = std::move(*decoded);
    return Status();
  }

  // A file path, resolved against the folder of the file that named it.
  Status Path(std::string_view key, std::string* out) const {
    std::string text;
    KUBE_RETURN_IF_ERROR(String(key, &text));
    *out = text.empty() ? "" : ResolvePath(origin().base_dir, text);
    return Status();
  }

  // The contents of the file a path field names.
  Status FileContents(std::string_view key, const std::string& path, std::string* out) const {
    auto data = ReadWholeFile(path);
    if (!data) return Error(key, "cannot read " + path + ": " + data.error().message());
    *out = std::move(*data);
    return Status();
  }

  // PEM material from either `file_key` (a path) or `data_key` (base64). `kind` is
  // "certificate" or "private key". Empty when neither is set.
  Status Pem(std::string_view file_key, std::string_view data_key, bool key_material,
             std::string* out) const {
    bool has_file = Has(file_key), has_data = Has(data_key);
    if (has_file && has_data) {
      return Error("", std::string(file_key) + " and " + std::string(data_key) +
                           " are both set; set only one");
    }
    std::string_view what = key_material ? "not a PEM private key" : "not a PEM certificate";
    auto valid = [&](const std::string& pem) {
      // The transport's own checks: what loads here also connects.
      return (key_material ? transport::CheckPemPrivateKey(pem)
                           : transport::CheckPemCertificates(pem))
          .ok();
    };
    if (has_data) {
      std::string pem;
      KUBE_RETURN_IF_ERROR(Data(data_key, &pem));
      if (pem.empty()) return Status();
      if (!valid(pem)) return Error(data_key, what);
      *out = std::move(pem);
    } else if (has_file) {
      std::string path;
      KUBE_RETURN_IF_ERROR(Path(file_key, &path));
      if (path.empty()) return Status();
      std::string pem;
      KUBE_RETURN_IF_ERROR(FileContents(file_key, path, &pem));
      if (!valid(pem)) return Error(file_key, path + ": " + std::string(what));
      *out = std::move(pem);
    }
    return Status();
  }

 private:
  Entry entry_;
  std::string path_;
};

Status ApplyCluster(const Section& c, Config* config) {
  KUBE_RETURN_IF_ERROR(c.String("server", &config->server));
  if (config->server.empty()) return c.Error("server", "missing or empty");
  // rest.DefaultServerURL: a server without a scheme is https.
  if (config->server.find("://") == std::string::npos) config->server = "https://" + config->server;
  KUBE_RETURN_IF_ERROR(
      c.Pem("certificate-authority", "certificate-authority-data", false, &config->tls.ca_pem));
  KUBE_RETURN_IF_ERROR(c.Bool("insecure-skip-tls-verify", &config->tls.insecure_skip_verify));
  if (config->tls.insecure_skip_verify && !config->tls.ca_pem.empty()) {
    // client-go's transport refuses the same combination.
    return c.Error("insecure-skip-tls-verify",
                   "cannot be combined with certificate-authority(-data)");
  }
  KUBE_RETURN_IF_ERROR(c.String("tls-server-name", &config->tls.server_name));
  KUBE_RETURN_IF_ERROR(c.String("proxy-url", &config->proxy_url));
  return Status();
}

Status ParseExec(const Section& u, ExecConfig* exec) {
  const Json* body = u.Get("exec");
  if (!body->is_object()) {
    return u.Error("exec", "expected a mapping, got " + std::string(JsonTypeName(*body)));
  }
  Section e(Entry{body, &u.origin()}, "");
  auto error = [&](std::string_view key, std::string_view reason) {
    return u.Error("exec." + std::string(key), reason);
  };
  auto string_field = [&](std::string_view key, std::string* out) -> Status {
    const Json* v = e.Get(key);
    if (v == nullptr) return Status();
    if (v->is_string()) {
      *out = v->get<std::string>();
    } else if (v->is_number() || v->is_boolean()) {
      *out = v->dump();
    } else {
      return error(key, "expected string, got " + std::string(JsonTypeName(*v)));
    }
    return Status();
  };
  KUBE_RETURN_IF_ERROR(string_field("apiVersion", &exec->api_version));
  if (exec->api_version.empty()) return error("apiVersion", "must be set");
  if (exec->api_version != kExecV1 && exec->api_version != kExecV1Beta1) {
    return error("apiVersion", "unsupported " + Quote(exec->api_version) + "; want " +
                                   std::string(kExecV1) + " or " + std::string(kExecV1Beta1));
  }
  KUBE_RETURN_IF_ERROR(string_field("command", &exec->command));
  if (exec->command.empty()) return error("command", "must be set");
  // Only a command with a '/' is a path; a bare name is looked up in PATH.
  if (exec->command.find('/') != std::string::npos) {
    exec->command = ResolvePath(u.origin().base_dir, exec->command);
  }
  if (const Json* args = e.Get("args")) {
    if (!args->is_array()) {
      return error("args", "expected a list, got " + std::string(JsonTypeName(*args)));
    }
    for (const Json& a : *args) {
      if (a.is_string()) {
        exec->args.push_back(a.get<std::string>());
      } else if (a.is_number() || a.is_boolean()) {
        exec->args.push_back(a.dump());
      } else {
        return error("args", "expected strings, got " + std::string(JsonTypeName(a)));
      }
    }
  }
  if (const Json* env = e.Get("env")) {
    if (!env->is_array()) {
      return error("env", "expected a list, got " + std::string(JsonTypeName(*env)));
    }
    for (size_t i = 0; i < env->size(); ++i) {
      const Json& item = (*env)[i];
      std::string where = "env[" + std::to_string(i) + "]";
      if (!item.is_object()) return error(where, "expected a mapping with name and value");
      Section var(Entry{&item, &u.origin()}, "");
      std::string name, value;
      if (!var.String("name", &name).ok() || name.empty()) {
        return error(where + ".name", "must be a non-empty string");
      }
      if (!var.String("value", &value).ok()) {
        return error(where + ".value", "expected string");
      }
      exec->env.emplace_back(std::move(name), std::move(value));
    }
  }
  KUBE_RETURN_IF_ERROR(string_field("interactiveMode", &exec->interactive_mode));
  if (exec->interactive_mode.empty()) {
    // v1beta1 defaults to IfAvailable; v1 requires the field (client-go's defaults
    // and validation).
    if (exec->api_version == kExecV1) {
      return error("interactiveMode", "must be set for " + std::string(kExecV1));
    }
    exec->interactive_mode = "IfAvailable";
  }
  if (exec->interactive_mode != "Never" && exec->interactive_mode != "IfAvailable" &&
      exec->interactive_mode != "Always") {
    return error("interactiveMode",
                 "must be Never, IfAvailable or Always, not " + Quote(exec->interactive_mode));
  }
  if (const Json* v = e.Get("provideClusterInfo")) {
    if (!v->is_boolean()) return error("provideClusterInfo", "expected boolean");
    exec->provide_cluster_info = v->get<bool>();
  }
  KUBE_RETURN_IF_ERROR(string_field("installHint", &exec->install_hint));
  return Status();
}

Status ApplyUser(const Section& u, Config* config) {
  if (u.Has("auth-provider")) {
    return u.Error("auth-provider", "auth provider plugins are not supported; use an exec plugin");
  }
  if (u.Has("as") || u.Has("as-groups") || u.Has("as-uid") || u.Has("as-user-extra")) {
    return u.Error("as", "impersonation is not supported");
  }
  KUBE_RETURN_IF_ERROR(u.String("token", &config->bearer_token));
  KUBE_RETURN_IF_ERROR(u.Path("tokenFile", &config->bearer_token_file));
  KUBE_RETURN_IF_ERROR(u.String("username", &config->username));
  KUBE_RETURN_IF_ERROR(u.String("password", &config->password));
  if (!config->bearer_token.empty() && (!config->username.empty() || !config->password.empty())) {
    // client-go's validateAuthInfo.
    return u.Error("", "more than one authentication method (token and username/password)");
  }
  KUBE_RETURN_IF_ERROR(
      u.Pem("client-certificate", "client-certificate-data", false, &config->tls.client_cert_pem));
  KUBE_RETURN_IF_ERROR(u.Pem("client-key", "client-key-data", true, &config->tls.client_key_pem));
  if (config->tls.client_cert_pem.empty() != config->tls.client_key_pem.empty()) {
    return u.Error("", config->tls.client_cert_pem.empty()
                           ? "client-key(-data) set without client-certificate(-data)"
                           : "client-certificate(-data) set without client-key(-data)");
  }
  if (u.Has("exec")) {
    ExecConfig exec;
    KUBE_RETURN_IF_ERROR(ParseExec(u, &exec));
    config->exec = std::move(exec);
  }
  return Status();
}

// Picks the context, cluster and user (client-go's DirectClientConfig with
// overrides) and builds the Config.
Result<Config> Resolve(const Merged& merged, const KubeconfigOverrides& overrides) {
  auto error = [&](std::string_view what) {
    return BadRequestError("kubeconfig " + merged.source + ": " + std::string(what));
  };
  Config config;
  config.source = merged.source;
  std::string context_name =
      !overrides.context.empty() ? overrides.context : merged.current_context;
  std::string cluster_name = overrides.cluster;
  std::string user_name = overrides.user;
  std::string namespace_name;
  std::string cluster_from = "the cluster override";
  std::string user_from = "the user override";
  if (context_name.empty()) {
    if (cluster_name.empty()) {
      return error("current-context is not set and no context (or cluster) override was given");
    }
  } else {
    auto it = merged.contexts.find(context_name);
    if (it == merged.contexts.end()) {
      return error("context " + Quote(context_name) + " not found" +
                   (overrides.context.empty() ? " (named by current-context)" : ""));
    }
    Section ctx(it->second, "contexts[" + context_name + "]");
    std::string ctx_cluster, ctx_user;
    KUBE_RETURN_IF_ERROR(ctx.String("cluster", &ctx_cluster));
    KUBE_RETURN_IF_ERROR(ctx.String("user", &ctx_user));
    KUBE_RETURN_IF_ERROR(ctx.String("namespace", &namespace_name));
    if (cluster_name.empty()) {
      cluster_name = ctx_cluster;
      cluster_from = "contexts[" + context_name + "].cluster";
      if (cluster_name.empty()) return ctx.Error("cluster", "not set");
    }
    if (user_name.empty()) {
      user_name = ctx_user;
      user_from = "contexts[" + context_name + "].user";
    }
    config.context = context_name;
  }
  if (!overrides.namespace_.empty()) namespace_name = overrides.namespace_;
  config.namespace_ = namespace_name.empty() ? "default" : namespace_name;

  auto cluster = merged.clusters.find(cluster_name);
  if (cluster == merged.clusters.end()) {
    return error("cluster " + Quote(cluster_name) + " not found (named by " + cluster_from + ")");
  }
  KUBE_RETURN_IF_ERROR(
      ApplyCluster(Section(cluster->second, "clusters[" + cluster_name + "]"), &config));
  // A context without a user talks to the cluster anonymously.
  if (!user_name.empty()) {
    auto user = merged.users.find(user_name);
    if (user == merged.users.end()) {
      return error("user " + Quote(user_name) + " not found (named by " + user_from + ")");
    }
    KUBE_RETURN_IF_ERROR(ApplyUser(Section(user->second, "users[" + user_name + "]"), &config));
  }
  return config;
}

Status ParseDocument(std::string_view yaml, Document* doc) {
  auto json = YamlToJson(yaml);
  if (!json) return Status(json.error()).Annotate("kubeconfig " + doc->origin.file);
  doc->json = std::move(*json);
  return Status();
}

using kube::internal::TrimSpace;

}  // namespace

Result<Config> LoadKubeconfig(const std::vector<std::string>& paths,
                              const KubeconfigOverrides& overrides) {
  std::list<Document> docs;  // stable addresses: entries point into them
  std::vector<std::string> loaded, missing;
  std::set<std::string> seen;
  for (const std::string& path : paths) {
    if (path.empty() || !seen.insert(path).second) continue;  // as client-go
    auto data = ReadWholeFile(path);
    if (!data) {
      if (IsNotFound(data.error())) {
        missing.push_back(path);  // client-go skips missing files in a list
        continue;
      }
      return BadRequestError("kubeconfig " + path + ": cannot read: " + data.error().message());
    }
    Document& doc = docs.emplace_back();
    doc.origin.file = path;
    doc.origin.base_dir = Absolute(fs::path(path).parent_path().string());
    KUBE_RETURN_IF_ERROR(ParseDocument(*data, &doc));
    loaded.push_back(path);
  }
  if (loaded.empty()) {
    if (missing.empty()) return BadRequestError("kubeconfig: no file given");
    return NotFoundError("kubeconfig " + Join(missing, ", ") +
                         (missing.size() == 1 ? ": file does not exist" : ": files do not exist"));
  }
  Merged merged;
  merged.source = Join(loaded, ":");
  for (const Document& doc : docs) KUBE_RETURN_IF_ERROR(MergeDocument(doc, &merged));
  return Resolve(merged, overrides);
}

Result<Config> LoadKubeconfigFromString(std::string_view yaml, std::string_view source,
                                        std::string_view base_dir,
                                        const KubeconfigOverrides& overrides) {
  Document doc;
  doc.origin.file = std::string(source);
  doc.origin.base_dir = Absolute(std::string(base_dir));
  KUBE_RETURN_IF_ERROR(ParseDocument(yaml, &doc));
  Merged merged;
  merged.source = doc.origin.file;
  KUBE_RETURN_IF_ERROR(MergeDocument(doc, &merged));
  return Resolve(merged, overrides);
}

Result<Config> InClusterConfig(const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return NotFoundError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must "
        "be set");
  }
  Config config;
  config.source = "in-cluster";
  std::string h = host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";  // IPv6
  config.server = "https://" + h + ":" + port;

  // The token is re-read by the Authenticator as it rotates; check it now so a
  // missing service-account mount fails at startup (client-go reads it here too).
  if (auto token = ReadWholeFile(paths.token); !token) {
    return BadRequestError("in-cluster config: cannot read token file " + paths.token + ": " +
                           token.error().message());
  }
  config.bearer_token_file = paths.token;

  auto ca = ReadWholeFile(paths.ca);
  if (!ca) {
    return BadRequestError("in-cluster config: cannot read CA file " + paths.ca + ": " +
                           ca.error().message());
  }
  if (!transport::CheckPemCertificates(*ca).ok()) {
    return BadRequestError("in-cluster config: CA file " + paths.ca + ": not a PEM certificate");
  }
  config.tls.ca_pem = std::move(*ca);

  // clientcmd's inClusterClientConfig: POD_NAMESPACE, then the file, then default.
  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') {
    config.namespace_ = ns;
  } else if (auto file = ReadWholeFile(paths.namespace_); file) {
    if (std::string ns_text = TrimSpace(*file); !ns_text.empty()) config.namespace_ = ns_text;
  }
  return config;
}

Result<Config> LoadDefaultConfig(const std::string& explicit_path,
                                 const KubeconfigOverrides& overrides) {
  if (!explicit_path.empty()) return LoadKubeconfig({explicit_path}, overrides);

  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::vector<std::string> list;
    std::string_view rest(env);
    while (true) {
      size_t colon = rest.find(':');
      list.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return LoadKubeconfig(list, overrides);
  }

  // In-cluster, unless a context was asked for (as controller-runtime does). A pod
  // whose service-account files are unusable may still have ~/.kube/config.
  Status in_cluster_error;
  if (overrides.context.empty()) {
    auto config = InClusterConfig();
    if (config) {
      if (!overrides.namespace_.empty()) config->namespace_ = overrides.namespace_;
      return config;
    }
    if (!IsNotFound(config.error())) in_cluster_error = config.error();
  }

  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    std::string path = (fs::path(home) / ".kube" / "config").string();
    std::error_code ec;
    if (fs::exists(path, ec)) return LoadKubeconfig({path}, overrides);
  }
  if (!in_cluster_error.ok()) return in_cluster_error;
  return NotFoundError(
      "no configuration: no explicit kubeconfig, KUBECONFIG is not set, not running in a "
      "cluster, and $HOME/.kube/config does not exist");
}

}  // namespace kube::client
