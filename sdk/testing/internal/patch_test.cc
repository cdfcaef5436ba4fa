// Expected values come from RFC 6902 appendix A, RFC 7386 appendix A, the behaviour of
// k8s.io/apimachinery/pkg/util/strategicpatch (patch_test.go) and kubectl, and
// docs/k8s-semantics.md sections A4, A11 and C.e.
#include "kubecpp/testing/internal/patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kubecpp/core/json.h"

namespace kube::testing::internal {
namespace {

using ::testing::HasSubstr;

Json J(std::string_view text) {
  Result<Json> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " in " << text;
  return parsed.ok() ? *parsed : Json();
}

// ---------------------------------------------------------------------------------
// JSON Patch (RFC 6902)
// ---------------------------------------------------------------------------------

struct JsonPatchCase {
  std::string name;
  std::string doc;
  std::string patch;
  std::string want;
};

TEST(ApplyJsonPatch, AppliesRfc6902AppendixAExamples) {
  const std::vector<JsonPatchCase> cases = {
      {"A.1 add an object member", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux"}])", R"({"baz":"qux","foo":"bar"})"},
      {"A.2 add an array element", R"({"foo":["bar","baz"]})",
       R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
      {"A.3 remove an object member", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})"},
      {"A.4 remove an array element", R"({"foo":["bar","qux","baz"]})",
       R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})"},
      {"A.5 replace a value", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
      {"A.6 move a value", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
       R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
       R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
      {"A.7 move an array element", R"({"foo":["all","grass","cows","eat"]})",
       R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
       R"({"foo":["all","cows","eat","grass"]})"},
      {"A.8 test a value", R"({"baz":"qux","foo":["a",2,"c"]})",
       R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
       R"({"baz":"qux","foo":["a",2,"c"]})"},
      {"A.10 add a nested member object", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
       R"({"foo":"bar","child":{"grandchild":{}}})"},
      {"A.11 ignore unrecognized elements", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
      {"A.14 ~ escape ordering", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":10}])", R"({"/":9,"~1":10})"},
      {"A.16 add an array value", R"({"foo":["bar"]})",
       R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
       R"({"foo":["bar",["abc","def"]]})"},
  };
  for (const auto& c : cases) {
    Result<Json> got = ApplyJsonPatch(J(c.doc), J(c.patch));
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.status();
    EXPECT_EQ(*got, J(c.want)) << c.name;
  }
}

TEST(ApplyJsonPatch, AppliesKubernetesStyleOperations) {
  const std::vector<JsonPatchCase> cases = {
      // C46: kubectl patch --type=json on a Deployment.
      {"replace replicas", R"({"spec":{"replicas":3,"paused":false}})",
       R"([{"op":"replace","path":"/spec/replicas","value":5}])",
       R"({"spec":{"replicas":5,"paused":false}})"},
      // Label keys carry slashes, escaped as ~1.
      {"add label with slash", R"({"metadata":{"labels":{}}})",
       R"([{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"}])",
       R"({"metadata":{"labels":{"app.kubernetes.io/name":"web"}}})"},
      {"copy", R"({"a":{"b":1},"c":{}})", R"([{"op":"copy","from":"/a/b","path":"/c/d"}])",
       R"({"a":{"b":1},"c":{"d":1}})"},
      {"add replaces an existing member", R"({"a":1})", R"([{"op":"add","path":"/a","value":2}])",
       R"({"a":2})"},
      {"add at the end index", R"({"a":[1,2]})", R"([{"op":"add","path":"/a/2","value":3}])",
       R"({"a":[1,2,3]})"},
      {"negative index counts from the end", R"({"a":[1,2,3]})",
       R"([{"op":"remove","path":"/a/-1"}])", R"({"a":[1,2]})"},
      {"replace the whole document", R"({"a":1})",
       R"([{"op":"replace","path":"","value":{"b":2}}])", R"({"b":2})"},
      {"test compares objects regardless of key order", R"({"a":{"x":1,"y":[1,2]}})",
       R"([{"op":"test","path":"/a","value":{"y":[1,2],"x":1}}])", R"({"a":{"x":1,"y":[1,2]}})"},
      {"operations apply in order", R"({"a":[]})",
       R"([{"op":"add","path":"/a/-","value":1},{"op":"add","path":"/a/0","value":0},
           {"op":"test","path":"/a","value":[0,1]}])",
       R"({"a":[0,1]})"},
      {"empty patch", R"({"a":1})", "[]", R"({"a":1})"},
      {"null patch is a no-op as in Go", R"({"a":1})", "null", R"({"a":1})"},
  };
  for (const auto& c : cases) {
    Result<Json> got = ApplyJsonPatch(J(c.doc), J(c.patch));
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.status();
    EXPECT_EQ(*got, J(c.want)) << c.name;
  }
}

