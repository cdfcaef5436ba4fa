#include "kubecpp/client/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/internal/exec_plugin.h"
#include "kubecpp/core/json.h"

namespace kube::client {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kV1[] = "client.authentication.k8s.io/v1";
constexpr char kV1Beta1[] = "client.authentication.k8s.io/v1beta1";
constexpr char kSecret[] = "plugin-SECRET-91ab";

// A shell command printing the ExecCredential for `token` (printf, as dash's echo
// would expand backslash escapes).
std::string EchoCredential(const std::string& token) {
  return "printf '%s\\n' '{\"kind\":\"ExecCredential\",\"apiVersion\":"
         "\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"" +
         token + "\"}}'\n";
}

// True once process `pid` has exited (gone, or a zombie nobody reaped yet); waits up
// to 5 s.
bool ExitsSoon(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

TEST_F(AuthTest, TokenFileTakesPrecedenceOverTokenBasicAndExec) {
  Config config = ExecConfigFor(kV1, "exec-token", "");
  config.username = "alice";
  config.password = "pw";
  EXPECT_THAT(NewAuthenticator(config)->Header().value(), HasSubstr("Basic "));
  config.bearer_token = "static";
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer static");
  config.bearer_token_file = Write("token", "file-token");
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer file-token");
  EXPECT_EQ(Runs(), 0);
}

TEST_F(AuthTest, StaticTokenServesWhileTheTokenFileCannotBeRead) {
  ManualClock clock;
  Config config;
  config.bearer_token = "static";
  config.bearer_token_file = Path("token");  // not there yet
  auto auth = NewAuthenticator(config, clock);
  EXPECT_EQ(auth->Header().value(), "Bearer static");
  EXPECT_TRUE(auth->Invalidate("Bearer static"));
  Write("token", "file-token");
  EXPECT_EQ(auth->Header().value(), "Bearer file-token");
  // Once read, the file's last token outlives the file, as without a static token.
  fs::remove(Path("token"));
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(auth->Header().value(), "Bearer file-token");
}

TEST_F(AuthTest, StaticCredentialsCannotBeRefreshed) {
  Config config;
  EXPECT_FALSE(NewAuthenticator(config)->Invalidate(""));
  config.bearer_token = "abc";
  auto auth = NewAuthenticator(config);
  EXPECT_FALSE(auth->Invalidate("Bearer abc"));
  EXPECT_EQ(auth->Header().value(), "Bearer abc");
  config.bearer_token = "";
  config.username = "alice";
  auth = NewAuthenticator(config);
  EXPECT_FALSE(auth->Invalidate(auth->Header().value()));
}

TEST_F(AuthTest, TokensThatWouldBreakTheHeaderAreRejectedWithoutQuotingThem) {
  const std::string bad_tokens[] = {std::string(kSecret) + "\r\nX-Injected: 1",
                                    std::string(kSecret) + "\nX", std::string(kSecret) + "\rX",
                                    std::string(kSecret) + std::string(1, '\0') + "X"};
  for (const std::string& bad : bad_tokens) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    Config config;
    config.source = "/home/me/.kube/config";
    config.bearer_token = bad;
    auto header = NewAuthenticator(config)->Header();
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().code(), Code::kUnauthorized);
    EXPECT_EQ(header.error().message(),
              "bearer token of /home/me/.kube/config: contains a line break or NUL byte");

    // Token file: surrounding whitespace is trimmed, but not a break inside.
    config.bearer_token = "";
    config.bearer_token_file = Write("token", "\n" + bad + "\n");
    header = NewAuthenticator(config)->Header();
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().code(), Code::kUnauthorized);
    EXPECT_EQ(header.error().message(),
              "token file " + Path("token") + ": contains a line break or NUL byte");
  }

  // Exec plugins: JSON escapes let status.token hold any character.
  for (const char* escape : {"\\r\\n", "\\n", "\\u0000"}) {
    SCOPED_TRACE(escape);
    Config config = ExecConfigRunning(EchoCredential(std::string(kSecret) + escape + "X"));
    auto header = NewAuthenticator(config)->Header();
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().code(), Code::kUnauthorized);
    EXPECT_EQ(header.error().message(), "exec plugin " + config.exec->command +
                                            ": status.token contains a line break or NUL byte");
  }
}

