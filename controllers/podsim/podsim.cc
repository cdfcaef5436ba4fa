#include "controllers/podsim/podsim.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "controllers/common/pod_util.h"
#include "controllers/podsim/scheduling.h"
#include "kubecpp/cache/informer.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/controller/controller.h"
#include "kubecpp/controller/handler.h"
#include "kubecpp/controller/source.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/quantity.h"
#include "kubecpp/core/time.h"
#include "kubecpp/manager/manager.h"

namespace kube::controllers::podsim {
namespace {

using api::core::v1::Node;
using api::core::v1::Pod;
using api::core::v1::PodSpecRestartPolicy;
using api::core::v1::PodStatusPhase;
using controller::Action;

constexpr std::string_view kFieldManager = "kube-controller-manager";
constexpr std::string_view kZoneLabel = "topology.kubernetes.io/zone";
constexpr std::string_view kUnreachableReason =
    "node(s) had untolerated taint {node.kubernetes.io/unreachable: }";
constexpr std::string_view kSelectorReason = "node(s) didn't match Pod's node affinity/selector";
constexpr int kFirstHost = 2;   // .0 is the network, .1 the node's bridge
constexpr int kLastHost = 254;  // .255 is the broadcast address

const client::ResourceRef kPods = client::ResourceRefFor<Pod>();
const client::ResourceRef kNodes = client::ResourceRefFor<Node>();

std::string PodKey(std::string_view namespace_, std::string_view name) {
  return std::string(namespace_) + "/" + std::string(name);
}

std::string Phase(const Pod& pod) {
  if (!pod.status || !pod.status->phase) return "";
  return std::string(pod.status->phase->ToString());
}

std::string SchedulerName(const Pod& pod) {
  return pod.spec ? pod.spec->scheduler_name.value_or("") : "";
}

std::string NodeName(const Pod& pod) { return pod.spec ? pod.spec->node_name.value_or("") : ""; }

std::string Annotation(const Pod& pod, std::string_view key) {
  auto it = pod.metadata.annotations.find(std::string(key));
  return it == pod.metadata.annotations.end() ? "" : it->second;
}

// spec.readinessGates[].conditionType (not modelled by the typed PodSpec).
std::vector<std::string> ReadinessGates(const Pod& pod) {
  std::vector<std::string> gates;
  if (!pod.spec || pod.spec->unknown_fields.empty()) return gates;
  const Json& spec = pod.spec->unknown_fields.value();
  auto it = spec.find("readinessGates");
  if (it == spec.end() || !it->is_array()) return gates;
  for (const Json& gate : *it) {
    if (!gate.is_object()) continue;
    auto type = gate.find("conditionType");
    if (type != gate.end() && type->is_string()) gates.push_back(type->get<std::string>());
  }
  return gates;
}

// Why the readiness gates hold the pod back (upstream status.GeneratePodReadyCondition
// messages); empty when every gate condition is True.
std::string ReadinessGatesProblem(const Pod& pod) {
  std::vector<std::string> problems;
  for (const std::string& gate : ReadinessGates(pod)) {
    const auto* condition = GetPodCondition(pod, gate);
    if (condition == nullptr) {
      problems.push_back("corresponding condition of pod readiness gate \"" + gate +
                         "\" does not exist.");
    } else if (condition->status != "True") {
      problems.push_back("the status of pod readiness gate \"" + gate + "\" is not \"True\", but " +
                         condition->status);
    }
  }
  std::string out;
  for (size_t i = 0; i < problems.size(); ++i) out += (i > 0 ? ", " : "") + problems[i];
  return out;
}

std::string Now(Clock& clock) { return Time(clock.WallNow()).ToString(); }

// A pod condition as written to the status; `since` is kept when `status` did not
// change.
Json Condition(std::string_view type, std::string_view status, std::string_view reason,
               std::string_view message, const std::string& since) {
  Json c = {{"type", type}, {"status", status}, {"lastProbeTime", nullptr}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  c["lastTransitionTime"] = since;
  return c;
}

// The container's status JSON in the live pod, or null.
Json ObservedContainer(const Json& status, const std::string& name) {
  auto list = status.find("containerStatuses");
  if (list == status.end() || !list->is_array()) return nullptr;
  for (const Json& c : *list) {
    auto n = c.find("name");
    if (n != c.end() && n->is_string() && n->get<std::string>() == name) return c;
  }
  return nullptr;
}

int64_t IntIn(const Json& object, std::string_view key) {
  if (!object.is_object()) return 0;
  auto it = object.find(std::string(key));
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string StringIn(const Json& object, std::initializer_list<std::string_view> path) {
  const Json* at = &object;
  for (std::string_view key : path) {
    if (!at->is_object()) return "";
    auto it = at->find(std::string(key));
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

std::string ContainerId(const Pod& pod, const std::string& container, int64_t restarts) {
  std::string uid = pod.metadata.uid.substr(0, std::min<size_t>(pod.metadata.uid.size(), 8));
  return "podsim://" + uid + "-" + container + "-" + std::to_string(restarts);
}

std::string ImageId(const std::string& image) { return "podsim.kubecpp.io/" + image; }

Json PodStatusJson(const Pod& pod) {
  Json out;
  ToJson(pod, &out);
  auto it = out.find("status");
  return it != out.end() && it->is_object() ? *it : Json::object();
}

}  // namespace

class PodSimulator::Impl {
 public:
  Impl(client::Client* client, manager::EventRecorder* recorder, Options options,
       Resources allocatable)
      : client_(client),
        recorder_(recorder),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
        allocatable_(allocatable) {
    for (int i = 0; i < options_.nodes; ++i) {
      SimNode node;
      node.name = options_.node_prefix + std::to_string(i);
      node.index = i;
      node.cidr_prefix = "10.244." + std::to_string(i) + ".";
      node.internal_ip = "172.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2);
      node.labels = {{"kubernetes.io/hostname", node.name},
                     {"kubernetes.io/os", "linux"},
                     {"kubernetes.io/arch", "amd64"},
                     {std::string(kManagedNodeLabel), "true"}};
      if (!options_.zones.empty()) {
        node.labels[std::string(kZoneLabel)] =
            options_.zones[static_cast<size_t>(i) % options_.zones.size()];
      }
      node.usage.allocatable = allocatable_;
      node.usage.allowed_pods = options_.max_pods;
      node_index_[node.name] = nodes_.size();
      nodes_.push_back(std::move(node));
    }
  }

  ~Impl() {
    pod_handler_.Remove();
    node_handler_.Remove();
    controller_.reset();
  }

  Status Init(cache::InformerFactory& informers) {
    auto pods = informers.For<Pod>();
    if (!pods.ok()) return pods.status();
    pods_ = std::move(*pods);
    auto nodes = informers.For<Node>();
    if (!nodes.ok()) return nodes.status();
    nodes_informer_ = std::move(*nodes);

    auto made = controller::Controller::New(
        {.name = "podsim",
         .max_concurrent_reconciles = options_.workers,
         .clock = &clock_,
         .metrics_registry = options_.metrics_registry},
        controller::ReconcilerFunc(
            [this](const controller::Request& request) { return Reconcile(request); }));
    if (!made.ok()) return made.status();
    controller_ = std::move(*made);

    // The accounting handlers come first: the informer calls handlers in the order
    // they were added, so usage and IPs are current before a reconcile is queued.
    pod_handler_ = pods_->AddEventHandler({
        .on_add = [this](const std::shared_ptr<const Pod>& pod, bool) { Observe(*pod); },
        .on_update = [this](const std::shared_ptr<const Pod>&,
                            const std::shared_ptr<const Pod>& pod) { Observe(*pod); },
        .on_delete =
            [this](const cache::DeletedObject<Pod>& deleted) {
              if (deleted.object) Forget(*deleted.object);
            },
    });
    node_handler_ = nodes_informer_->AddEventHandler({
        .on_add = [this](const std::shared_ptr<const Node>&, bool) { RetryUnschedulable(); },
        .on_update = [this](const std::shared_ptr<const Node>&,
                            const std::shared_ptr<const Node>&) { RetryUnschedulable(); },
        .on_delete = [this](const cache::DeletedObject<Node>&) { RetryUnschedulable(); },
    });
    controller_->Watch(std::make_unique<controller::KindSource<Pod>>(
        pods_, controller::EnqueueRequestForObject<Pod>(),
        std::vector<controller::Predicate<Pod>>{},
        /*primary=*/true));
    controller_->Watch(
        std::make_unique<controller::KindSource<Node>>(nodes_informer_, [this](const Node& node) {
          std::vector<ObjectKey> keys;
          if (node_index_.contains(node.metadata.name)) {
            keys.push_back(ObjectKey{"", node.metadata.name});
          }
          return keys;
        }));
    return Status();
  }

  Status Run(std::stop_token stop) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      KUBE_RETURN_IF_ERROR(EnsureNode(i, /*created_only=*/false, stop));
    }
    return controller_->Run(stop);
  }

  // --- Knobs --------------------------------------------------------------------------

  Status FailPod(std::string_view namespace_, std::string_view name) {
    client::Api<Pod> pods(client_, std::string(namespace_));
    auto pod = pods.Get(name);
    if (!pod.ok()) return pod.status();
    KUBE_RETURN_IF_ERROR(WriteTerminal(*pod, "Failed", "", ""));
    return Status();
  }

  Status CrashPod(std::string_view namespace_, std::string_view name) {
    client::Api<Pod> pods(client_, std::string(namespace_));
    auto pod = pods.Get(name);
    if (!pod.ok()) return pod.status();
    if (Phase(*pod) != "Running" || !pod->spec) {
      return BadRequestError("pod " + PodKey(namespace_, name) + " is not running");
    }
    const std::string now = Now(clock_);
    const Json observed = PodStatusJson(*pod);
    Json containers = Json::array();
    std::vector<std::string> names;
    std::map<std::string, Json> crashed;
    for (const auto& c : pod->spec->containers) {
      Json before = ObservedContainer(observed, c.name);
      const int64_t restarts = IntIn(before, "restartCount") + 1;
      std::string started = StringIn(before, {"state", "running", "startedAt"});
      Json terminated = {{"exitCode", 1},
                         {"reason", "Error"},
                         {"finishedAt", now},
                         {"containerID", ContainerId(*pod, c.name, restarts - 1)}};
      if (!started.empty()) terminated["startedAt"] = started;
      Json status = {{"name", c.name},
                     {"image", c.image.value_or("")},
                     {"imageID", ImageId(c.image.value_or(""))},
                     {"containerID", ContainerId(*pod, c.name, restarts)},
                     {"ready", false},
                     {"started", true},
                     {"restartCount", restarts},
                     {"state", {{"running", {{"startedAt", now}}}}},
                     {"lastState", {{"terminated", std::move(terminated)}}}};
      crashed[c.name] = status;
      containers.push_back(std::move(status));
      names.push_back(c.name);
    }
    const std::string message = UnreadyMessage(names);
    Json patch = {
        {"status",
         {{"containerStatuses", std::move(containers)},
          {"conditions",
           Json::array({Condition("ContainersReady", "False", "ContainersNotReady", message, now),
                        Condition("Ready", "False", "ContainersNotReady", message, now)})}}}};
    {
      std::lock_guard lock(mu_);
      PodRecord& record = records_[pod->metadata.uid];
      record.started_at = clock_.Now();
      // Kept so a write from a cache that has not seen the crash yet keeps it.
      for (auto& [container, status] : crashed) record.crashed[container] = std::move(status);
      record.written.erase("Ready");
      record.written.erase("ContainersReady");
    }
    KUBE_RETURN_IF_ERROR(PatchStatus(std::string(namespace_), std::string(name), patch));
    controller_->Enqueue(ObjectKey{std::string(namespace_), std::string(name)});
    return Status();
  }

  void SetPodReady(std::string_view namespace_, std::string_view name, bool ready) {
    {
      std::lock_guard lock(mu_);
      if (ready) {
        forced_unready_.erase(PodKey(namespace_, name));
      } else {
        forced_unready_.insert(PodKey(namespace_, name));
      }
    }
    controller_->Enqueue(ObjectKey{std::string(namespace_), std::string(name)});
  }

  Status FailNode(std::string_view name) {
    std::set<std::string> keys;
    size_t index = 0;
    {
      std::lock_guard lock(mu_);
      auto it = node_index_.find(std::string(name));
      if (it == node_index_.end())
        return NotFoundError("node " + std::string(name) + " not simulated");
      index = it->second;
      nodes_[index].failed = true;
      for (const auto& [uid, placement] : placed_) {
        if (placement.node == index) keys.insert(placement.key);
      }
    }
    KUBE_RETURN_IF_ERROR(WriteNodeStatus(index, {}));
    for (const auto& pod : pods_->GetIndexer().List()) {
      if (NodeName(*pod) == name) keys.insert(PodKey(pod->metadata.namespace_, pod->metadata.name));
    }
    for (const std::string& key : keys) {
      auto parsed = ObjectKey::Parse(key);
      if (!parsed.ok()) continue;
      client::Api<Pod> pods(client_, parsed->namespace_);
      auto pod = pods.Get(parsed->name);
      if (!pod.ok()) {
        if (IsNotFound(pod.status())) continue;
        return pod.status();
      }
      if (IsPodTerminal(*pod) || NodeName(*pod) != name) continue;
      Status s = WriteTerminal(*pod, "Failed", "NodeLost",
                               "Node " + std::string(name) + " which was running pod " +
                                   pod->metadata.name + " is unresponsive");
      if (!s.ok() && !IsNotFound(s)) return s;
    }
    return Status();
  }

  Status RestoreNode(std::string_view name) {
    size_t index = 0;
    {
      std::lock_guard lock(mu_);
      auto it = node_index_.find(std::string(name));
      if (it == node_index_.end())
        return NotFoundError("node " + std::string(name) + " not simulated");
      index = it->second;
      nodes_[index].failed = false;
    }
    KUBE_RETURN_IF_ERROR(WriteNodeStatus(index, {}));
    RetryUnschedulable();
    return Status();
  }

  std::vector<std::string> node_names() const {
    std::vector<std::string> names;
    for (const SimNode& node : nodes_) names.push_back(node.name);
    return names;
  }

 private:
  struct SimNode {
    std::string name;
    int index = 0;
    std::string cidr_prefix;  // "10.244.3."
    std::string internal_ip;
    std::map<std::string, std::string> labels;
    bool failed = false;  // GUARDED_BY(mu_)
    NodeUsage usage;      // GUARDED_BY(mu_)
    std::set<int> hosts;  // GUARDED_BY(mu_): last octets of pod IPs in use
    int next_host = kFirstHost;
  };
  // A pod counted on a node (bound, or assumed while its binding is in flight).
  struct Placement {
    size_t node = 0;
    std::string key;
    Resources requests;
    Resources non_zero;
  };
  // What the simulator remembers of a pod (by uid).
  struct PodRecord {
    Clock::TimePoint first_seen{};
    std::optional<Clock::TimePoint> bound_at;
    std::optional<Clock::TimePoint> started_at;
    std::optional<Clock::TimePoint> deletion_seen;
    std::string start_time;  // status.startTime written
    // Condition type -> (status, lastTransitionTime) last written, so a write based on
    // a stale cache keeps the transition time.
    std::map<std::string, std::pair<std::string, std::string>> written;
    // Container -> its status as CrashPod wrote it (restartCount, lastState, startedAt).
    std::map<std::string, Json> crashed;
    // FailPod, FailNode or completion wrote a terminal phase: never run it again.
    bool terminal = false;
  };
  struct Unschedulable {
    std::string message;
    bool retry = false;  // the cluster changed since the last attempt
  };

  // --- Accounting (informer handlers) -------------------------------------------------

  void Observe(const Pod& pod) {
    const std::string& uid = pod.metadata.uid;
    bool freed = false;
    {
      std::lock_guard lock(mu_);
      const std::string node_name = NodeName(pod);
      if (IsPodTerminal(pod)) {
        freed = ReleaseLocked(uid);
      } else if (!node_name.empty()) {
        auto it = node_index_.find(node_name);
        if (it == node_index_.end()) {
          freed = ReleaseLocked(uid);
        } else {
          PlaceLocked(uid, PodKey(pod.metadata.namespace_, pod.metadata.name), it->second,
                      PodRequests(pod), NonZeroPodRequests(pod));
          const std::string ip = pod.status ? pod.status->pod_ip.value_or("") : "";
          SimNode& node = nodes_[it->second];
          if (ip.starts_with(node.cidr_prefix)) {
            int host = std::atoi(ip.c_str() + node.cidr_prefix.size());
            auto have = ips_.find(uid);
            if (have == ips_.end() || have->second != std::make_pair(it->second, host)) {
              ReleaseIpLocked(uid);
              ips_[uid] = {it->second, host};
              node.hosts.insert(host);
            }
          }
        }
      }
    }
    if (freed) RetryUnschedulable();
  }

  void Forget(const Pod& pod) {
    {
      std::lock_guard lock(mu_);
      ReleaseLocked(pod.metadata.uid);
      records_.erase(pod.metadata.uid);
      unschedulable_.erase(PodKey(pod.metadata.namespace_, pod.metadata.name));
    }
    RetryUnschedulable();
  }

  void PlaceLocked(const std::string& uid, std::string key, size_t node, Resources requests,
                   Resources non_zero) {
    auto it = placed_.find(uid);
    if (it != placed_.end()) {
      if (it->second.node == node) return;
      UnplaceLocked(it);
    }
    NodeUsage& usage = nodes_[node].usage;
    usage.requested += requests;
    usage.non_zero_requested += non_zero;
    usage.pods += 1;
    placed_[uid] = Placement{node, std::move(key), requests, non_zero};
  }

  void UnplaceLocked(std::map<std::string, Placement>::iterator it) {
    NodeUsage& usage = nodes_[it->second.node].usage;
    usage.requested -= it->second.requests;
    usage.non_zero_requested -= it->second.non_zero;
    usage.pods -= 1;
    placed_.erase(it);
  }

  void ReleaseIpLocked(const std::string& uid) {
    auto ip = ips_.find(uid);
    if (ip == ips_.end()) return;
    nodes_[ip->second.first].hosts.erase(ip->second.second);
    ips_.erase(ip);
  }

  // Frees the pod's resources and IP. True when it held resources.
  bool ReleaseLocked(const std::string& uid) {
    ReleaseIpLocked(uid);
    auto it = placed_.find(uid);
    if (it == placed_.end()) return false;
    UnplaceLocked(it);
    return true;
  }

  // The pod's IP on `node`, allocating the next free one. Empty when the CIDR is full.
  std::string AssignIpLocked(const std::string& uid, size_t node_index) {
    SimNode& node = nodes_[node_index];
    auto have = ips_.find(uid);
    if (have != ips_.end()) {
      if (have->second.first == node_index) {
        return node.cidr_prefix + std::to_string(have->second.second);
      }
      ReleaseIpLocked(uid);
    }
    for (int tries = 0; tries <= kLastHost - kFirstHost; ++tries) {
      int host = node.next_host;
      node.next_host = host >= kLastHost ? kFirstHost : host + 1;
      if (node.hosts.contains(host)) continue;
      node.hosts.insert(host);
      ips_[uid] = {node_index, host};
      return node.cidr_prefix + std::to_string(host);
    }
    return "";
  }

  // Queues every pod waiting for room: something changed that may make it fit.
  void RetryUnschedulable() {
    std::vector<ObjectKey> keys;
    {
      std::lock_guard lock(mu_);
      for (auto& [key, entry] : unschedulable_) {
        entry.retry = true;
        auto parsed = ObjectKey::Parse(key);
        if (parsed.ok()) keys.push_back(*parsed);
      }
    }
    for (const ObjectKey& key : keys) controller_->Enqueue(key);
  }

  // --- Reconcile ----------------------------------------------------------------------

  Result<Action> Reconcile(const controller::Request& request) {
    if (request.key.namespace_.empty()) return ReconcileNode(request.key.name, request.stop);
    auto pod = pods_->GetIndexer().Get(request.key);
    if (!pod || !pod->spec) {
      std::lock_guard lock(mu_);
      unschedulable_.erase(request.key.ToString());
      return Action::Done();
    }
    const std::string& uid = pod->metadata.uid;
    const std::string key = request.key.ToString();
    PodRecord record;
    std::string node_name = NodeName(*pod);
    {
      std::lock_guard lock(mu_);
      auto [it, inserted] = records_.try_emplace(uid);
      if (inserted) it->second.first_seen = clock_.Now();
      record = it->second;
      if (node_name.empty()) {
        // Bound by us, but the cache has not caught up with the binding yet.
        auto placed = placed_.find(uid);
        if (placed != placed_.end()) node_name = nodes_[placed->second.node].name;
      }
    }
    if (pod->metadata.IsBeingDeleted()) {
      if (node_name.empty() || !node_index_.contains(node_name)) return Action::Done();
      return CompleteDeletion(*pod, request.stop);
    }
    if (IsPodTerminal(*pod)) {
      std::lock_guard lock(mu_);
      unschedulable_.erase(key);
      return Action::Done();
    }
    if (node_name.empty()) {
      const std::string scheduler = SchedulerName(*pod);
      if (!scheduler.empty() && scheduler != "default-scheduler") return Action::Done();
      return Schedule(*pod, record, request.stop);
    }
    auto index = node_index_.find(node_name);
    if (index == node_index_.end()) return Action::Done();  // someone else's node
    return RunPod(*pod, index->second, request.stop);
  }

  Result<Action> ReconcileNode(const std::string& name, std::stop_token stop) {
    auto it = node_index_.find(name);
    if (it == node_index_.end()) return Action::Done();
    auto node = nodes_informer_->GetIndexer().Get(ObjectKey{"", name});
    if (!node) {
      KUBE_RETURN_IF_ERROR(EnsureNode(it->second, /*created_only=*/true, stop));
      return Action::Done();
    }
    bool failed;
    {
      std::lock_guard lock(mu_);
      failed = nodes_[it->second].failed;
    }
    std::string ready;
    if (node->status && node->status->conditions) {
      for (const auto& c : *node->status->conditions) {
        if (c.type == "Ready") ready = c.status;
      }
    }
    if (ready != (failed ? "Unknown" : "True")) {
      KUBE_RETURN_IF_ERROR(WriteNodeStatus(it->second, stop));
    }
    return Action::Done();
  }

  Result<Action> Schedule(const Pod& pod, const PodRecord& record, std::stop_token stop) {
    const Clock::Duration wait = record.first_seen + options_.schedule_delay - clock_.Now();
    if (wait > Clock::Duration::zero()) return Action::RequeueAfter(wait);
    const std::string key = PodKey(pod.metadata.namespace_, pod.metadata.name);
    const Resources requests = PodRequests(pod);
    const Resources non_zero = NonZeroPodRequests(pod);
    const std::map<std::string, std::string> selector = pod.spec && pod.spec->node_selector
                                                            ? *pod.spec->node_selector
                                                            : std::map<std::string, std::string>{};
    std::optional<size_t> best;
    std::string message;
    bool record_event = false;
    {
      std::lock_guard lock(mu_);
      int64_t best_score = -1;
      std::map<std::string, int> reasons;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        const SimNode& node = nodes_[i];
        if (node.failed) {
          ++reasons[std::string(kUnreachableReason)];
          continue;
        }
        bool matches = true;
        for (const auto& [k, v] : selector) {
          auto label = node.labels.find(k);
          if (label == node.labels.end() || label->second != v) matches = false;
        }
        if (!matches) {
          ++reasons[std::string(kSelectorReason)];
          continue;
        }
        std::vector<std::string> failures = FitFailures(requests, node.usage);
        for (const std::string& reason : failures) ++reasons[reason];
        if (!failures.empty()) continue;
        const int64_t score = LeastAllocatedScore(non_zero, node.usage);
        // Upstream picks among equal scores at random; fewer pods, then the name,
        // is a deterministic stand-in that still spreads pods without requests.
        const auto rank = std::make_tuple(-score, node.usage.pods, node.name);
        if (!best ||
            rank < std::make_tuple(-best_score, nodes_[*best].usage.pods, nodes_[*best].name)) {
          best = i;
          best_score = score;
        }
      }
      if (best) {
        PlaceLocked(pod.metadata.uid, key, *best, requests, non_zero);
        unschedulable_.erase(key);
      } else {
        message = FitErrorMessage(static_cast<int>(nodes_.size()), reasons);
        auto [it, inserted] = unschedulable_.try_emplace(key);
        record_event = inserted || it->second.retry || it->second.message != message;
        it->second = Unschedulable{message, false};
      }
    }
    if (!best) return MarkUnschedulable(pod, message, record_event, stop);

    const std::string& node_name = nodes_[*best].name;
    Json binding = {{"apiVersion", "v1"},
                    {"kind", "Binding"},
                    {"metadata",
                     {{"name", pod.metadata.name},
                      {"namespace", pod.metadata.namespace_},
                      {"uid", pod.metadata.uid}}},
                    {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}}}};
    auto bound = client_->Call(
        "POST", client::ResourcePath(kPods, pod.metadata.namespace_, pod.metadata.name, "binding"),
        binding.dump(), "application/json", stop);
    if (!bound.ok()) {
      {
        std::lock_guard lock(mu_);
        auto it = placed_.find(pod.metadata.uid);
        if (it != placed_.end() && it->second.node == *best) UnplaceLocked(it);
      }
      // Conflict: bound already (the cache will tell where); NotFound: gone.
      if (IsConflict(bound.status()) || IsNotFound(bound.status())) return Action::Done();
      return bound.status();
    }
    {
      std::lock_guard lock(mu_);
      records_[pod.metadata.uid].bound_at = clock_.Now();
    }
    if (recorder_ != nullptr) {
      recorder_->Event(pod, manager::EventType::kNormal, "Scheduled",
                       "Successfully assigned " + key + " to " + node_name);
    }
    return RunPod(pod, *best, stop);
  }

