// How to test an operator with kubecpp, on the WebApp operator:
//
//   1. Start an in-process kube::testing::FakeApiServer and install the CRD on it.
//   2. Run the operator in a kube::manager::Manager on a client of that server (a
//      private metrics registry, no ports), on a thread.
//   3. Play the user through a second client: create a WebApp, scale it, delete it.
//   4. Play the controllers that do not run here: no Deployment controller runs, so
//      the test writes the Deployment's status itself (SetDeploymentStatus), as the
//      Deployment controller would once the pods are up.
//   5. Assert on what the operator wrote, waiting for it (Eventually): the operator
//      works asynchronously, through watches.
#include "webapp_operator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "kubecpp/api/core/v1/types.h"
#include "kubecpp/client/api.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/core/json.h"
#include "kubecpp/metrics/registry.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace webapp {
namespace {

namespace apps = kube::api::apps::v1;
namespace core = kube::api::core::v1;
namespace v1 = ::webapp::api::examples::v1;

const kube::client::ResourceRef kEvents{{"", "v1", "events"}, "Event", true};
const kube::client::ResourceRef kWebApps{{"examples.kubecpp.io", "v1", "webapps"}, "WebApp", true};

// Polls `condition` every 10 ms until it holds (true) or 20 s pass (false).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string ConditionStatus(const WebApp& app, std::string_view type,
                            std::string* reason = nullptr) {
  if (!app.status || !app.status->conditions) return "";
  for (const auto& c : *app.status->conditions) {
    if (c.type != type) continue;
    if (reason != nullptr) *reason = c.reason;
    return std::string(c.status.ToString());
  }
  return "";
}

WebApp MakeWebApp(const std::string& name, const std::string& json_spec) {
  auto app = kube::Decode<WebApp>(R"({"metadata": {"name": ")" + name +
                                  R"(", "namespace": "default"}, "spec": )" + json_spec + "}");
  EXPECT_TRUE(app.ok()) << app.status();
  return *app;
}

class WebAppOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 1. The CRD, before the manager starts its informers.
    ASSERT_TRUE(InstallCrd(*user_).ok());
    // 2. The operator in a manager.
    kube::manager::ManagerOptions options;
    options.metrics_bind_address = "0";     // no ports in unit tests
    options.metrics_registry = &registry_;  // metrics of this test only
    auto mgr = kube::manager::Manager::New(apiserver_.NewClient(), options);
    ASSERT_TRUE(mgr.ok()) << mgr.status();
    mgr_ = std::move(*mgr);
    ASSERT_TRUE(SetupWithManager(*mgr_).ok());
    runner_ = std::thread([this] { (void)mgr_->Start(stop_.get_token()); });
  }
  void TearDown() override {
    stop_.request_stop();
    if (runner_.joinable()) runner_.join();
  }

  // Creates the WebApp and waits until the operator created its Deployment.
  void CreateAndWait(const WebApp& app) {
    auto created = webapps_.Create(app);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE(Eventually([&] { return deployments_.Get(app.metadata.name).ok(); }));
  }

  // Plays the Deployment controller: the rollout of the current spec has `available`
  // of its pods available (all of them updated when `complete`).
  void SetDeploymentStatus(const std::string& name, int32_t available, bool complete = true) {
    auto d = deployments_.Get(name);
    ASSERT_TRUE(d.ok()) << d.status();
    const int32_t replicas = d->spec->replicas.value_or(1);
    apps::DeploymentStatus& st = d->status.emplace();
    st.observed_generation = d->metadata.generation;
    st.replicas = replicas;
    st.updated_replicas = complete ? replicas : 0;
    st.ready_replicas = available;
    st.available_replicas = available;
    auto updated = deployments_.UpdateStatus(*d);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  // Waits until the WebApp's condition `type` has `status`; returns the WebApp.
  WebApp WaitForCondition(const std::string& name, std::string_view type, std::string_view status) {
    WebApp last;
    EXPECT_TRUE(Eventually([&] {
      auto app = webapps_.Get(name);
      if (!app) return false;
      last = *app;
      return ConditionStatus(last, type) == status;
    })) << type
        << " never became " << status;
    return last;
  }

  bool HasEvent(const std::string& object, const std::string& reason) {
    kube::client::DynamicApi events(user_.get(), kEvents, "default");
    return Eventually([&] {
      auto list = events.List();
      if (!list) return false;
      for (const auto& e : list->items) {
        if (e.GetString({"reason"}) == reason &&
            e.GetString({"involvedObject", "name"}) == object &&
            e.GetString({"involvedObject", "kind"}) == "WebApp") {
          return true;
        }
      }
      return false;
    });
  }

  std::string RegistryEntry(const std::string& key) {
    kube::client::Api<core::ConfigMap> registry(user_.get(), std::string(kRegistryNamespace));
    auto cm = registry.Get(kRegistryName);
    if (!cm || !cm->data) return "";
    auto it = cm->data->find(key);
    return it == cm->data->end() ? "" : it->second;
  }

  kube::testing::FakeApiServer apiserver_;
  std::unique_ptr<kube::client::Client> user_ = apiserver_.NewClient();
  kube::client::Api<WebApp> webapps_{user_.get(), "default"};
  kube::client::Api<apps::Deployment> deployments_{user_.get(), "default"};
  kube::client::Api<core::Service> services_{user_.get(), "default"};
  kube::client::Api<core::ConfigMap> config_maps_{user_.get(), "default"};
  kube::metrics::Registry registry_;
  std::unique_ptr<kube::manager::Manager> mgr_;
  std::stop_source stop_;
  std::thread runner_;
};

