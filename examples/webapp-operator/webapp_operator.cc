#include "webapp_operator.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <utility>

#include "crd_yaml.h"
#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/util.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/yaml.h"

namespace webapp {
namespace {

namespace apps = kube::api::apps::v1;
namespace core = kube::api::core::v1;
namespace v1 = ::webapp::api::examples::v1;

using kube::Status;
using kube::controller::Action;
using kube::controller::Request;
using kube::manager::EventType;

constexpr std::string_view kContainerName = "app";
constexpr std::string_view kPortName = "http";

// The spec with the CRD's defaults filled in (the apiserver defaults too; this keeps
// the reconciler correct on objects read from an older schema).
v1::WebAppSpec DefaultedSpec(const WebApp& app) {
  v1::WebAppSpec spec = app.spec.value_or(v1::WebAppSpec{});
  SetDefaults(&spec);
  return spec;
}

int32_t DesiredReplicas(const WebApp& app) { return DefaultedSpec(app).replicas.value_or(1); }

void MergeLabels(const std::map<std::string, std::string>& want,
                 std::map<std::string, std::string>* labels) {
  for (const auto& [k, v] : want) (*labels)[k] = v;
}

// Makes `live` carry what `desired` sets, field by field, leaving what the apiserver
// defaulted (strategy, dnsPolicy, terminationMessagePath, ...) alone so an unchanged
// spec never produces a write.
void MergeDeployment(const apps::Deployment& desired, apps::Deployment* live) {
  MergeLabels(desired.metadata.labels, &live->metadata.labels);
  const apps::DeploymentSpec& want = *desired.spec;
  if (!live->spec) live->spec.emplace();
  apps::DeploymentSpec& spec = *live->spec;
  // The selector is immutable: set it on creation only.
  if (spec.selector.match_labels.empty() && spec.selector.match_expressions.empty()) {
    spec.selector = want.selector;
  }
  spec.replicas = want.replicas;
  if (!spec.template_.metadata) spec.template_.metadata.emplace();
  MergeLabels(want.template_.metadata->labels, &spec.template_.metadata->labels);
  MergeLabels(want.template_.metadata->annotations, &spec.template_.metadata->annotations);
  if (!spec.template_.spec) spec.template_.spec.emplace();
  std::vector<core::Container>& containers = spec.template_.spec->containers;
  const core::Container& want_container = want.template_.spec->containers.front();
  core::Container* container = nullptr;
  for (auto& c : containers) {
    if (c.name == kContainerName) container = &c;
  }
  if (container == nullptr) {
    containers.push_back(want_container);
    return;
  }
  container->image = want_container.image;
  container->image_pull_policy = want_container.image_pull_policy;
  container->ports = want_container.ports;
  container->env_from = want_container.env_from;
}

void MergeService(const core::Service& desired, core::Service* live) {
  MergeLabels(desired.metadata.labels, &live->metadata.labels);
  const core::ServiceSpec& want = *desired.spec;
  if (!live->spec) live->spec.emplace();
  core::ServiceSpec& spec = *live->spec;
  spec.selector = want.selector;
  spec.type = want.type;
  if (!spec.ports) spec.ports.emplace();
  const core::ServicePort& want_port = want.ports->front();
  core::ServicePort* port = nullptr;
  for (auto& p : *spec.ports) {
    if (p.name == want_port.name) port = &p;
  }
  if (port == nullptr || spec.ports->size() != 1) {
    spec.ports = want.ports;  // keeps nothing the server allocated: first write or changed set
    return;
  }
  // Keep the allocated nodePort, set the rest.
  port->port = want_port.port;
  port->target_port = want_port.target_port;
  port->protocol = want_port.protocol;
}

core::Service DesiredService(const WebApp& app) {
  const v1::WebAppSpec spec = DefaultedSpec(app);
  core::Service svc;
  svc.metadata.name = app.metadata.name;
  svc.metadata.namespace_ = app.metadata.namespace_;
  svc.metadata.labels = CommonLabels(app);
  core::ServiceSpec& s = svc.spec.emplace();
  s.selector = SelectorLabels(app);
  s.type = core::ServiceSpecType::FromString(spec.service_type ? spec.service_type->ToString()
                                                               : std::string_view("ClusterIP"));
  core::ServicePort port;
  port.name = std::string(kPortName);
  port.port = spec.port.value_or(8080);
  port.target_port = kube::IntOrString::FromInt(spec.port.value_or(8080));
  port.protocol = core::ServicePortProtocol::FromString("TCP");
  s.ports.emplace().push_back(std::move(port));
  return svc;
}

// Conditions: the generated struct on the wire, kube::Condition for the helpers.
std::vector<kube::Condition> FromWire(const std::vector<v1::WebAppStatusConditions>& in) {
  std::vector<kube::Condition> out;
  for (const auto& c : in) {
    out.push_back(kube::Condition{.type = c.type,
                                  .status = std::string(c.status.ToString()),
                                  .observed_generation = c.observed_generation.value_or(0),
                                  .last_transition_time = c.last_transition_time,
                                  .reason = c.reason,
                                  .message = c.message});
  }
  return out;
}

std::vector<v1::WebAppStatusConditions> ToWire(const std::vector<kube::Condition>& in) {
  std::vector<v1::WebAppStatusConditions> out;
  for (const auto& c : in) {
    v1::WebAppStatusConditions w;
    w.type = c.type;
    w.status = v1::WebAppStatusConditionsStatus::FromString(c.status);
    w.observed_generation = c.observed_generation;
    w.last_transition_time = c.last_transition_time;
    w.reason = c.reason;
    w.message = c.message;
    out.push_back(std::move(w));
  }
  return out;
}

const apps::DeploymentCondition* FindDeploymentCondition(const apps::Deployment& d,
                                                         std::string_view type) {
  if (!d.status || !d.status->conditions) return nullptr;
  for (const auto& c : *d.status->conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

kube::Condition MakeCondition(std::string_view type, bool status, std::string reason,
                              std::string message, int64_t generation) {
  return kube::Condition{
      .type = std::string(type),
      .status = std::string(status ? kube::kConditionTrue : kube::kConditionFalse),
      .observed_generation = generation,
      .last_transition_time = {},
      .reason = std::move(reason),
      .message = std::move(message)};
}

}  // namespace

std::map<std::string, std::string> SelectorLabels(const WebApp& app) {
  return {{"app.kubernetes.io/name", "webapp"}, {"app.kubernetes.io/instance", app.metadata.name}};
}

std::map<std::string, std::string> CommonLabels(const WebApp& app) {
  auto labels = SelectorLabels(app);
  labels["app.kubernetes.io/managed-by"] = std::string(kFieldManager);
  return labels;
}

std::string ConfigMapName(const WebApp& app) { return app.metadata.name + "-env"; }

std::string RegistryKey(const WebApp& app) {
  return app.metadata.namespace_ + "." + app.metadata.name;
}

std::string ConfigHash(const std::map<std::string, std::string>& data) {
  uint64_t h = 1469598103934665603ULL;
  auto add = [&h](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xffU) * 1099511628211ULL;  // separator no key or value contains
  };
  for (const auto& [k, v] : data) {
    add(k);
    add(v);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string UrlFor(const WebApp& app, std::string_view cluster_domain) {
  const v1::WebAppSpec spec = DefaultedSpec(app);
  if (spec.host && !spec.host->empty()) return "http://" + *spec.host;
  std::string url = "http://" + app.metadata.name + "." + app.metadata.namespace_ + ".svc." +
                    std::string(cluster_domain);
  const int32_t port = spec.port.value_or(8080);
  if (port != 80) url += ":" + std::to_string(port);
  return url;
}

apps::Deployment DesiredDeployment(const WebApp& app, std::string_view config_hash) {
  const v1::WebAppSpec spec = DefaultedSpec(app);
  apps::Deployment d;
  d.metadata.name = app.metadata.name;
  d.metadata.namespace_ = app.metadata.namespace_;
  d.metadata.labels = CommonLabels(app);
  apps::DeploymentSpec& s = d.spec.emplace();
  s.replicas = spec.replicas.value_or(1);
  s.selector.match_labels = SelectorLabels(app);
  kube::ObjectMeta& pod_meta = s.template_.metadata.emplace();
  pod_meta.labels = CommonLabels(app);
  pod_meta.annotations[std::string(kConfigHashAnnotation)] = std::string(config_hash);
  core::Container c;
  c.name = std::string(kContainerName);
  c.image = spec.image;
  c.image_pull_policy = core::ContainerImagePullPolicy::FromString(
      spec.pull_policy ? spec.pull_policy->ToString() : std::string_view("IfNotPresent"));
  core::ContainerPort port;
  port.name = std::string(kPortName);
  port.container_port = spec.port.value_or(8080);
  port.protocol = core::ContainerPortProtocol::FromString("TCP");
  c.ports.emplace().push_back(std::move(port));
  core::EnvFromSource env;
  env.config_map_ref.emplace().name = ConfigMapName(app);
  c.env_from.emplace().push_back(std::move(env));
  s.template_.spec.emplace().containers.push_back(std::move(c));
  return d;
}

std::vector<kube::Condition> ComputeConditions(const WebApp& app,
                                               const apps::Deployment* deployment,
                                               const Status& error) {
  const int64_t gen = app.metadata.generation;
  const int32_t desired = DesiredReplicas(app);
  int32_t available = 0, updated = 0, replicas = 0;
  bool observed = false;
  const apps::DeploymentCondition* deadline = nullptr;
  if (deployment != nullptr && deployment->status) {
    const apps::DeploymentStatus& st = *deployment->status;
    available = st.available_replicas.value_or(0);
    updated = st.updated_replicas.value_or(0);
    replicas = st.replicas.value_or(0);
    observed = st.observed_generation.value_or(0) >= deployment->metadata.generation;
    const apps::DeploymentCondition* progressing =
        FindDeploymentCondition(*deployment, "Progressing");
    if (progressing != nullptr && progressing->reason == "ProgressDeadlineExceeded") {
      deadline = progressing;
    }
  }

  kube::Condition degraded = MakeCondition(kDegraded, false, "AsExpected", "", gen);
  if (!error.ok()) {
    degraded = MakeCondition(kDegraded, true, "ReconcileFailed", error.ToString(), gen);
  } else if (deadline != nullptr) {
    degraded = MakeCondition(kDegraded, true, "ProgressDeadlineExceeded",
                             deadline->message.value_or(""), gen);
  }

  const bool rolling =
      deployment == nullptr || !observed || updated < desired || replicas > updated;
  kube::Condition progressing =
      rolling
          ? MakeCondition(
                kProgressing, true, "RollingOut",
                std::to_string(updated) + "/" + std::to_string(desired) + " replicas updated", gen)
          : MakeCondition(kProgressing, false, "RolloutComplete",
                          "all " + std::to_string(desired) + " replicas are up to date", gen);

  const bool all_available = available >= desired;
  kube::Condition avail = MakeCondition(
      kAvailable, all_available, all_available ? "AllReplicasAvailable" : "ReplicasUnavailable",
      std::to_string(available) + "/" + std::to_string(desired) + " replicas available", gen);

  kube::Condition ready = MakeCondition(kReady, true, "Ready", "the app serves at its URL", gen);
  if (degraded.status == kube::kConditionTrue) {
    ready = MakeCondition(kReady, false, degraded.reason, degraded.message, gen);
  } else if (!all_available) {
    ready = MakeCondition(kReady, false, avail.reason, avail.message, gen);
  } else if (rolling) {
    ready = MakeCondition(kReady, false, progressing.reason, progressing.message, gen);
  }
  return {avail, progressing, degraded, ready};
}

std::string_view CrdYaml() { return internal::kCrdYaml; }

Status InstallCrd(kube::client::Client& client) {
  auto json = kube::YamlToJson(CrdYaml());
  if (!json) return json.error();
  auto crd = kube::Unstructured::FromJson(std::move(*json));
  if (!crd) return crd.error();
  const kube::client::ResourceRef crds{{"apiextensions.k8s.io", "v1", "customresourcedefinitions"},
                                       "CustomResourceDefinition",
                                       false};
  kube::client::DynamicApi api(&client, crds);
  auto created = api.Create(*crd);
  if (!created) {
    if (!kube::IsAlreadyExists(created.error())) return created.error();
    Status s = kube::controller::RetryOnConflict({}, [&]() -> Status {
      auto live = api.Get(crd->name());
      if (!live) return live.error();
      live->Set({"spec"}, *crd->Get({"spec"}));
      auto updated = api.Update(*live);
      return updated ? Status() : updated.error();
    });
    if (!s.ok()) return s;
  }
  // A real apiserver serves the resource shortly after; the fake one at once.
  for (int i = 0; i < 300; ++i) {
    auto live = api.Get(crd->name());
    if (!live) return live.error();
    const kube::Json* conditions = live->Get({"status", "conditions"});
    if (conditions != nullptr && conditions->is_array()) {
      for (const auto& c : *conditions) {
        if (c.is_object() && c.value("type", "") == "Established" &&
            c.value("status", "") == "True") {
          return Status();
        }
      }
    }
    kube::RealClock().SleepFor(std::chrono::milliseconds(100), {});
  }
  return kube::Status(kube::Code::kTimeout,
                      "CustomResourceDefinition " + crd->name() + " not Established after 30s");
}

WebAppReconciler::WebAppReconciler(kube::client::Client* client,
                                   kube::manager::EventRecorder* recorder, Options options)
    : client_(client),
      recorder_(recorder),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : kube::RealClock()) {}

kube::Result<Action> WebAppReconciler::Reconcile(const Request& req) {
  kube::client::Api<WebApp> webapps(client_, req.key.namespace_);
  auto app = webapps.Get(req.key.name, req.stop);
  if (!app) {
    if (kube::IsNotFound(app.error())) return Action::Done();  // gone; owned objects are GC'd
    return app.error();
  }

  // 1. The finalizer: added on first sight; on deletion, clean up outside the owner
  //    graph (the registry entry), then let the apiserver delete the WebApp.
  auto finalized = kube::controller::HandleFinalizer<kube::client::Api<WebApp>, WebApp>(
      webapps, *app, kFinalizer, [&](const WebApp& a) { return Deregister(a, req.stop); },
      req.stop);
  if (!finalized) return finalized.error();
  if (*finalized == kube::controller::FinalizerResult::kDeleted) return Action::Done();

  // 2. The owned objects, then the registry entry.
  apps::Deployment deployment;
  Status error = ReconcileChildren(*app, &deployment, req);
  if (error.ok()) error = Register(*app, UrlFor(*app, options_.cluster_domain), req.stop);
  if (!error.ok()) {
    recorder_->Event(*app, EventType::kWarning, "ReconcileFailed", error.ToString());
  }

  // 3. The status, also after a failure (Degraded says why).
  const bool have_deployment = !deployment.metadata.uid.empty();
  Status status = UpdateStatus(*app, have_deployment ? &deployment : nullptr, error, req.stop);
  if (!error.ok()) return error;  // retried with backoff
  if (!status.ok()) return status;
  // The Deployment's status changes come back through Owns<Deployment>.
  return Action::Done();
}

Status WebAppReconciler::ReconcileChildren(const WebApp& app, apps::Deployment* deployment,
                                           const Request& req) {
  const kube::controller::OwnerInfo owner = kube::controller::OwnerOf(app);
  const std::string& ns = app.metadata.namespace_;
  const v1::WebAppSpec spec = DefaultedSpec(app);

  // ConfigMap <name>-env: spec.env, for the container's envFrom.
  kube::client::Api<core::ConfigMap> config_maps(client_, ns);
  core::ConfigMap cm;
  cm.metadata.name = ConfigMapName(app);
  cm.metadata.namespace_ = ns;
  auto cm_result =
      kube::controller::CreateOrPatch<kube::client::Api<core::ConfigMap>, core::ConfigMap>(
          config_maps, &cm,
          [&](core::ConfigMap& c) -> Status {
            MergeLabels(CommonLabels(app), &c.metadata.labels);
            if (spec.env && !spec.env->empty()) {
              c.data = *spec.env;
            } else {
              c.data.reset();
            }
            return kube::controller::SetControllerReference(owner, &c.metadata);
          },
          req.stop);
  if (!cm_result) return cm_result.error();
  if (*cm_result == kube::controller::OperationResult::kCreated) {
    recorder_->Event(app, EventType::kNormal, "Created", "created ConfigMap " + cm.metadata.name);
  }
  const std::string hash = ConfigHash(cm.data.value_or(std::map<std::string, std::string>{}));

  // Deployment <name>: the pods, with the ConfigMap's hash in their template.
  kube::client::Api<apps::Deployment> deployments(client_, ns);
  const apps::Deployment desired = DesiredDeployment(app, hash);
  apps::Deployment& d = *deployment;
  d.metadata.name = app.metadata.name;
  d.metadata.namespace_ = ns;
  std::string old_hash;
  std::optional<int32_t> old_replicas;
  auto d_result =
      kube::controller::CreateOrPatch<kube::client::Api<apps::Deployment>, apps::Deployment>(
          deployments, &d,
          [&](apps::Deployment& live) -> Status {
            if (live.spec) {
              old_replicas = live.spec->replicas;
              if (live.spec->template_.metadata) {
                const auto& annotations = live.spec->template_.metadata->annotations;
                auto it = annotations.find(std::string(kConfigHashAnnotation));
                if (it != annotations.end()) old_hash = it->second;
              }
            }
            MergeDeployment(desired, &live);
            return kube::controller::SetControllerReference(owner, &live.metadata);
          },
          req.stop);
  if (!d_result) return d_result.error();
  if (*d_result == kube::controller::OperationResult::kCreated) {
    recorder_->Event(app, EventType::kNormal, "Created", "created Deployment " + d.metadata.name);
  } else if (*d_result != kube::controller::OperationResult::kUnchanged) {
    if (!old_hash.empty() && old_hash != hash) {
      recorder_->Event(app, EventType::kNormal, "ConfigChanged",
                       "ConfigMap " + cm.metadata.name + " changed (hash " + hash +
                           "): rolling Deployment " + d.metadata.name);
      req.log.Info("config changed, rolling the deployment", {{"hash", hash}});
    }
    const int32_t want = spec.replicas.value_or(1);
    if (old_replicas.has_value() && *old_replicas != want) {
      recorder_->Event(app, EventType::kNormal, "Scaled",
                       "scaled Deployment " + d.metadata.name + " from " +
                           std::to_string(*old_replicas) + " to " + std::to_string(want) +
                           " replicas");
    }
  }

  // Service <name>: the port, in front of the pods.
  kube::client::Api<core::Service> services(client_, ns);
  const core::Service desired_svc = DesiredService(app);
  core::Service svc;
  svc.metadata.name = app.metadata.name;
  svc.metadata.namespace_ = ns;
  auto svc_result =
      kube::controller::CreateOrPatch<kube::client::Api<core::Service>, core::Service>(
          services, &svc,
          [&](core::Service& live) -> Status {
            MergeService(desired_svc, &live);
            return kube::controller::SetControllerReference(owner, &live.metadata);
          },
          req.stop);
  if (!svc_result) return svc_result.error();
  if (*svc_result == kube::controller::OperationResult::kCreated) {
    recorder_->Event(app, EventType::kNormal, "Created", "created Service " + svc.metadata.name);
  }
  return Status();
}

Status WebAppReconciler::Register(const WebApp& app, const std::string& url, std::stop_token stop) {
  kube::client::Api<core::ConfigMap> registry(client_, std::string(kRegistryNamespace));
  const std::string key = RegistryKey(app);
  const std::string name(kRegistryName);
  const kube::Json patch = {{"data", {{key, url}}}};
  auto live = registry.Get(name, stop);
  if (live) {
    if (live->data) {
      auto it = live->data->find(key);
      if (it != live->data->end() && it->second == url) return Status();  // up to date
    }
    // A merge patch of one key: no conflicts with other WebApps' reconciles.
    auto patched =
        registry.Patch(name, kube::client::PatchType::kMerge, patch.dump(), {}, "", stop);
    if (!patched) return patched.error();
  } else {
    if (!kube::IsNotFound(live.error())) return live.error();
    kube::client::Api<core::Namespace> namespaces(client_);
    core::Namespace registry_ns;
    registry_ns.metadata.name = std::string(kRegistryNamespace);
    auto ns_created = namespaces.Create(registry_ns, {}, stop);
    if (!ns_created && !kube::IsAlreadyExists(ns_created.error())) return ns_created.error();
    core::ConfigMap cm;
    cm.metadata.name = name;
    cm.metadata.namespace_ = std::string(kRegistryNamespace);
    cm.metadata.labels = {{"app.kubernetes.io/managed-by", std::string(kFieldManager)}};
    cm.data = std::map<std::string, std::string>{{key, url}};
    auto created = registry.Create(cm, {}, stop);
    if (!created) {
      if (!kube::IsAlreadyExists(created.error())) return created.error();
      auto patched =
          registry.Patch(name, kube::client::PatchType::kMerge, patch.dump(), {}, "", stop);
      if (!patched) return patched.error();
    }
  }
  recorder_->Event(app, EventType::kNormal, "Registered",
                   "registered " + url + " in " + std::string(kRegistryNamespace) + "/" + name);
  return Status();
}

Status WebAppReconciler::Deregister(const WebApp& app, std::stop_token stop) {
  kube::client::Api<core::ConfigMap> registry(client_, std::string(kRegistryNamespace));
  const std::string name(kRegistryName);
  const kube::Json patch = {{"data", {{RegistryKey(app), nullptr}}}};
  auto patched = registry.Patch(name, kube::client::PatchType::kMerge, patch.dump(), {}, "", stop);
  if (!patched && !kube::IsNotFound(patched.error())) return patched.error();
  recorder_->Event(
      app, EventType::kNormal, "Deregistered",
      "removed " + RegistryKey(app) + " from " + std::string(kRegistryNamespace) + "/" + name);
  return Status();
}

Status WebAppReconciler::UpdateStatus(const WebApp& app, const apps::Deployment* deployment,
                                      const Status& error, std::stop_token stop) {
  const std::vector<kube::Condition> computed = ComputeConditions(app, deployment, error);
  const kube::Time now(clock_.WallNow());
  auto next_status = [&](const std::optional<v1::WebAppStatus>& current) {
    v1::WebAppStatus next = current.value_or(v1::WebAppStatus{});
    next.observed_generation = app.metadata.generation;
    const apps::DeploymentStatus* ds =
        deployment != nullptr && deployment->status ? &*deployment->status : nullptr;
    next.replicas = ds != nullptr ? ds->replicas.value_or(0) : 0;
    next.available_replicas = ds != nullptr ? ds->available_replicas.value_or(0) : 0;
    auto selector = kube::Selector::FromSet(SelectorLabels(app));
    if (selector) next.selector = selector->ToString();
    next.url = UrlFor(app, options_.cluster_domain);
    std::vector<kube::Condition> conditions =
        FromWire(next.conditions.value_or(std::vector<v1::WebAppStatusConditions>{}));
    for (const auto& c : computed) kube::SetStatusCondition(&conditions, c, now);
    next.conditions = ToWire(conditions);
    return next;
  };
  if (app.status && next_status(app.status) == *app.status) return Status();  // no write
  kube::client::Api<WebApp> webapps(client_, app.metadata.namespace_);
  auto updated = kube::controller::UpdateStatus<kube::client::Api<WebApp>, WebApp>(
      webapps, app.metadata.name,
      [&](WebApp& live) -> Status {
        if (live.metadata.uid != app.metadata.uid) {
          return kube::Status(kube::Code::kConflict, "the WebApp was replaced");
        }
        live.status = next_status(live.status);
        return Status();
      },
      kube::controller::RetryBackoff{.clock = &clock_}, stop);
  if (!updated) return kube::IsNotFound(updated.error()) ? Status() : updated.error();
  return Status();
}

Status SetupWithManager(kube::manager::Manager& mgr, Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  const int workers = options.workers;
  auto reconciler =
      std::make_shared<WebAppReconciler>(mgr.client(), &mgr.event_recorder(), std::move(options));
  return mgr.NewControllerManagedBy()
      .For<WebApp>()
      .Owns<apps::Deployment>()
      .Owns<core::Service>()
      .Owns<core::ConfigMap>()
      .WithOptions({.name = "webapp", .max_concurrent_reconciles = workers})
      .Complete(std::move(reconciler));
}

}  // namespace webapp
