// kubecpp-configmap-watcher: runs the configmap-watcher controller (watcher.h).
//
//   kubecpp-configmap-watcher [--kubeconfig PATH] [--leader-elect]
//       [--metrics-bind-address ADDR] [--health-probe-bind-address ADDR]
//       [--log-format text|json]
//   kubecpp-configmap-watcher --demo     against an in-process fake apiserver: creates
//                                        a watched ConfigMap, changes it, exits 0 once
//                                        both hashes were written.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "kubecpp/client/config.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/log.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "watcher.h"

namespace {

constexpr const char* kUsage =
    "usage: kubecpp-configmap-watcher [--kubeconfig PATH] [--leader-elect]\n"
    "         [--metrics-bind-address ADDR] [--health-probe-bind-address ADDR]\n"
    "         [--log-format text|json] [--demo]\n";

const kube::client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};

int Fail(const std::string& what, const kube::Status& s) {
  std::cerr << "kubecpp-configmap-watcher: " << what << ": " << s.ToString() << "\n";
  return 1;
}

// Waits (up to 20 s) until the ConfigMap's hash annotation differs from `previous`.
std::string WaitForHash(kube::client::DynamicApi& api, const std::string& previous) {
  for (int i = 0; i < 2000; ++i) {
    auto cm = api.Get("app-settings");
    if (cm) {
      std::string hash = cm->annotations()[watcher::kHashAnnotation];
      if (!hash.empty() && hash != previous) return hash;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "";
}

// The demo: the manager runs on a thread while this function plays the user.
int RunDemo(kube::manager::Manager& mgr, kube::client::Client& user) {
  std::stop_source stop;
  kube::Status result;
  std::thread runner([&] { result = mgr.Start(stop.get_token()); });
  kube::client::DynamicApi api(&user, kConfigMaps, "default");
  auto cm = kube::Unstructured::Parse(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-settings",
          "labels":{"kubecpp.io/watch":"true"}},"data":{"color":"blue"}})");
  int rc = 0;
  if (auto created = api.Create(*cm); !created) {
    rc = Fail("creating the ConfigMap", created.error());
  } else {
    std::string first = WaitForHash(api, "");
    std::cout << "app-settings content-hash " << first << "\n";
    auto live = api.Get("app-settings");
    live->Set({"data", "color"}, kube::Json("green"));
    if (auto updated = api.Update(*live); !updated) return Fail("updating", updated.error());
    std::string second = WaitForHash(api, first);
    std::cout << "app-settings content-hash " << second << " after the data changed\n";
    if (first.empty() || second.empty()) rc = 1;
  }
  stop.request_stop();
  runner.join();
  if (!result.ok()) return Fail("manager", result);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::stop_token signals = kube::manager::SetupSignalHandler();
  std::string kubeconfig;
  bool demo = false;
  kube::manager::ManagerOptions options;
  options.leader_election_id = "kubecpp-configmap-watcher";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--kubeconfig") {
      kubeconfig = value();
    } else if (arg == "--leader-elect") {
      options.leader_election = true;
    } else if (arg == "--metrics-bind-address") {
      options.metrics_bind_address = value();
    } else if (arg == "--health-probe-bind-address") {
      options.health_probe_bind_address = value();
    } else if (arg == "--log-format") {
      std::string format = value();
      if (format != "text" && format != "json") {
        std::cerr << kUsage;
        return 2;
      }
      kube::controller::SetLogFormat(format == "json" ? kube::controller::LogFormat::kJson
                                                      : kube::controller::LogFormat::kText);
    } else if (arg == "--demo") {
      demo = true;
    } else {
      std::cerr << kUsage;
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }

  if (demo) {
    kube::testing::FakeApiServer apiserver;
    options.metrics_bind_address = "0";
    auto mgr = kube::manager::Manager::New(apiserver.NewClient(), options);
    if (!mgr) return Fail("manager", mgr.error());
    if (auto s = watcher::SetupWithManager(**mgr); !s.ok()) return Fail("setup", s);
    auto user = apiserver.NewClient();
    return RunDemo(**mgr, *user);
  }

  auto config = kube::client::LoadDefaultConfig(kubeconfig);
  if (!config) return Fail("loading the client configuration", config.error());
  auto mgr = kube::manager::Manager::New(*config, options);
  if (!mgr) return Fail("manager", mgr.error());
  if (auto s = watcher::SetupWithManager(**mgr); !s.ok()) return Fail("setup", s);
  if (auto s = (*mgr)->Start(signals); !s.ok()) return Fail("manager", s);
  return 0;
}