TEST_F(AuthTest, UnreadableTokenFileWithABrokenStaticTokenReportsTheStaticToken) {
  Config config;
  config.bearer_token = std::string(kSecret) + "\n";
  config.bearer_token_file = Path("missing");
  auto header = NewAuthenticator(config)->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message(), "bearer token: contains a line break or NUL byte");
  // A readable file wins, so the static token does not matter.
  Write("missing", "file-token");
  EXPECT_EQ(NewAuthenticator(config)->Header().value(), "Bearer file-token");
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

  // Invalidating the current token forces a re-read too; a stale one does not.
  Write("token", "token-cccc");
  SetMtime(config.bearer_token_file, 100);
  EXPECT_TRUE(auth->Invalidate("Bearer token-aaaa"));
  EXPECT_EQ(auth->Header().value(), "Bearer token-bbbb");
  EXPECT_TRUE(auth->Invalidate("Bearer token-bbbb"));
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
  EXPECT_TRUE(auth->Invalidate("Bearer beta-token"));
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
  EXPECT_TRUE(auth->Invalidate("Bearer one"));
  EXPECT_EQ(auth->Header().value(), "Bearer two");
  EXPECT_EQ(Runs(), 3);
}

// A plugin whose token is tok-<number of runs so far>.
std::string CountingPlugin(const std::string& runs_path) {
  return "n=$(wc -l < \"" + runs_path + "\")\n" + EchoCredential("tok-'$((n))'");
}

TEST_F(AuthTest, ConcurrentInvalidatesOfTheSameHeaderRunThePluginOnce) {
  auto auth = NewAuthenticator(ExecConfigRunning(CountingPlugin(Path("runs"))));
  const std::string first = auth->Header().value();
  ASSERT_EQ(first, "Bearer tok-1");

  // Two requests carrying the same token both get a 401.
  std::latch start(2);
  std::string headers[2];
  bool retry[2] = {false, false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      retry[i] = auth->Invalidate(first);
      headers[i] = auth->Header().value_or("error");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(retry[0]);
  EXPECT_TRUE(retry[1]);
  EXPECT_EQ(headers[0], "Bearer tok-2");
  EXPECT_EQ(headers[1], "Bearer tok-2");
  EXPECT_EQ(Runs(), 2);

  // A late 401 for the old token does not throw away the fresh one.
  EXPECT_TRUE(auth->Invalidate(first));
  EXPECT_TRUE(auth->Invalidate(""));
  EXPECT_TRUE(auth->Invalidate("Bearer tok-2x"));
  EXPECT_EQ(auth->Header().value(), "Bearer tok-2");
  EXPECT_EQ(Runs(), 2);
  EXPECT_TRUE(auth->Invalidate("Bearer tok-2"));
  EXPECT_EQ(auth->Header().value(), "Bearer tok-3");
}

TEST_F(AuthTest, HungPluginIsKilledWithItsChildrenAtTheDeadline) {
  ManualClock clock;
  Config config = ExecConfigRunning("echo about to hang >&2\nsleep 1000 &\necho $! > \"" +
                                    Path("pid") + "\"\nwait\n");
  auto auth = internal::NewAuthenticator(config, clock, std::chrono::seconds(1));
  auto start = std::chrono::steady_clock::now();
  auto header = auth->Header();
  EXPECT_LT(SecondsSince(start), 10);
  EXPECT_GE(SecondsSince(start), 0.9);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code(), Code::kUnauthorized);
  EXPECT_EQ(header.error().message(),
            "exec plugin " + config.exec->command + ": timed out after 1s: stderr: about to hang");
  EXPECT_TRUE(ExitsSoon(std::stoi(Read("pid"))));  // the grandchild too

  auth = internal::NewAuthenticator(config, clock, std::chrono::milliseconds(300));
  header = auth->Header();
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr(": timed out after 300ms"));
}

