// webapp-operator: runs a WebApp custom resource (examples.kubecpp.io/v1, CRD in
// config/crd.yaml, C++ types generated from it at build time) as three owned objects:
//
//   ConfigMap  <name>-env  spec.env, read by the container through envFrom
//   Deployment <name>      spec.image/replicas/port/pullPolicy; its pod template
//                          carries the ConfigMap's content hash (kConfigHashAnnotation),
//                          so a change of spec.env rolls the pods
//   Service    <name>      spec.port on spec.serviceType
//
// all controlled by the WebApp (ownerReferences with controller=true, so the garbage
// collector deletes them with it and their changes trigger a reconcile). Outside the
// owner graph it keeps one entry per WebApp, "<namespace>.<name>: <url>", in the
// ConfigMap webapp-registry/webapp-urls (kRegistryNamespace/kRegistryName); the
// finalizer kFinalizer removes the entry before the WebApp goes away.
//
// Status: observedGeneration, replicas and availableReplicas from the Deployment,
// selector (the scale subresource's labelSelectorPath, so `kubectl scale webapp` and
// HPAs work), url ("http://<host>" or the Service's cluster DNS name) and conditions
// Available, Progressing, Degraded and Ready (see ComputeConditions). Events: Created,
// ConfigChanged, Scaled, Registered, Deregistered, ReconcileFailed.
//
//   auto mgr = kube::manager::Manager::New(config, {});
//   KUBE_RETURN_IF_ERROR(webapp::InstallCrd(*(*mgr)->client()));  // optional
//   KUBE_RETURN_IF_ERROR(webapp::SetupWithManager(**mgr));
//   (*mgr)->Start(stop);
//
// Thread-safety: WebAppReconciler is safe for concurrent reconciles of different keys;
// the free functions are stateless.
#ifndef KUBECPP_EXAMPLES_WEBAPP_OPERATOR_WEBAPP_OPERATOR_H_
#define KUBECPP_EXAMPLES_WEBAPP_OPERATOR_WEBAPP_OPERATOR_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/api/apps/v1/types.h"
#include "kubecpp/client/client.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/condition.h"
#include "kubecpp/core/result.h"
#include "kubecpp/manager/event_recorder.h"
#include "kubecpp/manager/manager.h"
#include "webapp_operator_types/examples/v1/types.h"

namespace webapp {

using WebApp = ::webapp::api::examples::v1::WebApp;

inline constexpr std::string_view kFinalizer = "examples.kubecpp.io/registry";
inline constexpr std::string_view kConfigHashAnnotation = "examples.kubecpp.io/config-hash";
inline constexpr std::string_view kRegistryNamespace = "webapp-registry";
inline constexpr std::string_view kRegistryName = "webapp-urls";
// Field manager of the operator's writes.
inline constexpr std::string_view kFieldManager = "webapp-operator";
// Condition types.
inline constexpr std::string_view kAvailable = "Available";
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kDegraded = "Degraded";
inline constexpr std::string_view kReady = "Ready";

struct Options {
  // Concurrent reconciles. Default 1.
  int workers = 1;
  // Condition timestamps and events. Default: the manager's clock (RealClock()).
  kube::Clock* clock = nullptr;
  // The Service DNS suffix used in status.url when spec.host is unset.
  std::string cluster_domain = "cluster.local";
};

// Labels on every owned object; the first two are the pods' selector.
std::map<std::string, std::string> SelectorLabels(const WebApp& app);
std::map<std::string, std::string> CommonLabels(const WebApp& app);
// Names of the owned objects.
std::string ConfigMapName(const WebApp& app);  // "<name>-env"
// The registry key of the app: "<namespace>.<name>".
std::string RegistryKey(const WebApp& app);

// FNV-1a of the ConfigMap data (keys and values, in key order), as 16 hex digits.
std::string ConfigHash(const std::map<std::string, std::string>& data);
// "http://<host>" when spec.host is set, else
// "http://<name>.<namespace>.svc.<cluster_domain>[:<port>]" (no port when 80).
std::string UrlFor(const WebApp& app, std::string_view cluster_domain = "cluster.local");

// The objects the operator wants, built from the (defaulted) spec: used by the
// reconciler's mutate functions, and handy for checking the output in tests.
kube::api::apps::v1::Deployment DesiredDeployment(const WebApp& app, std::string_view config_hash);

// The conditions that describe `deployment` (nullptr: not created yet) for `app`;
// `error` is the reconcile's write failure (OK when none):
//   Degraded     True ReconcileFailed (error) / ProgressDeadlineExceeded (from the
//                Deployment), else False AsExpected
//   Progressing  True RollingOut while the Deployment has not observed its latest
//                spec or not every pod is updated; else False RolloutComplete
//   Available    True AllReplicasAvailable when availableReplicas >= spec.replicas,
//                else False ReplicasUnavailable ("1/3 replicas available")
//   Ready        True Ready when Available and neither Progressing nor Degraded;
//                else False with the reason of the first of those that blocks
// observedGeneration is the app's generation; last_transition_time is left zero
// (kube::SetStatusCondition fills it).
std::vector<kube::Condition> ComputeConditions(const WebApp& app,
                                               const kube::api::apps::v1::Deployment* deployment,
                                               const kube::Status& error);

// The CRD of WebApp (config/crd.yaml, compiled in).
std::string_view CrdYaml();
// Creates (or updates) the CRD and waits until the apiserver reports it Established.
// Errors: the client's; kTimeout after 30 s without Established.
[[nodiscard]] kube::Status InstallCrd(kube::client::Client& client);

class WebAppReconciler : public kube::controller::Reconciler {
 public:
  // REQUIRES: `client` and `recorder` outlive the reconciler.
  WebAppReconciler(kube::client::Client* client, kube::manager::EventRecorder* recorder,
                   Options options = {});

  [[nodiscard]] kube::Result<kube::controller::Action> Reconcile(
      const kube::controller::Request& request) override;

 private:
  // Writes the owned objects; the live Deployment ends up in *deployment.
  kube::Status ReconcileChildren(const WebApp& app, kube::api::apps::v1::Deployment* deployment,
                                 const kube::controller::Request& request);
  kube::Status Register(const WebApp& app, const std::string& url, std::stop_token stop);
  kube::Status Deregister(const WebApp& app, std::stop_token stop);
  kube::Status UpdateStatus(const WebApp& app, const kube::api::apps::v1::Deployment* deployment,
                            const kube::Status& error, std::stop_token stop);

  kube::client::Client* const client_;
  kube::manager::EventRecorder* const recorder_;
  const Options options_;
  kube::Clock& clock_;
};

// Adds the WebApp controller (For<WebApp>, Owns<Deployment/Service/ConfigMap>) to
// `mgr`. The CRD must be installed before the manager starts (InstallCrd).
[[nodiscard]] kube::Status SetupWithManager(kube::manager::Manager& mgr, Options options = {});

}  // namespace webapp

#endif  // KUBECPP_EXAMPLES_WEBAPP_OPERATOR_WEBAPP_OPERATOR_H_
