// PodSimulator: stands in for the scheduler and the kubelets of a cluster that has
// no nodes (the fake apiserver), so pods progress as they would on a real cluster
// (docs/k8s-semantics.md A18).
//
// It creates `nodes` Node objects (Ready, with capacity, allocatable, an InternalIP
// and optionally a zone label) and then, for every pod:
//   - schedules it if spec.nodeName is empty (and spec.schedulerName is empty or
//     "default-scheduler"): the nodes it fits (cpu, memory, pod count, nodeSelector)
//     are scored by least allocated requests (ties: fewest pods, then lowest name,
//     where upstream picks at random); the pod
//     is bound through the pods/binding subresource as the real scheduler does. A pod
//     that fits nowhere gets PodScheduled=False (reason Unschedulable) and a Warning
//     FailedScheduling Event ("0/3 nodes are available: 3 Insufficient cpu."), and is
//     retried whenever a node or a pod changes;
//   - starts it on its node after start_delay: phase Running, podIP from the node's
//     pod CIDR (never one in use), hostIP, startTime, conditions and
//     containerStatuses, all through the status subresource;
//   - makes it Ready after ready_delay, unless it is marked never ready (annotation
//     kNeverReadyAnnotation: "true", or SetPodReady(false)); Ready also waits for
//     every spec.readinessGates condition to be True (someone else sets those);
//   - completes graceful deletion: once the pod has a deletionTimestamp, after
//     min(deletionGracePeriodSeconds, grace_period_cap) seconds it is deleted with
//     gracePeriodSeconds=0 and preconditions.uid;
//   - optionally ends it: a pod with restartPolicy Never or OnFailure and the
//     annotation kCompleteAfterAnnotation ("5s") goes Succeeded that long after it
//     started.
// Delays run on the injected Clock (from when the simulator saw the pod pending,
// bound, started or deleted), so tests step a FakeClock instead of sleeping. A
// restarted simulator leaves running pods alone and does not reuse their IPs; delays
// then count from when it first saw the pod.
//
// Test knobs (FailPod, CrashPod, SetPodReady, FailNode, RestoreNode) make failures
// happen on demand. FailNode is node loss as the node lifecycle controller reports it:
// the node's Ready condition becomes Unknown, nothing is scheduled to it, and its
// non-terminal pods become phase Failed with reason NodeLost (so their controllers
// replace them); RestoreNode makes it Ready again.
//
//   PodSimulator::Options options{.nodes = 3, .clock = &fake_clock};
//   auto sim = PodSimulator::New(client, informers, &recorder, options);
//   informers.Start(stop);
//   std::jthread t([&](std::stop_token st) { (void)(*sim)->Run(st); });
//
// Thread-safety: thread-safe. Run is called once; the knobs may be called from any
// thread, before or while it runs.
#ifndef KUBECPP_CONTROLLERS_PODSIM_PODSIM_H_
#define KUBECPP_CONTROLLERS_PODSIM_PODSIM_H_

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/clock.h"
#include "kubecpp/core/result.h"
#include "kubecpp/core/status.h"

namespace kube::client {
class Client;
}
namespace kube::cache {
class InformerFactory;
}
namespace kube::manager {
class EventRecorder;
class Manager;
}  // namespace kube::manager
namespace kube::metrics {
class Registry;
}

