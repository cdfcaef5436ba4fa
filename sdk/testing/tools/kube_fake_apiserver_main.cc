// kube-fake-apiserver: kubecpp's fake apiserver over HTTPS, for kubectl, the Python
// client and any other process.
//
//   kube-fake-apiserver --port 6443 --kubeconfig /tmp/fake.kubeconfig
//   kubectl --kubeconfig /tmp/fake.kubeconfig get ns
//
// Runs until SIGINT or SIGTERM, then closes open watches and exits 0.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "kubecpp/core/version.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_apiserver_https.h"

namespace {

constexpr std::string_view kUsage = R"(usage: kube-fake-apiserver [flags]

  --address ADDR          listen address (default 127.0.0.1)
  --port N                listen port (default 6443; 0 picks a free port)
  --kubeconfig PATH       write a kubeconfig for this server to PATH
  --plain-http            serve plain HTTP without authentication (debugging)
  --token TOKEN           bearer token of the kubeconfig's token user (default random)
  --enable-fault-api      serve POST /fake/faults for fault injection
  --watch-history N       watch events kept per resource (default 10000)
  --version               print the version and exit
)";

bool Next(int argc, char** argv, int* i, std::string* value) {
  if (*i + 1 >= argc) {
    std::cerr << "kube-fake-apiserver: " << argv[*i] << " needs a value\n";
    return false;
  }
  *value = argv[++*i];
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  kube::testing::FakeApiServerOptions engine_options;
  kube::testing::FakeApiServerHttpsOptions options;
  options.port = 6443;
  std::string kubeconfig;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    if (arg == "--address") {
      if (!Next(argc, argv, &i, &options.address)) return 2;
    } else if (arg == "--port") {
      if (!Next(argc, argv, &i, &value)) return 2;
      char* end = nullptr;
      long port = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        std::cerr << "kube-fake-apiserver: invalid --port " << value << "\n";
        return 2;
      }
      options.port = static_cast<uint16_t>(port);
    } else if (arg == "--kubeconfig") {
      if (!Next(argc, argv, &i, &kubeconfig)) return 2;
    } else if (arg == "--plain-http") {
      options.plain_http = true;
    } else if (arg == "--token") {
      if (!Next(argc, argv, &i, &options.token)) return 2;
    } else if (arg == "--enable-fault-api") {
      options.enable_fault_api = true;
    } else if (arg == "--watch-history") {
      if (!Next(argc, argv, &i, &value)) return 2;
      char* end = nullptr;
      long long n = std::strtoll(value.c_str(), &end, 10);
      if (*end != '\0' || n <= 0) {
        std::cerr << "kube-fake-apiserver: invalid --watch-history " << value << "\n";
        return 2;
      }
      engine_options.watch_history = static_cast<size_t>(n);
    } else if (arg == "--version") {
      std::cout << "kube-fake-apiserver " << kube::Version() << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "kube-fake-apiserver: unknown flag " << arg << "\n" << kUsage;
      return 2;
    }
  }

  // Block the stop signals before any thread starts, then wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  kube::testing::FakeApiServer engine(engine_options);
  auto front = kube::testing::FakeApiServerHttps::Start(engine, options);
  if (!front.ok()) {
    std::cerr << "kube-fake-apiserver: " << front.status() << "\n";
    return 1;
  }
  if (!kubeconfig.empty()) {
    if (auto written = (*front)->WriteKubeconfig(kubeconfig); !written.ok()) {
      std::cerr << "kube-fake-apiserver: " << written << "\n";
      return 1;
    }
  }
  std::cout << "kube-fake-apiserver " << kube::Version() << " serving on " << (*front)->url();
  if (!kubeconfig.empty()) std::cout << " (kubeconfig: " << kubeconfig << ")";
  std::cout << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "kube-fake-apiserver: signal " << received << ", shutting down" << std::endl;
  engine.Shutdown();
  (*front)->Stop();
  return 0;
}