struct JsonPatchFailure {
  std::string name;
  std::string doc;
  std::string patch;
  std::string detail;  // substring of failure_detail
};

TEST(ApplyJsonPatch, FailingOperationIsGeneric422) {
  const std::vector<JsonPatchFailure> cases = {
      {"A.9 test fails", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])",
       "testing value /baz failed"},
      {"A.12 add to a nonexistent target", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz/bat","value":"qux"}])", "doc is missing path"},
      {"A.15 strings and numbers differ", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":"10"}])", "testing value /~01 failed"},
      {"remove a missing member", R"({"spec":{}})", R"([{"op":"remove","path":"/spec/affinity"}])",
       "Unable to remove nonexistent key"},
      {"replace a missing member", R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])",
       "replace operation does not apply"},
      {"remove past the end", R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])",
       "invalid index"},
      {"add beyond the end", R"({"a":[1]})", R"([{"op":"add","path":"/a/3","value":1}])",
       "invalid index"},
      {"index with letters", R"({"a":[1]})", R"([{"op":"replace","path":"/a/x","value":1}])",
       "replace operation does not apply"},
      {"test a missing path", R"({})", R"([{"op":"test","path":"/a","value":1}])",
       "testing value /a failed"},
      {"unknown op", R"({})", R"([{"op":"frobnicate","path":"/a"}])",
       "Unexpected kind: frobnicate"},
      {"missing op", R"({})", R"([{"path":"/a","value":1}])", "Unexpected kind: unknown"},
      {"missing path", R"({})", R"([{"op":"add","value":1}])", "failed to decode path"},
      {"missing value", R"({})", R"([{"op":"add","path":"/a"}])", "missing value"},
      {"pointer without leading slash", R"({"a":1})", R"([{"op":"replace","path":"a","value":2}])",
       "invalid JSON pointer"},
      {"bad ~ escape", R"({"a":1})", R"([{"op":"replace","path":"/~2","value":2}])",
       "invalid JSON pointer"},
      {"move from a missing path", R"({})", R"([{"op":"move","from":"/a","path":"/b"}])",
       "missing from path"},
      {"move into its own child", R"({"a":{"b":1}})",
       R"([{"op":"move","from":"/a","path":"/a/b/c"}])", "is a prefix of path"},
      {"later op fails after earlier ones", R"({"a":1})",
       R"([{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}])",
       "testing value /a failed"},
  };
  for (const auto& c : cases) {
    std::string detail;
    Result<Json> got = ApplyJsonPatch(J(c.doc), J(c.patch), &detail);
    ASSERT_FALSE(got.ok()) << c.name;
    EXPECT_EQ(got.error().code(), Code::kInvalid) << c.name;
    EXPECT_EQ(got.error().http_code(), 422) << c.name;
    EXPECT_EQ(got.error().reason(), "Invalid") << c.name;
    EXPECT_EQ(got.error().message(), kPatchRejectedMessage) << c.name;
    EXPECT_TRUE(got.error().details().causes.empty()) << c.name;
    EXPECT_THAT(detail, HasSubstr(c.detail)) << c.name;
  }
}

TEST(ApplyJsonPatch, BodyThatIsNotAnArrayOfOperationsIsBadRequest) {
  struct Case {
    std::string patch;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"op":"add","path":"/a","value":1})",
       "json: cannot unmarshal object into Go value of type jsonpatch.Patch"},
      {R"("x")", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"},
      {R"([1])", "json: cannot unmarshal number into Go value of type jsonpatch.Operation"},
      {R"([[{"op":"add"}]])",
       "json: cannot unmarshal array into Go value of type jsonpatch.Operation"},
  };
  for (const auto& c : cases) {
    Result<Json> got = ApplyJsonPatch(J(R"({"a":0})"), J(c.patch));
    ASSERT_FALSE(got.ok()) << c.patch;
    EXPECT_EQ(got.error().code(), Code::kBadRequest) << c.patch;
    EXPECT_EQ(got.error().http_code(), 400) << c.patch;
    EXPECT_EQ(got.error().message(), c.message) << c.patch;
  }
}

