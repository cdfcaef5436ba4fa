#include "kubecpp/testing/envtest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "kubecpp/core/internal/base64.h"
#include "kubecpp/core/json.h"
#include "kubecpp/testing/pki.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"

namespace kube::testing {
namespace {

constexpr std::string_view kBuildHint = "build it with scripts/build-envtest.sh";
constexpr std::chrono::milliseconds kPollInterval{100};
constexpr std::chrono::milliseconds kProbeTimeout{5000};
constexpr int kLogTailLines = 30;
constexpr std::string_view kTempPrefix = "kubecpp-envtest-";
constexpr std::string_view kOwnerFile = "owner.pid";

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

Status WriteFile(const std::string& path, std::string_view content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return InternalError(Errno("cannot create " + path));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = InternalError(Errno("cannot write " + path));
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::close(fd) != 0) {
    return InternalError(Errno("cannot write " + path));
  }
  return Status();
}

// The last `lines` lines of a log file, indented, for error messages.
std::string LogTail(const std::string& path, int lines = kLogTailLines) {
  std::ifstream in(path);
  if (!in) return "  (no log at " + path + ")";
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(std::move(line));
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out = "last lines of " + path + ":";
  for (const auto& l : tail) out += "\n  " + l;
  return out;
}

// `n` distinct free loopback TCP ports. The sockets are held until all are chosen so
// the kernel hands out different ones; another process may still take one before the
// child binds it (the same race controller-runtime's envtest accepts).
Result<std::vector<uint16_t>> FreePorts(int n) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  Status error;
  for (int i = 0; i < n && error.ok(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = InternalError(Errno("socket"));
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      error = InternalError(Errno("choosing a free port"));
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (!error.ok()) return error;
  return ports;
}

// Starts `path` with `args`, stdin from /dev/null and stdout+stderr appended to
// `log_path`, in a process group of its own, killed when the calling thread exits.
Result<pid_t> Spawn(const std::string& path, const std::vector<std::string>& args,
                    const std::string& log_path) {
  // Everything the child needs is prepared before fork(): after it only
  // async-signal-safe calls are allowed (this process has other threads).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return InternalError(Errno("cannot create " + log_path));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    return InternalError(Errno("cannot open /dev/null"));
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // a terminal's Ctrl-C reaches our handler, not the children
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // Signal mask and ignored signals survive exec; the caller may block SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    constexpr char kMsg[] = "envtest: exec failed\n";
    [[maybe_unused]] ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    return InternalError(Errno("fork"));
  }
  return pid;
}

// GET `target` on `transport`; the status code, or 0 when the request failed.
int Probe(transport::Transport& transport, const std::string& target, std::string* body) {
  transport::Request request;
  request.target = target;
  request.timeout = kProbeTimeout;
  auto response = transport.Send(request, {});
  if (!response) return 0;
  if (body != nullptr) *body = response->body;
  return response->status_code;
}

// etcd's JSON gateway encodes int64 as a string.
std::optional<int64_t> JsonInt(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) return std::nullopt;
  return static_cast<int64_t>(v);
}

// Removes the folders of earlier EnvTests under `root` whose process is gone (it
// crashed, so its destructor never ran; its children died with it).
void RemoveAbandonedFolders(const std::string& root) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kTempPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
    std::ifstream in(entry.path() / kOwnerFile);
    long pid = 0;
    if (!(in >> pid) || pid <= 0) continue;  // being created, or not ours
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

