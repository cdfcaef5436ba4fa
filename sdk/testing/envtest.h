// EnvTest: a real kube-apiserver backed by a real etcd, started on loopback for tests
// and stopped (with its temporary folder removed) when the test is done.
//
// The binaries are built from Go modules by scripts/build-envtest.sh into
// $KUBECPP_ENVTEST_DIR/bin (default ~/.cache/kubecpp/envtest/bin). Start() makes a CA,
// a serving certificate, an admin client certificate (CN=admin, O=system:masters) and
// a service-account signing key, starts etcd and then kube-apiserver on free loopback
// ports with controller-runtime envtest's flags (RBAC, service-account issuer, the
// ServiceAccount admission plugin off, service CIDR 10.0.0.0/24), and waits for /readyz.
// config() then reaches the cluster as the admin; WriteKubeconfig() lets kubectl and
// other processes use it. No controllers run: nothing reconciles Deployments, deletes
// dependents or fills in status.
//
//   kube::testing::EnvTest env;
//   if (auto s = env.Start(); kube::IsNotFound(s)) GTEST_SKIP() << s;  // not built
//   auto client = kube::client::Client::Create(env.config());
//
// Both processes log to files in temp_dir(); a failed Start() quotes their last lines.
// They run in their own process group and are killed (SIGKILL) if the thread that
// called Start() exits first, so a crashed test leaves nothing running; the folder a
// crashed test leaves behind is removed by the next Start() under the same temp_root.
//
// Thread-safety: thread-compatible. Start() and Stop() from one thread; the accessors
// may be used from any thread while the environment runs.
#ifndef KUBECPP_TESTING_ENVTEST_H_
#define KUBECPP_TESTING_ENVTEST_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kubecpp/client/config.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"

namespace kube::testing {

struct EnvTestOptions {
  // Folder holding `etcd` and `kube-apiserver`. Default "": DefaultEnvTestBinaryDir().
  std::string binary_dir;
  // Extra kube-apiserver flags ("--feature-gates=X=true"), after the defaults; for a
  // flag given twice the last one usually wins. Default: none.
  std::vector<std::string> apiserver_flags;
  // Extra etcd flags. Default: none.
  std::vector<std::string> etcd_flags;
  // How long Start() waits for etcd to be healthy and the apiserver to be ready.
  // Default 90 s (a loaded 2-core machine needs ~15 s).
  std::chrono::milliseconds startup_timeout{std::chrono::seconds(90)};
  // How long Stop() waits after SIGTERM before SIGKILL, per process. Default 10 s.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(10)};
  // Where the temporary folder is made. Default "": $TMPDIR, else /tmp.
  std::string temp_root;
  // Keep the temporary folder (certificates, etcd data, logs) after Stop(), for
  // debugging. Default false.
  bool keep_temp_dir = false;
  // Paces the polling waits. Default null: RealClock(). Must outlive the EnvTest.
  Clock* clock = nullptr;
};

// $KUBECPP_ENVTEST_DIR/bin, else $HOME/.cache/kubecpp/envtest/bin (where
// scripts/build-envtest.sh puts the binaries).
std::string DefaultEnvTestBinaryDir();

class EnvTest {
 public:
  explicit EnvTest(EnvTestOptions options = {});
  // Stops the processes and removes the temporary folder, as Stop().
  ~EnvTest();
  EnvTest(const EnvTest&) = delete;
  EnvTest& operator=(const EnvTest&) = delete;

  // Starts etcd and kube-apiserver and blocks until /readyz answers 200 and the
  // "default" namespace exists. On failure everything started is stopped again.
  // Errors: kNotFound when a binary is missing (naming its path and
  // scripts/build-envtest.sh); kUnavailable when a process exits early and kTimeout
  // when startup_timeout passes (both quoting the end of its log); kInternal for
  // failures making certificates, files or processes.
  // REQUIRES: not running.
  [[nodiscard]] Status Start();

  // Terminates kube-apiserver, then etcd (SIGTERM, SIGKILL after stop_grace), reaps
  // them and removes the temporary folder. Blocks. No-op when not running. Returns
  // kInternal when a process had to be killed or the folder could not be removed;
  // the environment is stopped either way and may be started again.
  [[nodiscard]] Status Stop();

  bool running() const { return apiserver_pid_ > 0; }

  // The admin user's connection (client certificate, CA, server URL). Namespace
  // "default". REQUIRES: running().
  const client::Config& config() const { return config_; }
  // A kubeconfig for config(): cluster, user and context named "envtest".
  std::string Kubeconfig() const;
  // Writes Kubeconfig() to `path` with mode 0600. Errors: kInternal.
  [[nodiscard]] Status WriteKubeconfig(const std::string& path) const;

  // "https://127.0.0.1:<port>".
  const std::string& server() const { return config_.server; }
  // etcd's client URL, "http://127.0.0.1:<port>".
  const std::string& etcd_url() const { return etcd_url_; }
  // The temporary folder: certificates, etcd's data, etcd.log, kube-apiserver.log.
  const std::string& temp_dir() const { return temp_dir_; }

  // Compacts etcd's history up to its current revision, as the apiserver does every
  // --etcd-compaction-interval (5 min): older resourceVersions read from etcd (exact
  // lists, continue tokens) fail with 410 Expired from then on. Returns the revision.
  // Errors: kUnavailable when etcd cannot be reached. REQUIRES: running().
  [[nodiscard]] Result<int64_t> CompactEtcd();

 private:
  Status StartProcesses();
  Status WaitForEtcd(Clock::TimePoint deadline);
  Status WaitForApiserver(Clock::TimePoint deadline);
  // Reaps `pid` if it has exited and returns an error quoting `log`; OK while running.
  Status CheckAlive(pid_t* pid, const std::string& name, const std::string& log);
  // SIGTERM, wait, SIGKILL; false when SIGKILL was needed.
  bool Terminate(pid_t* pid);
  Clock& clock() const;

  EnvTestOptions options_;
  std::string binary_dir_;
  std::string temp_dir_;
  std::string etcd_url_;
  client::Config config_;
  pid_t etcd_pid_ = -1;
  pid_t apiserver_pid_ = -1;
};

}  // namespace kube::testing

#endif  // KUBECPP_TESTING_ENVTEST_H_
