// Table printing, PartialObjectMetadata conversion and human durations. The column
// logic follows the behaviour of upstream's printers (pkg/printers/internalversion)
// and the CRD table convertor; it is written from their documented output, not
// ported.
#include "kubecpp/testing/internal/table.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "kubecpp/core/labels.h"
#include "kubecpp/testing/internal/discovery.h"

namespace kube::testing::internal {
namespace {

using Cell = Json;

// --- safe JSON access ------------------------------------------------------------

const Json& Null() {
  static const Json kNull;
  return kNull;
}

// The value at a dotted path of object keys, or null.
const Json& At(const Json& j, std::initializer_list<std::string_view> keys) {
  const Json* cur = &j;
  for (std::string_view k : keys) {
    if (!cur->is_object()) return Null();
    auto it = cur->find(k);
    if (it == cur->end()) return Null();
    cur = &*it;
  }
  return *cur;
}

std::string Str(const Json& j, std::string_view fallback = "") {
  return j.is_string() ? j.get<std::string>() : std::string(fallback);
}

int64_t Int(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) return static_cast<int64_t>(j.get<double>());
  return 0;
}

size_t Size(const Json& j) { return (j.is_object() || j.is_array()) ? j.size() : 0; }

const Json& Array(const Json& j) {
  static const Json kEmpty = Json::array();
  return j.is_array() ? j : kEmpty;
}

// --- columns ---------------------------------------------------------------------

struct Column {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  int priority = 0;
};

Json ColumnJson(const Column& c) {
  return Json{{"name", c.name},
              {"type", c.type},
              {"format", c.format},
              {"description", c.description},
              {"priority", c.priority}};
}

const Column kNameColumn{"Name", "string", "name", "Name of the object, unique in its namespace.",
                         0};
const Column kAgeColumn{"Age", "string", "",
                        "Time since the object was created (metadata.creationTimestamp).", 0};

std::string Age(const Json& object, Time now) {
  const Json& ts = At(object, {"metadata", "creationTimestamp"});
  if (!ts.is_string()) return "<unknown>";
  Result<Time> t = Time::Parse(ts.get<std::string>());
  if (!t.ok() || t->IsZero()) return "<unknown>";
  return HumanDuration(now.time_point() - t->time_point());
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string OrNone(std::string s) { return s.empty() ? "<none>" : s; }

// "a=b,c=d" in key order, "<none>" when empty (labels.FormatLabels).
std::string FormatLabelMap(const Json& labels) {
  std::vector<std::string> parts;
  if (labels.is_object()) {
    std::map<std::string, std::string> sorted;
    for (auto it = labels.begin(); it != labels.end(); ++it) sorted[it.key()] = Str(it.value());
    for (const auto& [k, v] : sorted) parts.push_back(k + "=" + v);
  }
  return OrNone(Join(parts, ","));
}

std::string FormatSelector(const Json& selector) {
  if (selector.is_null()) return "<none>";
  LabelSelector ls;
  if (!FromJsonAt(selector, "spec.selector", &ls).ok()) return "<error>";
  return FormatLabelSelector(&ls);
}

// Container names and images of a pod template spec.
std::pair<std::string, std::string> ContainersAndImages(const Json& pod_spec) {
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const Json& c : Array(At(pod_spec, {"containers"}))) {
    names.push_back(Str(At(c, {"name"})));
    images.push_back(Str(At(c, {"image"})));
  }
  return {Join(names, ","), Join(images, ",")};
}

// --- per-kind printers -----------------------------------------------------------

struct Printer {
  std::vector<Column> columns;
  // Cells after Name (Age included where the printer has it).
  std::vector<Cell> (*cells)(const Json& object, Time now);
};

std::vector<Cell> PodCells(const Json& pod, Time now) {
  const Json& spec = At(pod, {"spec"});
  const Json& status = At(pod, {"status"});
  int64_t restarts = 0;
  int64_t ready = 0;
  int64_t total = static_cast<int64_t>(Size(At(spec, {"containers"})));
  Time last_restart;
  std::string reason = Str(At(status, {"phase"}));
  if (!Str(At(status, {"reason"})).empty()) reason = Str(At(status, {"reason"}));

  auto note_restart = [&](const Json& cs) {
    restarts += Int(At(cs, {"restartCount"}));
    const Json& finished = At(cs, {"lastState", "terminated", "finishedAt"});
    if (finished.is_string()) {
      Result<Time> t = Time::Parse(finished.get<std::string>());
      if (t.ok() && *t > last_restart) last_restart = *t;
    }
  };
  auto terminated_reason = [](const Json& terminated, std::string_view prefix) {
    std::string r = Str(At(terminated, {"reason"}));
    if (!r.empty()) return std::string(prefix) + r;
    int64_t signal = Int(At(terminated, {"signal"}));
    if (signal != 0) return std::string(prefix) + "Signal:" + std::to_string(signal);
    return std::string(prefix) + "ExitCode:" + std::to_string(Int(At(terminated, {"exitCode"})));
  };

  bool initializing = false;
  const Json& init_statuses = Array(At(status, {"initContainerStatuses"}));
  size_t init_total = Size(At(spec, {"initContainers"}));
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const Json& cs = init_statuses[i];
    note_restart(cs);
    const Json& terminated = At(cs, {"state", "terminated"});
    const Json& waiting = At(cs, {"state", "waiting"});
    if (terminated.is_object() && Int(At(terminated, {"exitCode"})) == 0) continue;
    if (At(cs, {"started"}).is_boolean() && At(cs, {"started"}).get<bool>() &&
        !terminated.is_object()) {
      continue;  // a running sidecar (restartable init container)
    }
    if (terminated.is_object()) {
      reason = terminated_reason(terminated, "Init:");
    } else if (!Str(At(waiting, {"reason"})).empty() &&
               Str(At(waiting, {"reason"})) != "PodInitializing") {
      reason = "Init:" + Str(At(waiting, {"reason"}));
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_total);
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    bool has_running = false;
    const Json& statuses = Array(At(status, {"containerStatuses"}));
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const Json& cs = *it;
      note_restart(cs);
      const Json& waiting = At(cs, {"state", "waiting"});
      const Json& terminated = At(cs, {"state", "terminated"});
      if (!Str(At(waiting, {"reason"})).empty()) {
        reason = Str(At(waiting, {"reason"}));
      } else if (terminated.is_object()) {
        reason = terminated_reason(terminated, "");
      } else if (At(cs, {"ready"}).is_boolean() && At(cs, {"ready"}).get<bool>() &&
                 At(cs, {"state", "running"}).is_object()) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) {
      bool pod_ready = false;
      for (const Json& c : Array(At(status, {"conditions"}))) {
        if (Str(At(c, {"type"})) == "Ready" && Str(At(c, {"status"})) == "True") pod_ready = true;
      }
      reason = pod_ready ? "Running" : "NotReady";
    }
  }
  if (!At(pod, {"metadata", "deletionTimestamp"}).is_null()) {
    reason = Str(At(status, {"reason"})) == "NodeLost" ? "Unknown" : "Terminating";
  }
  std::string restarts_cell = std::to_string(restarts);
  if (restarts != 0 && !last_restart.IsZero()) {
    restarts_cell += " (" + HumanDuration(now.time_point() - last_restart.time_point()) + " ago)";
  }
  std::string gates = "<none>";
  const Json& readiness_gates = Array(At(spec, {"readinessGates"}));
  if (!readiness_gates.empty()) {
    int true_gates = 0;
    for (const Json& g : readiness_gates) {
      std::string type = Str(At(g, {"conditionType"}));
      for (const Json& c : Array(At(status, {"conditions"}))) {
        if (Str(At(c, {"type"})) == type && Str(At(c, {"status"})) == "True") ++true_gates;
      }
    }
    gates = std::to_string(true_gates) + "/" + std::to_string(readiness_gates.size());
  }
  return {std::to_string(ready) + "/" + std::to_string(total),
          reason,
          restarts_cell,
          Age(pod, now),
          OrNone(Str(At(status, {"podIP"}))),
          OrNone(Str(At(spec, {"nodeName"}))),
          OrNone(Str(At(status, {"nominatedNodeName"}))),
          gates};
}

