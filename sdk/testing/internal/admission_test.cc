#include "kubecpp/testing/internal/admission.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube::testing::internal {
namespace {

Json J(std::string_view text) {
  Result<Json> r = ParseJson(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? r.value() : Json();
}

struct KindInfo {
  std::string_view group;
  std::string_view kind;
  bool namespaced = true;
};

constexpr KindInfo kDeployment{"apps", "Deployment"};
constexpr KindInfo kReplicaSet{"apps", "ReplicaSet"};
constexpr KindInfo kStatefulSet{"apps", "StatefulSet"};
constexpr KindInfo kDaemonSet{"apps", "DaemonSet"};
constexpr KindInfo kJob{"batch", "Job"};
constexpr KindInfo kPod{"", "Pod"};
constexpr KindInfo kService{"", "Service"};
constexpr KindInfo kNamespace{"", "Namespace", false};
constexpr KindInfo kConfigMap{"", "ConfigMap"};
constexpr KindInfo kSecret{"", "Secret"};
constexpr KindInfo kEndpoints{"", "Endpoints"};

AdmissionRequest Req(const KindInfo& k, const Json* old = nullptr) {
  AdmissionRequest req;
  req.group = k.group;
  req.version = "v1";
  req.kind = k.kind;
  req.namespaced = k.namespaced;
  req.create = old == nullptr;
  req.old = old;
  return req;
}

Json Defaulted(const KindInfo& k, Json obj, const Json* old = nullptr) {
  ApplyDefaults(Req(k, old), &obj);
  return obj;
}

// Defaults then validates, as the engine does.
Status Admit(const KindInfo& k, Json obj, const Json* old = nullptr) {
  AdmissionRequest req = Req(k, old);
  ApplyDefaults(req, &obj);
  return Validate(req, obj);
}

Json Deployment() {
  return J(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"default"},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},
        "spec":{"containers":[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80}]}]}}}})");
}

Json Pod() {
  return J(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},
    "spec":{"containers":[{"name":"c","image":"nginx"}]}})");
}

Json Service(std::string_view spec) {
  return J(
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"svc","namespace":"default"},"spec":)" +
      std::string(spec) + "}");
}

// ------------------------------------------------------------------------- defaults

TEST(ApplyDefaults, DeploymentGetsUpstreamDefaults) {
  Json d = Defaulted(kDeployment, Deployment());
  const Json& spec = d["spec"];
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["strategy"], J(R"({"type":"RollingUpdate",
    "rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}})"));
  EXPECT_EQ(spec["revisionHistoryLimit"], 10);
  EXPECT_EQ(spec["progressDeadlineSeconds"], 600);
  EXPECT_FALSE(spec.contains("minReadySeconds"));  // omitempty upstream
  const Json& pod = spec["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Always");
  EXPECT_EQ(pod["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(pod["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(pod["schedulerName"], "default-scheduler");
  EXPECT_EQ(pod["securityContext"], Json::object());
  EXPECT_FALSE(pod.contains("enableServiceLinks"));  // pods only
  const Json& c = pod["containers"][0];
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(c["terminationMessagePolicy"], "File");
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["ports"][0]["protocol"], "TCP");
}

TEST(ApplyDefaults, RecreateStrategyGetsNoRollingUpdate) {
  Json d = Deployment();
  d["spec"]["strategy"] = J(R"({"type":"Recreate"})");
  d = Defaulted(kDeployment, d);
  EXPECT_EQ(d["spec"]["strategy"], J(R"({"type":"Recreate"})"));
}

TEST(ApplyDefaults, ImagePullPolicyFollowsTheTag) {
  struct Case {
    const char* image;
    const char* policy;
  } cases[] = {
      {"nginx", "Always"},
      {"nginx:latest", "Always"},
      {"nginx:1.25", "IfNotPresent"},
      {"localhost:5000/nginx", "Always"},
      {"registry.io:5000/team/app:v1", "IfNotPresent"},
      {"nginx@sha256:0123456789abcdef", "IfNotPresent"},
  };
  for (const Case& c : cases) {
    Json pod = Pod();
    pod["spec"]["containers"][0]["image"] = c.image;
    pod = Defaulted(kPod, pod);
    EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], c.policy) << c.image;
  }
}

