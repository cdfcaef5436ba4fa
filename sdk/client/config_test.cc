#include "kubecpp/client/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace kube::client {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A self-signed ECDSA P-256 test certificate and its key (CN=kubecpp-test, valid
// for 100 years). Test material only.
constexpr char kCertPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUJFMAkxmRL+xISY9BC5lktcL8KswwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMa3ViZWNwcC10ZXN0MCAXDTI2MTEyMTIwMzM0MFoYDzIxMjYx
MDI4MjAzMzQwWjAXMRUwEwYDVQQDDAxrdWJlY3BwLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAASj4OnetCxTvMArZPolms/oXgTf4aR5luGP1jRH6LdF2M6E
U/JJ3Jsm/rrnrsZJv4ZTsnXmZt4MOsLsbDdKsznyo1MwUTAdBgNVHQ4EFgQUZ3rP
93URkAkx/NDDiV9sL+F2NEIwHwYDVR0jBBgwFoAUZ3rP93URkAkx/NDDiV9sL+F2
NEIwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA9iPsO0QrBcrr
3jr70J7mPU4YvqDSse+XgK5G2iR+1uECICpQnsk9RWSIbc38+WlA0aKBHRL470Hq
IdjgiWSp+Vld
-----END CERTIFICATE-----
)";
constexpr char kKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgl3fVjL1g85KGapUc
vPohIdZY8onjE7Y9hI41y9dlI0mhRANCAASj4OnetCxTvMArZPolms/oXgTf4aR5
luGP1jRH6LdF2M6EU/JJ3Jsm/rrnrsZJv4ZTsnXmZt4MOsLsbDdKszny
-----END PRIVATE KEY-----
)";

// Secrets used in kubeconfigs below; no error message may contain them.
constexpr char kToken[] = "tok-SECRET-7f3a9";
constexpr char kPassword[] = "pw-SECRET-1b2c";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Sets (or unsets, with nullopt) an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kubecpp-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes `content` to `rel` under the temp dir (creating folders); returns the path.
  std::string Write(const std::string& rel, const std::string& content) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }

  // A one-context kubeconfig with the given user body (indented under `user:`).
  static std::string WithUser(const std::string& user_body) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
           "clusters:\n- name: c\n  cluster:\n    server: https://c.example:6443\n"
           "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: alice\n"
           "users:\n- name: alice\n  user:\n" +
           user_body;
  }
  // A one-context kubeconfig with the given cluster body (indented under `cluster:`).
  static std::string WithCluster(const std::string& cluster_body) {
    return "current-context: ctx\n"
           "clusters:\n- name: c\n  cluster:\n" +
           cluster_body +
           "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: alice\n"
           "users:\n- name: alice\n  user:\n    token: " +
           kToken + "\n";
  }

  // Loads `yaml` written as <dir>/config and expects a failure.
  Status LoadError(const std::string& yaml, const KubeconfigOverrides& overrides = {}) {
    auto config = LoadKubeconfig({Write("config", yaml)}, overrides);
    EXPECT_FALSE(config.ok());
    if (config.ok()) return Status();
    return config.error();
  }

  fs::path dir_;
};