std::vector<Cell> DeploymentCells(const Json& d, Time now) {
  const Json& spec = At(d, {"spec"});
  const Json& status = At(d, {"status"});
  int64_t desired = At(spec, {"replicas"}).is_number() ? Int(At(spec, {"replicas"})) : 1;
  auto [containers, images] = ContainersAndImages(At(spec, {"template", "spec"}));
  return {std::to_string(Int(At(status, {"readyReplicas"}))) + "/" + std::to_string(desired),
          Int(At(status, {"updatedReplicas"})),
          Int(At(status, {"availableReplicas"})),
          Age(d, now),
          containers,
          images,
          FormatSelector(At(spec, {"selector"}))};
}

std::vector<Cell> ReplicaSetCells(const Json& rs, Time now) {
  const Json& spec = At(rs, {"spec"});
  const Json& status = At(rs, {"status"});
  int64_t desired = At(spec, {"replicas"}).is_number() ? Int(At(spec, {"replicas"})) : 1;
  auto [containers, images] = ContainersAndImages(At(spec, {"template", "spec"}));
  return {desired,
          Int(At(status, {"replicas"})),
          Int(At(status, {"readyReplicas"})),
          Age(rs, now),
          containers,
          images,
          FormatSelector(At(spec, {"selector"}))};
}