TEST_F(WebAppOperatorTest, CreatesDeploymentServiceAndConfigMapControlledByTheWebApp) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx:1.27", "replicas": 3, "port": 80,
                                       "env": {"GREETING": "hi"}})"));
  auto app = webapps_.Get("shop");
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(Eventually([&] { return services_.Get("shop").ok(); }));

  auto d = deployments_.Get("shop");
  auto svc = services_.Get("shop");
  auto cm = config_maps_.Get("shop-env");
  ASSERT_TRUE(d.ok() && svc.ok() && cm.ok());
  for (const kube::ObjectMeta* meta : {&d->metadata, &svc->metadata, &cm->metadata}) {
    const kube::OwnerReference* owner = meta->ControllerRef();
    ASSERT_NE(owner, nullptr) << meta->name;
    EXPECT_EQ(owner->kind, "WebApp");
    EXPECT_EQ(owner->api_version, "examples.kubecpp.io/v1");
    EXPECT_EQ(owner->uid, app->metadata.uid);
    EXPECT_EQ(owner->block_owner_deletion, true);
  }
  EXPECT_EQ(d->spec->replicas, 3);
  EXPECT_EQ(d->spec->selector.match_labels, SelectorLabels(*app));
  const core::Container& c = d->spec->template_.spec->containers.at(0);
  EXPECT_EQ(c.image, "nginx:1.27");
  EXPECT_EQ(c.ports->at(0).container_port, 80);
  EXPECT_EQ(c.env_from->at(0).config_map_ref->name, "shop-env");
  EXPECT_EQ(svc->spec->selector, SelectorLabels(*app));
  EXPECT_EQ(svc->spec->ports->at(0).port, 80);
  EXPECT_EQ(cm->data, (std::map<std::string, std::string>{{"GREETING", "hi"}}));
  EXPECT_EQ(d->spec->template_.metadata->annotations[std::string(kConfigHashAnnotation)],
            ConfigHash(*cm->data));
}

