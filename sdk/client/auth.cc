#include "kubecpp/client/auth.h"
#include "kubecpp/core/internal/base64.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "kubecpp/client/internal/exec_plugin.h"
#include "kubecpp/core/internal/strings.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/time.h"

extern char** environ;  // NOLINT: POSIX

namespace kube::client {
namespace {

constexpr auto kTokenFileRefresh = std::chrono::minutes(1);
constexpr size_t kMaxPluginStdout = 4 << 20;  // an ExecCredential is a few KiB
constexpr size_t kMaxStderrInError = 1024;
// Once a plugin has exited, how long its stdout and stderr may stay open (held by a
// process it left behind) before they are abandoned and its process group killed;
// Go's exec.Cmd.WaitDelay. Never past the run's deadline.
constexpr auto kPipeDrainAfterExit = std::chrono::seconds(1);
// How often to check whether a plugin with open pipes has exited.
constexpr auto kChildPollInterval = std::chrono::milliseconds(50);
constexpr std::string_view kBearerPrefix = "Bearer ";

using kube::internal::TrimSpace;

Status Unauthorized(std::string message) { return Status(Code::kUnauthorized, std::move(message)); }

// True when `token` cannot go into an Authorization header: a CR or LF would let it
// inject headers, and a NUL truncates it. Messages about it never quote the token.
bool BreaksHeader(std::string_view token) {
  return token.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}
constexpr char kBreaksHeader[] = "contains a line break or NUL byte";

// True when `header` is "Bearer <token>" for this (non-empty) token.
bool IsBearerFor(std::string_view header, std::string_view token) {
  return !token.empty() && header.size() == kBearerPrefix.size() + token.size() &&
         header.starts_with(kBearerPrefix) && header.substr(kBearerPrefix.size()) == token;
}

// The header for config.bearer_token, or kUnauthorized when it cannot be one.
// REQUIRES: !config.bearer_token.empty().
Result<std::string> StaticBearer(const Config& config) {
  if (BreaksHeader(config.bearer_token)) {
    std::string source = config.source.empty() ? "" : " of " + config.source;
    return Unauthorized("bearer token" + source + ": " + kBreaksHeader);
  }
  return std::string(kBearerPrefix) + config.bearer_token;
}

std::string FormatTimeout(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// ---------------------------------------------------------------------------

class NoAuthenticator final : public Authenticator {
 public:
  Result<std::string> Header() override { return std::string(); }
  bool Invalidate(std::string_view) override { return false; }
};

// A bearer token or basic-auth header fixed at construction (or the error that makes
// the configured one unusable).
class StaticAuthenticator final : public Authenticator {
 public:
  explicit StaticAuthenticator(Result<std::string> header) : header_(std::move(header)) {}
  Result<std::string> Header() override { return header_; }
  bool Invalidate(std::string_view) override { return false; }

 private:
  const Result<std::string> header_;
};

// A token file (bound service-account tokens rotate): re-read when its modification
// time changes, at least every minute, and after Invalidate() of the token it holds.
// A failed re-read keeps the previous token, as client-go's cachingTokenSource does.
// When the file has never been read successfully, the config's static token (if any)
// stands in, as in client-go's bearerAuthRoundTripper; otherwise that is an error.
class TokenFileAuthenticator final : public Authenticator {
 public:
  TokenFileAuthenticator(std::string path, std::optional<Result<std::string>> fallback,
                         Clock& clock)
      : path_(std::move(path)), fallback_(std::move(fallback)), clock_(clock) {}

  Result<std::string> Header() override {
    std::lock_guard<std::mutex> lock(mu_);
    Clock::TimePoint now = clock_.Now();
    struct stat st {};
    bool stat_ok = ::stat(path_.c_str(), &st) == 0;
    int stat_errno = errno;
    bool changed = stat_ok && (st.st_mtim.tv_sec != mtime_.tv_sec ||
                               st.st_mtim.tv_nsec != mtime_.tv_nsec || st.st_size != size_);
    if (token_.empty() || stale_ || changed || now - read_at_ >= kTokenFileRefresh) {
      Status s = stat_ok ? Read(st, now) : Unauthorized(ReadError(stat_errno));
      if (!s.ok() && token_.empty()) {
        if (fallback_) return *fallback_;
        return s;
      }
      // Otherwise keep serving the previous token until the file is readable again.
    }
    return std::string(kBearerPrefix) + token_;
  }

  bool Invalidate(std::string_view rejected) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Only when the rejected token is still the one held: after one re-read, further
    // 401s for the old token must not force another.
    if (IsBearerFor(rejected, token_)) stale_ = true;
    return true;
  }

 private:
  std::string ReadError(int err) const {
    return "token file " + path_ + ": cannot read: " + std::strerror(err);
  }

  Status Read(const struct stat& st, Clock::TimePoint now) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path_.c_str(), "rb"), &std::fclose);
    if (!file) return Unauthorized(ReadError(errno));
    std::string data;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0) data.append(buf, n);
    if (std::ferror(file.get())) return Unauthorized(ReadError(errno));
    std::string token = TrimSpace(data);
    if (token.empty()) return Unauthorized("token file " + path_ + ": empty");
    if (BreaksHeader(token)) return Unauthorized("token file " + path_ + ": " + kBreaksHeader);
    token_ = std::move(token);
    mtime_ = st.st_mtim;
    size_ = st.st_size;
    read_at_ = now;
    stale_ = false;
    return Status();
  }

  const std::string path_;
  // The header for the config's static token, if it has one.
  const std::optional<Result<std::string>> fallback_;
  Clock& clock_;
  std::mutex mu_;
  std::string token_;           // GUARDED_BY(mu_); "" until the first good read
  struct timespec mtime_ {};    // GUARDED_BY(mu_); of the file when token_ was read
  off_t size_ = 0;              // GUARDED_BY(mu_)
  Clock::TimePoint read_at_{};  // GUARDED_BY(mu_)
  bool stale_ = false;          // GUARDED_BY(mu_); set by Invalidate()
};