TEST(ApplyDefaults, TemplatesAreDefaultedIdenticallyAcrossWorkloads) {
  // The Deployment controller compares templates: a ReplicaSet built from the
  // Deployment's (defaulted) template must come back unchanged.
  Json d = Defaulted(kDeployment, Deployment());
  Json rs = J(R"({"metadata":{"name":"web-1","namespace":"default"},"spec":{}})");
  rs["spec"]["selector"] = d["spec"]["selector"];
  rs["spec"]["template"] = Deployment()["spec"]["template"];
  rs = Defaulted(kReplicaSet, rs);
  EXPECT_EQ(rs["spec"]["template"], d["spec"]["template"]);
  EXPECT_EQ(rs["spec"]["replicas"], 1);
  // Defaulting is idempotent.
  EXPECT_EQ(Defaulted(kDeployment, d), d);
}

TEST(ApplyDefaults, PodCreateAddsAdmissionDefaultsAndPendingStatus) {
  Json pod = Defaulted(kPod, Pod());
  const Json& spec = pod["spec"];
  EXPECT_EQ(spec["enableServiceLinks"], true);
  EXPECT_EQ(spec["serviceAccountName"], "default");
  EXPECT_EQ(spec["priority"], 0);
  EXPECT_EQ(spec["preemptionPolicy"], "PreemptLowerPriority");
  ASSERT_EQ(spec["tolerations"].size(), 2u);
  EXPECT_EQ(
      spec["tolerations"][0],
      J(R"({"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300})"));
  EXPECT_EQ(pod["status"], J(R"({"phase":"Pending","qosClass":"BestEffort"})"));
}

TEST(ApplyDefaults, PodRequestsDefaultFromLimitsAndSetQos) {
  Json pod = Pod();
  pod["spec"]["containers"][0]["resources"] = J(R"({"limits":{"cpu":"1","memory":"1Gi"}})");
  pod = Defaulted(kPod, pod);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"],
            J(R"({"cpu":"1","memory":"1Gi"})"));
  EXPECT_EQ(pod["status"]["qosClass"], "Guaranteed");
  EXPECT_EQ(PodQosClass(J(R"({"containers":[{"resources":{"requests":{"cpu":"100m"}}}]})")),
            "Burstable");
}