  Result<Action> MarkUnschedulable(const Pod& pod, const std::string& message, bool record_event,
                                   std::stop_token stop) {
    if (record_event && recorder_ != nullptr) {
      recorder_->Event(pod, manager::EventType::kWarning, "FailedScheduling", message);
    }
    const auto* current = GetPodCondition(pod, "PodScheduled");
    if (current != nullptr && current->status == "False" &&
        current->reason.value_or("") == "Unschedulable" &&
        current->message.value_or("") == message) {
      return Action::Done();
    }
    std::string since = Now(clock_);
    if (current != nullptr && current->status == "False" && current->last_transition_time) {
      since = current->last_transition_time->ToString();
    }
    Json patch = {{"status",
                   {{"conditions", Json::array({Condition("PodScheduled", "False", "Unschedulable",
                                                          message, since)})}}}};
    Status s = PatchStatus(pod.metadata.namespace_, pod.metadata.name, patch, stop);
    if (!s.ok() && !IsNotFound(s)) return s;
    return Action::Done();
  }

  // Starts the pod on node `index` after start_delay, then keeps its readiness (and
  // completion) as the knobs and delays say.
  Result<Action> RunPod(const Pod& pod, size_t index, std::stop_token stop) {
    const std::string& uid = pod.metadata.uid;
    const std::string key = PodKey(pod.metadata.namespace_, pod.metadata.name);
    const Clock::TimePoint now = clock_.Now();
    const bool running = Phase(pod) == "Running";
    PodRecord record;
    std::string ip;
    bool forced_unready;
    {
      std::lock_guard lock(mu_);
      if (nodes_[index].failed) return Action::Done();
      PodRecord& r = records_[uid];
      if (r.terminal) return Action::Done();
      if (!r.bound_at) r.bound_at = now;
      if (!r.started_at) {
        if (!running) {
          const Clock::Duration wait = *r.bound_at + options_.start_delay - now;
          if (wait > Clock::Duration::zero()) return Action::RequeueAfter(wait);
        }
        r.started_at = now;
      }
      if (r.start_time.empty()) {
        r.start_time =
            running && pod.status->start_time ? pod.status->start_time->ToString() : Now(clock_);
      }
      ip = AssignIpLocked(uid, index);
      forced_unready = forced_unready_.contains(key);
      record = r;
    }
    if (ip.empty()) return UnavailableError("no free pod IP on node " + nodes_[index].name);

    std::optional<Clock::Duration> requeue;
    auto requeue_in = [&](Clock::Duration d) {
      if (!requeue || d < *requeue) requeue = d;
    };

    // Completion (restartPolicy Never / OnFailure with the annotation).
    const std::string complete_after = Annotation(pod, kCompleteAfterAnnotation);
    const auto policy = pod.spec && pod.spec->restart_policy ? pod.spec->restart_policy->value()
                                                             : PodSpecRestartPolicy::kAlways;
    if (!complete_after.empty() && running &&
        (policy == PodSpecRestartPolicy::kNever || policy == PodSpecRestartPolicy::kOnFailure)) {
      auto after = ParseDuration(complete_after);
      if (after.ok()) {
        const Clock::Duration left = *record.started_at + *after - now;
        if (left <= Clock::Duration::zero()) {
          Status s = WriteTerminal(pod, "Succeeded", "", "", stop);
          if (!s.ok() && !IsNotFound(s)) return s;
          return Action::Done();
        }
        requeue_in(left);
      }
    }

    const bool never_ready = Annotation(pod, kNeverReadyAnnotation) == "true";
    const Clock::Duration ready_wait = *record.started_at + options_.ready_delay - now;
    const bool containers_ready =
        !never_ready && !forced_unready && ready_wait <= Clock::Duration::zero();
    if (!never_ready && !forced_unready && !containers_ready) requeue_in(ready_wait);
    const std::string gates = ReadinessGatesProblem(pod);
    const bool ready = containers_ready && gates.empty();

    if (!NeedsStatusWrite(pod, index, ip, record, containers_ready, ready)) {
      return requeue ? Action::RequeueAfter(*requeue) : Action::Done();
    }
    Json patch = {{"status", RunningStatus(pod, index, ip, record, containers_ready, gates)}};
    {
      std::lock_guard lock(mu_);
      if (nodes_[index].failed) return Action::Done();
      PodRecord& r = records_[uid];
      for (const Json& c : patch["status"]["conditions"]) {
        r.written[c["type"].get<std::string>()] = {c["status"].get<std::string>(),
                                                   c["lastTransitionTime"].get<std::string>()};
      }
    }
    Status s = PatchStatus(pod.metadata.namespace_, pod.metadata.name, patch, stop);
    if (!s.ok() && !IsNotFound(s)) return s;
    return requeue ? Action::RequeueAfter(*requeue) : Action::Done();
  }