TEST_F(KubeconfigTest, LoadsClusterUserAndNamespaceFromTheCurrentContext) {
  std::string path = Write("config",
                           "apiVersion: v1\n"
                           "kind: Config\n"
                           "current-context: dev\n"
                           "clusters:\n"
                           "- name: dev-cluster\n"
                           "  cluster:\n"
                           "    server: https://10.0.0.1:6443\n"
                           "    certificate-authority-data: " +
                               Base64(kCertPem) +
                               "\n"
                               "    tls-server-name: api.internal\n"
                               "    proxy-url: http://proxy:3128\n"
                               "contexts:\n"
                               "- name: dev\n"
                               "  context:\n"
                               "    cluster: dev-cluster\n"
                               "    user: dev-user\n"
                               "    namespace: team-a\n"
                               "users:\n"
                               "- name: dev-user\n"
                               "  user:\n"
                               "    client-certificate-data: " +
                               Base64(kCertPem) +
                               "\n"
                               "    client-key-data: " +
                               Base64(kKeyPem) +
                               "\n"
                               "    token: " +
                               kToken + "\n");
  auto config = LoadKubeconfig({path});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->tls.ca_pem, kCertPem);
  EXPECT_EQ(config->tls.server_name, "api.internal");
  EXPECT_FALSE(config->tls.insecure_skip_verify);
  EXPECT_EQ(config->proxy_url, "http://proxy:3128");
  EXPECT_EQ(config->tls.client_cert_pem, kCertPem);
  EXPECT_EQ(config->tls.client_key_pem, kKeyPem);
  EXPECT_EQ(config->bearer_token, kToken);
  EXPECT_EQ(config->namespace_, "team-a");
  EXPECT_EQ(config->context, "dev");
  EXPECT_EQ(config->source, path);
  EXPECT_FALSE(config->exec.has_value());
}

TEST_F(KubeconfigTest, NamespaceDefaultsToDefault) {
  auto config = LoadKubeconfig({Write("config", WithUser("    token: x\n"))});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->namespace_, "default");
}

TEST_F(KubeconfigTest, ReadsFilesRelativeToTheKubeconfigFolderAndKeepsTokenFileAsPath) {
  Write("kube/ca.crt", kCertPem);
  Write("certs/client.crt", kCertPem);
  Write("kube/keys/client.key", kKeyPem);
  std::string path = Write("kube/config",
                           "current-context: ctx\n"
                           "clusters:\n- name: c\n  cluster:\n    server: https://c:6443\n"
                           "    certificate-authority: ca.crt\n"
                           "contexts:\n- name: ctx\n  context: {cluster: c, user: u}\n"
                           "users:\n- name: u\n  user:\n"
                           "    client-certificate: ../certs/client.crt\n"
                           "    client-key: keys/client.key\n"
                           "    tokenFile: token\n"
                           "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                           "      command: ./bin/plugin\n");
  auto config = LoadKubeconfig({path});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->tls.ca_pem, kCertPem);
  EXPECT_EQ(config->tls.client_cert_pem, kCertPem);
  EXPECT_EQ(config->tls.client_key_pem, kKeyPem);
  // tokenFile is not read at load time (it may not exist yet) but is resolved.
  EXPECT_EQ(config->bearer_token_file, Path("kube/token"));
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->command, Path("kube/bin/plugin"));
  EXPECT_EQ(config->exec->interactive_mode, "IfAvailable");  // v1beta1 default
}

TEST_F(KubeconfigTest, ExecCommandWithoutSlashIsLookedUpInPath) {
  auto config = LoadKubeconfig(
      {Write("config", WithUser("    exec:\n"
                                "      apiVersion: client.authentication.k8s.io/v1\n"
                                "      command: aws\n"
                                "      args: [eks, get-token]\n"
                                "      env:\n      - {name: AWS_PROFILE, value: prod}\n"
                                "      interactiveMode: Never\n"
                                "      provideClusterInfo: true\n"
                                "      installHint: install aws\n"))});
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->api_version, "client.authentication.k8s.io/v1");
  EXPECT_EQ(config->exec->command, "aws");
  EXPECT_THAT(config->exec->args, ::testing::ElementsAre("eks", "get-token"));
  ASSERT_EQ(config->exec->env.size(), 1u);
  EXPECT_EQ(config->exec->env[0].first, "AWS_PROFILE");
  EXPECT_EQ(config->exec->env[0].second, "prod");
  EXPECT_EQ(config->exec->interactive_mode, "Never");
  EXPECT_TRUE(config->exec->provide_cluster_info);
  EXPECT_EQ(config->exec->install_hint, "install aws");
}