TEST(ApplyDefaults, ServiceGetsTypePortsAndFamilies) {
  Json svc = Defaulted(kService, Service(R"({"selector":{"app":"web"},"ports":[{"port":80}]})"));
  const Json& spec = svc["spec"];
  EXPECT_EQ(spec["type"], "ClusterIP");
  EXPECT_EQ(spec["sessionAffinity"], "None");
  EXPECT_EQ(spec["ports"][0], J(R"({"port":80,"protocol":"TCP","targetPort":80})"));
  EXPECT_EQ(spec["internalTrafficPolicy"], "Cluster");
  EXPECT_EQ(spec["ipFamilyPolicy"], "SingleStack");
  EXPECT_EQ(spec["ipFamilies"], J(R"(["IPv4"])"));
  EXPECT_FALSE(spec.contains("externalTrafficPolicy"));

  Json np = Defaulted(kService,
                      Service(R"({"type":"NodePort","ports":[{"port":80,"targetPort":"http"}]})"));
  EXPECT_EQ(np["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(np["spec"]["ports"][0]["targetPort"], "http");

  Json ext =
      Defaulted(kService, Service(R"({"type":"ExternalName","externalName":"example.com"})"));
  EXPECT_FALSE(ext["spec"].contains("ipFamilies"));
  EXPECT_FALSE(ext["spec"].contains("internalTrafficPolicy"));
}

TEST(ApplyDefaults, ServiceUpdateKeepsAllocatedValuesTheBodyOmits) {
  Json old = Defaulted(kService, Service(R"({"type":"NodePort","ports":[{"port":80}]})"));
  old["spec"]["clusterIP"] = "10.96.0.7";
  old["spec"]["clusterIPs"] = J(R"(["10.96.0.7"])");
  old["spec"]["ports"][0]["nodePort"] = 30080;
  Json update = Defaulted(kService, Service(R"({"type":"NodePort","ports":[{"port":80}]})"), &old);
  EXPECT_EQ(update["spec"]["clusterIP"], "10.96.0.7");
  EXPECT_EQ(update["spec"]["clusterIPs"], J(R"(["10.96.0.7"])"));
  EXPECT_EQ(update["spec"]["ports"][0]["nodePort"], 30080);
  EXPECT_TRUE(Validate(Req(kService, &old), update).ok());
}

TEST(ApplyDefaults, NamespaceFinalizerPhaseAndNameLabel) {
  Json ns =
      Defaulted(kNamespace, J(R"({"metadata":{"name":"team-a"},"spec":{"finalizers":["x/y"]}})"));
  EXPECT_EQ(ns["spec"]["finalizers"], J(R"(["kubernetes"])"));
  EXPECT_EQ(ns["status"]["phase"], "Active");
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team-a");
  // spec.finalizers changes only through /finalize.
  Json update = Defaulted(kNamespace, J(R"({"metadata":{"name":"team-a"},"spec":{}})"), &ns);
  EXPECT_EQ(update["spec"]["finalizers"], J(R"(["kubernetes"])"));
}

TEST(ApplyDefaults, SecretFoldsStringDataIntoData) {
  Json s =
      Defaulted(kSecret, J(R"({"metadata":{"name":"s"},"stringData":{"user":"admin","k":"ab"}})"));
  EXPECT_EQ(s["type"], "Opaque");
  EXPECT_EQ(s["data"], J(R"({"user":"YWRtaW4=","k":"YWI="})"));
  EXPECT_FALSE(s.contains("stringData"));
}

TEST(ApplyDefaults, StatefulSetDaemonSetAndJob) {
  Json tmpl = Deployment()["spec"]["template"];
  Json sts = J(R"({"metadata":{"name":"db"},"spec":{}})");
  sts["spec"]["template"] = tmpl;
  sts = Defaulted(kStatefulSet, sts);
  EXPECT_EQ(sts["spec"]["podManagementPolicy"], "OrderedReady");
  EXPECT_EQ(sts["spec"]["updateStrategy"],
            J(R"({"type":"RollingUpdate","rollingUpdate":{"partition":0}})"));
  EXPECT_EQ(sts["spec"]["persistentVolumeClaimRetentionPolicy"],
            J(R"({"whenDeleted":"Retain","whenScaled":"Retain"})"));

  Json ds = J(R"({"metadata":{"name":"agent"},"spec":{}})");
  ds["spec"]["template"] = tmpl;
  ds = Defaulted(kDaemonSet, ds);
  EXPECT_EQ(ds["spec"]["updateStrategy"],
            J(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}})"));
  EXPECT_EQ(ds["spec"]["revisionHistoryLimit"], 10);

  Json job = J(R"({"metadata":{"name":"pi","namespace":"d","uid":"u-1"},"spec":{"template":{"spec":{
    "restartPolicy":"Never","containers":[{"name":"c","image":"perl"}]}}}})");
  job = Defaulted(kJob, job);
  EXPECT_EQ(job["spec"]["completions"], 1);
  EXPECT_EQ(job["spec"]["parallelism"], 1);
  EXPECT_EQ(job["spec"]["backoffLimit"], 6);
  EXPECT_EQ(job["spec"]["completionMode"], "NonIndexed");
  EXPECT_EQ(job["spec"]["selector"],
            J(R"({"matchLabels":{"batch.kubernetes.io/controller-uid":"u-1"}})"));
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["job-name"], "pi");
  EXPECT_TRUE(Validate(Req(kJob), job).ok()) << Validate(Req(kJob), job);
}

TEST(ApplyDefaults, LeavesConfigMapsAndEndpointsAlone) {
  Json cm = J(R"({"metadata":{"name":"c"},"data":{"a":"b"}})");
  EXPECT_EQ(Defaulted(kConfigMap, cm), cm);
  Json ep = J(R"({"metadata":{"name":"e"},"subsets":[{"ports":[{"port":80}]}]})");
  EXPECT_EQ(Defaulted(kEndpoints, ep), ep);
}

// ----------------------------------------------------------------------- validation

TEST(Validate, ValidObjectsPass) {
  EXPECT_TRUE(Admit(kDeployment, Deployment()).ok()) << Admit(kDeployment, Deployment());
  EXPECT_TRUE(Admit(kPod, Pod()).ok()) << Admit(kPod, Pod());
  Json svc = Service(
      R"({"selector":{"app":"web"},"ports":[{"name":"http","port":80},{"name":"https","port":443}]})");
  EXPECT_TRUE(Admit(kService, svc).ok()) << Admit(kService, svc);
  Json ns = J(R"({"metadata":{"name":"team-a"}})");
  EXPECT_TRUE(Admit(kNamespace, ns).ok()) << Admit(kNamespace, ns);
}