TEST_F(WebAppOperatorTest, CrdDefaultsAndValidatesTheSpec) {
  auto created = webapps_.Create(MakeWebApp("minimal", R"({"image": "nginx"})"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->spec->replicas, 1);
  EXPECT_EQ(created->spec->port, 8080);
  EXPECT_EQ(created->spec->pull_policy, v1::WebAppSpecPullPolicy::kIfNotPresent);
  EXPECT_EQ(created->spec->service_type, v1::WebAppSpecServiceType::kClusterIP);

  struct Case {
    std::string spec;
    std::string field;  // named in the apiserver's message
  };
  const Case cases[] = {
      {R"({"replicas": 2})", "spec.image"},
      {R"({"image": "nginx", "replicas": 101})", "spec.replicas"},
      {R"({"image": "nginx", "port": 0})", "spec.port"},
      {R"({"image": "nginx", "serviceType": "Ingress"})", "spec.serviceType"},
      {R"({"image": "nginx", "pullPolicy": "Sometimes"})", "spec.pullPolicy"},
      {R"({"image": "nginx", "host": "Not A Host"})", "spec.host"},
  };
  kube::client::DynamicApi raw(user_.get(), kWebApps, "default");
  for (const Case& tc : cases) {
    auto obj = kube::Unstructured::Parse(
        R"({"apiVersion": "examples.kubecpp.io/v1", "kind": "WebApp",
            "metadata": {"name": "bad"}, "spec": )" +
        tc.spec + "}");
    ASSERT_TRUE(obj.ok());
    auto rejected = raw.Create(*obj);
    ASSERT_FALSE(rejected.ok()) << tc.spec;
    EXPECT_EQ(rejected.error().code(), kube::Code::kInvalid) << tc.spec;
    EXPECT_NE(rejected.error().message().find(tc.field), std::string::npos)
        << rejected.error().message();
  }
}

TEST_F(WebAppOperatorTest, ReportsStatusAndConditionsFromTheDeployment) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "replicas": 2, "port": 80})"));
  // No pods yet: not available, not ready.
  WebApp app = WaitForCondition("shop", kAvailable, "False");
  std::string reason;
  EXPECT_EQ(ConditionStatus(app, kReady, &reason), "False");
  EXPECT_EQ(reason, "ReplicasUnavailable");
  EXPECT_EQ(ConditionStatus(app, kProgressing), "True");
  EXPECT_EQ(ConditionStatus(app, kDegraded), "False");
  EXPECT_EQ(app.status->url, "http://shop.default.svc.cluster.local");
  EXPECT_EQ(app.status->selector, "app.kubernetes.io/instance=shop,app.kubernetes.io/name=webapp");

  // One of two pods up, rollout still going.
  SetDeploymentStatus("shop", 1, /*complete=*/false);
  app = WaitForCondition("shop", kReady, "False");
  EXPECT_TRUE(Eventually([&] {
    auto got = webapps_.Get("shop");
    return got.ok() && got->status->available_replicas == 1;
  }));

  // The rollout completes.
  SetDeploymentStatus("shop", 2);
  app = WaitForCondition("shop", kReady, "True");
  EXPECT_EQ(ConditionStatus(app, kAvailable, &reason), "True");
  EXPECT_EQ(reason, "AllReplicasAvailable");
  EXPECT_EQ(ConditionStatus(app, kProgressing, &reason), "False");
  EXPECT_EQ(reason, "RolloutComplete");
  EXPECT_EQ(app.status->available_replicas, 2);
  EXPECT_EQ(app.status->replicas, 2);
  EXPECT_EQ(app.status->observed_generation, app.metadata.generation);
  for (const auto& c : *app.status->conditions) {
    EXPECT_FALSE(c.last_transition_time.IsZero()) << c.type;
    EXPECT_EQ(c.observed_generation, app.metadata.generation) << c.type;
  }
}