TEST_F(KubeconfigTest, MergesFilesFirstDefinitionOfANameWinsWholeEntry) {
  // First file: no current-context; defines cluster "shared" without a CA and user u.
  std::string first = Write("a/config",
                            "clusters:\n- name: shared\n  cluster:\n    server: https://first\n"
                            "users:\n- name: u\n  user:\n    token: first-token\n");
  // Second file: current-context; redefines "shared" (with a CA: must not leak into
  // the first file's entry) and adds the context, whose CA file is relative to b/.
  Write("b/ca.crt", kCertPem);
  std::string second =
      Write("b/config",
            "current-context: ctx-b\n"
            "clusters:\n- name: shared\n  cluster:\n    server: https://second\n"
            "    certificate-authority: ca.crt\n"
            "- name: only-second\n  cluster:\n    server: https://only-second\n"
            "    certificate-authority: ca.crt\n"
            "contexts:\n- name: ctx-b\n  context: {cluster: shared, user: u, namespace: ns-b}\n"
            "- name: ctx-2\n  context: {cluster: only-second, user: u}\n"
            "users:\n- name: u\n  user:\n    token: second-token\n");
  auto config = LoadKubeconfig({first, second});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://first");
  EXPECT_EQ(config->tls.ca_pem, "");  // entries are not merged field by field
  EXPECT_EQ(config->bearer_token, "first-token");
  EXPECT_EQ(config->namespace_, "ns-b");
  EXPECT_EQ(config->context, "ctx-b");
  EXPECT_EQ(config->source, first + ":" + second);

  // An entry only the second file defines resolves paths against the second folder.
  KubeconfigOverrides overrides;
  overrides.context = "ctx-2";
  auto other = LoadKubeconfig({first, second}, overrides);
  ASSERT_TRUE(other.ok()) << other.error();
  EXPECT_EQ(other->server, "https://only-second");
  EXPECT_EQ(other->tls.ca_pem, kCertPem);
}

TEST_F(KubeconfigTest, FirstNonEmptyCurrentContextWins) {
  std::string body =
      "clusters:\n- name: c1\n  cluster: {server: https://one}\n"
      "- name: c2\n  cluster: {server: https://two}\n"
      "contexts:\n- name: one\n  context: {cluster: c1}\n"
      "- name: two\n  context: {cluster: c2}\n";
  std::string a = Write("a", "current-context: \"\"\n");
  std::string b = Write("b", "current-context: two\n" + body);
  std::string c = Write("c", "current-context: one\n");
  auto config = LoadKubeconfig({a, b, c});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->context, "two");
  EXPECT_EQ(config->server, "https://two");
}

TEST_F(KubeconfigTest, MissingFilesInAListAreSkipped) {
  std::string present = Write("present", WithUser("    token: x\n"));
  auto config = LoadKubeconfig({Path("missing-1"), present, Path("missing-2")});
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://c.example:6443");
  EXPECT_EQ(config->source, present);
}

TEST_F(KubeconfigTest, AMissingSinglePathIsNotFound) {
  auto config = LoadKubeconfig({Path("nope")});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kNotFound);
  EXPECT_THAT(config.error().message(), HasSubstr(Path("nope")));
}

TEST_F(KubeconfigTest, AllFilesMissingIsNotFound) {
  auto config = LoadKubeconfig({Path("x"), Path("y")});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kNotFound);
  EXPECT_THAT(config.error().message(), HasSubstr(Path("y")));
}

TEST_F(KubeconfigTest, OverridesTakePrecedenceOverTheContext) {
  std::string path =
      Write("config",
            "current-context: a\n"
            "clusters:\n- name: ca\n  cluster: {server: https://a}\n"
            "- name: cb\n  cluster: {server: https://b}\n"
            "- name: cc\n  cluster: {server: https://c}\n"
            "contexts:\n- name: a\n  context: {cluster: ca, user: ua, namespace: ns-a}\n"
            "- name: b\n  context: {cluster: cb, user: ub, namespace: ns-b}\n"
            "users:\n- name: ua\n  user: {token: token-a}\n- name: ub\n  user: {token: token-b}\n"
            "- name: uc\n  user: {token: token-c}\n");
  KubeconfigOverrides overrides;
  overrides.context = "b";
  auto config = LoadKubeconfig({path}, overrides);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->context, "b");
  EXPECT_EQ(config->server, "https://b");
  EXPECT_EQ(config->bearer_token, "token-b");
  EXPECT_EQ(config->namespace_, "ns-b");

  overrides.cluster = "cc";
  overrides.user = "uc";
  overrides.namespace_ = "ns-override";
  config = LoadKubeconfig({path}, overrides);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://c");
  EXPECT_EQ(config->bearer_token, "token-c");
  EXPECT_EQ(config->namespace_, "ns-override");
}