// ---------------------------------------------------------------------------------
// JSON merge patch (RFC 7386)
// ---------------------------------------------------------------------------------

struct MergeCase {
  std::string original;
  std::string patch;
  std::string want;
};

TEST(ApplyMergePatch, MatchesRfc7386AppendixA) {
  const std::vector<MergeCase> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& c : cases) {
    Result<Json> got = ApplyMergePatch(J(c.original), J(c.patch));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, J(c.want)) << c.original << " + " << c.patch;
  }
}

TEST(ApplyMergePatch, NullRemovesLabelAndListsAreReplacedWhole) {
  // C48.
  Json deployment = J(R"({"metadata":{"labels":{"a":"1","b":"2"}},
      "spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx"},
                                                {"name":"sidecar","image":"envoy"}]}}}})");
  Result<Json> got = ApplyMergePatch(deployment, J(R"({"metadata":{"labels":{"a":null}},
          "spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}})"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, J(R"({"metadata":{"labels":{"b":"2"}},
      "spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}})"));
}

TEST(CreateMergePatch, DiffsObjectsRecursivelyAndReplacesArrays) {
  struct Case {
    std::string original;
    std::string modified;
    std::string want;
  };
  const std::vector<Case> cases = {
      {R"({"a":1,"b":2})", R"({"a":1,"b":2})", R"({})"},
      {R"({"a":1,"b":2})", R"({"a":1})", R"({"b":null})"},
      {R"({"a":1})", R"({"a":1,"c":{"d":1}})", R"({"c":{"d":1}})"},
      {R"({"m":{"x":1,"y":2}})", R"({"m":{"x":1,"y":3}})", R"({"m":{"y":3}})"},
      {R"({"l":[1,2,3]})", R"({"l":[1,3]})", R"({"l":[1,3]})"},
      {R"({"a":{"b":1}})", R"({"a":"s"})", R"({"a":"s"})"},
      {R"({"a":1})", R"([1])", R"([1])"},
  };
  for (const auto& c : cases) {
    Json patch = CreateMergePatch(J(c.original), J(c.modified));
    EXPECT_EQ(patch, J(c.want)) << c.original << " -> " << c.modified;
    Result<Json> round_trip = ApplyMergePatch(J(c.original), patch);
    ASSERT_TRUE(round_trip.ok());
    EXPECT_EQ(*round_trip, J(c.modified)) << c.original << " -> " << c.modified;
  }
}

// ---------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------

Json Smp(std::string_view group, std::string_view kind, const Json& doc, const Json& patch) {
  const PatchSchema* schema = BuiltinPatchSchema(group, kind);
  EXPECT_NE(schema, nullptr) << group << "/" << kind;
  if (schema == nullptr) return Json();
  Result<Json> got = ApplyStrategicMergePatch(doc, patch, *schema);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : Json();
}

Status SmpError(std::string_view group, std::string_view kind, const Json& doc, const Json& patch) {
  const PatchSchema* schema = BuiltinPatchSchema(group, kind);
  if (schema == nullptr) return InternalError("no schema");
  Result<Json> got = ApplyStrategicMergePatch(doc, patch, *schema);
  EXPECT_FALSE(got.ok()) << got->dump();
  return got.status();
}

Json TwoContainerDeployment() {
  return J(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","labels":{"app":"web"}},
    "spec":{"replicas":2,
      "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
      "template":{"metadata":{"labels":{"app":"web"}},
        "spec":{"containers":[
          {"name":"web","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
           "env":[{"name":"A","value":"1"}],"args":["--a","--b"]},
          {"name":"sidecar","image":"envoy:1.0"}],
          "tolerations":[{"key":"k1","operator":"Exists"}]}}}})");
}

TEST(StrategicMergePatch, ContainerImagePatchByNameKeepsOtherContainersAndFields) {
  // C49: what `kubectl set image` / `kubectl patch` send.
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"spec":{"containers":[
                      {"name":"web","image":"nginx:1.27"}]}}}})"));
  Json want = TwoContainerDeployment();
  want["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27";
  EXPECT_EQ(got, want);
}

