#include "kubecpp/client/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube::client {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kV1[] = "client.authentication.k8s.io/v1";
constexpr char kV1Beta1[] = "client.authentication.k8s.io/v1beta1";
constexpr char kSecret[] = "plugin-SECRET-91ab";

// A clock whose monotonic time moves only when told to; wall time is real.
class ManualClock : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  bool SleepFor(Duration d, std::stop_token) override {
    Advance(d);
    return true;
  }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_{std::chrono::hours(1000)};
};

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kubecpp-auth-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }
  std::string Write(const std::string& rel, const std::string& content) {
    std::ofstream(Path(rel), std::ios::binary | std::ios::trunc) << content;
    return Path(rel);
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(Path(rel), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Number of lines in `rel` (the plugin appends one per run); 0 when absent.
  int Runs() const {
    std::string data = Read("runs");
    return static_cast<int>(std::count(data.begin(), data.end(), '\n'));
  }
  // Writes an executable /bin/sh script.
  std::string Script(const std::string& rel, const std::string& body) {
    std::string path = Write(rel, "#!/bin/sh\n" + body);
    fs::permissions(path, fs::perms::owner_all);
    return path;
  }
  // Sets the modification time to a fixed base plus `seconds`.
  void SetMtime(const std::string& path, int seconds) {
    fs::last_write_time(path, mtime_base_ + std::chrono::seconds(seconds));
  }

  // A plugin printing an ExecCredential built from its environment: API (apiVersion),
  // TOKEN, EXP (expirationTimestamp, omitted when empty). It records each run in
  // <dir>/runs, and its args, KUBERNETES_EXEC_INFO, environment and stdin in files.
  Config ExecConfigFor(const std::string& api_version, const std::string& token,
                       const std::string& expiry) {
    std::string script = Script("plugin.sh", R"(
echo run >> "$OUT/runs"
printf '%s\n' "$@" > "$OUT/args"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$OUT/info"
env > "$OUT/env"
cat > "$OUT/stdin"
if [ -t 0 ]; then echo yes > "$OUT/tty"; fi
if [ -n "$EXP" ]; then EXPFIELD=",\"expirationTimestamp\":\"$EXP\""; fi
printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"%s"%s}}\n' "$API" "$TOKEN" "$EXPFIELD"
)");
    Config config;
    config.server = "https://10.0.0.1:6443";
    config.tls.server_name = "api.internal";
    config.tls.ca_pem = "CA-PEM";
    ExecConfig exec;
    exec.api_version = api_version;
    exec.command = script;
    exec.args = {"get-token", "--cluster", "my cluster"};
    exec.env = {{"OUT", dir_.string()},
                {"API", api_version},
                {"TOKEN", token},
                {"EXP", expiry},
                {"KUBECPP_TEST_OVERRIDE", "from-plugin"}};
    exec.interactive_mode = "IfAvailable";
    config.exec = exec;
    return config;
  }

  // A plugin running `body` (after recording the run).
  Config ExecConfigRunning(const std::string& body, const std::string& api_version = kV1) {
    Config config;
    config.server = "https://10.0.0.1:6443";
    ExecConfig exec;
    exec.api_version = api_version;
    exec.command = Script("plugin.sh", "echo run >> \"" + Path("runs") + "\"\n" + body);
    exec.interactive_mode = "Never";
    config.exec = exec;
    return config;
  }

  fs::path dir_;
  const fs::file_time_type mtime_base_ = std::chrono::floor<std::chrono::seconds>(
      fs::file_time_type::clock::now() - std::chrono::hours(24));
};

TEST_F(AuthTest, NoCredentialsGiveAnEmptyHeader) {
  auto auth = NewAuthenticator(Config{});
  auto header = auth->Header();
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_EQ(*header, "");
}

TEST_F(AuthTest, StaticTokenIsABearerHeader) {
  Config config;
  config.bearer_token = "abc";
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer abc");
}