TEST_F(KubeconfigTest, ClusterOverrideWorksWithoutAnyContext) {
  KubeconfigOverrides overrides;
  overrides.cluster = "c";
  auto config = LoadKubeconfig(
      {Write("config", "clusters:\n- name: c\n  cluster: {server: https://c}\n")}, overrides);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://c");
  EXPECT_EQ(config->bearer_token, "");
}

TEST_F(KubeconfigTest, LoadsFromStringWithBaseDirAndSource) {
  Write("certs/ca.crt", kCertPem);
  auto config = LoadKubeconfigFromString(WithCluster("    server: https://c\n"
                                                     "    certificate-authority: certs/ca.crt\n"),
                                         "<inline>", dir_.string());
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->tls.ca_pem, kCertPem);
  EXPECT_EQ(config->source, "<inline>");

  auto bad = LoadKubeconfigFromString("current-context: nope\n", "<inline>", dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message(), HasSubstr("kubeconfig <inline>"));
}

// --- Errors: each names the file and the field, and never a secret. ---

TEST_F(KubeconfigTest, NoCurrentContextAndNoOverrideIsAnError) {
  Status s = LoadError("clusters:\n- name: c\n  cluster: {server: https://c}\n");
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr("kubeconfig " + Path("config")));
  EXPECT_THAT(s.message(), HasSubstr("current-context is not set"));
}

TEST_F(KubeconfigTest, UnknownContextIsAnError) {
  KubeconfigOverrides overrides;
  overrides.context = "staging";
  Status s = LoadError(WithUser(std::string("    token: ") + kToken + "\n"), overrides);
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr(Path("config")));
  EXPECT_THAT(s.message(), HasSubstr("context \"staging\" not found"));
}

TEST_F(KubeconfigTest, CurrentContextNamingNoContextIsAnError) {
  Status s = LoadError("current-context: ghost\n");
  EXPECT_THAT(s.message(), HasSubstr("context \"ghost\" not found (named by current-context)"));
}

TEST_F(KubeconfigTest, UnknownClusterIsAnError) {
  Status s = LoadError(
      "current-context: ctx\ncontexts:\n- name: ctx\n  context: {cluster: gone, user: u}\n");
  EXPECT_THAT(s.message(), HasSubstr(Path("config")));
  EXPECT_THAT(s.message(),
              HasSubstr("cluster \"gone\" not found (named by contexts[ctx].cluster)"));
}

TEST_F(KubeconfigTest, UnknownUserIsAnError) {
  KubeconfigOverrides overrides;
  overrides.user = "bob";
  Status s = LoadError(WithUser(std::string("    token: ") + kToken + "\n"), overrides);
  EXPECT_THAT(s.message(), HasSubstr(Path("config")));
  EXPECT_THAT(s.message(), HasSubstr("user \"bob\" not found (named by the user override)"));
  EXPECT_THAT(s.message(), Not(HasSubstr(kToken)));
}

TEST_F(KubeconfigTest, ClusterWithoutServerIsAnError) {
  Status s = LoadError(WithCluster("    insecure-skip-tls-verify: true\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") + ": clusters[c].server: missing or empty");
}

TEST_F(KubeconfigTest, UnreadableCertificateAuthorityFileIsAnError) {
  Status s =
      LoadError(WithCluster("    server: https://c\n"
                            "    certificate-authority: missing-ca.crt\n"));
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr("kubeconfig " + Path("config") +
                                     ": clusters[c].certificate-authority: cannot read " +
                                     Path("missing-ca.crt")));
}