TEST(StrategicMergePatch, AddingEnvVarKeepsExistingOnes) {
  // Upstream's mergeSortedSlice puts patch elements the server does not know in front of
  // the server's elements (kubectl apply avoids this with $setElementOrder).
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"spec":{"containers":[
                      {"name":"web","env":[{"name":"B","value":"2"}]}]}}}})"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"][0]["env"],
            J(R"([{"name":"B","value":"2"},{"name":"A","value":"1"}])"));
  // Changing an existing variable merges into it in place.
  got = Smp("apps", "Deployment", got, J(R"({"spec":{"template":{"spec":{"containers":[
                 {"name":"web","env":[{"name":"A","value":"9"}]}]}}}})"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"][0]["env"],
            J(R"([{"name":"B","value":"2"},{"name":"A","value":"9"}])"));
}

TEST(StrategicMergePatch, NewContainerWithoutSetElementOrderGoesFirst) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"spec":{"containers":[
                      {"name":"debug","image":"busybox"}]}}}})"));
  const Json& containers = got["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 3u);
  EXPECT_EQ(containers[0], J(R"({"name":"debug","image":"busybox"})"));
  EXPECT_EQ(containers[1]["name"], "web");
  EXPECT_EQ(containers[2]["name"], "sidecar");
}

TEST(StrategicMergePatch, NewContainerWithSetElementOrderGoesWhereKubectlPutsIt) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(), J(R"({"spec":{"template":{"spec":{
                      "$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"},
                                                     {"name":"debug"}],
                      "containers":[{"name":"debug","image":"busybox"}]}}}})"));
  const Json& containers = got["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 3u);
  EXPECT_EQ(containers[0]["name"], "web");
  EXPECT_EQ(containers[1]["name"], "sidecar");
  EXPECT_EQ(containers[2]["name"], "debug");
}

TEST(StrategicMergePatch, DeleteDirectiveRemovesContainerByName) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"spec":{"containers":[
                      {"name":"sidecar","$patch":"delete"}]}}}})"));
  const Json& containers = got["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0]["name"], "web");
}

TEST(StrategicMergePatch, ReplaceDirectiveInListReplacesTheList) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"spec":{"containers":[
                      {"name":"only","image":"x"},{"$patch":"replace"}]}}}})"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"], J(R"([{"name":"only","image":"x"}])"));
}

TEST(StrategicMergePatch, ReplaceDirectiveInMapReplacesTheMap) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"metadata":{"labels":{"tier":"fe","$patch":"replace"}}})"));
  EXPECT_EQ(got["metadata"]["labels"], J(R"({"tier":"fe"})"));
}

TEST(StrategicMergePatch, DeleteDirectiveInMapRemovesTheMap) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"strategy":{"$patch":"delete"}}})"));
  EXPECT_FALSE(got["spec"].contains("strategy"));
  EXPECT_EQ(got["spec"]["replicas"], 2);
}

TEST(StrategicMergePatch, AtomicListsAreReplaced) {
  // Tolerations and args carry no patchStrategy: the patch's list wins.
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(), J(R"({"spec":{"template":{"spec":{
                      "tolerations":[{"key":"k2","operator":"Equal","value":"v"}],
                      "containers":[{"name":"web","args":["--c"]}]}}}})"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["tolerations"],
            J(R"([{"key":"k2","operator":"Equal","value":"v"}])"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"][0]["args"], J(R"(["--c"])"));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
}

TEST(StrategicMergePatch, ContainerPortsMergeByContainerPort) {
  Json got = Smp("", "Pod", J(R"({"spec":{"containers":[{"name":"web",
                      "ports":[{"containerPort":80,"name":"http"}]}]}})"),
                 J(R"({"spec":{"containers":[{"name":"web","ports":[
                      {"containerPort":80,"name":"web"},{"containerPort":443}]}]}})"));
  EXPECT_EQ(got["spec"]["containers"][0]["ports"],
            J(R"([{"containerPort":80,"name":"web"},{"containerPort":443}])"));
}

TEST(StrategicMergePatch, ServicePortsMergeByPort) {
  Json svc = J(R"({"spec":{"selector":{"app":"web"},
      "ports":[{"name":"http","port":80,"targetPort":8080},{"name":"https","port":443}]}})");
  Json got = Smp("", "Service", svc, J(R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})"));
  EXPECT_EQ(got["spec"]["ports"], J(R"([{"name":"http","port":80,"targetPort":9090},
                                         {"name":"https","port":443}])"));
  EXPECT_EQ(got["spec"]["selector"], J(R"({"app":"web"})"));
}

TEST(StrategicMergePatch, FinalizersMergeAsASet) {
  Json got = Smp("", "ConfigMap", J(R"({"metadata":{"finalizers":["a","b"]}})"),
                 J(R"({"metadata":{"finalizers":["b","c"]}})"));
  EXPECT_EQ(got["metadata"]["finalizers"], J(R"(["a","b","c"])"));
}

