// The cluster the e2e suites share: one kube::testing::EnvTest started by a gtest
// Environment before the first test and stopped after the last, and the ClientE2E
// fixture that gives each test a client and a namespace of its own.
//
// Thread-safety: set up and torn down on gtest's main thread; read-only in between.
#ifndef KUBECPP_TESTS_E2E_E2E_CLUSTER_H_
#define KUBECPP_TESTS_E2E_E2E_CLUSTER_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/unstructured.h"
#include "kubecpp/testing/envtest.h"

namespace kube::e2e {

inline const client::ResourceRef kNamespaces{{"", "v1", "namespaces"}, "Namespace", false};
inline const client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
inline const client::ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};
inline const client::ResourceRef kCrds{
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, "CustomResourceDefinition", false};

// How long a test waits for a condition on the server.
inline constexpr std::chrono::seconds kDeadline{60};

struct Cluster {
  std::unique_ptr<testing::EnvTest> env;
  std::unique_ptr<client::Client> client;
  Status start_status;  // kNotFound: the binaries are not built (tests skip)
};

// The shared cluster; null outside the Environment's lifetime.
Cluster* SharedCluster();

// `json` as an Unstructured (a failed test when it is not an object).
Unstructured Object(Json json);
// Polls `condition` every 100 ms until it holds (true) or kDeadline passes (false).
bool Eventually(const std::function<bool()>& condition);

// Skips the test when the binaries are missing, fails it when the cluster did not
// start, and otherwise creates a namespace named after the test ("e2e-crud-works").
// Namespaces are never deleted: without kube-controller-manager they would only sit
// in Terminating.
class ClientE2E : public ::testing::Test {
 protected:
  void SetUp() override;
  client::DynamicApi Api(const client::ResourceRef& resource) {
    return client::DynamicApi(client_, resource, ns_);
  }

  client::Client* client_ = nullptr;
  std::string ns_;
};

}  // namespace kube::e2e

#endif  // KUBECPP_TESTS_E2E_E2E_CLUSTER_H_