std::vector<Cell> ServiceCells(const Json& svc, Time now) {
  const Json& spec = At(svc, {"spec"});
  std::string type = Str(At(spec, {"type"}), "ClusterIP");
  std::vector<std::string> external_ips;
  for (const Json& ip : Array(At(spec, {"externalIPs"}))) external_ips.push_back(Str(ip));
  std::string external;
  if (type == "ClusterIP" || type == "NodePort") {
    external = OrNone(Join(external_ips, ","));
  } else if (type == "LoadBalancer") {
    std::vector<std::string> lb;
    for (const Json& ing : Array(At(svc, {"status", "loadBalancer", "ingress"}))) {
      std::string v = Str(At(ing, {"ip"}));
      if (v.empty()) v = Str(At(ing, {"hostname"}));
      if (!v.empty()) lb.push_back(v);
    }
    lb.insert(lb.end(), external_ips.begin(), external_ips.end());
    external = lb.empty() ? "<pending>" : Join(lb, ",");
  } else if (type == "ExternalName") {
    external = Str(At(spec, {"externalName"}));
  } else {
    external = "<unknown>";
  }
  std::vector<std::string> ports;
  for (const Json& p : Array(At(spec, {"ports"}))) {
    std::string protocol = Str(At(p, {"protocol"}), "TCP");
    int64_t node_port = Int(At(p, {"nodePort"}));
    std::string text = std::to_string(Int(At(p, {"port"})));
    if (node_port != 0) text += ":" + std::to_string(node_port);
    ports.push_back(text + "/" + protocol);
  }
  return {type,          OrNone(Str(At(spec, {"clusterIP"}))),  external, OrNone(Join(ports, ",")),
          Age(svc, now), FormatLabelMap(At(spec, {"selector"}))};
}

std::vector<Cell> NamespaceCells(const Json& ns, Time now) {
  return {Str(At(ns, {"status", "phase"})), Age(ns, now)};
}

std::vector<Cell> ConfigMapCells(const Json& cm, Time now) {
  return {static_cast<int64_t>(Size(At(cm, {"data"})) + Size(At(cm, {"binaryData"}))),
          Age(cm, now)};
}

std::vector<Cell> SecretCells(const Json& s, Time now) {
  return {Str(At(s, {"type"})), static_cast<int64_t>(Size(At(s, {"data"}))), Age(s, now)};
}

std::vector<Cell> EndpointsCells(const Json& ep, Time now) {
  std::vector<std::string> list;
  size_t count = 0;
  constexpr size_t kMax = 3;
  for (const Json& subset : Array(At(ep, {"subsets"}))) {
    const Json& ports = Array(At(subset, {"ports"}));
    for (const Json& addr : Array(At(subset, {"addresses"}))) {
      std::string ip = Str(At(addr, {"ip"}));
      if (ports.empty()) {
        if (count++ < kMax) list.push_back(ip);
        continue;
      }
      for (const Json& p : ports) {
        if (count++ < kMax) list.push_back(ip + ":" + std::to_string(Int(At(p, {"port"}))));
      }
    }
  }
  std::string cell = OrNone(Join(list, ","));
  if (count > kMax) cell += " + " + std::to_string(count - kMax) + " more...";
  return {cell, Age(ep, now)};
}