TEST_F(WebAppOperatorTest, ReconcilingAnUpToDateAppWritesNothing) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "env": {"A": "1"}})"));
  SetDeploymentStatus("shop", 1);
  WaitForCondition("shop", kReady, "True");
  auto writes = [&] {
    int64_t n = 0;
    for (const char* verb : {"create", "update", "patch"}) {
      for (const char* resource : {"deployments", "services", "configmaps", "webapps"}) {
        n += apiserver_.RequestCount(verb, resource);
      }
    }
    return n;
  };
  // Each annotation change is an event that makes the operator reconcile (and GET
  // the WebApp). Reconciles of one key never overlap, so once the second one has
  // started, the first one is over.
  const int64_t before = writes();
  for (int i = 0; i < 2; ++i) {
    const int64_t gets = apiserver_.RequestCount("get", "webapps");
    auto app = webapps_.Get("shop");
    app->metadata.annotations["touched"] = std::to_string(i);
    ASSERT_TRUE(webapps_.Update(*app).ok());
    ASSERT_TRUE(Eventually([&] { return apiserver_.RequestCount("get", "webapps") > gets + 1; }));
  }
  EXPECT_EQ(writes(), before + 2);  // the test's own two updates
}

TEST_F(WebAppOperatorTest, UrlUsesTheHostWhenSet) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "host": "shop.example.com"})"));
  EXPECT_TRUE(Eventually([&] {
    auto app = webapps_.Get("shop");
    return app.ok() && app->status && app->status->url == "http://shop.example.com";
  }));
}

TEST_F(WebAppOperatorTest, ChangingTheEnvironmentRollsTheDeployment) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "env": {"COLOR": "blue"}})"));
  auto hash_of = [&]() -> std::string {
    auto d = deployments_.Get("shop");
    if (!d || !d->spec->template_.metadata) return "";
    return d->spec->template_.metadata->annotations[std::string(kConfigHashAnnotation)];
  };
  const std::string before = hash_of();
  ASSERT_EQ(before, ConfigHash({{"COLOR", "blue"}}));
  const int64_t generation = deployments_.Get("shop")->metadata.generation;

  auto app = webapps_.Get("shop");
  (*app->spec->env)["COLOR"] = "green";
  ASSERT_TRUE(webapps_.Update(*app).ok());

  // The ConfigMap gets the new content and the pod template its hash: a new rollout.
  EXPECT_TRUE(Eventually([&] { return hash_of() == ConfigHash({{"COLOR", "green"}}); }));
  EXPECT_EQ((*config_maps_.Get("shop-env")->data)["COLOR"], "green");
  EXPECT_GT(deployments_.Get("shop")->metadata.generation, generation);
  EXPECT_TRUE(HasEvent("shop", "ConfigChanged"));
}

TEST_F(WebAppOperatorTest, RevertsEditsOfTheOwnedObjects) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "replicas": 2,
                                       "env": {"COLOR": "blue"}})"));
  // Owns<ConfigMap> and Owns<Deployment>: a change made behind the operator's back
  // triggers a reconcile that puts the spec back.
  auto cm = config_maps_.Get("shop-env");
  (*cm->data)["COLOR"] = "red";
  ASSERT_TRUE(config_maps_.Update(*cm).ok());
  auto d = deployments_.Get("shop");
  d->spec->replicas = 7;
  ASSERT_TRUE(deployments_.Update(*d).ok());

  EXPECT_TRUE(Eventually([&] {
    auto live = config_maps_.Get("shop-env");
    return live.ok() && (*live->data)["COLOR"] == "blue";
  }));
  EXPECT_TRUE(Eventually([&] { return deployments_.Get("shop")->spec->replicas == 2; }));
}

TEST_F(WebAppOperatorTest, ScaleSubresourceScalesTheDeployment) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "replicas": 2})"));
  // What `kubectl scale webapp shop --replicas=5` sends.
  kube::client::DynamicApi raw(user_.get(), kWebApps, "default");
  auto scale =
      raw.Patch("shop", kube::client::PatchType::kMerge, R"({"spec":{"replicas":5}})", {}, "scale");
  ASSERT_TRUE(scale.ok()) << scale.status();
  EXPECT_EQ(scale->kind(), "Scale");
  EXPECT_EQ(webapps_.Get("shop")->spec->replicas, 5);

  EXPECT_TRUE(Eventually([&] { return deployments_.Get("shop")->spec->replicas == 5; }));
  EXPECT_TRUE(HasEvent("shop", "Scaled"));

  // status.replicas (the Scale's) follows the Deployment, and so does the selector.
  SetDeploymentStatus("shop", 5);
  EXPECT_TRUE(Eventually([&] {
    auto s = raw.Patch("shop", kube::client::PatchType::kMerge, "{}", {}, "scale");
    return s.ok() && s->Get({"status", "replicas"}) != nullptr &&
           *s->Get({"status", "replicas"}) == 5 &&
           s->GetString({"status", "selector"}) ==
               "app.kubernetes.io/instance=shop,app.kubernetes.io/name=webapp";
  }));
}