  // True when the live status differs from what a running pod on `index` with these
  // readiness facts shows.
  bool NeedsStatusWrite(const Pod& pod, size_t index, const std::string& ip,
                        const PodRecord& record, bool containers_ready, bool ready) const {
    if (!pod.status || Phase(pod) != "Running") return true;
    const auto& status = *pod.status;
    if (status.pod_ip.value_or("") != ip) return true;
    if (status.host_ip.value_or("") != nodes_[index].internal_ip) return true;
    if (!status.start_time) return true;
    auto is = [&](std::string_view type, bool want) {
      const auto* c = GetPodCondition(pod, type);
      return c != nullptr && c->status == (want ? "True" : "False");
    };
    if (!is("PodScheduled", true) || !is("Initialized", true) ||
        !is("ContainersReady", containers_ready) || !is("Ready", ready)) {
      return true;
    }
    if (!status.container_statuses ||
        status.container_statuses->size() != pod.spec->containers.size()) {
      return true;
    }
    for (const auto& c : *status.container_statuses) {
      if (c.ready != containers_ready || !c.state || !c.state->running) return true;
      auto crash = record.crashed.find(c.name);
      if (crash != record.crashed.end() && IntIn(crash->second, "restartCount") > c.restart_count) {
        return true;
      }
    }
    return false;
  }