TEST(StrategicMergePatch, DeleteFromPrimitiveListRemovesOneFinalizer) {
  // C51.
  Json got = Smp("apps", "Deployment", J(R"({"metadata":{"name":"x","finalizers":["a","b","c"]}})"),
                 J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})"));
  EXPECT_EQ(got, J(R"({"metadata":{"name":"x","finalizers":["a","c"]}})"));
}

TEST(StrategicMergePatch, DeleteFromPrimitiveListOnAbsentListChangesNothing) {
  Json got = Smp("", "Pod", J(R"({"metadata":{"name":"x"}})"),
                 J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})"));
  EXPECT_EQ(got, J(R"({"metadata":{"name":"x"}})"));
}

TEST(StrategicMergePatch, KubectlFinalizerDiffWithSetElementOrder) {
  // What kubectl computes for finalizers [a,b] -> [c,a].
  Json got = Smp("", "Pod", J(R"({"metadata":{"finalizers":["a","b"]}})"),
                 J(R"({"metadata":{"$setElementOrder/finalizers":["c","a"],
                                   "finalizers":["c"],
                                   "$deleteFromPrimitiveList/finalizers":["b"]}})"));
  EXPECT_EQ(got, J(R"({"metadata":{"finalizers":["c","a"]}})"));
}

TEST(StrategicMergePatch, SetElementOrderReordersContainers) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(), J(R"({"spec":{"template":{"spec":{
                      "$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],
                      "containers":[{"name":"web","image":"nginx:2"}]}}}})"));
  const Json& containers = got["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["name"], "sidecar");
  EXPECT_EQ(containers[1]["name"], "web");
  EXPECT_EQ(containers[1]["image"], "nginx:2");
  EXPECT_EQ(containers[1]["env"], J(R"([{"name":"A","value":"1"}])"));
  EXPECT_FALSE(got["spec"]["template"]["spec"].contains("$setElementOrder/containers"));
}

TEST(StrategicMergePatch, SetElementOrderWithoutPatchListOnlyReorders) {
  Json got = Smp(
      "", "Pod", J(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})"),
      J(R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}})"));
  EXPECT_EQ(got, J(R"({"spec":{"containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}})"));
}

TEST(StrategicMergePatch, SetElementOrderThatContradictsThePatchIsBadRequest) {
  Status s = SmpError("", "Pod", J(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})"),
                      J(R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
                                    "containers":[{"name":"b"},{"name":"a"}]}})"));
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_THAT(s.message(), HasSubstr("doesn't match $setElementOrder/ list"));
}

TEST(StrategicMergePatch, MergedListKeepsPatchAndServerOrder) {
  Json pod = J(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})");
  // A server element stays in front of the patch elements it preceded on the server.
  EXPECT_EQ(
      Smp("", "Pod", pod, J(R"({"spec":{"containers":[{"name":"c","x":1},{"name":"d"}]}})")),
      J(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c","x":1},{"name":"d"}]}})"));
  // The patch's own order wins among the elements it names.
  EXPECT_EQ(
      Smp("", "Pod", pod, J(R"({"spec":{"containers":[{"name":"d"},{"name":"a","x":1}]}})")),
      J(R"({"spec":{"containers":[{"name":"d"},{"name":"a","x":1},{"name":"b"},{"name":"c"}]}})"));
}

TEST(StrategicMergePatch, OwnerReferenceDeleteByUidKeepsOthers) {
  // The release patch of docs/k8s-semantics.md B0.2.
  Json pod = J(R"({"metadata":{"name":"p","uid":"u-pod","ownerReferences":[
      {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true},
      {"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u2"}]}})");
  Json got =
      Smp("", "Pod", pod, J(R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"u1"}],
                                   "uid":"u-pod"}})"));
  EXPECT_EQ(got["metadata"]["ownerReferences"],
            J(R"([{"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u2"}])"));
}

TEST(StrategicMergePatch, StrategyChangeDropsRollingUpdate) {
  // C50, both forms.
  Json with_null = Smp("apps", "Deployment", TwoContainerDeployment(),
                       J(R"({"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}})"));
  EXPECT_EQ(with_null["spec"]["strategy"], J(R"({"type":"Recreate"})"));
  Json with_retain = Smp("apps", "Deployment", TwoContainerDeployment(),
                         J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"));
  EXPECT_EQ(with_retain["spec"]["strategy"], J(R"({"type":"Recreate"})"));
}

