// Helpers (owner references, create-or-update, finalizers, status retries),
// predicates and logging.
#include "kubecpp/controller/util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kubecpp/controller/log.h"
#include "kubecpp/controller/predicate.h"
#include "kubecpp/controller/reconciler.h"
#include "kubecpp/testing/fake_apiserver.h"

namespace kube::controller {
namespace {

using ::testing::HasSubstr;

const client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
const client::ResourceRef kDeployments{{"apps", "v1", "deployments"}, "Deployment", true};

ObjectMeta Meta(std::string ns, std::string name, std::string uid = "") {
  ObjectMeta m;
  m.namespace_ = std::move(ns);
  m.name = std::move(name);
  m.uid = std::move(uid);
  return m;
}

const GroupVersionKind kAppGvk{"example.com", "v1", "WebApp"};

TEST(OwnerReferenceTest, SetControllerReferenceAddsAControllerRefOnce) {
  ObjectMeta child = Meta("default", "web-svc");
  OwnerInfo owner = OwnerOf(kAppGvk, Meta("default", "web", "uid-1"));
  ASSERT_TRUE(SetControllerReference(owner, &child).ok());
  ASSERT_TRUE(SetControllerReference(owner, &child).ok());
  ASSERT_EQ(child.owner_references.size(), 1u);
  const OwnerReference& ref = child.owner_references[0];
  EXPECT_EQ(ref.api_version, "example.com/v1");
  EXPECT_EQ(ref.kind, "WebApp");
  EXPECT_EQ(ref.name, "web");
  EXPECT_EQ(ref.uid, "uid-1");
  EXPECT_EQ(ref.controller, true);
  EXPECT_EQ(ref.block_owner_deletion, true);
  EXPECT_TRUE(IsControlledBy(child, owner));
}

TEST(OwnerReferenceTest, ScopeAndOwnershipRules) {
  OwnerInfo owner = OwnerOf(kAppGvk, Meta("default", "web", "uid-1"));
  ObjectMeta other_ns = Meta("prod", "x");
  Status s = SetControllerReference(owner, &other_ns);
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("cross-namespace owner references are disallowed"));

  ObjectMeta cluster_scoped = Meta("", "pv-1");
  EXPECT_EQ(SetOwnerReference(owner, &cluster_scoped, /*object_namespaced=*/false).code(),
            Code::kInvalid);

  OwnerInfo cluster_owner = OwnerOf(GroupVersionKind{"", "v1", "Node"}, Meta("", "n1", "uid-n"));
  ObjectMeta anything = Meta("prod", "y");
  EXPECT_TRUE(SetOwnerReference(cluster_owner, &anything).ok());

  OwnerInfo no_uid = OwnerOf(kAppGvk, Meta("default", "new"));
  ObjectMeta child = Meta("default", "c");
  EXPECT_THAT(SetControllerReference(no_uid, &child).message(), HasSubstr("has no uid"));