  // The transition time for condition `type` going to `status`: kept from the live pod
  // or from what this simulator last wrote when the status is unchanged.
  std::string Since(const Pod& pod, const PodRecord& record, std::string_view type,
                    std::string_view status, const std::string& now) const {
    const auto* c = GetPodCondition(pod, type);
    if (c != nullptr && c->status == status && c->last_transition_time) {
      return c->last_transition_time->ToString();
    }
    auto it = record.written.find(std::string(type));
    if (it != record.written.end() && it->second.first == status) return it->second.second;
    return now;
  }

  static std::string UnreadyMessage(const std::vector<std::string>& names) {
    std::string message = "containers with unready status: [";
    for (size_t i = 0; i < names.size(); ++i) message += (i > 0 ? " " : "") + names[i];
    return message + "]";
  }

  Json RunningStatus(const Pod& pod, size_t index, const std::string& ip, const PodRecord& record,
                     bool containers_ready, const std::string& gates_problem) const {
    const std::string now = Now(clock_);
    const Json observed = PodStatusJson(pod);
    const std::string& host_ip = nodes_[index].internal_ip;
    Json containers = Json::array();
    std::vector<std::string> names;
    for (const auto& c : pod.spec->containers) {
      Json before = ObservedContainer(observed, c.name);
      if (auto crash = record.crashed.find(c.name);
          crash != record.crashed.end() &&
          IntIn(crash->second, "restartCount") > IntIn(before, "restartCount")) {
        before = crash->second;  // the cache has not seen the crash yet
      }
      const int64_t restarts = IntIn(before, "restartCount");
      std::string started = StringIn(before, {"state", "running", "startedAt"});
      if (started.empty()) started = record.start_time;
      Json status = {{"name", c.name},
                     {"image", c.image.value_or("")},
                     {"imageID", ImageId(c.image.value_or(""))},
                     {"containerID", ContainerId(pod, c.name, restarts)},
                     {"ready", containers_ready},
                     {"started", true},
                     {"restartCount", restarts},
                     {"state", {{"running", {{"startedAt", started}}}}}};
      if (before.is_object() && before.contains("lastState")) {
        status["lastState"] = before["lastState"];
      } else {
        status["lastState"] = Json::object();
      }
      containers.push_back(std::move(status));
      names.push_back(c.name);
    }
    const std::string unready = containers_ready ? "" : UnreadyMessage(names);
    const char* cr = containers_ready ? "True" : "False";
    const bool ready = containers_ready && gates_problem.empty();
    const char* r = ready ? "True" : "False";
    std::string ready_reason = containers_ready ? "ReadinessGatesNotReady" : "ContainersNotReady";
    std::string ready_message = containers_ready ? gates_problem : unready;
    if (ready) ready_reason.clear(), ready_message.clear();
    Json conditions = Json::array({
        Condition("PodScheduled", "True", "", "", Since(pod, record, "PodScheduled", "True", now)),
        Condition("Initialized", "True", "", "", Since(pod, record, "Initialized", "True", now)),
        Condition("ContainersReady", cr, containers_ready ? "" : "ContainersNotReady", unready,
                  Since(pod, record, "ContainersReady", cr, now)),
        Condition("Ready", r, ready_reason, ready_message, Since(pod, record, "Ready", r, now)),
    });
    Json status = {{"phase", "Running"},
                   {"hostIP", host_ip},
                   {"hostIPs", Json::array({{{"ip", host_ip}}})},
                   {"podIP", ip},
                   {"podIPs", Json::array({{{"ip", ip}}})},
                   {"startTime", record.start_time},
                   {"conditions", std::move(conditions)},
                   {"containerStatuses", std::move(containers)}};
    if (pod.spec->init_containers && !pod.spec->init_containers->empty()) {
      Json inits = Json::array();
      for (const auto& c : *pod.spec->init_containers) {
        inits.push_back({{"name", c.name},
                         {"image", c.image.value_or("")},
                         {"imageID", ImageId(c.image.value_or(""))},
                         {"containerID", ContainerId(pod, c.name, 0)},
                         {"ready", true},
                         {"started", false},
                         {"restartCount", 0},
                         {"state",
                          {{"terminated",
                            {{"exitCode", 0},
                             {"reason", "Completed"},
                             {"startedAt", record.start_time},
                             {"finishedAt", record.start_time}}}}}});
      }
      status["initContainerStatuses"] = std::move(inits);
    }
    return status;
  }