TEST(Validate, InvalidStatusHasTheApiserverShape) {
  Json d = Deployment();
  d["spec"]["replicas"] = -1;
  Status s = Admit(kDeployment, d);
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.reason(), "Invalid");
  EXPECT_EQ(s.http_code(), 422);
  EXPECT_EQ(s.message(),
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater "
            "than or equal to 0");
  EXPECT_EQ(s.details().name, "web");
  EXPECT_EQ(s.details().group, "apps");
  EXPECT_EQ(s.details().kind, "Deployment");
  ASSERT_EQ(s.details().causes.size(), 1u);
  EXPECT_EQ(
      s.details().causes[0],
      (StatusCause{"FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0",
                   "spec.replicas"}));
}

struct InvalidCase {
  const char* name;
  KindInfo kind;
  Json obj;
  Json old;  // null: create
  std::string message;
  std::string first_field;
  std::string first_type;
};

std::vector<InvalidCase> InvalidCases() {
  std::vector<InvalidCase> cases;
  auto add = [&](const char* name, KindInfo kind, Json obj, Json old, std::string message,
                 std::string field, std::string type) {
    cases.push_back({name, kind, std::move(obj), std::move(old), std::move(message),
                     std::move(field), std::move(type)});
  };
  const std::string kDep = "Deployment.apps \"web\" is invalid: ";

  {
    Json d = Deployment();
    d["spec"].erase("selector");
    add("deployment without selector", kDeployment, d, nullptr,
        kDep +
            "[spec.selector: Required value, spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`]",
        "spec.selector", "FieldValueRequired");
  }
  {
    Json d = Deployment();
    d["spec"]["template"]["metadata"]["labels"]["app"] = "other";
    add("selector does not match template", kDeployment, d, nullptr,
        kDep +
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: "
            "`selector` does not match template `labels`",
        "spec.template.metadata.labels", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["spec"]["selector"] = Json::object();
    add("empty selector", kDeployment, d, nullptr,
        kDep +
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid "
            "for deployment",
        "spec.selector", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["spec"]["strategy"] =
        J(R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":0}})");
    add("both fenceposts zero", kDeployment, d, nullptr,
        kDep +
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
            "`maxSurge` is 0",
        "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid");
  }
  {
    Json old = Defaulted(kDeployment, Deployment());
    Json d = Deployment();
    d["spec"]["selector"]["matchLabels"]["tier"] = "fe";
    d["spec"]["template"]["metadata"]["labels"]["tier"] = "fe";
    add("selector is immutable", kDeployment, d, old,
        kDep +
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"
            "\"app\":\"web\", \"tier\":\"fe\"}, MatchExpressions:[]v1.LabelSelectorRequirement"
            "(nil)}: field is immutable",
        "spec.selector", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["spec"]["template"]["spec"]["containers"][0].erase("image");
    add("container without image", kDeployment, d, nullptr,
        kDep + "spec.template.spec.containers[0].image: Required value",
        "spec.template.spec.containers[0].image", "FieldValueRequired");
  }
  {
    Json rs = Deployment();
    rs["spec"]["template"]["spec"]["restartPolicy"] = "Never";
    add("replicaset template must restart always", kReplicaSet, rs, nullptr,
        "ReplicaSet.apps \"web\" is invalid: spec.template.spec.restartPolicy: Unsupported value: "
        "\"Never\": supported values: \"Always\"",
        "spec.template.spec.restartPolicy", "FieldValueNotSupported");
  }
  {
    Json d = Deployment();
    d["metadata"]["name"] = "Bad_Name";
    add("bad name", kDeployment, d, nullptr,
        "Deployment.apps \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a "
        "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
        "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
        "used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        "metadata.name", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["metadata"].erase("name");
    add("no name", kDeployment, d, nullptr,
        "Deployment.apps \"\" is invalid: metadata.name: Required value: name or generateName is "
        "required",
        "metadata.name", "FieldValueRequired");
  }
  add("namespace name with dots", kNamespace, J(R"({"metadata":{"name":"a.b"}})"), nullptr,
      "Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": must not contain dots",
      "metadata.name", "FieldValueInvalid");
  {
    Json svc = Service(R"({"ports":[{"port":80}]})");
    svc["metadata"]["name"] = "1svc";
    add("service name must be a DNS-1035 label", kService, svc, nullptr,
        "Service \"1svc\" is invalid: metadata.name: Invalid value: \"1svc\": a DNS-1035 label "
        "must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex "
        "used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        "metadata.name", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["metadata"]["labels"] = J(R"({"app":"bad value"})");
    add("bad label value", kDeployment, d, nullptr,
        kDep +
            "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty "
            "string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
            "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
            "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "metadata.labels", "FieldValueInvalid");
  }
  {
    Json d = Deployment();
    d["metadata"]["annotations"] = Json{{"big", std::string(256 * 1024, 'x')}};
    add("annotations over 256 KiB", kDeployment, d, nullptr,
        kDep + "metadata.annotations: Too long: may not be more than 262144 bytes",
        "metadata.annotations", "FieldValueTooLong");
  }
  {
    Json d = Deployment();
    d["metadata"]["ownerReferences"] = J(R"([{"apiVersion":"v1","kind":"ConfigMap","name":"a"}])");
    add("owner reference without uid", kDeployment, d, nullptr,
        kDep + "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
        "metadata.ownerReferences.uid", "FieldValueInvalid");
  }
  {
    Json pod = Pod();
    pod["metadata"]["ownerReferences"] = J(R"([
      {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},
      {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}])");
    Status s = Admit(kPod, pod);
    add("two controllers", kPod, pod, nullptr, s.message(), "metadata.ownerReferences",
        "FieldValueInvalid");
    EXPECT_NE(s.message().find("Only one reference can have Controller set to true. Found \"true\" "
                               "in references for ReplicaSet/a and ReplicaSet/b"),
              std::string::npos)
        << s.message();
  }
  {
    Json old = Defaulted(kPod, Pod());
    old["metadata"]["deletionTimestamp"] = "2025-05-01T12:00:00Z";
    old["metadata"]["finalizers"] = J(R"(["a.io/one"])");
    Json pod = old;
    pod["metadata"]["finalizers"] = J(R"(["a.io/one","b.io/two"])");
    add("no new finalizers while deleting", kPod, pod, old,
        "Pod \"p\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if "
        "the object is being deleted, found new finalizers []string{\"b.io/two\"}",
        "metadata.finalizers", "FieldValueForbidden");
  }
  {
    Json pod = Pod();
    pod["spec"]["containers"].push_back(
        J(R"({"name":"c","image":"busybox","ports":[{"containerPort":0}]})"));
    add("duplicate container names and bad port", kPod, pod, nullptr,
        "Pod \"p\" is invalid: [spec.containers[1].name: Duplicate value: \"c\", "
        "spec.containers[1].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, "
        "inclusive]",
        "spec.containers[1].name", "FieldValueDuplicate");
  }
  {
    Json old = Defaulted(kPod, Pod());
    Json pod = old;
    pod["spec"]["nodeName"] = "node-1";
    Status s = Admit(kPod, pod, &old);
    add("pod spec is mostly immutable", kPod, pod, old, s.message(), "spec", "FieldValueForbidden");
    EXPECT_EQ(
        s.message().rfind(
            "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other "
            "than `spec.containers[*].image`,`spec.initContainers[*].image`,"
            "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
            "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
            "was previously negative)\n",
            0),
        0u)
        << s.message();
  }
  {
    Json old = Defaulted(kPod, Pod());
    Json pod = old;
    pod["spec"]["containers"].push_back(J(R"({"name":"d","image":"busybox"})"));
    add("pod containers cannot be added", kPod, pod, old,
        "Pod \"p\" is invalid: spec.containers: Forbidden: pod updates may not add or remove "
        "containers",
        "spec.containers", "FieldValueForbidden");
  }
  add("service ports need names when several", kService,
      Service(R"({"ports":[{"port":80},{"name":"b","port":81}]})"), nullptr,
      "Service \"svc\" is invalid: spec.ports[0].name: Required value", "spec.ports[0].name",
      "FieldValueRequired");
  add("service port names are unique", kService,
      Service(R"({"ports":[{"name":"a","port":80},{"name":"a","port":81}]})"), nullptr,
      "Service \"svc\" is invalid: spec.ports[1].name: Duplicate value: \"a\"",
      "spec.ports[1].name", "FieldValueDuplicate");
  add("nodePort on ClusterIP", kService, Service(R"({"ports":[{"port":80,"nodePort":30001}]})"),
      nullptr,
      "Service \"svc\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` "
      "is 'ClusterIP'",
      "spec.ports[0].nodePort", "FieldValueForbidden");
  add("unknown service type", kService, Service(R"({"type":"Magic","ports":[{"port":80}]})"),
      nullptr,
      "Service \"svc\" is invalid: spec.type: Unsupported value: \"Magic\": supported values: "
      "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
      "spec.type", "FieldValueNotSupported");
  {
    Json old = Defaulted(kService, Service(R"({"ports":[{"port":80}]})"));
    old["spec"]["clusterIP"] = "10.96.0.7";
    old["spec"]["clusterIPs"] = J(R"(["10.96.0.7"])");
    add("clusterIP is immutable", kService,
        Service(R"({"clusterIP":"10.96.0.8","ports":[{"port":80}]})"), old,
        "Service \"svc\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.8\"}: "
        "may not change once set",
        "spec.clusterIPs[0]", "FieldValueInvalid");
  }
  add("configmap key", kConfigMap,
      J(R"({"metadata":{"name":"c","namespace":"d"},"data":{"bad key":"v"}})"), nullptr,
      "ConfigMap \"c\" is invalid: data[bad key]: Invalid value: \"bad key\": a valid config key "
      "must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  "
      "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "data[bad key]", "FieldValueInvalid");
  {
    Json cm = J(R"({"metadata":{"name":"c","namespace":"d"}})");
    cm["data"] = Json{{"k", std::string(1024 * 1024 + 1, 'x')}};
    add("configmap over 1 MiB", kConfigMap, cm, nullptr,
        "ConfigMap \"c\" is invalid: []: Too long: may not be more than 1048576 bytes", "[]",
        "FieldValueTooLong");
  }
  {
    Json old = J(R"({"metadata":{"name":"s","namespace":"d"},"type":"Opaque"})");
    add("secret type is immutable", kSecret,
        J(R"({"metadata":{"name":"s","namespace":"d"},"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""}})"),
        old,
        "Secret \"s\" is invalid: type: Invalid value: \"kubernetes.io/tls\": field is immutable",
        "type", "FieldValueInvalid");
  }
  {
    Json job = J(R"({"metadata":{"name":"pi","namespace":"d","uid":"u"},"spec":{"template":{"spec":{
      "containers":[{"name":"c","image":"perl"}]}}}})");
    add("job pods may not restart always", kJob, job, nullptr,
        "Job.batch \"pi\" is invalid: spec.template.spec.restartPolicy: Unsupported value: "
        "\"Always\": supported values: \"OnFailure\", \"Never\"",
        "spec.template.spec.restartPolicy", "FieldValueNotSupported");
  }
  return cases;
}