std::vector<Cell> NodeCells(const Json& node, Time now) {
  std::vector<std::string> states;
  for (const Json& c : Array(At(node, {"status", "conditions"}))) {
    if (Str(At(c, {"type"})) == "Ready") {
      std::string s = Str(At(c, {"status"}));
      states.push_back(s == "True" ? "Ready" : (s == "False" ? "NotReady" : "Unknown"));
    }
  }
  if (states.empty()) states.push_back("Unknown");
  const Json& unschedulable = At(node, {"spec", "unschedulable"});
  if (unschedulable.is_boolean() && unschedulable.get<bool>()) {
    states.push_back("SchedulingDisabled");
  }
  std::vector<std::string> roles;
  const Json& labels = At(node, {"metadata", "labels"});
  if (labels.is_object()) {
    constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (it.key().starts_with(kPrefix) && it.key().size() > kPrefix.size()) {
        roles.push_back(it.key().substr(kPrefix.size()));
      } else if (it.key() == "kubernetes.io/role" && !Str(it.value()).empty()) {
        roles.push_back(Str(it.value()));
      }
    }
  }
  std::sort(roles.begin(), roles.end());
  return {Join(states, ","), OrNone(Join(roles, ",")), Age(node, now),
          Str(At(node, {"status", "nodeInfo", "kubeletVersion"}))};
}

std::vector<Cell> AgeOnlyCells(const Json& object, Time now) { return {Age(object, now)}; }

std::vector<Cell> CreatedAtCells(const Json& object, Time) {
  const Json& ts = At(object, {"metadata", "creationTimestamp"});
  return {ts.is_string() ? ts : Json()};
}

Column Col(std::string name, std::string type, std::string description, int priority = 0) {
  return Column{std::move(name), std::move(type), "", std::move(description), priority};
}

const Printer& PrinterFor(const ResourceInfo& info) {
  static const Printer kPods{
      {kNameColumn, Col("Ready", "string", "Ready containers out of all containers."),
       Col("Status", "string", "The aggregate state of the pod's containers."),
       Col("Restarts", "string", "Container restarts, and how long since the last one."),
       kAgeColumn, Col("IP", "string", "The pod's IP address.", 1),
       Col("Node", "string", "The node the pod is bound to.", 1),
       Col("Nominated Node", "string", "The node the scheduler nominated for preemption.", 1),
       Col("Readiness Gates", "string", "Readiness gates that are True, out of all.", 1)},
      PodCells};
  static const Printer kDeployments{
      {kNameColumn, Col("Ready", "string", "Ready replicas out of desired replicas."),
       Col("Up-to-date", "integer", "Replicas running the latest pod template."),
       Col("Available", "integer", "Replicas available to serve."), kAgeColumn,
       Col("Containers", "string", "Container names of the pod template.", 1),
       Col("Images", "string", "Container images of the pod template.", 1),
       Col("Selector", "string", "The label selector of the pods.", 1)},
      DeploymentCells};
  static const Printer kReplicaSets{
      {kNameColumn, Col("Desired", "integer", "Desired replicas."),
       Col("Current", "integer", "Replicas created."), Col("Ready", "integer", "Replicas ready."),
       kAgeColumn, Col("Containers", "string", "Container names of the pod template.", 1),
       Col("Images", "string", "Container images of the pod template.", 1),
       Col("Selector", "string", "The label selector of the pods.", 1)},
      ReplicaSetCells};
  static const Printer kServices{
      {kNameColumn, Col("Type", "string", "How the service is exposed."),
       Col("Cluster-IP", "string", "The virtual IP inside the cluster."),
       Col("External-IP", "string", "Addresses reachable from outside the cluster."),
       Col("Port(s)", "string", "The ports the service exposes."), kAgeColumn,
       Col("Selector", "string", "The label selector of the backing pods.", 1)},
      ServiceCells};
  static const Printer kNamespaces{
      {kNameColumn, Col("Status", "string", "The namespace's lifecycle phase."), kAgeColumn},
      NamespaceCells};
  static const Printer kConfigMaps{
      {kNameColumn, Col("Data", "integer", "Number of keys."), kAgeColumn}, ConfigMapCells};
  static const Printer kSecrets{{kNameColumn, Col("Type", "string", "The type of the secret."),
                                 Col("Data", "integer", "Number of keys."), kAgeColumn},
                                SecretCells};
  static const Printer kEndpoints{
      {kNameColumn, Col("Endpoints", "string", "Addresses and ports of the endpoints."),
       kAgeColumn},
      EndpointsCells};
  static const Printer kNodes{
      {kNameColumn, Col("Status", "string", "Whether the node is ready and schedulable."),
       Col("Roles", "string", "Roles from node-role.kubernetes.io labels."), kAgeColumn,
       Col("Version", "string", "The kubelet version.")},
      NodeCells};
  static const Printer kCrds{
      {kNameColumn, Column{"Created At", "date", "",
                           "When the object was created (metadata.creationTimestamp).", 0}},
      CreatedAtCells};
  static const Printer kDefault{{kNameColumn, kAgeColumn}, AgeOnlyCells};

  const std::string& g = info.group;
  const std::string& p = info.plural;
  if (g.empty()) {
    if (p == "pods") return kPods;
    if (p == "services") return kServices;
    if (p == "namespaces") return kNamespaces;
    if (p == "configmaps") return kConfigMaps;
    if (p == "secrets") return kSecrets;
    if (p == "endpoints") return kEndpoints;
    if (p == "nodes") return kNodes;
  } else if (g == "apps") {
    if (p == "deployments") return kDeployments;
    if (p == "replicasets") return kReplicaSets;
  } else if (g == "apiextensions.k8s.io" && p == "customresourcedefinitions") {
    return kCrds;
  }
  return kDefault;
}

