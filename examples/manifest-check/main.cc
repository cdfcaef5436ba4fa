// manifest-check: checks Kubernetes manifests the way the apiserver and the Deployment
// controller would, before they reach a cluster. Built only on kubecpp::core.
//
//   manifest-check FILE.yaml [FILE.yaml...]
//
// For every object it validates the name and labels; for a Deployment it checks that
// the selector matches the pod template, resolves the rollout bounds from maxSurge and
// maxUnavailable, and sums the pods' resource requests; for a Service it lists the
// Deployments whose pods it selects. Exit code: 0 clean, 1 problems found, 2 unreadable
// or malformed input.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "kubecpp/core/int_or_string.h"
#include "kubecpp/core/labels.h"
#include "kubecpp/core/quantity.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/core/validation.h"
#include "kubecpp/core/version.h"
#include "kubecpp/core/yaml.h"

namespace {

using kube::Json;
using kube::Unstructured;

// Collects the problems found in one object and prints them indented.
class Report {
 public:
  void Info(const std::string& line) { std::cout << "    " << line << "\n"; }
  void Problem(const std::string& line) {
    std::cout << "    problem: " << line << "\n";
    ++problems_;
  }
  int problems() const { return problems_; }

 private:
  int problems_ = 0;
};

// Go's %#v of a map[string]string, which the apiserver uses in messages.
std::string GoMap(const std::map<std::string, std::string>& m) {
  std::string out = "map[string]string{";
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it != m.begin()) out += ", ";
    out += "\"" + it->first + "\":\"" + it->second + "\"";
  }
  return out + "}";
}

// Step 1: read a file and split it into objects.
bool ReadObjects(const std::string& path, std::vector<Unstructured>* out) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot open file\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto docs = kube::ParseYamlDocuments(text.str());
  if (!docs) {
    std::cerr << path << ": " << docs.error().message() << "\n";
    return false;
  }
  for (size_t i = 0; i < docs->size(); ++i) {
    auto obj = Unstructured::FromJson(std::move((*docs)[i]));
    if (!obj) {
      std::cerr << path << ": document " << i << ": " << obj.error().message() << "\n";
      return false;
    }
    out->push_back(std::move(*obj));
  }
  return true;
}

// Step 2: the name rules differ by kind; labels follow one rule everywhere.
void CheckMetadata(const Unstructured& obj, Report* report) {
  const std::string kind = obj.kind();
  std::vector<std::string> errors = kind == "Namespace" ? kube::IsDns1123Label(obj.name())
                                    : kind == "Service" ? kube::IsDns1035Label(obj.name())
                                                        : kube::IsDns1123Subdomain(obj.name());
  for (const auto& e : errors) {
    report->Problem("metadata.name: Invalid value: \"" + obj.name() + "\": " + e);
  }
  if (kube::Status s = kube::ValidateLabels(obj.labels(), "metadata.labels"); !s.ok()) {
    report->Problem(s.message());
  }
}

// Reads a field with kubecpp's codecs; a malformed value becomes a problem.
template <typename T>
bool ReadField(const Unstructured& obj, std::initializer_list<std::string_view> path,
               std::string_view path_text, T* out, Report* report) {
  const Json* j = obj.Get(path);
  if (j == nullptr) return true;
  if (kube::Status s = kube::FromJsonAt(*j, path_text, out); !s.ok()) {
    report->Problem(s.message());
    return false;
  }
  return true;
}

std::map<std::string, std::string> TemplateLabels(const Unstructured& deployment) {
  std::map<std::string, std::string> labels;
  if (const Json* j = deployment.Get({"spec", "template", "metadata", "labels"})) {
    for (const auto& [k, v] : j->items()) {
      if (v.is_string()) labels[k] = v.get<std::string>();
    }
  }
  return labels;
}

// Step 3a: the apiserver rejects a Deployment whose selector misses its own pods.
void CheckSelector(const Unstructured& deployment, Report* report) {
  kube::LabelSelector selector;
  if (!ReadField(deployment, {"spec", "selector"}, "spec.selector", &selector, report)) return;
  auto parsed = kube::LabelSelectorAsSelector(&selector);
  if (!parsed) return report->Problem("spec.selector: " + parsed.error().message());
  auto labels = TemplateLabels(deployment);
  if (!parsed->Matches(labels)) {
    return report->Problem("spec.template.metadata.labels: Invalid value: " + GoMap(labels) +
                           ": `selector` does not match template `labels`");
  }
  report->Info("selector " + parsed->ToString() + " matches the pod template");
}