TEST(Validate, RejectsWithUpstreamMessages) {
  for (InvalidCase& c : InvalidCases()) {
    SCOPED_TRACE(c.name);
    Status s = Admit(c.kind, c.obj, c.old.is_null() ? nullptr : &c.old);
    ASSERT_EQ(s.code(), Code::kInvalid) << s;
    EXPECT_EQ(s.message(), c.message);
    ASSERT_FALSE(s.details().causes.empty());
    EXPECT_EQ(s.details().causes[0].field, c.first_field);
    EXPECT_EQ(s.details().causes[0].reason, c.first_type);
  }
}

TEST(Validate, PodImageUpdateIsAllowed) {
  Json old = Defaulted(kPod, Pod());
  Json pod = old;
  pod["spec"]["containers"][0]["image"] = "nginx:1.27";
  pod["spec"]["activeDeadlineSeconds"] = 100;
  pod["metadata"]["labels"] = J(R"({"ready":"yes"})");
  EXPECT_TRUE(Admit(kPod, pod, &old).ok()) << Admit(kPod, pod, &old);
}

TEST(Validate, DeploymentUpdatesOfReplicasAndTemplatePass) {
  Json old = Defaulted(kDeployment, Deployment());
  Json d = old;
  d["spec"]["replicas"] = 5;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27";
  EXPECT_TRUE(Admit(kDeployment, d, &old).ok()) << Admit(kDeployment, d, &old);
}

