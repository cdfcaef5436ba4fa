#include "kubecpp/core/yaml.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

TEST(Yaml, ConvertsManifestToJson) {
  auto j = YamlToJson(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  paused: false
  template:
    spec:
      containers:
      - name: nginx
        image: "nginx:1.25"
        args: ["--port", "80"]
)");
  ASSERT_TRUE(j) << j.error();
  EXPECT_EQ((*j)["apiVersion"], "apps/v1");
  EXPECT_EQ((*j)["metadata"]["labels"]["app"], "web");
  EXPECT_EQ((*j)["spec"]["replicas"], 3);
  EXPECT_EQ((*j)["spec"]["paused"], false);
  EXPECT_EQ((*j)["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
  EXPECT_EQ((*j)["spec"]["template"]["spec"]["containers"][0]["args"][1], "80");
}

TEST(Yaml, ResolvesPlainScalarsLikeGoYamlV2) {
  struct Case {
    const char* yaml;
    Json want;
  };
  const Case cases[] = {
      {"v: 1", 1},
      {"v: -7", -7},
      {"v: 0x1F", 31},
      {"v: 0o17", 15},
      {"v: 017", 15},
      {"v: 1_000", 1000},
      {"v: 1.5", 1.5},
      {"v: 1e3", 1000.0},
      {"v: .5", 0.5},
      {"v: true", true},
      {"v: yes", true},
      {"v: On", true},
      {"v: no", false},
      {"v: OFF", false},
      {"v: ~", nullptr},
      {"v: null", nullptr},
      {"v:", nullptr},
      {"v: hello", "hello"},
      {"v: 1.2.3", "1.2.3"},
      {"v: 100m", "100m"},
      {"v: 1Gi", "1Gi"},
      {"v: .inf", ".inf"},
      {"v: 0x", "0x"},
      {"v: 25%", "25%"},
      {"v: 9223372036854775807", int64_t{9223372036854775807}},
      {"v: -9223372036854775808", std::numeric_limits<int64_t>::min()},
      {"v: 18446744073709551615", uint64_t{18446744073709551615u}},
  };
  for (const auto& c : cases) {
    auto j = YamlToJson(c.yaml);
    ASSERT_TRUE(j) << c.yaml << ": " << j.error();
    EXPECT_EQ((*j)["v"], c.want) << c.yaml;
  }
}

TEST(Yaml, QuotedScalarsStayStrings) {
  auto j = YamlToJson("a: \"1\"\nb: 'true'\nc: \"null\"\nd: |\n  line\n");
  ASSERT_TRUE(j) << j.error();
  EXPECT_EQ((*j)["a"], "1");
  EXPECT_EQ((*j)["b"], "true");
  EXPECT_EQ((*j)["c"], "null");
  EXPECT_EQ((*j)["d"], "line\n");
}

TEST(Yaml, MultiDocumentStreamsSkipEmptyDocuments) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_TRUE(docs) << docs.error();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["a"], 1);
  EXPECT_EQ((*docs)[1]["b"], 2);
  EXPECT_FALSE(YamlToJson("a: 1\n---\nb: 2\n"));
}

TEST(Yaml, MalformedYamlNamesLineAndColumn) {
  auto j = YamlToJson("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), Code::kBadRequest);
  EXPECT_NE(j.error().message().find("line "), std::string::npos) << j.error().message();
  auto k = YamlToJson("a: 1\n  b: 2\n");
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message().find("line 2"), std::string::npos) << k.error().message();
}

TEST(Yaml, AliasesAreExpanded) {
  auto j = YamlToJson("base: &b {x: 1}\nuse: *b\n");
  ASSERT_TRUE(j) << j.error();
  EXPECT_EQ((*j)["use"]["x"], 1);
}

TEST(Yaml, JsonToYamlRoundTrips) {
  Json j = Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},
      "data":{"n":"1","b":"true","z":"","s":"hello world","nil":"null","multi":"a\nb"},
      "list":[1,2.5,false,null,{"k":"v"}],"empty":{},"none":[]})");
  std::string yaml = JsonToYaml(j);
  auto back = YamlToJson(yaml);
  ASSERT_TRUE(back) << back.error() << "\n" << yaml;
  EXPECT_EQ(*back, j) << yaml;
}

}  // namespace
}  // namespace kube