TEST(StrategicMergePatch, RetainKeysOnVolumeSwitchesItsSource) {
  Json pod = J(R"({"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}})");
  Json got =
      Smp("", "Pod", pod, J(R"({"spec":{"volumes":[{"name":"v","$retainKeys":["configMap","name"],
                                           "configMap":{"name":"cfg"}}]}})"));
  EXPECT_EQ(got, J(R"({"spec":{"volumes":[{"name":"v","configMap":{"name":"cfg"}},
                                          {"name":"w","emptyDir":{}}]}})"));
}

TEST(StrategicMergePatch, RetainKeysNotCoveringThePatchIsBadRequest) {
  Status s = SmpError("apps", "Deployment", TwoContainerDeployment(),
                      J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate",
                                                "rollingUpdate":{"maxSurge":1}}}})"));
  EXPECT_EQ(s.code(), Code::kBadRequest);
  EXPECT_EQ(s.message(), "invalid patch format of retainKeys");
}

TEST(StrategicMergePatch, NullDeletesMapKeysAndMapsMerge) {
  Json got =
      Smp("", "ConfigMap", J(R"({"metadata":{"labels":{"a":"1","b":"2"},"annotations":{"x":"y"}},
                       "data":{"k1":"v1","k2":"v2"}})"),
          J(R"({"metadata":{"labels":{"a":null,"c":"3"}},"data":{"k2":null,"k3":"v3"}})"));
  EXPECT_EQ(got, J(R"({"metadata":{"labels":{"b":"2","c":"3"},"annotations":{"x":"y"}},
                       "data":{"k1":"v1","k3":"v3"}})"));
}

TEST(StrategicMergePatch, RolloutRestartAddsTemplateAnnotation) {
  Json got = Smp("apps", "Deployment", TwoContainerDeployment(),
                 J(R"({"spec":{"template":{"metadata":{"annotations":{
                      "kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}}})"));
  Json want = TwoContainerDeployment();
  want["spec"]["template"]["metadata"]["annotations"] =
      J(R"({"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"})");
  EXPECT_EQ(got, want);
}