  ASSERT_TRUE(SetControllerReference(owner, &child).ok());
  OwnerInfo rival = OwnerOf(kAppGvk, Meta("default", "rival", "uid-2"));
  Status taken = SetControllerReference(rival, &child);
  EXPECT_EQ(taken.code(), Code::kAlreadyExists);
  EXPECT_THAT(taken.message(), HasSubstr("already owned by another WebApp controller web"));
  // A plain owner reference next to the controller is fine.
  ASSERT_TRUE(SetOwnerReference(rival, &child).ok());
  EXPECT_EQ(child.owner_references.size(), 2u);
  EXPECT_TRUE(RemoveOwnerReference(rival, &child));
  EXPECT_FALSE(RemoveOwnerReference(rival, &child));
}

TEST(MergePatchTest, CreateMergePatchSendsOnlyTheDifference) {
  Json from = Json::parse(R"({"a":1,"b":{"c":2,"d":3},"e":[1,2],"f":"x"})");
  Json to = Json::parse(R"({"a":1,"b":{"c":5,"d":3},"e":[1],"g":true})");
  EXPECT_EQ(CreateMergePatch(from, to), Json::parse(R"({"b":{"c":5},"e":[1],"f":null,"g":true})"));
  EXPECT_EQ(CreateMergePatch(to, to), Json::object());
}

TEST(RetryOnConflictTest, RetriesOnlyConflicts) {
  int calls = 0;
  Status s = RetryOnConflict({.interval = std::chrono::milliseconds(0)}, [&] {
    ++calls;
    return calls < 3 ? Status(Code::kConflict, "stale") : Status();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  s = RetryOnConflict({.interval = std::chrono::milliseconds(0)}, [&] {
    ++calls;
    return Status(Code::kConflict, "stale");
  });
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(calls, 5);
  calls = 0;
  s = RetryOnConflict({}, [&] {
    ++calls;
    return Status(Code::kForbidden, "no");
  });
  EXPECT_EQ(s.code(), Code::kForbidden);
  EXPECT_EQ(calls, 1);
}

class WriteHelpersTest : public ::testing::Test {
 protected:
  WriteHelpersTest() : client_(api_.NewClient()), cms_(client_.get(), kConfigMaps, "default") {}

  Unstructured ConfigMap(const std::string& name) {
    Unstructured u;
    u.set_api_version("v1");
    u.set_kind("ConfigMap");
    u.set_name(name);
    u.set_namespace("default");
    return u;
  }

  testing::FakeApiServer api_;
  std::unique_ptr<client::Client> client_;
  client::DynamicApi cms_;
};

TEST_F(WriteHelpersTest, CreateOrUpdateCreatesUpdatesOrLeavesAlone) {
  Unstructured cm = ConfigMap("settings");
  auto set_v = [](std::string v) {
    return std::function<Status(Unstructured&)>([v](Unstructured& u) {
      u.Set({"data", "v"}, Json(v));
      return Status();
    });
  };
  auto r = CreateOrUpdate(cms_, &cm, set_v("1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, OperationResult::kCreated);
  EXPECT_FALSE(cm.uid().empty());

  Unstructured again = ConfigMap("settings");
  r = CreateOrUpdate(cms_, &again, set_v("1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, OperationResult::kUnchanged);
  const std::string rv = again.resource_version();

  r = CreateOrUpdate(cms_, &again, set_v("2"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, OperationResult::kUpdated);
  EXPECT_NE(again.resource_version(), rv);
  EXPECT_EQ(cms_.Get("settings")->GetString({"data", "v"}), "2");

  Unstructured renamed = ConfigMap("settings");
  r = CreateOrUpdate(cms_, &renamed, std::function<Status(Unstructured&)>([](Unstructured& u) {
                       u.set_name("other");
                       return Status();
                     }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kInvalid);
}

TEST_F(WriteHelpersTest, CreateOrPatchKeepsFieldsItDoesNotSetAndPatchesStatusSeparately) {
  client::DynamicApi deployments(client_.get(), kDeployments, "default");
  Unstructured d;
  d.set_api_version("apps/v1");
  d.set_kind("Deployment");
  d.set_name("web");
  d.set_namespace("default");
  auto mutate = std::function<Status(Unstructured&)>([](Unstructured& u) {
    u.Set({"spec", "replicas"}, Json(2));
    u.Set({"spec", "selector"}, Json::parse(R"({"matchLabels":{"app":"web"}})"));
    u.Set({"spec", "template"}, Json::parse(R"({"metadata":{"labels":{"app":"web"}},
                          "spec":{"containers":[{"name":"c","image":"nginx"}]}})"));
    return Status();
  });
  auto r = CreateOrPatch(deployments, &d, mutate);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, OperationResult::kCreated);
  // Someone else sets a label the controller does not manage.
  Unstructured live = *deployments.Get("web");
  live.set_labels({{"team", "a"}});
  ASSERT_TRUE(deployments.Update(live).ok());

  Unstructured again = d;
  r = CreateOrPatch(deployments, &again, std::function<Status(Unstructured&)>([](Unstructured& u) {
                      u.Set({"spec", "replicas"}, Json(3));
                      u.Set({"status", "observedGeneration"}, Json(7));
                      return Status();
                    }));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, OperationResult::kUpdatedStatus);
  Unstructured now = *deployments.Get("web");
  EXPECT_EQ(now.labels().at("team"), "a");
  EXPECT_EQ(now.Get({"spec", "replicas"})->get<int>(), 3);
  EXPECT_EQ(now.Get({"status", "observedGeneration"})->get<int>(), 7);
}

TEST_F(WriteHelpersTest, UpdateStatusRetriesOnConflict) {
  client::DynamicApi deployments(client_.get(), kDeployments, "default");
  Unstructured d;
  d.set_api_version("apps/v1");
  d.set_kind("Deployment");
  d.set_name("web");
  d.set_namespace("default");
  d.Set({"spec"}, Json::parse(R"({"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},
                  "spec":{"containers":[{"name":"c","image":"nginx"}]}}})"));
  ASSERT_TRUE(deployments.Create(d).ok());
  api_.ConflictOnNextUpdate("deployments", "default", "web");
  int calls = 0;
  auto r =
      UpdateStatus(deployments, "web", std::function<Status(Unstructured&)>([&](Unstructured& u) {
                     ++calls;
                     u.Set({"status", "replicas"}, Json(4));
                     return Status();
                   }),
                   {.interval = std::chrono::milliseconds(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(deployments.Get("web")->Get({"status", "replicas"})->get<int>(), 4);
}

TEST_F(WriteHelpersTest, HandleFinalizerAddsRunsCleanupAndRemoves) {
  Unstructured cm = ConfigMap("guarded");
  ASSERT_TRUE(cms_.Create(cm).ok());
  int cleanups = 0;
  auto cleanup = std::function<Status(const Unstructured&)>([&](const Unstructured&) {
    ++cleanups;
    return cleanups == 1 ? Status(Code::kUnavailable, "external system down") : Status();
  });
  constexpr std::string_view kFinalizer = "example.com/cleanup";
  auto r = HandleFinalizer(cms_, *cms_.Get("guarded"), kFinalizer, cleanup);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, FinalizerResult::kContinue);
  ASSERT_TRUE(cms_.Get("guarded")->metadata()->HasFinalizer(kFinalizer));

  ASSERT_TRUE(cms_.Delete("guarded").ok());  // stays while the finalizer is there
  Unstructured deleting = *cms_.Get("guarded");
  r = HandleFinalizer(cms_, deleting, kFinalizer, cleanup);
  ASSERT_FALSE(r.ok());  // cleanup failed: finalizer kept, try again later
  EXPECT_TRUE(cms_.Get("guarded").ok());
  r = HandleFinalizer(cms_, *cms_.Get("guarded"), kFinalizer, cleanup);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, FinalizerResult::kDeleted);
  EXPECT_EQ(cleanups, 2);
  EXPECT_EQ(cms_.Get("guarded").error().code(), Code::kNotFound);
}

Unstructured Obj(int64_t generation, std::map<std::string, std::string> labels,
                 std::string rv = "1") {
  Unstructured u;
  u.set_name("x");
  u.Set({"metadata", "generation"}, Json(generation));
  u.set_resource_version(rv);
  if (!labels.empty()) u.set_labels(labels);
  return u;
}

TEST(PredicateTest, BuiltInPredicatesAndCombinators) {
  const Unstructured a = Obj(1, {{"app", "web"}});
  const Unstructured spec_change = Obj(2, {{"app", "web"}}, "2");
  const Unstructured label_change = Obj(1, {{"app", "api"}}, "3");
  auto gen = GenerationChangedPredicate<Unstructured>();
  EXPECT_TRUE(gen.Update(a, spec_change));
  EXPECT_FALSE(gen.Update(a, label_change));
  EXPECT_TRUE(gen.Create(a));  // only updates are filtered
  auto labels = LabelChangedPredicate<Unstructured>();
  EXPECT_TRUE(labels.Update(a, label_change));
  EXPECT_FALSE(labels.Update(a, spec_change));
  auto rv = ResourceVersionChangedPredicate<Unstructured>();
  EXPECT_FALSE(rv.Update(a, a));  // a resync
  EXPECT_TRUE(Or<Unstructured>({gen, labels}).Update(a, label_change));
  EXPECT_FALSE(And<Unstructured>({gen, labels}).Update(a, label_change));
  EXPECT_FALSE(Not(labels).Update(a, label_change));
  auto web = LabelSelectorPredicate<Unstructured>(*Selector::Parse("app=web"));
  EXPECT_TRUE(web.Create(a));
  EXPECT_FALSE(web.Create(label_change));
  EXPECT_FALSE(web.Update(a, label_change));
}

TEST(ActionTest, ResultsMeanWhatControllerRuntimeMeans) {
  EXPECT_TRUE(Action::Done().done());
  EXPECT_TRUE(Action::Requeue().requeue());
  EXPECT_EQ(Action::RequeueAfter(std::chrono::seconds(5)).requeue_after(), std::chrono::seconds(5));
  EXPECT_EQ(Action::RequeueAfter(std::chrono::seconds(0)), Action::Done());
  Status terminal = TerminalError(Status(Code::kInvalid, "bad spec"));
  EXPECT_TRUE(IsTerminalError(terminal));
  EXPECT_EQ(terminal.code(), Code::kInvalid);
  EXPECT_FALSE(IsTerminalError(Status(Code::kInvalid, "bad spec")));
}

TEST(LoggerTest, FieldsAppearOnEveryLineInTextAndJson) {
  Logger log = Logger("controller").WithValues({{"controller", "web"}, {"name", "a b"}});
  SetLogFormat(LogFormat::kText);
  EXPECT_EQ(log.Format("info", "Reconciling", {{"reconcileID", "r1"}}),
            "controller: Reconciling controller=web name=\"a b\" reconcileID=r1");
  SetLogFormat(LogFormat::kJson);
  Json line = Json::parse(log.Format("info", "Reconciling", {{"reconcileID", "r1"}}));
  SetLogFormat(LogFormat::kText);
  EXPECT_EQ(line["msg"], "Reconciling");
  EXPECT_EQ(line["controller"], "web");
  EXPECT_EQ(line["name"], "a b");
  EXPECT_EQ(line["reconcileID"], "r1");
  EXPECT_EQ(line["logger"], "controller");
  EXPECT_TRUE(line["ts"].is_number());
  SetLogVerbosity(0);
  EXPECT_FALSE(log.V(2).enabled());
  SetLogVerbosity(2);
  EXPECT_TRUE(log.V(2).enabled());
  SetLogVerbosity(0);
}

}  // namespace
}  // namespace kube::controller