TEST_F(AuthTest, BasicAuthIsBase64OfUserColonPassword) {
  Config config;
  config.username = "alice";
  config.password = "s3cret";
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Basic YWxpY2U6czNjcmV0");
  config.username = "a";
  config.password = "";
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Basic YTo=");
}

TEST_F(AuthTest, TokenTakesPrecedenceOverTokenFileBasicAndExec) {
  Config config = ExecConfigFor(kV1, "exec-token", "");
  config.username = "alice";
  config.password = "pw";
  EXPECT_THAT(NewAuthenticator(config)->Header().value(), HasSubstr("Basic "));
  config.bearer_token_file = Write("token", "file-token");
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer file-token");
  config.bearer_token = "static";
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer static");
  EXPECT_EQ(Runs(), 0);
}

TEST_F(AuthTest, TokenFileIsTrimmedAndReReadWhenItsMtimeChanges) {
  ManualClock clock;
  Config config;
  config.bearer_token_file = Write("token", "  first-token\n");
  SetMtime(config.bearer_token_file, 100);
  auto auth = NewAuthenticator(config, clock);
  EXPECT_EQ(auth->Header().value(), "Bearer first-token");

  // Rotated: same length, different mtime; the clock has not moved.
  Write("token", "  secnd-token\n");
  SetMtime(config.bearer_token_file, 200);
  EXPECT_EQ(auth->Header().value(), "Bearer secnd-token");
}

TEST_F(AuthTest, TokenFileIsReReadEveryMinuteEvenWithTheSameMtime) {
  ManualClock clock;
  Config config;
  config.bearer_token_file = Write("token", "token-aaaa");
  SetMtime(config.bearer_token_file, 100);
  auto auth = NewAuthenticator(config, clock);
  EXPECT_EQ(auth->Header().value(), "Bearer token-aaaa");

  Write("token", "token-bbbb");
  SetMtime(config.bearer_token_file, 100);  // same mtime and size: looks unchanged
  clock.Advance(std::chrono::seconds(59));
  EXPECT_EQ(auth->Header().value(), "Bearer token-aaaa");
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(auth->Header().value(), "Bearer token-bbbb");

  // Invalidate forces a re-read too.
  Write("token", "token-cccc");
  SetMtime(config.bearer_token_file, 100);
  auth->Invalidate();
  EXPECT_EQ(auth->Header().value(), "Bearer token-cccc");
}

TEST_F(AuthTest, UnreadableTokenFileIsUnauthorizedNamingThePath) {
  Config config;
  config.bearer_token_file = Path("missing-token");
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code(), Code::kUnauthorized);
  EXPECT_THAT(header.error().message(), HasSubstr("token file " + Path("missing-token")));

  Write("empty", " \n");
  config.bearer_token_file = Path("empty");
  header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message(), "token file " + Path("empty") + ": empty");
}

TEST_F(AuthTest, TokenFileThatDisappearsKeepsTheLastToken) {
  ManualClock clock;
  Config config;
  config.bearer_token_file = Write("token", kSecret);
  auto auth = NewAuthenticator(config, clock);
  EXPECT_EQ(auth->Header().value(), std::string("Bearer ") + kSecret);
  fs::remove(config.bearer_token_file);
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(auth->Header().value(), std::string("Bearer ") + kSecret);
}

// --- Exec plugins ---

TEST_F(AuthTest, ExecPluginTokenIsCachedUntilExpiry) {
  auto auth = NewAuthenticator(ExecConfigFor(kV1, "exec-token", "2999-01-01T00:00:00Z"));
  EXPECT_EQ(auth->Header().value(), "Bearer exec-token");
  EXPECT_EQ(auth->Header().value(), "Bearer exec-token");
  EXPECT_EQ(Runs(), 1);
}

TEST_F(AuthTest, ExpiredExecTokenRunsThePluginAgain) {
  auto auth = NewAuthenticator(ExecConfigFor(kV1, "exec-token", "2001-01-01T00:00:00Z"));
  EXPECT_EQ(auth->Header().value(), "Bearer exec-token");
  EXPECT_EQ(auth->Header().value(), "Bearer exec-token");
  EXPECT_EQ(Runs(), 2);
}

