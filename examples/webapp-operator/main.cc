// webapp-operator: runs the WebApp operator (webapp_operator.h).
//
//   webapp-operator [--kubeconfig PATH] [--install-crd] [--leader-elect]
//       [--metrics-bind-address ADDR] [--health-probe-bind-address ADDR]
//       [--log-format text|json] [--workers N]
//   webapp-operator --demo    against an in-process fake apiserver: installs the CRD,
//                             creates the sample WebApp, plays the Deployment
//                             controller, prints the reconciled status and exits 0.
//   webapp-operator --embedded-apiserver [--kubeconfig-out PATH]
//                             starts the fake apiserver over HTTPS in this process,
//                             writes its kubeconfig (default
//                             $TMPDIR/webapp-operator.kubeconfig), installs the CRD
//                             and runs the operator on it until interrupted, with
//                             the built-in Deployment and ReplicaSet controllers, the
//                             garbage collector and podsim (when built with them).
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/config.h"
#include "kubecpp/controller/log.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_apiserver_https.h"
#include "webapp_operator.h"

#ifdef WEBAPP_WITH_BUILTIN_CONTROLLERS
#include "controllers/deployment/deployment_controller.h"
#include "controllers/garbagecollector/garbage_collector.h"
#include "controllers/podsim/podsim.h"
#include "controllers/replicaset/replicaset_controller.h"
#endif