TEST_F(WebAppOperatorTest, FinalizerRemovesTheRegistryEntryOnDeletion) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx", "host": "shop.example.com"})"));
  EXPECT_TRUE(
      Eventually([&] { return RegistryEntry("default.shop") == "http://shop.example.com"; }));
  EXPECT_TRUE(webapps_.Get("shop")->metadata.HasFinalizer(kFinalizer));
  EXPECT_TRUE(HasEvent("shop", "Registered"));

  ASSERT_TRUE(webapps_.Delete("shop").ok());
  // The finalizer holds the WebApp until the entry is gone, then releases it.
  EXPECT_TRUE(Eventually([&] { return kube::IsNotFound(webapps_.Get("shop").status()); }));
  EXPECT_EQ(RegistryEntry("default.shop"), "");
  EXPECT_TRUE(HasEvent("shop", "Deregistered"));
}

TEST_F(WebAppOperatorTest, RegistryKeepsOneEntryPerApp) {
  CreateAndWait(MakeWebApp("a", R"({"image": "nginx", "host": "a.example.com"})"));
  CreateAndWait(MakeWebApp("b", R"({"image": "nginx", "port": 9000})"));
  EXPECT_TRUE(Eventually([&] {
    return RegistryEntry("default.a") == "http://a.example.com" &&
           RegistryEntry("default.b") == "http://b.default.svc.cluster.local:9000";
  }));
  ASSERT_TRUE(webapps_.Delete("a").ok());
  EXPECT_TRUE(Eventually([&] { return RegistryEntry("default.a").empty(); }));
  EXPECT_EQ(RegistryEntry("default.b"), "http://b.default.svc.cluster.local:9000");
}

TEST_F(WebAppOperatorTest, RecordsEventsForWhatItCreates) {
  CreateAndWait(MakeWebApp("shop", R"({"image": "nginx"})"));
  EXPECT_TRUE(HasEvent("shop", "Created"));
}

TEST_F(WebAppOperatorTest, FailedWritesMakeTheAppDegradedUntilTheyWork) {
  apiserver_.InjectFault(
      {.verb = "create", .resource = "deployments", .http_code = 500, .times = 1000});
  ASSERT_TRUE(webapps_.Create(MakeWebApp("shop", R"({"image": "nginx"})")).ok());
  WebApp app = WaitForCondition("shop", kDegraded, "True");
  std::string reason;
  ConditionStatus(app, kDegraded, &reason);
  EXPECT_EQ(reason, "ReconcileFailed");
  EXPECT_EQ(ConditionStatus(app, kReady), "False");
  EXPECT_TRUE(HasEvent("shop", "ReconcileFailed"));

  apiserver_.ClearFaults();  // the retry with backoff succeeds
  EXPECT_TRUE(Eventually([&] { return deployments_.Get("shop").ok(); }));
  WaitForCondition("shop", kDegraded, "False");
}

// ---- Pure functions -----------------------------------------------------------------

TEST(WebAppUrl, HostOrServiceDnsName) {
  struct Case {
    std::string spec;
    std::string url;
  };
  const Case cases[] = {
      {R"({"image": "x", "host": "shop.example.com"})", "http://shop.example.com"},
      {R"({"image": "x", "port": 80})", "http://shop.prod.svc.cluster.local"},
      {R"({"image": "x", "port": 8443})", "http://shop.prod.svc.cluster.local:8443"},
      {R"({"image": "x"})", "http://shop.prod.svc.cluster.local:8080"},  // default port
  };
  for (const Case& tc : cases) {
    WebApp app = MakeWebApp("shop", tc.spec);
    app.metadata.namespace_ = "prod";
    EXPECT_EQ(UrlFor(app), tc.url) << tc.spec;
  }
}

