// Typed access (client::Api<T>) against a real kube-apiserver.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

#include "e2e_cluster.h"
#include "kubecpp/client/api.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/meta.h"

namespace kube::e2e {
namespace {

using client::ListOptions;

// A ConfigMap with just what the test needs, in the shape Api<T> expects.
struct ConfigMap {
  static constexpr std::string_view kGroup = "", kVersion = "v1", kKind = "ConfigMap",
                                    kPlural = "configmaps";
  static constexpr bool kNamespaced = true;
  ObjectMeta metadata;
  std::map<std::string, std::string> data;
};

void ToJson(const ConfigMap& v, Json* out) {
  Json meta;
  kube::ToJson(v.metadata, &meta);
  *out = Json{{"metadata", meta}};
  if (!v.data.empty()) (*out)["data"] = v.data;
}

Status FromJsonAt(const Json& in, std::string_view path, ConfigMap* out) {
  if (!in.is_object()) return BadRequestError(std::string(path) + ": expected an object");
  if (auto it = in.find("metadata"); it != in.end()) {
    KUBE_RETURN_IF_ERROR(kube::FromJsonAt(*it, "metadata", &out->metadata));
  }
  if (auto it = in.find("data"); it != in.end()) {
    KUBE_RETURN_IF_ERROR(kube::FromJsonAt(*it, "data", &out->data));
  }
  return Status();
}

TEST_F(ClientE2E, TypedApiRoundTripsConfigMaps) {
  client::Api<ConfigMap> cms(client_, ns_);
  ConfigMap cm;
  cm.metadata.name = "typed";
  cm.metadata.labels = {{"tier", "web"}};
  cm.data = {{"k", "v"}};
  auto created = cms.Create(cm);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->metadata.namespace_, ns_);
  EXPECT_EQ(created->data, cm.data);
  auto listed = cms.List(ListOptions{.label_selector = "tier=web"});
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].metadata.name, "typed");
  auto none = cms.List(ListOptions{.label_selector = "tier!=web"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->items.empty());
}

}  // namespace
}  // namespace kube::e2e