TEST(StrategicMergePatch, StatusConditionsMergeByType) {
  Json pod = J(R"({"status":{"phase":"Pending","conditions":[
      {"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}})");
  Json got =
      Smp("", "Pod", pod,
          J(R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"));
  EXPECT_EQ(got, J(R"({"status":{"phase":"Running","conditions":[
      {"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}})"));
  Json node = Smp("", "Node", J(R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})"),
                  J(R"({"status":{"conditions":[{"type":"MemoryPressure","status":"False"}]}})"));
  EXPECT_EQ(node["status"]["conditions"].size(), 2u);
}

TEST(StrategicMergePatch, ListsWithoutSchemaAreReplaced) {
  // EndpointSlice endpoints are atomic; so are unknown fields.
  Json got = Smp("discovery.k8s.io", "EndpointSlice",
                 J(R"({"endpoints":[{"addresses":["10.0.0.1"]}],"ports":[{"port":80}]})"),
                 J(R"({"endpoints":[{"addresses":["10.0.0.2"]}]})"));
  EXPECT_EQ(got, J(R"({"endpoints":[{"addresses":["10.0.0.2"]}],"ports":[{"port":80}]})"));
}

TEST(StrategicMergePatch, DirectivesNeverReachTheResultWhenOriginalLacksTheField) {
  Json got = Smp("", "Pod", J(R"({"spec":{}})"), J(R"({"metadata":{"labels":{"a":"1","b":null}},
                       "spec":{"initContainers":[{"name":"i","$patch":"delete"},{"name":"j"}],
                               "strategyLike":{"$patch":"replace","x":1}}})"));
  EXPECT_EQ(got, J(R"({"metadata":{"labels":{"a":"1"}},
                       "spec":{"initContainers":[{"name":"j"}],"strategyLike":{"x":1}}})"));
}

TEST(StrategicMergePatch, ValueOfAnotherTypeReplaces) {
  Json got =
      Smp("", "ConfigMap", J(R"({"data":{"a":"b"},"x":"s"})"), J(R"({"data":"oops","x":{"y":1}})"));
  EXPECT_EQ(got, J(R"({"data":"oops","x":{"y":1}})"));
}

TEST(StrategicMergePatch, TopLevelDirectives) {
  Json doc = J(R"({"a":1,"b":{"c":2}})");
  EXPECT_EQ(Smp("", "ConfigMap", doc, J(R"({"$patch":"replace","z":1})")), J(R"({"z":1})"));
  EXPECT_EQ(Smp("", "ConfigMap", doc, J(R"({"$patch":"delete"})")), J(R"({})"));
}

struct SmpFailure {
  std::string name;
  std::string doc;
  std::string patch;
  Code code;
  std::string message;  // substring
};

TEST(StrategicMergePatch, MalformedPatchesAreRejected) {
  const std::vector<SmpFailure> cases = {
      {"merge list element without merge key", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"image":"x"}]}})", Code::kBadRequest,
       "map: map[image:x] does not contain declared merge key: name"},
      {"delete directive without merge key", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"$patch":"delete"}]}})", Code::kBadRequest,
       "does not contain declared merge key: name"},
      {"$patch: merge in a list", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"$patch":"merge"}]}})", Code::kBadRequest,
       "merging lists cannot yet be specified in the patch"},
      {"unknown $patch in a map", R"({"metadata":{}})", R"({"metadata":{"$patch":"explode"}})",
       Code::kBadRequest, "unknown patch type: explode in map: map[$patch:explode]"},
      {"$retainKeys not a list", R"({"spec":{}})", R"({"spec":{"$retainKeys":"type"}})",
       Code::kBadRequest, "invalid patch format of retainKeys"},
      {"$deleteFromPrimitiveList not a list", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}})", Code::kBadRequest,
       "invalid patch format of primitive list"},
      {"$setElementOrder not a list", R"({"spec":{}})",
       R"({"spec":{"$setElementOrder/containers":{"name":"a"}}})", Code::kBadRequest,
       "invalid patch format of setElementOrder list"},
      {"mixed element types", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":[1]}})", Code::kBadRequest,
       "list element types are not identical"},
      {"list of lists", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":[["b"]]}})", Code::kInvalid,
       std::string(kPatchRejectedMessage)},
  };
  for (const auto& c : cases) {
    Status s = SmpError("", "Pod", J(c.doc), J(c.patch));
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(StrategicMergePatch, NonObjectPatchOrDocumentIsBadRequest) {
  const PatchSchema* schema = BuiltinPatchSchema("", "Pod");
  ASSERT_NE(schema, nullptr);
  Result<Json> list_patch = ApplyStrategicMergePatch(J("{}"), J("[1]"), *schema);
  ASSERT_FALSE(list_patch.ok());
  EXPECT_EQ(list_patch.error().code(), Code::kBadRequest);
  Result<Json> list_doc = ApplyStrategicMergePatch(J("[1]"), J("{}"), *schema);
  ASSERT_FALSE(list_doc.ok());
  EXPECT_EQ(list_doc.error().message(), "invalid JSON document");
}

TEST(StrategicMergePatch, CustomSchemaDrivesMerging) {
  PatchSchema item;
  item.Set("tags", PatchField{PatchStrategy::kMerge, "", false, nullptr});
  PatchSchema root;
  root.Set("items",
           PatchField{PatchStrategy::kMerge, "id", false, std::make_shared<PatchSchema>(item)});
  root.Set("settings", PatchField{PatchStrategy::kReplace, "", false, nullptr});
  Result<Json> got = ApplyStrategicMergePatch(
      J(R"({"items":[{"id":1,"tags":["a"]}],"settings":{"x":1,"y":2}})"),
      J(R"({"items":[{"id":1,"tags":["b"]},{"id":2}],"settings":{"x":3}})"), root);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, J(R"({"items":[{"id":1,"tags":["b","a"]},{"id":2}],"settings":{"x":3}})"));
}

// ---------------------------------------------------------------------------------
// Built-in schemas
// ---------------------------------------------------------------------------------

// The PatchField at a dotted path of fields (list elements are traversed implicitly).
const PatchField* FieldAt(const PatchSchema* schema, const std::vector<std::string>& path) {
  const PatchField* field = nullptr;
  for (const std::string& name : path) {
    if (schema == nullptr) return nullptr;
    field = schema->Find(name);
    if (field == nullptr) return nullptr;
    schema = field->schema.get();
  }
  return field;
}

