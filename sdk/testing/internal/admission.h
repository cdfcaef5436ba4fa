// Admission for the fake apiserver: the defaulting, validation and Service IP/port
// allocation that upstream's decoders, registry strategies and admission plugins apply
// to every write of a built-in kind (k8s-semantics.md A4, A5, A15, A17).
//
// Objects are untyped JSON. ApplyDefaults fills what upstream fills (Pod and pod
// template defaults, Deployment strategy 25%/25%, Service type and ports, Namespace
// finalizers, ...). Validate answers what upstream answers: OK, or the 422 Invalid
// Status with upstream's message ("Deployment.apps \"web\" is invalid: spec.selector:
// Required value"), reason, code and details.causes. ServiceAllocator hands out
// clusterIPs and nodePorts.
//
// The engine applies them in upstream's order:
//   create: generate the name, set uid, clear status -> ApplyDefaults -> Validate ->
//           ServiceAllocator::Allocate (Services) -> persist;
//   update: carry over server-owned fields and status -> ApplyDefaults (for Services
//           this also keeps the allocated clusterIP/nodePorts an update left out) ->
//           Validate -> ServiceAllocator::Allocate(obj, old) -> persist;
//   final deletion of a Service: ServiceAllocator::Release.
// Custom resources get metadata validation only (their schema lives in schema.h).
//
// Thread-safety: ApplyDefaults and Validate are stateless and thread-safe.
// ServiceAllocator is not synchronized; the engine calls it under its own lock.
#ifndef KUBECPP_TESTING_INTERNAL_ADMISSION_H_
#define KUBECPP_TESTING_INTERNAL_ADMISSION_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/json.h"
#include "kubecpp/core/status.h"

namespace kube::testing::internal {

// One write as admission sees it.
struct AdmissionRequest {
  std::string_view group;    // of the object: "" for core, "apps", ...
  std::string_view version;  // "v1"
  std::string_view kind;     // "Deployment"
  bool namespaced = true;
  bool create = true;                 // false: an update; then `old` is the stored object
  const Json* old = nullptr;          // REQUIRES: non-null when !create
  bool status_subresource = false;    // written through /status
  bool finalize_subresource = false;  // Namespace written through /finalize
  bool custom = false;                // a custom resource (kind from a CRD)
};

// Applies the built-in defaults to `obj` in place, with upstream's values: PodSpec
// (restartPolicy Always, dnsPolicy ClusterFirst, terminationGracePeriodSeconds 30,
// schedulerName, securityContext {}, container terminationMessagePath/Policy,
// imagePullPolicy from the image tag, port protocol TCP, probe and volume defaults)
// wherever a pod template appears; Pods additionally enableServiceLinks, requests
// from limits and, on create, what admission plugins add (serviceAccountName
// "default", priority 0, preemptionPolicy, the not-ready/unreachable tolerations) and
// status {phase: Pending, qosClass}; Deployment (replicas 1, RollingUpdate 25%/25%,
// revisionHistoryLimit 10, progressDeadlineSeconds 600), ReplicaSet, StatefulSet,
// DaemonSet, Job (including the generated selector when metadata.uid is set),
// CronJob, ReplicationController; Service (type ClusterIP, sessionAffinity None, port
// protocol TCP, targetPort = port, traffic policies, ipFamilies [IPv4] SingleStack,
// clusterIPs = [clusterIP]; on update the clusterIP and nodePorts the body omitted
// are kept from `old`); Namespace (spec.finalizers ["kubernetes"] on create and kept
// on update, status.phase Active, label kubernetes.io/metadata.name); Secret (type
// Opaque, stringData folded into data); Node, PersistentVolume(Claim) basics.
// ConfigMap, Endpoints, EndpointSlice, Lease and custom resources are left alone.
// Never fails: malformed shapes are left for Validate or the decoder to reject.
void ApplyDefaults(const AdmissionRequest& req, Json* obj);

// Validates `obj` (already defaulted) as upstream's strategy does for `req`:
// metadata (name format per kind, generateName, namespace, labels, annotations size,
// ownerReferences, finalizers; on update the immutable fields and the no-new-finalizers
// rule) and the kind's rules (pod specs, selectors matching templates, immutable
// selectors, Deployment strategy, Service ports/types/clusterIP immutability,
// ConfigMap/Secret keys and sizes, ...).
// Returns OK, or kInvalid (reason "Invalid", 422) with message
// `<Kind>[.<group>] "<name>" is invalid: <field>: <detail>` (several errors joined as
// "[e1, e2]") and details {name, group, kind = <Kind>, causes[]}.
[[nodiscard]] Status Validate(const AdmissionRequest& req, const Json& obj);

// One field error, as upstream's field.Error.
struct FieldError {
  std::string type;   // cause type: "FieldValueInvalid", "FieldValueRequired", ...
  std::string field;  // "spec.template.spec.containers[0].image"
  std::string body;   // ErrorBody(): "Invalid value: \"x\": <detail>", "Required value"
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// The 422 Status upstream's errors.NewInvalid builds from `errors`.
// REQUIRES: !errors.empty().
[[nodiscard]] Status InvalidStatus(std::string_view group, std::string_view kind,
                                   std::string_view name, const std::vector<FieldError>& errors);

// The QoS class of a pod spec ("Guaranteed", "Burstable" or "BestEffort"), computed
// as upstream's qos.GetPodQOS does from container requests and limits.
std::string PodQosClass(const Json& pod_spec);

// Service clusterIP and nodePort allocation (A17). IPs come from an IPv4 CIDR, lowest
// free address first; the network and broadcast addresses are never handed out and the
// first host address (10.96.0.1, the `kubernetes` Service) is given only on request.
// Node ports come from [node_port_min, node_port_max], lowest free first.
class ServiceAllocator {
 public:
  // REQUIRES: `cidr` is an IPv4 CIDR with a prefix of at most /30;
  // node_port_min <= node_port_max.
  explicit ServiceAllocator(std::string_view cidr = "10.96.0.0/12", int node_port_min = 30000,
                            int node_port_max = 32767);
  ServiceAllocator(const ServiceAllocator&) = delete;
  ServiceAllocator& operator=(const ServiceAllocator&) = delete;