  // Phase Succeeded or Failed with every container terminated and Ready False.
  Status WriteTerminal(const Pod& pod, std::string_view phase, std::string_view reason,
                       std::string_view message, std::stop_token stop = {}) {
    const bool failed = phase == "Failed";
    const std::string now = Now(clock_);
    const Json observed = PodStatusJson(pod);
    Json containers = Json::array();
    if (pod.spec) {
      for (const auto& c : pod.spec->containers) {
        Json before = ObservedContainer(observed, c.name);
        const int64_t restarts = IntIn(before, "restartCount");
        Json terminated = {{"exitCode", failed ? 1 : 0},
                           {"reason", failed ? "Error" : "Completed"},
                           {"finishedAt", now},
                           {"containerID", ContainerId(pod, c.name, restarts)}};
        std::string started = StringIn(before, {"state", "running", "startedAt"});
        if (!started.empty()) terminated["startedAt"] = started;
        containers.push_back({{"name", c.name},
                              {"image", c.image.value_or("")},
                              {"imageID", ImageId(c.image.value_or(""))},
                              {"containerID", ContainerId(pod, c.name, restarts)},
                              {"ready", false},
                              {"started", false},
                              {"restartCount", restarts},
                              {"state", {{"terminated", std::move(terminated)}}}});
      }
    }
    const char* condition_reason = failed ? "PodFailed" : "PodCompleted";
    auto since = [&](std::string_view type) {
      const auto* c = GetPodCondition(pod, type);
      if (c != nullptr && c->status == "False" && c->last_transition_time) {
        return c->last_transition_time->ToString();
      }
      return now;
    };
    Json status = {
        {"phase", phase},
        {"containerStatuses", std::move(containers)},
        {"conditions",
         Json::array(
             {Condition("ContainersReady", "False", condition_reason, "", since("ContainersReady")),
              Condition("Ready", "False", condition_reason, "", since("Ready"))})}};
    if (!reason.empty()) status["reason"] = reason;
    if (!message.empty()) status["message"] = message;
    {
      std::lock_guard lock(mu_);
      records_[pod.metadata.uid].terminal = true;
    }
    return PatchStatus(pod.metadata.namespace_, pod.metadata.name, {{"status", std::move(status)}},
                       stop);
  }