// --- custom resources ------------------------------------------------------------

std::string PrintValue(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<nil>";
  return v.dump();
}

Cell TypedCell(const std::string& type, const Json& value, Time now) {
  if (type == "integer") {
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_number_float()) {
      double d = value.get<double>();
      if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    }
    return nullptr;
  }
  if (type == "number") return value.is_number() ? value : Json();
  if (type == "boolean") return value.is_boolean() ? value : Json();
  if (type == "date") {
    if (!value.is_string()) return nullptr;
    Result<Time> t = Time::Parse(value.get<std::string>());
    if (!t.ok()) return nullptr;
    if (t->IsZero()) return "<unknown>";
    return HumanDuration(now.time_point() - t->time_point());
  }
  return PrintValue(value);
}

void CustomTable(const ResourceInfo& info, const std::vector<Json>& objects, Time now,
                 std::vector<Column>* columns, std::vector<std::vector<Cell>>* rows) {
  struct Printed {
    Column column;
    std::string json_path;
  };
  std::vector<Printed> printed;
  if (info.printer_columns.is_array()) {
    for (const Json& c : info.printer_columns) {
      if (!c.is_object()) continue;
      Column col{Str(At(c, {"name"})), Str(At(c, {"type"}), "string"), Str(At(c, {"format"})),
                 Str(At(c, {"description"})), static_cast<int>(Int(At(c, {"priority"})))};
      printed.push_back({std::move(col), Str(At(c, {"jsonPath"}))});
    }
  }
  if (printed.empty()) {
    printed.push_back(
        {Column{"Age", "date", "", kAgeColumn.description, 0}, ".metadata.creationTimestamp"});
  }
  columns->push_back(kNameColumn);
  for (const Printed& p : printed) columns->push_back(p.column);
  for (const Json& object : objects) {
    std::vector<Cell> cells{Str(At(object, {"metadata", "name"}))};
    for (const Printed& p : printed) {
      std::vector<Json> results = EvaluateJsonPath(object, p.json_path);
      if (results.empty()) {
        cells.push_back(nullptr);
      } else if (results.size() == 1) {
        cells.push_back(TypedCell(p.column.type, results[0], now));
      } else {
        std::vector<std::string> parts;
        for (const Json& r : results) parts.push_back(PrintValue(r));
        cells.push_back(Join(parts, " "));
      }
    }
    rows->push_back(std::move(cells));
  }
}

// --- JSONPath --------------------------------------------------------------------