  // Allocates for a Service being created (`old` null) or updated, writing the results
  // into `service`: spec.clusterIP "" or absent gets the next free IP, "None" stays
  // headless, an explicit IP is reserved; clusterIPs becomes [clusterIP]. NodePort and
  // LoadBalancer Services get a nodePort per port (explicit ones reserved; ports with
  // the same port number share one). On update the clusterIP and nodePorts `old` holds
  // are kept (filled in when the update omits them), ports and IPs the Service no longer
  // uses are released, and a change to or from ExternalName allocates or releases.
  // All or nothing: on error nothing is reserved or released.
  // Errors: kInvalid 422 Service "<name>" is invalid: spec.clusterIPs: Invalid value:
  // []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: provided IP is already
  // allocated (or "provided IP is not in the valid range. The range of valid IPs is
  // <cidr>"); spec.ports[i].nodePort: Invalid value: 30080: provided port is already
  // allocated (or "provided port is not in the valid range. The range of valid ports is
  // 30000-32767"); kInternal "failed to allocate a serviceIP: range is full" / "failed
  // to allocate a nodePort: range is full".
  [[nodiscard]] Status Allocate(Json* service, const Json* old);

  // Frees the clusterIP and nodePorts of a deleted Service. Unknown values are ignored.
  void Release(const Json& service);

  // Forgets everything, then marks what `services` hold as allocated (after a snapshot
  // load). Values outside the ranges are ignored.
  void Restore(const std::vector<const Json*>& services);

  bool IsIPAllocated(std::string_view ip) const;
  bool IsNodePortAllocated(int port) const;
  const std::string& cidr() const { return cidr_; }

 private:
  // Index of `ip` in the range, or -1 when it does not parse or lies outside.
  int64_t IpOffset(std::string_view ip) const;
  std::string IpAt(int64_t offset) const;
  std::string PortRange() const;

  std::string cidr_;
  uint32_t base_ = 0;  // network address
  int64_t size_ = 0;   // number of addresses in the CIDR
  int node_port_min_;
  int node_port_max_;
  std::set<int64_t> ips_;  // allocated offsets from base_
  std::set<int> ports_;    // allocated node ports
};

}  // namespace kube::testing::internal

#endif  // KUBECPP_TESTING_INTERNAL_ADMISSION_H_