  Result<Action> CompleteDeletion(const Pod& pod, std::stop_token stop) {
    const Clock::TimePoint now = clock_.Now();
    Clock::TimePoint seen;
    {
      std::lock_guard lock(mu_);
      PodRecord& r = records_[pod.metadata.uid];
      if (!r.deletion_seen) r.deletion_seen = now;
      seen = *r.deletion_seen;
    }
    // A terminal pod has no containers left to stop: it goes at once.
    const std::chrono::seconds grace(
        IsPodTerminal(pod)
            ? 0
            : std::max<int64_t>(0, pod.metadata.deletion_grace_period_seconds.value_or(0)));
    const Clock::Duration wait = seen + std::min(grace, options_.grace_period_cap) - now;
    if (wait > Clock::Duration::zero()) return Action::RequeueAfter(wait);
    client::DynamicApi pods(client_, kPods, pod.metadata.namespace_);
    Status s = pods.Delete(pod.metadata.name,
                           {.grace_period_seconds = 0, .precondition_uid = pod.metadata.uid}, stop);
    if (!s.ok() && !IsNotFound(s) && !IsConflict(s)) return s;
    return Action::Done();
  }

  // --- Writes -------------------------------------------------------------------------

  Status PatchStatus(const std::string& namespace_, const std::string& name, const Json& patch,
                     std::stop_token stop = {}) {
    client::DynamicApi pods(client_, kPods, namespace_);
    client::PatchOptions options;
    options.write.field_manager = std::string(kFieldManager);
    auto patched =
        pods.Patch(name, client::PatchType::kStrategicMerge, patch.dump(), options, "status", stop);
    return patched.ok() ? Status() : patched.status();
  }