TEST_F(AuthTest, PluginThatClosesItsOutputAndKeepsRunningTimesOut) {
  ManualClock clock;
  Config config = ExecConfigRunning(EchoCredential("t") + "exec >/dev/null 2>&1\nsleep 1000\n");
  auto start = std::chrono::steady_clock::now();
  auto header = internal::NewAuthenticator(config, clock, std::chrono::milliseconds(500))->Header();
  EXPECT_LT(SecondsSince(start), 10);
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(header.error().message(), HasSubstr(": timed out after 500ms"));
}

TEST_F(AuthTest, ProcessLeftHoldingThePluginsOutputDoesNotBlockIt) {
  // The plugin prints its credential and exits, but a background `sleep` keeps stdout
  // and stderr open. The output is used once the plugin has exited, well before the
  // deadline, and the leftover process is killed.
  ManualClock clock;
  Config config =
      ExecConfigRunning("sleep 1000 &\necho $! > \"" + Path("pid") + "\"\n" + EchoCredential("bg"));
  auto start = std::chrono::steady_clock::now();
  auto header = internal::NewAuthenticator(config, clock, std::chrono::seconds(30))->Header();
  EXPECT_LT(SecondsSince(start), 10);
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_EQ(*header, "Bearer bg");
  EXPECT_TRUE(ExitsSoon(std::stoi(Read("pid"))));

  // With a deadline shorter than the grace period, the deadline still bounds the run.
  start = std::chrono::steady_clock::now();
  header = internal::NewAuthenticator(config, clock, std::chrono::milliseconds(300))->Header();
  EXPECT_LT(SecondsSince(start), 0.9);
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_TRUE(ExitsSoon(std::stoi(Read("pid"))));
}

TEST_F(AuthTest, PluginGetsItsOwnProcessGroupAndDefaultSignalState) {
  // This process blocks SIGTERM and ignores SIGINT and SIGCHLD; the plugin must not
  // inherit any of it. With SIGCHLD ignored the kernel reaps the plugin, so its exit
  // status is unknown and its output decides.
  Config config =
      ExecConfigRunning("awk '{print $1, $5}' /proc/$$/stat > \"" + Path("pgrp") + "\"\n" +
                        // Read by the shell itself: a child (grep) could catch the
                        // shell mid-fork, when shells block every signal.
                        "while read -r k v; do case $k in SigBlk:|SigIgn:) printf "
                        "'%s\\t%s\\n' \"$k\" \"$v\";; esac; done < /proc/$$/status > \"" +
                        Path("signals") + "\"\n" + EchoCredential("sig"));
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &old_mask), 0);
  auto old_int = ::signal(SIGINT, SIG_IGN);
  auto old_chld = ::signal(SIGCHLD, SIG_IGN);
  auto header = NewAuthenticator(config)->Header();
  ::signal(SIGCHLD, old_chld);
  ::signal(SIGINT, old_int);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_EQ(*header, "Bearer sig");

  std::istringstream pgrp(Read("pgrp"));
  long pid = 0, group = 0;
  pgrp >> pid >> group;
  EXPECT_NE(pid, 0);
  EXPECT_EQ(group, pid);
  EXPECT_NE(group, static_cast<long>(::getpgrp()));

  std::string signals = Read("signals");
  EXPECT_THAT(signals, HasSubstr("SigBlk:\t0000000000000000"));
  std::istringstream lines(signals);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("SigIgn:")) continue;
    unsigned long long ignored = std::stoull(line.substr(7), nullptr, 16);
    EXPECT_EQ(ignored & (1ull << (SIGINT - 1)), 0u) << line;
    EXPECT_EQ(ignored & (1ull << (SIGCHLD - 1)), 0u) << line;
  }
}

}  // namespace
}  // namespace kube::client