namespace {

namespace apps = kube::api::apps::v1;

constexpr const char* kUsage =
    "usage: webapp-operator [--kubeconfig PATH] [--install-crd] [--leader-elect]\n"
    "         [--metrics-bind-address ADDR] [--health-probe-bind-address ADDR]\n"
    "         [--log-format text|json] [--workers N]\n"
    "       webapp-operator --demo\n"
    "       webapp-operator --embedded-apiserver [--kubeconfig-out PATH]\n";

// The rest of a cluster for the embedded apiserver: the Deployment and ReplicaSet
// controllers, the garbage collector and podsim (scheduler and kubelets). False when
// not built in.
bool AddBuiltinControllers(kube::manager::Manager& mgr, kube::Status* error) {
#ifdef WEBAPP_WITH_BUILTIN_CONTROLLERS
  *error = kube::controllers::deployment::SetupWithManager(mgr);
  if (error->ok())
    *error = kube::controllers::replicaset::ReplicaSetController::SetupWithManager(mgr);
  if (error->ok()) *error = kube::controllers::garbagecollector::SetupWithManager(mgr);
  if (error->ok()) *error = kube::controllers::podsim::SetupWithManager(mgr, {}).status();
  return true;
#else
  (void)mgr;
  *error = kube::Status();
  return false;
#endif
}

int Fail(const std::string& what, const kube::Status& s) {
  std::cerr << "webapp-operator: " << what << ": " << s.ToString() << "\n";
  return 1;
}

// Polls `ready` every 20 ms for up to 20 s.
template <typename F>
bool WaitFor(F ready) {
  for (int i = 0; i < 1000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string ConditionStatus(const webapp::WebApp& app, std::string_view type) {
  if (!app.status || !app.status->conditions) return "Unknown";
  for (const auto& c : *app.status->conditions) {
    if (c.type == type) return std::string(c.status.ToString());
  }
  return "Unknown";
}

std::string Summary(const webapp::WebApp& app) {
  const auto& st = app.status.value_or(webapp::api::examples::v1::WebAppStatus{});
  return "replicas=" + std::to_string(st.replicas.value_or(0)) +
         " available=" + std::to_string(st.available_replicas.value_or(0)) +
         " url=" + st.url.value_or("") + " Available=" + ConditionStatus(app, webapp::kAvailable) +
         " Progressing=" + ConditionStatus(app, webapp::kProgressing) +
         " Degraded=" + ConditionStatus(app, webapp::kDegraded) +
         " Ready=" + ConditionStatus(app, webapp::kReady);
}

// The demo: the manager runs on a thread while this function plays the user and,
// as no Deployment controller runs here, the Deployment controller too.
int RunDemo(kube::manager::Manager& mgr, kube::client::Client& user) {
  std::stop_source stop;
  kube::Status result;
  std::thread runner([&] { result = mgr.Start(stop.get_token()); });
  kube::client::Api<webapp::WebApp> webapps(&user, "default");
  kube::client::Api<apps::Deployment> deployments(&user, "default");
  int rc = 0;
  auto app = kube::Decode<webapp::WebApp>(R"({"metadata": {"name": "hello"},
      "spec": {"image": "nginx:1.27", "replicas": 2, "port": 80,
               "host": "hello.example.com", "env": {"GREETING": "hello"}}})");
  if (auto created = webapps.Create(*app); !created) {
    rc = Fail("creating the WebApp", created.error());
  } else {
    std::cout << "created webapp default/hello (image nginx:1.27, 2 replicas)\n";
    // Wait for the Deployment, then report it rolled out, as its controller would.
    std::optional<apps::Deployment> d;
    WaitFor([&] {
      auto got = deployments.Get("hello");
      if (got) d = std::move(*got);
      return got.has_value();
    });
    if (!d) {
      rc = 1;
      std::cerr << "webapp-operator: the Deployment was not created\n";
    } else {
      std::cout << "deployment default/hello created by the operator\n";
      apps::DeploymentStatus& st = d->status.emplace();
      st.observed_generation = d->metadata.generation;
      st.replicas = st.updated_replicas = st.ready_replicas = st.available_replicas = 2;
      if (auto s = deployments.UpdateStatus(*d); !s) rc = Fail("deployment status", s.error());
      std::optional<webapp::WebApp> done;
      WaitFor([&] {
        auto got = webapps.Get("hello");
        if (got && ConditionStatus(*got, webapp::kReady) == "True") done = std::move(*got);
        return done.has_value();
      });
      if (!done) {
        rc = 1;
        std::cerr << "webapp-operator: the WebApp did not become Ready\n";
      } else {
        std::cout << "webapp default/hello reconciled: " << Summary(*done) << "\n";
      }
    }
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
  std::string kubeconfig_out;
  bool demo = false;
  bool embedded = false;
  bool install_crd = false;
  webapp::Options operator_options;
  kube::manager::ManagerOptions options;
  options.leader_election_id = "webapp-operator";
  options.event_component = "webapp-operator";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--kubeconfig") {
      kubeconfig = value();
    } else if (arg == "--install-crd") {
      install_crd = true;
    } else if (arg == "--leader-elect") {
      options.leader_election = true;
    } else if (arg == "--metrics-bind-address") {
      options.metrics_bind_address = value();
    } else if (arg == "--health-probe-bind-address") {
      options.health_probe_bind_address = value();
    } else if (arg == "--workers") {
      operator_options.workers = std::atoi(value().c_str());
      if (operator_options.workers < 1) {
        std::cerr << kUsage;
        return 2;
      }
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
    } else if (arg == "--embedded-apiserver") {
      embedded = true;
    } else if (arg == "--kubeconfig-out") {
      kubeconfig_out = value();
    } else {
      std::cerr << kUsage;
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }

  if (demo) {
    kube::testing::FakeApiServer apiserver;
    options.metrics_bind_address = "0";
    auto user = apiserver.NewClient();
    if (auto s = webapp::InstallCrd(*user); !s.ok()) return Fail("installing the CRD", s);
    std::cout << "installed CustomResourceDefinition webapps.examples.kubecpp.io\n";
    auto mgr = kube::manager::Manager::New(apiserver.NewClient(), options);
    if (!mgr) return Fail("manager", mgr.error());
    if (auto s = webapp::SetupWithManager(**mgr, operator_options); !s.ok()) {
      return Fail("setup", s);
    }
    return RunDemo(**mgr, *user);
  }

  kube::testing::FakeApiServer engine;  // used with --embedded-apiserver only
  std::unique_ptr<kube::testing::FakeApiServerHttps> https;
  if (embedded) {
    auto started = kube::testing::FakeApiServerHttps::Start(engine, {});
    if (!started) return Fail("starting the embedded apiserver", started.error());
    https = std::move(*started);
    if (kubeconfig_out.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      kubeconfig_out = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                       "/webapp-operator.kubeconfig";
    }
    if (auto s = https->WriteKubeconfig(kubeconfig_out); !s.ok()) {
      return Fail("writing " + kubeconfig_out, s);
    }
    std::cout << "embedded apiserver at " << https->url() << "\n"
              << "export KUBECONFIG=" << kubeconfig_out << "\n"
              << std::flush;
    kubeconfig = kubeconfig_out;
    install_crd = true;
  }

  auto config = kube::client::LoadDefaultConfig(kubeconfig);
  if (!config) return Fail("loading the client configuration", config.error());
  auto mgr = kube::manager::Manager::New(*config, options);
  if (!mgr) return Fail("manager", mgr.error());
  if (install_crd) {
    if (auto s = webapp::InstallCrd(*(*mgr)->client()); !s.ok()) {
      return Fail("installing the CRD", s);
    }
    std::cout << "installed CustomResourceDefinition webapps.examples.kubecpp.io\n" << std::flush;
  }
  if (auto s = webapp::SetupWithManager(**mgr, operator_options); !s.ok()) {
    return Fail("setup", s);
  }
  if (embedded) {
    kube::Status s;
    if (AddBuiltinControllers(**mgr, &s)) {
      if (!s.ok()) return Fail("built-in controllers", s);
      std::cout << "running the deployment, replicaset and garbage collector controllers and "
                   "podsim\n"
                << std::flush;
    }
  }
  if (auto s = (*mgr)->Start(signals); !s.ok()) return Fail("manager", s);
  return 0;
}