TEST_F(AuthTest, ExecTokenWithoutExpiryIsCachedUntilInvalidate) {
  auto auth = NewAuthenticator(ExecConfigFor(kV1Beta1, "beta-token", ""));
  EXPECT_EQ(auth->Header().value(), "Bearer beta-token");
  EXPECT_EQ(auth->Header().value(), "Bearer beta-token");
  EXPECT_EQ(Runs(), 1);
  auth->Invalidate();
  EXPECT_EQ(auth->Header().value(), "Bearer beta-token");
  EXPECT_EQ(Runs(), 2);
}

TEST_F(AuthTest, ExecPluginGetsArgsEnvExecInfoAndNoTerminal) {
  ::setenv("KUBECPP_TEST_PARENT", "from-parent", 1);
  ::setenv("KUBECPP_TEST_OVERRIDE", "from-parent", 1);
  Config config = ExecConfigFor(kV1, "t", "");
  auto header = NewAuthenticator(config)->Header();
  ::unsetenv("KUBECPP_TEST_PARENT");
  ::unsetenv("KUBECPP_TEST_OVERRIDE");
  ASSERT_TRUE(header.ok()) << header.error();

  EXPECT_EQ(Read("args"), "get-token\n--cluster\nmy cluster\n");
  std::string env = Read("env");
  EXPECT_THAT(env, HasSubstr("KUBECPP_TEST_PARENT=from-parent\n"));
  EXPECT_THAT(env, HasSubstr("KUBECPP_TEST_OVERRIDE=from-plugin\n"));
  EXPECT_THAT(env, Not(HasSubstr("KUBECPP_TEST_OVERRIDE=from-parent")));
  EXPECT_EQ(Read("stdin"), "");
  EXPECT_FALSE(fs::exists(Path("tty")));

  auto info = ParseJson(Read("info"));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ((*info)["kind"], "ExecCredential");
  EXPECT_EQ((*info)["apiVersion"], kV1);
  EXPECT_EQ((*info)["spec"]["interactive"], false);
  EXPECT_FALSE((*info)["spec"].contains("cluster"));  // provideClusterInfo is false
}

TEST_F(AuthTest, ExecPluginGetsClusterInfoWhenAskedFor) {
  Config config = ExecConfigFor(kV1Beta1, "t", "");
  config.exec->provide_cluster_info = true;
  ASSERT_TRUE(NewAuthenticator(config)->Header().ok());
  auto info = ParseJson(Read("info"));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ((*info)["apiVersion"], kV1Beta1);
  const Json& cluster = (*info)["spec"]["cluster"];
  EXPECT_EQ(cluster["server"], "https://10.0.0.1:6443");
  EXPECT_EQ(cluster["tls-server-name"], "api.internal");
  EXPECT_EQ(cluster["certificate-authority-data"], "Q0EtUEVN");  // base64("CA-PEM")
}

TEST_F(AuthTest, ConcurrentHeaderCallsRunThePluginOnce) {
  Config config = ExecConfigRunning(
      "sleep 0.2\n"
      "echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\","
      "\"status\":{\"token\":\"shared\"}}'\n");
  auto auth = NewAuthenticator(config);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto h = auth->Header();
      if (h.ok() && *h == "Bearer shared") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(Runs(), 1);
}

TEST_F(AuthTest, ExecPluginExitCodeStderrAndInstallHintAreReported) {
  Config config = ExecConfigRunning("echo 'token expired, run login' >&2\nexit 3\n");
  config.exec->install_hint = "Install it with: brew install thing";
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code(), Code::kUnauthorized);
  const std::string& m = header.error().message();
  EXPECT_THAT(m, HasSubstr("exec plugin " + config.exec->command + ": failed with exit code 3"));
  EXPECT_THAT(m, HasSubstr("token expired, run login"));
  EXPECT_THAT(m, HasSubstr("brew install thing"));
}

