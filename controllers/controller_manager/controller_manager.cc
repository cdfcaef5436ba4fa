#include "controllers/controller_manager/controller_manager.h"

#include <map>
#include <ostream>

#include "controllers/controller_manager/demo.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/endpoints/endpoints_controller.h"
#include "controllers/endpointslice/endpointslice_controller.h"
#include "controllers/garbagecollector/garbage_collector.h"
#include "controllers/namespace/namespace_controller.h"
#include "controllers/podsim/podsim.h"
#include "controllers/replicaset/replicaset_controller.h"
#include "kubecpp/client/config.h"
#include "kubecpp/controller/log.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/manager/manager.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_apiserver_https.h"

namespace kube::controllers {
namespace {

constexpr char kName[] = "kubecpp-controller-manager";
constexpr auto kRolloutTimeout = std::chrono::minutes(5);

// The embedded apiserver: the fake engine behind HTTPS, and its kubeconfig.
struct Embedded {
  std::unique_ptr<testing::FakeApiServer> engine;
  std::unique_ptr<testing::FakeApiServerHttps> front;
  std::string kubeconfig;

  ~Embedded() {
    if (engine) engine->Shutdown();
    if (front) front->Stop();
  }
};

Result<std::unique_ptr<Embedded>> StartEmbedded(const Flags& flags, Clock& clock) {
  const std::string& address = *flags.embedded_apiserver;
  const size_t colon = address.rfind(':');
  testing::FakeApiServerHttpsOptions options;
  options.address = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  char* end = nullptr;
  const long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n < 0 || n > 65535) {
    return InvalidError("--embedded-apiserver: invalid port \"" + port + "\"");
  }
  options.port = static_cast<uint16_t>(n);

  auto embedded = std::make_unique<Embedded>();
  testing::FakeApiServerOptions engine_options;
  engine_options.clock = &clock;
  // The namespace controller empties deleted namespaces, as on a real cluster.
  engine_options.builtin_namespace_deletion = !ControllerEnabled(flags, "namespace");
  embedded->engine = std::make_unique<testing::FakeApiServer>(engine_options);
  auto front = testing::FakeApiServerHttps::Start(*embedded->engine, options);
  if (!front) return std::move(front).error().Annotate("embedded apiserver");
  embedded->front = std::move(*front);

  embedded->kubeconfig = flags.write_kubeconfig;
  if (embedded->kubeconfig.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    embedded->kubeconfig = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                           "/kubecpp-controller-manager.kubeconfig";
  }
  KUBE_RETURN_IF_ERROR(embedded->front->WriteKubeconfig(embedded->kubeconfig));
  return embedded;
}

Result<client::Config> LoadConfig(const Flags& flags, const Embedded* embedded) {
  auto config = embedded != nullptr ? client::LoadKubeconfig({embedded->kubeconfig})
                                    : client::LoadDefaultConfig(flags.kubeconfig);
  if (!config) return config;
  if (!flags.master.empty()) config->server = flags.master;
  config->qps = flags.kube_api_qps;
  config->burst = flags.kube_api_burst;
  config->user_agent = kName;
  return config;
}

manager::ManagerOptions ManagerOptionsFor(const Flags& flags, Clock& clock) {
  manager::ManagerOptions options;
  options.leader_election = flags.leader_elect;
  options.leader_election_id = flags.leader_elect_resource_name;
  options.leader_election_namespace = flags.leader_elect_resource_namespace;
  options.lease_duration = flags.leader_elect_lease_duration;
  options.renew_deadline = flags.leader_elect_renew_deadline;
  options.retry_period = flags.leader_elect_retry_period;
  options.metrics_bind_address = flags.metrics_bind_address;
  options.health_probe_bind_address = flags.health_probe_bind_address;
  options.event_component = kName;
  options.clock = &clock;
  return options;
}

// kube-controller-manager's NewControllerDescriptors: one init function per controller.
const std::map<std::string_view, InitFunc>& Inits() {
  static const auto* inits = new std::map<std::string_view, InitFunc>{
      {"namespace",
       [](ControllerContext& c) {
         return namespace_::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_namespace_syncs, .clock = &c.clock});
       }},
      {"garbagecollector",
       [](ControllerContext& c) {
         return garbagecollector::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_gc_syncs, .clock = &c.clock});
       }},
      {"replicaset",
       [](ControllerContext& c) {
         return replicaset::ReplicaSetController::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_replicaset_syncs, .clock = &c.clock});
       }},
      {"deployment",
       [](ControllerContext& c) {
         return deployment::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_deployment_syncs, .clock = &c.clock});
       }},
      {"endpoints",
       [](ControllerContext& c) {
         return endpoints::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_endpoint_syncs, .clock = &c.clock});
       }},
      {"endpointslice",
       [](ControllerContext& c) {
         return endpointslice::SetupWithManager(
             c.manager, {.workers = c.flags.concurrent_service_endpoint_syncs, .clock = &c.clock});
       }},
      {"podsim",
       [](ControllerContext& c) -> Status {
         podsim::PodSimulator::Options options;
         options.nodes = c.flags.podsim_nodes;
         options.workers = c.flags.concurrent_podsim_syncs;
         options.clock = &c.clock;
         auto sim = podsim::SetupWithManager(c.manager, options);
         return sim ? Status() : std::move(sim).error();
       }},
  };
  return *inits;
}

}  // namespace