TEST_F(KubeconfigTest, UnreadableClientKeyFileIsAnError) {
  Write("client.crt", kCertPem);
  Status s =
      LoadError(WithUser("    client-certificate: client.crt\n"
                         "    client-key: /nonexistent/client.key\n"));
  EXPECT_THAT(s.message(), HasSubstr("kubeconfig " + Path("config") +
                                     ": users[alice].client-key: cannot read "
                                     "/nonexistent/client.key"));
}

TEST_F(KubeconfigTest, MalformedYamlNamesTheFileAndLine) {
  Status s = LoadError("current-context: ctx\nclusters:\n  - name: [unclosed\n");
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr("kubeconfig " + Path("config")));
  EXPECT_THAT(s.message(), HasSubstr("line"));
}

TEST_F(KubeconfigTest, WrongShapeIsAnErrorNamingTheField) {
  Status s = LoadError("clusters: {name: c}\n");
  EXPECT_EQ(s.message(),
            "kubeconfig " + Path("config") + ": clusters: expected a list, got object");
  s = LoadError("clusters:\n- cluster: {server: https://c}\n");
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") + ": clusters[0]: missing name");
}

TEST_F(KubeconfigTest, TokenOfTheWrongTypeDoesNotEchoIt) {
  Status s = LoadError(WithUser(std::string("    token: [") + kToken + "]\n"));
  EXPECT_EQ(s.message(),
            "kubeconfig " + Path("config") + ": users[alice].token: expected string, got array");
}