TEST(WebAppConfigHash, DependsOnKeysAndValues) {
  EXPECT_EQ(ConfigHash({{"a", "1"}}), ConfigHash({{"a", "1"}}));
  EXPECT_NE(ConfigHash({{"a", "1"}}), ConfigHash({{"a", "2"}}));
  EXPECT_NE(ConfigHash({{"a", "1"}}), ConfigHash({{"b", "1"}}));
  EXPECT_NE(ConfigHash({{"ab", ""}}), ConfigHash({{"a", "b"}}));  // no ambiguous joins
  EXPECT_EQ(ConfigHash({}).size(), 16u);
}

TEST(WebAppConditions, FollowTheDeployment) {
  WebApp app = MakeWebApp("shop", R"({"image": "x", "replicas": 3})");
  app.metadata.generation = 4;
  struct Case {
    std::string name;
    int64_t observed;
    int32_t replicas, updated, available;
    std::string progress_reason;  // the Deployment's Progressing reason
    kube::Status error;
    // Available, Progressing, Degraded, Ready and Ready's reason.
    std::string want[5];
  };
  const Case cases[] = {
      {"complete", 2, 3, 3, 3, "", {}, {"True", "False", "False", "True", "Ready"}},
      {"not observed", 1, 3, 3, 3, "", {}, {"True", "True", "False", "False", "RollingOut"}},
      {"old pods left", 2, 4, 3, 3, "", {}, {"True", "True", "False", "False", "RollingOut"}},
      {"pods missing",
       2,
       3,
       3,
       1,
       "",
       {},
       {"False", "False", "False", "False", "ReplicasUnavailable"}},
      {"deadline",
       2,
       3,
       1,
       1,
       "ProgressDeadlineExceeded",
       {},
       {"False", "True", "True", "False", "ProgressDeadlineExceeded"}},
      {"write failed",
       2,
       3,
       3,
       3,
       "",
       kube::InternalError("boom"),
       {"True", "False", "True", "False", "ReconcileFailed"}},
  };
  for (const Case& tc : cases) {
    // The Deployment as its controller reports it (metadata.generation 2).
    kube::Json status = {{"observedGeneration", tc.observed},
                         {"replicas", tc.replicas},
                         {"updatedReplicas", tc.updated},
                         {"availableReplicas", tc.available}};
    if (!tc.progress_reason.empty()) {
      status["conditions"] = {
          {{"type", "Progressing"}, {"status", "False"}, {"reason", tc.progress_reason}}};
    }
    kube::Json json = {{"metadata", {{"name", "shop"}, {"generation", 2}}}, {"status", status}};
    auto d = kube::Decode<apps::Deployment>(json.dump());
    ASSERT_TRUE(d.ok()) << d.status();
    auto conditions = ComputeConditions(app, &*d, tc.error);
    ASSERT_EQ(conditions.size(), 4u);
    const std::string_view types[] = {kAvailable, kProgressing, kDegraded, kReady};
    for (int i = 0; i < 4; ++i) {
      const kube::Condition* c = kube::FindStatusCondition(conditions, types[i]);
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->status, tc.want[i]) << tc.name << " " << types[i];
      EXPECT_EQ(c->observed_generation, 4) << tc.name;
    }
    EXPECT_EQ(kube::FindStatusCondition(conditions, kReady)->reason, tc.want[4]) << tc.name;
  }
  // No Deployment yet: progressing, nothing available.
  auto none = ComputeConditions(app, nullptr, {});
  EXPECT_EQ(kube::FindStatusCondition(none, kProgressing)->status, "True");
  EXPECT_EQ(kube::FindStatusCondition(none, kAvailable)->status, "False");
}

}  // namespace
}  // namespace webapp