const InitFunc& InitFor(std::string_view name) {
  static const InitFunc missing = [](ControllerContext&) {
    return InternalError("no init function");
  };
  auto it = Inits().find(name);
  return it == Inits().end() ? missing : it->second;
}

Status RunControllerManager(const Flags& flags, std::stop_token stop, std::ostream& out,
                            const RunHooks& hooks) {
  controller::SetLogFormat(flags.log_format == "json" ? controller::LogFormat::kJson
                                                      : controller::LogFormat::kText);
  controller::SetLogVerbosity(flags.verbosity);
  Clock& clock = hooks.clock != nullptr ? *hooks.clock : RealClock();

  std::unique_ptr<Embedded> embedded;
  if (flags.embedded_apiserver) {
    auto started = StartEmbedded(flags, clock);
    if (!started) return std::move(started).error();
    embedded = std::move(*started);
  }
  auto config = LoadConfig(flags, embedded.get());
  if (!config) return std::move(config).error();
  auto mgr = manager::Manager::New(*config, ManagerOptionsFor(flags, clock));
  if (!mgr) return std::move(mgr).error();
  manager::Manager& manager = **mgr;

  ControllerContext context{manager, flags, clock};
  for (std::string_view name : KnownControllers()) {
    if (!ControllerEnabled(flags, name)) continue;
    KUBE_RETURN_IF_ERROR(InitFor(name)(context).Annotate("controller " + std::string(name)));
  }

  // Stops the manager on `stop`, or once --apply is done with --exit-after-apply.
  std::stop_source local;
  std::stop_callback forward(stop, [&local] { local.request_stop(); });
  if (!flags.apply.empty()) {
    auto apply = manager::RunnableFunc("apply", [&](std::stop_token runnable_stop) -> Status {
      auto applied = ApplyManifests(*manager.client(), flags.apply, kName, out);
      if (!applied) return std::move(applied).error();
      KUBE_RETURN_IF_ERROR(
          WaitForRollouts(*manager.client(), *applied, kRolloutTimeout, runnable_stop, out));
      KUBE_RETURN_IF_ERROR(PrintObjects(*manager.client(), *applied, out));
      if (flags.exit_after_apply) {
        local.request_stop();
        return Status();
      }
      if (embedded) {
        out << "\nThe cluster keeps running. Try:\n  kubectl --kubeconfig " << embedded->kubeconfig
            << " get deploy,rs,pods -A\nCtrl-C stops it.\n";
      }
      out << std::flush;
      WaitForStop(runnable_stop);
      return Status();
    });
    KUBE_RETURN_IF_ERROR(manager.Add(std::move(apply)));
  }

  out << kName << ": apiserver " << config->server;
  if (embedded) out << " (embedded; kubeconfig " << embedded->kubeconfig << ")";
  out << "\n" << std::flush;
  if (hooks.on_started) hooks.on_started(config->server, embedded ? embedded->kubeconfig : "");
  return manager.Start(local.get_token());
}

}  // namespace kube::controllers