// Compares a JSON value with a filter literal ("Ready", 3, true).
bool LiteralEquals(const Json& value, std::string_view literal) {
  if (literal.size() >= 2 && (literal.front() == '"' || literal.front() == '\'') &&
      literal.back() == literal.front()) {
    return value.is_string() && value.get<std::string>() == literal.substr(1, literal.size() - 2);
  }
  if (literal == "true" || literal == "false") {
    return value.is_boolean() && value.get<bool>() == (literal == "true");
  }
  if (value.is_number()) return PrintValue(value) == literal;
  return false;
}

bool ApplyFilter(const std::vector<Json>& in, std::string_view expr, std::vector<Json>* out) {
  // expr: @.a.b==literal, @.a!=literal, or @.a (exists).
  std::string_view op;
  size_t pos = expr.find("==");
  if (pos != std::string_view::npos) {
    op = "==";
  } else if ((pos = expr.find("!=")) != std::string_view::npos) {
    op = "!=";
  }
  std::string_view lhs = expr.substr(0, pos == std::string_view::npos ? expr.size() : pos);
  while (!lhs.empty() && lhs.back() == ' ') lhs.remove_suffix(1);
  if (!lhs.starts_with("@")) return false;
  std::string_view literal;
  if (!op.empty()) {
    literal = expr.substr(pos + 2);
    while (!literal.empty() && literal.front() == ' ') literal.remove_prefix(1);
    while (!literal.empty() && literal.back() == ' ') literal.remove_suffix(1);
  }
  std::string sub_path(lhs.substr(1));
  for (const Json& node : in) {
    for (const Json& element : Array(node)) {
      std::vector<Json> found = EvaluateJsonPath(element, sub_path);
      bool match = false;
      if (op.empty()) {
        match = !found.empty();
      } else {
        bool eq = !found.empty() && LiteralEquals(found[0], literal);
        match = op == "==" ? eq : !eq;
      }
      if (match) out->push_back(element);
    }
  }
  return true;
}

}  // namespace

std::vector<Json> EvaluateJsonPath(const Json& object, std::string_view path) {
  if (path.starts_with("{") && path.ends_with("}")) path = path.substr(1, path.size() - 2);
  if (path.starts_with("$")) path.remove_prefix(1);
  std::vector<Json> current{object};
  size_t i = 0;
  while (i < path.size()) {
    std::vector<Json> next;
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      if (end == std::string_view::npos) end = path.size();
      std::string_view key = path.substr(i + 1, end - i - 1);
      i = end;
      if (key.empty()) continue;  // ".." and a trailing '.' are not understood: skip
      for (const Json& node : current) {
        if (key == "*") {
          if (node.is_object()) {
            for (const Json& v : node) next.push_back(v);
          }
          continue;
        }
        if (!node.is_object()) continue;
        auto it = node.find(key);
        if (it != node.end()) next.push_back(*it);
      }
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (path.substr(i).starts_with("[?(")) close = path.find(")]", i) + 1;
      if (close == std::string_view::npos || close == 0) return {};
      std::string_view inside = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inside == "*") {
        for (const Json& node : current) {
          if (node.is_array() || node.is_object()) {
            for (const Json& v : node) next.push_back(v);
          }
        }
      } else if (inside.starts_with("?(") && inside.ends_with(")")) {
        if (!ApplyFilter(current, inside.substr(2, inside.size() - 3), &next)) return {};
      } else if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
                 inside.back() == inside.front()) {
        std::string key(inside.substr(1, inside.size() - 2));
        for (const Json& node : current) {
          if (node.is_object() && node.contains(key)) next.push_back(node[key]);
        }
      } else {
        int64_t index = 0;
        bool negative = false;
        std::string_view digits = inside;
        if (digits.starts_with("-")) {
          negative = true;
          digits.remove_prefix(1);
        }
        if (digits.empty() || digits.size() > 9) return {};
        for (char c : digits) {
          if (c < '0' || c > '9') return {};
          index = index * 10 + (c - '0');
        }
        for (const Json& node : current) {
          if (!node.is_array()) continue;
          int64_t n = static_cast<int64_t>(node.size());
          int64_t at = negative ? n - index : index;
          if (at >= 0 && at < n) next.push_back(node[static_cast<size_t>(at)]);
        }
      }
    } else {
      // A leading bare key ("spec.replicas").
      size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      std::string key(path.substr(i, end - i));
      i = end;
      for (const Json& node : current) {
        if (node.is_object() && node.contains(key)) next.push_back(node[key]);
      }
    }
    current = std::move(next);
    if (current.empty()) return {};
  }
  return current;
}