namespace kube::controllers::podsim {

// Annotation: "true" keeps the pod's containers (and so the pod) not ready.
inline constexpr std::string_view kNeverReadyAnnotation = "podsim.kubecpp.io/never-ready";
// Annotation: a duration ("5s", "1m30s"); a pod with restartPolicy Never or OnFailure
// goes Succeeded that long after its containers started.
inline constexpr std::string_view kCompleteAfterAnnotation = "podsim.kubecpp.io/complete-after";
// Label on the Node objects the simulator manages (value "true").
inline constexpr std::string_view kManagedNodeLabel = "podsim.kubecpp.io/node";

class PodSimulator {
 public:
  struct Options {
    // Node objects created: <node_prefix>0 .. <node_prefix>(nodes-1). Default 3.
    int nodes = 3;
    std::string node_prefix = "podsim-node-";
    // Capacity (and allocatable) of each node. Defaults "4", "16Gi", 110.
    std::string cpu = "4";
    std::string memory = "16Gi";
    int max_pods = 110;
    // Node i gets label topology.kubernetes.io/zone = zones[i % size]. Default none.
    std::vector<std::string> zones;
    // (Node i has pod CIDR 10.244.<i>.0/24, pod IPs .2 to .254, and InternalIP
    // 172.18.<i / 250>.<i % 250 + 2>.)

    // Delays from seeing a pending pod to binding it, from binding to Running, and
    // from Running to Ready. Default 0 each.
    Clock::Duration schedule_delay{};
    Clock::Duration start_delay{};
    Clock::Duration ready_delay{};
    // Graceful deletion completes min(grace period, this) after the pod got its
    // deletionTimestamp. Default 0: at once.
    std::chrono::seconds grace_period_cap{0};
    // Reconcile workers. Default 5.
    int workers = 5;
    // Time source. Default RealClock().
    Clock* clock = nullptr;
    // Controller metrics go here. Default metrics::DefaultRegistry().
    metrics::Registry* metrics_registry = nullptr;
  };

  // REQUIRES: `client`, `informers` and `recorder` (may be null: no Events) outlive
  // the simulator. Errors: kInvalid for bad options (nodes outside 0..256, max_pods
  // outside 1..253, a bad cpu/memory quantity, workers < 1); the informers' errors.
  [[nodiscard]] static Result<std::unique_ptr<PodSimulator>> New(client::Client* client,
                                                                 cache::InformerFactory& informers,
                                                                 manager::EventRecorder* recorder,
                                                                 Options options);
  ~PodSimulator();
  PodSimulator(const PodSimulator&) = delete;
  PodSimulator& operator=(const PodSimulator&) = delete;

  // Creates the nodes (or makes existing ones Ready with this capacity), then runs
  // the controller until `stop`. The informer factory must be started (by the
  // caller or a manager). Blocks. Errors: node writes that fail; the controller's.
  [[nodiscard]] Status Run(std::stop_token stop);

  // --- Test knobs. Each writes through the apiserver and returns its error
  // (kNotFound for a missing pod). Blocks on the apiserver. ----------------------------
  // Phase Failed: containers terminated (exit code 1, reason Error), Ready False.
  [[nodiscard]] Status FailPod(std::string_view namespace_, std::string_view name);
  // A container crash and restart: restartCount + 1, lastState terminated, not ready
  // until ready_delay has passed again. Errors: kBadRequest when it is not Running.
  [[nodiscard]] Status CrashPod(std::string_view namespace_, std::string_view name);
  // ready=false keeps the pod's containers not ready until SetPodReady(true).
  void SetPodReady(std::string_view namespace_, std::string_view name, bool ready);
  // Node loss (see the file comment). Errors: kNotFound for a node not simulated.
  [[nodiscard]] Status FailNode(std::string_view name);
  // The node is Ready again and pods may be scheduled to it.
  [[nodiscard]] Status RestoreNode(std::string_view name);

  // The names of the simulated nodes.
  std::vector<std::string> node_names() const;

 private:
  class Impl;
  explicit PodSimulator(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Adds the simulator to `mgr` as a runnable (leader only) using the manager's client,
// informers, event recorder, clock and metrics registry where `options` leaves them
// unset. The returned pointer stays valid as long as the manager. Errors as New.
[[nodiscard]] Result<PodSimulator*> SetupWithManager(manager::Manager& mgr,
                                                     PodSimulator::Options options);

}  // namespace kube::controllers::podsim

#endif  // KUBECPP_CONTROLLERS_PODSIM_PODSIM_H_