TEST(BuiltinPatchSchema, CarriesUpstreamMergeKeys) {
  struct Case {
    std::string group;
    std::string kind;
    std::vector<std::string> path;
    std::string merge_key;
  };
  const std::vector<Case> cases = {
      {"", "Pod", {"spec", "containers"}, "name"},
      {"", "Pod", {"spec", "initContainers"}, "name"},
      {"", "Pod", {"spec", "ephemeralContainers"}, "name"},
      {"", "Pod", {"spec", "containers", "ports"}, "containerPort"},
      {"", "Pod", {"spec", "containers", "env"}, "name"},
      {"", "Pod", {"spec", "containers", "volumeMounts"}, "mountPath"},
      {"", "Pod", {"spec", "containers", "volumeDevices"}, "devicePath"},
      {"", "Pod", {"spec", "volumes"}, "name"},
      {"", "Pod", {"spec", "imagePullSecrets"}, "name"},
      {"", "Pod", {"spec", "hostAliases"}, "ip"},
      {"", "Pod", {"spec", "topologySpreadConstraints"}, "topologyKey"},
      {"", "Pod", {"spec", "resourceClaims"}, "name"},
      {"", "Pod", {"status", "conditions"}, "type"},
      {"", "Pod", {"metadata", "ownerReferences"}, "uid"},
      {"", "Service", {"spec", "ports"}, "port"},
      {"", "Node", {"status", "addresses"}, "type"},
      {"", "PodTemplate", {"template", "spec", "containers"}, "name"},
      {"", "ReplicationController", {"spec", "template", "spec", "containers"}, "name"},
      {"apps", "Deployment", {"spec", "template", "spec", "containers", "env"}, "name"},
      {"apps", "ReplicaSet", {"spec", "template", "spec", "containers"}, "name"},
      {"apps", "StatefulSet", {"spec", "template", "spec", "volumes"}, "name"},
      {"apps", "DaemonSet", {"spec", "template", "spec", "containers"}, "name"},
      {"batch", "Job", {"spec", "template", "spec", "containers"}, "name"},
      {"batch",
       "CronJob",
       {"spec", "jobTemplate", "spec", "template", "spec", "containers"},
       "name"},
      {"apps", "Deployment", {"status", "conditions"}, "type"},
      {"", "Secret", {"metadata", "ownerReferences"}, "uid"},
      {"discovery.k8s.io", "EndpointSlice", {"metadata", "ownerReferences"}, "uid"},
  };
  for (const auto& c : cases) {
    const PatchField* field = FieldAt(BuiltinPatchSchema(c.group, c.kind), c.path);
    ASSERT_NE(field, nullptr) << c.kind << " " << ::testing::PrintToString(c.path);
    EXPECT_EQ(field->strategy, PatchStrategy::kMerge) << c.kind;
    EXPECT_EQ(field->merge_key, c.merge_key) << c.kind << " " << ::testing::PrintToString(c.path);
  }
}

TEST(BuiltinPatchSchema, AtomicAndRetainKeysFields) {
  const PatchSchema* pod = BuiltinPatchSchema("", "Pod");
  EXPECT_EQ(FieldAt(pod, {"spec", "tolerations"}), nullptr);
  EXPECT_EQ(FieldAt(pod, {"spec", "containers", "envFrom"}), nullptr);
  EXPECT_EQ(FieldAt(pod, {"spec", "containers", "args"}), nullptr);
  const PatchField* finalizers = FieldAt(pod, {"metadata", "finalizers"});
  ASSERT_NE(finalizers, nullptr);
  EXPECT_EQ(finalizers->strategy, PatchStrategy::kMerge);
  EXPECT_TRUE(finalizers->merge_key.empty());
  EXPECT_TRUE(FieldAt(pod, {"spec", "volumes"})->retain_keys);
  const PatchField* strategy =
      FieldAt(BuiltinPatchSchema("apps", "Deployment"), {"spec", "strategy"});
  ASSERT_NE(strategy, nullptr);
  EXPECT_TRUE(strategy->retain_keys);
}

TEST(BuiltinPatchSchema, CustomResourceGroupsHaveNone) {
  EXPECT_EQ(BuiltinPatchSchema("example.com", "Widget"), nullptr);
  EXPECT_EQ(BuiltinPatchSchema("stable.example.com", "CronTab"), nullptr);
  EXPECT_NE(BuiltinPatchSchema("", "ConfigMap"), nullptr);
  EXPECT_NE(BuiltinPatchSchema("coordination.k8s.io", "Lease"), nullptr);
  EXPECT_EQ(BuiltinPatchSchema("apps", "Deployment"), BuiltinPatchSchema("apps", "Deployment"));
}

}  // namespace
}  // namespace kube::testing::internal