TEST_F(AuthTest, LongStderrIsTruncated) {
  Config config = ExecConfigRunning(
      "i=0; while [ $i -lt 200 ]; do printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' >&2;"
      " i=$((i+1)); done\nexit 1\n");
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_LT(header.error().message().size(), 1000u);
  EXPECT_THAT(header.error().message(), HasSubstr("..."));
}

TEST_F(AuthTest, GarbageOutputIsADecodeErrorThatDoesNotEchoStdout) {
  Config config = ExecConfigRunning(std::string("echo 'token: ") + kSecret + "'\n");
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(),
              HasSubstr("exec plugin " + config.exec->command + ": decoding stdout: "));
  EXPECT_THAT(header.error().message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(header.error().message(), Not(HasSubstr("token:")));
}

TEST_F(AuthTest, WrongApiVersionIsAnError) {
  Config config = ExecConfigFor(kV1, kSecret, "");
  config.exec->env[1].second = kV1Beta1;  // the plugin answers v1beta1
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(),
              HasSubstr("configured to use API version client.authentication.k8s.io/v1, plugin "
                        "returned version client.authentication.k8s.io/v1beta1"));
  EXPECT_THAT(header.error().message(), Not(HasSubstr(kSecret)));
}

TEST_F(AuthTest, MissingTokenIsAnError) {
  auto header = NewAuthenticator(ExecConfigFor(kV1, "", ""))->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("returned no token"));

  Config config = ExecConfigRunning(
      "echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\"}'\n");
  header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("no status"));
}

TEST_F(AuthTest, CertificateOnlyCredentialsAreNotSupportedYet) {
  Config config = ExecConfigRunning(
      std::string("echo '{\"kind\":\"ExecCredential\",\"apiVersion\":"
                  "\"client.authentication.k8s.io/v1\",\"status\":{\"clientCertificateData\":"
                  "\"CERT\",\"clientKeyData\":\"") +
      kSecret + "\"}}'\n");
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("only tokens are supported"));
  EXPECT_THAT(header.error().message(), Not(HasSubstr(kSecret)));
}

TEST_F(AuthTest, BadExpirationTimestampIsAnError) {
  auto header = NewAuthenticator(ExecConfigFor(kV1, kSecret, "tomorrow"))->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("status.expirationTimestamp"));
  EXPECT_THAT(header.error().message(), Not(HasSubstr(kSecret)));
}

TEST_F(AuthTest, InteractiveModeAlwaysCannotBeHonoured) {
  Config config = ExecConfigFor(kV1, "t", "");
  config.exec->interactive_mode = "Always";
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("standard input is not a terminal"));
  EXPECT_EQ(Runs(), 0);
}

TEST_F(AuthTest, MissingExecutableIsReportedWithInstallHint) {
  Config config = ExecConfigFor(kV1, "t", "");
  config.exec->command = Path("no-such-plugin");
  config.exec->install_hint = "get it from example.com";
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message(), "exec plugin " + Path("no-such-plugin") +
                                          ": executable not found\n\nget it from example.com");

  config.exec->command = "kubecpp-no-such-plugin-on-path";
  header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr("executable not found"));
}

TEST_F(AuthTest, FailedRunIsNotCachedAndInvalidateReRuns) {
  Config config =
      ExecConfigRunning("if [ -f \"" + Path("ok") +
                        "\" ]; then echo '{\"kind\":\"ExecCredential\",\"apiVersion\":"
                        "\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"'$(cat \"" +
                        Path("ok") + "\")'\"}}'; else exit 1; fi\n");
  auto auth = NewAuthenticator(config);
  EXPECT_FALSE(auth->Header().ok());
  Write("ok", "one");
  EXPECT_EQ(auth->Header().value(), "Bearer one");
  Write("ok", "two");
  EXPECT_EQ(auth->Header().value(), "Bearer one");  // cached
  auth->Invalidate();
  EXPECT_EQ(auth->Header().value(), "Bearer two");
  EXPECT_EQ(Runs(), 3);
}

}  // namespace
}  // namespace kube::client
