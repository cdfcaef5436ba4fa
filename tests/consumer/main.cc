// Built against an installed kubecpp with find_package(kubecpp): proves the headers,
// the library and its dependencies resolve outside the source tree.
#include <iostream>

#include "kubecpp/client/config.h"
#include "kubecpp/client/options.h"
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
  // The client library and its private dependencies (cpprestsdk, OpenSSL, yaml-cpp)
  // link from the installed package.
  auto config = kube::client::LoadKubeconfigFromString(
      "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
      "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
      "users: [{name: u, user: {token: abc}}]\n"
      "contexts: [{name: c, context: {cluster: k, user: u, namespace: ns}}]\n",
      "inline", "/tmp");
  bool ok = q->ToString() == "1536Mi" && sel->Matches({{"app", "web"}, {"tier", "a"}}) &&
            pod->key().ToString() == "ns/p" && config && config->namespace_ == "ns" &&
            kube::client::QueryEscape("a=b") == "a%3Db";
  std::cout << "consumer of kubecpp " << kube::Version() << ": " << (ok ? "ok" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