TEST(Validate, CustomResourceUpdateNeedsResourceVersion) {
  AdmissionRequest req;
  req.group = "example.com";
  req.version = "v1";
  req.kind = "Widget";
  req.custom = true;
  req.create = false;
  Json old = J(R"({"metadata":{"name":"w","namespace":"d","resourceVersion":"5"}})");
  req.old = &old;
  Status s = Validate(req, J(R"({"metadata":{"name":"w","namespace":"d"}})"));
  EXPECT_EQ(s.message(),
            "Widget.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: "
            "must be specified for an update");
  EXPECT_TRUE(Validate(req, old).ok());
}

TEST(Validate, GenerateNameMayEndWithDash) {
  Json d = Deployment();
  d["metadata"]["generateName"] = "web-";
  d["metadata"]["name"] = "web-x7k2q";
  EXPECT_TRUE(Admit(kDeployment, d).ok()) << Admit(kDeployment, d);
}

TEST(InvalidStatus, DeduplicatesMessagesButKeepsCauses) {
  Status s = InvalidStatus("", "Pod", "p",
                           {{"FieldValueRequired", "spec.a", "Required value"},
                            {"FieldValueRequired", "spec.a", "Required value"}});
  EXPECT_EQ(s.message(), "Pod \"p\" is invalid: spec.a: Required value");
  EXPECT_EQ(s.details().causes.size(), 2u);
}