// ---------------------------------------------------------------------------
// Exec credential plugins (client.authentication.k8s.io).

struct PluginOutput {
  bool status_known = true;  // false when the plugin was reaped elsewhere (SIGCHLD ignored)
  int exit_code = 0;         // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;  // still running at the deadline, so killed
  std::string stdout_;
  std::string stderr_;
  bool stdout_truncated = false;
};

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// posix_spawn file actions and attributes, destroyed on scope exit. error() is the
// first failure of init or of a Check()ed setter.
class SpawnOptions {
 public:
  SpawnOptions() {
    Check(posix_spawn_file_actions_init(&actions_));
    actions_ok_ = error_ == 0;
    Check(posix_spawnattr_init(&attr_));
    attr_ok_ = error_ == 0;
  }
  ~SpawnOptions() {
    if (attr_ok_) posix_spawnattr_destroy(&attr_);
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnOptions(const SpawnOptions&) = delete;
  SpawnOptions& operator=(const SpawnOptions&) = delete;

  void Check(int rc) {
    if (rc != 0 && error_ == 0) error_ = rc;
  }
  int error() const { return error_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
  bool actions_ok_ = false;
  bool attr_ok_ = false;
  int error_ = 0;
};

// A spawned plugin, leader of its own process group. Unless it has been reaped, scope
// exit (an error return or an exception) kills the group and reaps the plugin, so no
// path leaves a zombie or a runaway plugin behind.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) {
      KillGroup();
      Wait(/*block=*/true);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // SIGKILL to the plugin and everything it started that stayed in its group.
  void KillGroup() const { ::kill(-pid_, SIGKILL); }

  // Reaps the plugin if it has exited (waiting for that when `block`); true once it
  // has been reaped. When waitpid fails (ECHILD: the process ignores SIGCHLD, so the
  // kernel reaped it), the plugin counts as reaped with an unknown exit status.
  bool Wait(bool block) {
    while (!reaped_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
      if (r == 0) return false;
      if (r < 0 && errno == EINTR) continue;
      reaped_ = true;
      if (r < 0) {
        wait_errno_ = errno;
      } else {
        status_ = status;
        status_known_ = true;
      }
    }
    return true;
  }

  bool reaped() const { return reaped_; }
  bool status_known() const { return status_known_; }
  int status() const { return status_; }
  int wait_errno() const { return wait_errno_; }

 private:
  const pid_t pid_;
  bool reaped_ = false;
  bool status_known_ = false;
  int status_ = 0;
  int wait_errno_ = 0;
};

// Runs `argv` with `envp`, stdin from /dev/null, in its own process group with
// default signal dispositions and an empty signal mask, and collects stdout and
// stderr. After `timeout` (wall time) the process group is killed: a plugin still
// running then is reported as timed_out; one that exited but left something holding
// its output open gets its output used (see kPipeDrainAfterExit). When the command
// cannot be started, *spawn_errno is posix_spawnp's error.
Result<PluginOutput> RunPlugin(const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp,
                               std::chrono::milliseconds timeout, int* spawn_errno) {
  using SteadyClock = std::chrono::steady_clock;
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  *spawn_errno = 0;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  SpawnOptions spawn;
  spawn.Check(posix_spawn_file_actions_addopen(spawn.actions(), 0, "/dev/null", O_RDONLY, 0));
  spawn.Check(posix_spawn_file_actions_adddup2(spawn.actions(), out_write.get(), 1));
  spawn.Check(posix_spawn_file_actions_adddup2(spawn.actions(), err_write.get(), 2));
  // Its own process group (pgid 0: the child's pid), so a kill reaches whatever the
  // plugin starts; and a clean signal state whatever this process blocks or ignores.
  spawn.Check(posix_spawnattr_setflags(
      spawn.attr(),
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
  spawn.Check(posix_spawnattr_setpgroup(spawn.attr(), 0));
  sigset_t mask;
  sigemptyset(&mask);
  spawn.Check(posix_spawnattr_setsigmask(spawn.attr(), &mask));
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD}) sigaddset(&defaults, sig);
  spawn.Check(posix_spawnattr_setsigdefault(spawn.attr(), &defaults));
  if (spawn.error() != 0) {
    return InternalError(std::string("posix_spawn setup: ") + std::strerror(spawn.error()));
  }

  std::vector<char*> c_argv, c_envp;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  for (const auto& e : envp) c_envp.push_back(const_cast<char*>(e.c_str()));
  c_envp.push_back(nullptr);

  pid_t pid = 0;
  // posix_spawnp searches the caller's PATH when the command has no '/'.
  int rc =
      ::posix_spawnp(&pid, c_argv[0], spawn.actions(), spawn.attr(), c_argv.data(), c_envp.data());
  if (rc != 0) {
    *spawn_errno = rc;
    return InternalError(std::strerror(rc));
  }
  Child child(pid);
  out_write.Reset();
  err_write.Reset();

  PluginOutput result;
  struct pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  int open_fds = 2;
  std::optional<SteadyClock::time_point> drain_until;  // set when the plugin exits
  char buf[8192];
  while (open_fds > 0) {
    SteadyClock::time_point now = SteadyClock::now();
    SteadyClock::time_point limit = drain_until ? std::min(deadline, *drain_until) : deadline;
    if (now >= limit) break;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(limit - now);
    if (!child.reaped()) wait = std::min<std::chrono::milliseconds>(wait, kChildPollInterval);
    int n = ::poll(fds, 2, static_cast<int>(wait.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return InternalError(std::string("poll: ") + std::strerror(errno));  // ~Child kills
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i].fd = -1;  // closed by the child (or failed): stop polling it
        --open_fds;
        continue;
      }
      std::string& sink = i == 0 ? result.stdout_ : result.stderr_;
      size_t limit_bytes = i == 0 ? kMaxPluginStdout : kMaxStderrInError;
      size_t take =
          std::min(static_cast<size_t>(got), limit_bytes - std::min(limit_bytes, sink.size()));
      sink.append(buf, take);
      if (i == 0 && take < static_cast<size_t>(got)) result.stdout_truncated = true;
    }
    if (!child.reaped() && child.Wait(/*block=*/false)) {
      drain_until = SteadyClock::now() + kPipeDrainAfterExit;
    }
  }
  if (open_fds > 0) {
    // The deadline passed, or the plugin exited but left a process holding its output:
    // stop what is left of its process group.
    result.timed_out = !child.reaped();
    child.KillGroup();
  }
  // The plugin may also have closed its output and kept running.
  while (!child.Wait(/*block=*/false)) {
    SteadyClock::time_point now = SteadyClock::now();
    if (now >= deadline) {
      result.timed_out = true;
      child.KillGroup();
      child.Wait(/*block=*/true);
      break;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(kChildPollInterval, deadline - now));
  }
  if (child.wait_errno() != 0 && child.wait_errno() != ECHILD) {
    return InternalError(std::string("waitpid: ") + std::strerror(child.wait_errno()));
  }
  result.status_known = child.status_known();
  if (result.status_known) {
    int status = child.status();
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.exit_code = -1;
      result.signal = WTERMSIG(status);
    }
  }
  return result;
}