std::string HumanDuration(std::chrono::nanoseconds d) {
  using std::chrono::duration_cast;
  int64_t seconds = duration_cast<std::chrono::seconds>(d).count();  // truncates toward 0
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    if (s == 0) return std::to_string(minutes) + "m";
    return std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    if (m == 0) return std::to_string(hours) + "h";
    return std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    if (h == 0) return std::to_string(hours / 24) + "d";
    return std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    if (dy == 0) return std::to_string(hours / 24 / 365) + "y";
    return std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

bool ParseIncludeObject(std::string_view value, IncludeObject* out) {
  if (value.empty() || value == "Metadata") {
    *out = IncludeObject::kMetadata;
  } else if (value == "None") {
    *out = IncludeObject::kNone;
  } else if (value == "Object") {
    *out = IncludeObject::kObject;
  } else {
    return false;
  }
  return true;
}

Json ToPartialObjectMetadata(const Json& object) {
  const Json& meta = At(object, {"metadata"});
  return Json{{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", meta.is_object() ? meta : Json::object()}};
}

Json ToPartialObjectMetadataList(const std::vector<Json>& objects, const Json& list_metadata) {
  Json items = Json::array();
  for (const Json& o : objects) items.push_back(ToPartialObjectMetadata(o));
  return Json{{"kind", "PartialObjectMetadataList"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", list_metadata.is_object() ? list_metadata : Json::object()},
              {"items", std::move(items)}};
}

Json ToTable(const ResourceInfo& info, const std::vector<Json>& objects, const Json& list_metadata,
             Time now, IncludeObject include) {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> cell_rows;
  if (info.custom) {
    CustomTable(info, objects, now, &columns, &cell_rows);
  } else {
    const Printer& printer = PrinterFor(info);
    columns = printer.columns;
    for (const Json& object : objects) {
      std::vector<Cell> cells{Str(At(object, {"metadata", "name"}))};
      for (Cell& c : printer.cells(object, now)) cells.push_back(std::move(c));
      cell_rows.push_back(std::move(cells));
    }
  }
  Json column_json = Json::array();
  for (const Column& c : columns) column_json.push_back(ColumnJson(c));
  Json rows = Json::array();
  for (size_t i = 0; i < objects.size(); ++i) {
    Json row{{"cells", Json(std::move(cell_rows[i]))}};
    if (include == IncludeObject::kMetadata) {
      row["object"] = ToPartialObjectMetadata(objects[i]);
    } else if (include == IncludeObject::kObject) {
      row["object"] = objects[i];
    }
    rows.push_back(std::move(row));
  }
  return Json{{"kind", "Table"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", list_metadata.is_object() ? list_metadata : Json::object()},
              {"columnDefinitions", std::move(column_json)},
              {"rows", std::move(rows)}};
}

Json ToTable(const ResourceInfo& info, const std::vector<Json>& objects, const Json& list_metadata,
             Time now, bool include_object_metadata) {
  return ToTable(info, objects, list_metadata, now,
                 include_object_metadata ? IncludeObject::kMetadata : IncludeObject::kNone);
}

namespace {

bool WantsMetaAs(std::string_view accept_header, std::initializer_list<std::string_view> kinds) {
  for (const MediaRange& m : ParseAcceptHeader(accept_header)) {
    if (m.type != "application" || m.subtype != "json") continue;
    std::string as = m.Param("as");
    std::string v = m.Param("v");
    if (m.Param("g") != "meta.k8s.io" || (v != "v1" && v != "v1beta1")) continue;
    for (std::string_view k : kinds) {
      if (as == k) return true;
    }
  }
  return false;
}

}  // namespace

bool WantsTable(std::string_view accept_header) { return WantsMetaAs(accept_header, {"Table"}); }

bool WantsPartialObjectMetadata(std::string_view accept_header) {
  return WantsMetaAs(accept_header, {"PartialObjectMetadata", "PartialObjectMetadataList"});
}

}  // namespace kube::testing::internal