// ------------------------------------------------------------------------ allocator

Json Svc(std::string_view name, std::string_view spec) {
  Json s = Service(spec);
  s["metadata"]["name"] = std::string(name);
  ApplyDefaults(Req(kService), &s);
  return s;
}

TEST(ServiceAllocator, AllocatesLowestFreeIpSkippingTheKubernetesAddress) {
  ServiceAllocator alloc;
  Json a = Svc("a", R"({"ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&a, nullptr).ok());
  EXPECT_EQ(a["spec"]["clusterIP"], "10.96.0.2");
  EXPECT_EQ(a["spec"]["clusterIPs"], J(R"(["10.96.0.2"])"));
  Json b = Svc("b", R"({"ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&b, nullptr).ok());
  EXPECT_EQ(b["spec"]["clusterIP"], "10.96.0.3");
  // The kubernetes Service asks for .1 explicitly.
  Json k = Svc("kubernetes", R"({"clusterIP":"10.96.0.1","ports":[{"port":443}]})");
  ASSERT_TRUE(alloc.Allocate(&k, nullptr).ok());
  EXPECT_TRUE(alloc.IsIPAllocated("10.96.0.1"));
  EXPECT_TRUE(Validate(Req(kService), a).ok()) << Validate(Req(kService), a);
}

TEST(ServiceAllocator, ExplicitIpConflictsAndRange) {
  ServiceAllocator alloc;
  Json a = Svc("a", R"({"clusterIP":"10.96.0.10","ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&a, nullptr).ok());
  Json b = Svc("b", R"({"clusterIP":"10.96.0.10","ports":[{"port":80}]})");
  Status s = alloc.Allocate(&b, nullptr);
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.message(),
            "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}: "
            "failed to allocate IP 10.96.0.10: provided IP is already allocated");
  Json c = Svc("c", R"({"clusterIP":"192.168.0.1","ports":[{"port":80}]})");
  EXPECT_EQ(alloc.Allocate(&c, nullptr).message(),
            "Service \"c\" is invalid: spec.clusterIPs: Invalid value: []string{\"192.168.0.1\"}: "
            "failed to allocate IP 192.168.0.1: provided IP is not in the valid range. The range "
            "of valid IPs is 10.96.0.0/12");
}

TEST(ServiceAllocator, TinyRangeExhaustsThenReusesReleasedAddress) {
  ServiceAllocator alloc("10.0.0.0/30");  // .0 network, .1 reserved, .2 usable, .3 broadcast
  Json a = Svc("a", R"({"ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&a, nullptr).ok());
  EXPECT_EQ(a["spec"]["clusterIP"], "10.0.0.2");
  Json b = Svc("b", R"({"ports":[{"port":80}]})");
  Status s = alloc.Allocate(&b, nullptr);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(s.message(), "Internal error occurred: failed to allocate a serviceIP: range is full");
  alloc.Release(a);
  EXPECT_FALSE(alloc.IsIPAllocated("10.0.0.2"));
  ASSERT_TRUE(alloc.Allocate(&b, nullptr).ok());
  EXPECT_EQ(b["spec"]["clusterIP"], "10.0.0.2");
}

TEST(ServiceAllocator, HeadlessAndExternalNameGetNoAddress) {
  ServiceAllocator alloc("10.0.0.0/30");
  Json h = Svc("h", R"({"clusterIP":"None","ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&h, nullptr).ok());
  EXPECT_EQ(h["spec"]["clusterIPs"], J(R"(["None"])"));
  Json e = Svc("e", R"({"type":"ExternalName","externalName":"example.com"})");
  ASSERT_TRUE(alloc.Allocate(&e, nullptr).ok());
  EXPECT_FALSE(e["spec"].contains("clusterIP"));
  EXPECT_FALSE(alloc.IsIPAllocated("10.0.0.2"));
  EXPECT_TRUE(Validate(Req(kService), h).ok()) << Validate(Req(kService), h);
}