std::string DefaultEnvTestBinaryDir() {
  if (const char* dir = std::getenv("KUBECPP_ENVTEST_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/bin";
  }
  const char* home = std::getenv("HOME");
  std::string base = (home != nullptr && *home != '\0') ? home : "/tmp";
  return base + "/.cache/kubecpp/envtest/bin";
}

EnvTest::EnvTest(EnvTestOptions options) : options_(std::move(options)) {}

EnvTest::~EnvTest() { (void)Stop(); }

Clock& EnvTest::clock() const { return options_.clock != nullptr ? *options_.clock : RealClock(); }

Status EnvTest::Start() {
  assert(!running() && "EnvTest::Start called twice");
  binary_dir_ = options_.binary_dir.empty() ? DefaultEnvTestBinaryDir() : options_.binary_dir;
  for (const char* name : {"etcd", "kube-apiserver"}) {
    std::string path = binary_dir_ + "/" + name;
    if (::access(path.c_str(), X_OK) != 0) {
      return NotFoundError(std::string(name) + " not found at " + path + "; " +
                           std::string(kBuildHint) + " (or set KUBECPP_ENVTEST_DIR)");
    }
  }
  Status s = StartProcesses();
  if (!s.ok()) (void)Stop();
  return s;
}

Status EnvTest::StartProcesses() {
  const Clock::TimePoint deadline = clock().Now() + options_.startup_timeout;

  // Temporary folder.
  std::string root = options_.temp_root;
  if (root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    root = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  RemoveAbandonedFolders(root);
  std::string pattern = root + "/" + std::string(kTempPrefix) + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return InternalError(Errno("cannot create a temporary folder in " + root));
  }
  temp_dir_ = pattern;
  const std::string dir = temp_dir_;
  KUBE_RETURN_IF_ERROR(
      WriteFile(dir + "/" + std::string(kOwnerFile), std::to_string(::getpid()) + "\n", 0644));

  // PKI: one CA signs the serving and the client certificates.
  auto ca = GenerateCa("kubecpp-envtest-ca");
  if (!ca) return ca.error();
  auto serving = IssueCertificate(
      *ca, CertificateRequest{.common_name = "kube-apiserver",
                              .dns_names = {"localhost", "kubernetes", "kubernetes.default",
                                            "kubernetes.default.svc"},
                              .ip_addresses = {"127.0.0.1", "10.0.0.1"},
                              .server = true});
  if (!serving) return serving.error();
  auto admin = IssueCertificate(
      *ca, CertificateRequest{
               .common_name = "admin", .organizations = {"system:masters"}, .server = false});
  if (!admin) return admin.error();
  // The service-account key: the private key signs tokens; the self-signed
  // certificate carries the public key that verifies them.
  auto sa = GenerateCa("kubecpp-envtest-service-accounts");
  if (!sa) return sa.error();
  const std::vector<std::pair<std::string, const std::string*>> files = {
      {"ca.crt", &ca->cert_pem},
      {"apiserver.crt", &serving->cert_pem},
      {"apiserver.key", &serving->key_pem},
      {"sa.pub", &sa->cert_pem},
      {"sa.key", &sa->key_pem}};
  for (const auto& [name, content] : files) {
    KUBE_RETURN_IF_ERROR(WriteFile(dir + "/" + name, *content, 0600));
  }
  if (::mkdir((dir + "/apiserver-certs").c_str(), 0700) != 0) {
    return InternalError(Errno("cannot create " + dir + "/apiserver-certs"));
  }

  auto ports = FreePorts(3);
  if (!ports) return ports.error();
  const std::string etcd_client = "http://127.0.0.1:" + std::to_string((*ports)[0]);
  const std::string etcd_peer = "http://127.0.0.1:" + std::to_string((*ports)[1]);
  const std::string secure_port = std::to_string((*ports)[2]);
  etcd_url_ = etcd_client;

  config_ = client::Config{};
  config_.server = "https://127.0.0.1:" + secure_port;
  config_.tls.ca_pem = ca->cert_pem;
  config_.tls.client_cert_pem = admin->cert_pem;
  config_.tls.client_key_pem = admin->key_pem;
  config_.source = "envtest " + dir;
  config_.context = "envtest";

  // etcd.
  std::vector<std::string> etcd_args = {
      "--name=envtest",
      "--data-dir=" + dir + "/etcd-data",
      "--listen-client-urls=" + etcd_client,
      "--advertise-client-urls=" + etcd_client,
      "--listen-peer-urls=" + etcd_peer,
      "--initial-advertise-peer-urls=" + etcd_peer,
      "--initial-cluster=envtest=" + etcd_peer,
      // Test data need not survive a power cut; fsync dominates write latency.
      "--unsafe-no-fsync=true",
  };
  etcd_args.insert(etcd_args.end(), options_.etcd_flags.begin(), options_.etcd_flags.end());
  auto etcd = Spawn(binary_dir_ + "/etcd", etcd_args, dir + "/etcd.log");
  if (!etcd) return etcd.error();
  etcd_pid_ = *etcd;
  KUBE_RETURN_IF_ERROR(WaitForEtcd(deadline));

  // kube-apiserver, with controller-runtime envtest's flags.
  std::vector<std::string> apiserver_args = {
      "--etcd-servers=" + etcd_client,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--secure-port=" + secure_port,
      "--cert-dir=" + dir + "/apiserver-certs",
      "--tls-cert-file=" + dir + "/apiserver.crt",
      "--tls-private-key-file=" + dir + "/apiserver.key",
      "--client-ca-file=" + dir + "/ca.crt",
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-account-key-file=" + dir + "/sa.pub",
      "--service-account-signing-key-file=" + dir + "/sa.key",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--disable-admission-plugins=ServiceAccount",
      "--allow-privileged=true",
      // The "kubernetes" Service's Endpoints cannot hold a loopback address.
      "--endpoint-reconciler-type=none",
  };
  apiserver_args.insert(apiserver_args.end(), options_.apiserver_flags.begin(),
                        options_.apiserver_flags.end());
  auto apiserver =
      Spawn(binary_dir_ + "/kube-apiserver", apiserver_args, dir + "/kube-apiserver.log");
  if (!apiserver) return apiserver.error();
  apiserver_pid_ = *apiserver;
  return WaitForApiserver(deadline);
}

Status EnvTest::CheckAlive(pid_t* pid, const std::string& name, const std::string& log) {
  int status = 0;
  pid_t r = ::waitpid(*pid, &status, WNOHANG);
  if (r == 0) return Status();
  if (r < 0 && errno == EINTR) return Status();
  std::string how = "exited";
  if (r == *pid) {
    *pid = -1;
    how = WIFEXITED(status)     ? "exited with status " + std::to_string(WEXITSTATUS(status))
          : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                : "stopped";
  } else {
    *pid = -1;
  }
  return UnavailableError(name + " " + how + " during startup; " + LogTail(log));
}

Status EnvTest::WaitForEtcd(Clock::TimePoint deadline) {
  auto transport = transport::NewCpprestTransport({.server = etcd_url_});
  if (!transport) return transport.error();
  const std::string log = temp_dir_ + "/etcd.log";
  while (true) {
    KUBE_RETURN_IF_ERROR(CheckAlive(&etcd_pid_, "etcd", log));
    std::string body;
    if (Probe(**transport, "/health", &body) == 200) {
      auto health = ParseJson(body);
      if (health && health->is_object() && health->contains("health") &&
          (*health)["health"] == "true") {
        return Status();
      }
    }
    if (clock().Now() >= deadline) {
      return TimeoutError("etcd at " + etcd_url_ + " not healthy within " +
                          std::to_string(options_.startup_timeout.count()) + " ms; " +
                          LogTail(log));
    }
    clock().SleepFor(kPollInterval, {});
  }
}

Status EnvTest::WaitForApiserver(Clock::TimePoint deadline) {
  auto transport = transport::NewCpprestTransport({.server = config_.server, .tls = config_.tls});
  if (!transport) return transport.error();
  const std::string log = temp_dir_ + "/kube-apiserver.log";
  // /readyz covers etcd, the RBAC bootstrap roles and the CRD and aggregation
  // controllers; the "default" namespace is made by a controller after that.
  for (const char* target : {"/readyz", "/api/v1/namespaces/default"}) {
    int last_code = 0;
    std::string last_body;
    while (true) {
      KUBE_RETURN_IF_ERROR(CheckAlive(&etcd_pid_, "etcd", temp_dir_ + "/etcd.log"));
      KUBE_RETURN_IF_ERROR(CheckAlive(&apiserver_pid_, "kube-apiserver", log));
      last_code = Probe(**transport, target, &last_body);
      if (last_code == 200) break;
      if (clock().Now() >= deadline) {
        return TimeoutError("kube-apiserver at " + config_.server + " not ready within " +
                            std::to_string(options_.startup_timeout.count()) + " ms (GET " +
                            target + ": " +
                            (last_code == 0 ? std::string("no answer")
                                            : std::to_string(last_code) + " " + last_body) +
                            "); " + LogTail(log));
      }
      clock().SleepFor(kPollInterval, {});
    }
  }
  return Status();
}

bool EnvTest::Terminate(pid_t* pid) {
  if (*pid <= 0) return true;
  bool graceful = true;
  ::kill(*pid, SIGTERM);
  const Clock::TimePoint deadline = clock().Now() + options_.stop_grace;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(*pid, &status, WNOHANG);
    if (r == *pid || (r < 0 && errno != EINTR)) break;
    if (clock().Now() >= deadline) {
      graceful = false;
      ::kill(*pid, SIGKILL);
      while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    clock().SleepFor(std::chrono::milliseconds(20), {});
  }
  *pid = -1;
  return graceful;
}

Status EnvTest::Stop() {
  std::string problems;
  // The apiserver first, so it does not spend its grace period retrying etcd.
  if (!Terminate(&apiserver_pid_)) problems += "kube-apiserver needed SIGKILL; ";
  if (!Terminate(&etcd_pid_)) problems += "etcd needed SIGKILL; ";
  if (!temp_dir_.empty() && !options_.keep_temp_dir) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
    if (ec) problems += "cannot remove " + temp_dir_ + ": " + ec.message();
  }
  temp_dir_.clear();
  if (!problems.empty()) return InternalError("envtest: " + problems);
  return Status();
}