// The cluster part of KUBERNETES_EXEC_INFO (clientauthentication Cluster).
Json ClusterInfo(const Config& config) {
  Json cluster = Json::object();
  cluster["server"] = config.server;
  if (!config.tls.server_name.empty()) cluster["tls-server-name"] = config.tls.server_name;
  if (config.tls.insecure_skip_verify) cluster["insecure-skip-tls-verify"] = true;
  if (!config.tls.ca_pem.empty()) {
    cluster["certificate-authority-data"] = kube::internal::Base64Encode(config.tls.ca_pem);
  }
  if (!config.proxy_url.empty()) cluster["proxy-url"] = config.proxy_url;
  return cluster;
}

class ExecAuthenticator final : public Authenticator {
 public:
  ExecAuthenticator(const Config& config, Clock& clock, std::chrono::milliseconds timeout)
      : exec_(*config.exec), clock_(clock), timeout_(timeout) {
    Json info = {{"kind", "ExecCredential"},
                 {"apiVersion", exec_.api_version},
                 {"spec", {{"interactive", false}}}};
    if (exec_.provide_cluster_info) info["spec"]["cluster"] = ClusterInfo(config);
    exec_info_ = info.dump();
  }

  Result<std::string> Header() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!token_.empty() && (!expiry_ || Now() < *expiry_)) {
      return std::string(kBearerPrefix) + token_;
    }
    token_.clear();
    expiry_.reset();
    KUBE_RETURN_IF_ERROR(RunLocked());
    return std::string(kBearerPrefix) + token_;
  }

  bool Invalidate(std::string_view rejected) override {
    std::lock_guard<std::mutex> lock(mu_);
    // Only when the rejected token is still cached: of N requests that failed with it,
    // the first clears it and the plugin then runs once; the others see the new token.
    if (IsBearerFor(rejected, token_)) {
      token_.clear();
      expiry_.reset();
    }
    return true;
  }

 private:
  // Whole seconds: an expirationTimestamp past 2262 overflows nanosecond time points.
  std::chrono::sys_seconds Now() const {
    return std::chrono::floor<std::chrono::seconds>(clock_.WallNow());
  }

  Status Fail(std::string_view reason) const {
    return Unauthorized("exec plugin " + exec_.command + ": " + std::string(reason));
  }

  static std::string StderrSuffix(const PluginOutput& out) {
    std::string err = TrimSpace(out.stderr_);
    if (err.empty()) return "";
    if (err.size() > 512) err = err.substr(0, 512) + "...";
    return ": stderr: " + err;
  }

  std::vector<std::string> Environment() const {
    // The parent's environment, then the plugin's variables (later wins, as Go's
    // exec.Cmd does), then KUBERNETES_EXEC_INFO.
    std::vector<std::string> env;
    std::map<std::string, size_t> index;
    auto put = [&](std::string entry) {
      std::string name = entry.substr(0, entry.find('='));
      if (auto it = index.find(name); it != index.end()) {
        env[it->second] = std::move(entry);
      } else {
        index.emplace(std::move(name), env.size());
        env.push_back(std::move(entry));
      }
    };
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
    for (const auto& [name, value] : exec_.env) put(name + "=" + value);
    put("KUBERNETES_EXEC_INFO=" + exec_info_);
    return env;
  }

  Status RunLocked() {
    if (exec_.interactive_mode == "Always") {
      // Plugins run with stdin from /dev/null: there is never a terminal to offer.
      return Fail("interactiveMode Always needs a terminal; standard input is not a terminal");
    }
    std::vector<std::string> argv;
    argv.push_back(exec_.command);
    argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
    int spawn_errno = 0;
    auto out = RunPlugin(argv, Environment(), timeout_, &spawn_errno);
    if (!out) {
      std::string reason = "cannot run: " + out.error().message();
      if (spawn_errno == ENOENT) reason = "executable not found";
      if (!exec_.install_hint.empty()) reason += "\n\n" + exec_.install_hint;
      return Fail(reason);
    }
    if (out->timed_out) {
      return Fail("timed out after " + FormatTimeout(timeout_) + StderrSuffix(*out));
    }
    // An unknown status (the plugin was reaped elsewhere) counts as success: its
    // output decides.
    if (out->status_known && out->exit_code != 0) {
      std::string reason = out->signal != 0
                               ? "killed by signal " + std::to_string(out->signal)
                               : "failed with exit code " + std::to_string(out->exit_code);
      reason += StderrSuffix(*out);
      if (!exec_.install_hint.empty()) reason += "\n\n" + exec_.install_hint;
      return Fail(reason);
    }
    return Decode(*out);
  }

  // Parses the plugin's ExecCredential. Messages never quote stdout: it holds the
  // token.
  Status Decode(const PluginOutput& out) {
    if (out.stdout_truncated) return Fail("decoding stdout: output larger than 4 MiB");
    Json cred;
    try {
      cred = Json::parse(out.stdout_);
    } catch (const Json::parse_error& e) {
      return Fail("decoding stdout: not a JSON ExecCredential (malformed JSON at byte " +
                  std::to_string(e.byte) + ")");
    }
    if (!cred.is_object()) {
      return Fail("decoding stdout: expected a JSON object, got " +
                  std::string(JsonTypeName(cred)));
    }
    auto string_at = [&](const Json& obj, std::string_view key) -> std::optional<std::string> {
      auto it = obj.find(key);
      if (it == obj.end() || it->is_null()) return std::string();
      if (!it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    auto kind = string_at(cred, "kind");
    auto api_version = string_at(cred, "apiVersion");
    if (!kind || !api_version) return Fail("decoding stdout: kind and apiVersion must be strings");
    if (*kind != "ExecCredential") {
      return Fail("decoding stdout: kind is \"" + *kind + "\", want \"ExecCredential\"");
    }
    if (*api_version != exec_.api_version) {
      return Fail("configured to use API version " + exec_.api_version +
                  ", plugin returned version " + *api_version);
    }
    auto status = cred.find("status");
    if (status == cred.end() || status->is_null()) return Fail("no status in ExecCredential");
    if (!status->is_object()) return Fail("decoding stdout: status is not an object");
    auto token = string_at(*status, "token");
    auto cert = string_at(*status, "clientCertificateData");
    auto key = string_at(*status, "clientKeyData");
    auto expiry_text = string_at(*status, "expirationTimestamp");
    if (!token || !cert || !key || !expiry_text) {
      return Fail("decoding stdout: status fields must be strings");
    }
    if (cert->empty() != key->empty()) {
      return Fail("returned only a client certificate or key, not both");
    }
    if (token->empty()) {
      if (!cert->empty()) {
        return Fail(
            "returned a client certificate and key but no token; only tokens are "
            "supported");
      }
      return Fail("returned no token");
    }
    if (BreaksHeader(*token)) return Fail(std::string("status.token ") + kBreaksHeader);
    std::optional<std::chrono::sys_seconds> expiry;
    if (!expiry_text->empty()) {
      auto t = Time::Parse(*expiry_text);
      if (!t) return Fail("status.expirationTimestamp: " + t.error().message());
      expiry = t->time_point();
    }
    token_ = std::move(*token);
    expiry_ = expiry;
    return Status();
  }

  const ExecConfig exec_;
  Clock& clock_;
  const std::chrono::milliseconds timeout_;  // of one plugin run
  std::string exec_info_;                    // KUBERNETES_EXEC_INFO

  std::mutex mu_;      // held while the plugin runs, so concurrent callers run it once
  std::string token_;  // GUARDED_BY(mu_); "" when none is cached
  std::optional<std::chrono::sys_seconds> expiry_;  // GUARDED_BY(mu_)
};

}  // namespace

