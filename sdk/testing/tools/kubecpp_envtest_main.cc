// kubecpp-envtest: a real kube-apiserver and etcd on loopback (kube::testing::EnvTest)
// for kubectl and any other process.
//
//   scripts/build-envtest.sh                       # once: builds the binaries
//   kubecpp-envtest start --kubeconfig /tmp/envtest.kubeconfig &
//   kubectl --kubeconfig /tmp/envtest.kubeconfig get ns
//
// Prints the kubeconfig path once the apiserver is ready, then runs until SIGINT or
// SIGTERM, stops both processes and removes their temporary folder.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <string>
#include <string_view>

#include "kubecpp/testing/envtest.h"

namespace {

constexpr std::string_view kUsage = R"(usage: kubecpp-envtest start [flags]

  --dir DIR            folder with etcd and kube-apiserver
                       (default $KUBECPP_ENVTEST_DIR/bin or ~/.cache/kubecpp/envtest/bin)
  --kubeconfig PATH    where to write the admin kubeconfig
                       (default: kubeconfig in the temporary folder)
  --apiserver-flag F   an extra kube-apiserver flag (repeatable)
  --keep               keep the temporary folder (certificates, logs) on exit
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "start") {
    bool help =
        argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h");
    (help ? std::cout : std::cerr) << kUsage;
    return help ? 0 : 2;
  }
  kube::testing::EnvTestOptions options;
  std::string kubeconfig;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        std::cerr << "kubecpp-envtest: " << arg << " needs a value\n";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    if (arg == "--dir") {
      if (!value(&options.binary_dir)) return 2;
    } else if (arg == "--kubeconfig") {
      if (!value(&kubeconfig)) return 2;
    } else if (arg == "--apiserver-flag") {
      std::string flag;
      if (!value(&flag)) return 2;
      options.apiserver_flags.push_back(flag);
    } else if (arg == "--keep") {
      options.keep_temp_dir = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "kubecpp-envtest: unknown flag " << arg << "\n" << kUsage;
      return 2;
    }
  }

  // Block the stop signals before any thread starts, then wait for them below. The
  // children get an empty signal mask back.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  kube::testing::EnvTest env(options);
  if (kube::Status s = env.Start(); !s.ok()) {
    std::cerr << "kubecpp-envtest: " << s << "\n";
    return 1;
  }
  if (kubeconfig.empty()) kubeconfig = env.temp_dir() + "/kubeconfig";
  if (kube::Status s = env.WriteKubeconfig(kubeconfig); !s.ok()) {
    std::cerr << "kubecpp-envtest: " << s << "\n";
    return 1;
  }
  std::cerr << "kubecpp-envtest: kube-apiserver at " << env.server() << ", etcd at "
            << env.etcd_url() << ", logs in " << env.temp_dir() << "\n";
  std::cout << kubeconfig << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "kubecpp-envtest: signal " << received << ", stopping\n";
  if (kube::Status s = env.Stop(); !s.ok()) {
    std::cerr << "kubecpp-envtest: " << s << "\n";
    return 1;
  }
  return 0;
}