TEST_F(KubeconfigTest, InvalidBase64NamesTheFieldNotTheData) {
  Status s = LoadError(WithUser(std::string("    client-certificate-data: ") + Base64(kCertPem) +
                                "\n    client-key-data: \"" + kPassword + "!!\"\n"));
  EXPECT_EQ(s.message(),
            "kubeconfig " + Path("config") + ": users[alice].client-key-data: invalid base64");
  EXPECT_THAT(s.message(), Not(HasSubstr(kPassword)));

  s = LoadError(WithCluster("    server: https://c\n    certificate-authority-data: '%%%'\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": clusters[c].certificate-authority-data: invalid base64");
}

TEST_F(KubeconfigTest, KeyDataThatIsNotPemIsAnErrorWithoutTheKey) {
  std::string fake_key =
      std::string("-----BEGIN PRIVATE KEY-----\n") + kPassword + "\n-----END PRIVATE KEY-----\n";
  Status s = LoadError(WithUser("    client-certificate-data: " + Base64(kCertPem) +
                                "\n    client-key-data: " + Base64(fake_key) + "\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": users[alice].client-key-data: not a PEM private key");
  EXPECT_THAT(s.message(), Not(HasSubstr(kPassword)));
  EXPECT_THAT(s.message(), Not(HasSubstr(Base64(fake_key))));
}

TEST_F(KubeconfigTest, FilesThatAreNotPemAreErrorsNamingFileAndField) {
  Write("ca.crt", "not a certificate\n");
  Status s = LoadError(WithCluster("    server: https://c\n    certificate-authority: ca.crt\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") + ": clusters[c].certificate-authority: " +
                             Path("ca.crt") + ": not a PEM certificate");

  Write("client.crt", kCertPem);
  Write("client.key", kPassword);
  s = LoadError(WithUser("    client-certificate: client.crt\n    client-key: client.key\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") + ": users[alice].client-key: " +
                             Path("client.key") + ": not a PEM private key");
  EXPECT_THAT(s.message(), Not(HasSubstr(kPassword)));

  s = LoadError(WithUser("    client-certificate-data: " + Base64(kKeyPem) +
                         "\n    client-key-data: " + Base64(kKeyPem) + "\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": users[alice].client-certificate-data: not a PEM certificate");
}

TEST_F(KubeconfigTest, CaBundleWithABadLaterCertificateIsRejectedAtLoad) {
  // The transport refuses such a bundle, so loading must too, not fail later.
  std::string bundle = std::string(kCertPem) +
                       "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                       "-----END CERTIFICATE-----\n";
  Status s = LoadError(WithCluster(
      "    server: https://c\n    certificate-authority-data: " + Base64(bundle) + "\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": clusters[c].certificate-authority-data: not a PEM certificate");
}

TEST_F(KubeconfigTest, CertificateWithoutKeyIsAnError) {
  Status s = LoadError(WithUser("    client-certificate-data: " + Base64(kCertPem) + "\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": users[alice]: client-certificate(-data) set without "
                             "client-key(-data)");
}

TEST_F(KubeconfigTest, FileAndDataBothSetIsAnError) {
  Write("ca.crt", kCertPem);
  Status s =
      LoadError(WithCluster("    server: https://c\n    certificate-authority: ca.crt\n"
                            "    certificate-authority-data: " +
                            Base64(kCertPem) + "\n"));
  EXPECT_THAT(s.message(),
              HasSubstr("clusters[c]: certificate-authority and certificate-authority-data are "
                        "both set"));
}

TEST_F(KubeconfigTest, TokenAndBasicAuthTogetherIsAnErrorWithoutSecrets) {
  Status s = LoadError(WithUser(std::string("    token: ") + kToken +
                                "\n    username: alice\n    password: " + kPassword + "\n"));
  EXPECT_THAT(s.message(), HasSubstr("kubeconfig " + Path("config") +
                                     ": users[alice]: more than "
                                     "one authentication method"));
  EXPECT_THAT(s.message(), Not(HasSubstr(kToken)));
  EXPECT_THAT(s.message(), Not(HasSubstr(kPassword)));
}

TEST_F(KubeconfigTest, InsecureWithCertificateAuthorityIsAnError) {
  Status s =
      LoadError(WithCluster("    server: https://c\n    insecure-skip-tls-verify: true\n"
                            "    certificate-authority-data: " +
                            Base64(kCertPem) + "\n"));
  EXPECT_THAT(s.message(), HasSubstr("clusters[c].insecure-skip-tls-verify: cannot be combined"));
}

TEST_F(KubeconfigTest, ExecConfigErrorsNameTheField) {
  Status s =
      LoadError(WithUser("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                         "      command: plugin\n"));
  EXPECT_EQ(s.message(), "kubeconfig " + Path("config") +
                             ": users[alice].exec.interactiveMode: must be set for "
                             "client.authentication.k8s.io/v1");
  s =
      LoadError(WithUser("    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n"
                         "      command: plugin\n"));
  EXPECT_THAT(s.message(), HasSubstr("users[alice].exec.apiVersion: unsupported"));
  s = LoadError(WithUser("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"));
  EXPECT_THAT(s.message(), HasSubstr("users[alice].exec.command: must be set"));
  s =
      LoadError(WithUser("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                         "      command: plugin\n      env:\n      - {value: x}\n"));
  EXPECT_THAT(s.message(), HasSubstr("users[alice].exec.env[0].name"));
}

TEST_F(KubeconfigTest, AuthProviderIsRejected) {
  Status s = LoadError(WithUser("    auth-provider:\n      name: gcp\n"));
  EXPECT_THAT(s.message(), HasSubstr("users[alice].auth-provider: auth provider plugins are not "
                                     "supported"));
}

// --- In-cluster ---

class InClusterTest : public KubeconfigTest {
 protected:
  InClusterPaths Paths() {
    InClusterPaths paths;
    paths.token = Write("sa/token", std::string(kToken) + "\n");
    paths.ca = Write("sa/ca.crt", kCertPem);
    paths.namespace_ = Write("sa/namespace", "kube-system\n");
    return paths;
  }
  ScopedEnv pod_namespace_{"POD_NAMESPACE", std::nullopt};
};

TEST_F(InClusterTest, BuildsTheConfigFromEnvironmentAndServiceAccountFiles) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  InClusterPaths paths = Paths();
  auto config = InClusterConfig(paths);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->tls.ca_pem, kCertPem);
  EXPECT_EQ(config->bearer_token_file, paths.token);
  EXPECT_EQ(config->bearer_token, "");  // re-read from the file as it rotates
  EXPECT_EQ(config->namespace_, "kube-system");
  EXPECT_EQ(config->source, "in-cluster");
}

TEST_F(InClusterTest, BracketsIpv6Hosts) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00::1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
  auto config = InClusterConfig(Paths());
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://[fd00::1]:6443");
}

TEST_F(InClusterTest, NamespaceFallsBackToDefaultAndPodNamespaceWins) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  InClusterPaths paths = Paths();
  paths.namespace_ = Path("sa/absent");
  auto config = InClusterConfig(paths);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->namespace_, "default");

  ScopedEnv pod_ns("POD_NAMESPACE", "from-env");
  config = InClusterConfig(Paths());
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->namespace_, "from-env");
}

TEST_F(InClusterTest, NotInAClusterIsNotFound) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  auto config = InClusterConfig(Paths());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kNotFound);
}

TEST_F(InClusterTest, MissingTokenOrCaFileIsAnErrorNamingThePath) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  InClusterPaths paths = Paths();
  paths.token = Path("sa/no-token");
  auto config = InClusterConfig(paths);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kBadRequest);
  EXPECT_THAT(config.error().message(), HasSubstr(Path("sa/no-token")));

  paths = Paths();
  paths.ca = Path("sa/no-ca");
  config = InClusterConfig(paths);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message(), HasSubstr(Path("sa/no-ca")));
  EXPECT_THAT(config.error().message(), Not(HasSubstr(kToken)));
}

// --- LoadDefaultConfig ---

class LoadDefaultConfigTest : public KubeconfigTest {
 protected:
  ScopedEnv kubeconfig_{"KUBECONFIG", std::nullopt};
  ScopedEnv host_{"KUBERNETES_SERVICE_HOST", std::nullopt};
  ScopedEnv port_{"KUBERNETES_SERVICE_PORT", std::nullopt};
  ScopedEnv home_{"HOME", std::nullopt};
};

TEST_F(LoadDefaultConfigTest, ExplicitPathWinsAndMustExist) {
  ScopedEnv env("KUBECONFIG", Write("env-config", WithCluster("    server: https://env\n")));
  auto config = LoadDefaultConfig(Write("explicit", WithCluster("    server: https://explicit\n")));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://explicit");

  auto missing = LoadDefaultConfig(Path("no-such-file"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST_F(LoadDefaultConfigTest, KubeconfigVariableIsAColonSeparatedList) {
  std::string a = Write("a", "current-context: ctx\n");
  std::string b = Write("b", WithCluster("    server: https://from-b\n"));
  ScopedEnv env("KUBECONFIG", a + "::" + Path("missing") + ":" + b);
  auto config = LoadDefaultConfig();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server, "https://from-b");
  EXPECT_EQ(config->source, a + ":" + b);
}

TEST_F(LoadDefaultConfigTest, InClusterComesBeforeHomeConfig) {
  ScopedEnv home("HOME", dir_.string());
  Write(".kube/config", WithCluster("    server: https://home\n"));
  {
    // Not in a cluster: ~/.kube/config.
    auto config = LoadDefaultConfig();
    ASSERT_TRUE(config.ok()) << config.error();
    EXPECT_EQ(config->server, "https://home");
  }
  // In a cluster whose service-account files are absent (default paths do not exist
  // on the test machine) it falls back to ~/.kube/config as controller-runtime does.
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  if (!fs::exists("/var/run/secrets/kubernetes.io/serviceaccount/token")) {
    auto config = LoadDefaultConfig();
    ASSERT_TRUE(config.ok()) << config.error();
    EXPECT_EQ(config->server, "https://home");
    fs::remove(Path(".kube/config"));
    auto error = LoadDefaultConfig();
    ASSERT_FALSE(error.ok());
    EXPECT_THAT(error.error().message(), HasSubstr("in-cluster config"));
  }
}

TEST_F(LoadDefaultConfigTest, NothingFoundIsNotFound) {
  ScopedEnv home("HOME", dir_.string());
  auto config = LoadDefaultConfig();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace kube::client
