// Built against an installed kubecpp with find_package(kubecpp): proves the headers,
// the library and its dependencies resolve outside the source tree.
#include <iostream>

#include "kubecpp/core/labels.h"
#include "kubecpp/core/quantity.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/core/version.h"
#include "kubecpp/core/yaml.h"

int main() {
  auto q = kube::Quantity::Parse("1.5Gi");
  auto sel = kube::Selector::Parse("app=web,tier in (a,b)");
  auto doc = kube::YamlToJson("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n");
  if (!q || !sel || !doc) return 1;
  auto pod = kube::Unstructured::FromJson(*doc);
  if (!pod) return 1;
  bool ok = q->ToString() == "1536Mi" && sel->Matches({{"app", "web"}, {"tier", "a"}}) &&
            pod->key().ToString() == "ns/p";
  std::cout << "consumer of kubecpp " << kube::Version() << ": " << (ok ? "ok" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