namespace internal {

std::unique_ptr<Authenticator> NewAuthenticator(const Config& config, Clock& clock,
                                                std::chrono::milliseconds exec_timeout) {
  // client-go's precedence: a token file (falling back to the static token while the
  // file cannot be read), then a static token, basic auth, an exec plugin.
  if (!config.bearer_token_file.empty()) {
    std::optional<Result<std::string>> fallback;
    if (!config.bearer_token.empty()) fallback = StaticBearer(config);
    return std::make_unique<TokenFileAuthenticator>(config.bearer_token_file, std::move(fallback),
                                                    clock);
  }
  if (!config.bearer_token.empty()) {
    return std::make_unique<StaticAuthenticator>(StaticBearer(config));
  }
  if (!config.username.empty() || !config.password.empty()) {
    return std::make_unique<StaticAuthenticator>(
        "Basic " + kube::internal::Base64Encode(config.username + ":" + config.password));
  }
  if (config.exec) return std::make_unique<ExecAuthenticator>(config, clock, exec_timeout);
  return std::make_unique<NoAuthenticator>();
}

}  // namespace internal

std::unique_ptr<Authenticator> NewAuthenticator(const Config& config, Clock& clock) {
  return internal::NewAuthenticator(config, clock, internal::kExecPluginTimeout);
}

std::unique_ptr<Authenticator> NewAuthenticator(const Config& config) {
  return NewAuthenticator(config, RealClock());
}

}  // namespace kube::client