  Json NodeStatus(size_t index, bool failed) const {
    const SimNode& node = nodes_[index];
    const std::string now = Now(clock_);
    const Json capacity = {{"cpu", options_.cpu},
                           {"memory", options_.memory},
                           {"pods", std::to_string(options_.max_pods)},
                           {"ephemeral-storage", "100Gi"}};
    auto plain = [&](std::string_view type, std::string_view reason, std::string_view message) {
      return Json{{"type", type},       {"status", "False"},        {"reason", reason},
                  {"message", message}, {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
    };
    Json ready =
        failed ? Json{{"type", "Ready"},
                      {"status", "Unknown"},
                      {"reason", "NodeStatusUnknown"},
                      {"message", "Kubelet stopped posting node status."},
                      {"lastHeartbeatTime", now},
                      {"lastTransitionTime", now}}
               : Json{{"type", "Ready"},          {"status", "True"},
                      {"reason", "KubeletReady"}, {"message", "kubelet is posting ready status"},
                      {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
    return {{"capacity", capacity},
            {"allocatable", capacity},
            {"conditions", Json::array({plain("MemoryPressure", "KubeletHasSufficientMemory",
                                              "kubelet has sufficient memory available"),
                                        plain("DiskPressure", "KubeletHasNoDiskPressure",
                                              "kubelet has no disk pressure"),
                                        plain("PIDPressure", "KubeletHasSufficientPID",
                                              "kubelet has sufficient PID available"),
                                        std::move(ready)})},
            {"addresses", Json::array({{{"type", "InternalIP"}, {"address", node.internal_ip}},
                                       {{"type", "Hostname"}, {"address", node.name}}})},
            {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10250}}}}},
            {"nodeInfo",
             {{"architecture", "amd64"},
              {"bootID", "podsim-" + node.name},
              {"containerRuntimeVersion", "podsim://1.0"},
              {"kernelVersion", "6.1.0-podsim"},
              {"kubeProxyVersion", ""},
              {"kubeletVersion", "v1.33.0"},
              {"machineID", "podsim-" + node.name},
              {"operatingSystem", "linux"},
              {"osImage", "kubecpp podsim"},
              {"systemUUID", "podsim-" + node.name}}}};
  }