// Step 3b: resolve maxSurge (rounded up) and maxUnavailable (rounded down) against
// the replica count, as the Deployment controller does. Returns the most pods a
// rollout can run at once.
int CheckRollout(const Unstructured& deployment, Report* report) {
  int64_t replicas = 1;
  ReadField(deployment, {"spec", "replicas"}, "spec.replicas", &replicas, report);
  auto max_surge = kube::IntOrString::FromString("25%");
  auto max_unavailable = kube::IntOrString::FromString("25%");
  const char* kPath = "spec.strategy.rollingUpdate";
  ReadField(deployment, {"spec", "strategy", "rollingUpdate", "maxSurge"},
            std::string(kPath) + ".maxSurge", &max_surge, report);
  ReadField(deployment, {"spec", "strategy", "rollingUpdate", "maxUnavailable"},
            std::string(kPath) + ".maxUnavailable", &max_unavailable, report);

  auto is_zero = [](const kube::IntOrString& v) {
    return v.is_int() ? v.int_value() == 0 : v.str_value() == "0%";
  };
  if (is_zero(max_surge) && is_zero(max_unavailable)) {
    std::string value = max_unavailable.is_int() ? max_unavailable.ToString()
                                                 : "\"" + max_unavailable.str_value() + "\"";
    report->Problem(std::string(kPath) + ".maxUnavailable: Invalid value: " + value +
                    ": may not be 0 when `maxSurge` is 0");
  }
  auto surge = kube::GetScaledValueFromIntOrPercent(max_surge, static_cast<int>(replicas), true);
  auto unavailable =
      kube::GetScaledValueFromIntOrPercent(max_unavailable, static_cast<int>(replicas), false);
  if (!surge || !unavailable) {
    report->Problem(std::string(kPath) + ": " +
                    (surge ? unavailable.error() : surge.error()).message());
    return static_cast<int>(replicas);
  }
  // The controller forces progress when both resolve to zero.
  if (*surge == 0 && *unavailable == 0) *unavailable = 1;
  int max_pods = static_cast<int>(replicas) + *surge;
  int min_available = std::max(0, static_cast<int>(replicas) - *unavailable);
  report->Info("rollout of " + std::to_string(replicas) + " replicas: at most " +
               std::to_string(max_pods) + " pods, at least " + std::to_string(min_available) +
               " available");
  return max_pods;
}

// Step 3c: sum the containers' requests with exact quantity arithmetic.
void SumRequests(const Unstructured& deployment, int pods, Report* report) {
  const Json* containers = deployment.Get({"spec", "template", "spec", "containers"});
  if (containers == nullptr || !containers->is_array()) return;
  kube::Quantity cpu, memory;
  bool ok = true;
  for (size_t i = 0; i < containers->size(); ++i) {
    const Json& requests = (*containers)[i]["resources"]["requests"];
    std::string base =
        "spec.template.spec.containers[" + std::to_string(i) + "].resources.requests";
    for (auto [name, sum] : {std::pair{"cpu", &cpu}, std::pair{"memory", &memory}}) {
      if (!requests.is_object() || !requests.contains(name)) continue;
      kube::Quantity q;
      if (kube::Status s = FromJsonAt(requests[name], base + "." + name, &q); !s.ok()) {
        report->Problem(s.message());
        ok = false;
        continue;
      }
      *sum += q;
    }
  }
  if (!ok) return;
  kube::Quantity total_cpu, total_memory;
  for (int i = 0; i < pods; ++i) {
    total_cpu += cpu;
    total_memory += memory;
  }
  report->Info("requests for " + std::to_string(pods) + " pods: cpu " + total_cpu.ToString() +
               ", memory " + total_memory.ToString());
}

// Step 4: a Service selects pods by plain label equality.
void CheckService(const Unstructured& service, const std::vector<Unstructured>& all,
                  Report* report) {
  kube::LabelSelector selector;
  if (!ReadField(service, {"spec", "selector"}, "spec.selector", &selector.match_labels, report)) {
    return;
  }
  if (selector.match_labels.empty())
    return report->Info("no selector: endpoints are managed by hand");
  auto parsed = kube::LabelSelectorAsSelector(&selector);
  if (!parsed) return report->Problem("spec.selector: " + parsed.error().message());
  int selected = 0;
  for (const auto& obj : all) {
    if (obj.kind() != "Deployment" || obj.namespace_() != service.namespace_()) continue;
    if (parsed->Matches(TemplateLabels(obj))) {
      report->Info("selects Deployment " + obj.key().ToString());
      ++selected;
    }
  }
  if (selected == 0) report->Problem("selector " + parsed->ToString() + " selects nothing");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: manifest-check FILE.yaml [FILE.yaml...]\n";
    return 2;
  }
  std::vector<Unstructured> all;
  for (int i = 1; i < argc; ++i) {
    if (!ReadObjects(argv[i], &all)) return 2;
  }
  std::cout << "manifest-check (kubecpp " << kube::Version() << "): " << all.size() << " objects\n";
  int problems = 0;
  for (const auto& obj : all) {
    std::cout << "  " << (obj.kind().empty() ? "<no kind>" : obj.kind()) << " "
              << obj.key().ToString() << "\n";
    Report report;
    if (obj.kind().empty()) report.Problem("kind: Required value");
    if (auto gvk = obj.gvk(); !gvk) report.Problem("apiVersion: " + gvk.error().message());
    CheckMetadata(obj, &report);
    if (obj.kind() == "Deployment") {
      CheckSelector(obj, &report);
      int pods = CheckRollout(obj, &report);
      SumRequests(obj, pods, &report);
    } else if (obj.kind() == "Service") {
      CheckService(obj, all, &report);
    }
    problems += report.problems();
  }
  std::cout << problems << (problems == 1 ? " problem\n" : " problems\n");
  return problems == 0 ? 0 : 1;
}
