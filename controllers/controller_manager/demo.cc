#include "controllers/controller_manager/demo.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "kubecpp/client/client.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/clock.h"
#include "kubecpp/core/status.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/core/yaml.h"

namespace kube::controllers {
namespace {

const client::ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};

int64_t IntAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* at = &object;
  for (const char* key : path) {
    if (!at->is_object()) return 0;
    auto it = at->find(key);
    if (it == at->end()) return 0;
    at = &*it;
  }
  return at->is_number_integer() ? at->get<int64_t>() : 0;
}

std::string CellText(const Json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "<none>";
  return cell.dump();
}

}  // namespace

Result<std::vector<AppliedObject>> ApplyManifests(client::Client& client,
                                                  const std::vector<std::string>& files,
                                                  std::string_view field_manager,
                                                  std::ostream& out) {
  client::RESTMapper mapper(&client);
  std::vector<AppliedObject> applied;
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) return InvalidError("cannot read manifest " + file);
    std::stringstream text;
    text << in.rdbuf();
    auto documents = ParseYamlDocuments(text.str());
    if (!documents) return std::move(documents).error().Annotate(file);
    for (Json& document : *documents) {
      if (document.is_null()) continue;
      auto object = Unstructured::FromJson(std::move(document));
      if (!object) return std::move(object).error().Annotate(file);
      auto gvk = object->gvk();
      if (!gvk) return std::move(gvk).error().Annotate(file);
      const std::string what = file + ": " + object->kind() + " " + object->name();
      auto resource = mapper.ResourceFor(*gvk);
      if (!resource) return std::move(resource).error().Annotate(what);
      client::DynamicApi api(&client, *resource, object->namespace_());
      auto result = api.Apply(*object, std::string(field_manager), /*force=*/true);
      if (!result) return std::move(result).error().Annotate("apply " + what);
      out << resource->gvr.resource << (resource->gvr.group.empty() ? "" : ".")
          << resource->gvr.group << "/" << result->name() << " serverside-applied\n";
      applied.push_back({resource->gvr.resource, result->kind(), result->key()});
    }
  }
  return applied;
}

bool RolloutComplete(const Json& d) {
  const int64_t generation = IntAt(d, {"metadata", "generation"});
  const int64_t observed = IntAt(d, {"status", "observedGeneration"});
  const Json* spec_replicas = nullptr;
  if (auto spec = d.find("spec"); spec != d.end() && spec->is_object()) {
    if (auto r = spec->find("replicas"); r != spec->end()) spec_replicas = &*r;
  }
  const int64_t desired = spec_replicas != nullptr && spec_replicas->is_number_integer()
                              ? spec_replicas->get<int64_t>()
                              : 1;
  const int64_t updated = IntAt(d, {"status", "updatedReplicas"});
  const int64_t replicas = IntAt(d, {"status", "replicas"});
  const int64_t available = IntAt(d, {"status", "availableReplicas"});
  // kubectl's DeploymentStatusViewer: the same four checks, in this order.
  return generation <= observed && updated >= desired && replicas <= updated &&
         available >= updated;
}

Status WaitForRollouts(client::Client& client, const std::vector<AppliedObject>& applied,
                       std::chrono::milliseconds timeout, std::stop_token stop, std::ostream& out) {
  const auto deadline = client.clock().Now() + timeout;
  for (const AppliedObject& object : applied) {
    if (object.kind != "Deployment") continue;
    client::DynamicApi api(&client, kDeployments, object.key.namespace_);
    std::string last_line;
    while (true) {
      auto current = api.Get(object.key.name, stop);
      if (!current) return std::move(current).error().Annotate("deployment " + object.key.name);
      const Json& d = current->object();
      if (RolloutComplete(d)) {
        out << "deployment \"" << object.key.name << "\" successfully rolled out\n";
        break;
      }
      std::string line = "Waiting for deployment \"" + object.key.name + "\" rollout to finish: " +
                         std::to_string(IntAt(d, {"status", "availableReplicas"})) + " of " +
                         std::to_string(IntAt(d, {"status", "updatedReplicas"})) +
                         " updated replicas are available...";
      if (line != last_line) out << line << "\n" << std::flush;
      last_line = std::move(line);
      if (client.clock().Now() >= deadline) {
        return Status(Code::kTimeout, "deployment \"" + object.key.name +
                                          "\" did not roll out within " +
                                          std::to_string(timeout.count() / 1000) + " s");
      }
      if (!client.clock().SleepFor(std::chrono::milliseconds(100), stop)) {
        return CancelledError("stopped while waiting for rollouts");
      }
    }
  }
  return Status();
}

std::string FormatTable(const Json& table, std::string_view name_prefix) {
  std::vector<size_t> columns;
  std::vector<std::vector<std::string>> cells(1);
  const Json& definitions =
      table.contains("columnDefinitions") ? table["columnDefinitions"] : Json::array();
  for (size_t i = 0; i < definitions.size(); ++i) {
    if (IntAt(definitions[i], {"priority"}) != 0) continue;
    columns.push_back(i);
    std::string header = definitions[i].value("name", "");
    std::transform(header.begin(), header.end(), header.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    cells[0].push_back(std::move(header));
  }
  const Json& rows = table.contains("rows") ? table["rows"] : Json::array();
  for (const Json& row : rows) {
    const Json& row_cells = row.contains("cells") ? row["cells"] : Json::array();
    std::vector<std::string> line;
    for (size_t c = 0; c < columns.size(); ++c) {
      std::string text = columns[c] < row_cells.size() ? CellText(row_cells[columns[c]]) : "";
      if (c == 0) text = std::string(name_prefix) + text;
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(columns.size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      text += line[c];
      if (c + 1 < line.size()) text.append(width[c] - line[c].size() + 3, ' ');
    }
    out += text + "\n";
  }
  return out;
}

Status PrintObjects(client::Client& client, const std::vector<AppliedObject>& applied,
                    std::ostream& out) {
  std::set<std::string> namespaces;
  for (const AppliedObject& object : applied) {
    if (!object.key.namespace_.empty()) namespaces.insert(object.key.namespace_);
    if (object.kind == "Namespace") namespaces.insert(object.key.name);
  }
  const std::vector<std::pair<client::ResourceRef, std::string>> kinds = {
      {kDeployments, "deployment.apps/"},
      {{{"apps", "v1", "replicasets"}, "ReplicaSet", true}, "replicaset.apps/"},
      {{{"", "v1", "pods"}, "Pod", true}, "pod/"},
      {{{"", "v1", "services"}, "Service", true}, "service/"},
      {{{"discovery.k8s.io", "v1", "endpointslices"}, "EndpointSlice", true},
       "endpointslice.discovery.k8s.io/"},
  };
  for (const std::string& ns : namespaces) {
    out << "\n$ kubectl get deployments,replicasets,pods,services,endpointslices -n " << ns << "\n";
    bool first = true;
    for (const auto& [resource, prefix] : kinds) {
      client::DynamicApi api(&client, resource, ns);
      auto table = api.ListTable();
      if (!table) return std::move(table).error().Annotate("list " + resource.gvr.resource);
      if (!table->object().contains("rows") || table->object()["rows"].empty()) continue;
      if (!first) out << "\n";
      first = false;
      out << FormatTable(table->object(), prefix);
    }
  }
  return Status();
}

}  // namespace kube::controllers