  Status WriteNodeStatus(size_t index, std::stop_token stop) {
    bool failed;
    {
      std::lock_guard lock(mu_);
      failed = nodes_[index].failed;
    }
    client::DynamicApi nodes(client_, kNodes);
    client::PatchOptions options;
    options.write.field_manager = std::string(kFieldManager);
    Json patch = {{"status", NodeStatus(index, failed)}};
    auto patched = nodes.Patch(nodes_[index].name, client::PatchType::kMerge, patch.dump(), options,
                               "status", stop);
    return patched.ok() ? Status() : patched.status();
  }

  // Creates node `index`; when it exists already, updates its labels (unless
  // `created_only`). Then writes its status.
  Status EnsureNode(size_t index, bool created_only, std::stop_token stop) {
    const SimNode& node = nodes_[index];
    client::DynamicApi nodes(client_, kNodes);
    Json labels = Json::object();
    for (const auto& [k, v] : node.labels) labels[k] = v;
    const std::string cidr = node.cidr_prefix + "0/24";
    Json object = {{"apiVersion", "v1"},
                   {"kind", "Node"},
                   {"metadata", {{"name", node.name}, {"labels", labels}}},
                   {"spec", {{"podCIDR", cidr}, {"podCIDRs", Json::array({cidr})}}}};
    auto made = Unstructured::FromJson(object);
    if (!made.ok()) return made.status();
    client::WriteOptions write;
    write.field_manager = std::string(kFieldManager);
    auto created = nodes.Create(*made, write, stop);
    if (!created.ok()) {
      if (!IsAlreadyExists(created.status())) return created.status();
      if (created_only) return Status();
      client::PatchOptions options;
      options.write.field_manager = std::string(kFieldManager);
      Json patch = {{"metadata", {{"labels", labels}}}};
      auto patched =
          nodes.Patch(node.name, client::PatchType::kMerge, patch.dump(), options, "", stop);
      if (!patched.ok()) return patched.status();
    }
    return WriteNodeStatus(index, stop);
  }

  client::Client* const client_;
  manager::EventRecorder* const recorder_;
  const Options options_;
  Clock& clock_;
  const Resources allocatable_;
  std::shared_ptr<cache::Informer<Pod>> pods_;
  std::shared_ptr<cache::Informer<Node>> nodes_informer_;
  std::unique_ptr<controller::Controller> controller_;
  cache::HandlerRegistration pod_handler_;
  cache::HandlerRegistration node_handler_;

  // The node list is fixed at construction; only the GUARDED_BY fields change.
  std::vector<SimNode> nodes_;
  std::map<std::string, size_t> node_index_;

  mutable std::mutex mu_;
  std::map<std::string, Placement> placed_;             // GUARDED_BY(mu_): by pod uid
  std::map<std::string, std::pair<size_t, int>> ips_;   // GUARDED_BY(mu_): uid -> node, host
  std::map<std::string, PodRecord> records_;            // GUARDED_BY(mu_): by pod uid
  std::set<std::string> forced_unready_;                // GUARDED_BY(mu_): "ns/name"
  std::map<std::string, Unschedulable> unschedulable_;  // GUARDED_BY(mu_): "ns/name"
};

Result<std::unique_ptr<PodSimulator>> PodSimulator::New(client::Client* client,
                                                        cache::InformerFactory& informers,
                                                        manager::EventRecorder* recorder,
                                                        Options options) {
  if (options.nodes < 0 || options.nodes > 256) {
    return InvalidError("podsim: nodes must be between 0 and 256, got " +
                        std::to_string(options.nodes));
  }
  if (options.workers < 1) return InvalidError("podsim: workers must be at least 1");
  if (options.max_pods < 1 || options.max_pods > kLastHost - kFirstHost + 1) {
    return InvalidError("podsim: max_pods must be between 1 and 253");
  }
  auto cpu = Quantity::Parse(options.cpu);
  if (!cpu.ok())
    return InvalidError("podsim: bad cpu " + options.cpu + ": " + cpu.status().message());
  auto memory = Quantity::Parse(options.memory);
  if (!memory.ok()) {
    return InvalidError("podsim: bad memory " + options.memory + ": " + memory.status().message());
  }
  Resources allocatable{cpu->MilliValue(), memory->Value()};
  auto impl = std::make_shared<Impl>(client, recorder, std::move(options), allocatable);
  KUBE_RETURN_IF_ERROR(impl->Init(informers));
  return std::unique_ptr<PodSimulator>(new PodSimulator(std::move(impl)));
}

PodSimulator::PodSimulator(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
PodSimulator::~PodSimulator() = default;

Status PodSimulator::Run(std::stop_token stop) { return impl_->Run(std::move(stop)); }
Status PodSimulator::FailPod(std::string_view namespace_, std::string_view name) {
  return impl_->FailPod(namespace_, name);
}
Status PodSimulator::CrashPod(std::string_view namespace_, std::string_view name) {
  return impl_->CrashPod(namespace_, name);
}
void PodSimulator::SetPodReady(std::string_view namespace_, std::string_view name, bool ready) {
  impl_->SetPodReady(namespace_, name, ready);
}
Status PodSimulator::FailNode(std::string_view name) { return impl_->FailNode(name); }
Status PodSimulator::RestoreNode(std::string_view name) { return impl_->RestoreNode(name); }
std::vector<std::string> PodSimulator::node_names() const { return impl_->node_names(); }

Result<PodSimulator*> SetupWithManager(manager::Manager& mgr, PodSimulator::Options options) {
  if (options.clock == nullptr) options.clock = mgr.options().clock;
  if (options.metrics_registry == nullptr) options.metrics_registry = &mgr.metrics_registry();
  auto sim =
      PodSimulator::New(mgr.client(), mgr.informers(), &mgr.event_recorder(), std::move(options));
  if (!sim.ok()) return sim.status();
  std::shared_ptr<PodSimulator> owned(std::move(*sim));
  PodSimulator* raw = owned.get();
  KUBE_RETURN_IF_ERROR(mgr.Add(manager::RunnableFunc(
      "podsim", [owned](std::stop_token stop) { return owned->Run(std::move(stop)); },
      /*need_leader_election=*/true)));
  return raw;
}

}  // namespace kube::controllers::podsim
