// kubecpp-quickstart: apply a manifest to an apiserver, then list, scale and watch it,
// with nothing but kubecpp's public client API.
//
//   kubecpp-quickstart sample-app.yaml                 # embedded fake apiserver
//   kubecpp-quickstart --kubeconfig ~/.kube/config sample-app.yaml   # a real cluster
//
// Every document is mapped to its resource through discovery (RESTMapper) and
// server-side applied, so a second run changes nothing. A watch on Deployments runs in
// the background while the Deployment is scaled through its scale subresource.
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/client/client.h"
#include "kubecpp/client/config.h"
#include "kubecpp/client/discovery.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/version.h"
#include "kubecpp/core/yaml.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace {

constexpr char kManager[] = "kubecpp-quickstart";

int Fail(const std::string& what, const kube::Status& status) {
  std::cerr << "kubecpp-quickstart: " << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kubeconfig;
  std::string manifest;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--kubeconfig" && i + 1 < argc) {
      kubeconfig = argv[++i];
    } else if (manifest.empty() && !arg.starts_with("-")) {
      manifest = arg;
    } else {
      std::cerr << "usage: kubecpp-quickstart [--kubeconfig PATH] MANIFEST.yaml\n";
      return 2;
    }
  }
  if (manifest.empty()) {
    std::cerr << "usage: kubecpp-quickstart [--kubeconfig PATH] MANIFEST.yaml\n";
    return 2;
  }
  std::ifstream in(manifest);
  if (!in) {
    std::cerr << "kubecpp-quickstart: cannot read " << manifest << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto documents = kube::ParseYamlDocuments(text.str());
  if (!documents.ok()) return Fail(manifest, documents.status());

  // The apiserver: a real one from a kubeconfig, or kubecpp's fake in this process.
  std::unique_ptr<kube::testing::FakeApiServer> embedded;
  std::unique_ptr<kube::client::Client> client;
  if (kubeconfig.empty()) {
    embedded = std::make_unique<kube::testing::FakeApiServer>();
    client = embedded->NewClient();
    std::cout << "kubecpp " << kube::Version() << ": embedded fake apiserver\n";
  } else {
    auto config = kube::client::LoadKubeconfig({kubeconfig});
    if (!config.ok()) return Fail(kubeconfig, config.status());
    auto created = kube::client::Client::Create(*config);
    if (!created.ok()) return Fail("client", created.status());
    client = std::move(*created);
    std::cout << "kubecpp " << kube::Version() << ": " << config->server << "\n";
  }
  auto version = kube::client::GetServerVersion(*client);
  if (!version.ok()) return Fail("GET /version", version.status());
  std::cout << "server " << version->git_version << "\n\n";

  // Apply every document.
  kube::client::RESTMapper mapper(client.get());
  std::vector<std::pair<kube::client::ResourceRef, kube::Unstructured>> applied;
  for (kube::Json& document : *documents) {
    if (document.is_null()) continue;
    auto object = kube::Unstructured::FromJson(std::move(document));
    if (!object.ok()) return Fail(manifest, object.status());
    auto gvk = object->gvk();
    if (!gvk.ok()) return Fail(manifest, gvk.status());
    auto resource = mapper.ResourceFor(*gvk);
    if (!resource.ok()) return Fail(object->kind() + " " + object->name(), resource.status());
    kube::client::DynamicApi api(client.get(), *resource, object->namespace_());
    auto result = api.Apply(*object, kManager, /*force=*/true);
    if (!result.ok())
      return Fail("apply " + object->kind() + " " + object->name(), result.status());
    std::cout << "applied " << result->kind() << " " << result->key().namespace_
              << (result->namespace_().empty() ? "" : "/") << result->name() << " (resourceVersion "
              << result->resource_version() << ")\n";
    applied.emplace_back(*resource, std::move(*result));
  }

  // Watch Deployments while scaling the first one.
  const kube::client::ResourceRef* deployments = nullptr;
  const kube::Unstructured* deployment = nullptr;
  for (const auto& [resource, object] : applied) {
    if (object.kind() == "Deployment") {
      deployments = &resource;
      deployment = &object;
      break;
    }
  }
  if (deployment != nullptr) {
    kube::client::DynamicApi api(client.get(), *deployments, deployment->namespace_());
    std::mutex mu;
    std::vector<std::string> seen;
    std::stop_source stop;
    kube::client::ListOptions watch_options;
    watch_options.field_selector = "metadata.name=" + deployment->name();
    watch_options.resource_version = deployment->resource_version();
    std::jthread watcher([&] {
      auto status = api.Watch(
          watch_options,
          [&](kube::client::WatchEvent&& event) {
            const kube::Json* replicas = event.object.Get({"spec", "replicas"});
            std::lock_guard<std::mutex> lock(mu);
            seen.push_back(std::string(kube::client::EventTypeName(event.type)) + " " +
                           event.object.name() +
                           " replicas=" + (replicas != nullptr ? replicas->dump() : "?") +
                           " generation=" + std::to_string(event.object.generation()));
            return seen.size() < 2;
          },
          stop.get_token());
      if (!status.ok() && status.code() != kube::Code::kCancelled) {
        std::cerr << "kubecpp-quickstart: watch: " << status << "\n";
      }
    });
    for (int replicas : {3, 5}) {
      auto scaled =
          api.Patch(deployment->name(), kube::client::PatchType::kMerge,
                    R"({"spec":{"replicas":)" + std::to_string(replicas) + "}}", {}, "scale");
      if (!scaled.ok()) return Fail("scale", scaled.status());
      std::cout << "scaled " << deployment->name() << " to " << replicas << "\n";
    }
    watcher.join();
    std::cout << "\nwatch on deployments/" << deployment->name() << ":\n";
    for (const auto& line : seen) std::cout << "  " << line << "\n";
  }

  // What the server holds now.
  std::cout << "\nobjects:\n";
  for (const auto& [resource, object] : applied) {
    kube::client::DynamicApi api(client.get(), resource, object.namespace_());
    auto current = api.Get(object.name());
    if (!current.ok()) return Fail("get " + object.name(), current.status());
    std::cout << "  " << resource.gvr.resource << "/" << current->name() << " generation "
              << current->generation() << ", resourceVersion " << current->resource_version()
              << "\n";
  }
  std::cout << "\ndone: " << applied.size() << " objects applied\n";
  return 0;
}