std::string EnvTest::Kubeconfig() const {
  Json cluster = {{"server", config_.server},
                  {"certificate-authority-data", internal::Base64Encode(config_.tls.ca_pem)}};
  Json user = {{"client-certificate-data", internal::Base64Encode(config_.tls.client_cert_pem)},
               {"client-key-data", internal::Base64Encode(config_.tls.client_key_pem)}};
  Json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", "envtest"}, {"cluster", cluster}}}},
      {"users", {{{"name", "envtest"}, {"user", user}}}},
      {"contexts",
       {{{"name", "envtest"},
         {"context", {{"cluster", "envtest"}, {"user", "envtest"}, {"namespace", "default"}}}}}},
      {"current-context", "envtest"},
      {"preferences", Json::object()}};
  return config.dump(2) + "\n";
}

Status EnvTest::WriteKubeconfig(const std::string& path) const {
  return WriteFile(path, Kubeconfig(), 0600);
}

Result<int64_t> EnvTest::CompactEtcd() {
  auto transport = transport::NewCpprestTransport({.server = etcd_url_});
  if (!transport) return transport.error();
  auto post = [&](std::string target, Json body) -> Result<Json> {
    transport::Request request;
    request.method = "POST";
    request.target = std::move(target);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
    request.timeout = std::chrono::seconds(30);
    auto response = (*transport)->Send(request, {});
    if (!response) return response.error();
    if (response->status_code != 200) {
      // Compacting to the revision compacted last time: nothing left to do.
      if (response->body.find("required revision has been compacted") != std::string::npos) {
        return Json::object();
      }
      return UnavailableError("etcd " + request.target + ": " +
                              std::to_string(response->status_code) + " " + response->body);
    }
    auto json = ParseJson(response->body);
    if (!json || !json->is_object()) {
      return UnavailableError("etcd " + request.target + ": unreadable answer " + response->body);
    }
    return std::move(*json);
  };
  // Any read returns the store's current revision in its header.
  auto range = post("/v3/kv/range", {{"key", internal::Base64Encode("/")}, {"count_only", true}});
  if (!range) return range.error();
  auto header = range->find("header");
  std::optional<int64_t> revision;
  if (header != range->end() && header->is_object()) revision = JsonInt(*header, "revision");
  if (!revision) return UnavailableError("etcd /v3/kv/range: no revision in the answer");
  auto compacted =
      post("/v3/kv/compaction", {{"revision", std::to_string(*revision)}, {"physical", true}});
  if (!compacted) return compacted.error();
  return *revision;
}

}  // namespace kube::testing