TEST(ServiceAllocator, NodePortsAllocatedSharedAndChecked) {
  ServiceAllocator alloc;
  Json a = Svc("a", R"({"type":"NodePort","ports":[{"name":"tcp","port":53},
    {"name":"udp","port":53,"protocol":"UDP"},{"name":"web","port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&a, nullptr).ok());
  EXPECT_EQ(a["spec"]["ports"][0]["nodePort"], 30000);
  EXPECT_EQ(a["spec"]["ports"][1]["nodePort"], 30000);  // same port number shares
  EXPECT_EQ(a["spec"]["ports"][2]["nodePort"], 30001);
  EXPECT_TRUE(Validate(Req(kService), a).ok()) << Validate(Req(kService), a);

  Json b = Svc("b", R"({"type":"NodePort","ports":[{"port":80,"nodePort":30001}]})");
  EXPECT_EQ(alloc.Allocate(&b, nullptr).message(),
            "Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port "
            "is already allocated");
  Json c = Svc("c", R"({"type":"NodePort","ports":[{"port":80,"nodePort":8080}]})");
  EXPECT_EQ(alloc.Allocate(&c, nullptr).message(),
            "Service \"c\" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port "
            "is not in the valid range. The range of valid ports is 30000-32767");
  Json d = Svc("d", R"({"type":"LoadBalancer","ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&d, nullptr).ok());
  EXPECT_EQ(d["spec"]["ports"][0]["nodePort"], 30002);
}

TEST(ServiceAllocator, NodePortRangeExhausts) {
  ServiceAllocator alloc("10.96.0.0/12", 30000, 30001);
  Json a = Svc("a", R"({"type":"NodePort","ports":[{"name":"a","port":1},{"name":"b","port":2}]})");
  ASSERT_TRUE(alloc.Allocate(&a, nullptr).ok());
  Json b = Svc("b", R"({"type":"NodePort","ports":[{"port":3}]})");
  Status s = alloc.Allocate(&b, nullptr);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(s.message(), "Internal error occurred: failed to allocate a nodePort: range is full");
  EXPECT_FALSE(alloc.IsIPAllocated("10.96.0.3"));  // all or nothing
}

TEST(ServiceAllocator, UpdateKeepsValuesAndReleasesDroppedPorts) {
  ServiceAllocator alloc;
  Json old = Svc("a", R"({"type":"NodePort","ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&old, nullptr).ok());
  // An update that omits clusterIP and nodePort keeps both.
  Json update = Service(R"({"type":"NodePort","ports":[{"port":80}]})");
  update["metadata"]["name"] = "a";
  ASSERT_TRUE(alloc.Allocate(&update, &old).ok());
  EXPECT_EQ(update["spec"]["clusterIP"], old["spec"]["clusterIP"]);
  EXPECT_EQ(update["spec"]["ports"][0]["nodePort"], 30000);
  // Switching to ClusterIP frees the node port.
  Json cluster = Svc("a", R"({"ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&cluster, &update).ok());
  EXPECT_FALSE(alloc.IsNodePortAllocated(30000));
  EXPECT_TRUE(alloc.IsIPAllocated(update["spec"]["clusterIP"].get<std::string>()));
}

TEST(ServiceAllocator, RestoreRebuildsFromStoredServices) {
  Json a = Svc(
      "a", R"({"clusterIP":"10.96.0.2","type":"NodePort","ports":[{"port":80,"nodePort":30000}]})");
  Json b = Svc("b", R"({"clusterIP":"None","ports":[{"port":80}]})");
  ServiceAllocator alloc;
  alloc.Restore({&a, &b});
  EXPECT_TRUE(alloc.IsIPAllocated("10.96.0.2"));
  EXPECT_TRUE(alloc.IsNodePortAllocated(30000));
  Json c = Svc("c", R"({"type":"NodePort","ports":[{"port":80}]})");
  ASSERT_TRUE(alloc.Allocate(&c, nullptr).ok());
  EXPECT_EQ(c["spec"]["clusterIP"], "10.96.0.3");
  EXPECT_EQ(c["spec"]["ports"][0]["nodePort"], 30001);
}

}  // namespace
}  // namespace kube::testing::internal
