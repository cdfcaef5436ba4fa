#include "kubecpp/core/gvk.h"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "kubecpp/core/status.h"

namespace kube {
namespace {

// Cases from apimachinery's schema.ParseGroupVersion tests.
TEST(GroupVersion, ParseSplitsApiVersion) {
  EXPECT_EQ(*GroupVersion::Parse(""), GroupVersion{});
  EXPECT_EQ(*GroupVersion::Parse("/"), GroupVersion{});
  EXPECT_EQ(*GroupVersion::Parse("v1"), (GroupVersion{"", "v1"}));
  EXPECT_EQ(*GroupVersion::Parse("apps/v1"), (GroupVersion{"apps", "v1"}));
  EXPECT_EQ(*GroupVersion::Parse("extensions/v1beta1"), (GroupVersion{"extensions", "v1beta1"}));
  EXPECT_EQ(*GroupVersion::Parse("example.com/v1alpha1"),
            (GroupVersion{"example.com", "v1alpha1"}));
  EXPECT_EQ(*GroupVersion::Parse("/v1"), (GroupVersion{"", "v1"}));
  EXPECT_EQ(*GroupVersion::Parse("apps/"), (GroupVersion{"apps", ""}));
}

TEST(GroupVersion, ParseRejectsMoreThanOneSlash) {
  for (const char* text : {"a/b/c", "apps/v1/", "//"}) {
    Result<GroupVersion> gv = GroupVersion::Parse(text);
    ASSERT_FALSE(gv.ok()) << text;
    EXPECT_EQ(gv.error().code(), Code::kBadRequest);
    EXPECT_EQ(gv.error().message(), std::string("unexpected GroupVersion string: ") + text);
  }
}

TEST(GroupVersion, ToStringOmitsEmptyGroup) {
  EXPECT_EQ((GroupVersion{"", "v1"}).ToString(), "v1");
  EXPECT_EQ((GroupVersion{"apps", "v1"}).ToString(), "apps/v1");
  EXPECT_EQ(GroupVersion{}.ToString(), "");
  EXPECT_TRUE(GroupVersion{}.Empty());
  EXPECT_FALSE((GroupVersion{"", "v1"}).Empty());
  for (const char* text : {"v1", "apps/v1", "batch/v1", "coordination.k8s.io/v1"}) {
    EXPECT_EQ(GroupVersion::Parse(text)->ToString(), text);
  }
}

TEST(GroupVersion, WithKindAndWithResourceKeepGroupVersion) {
  const GroupVersion gv{"apps", "v1"};
  EXPECT_EQ(gv.WithKind("Deployment"), (GroupVersionKind{"apps", "v1", "Deployment"}));
  EXPECT_EQ(gv.WithResource("deployments"), (GroupVersionResource{"apps", "v1", "deployments"}));
}

TEST(GroupVersionKind, ToStringMatchesApimachinery) {
  EXPECT_EQ((GroupVersionKind{"apps", "v1", "Deployment"}).ToString(), "apps/v1, Kind=Deployment");
  EXPECT_EQ((GroupVersionKind{"", "v1", "Pod"}).ToString(), "/v1, Kind=Pod");
}

TEST(GroupVersionKind, ApiVersionAndParts) {
  const GroupVersionKind deploy{"apps", "v1", "Deployment"};
  EXPECT_EQ(deploy.ApiVersion(), "apps/v1");
  EXPECT_EQ(deploy.GroupVersion(), (GroupVersion{"apps", "v1"}));
  EXPECT_EQ(deploy.GroupKind(), (GroupKind{"apps", "Deployment"}));
  EXPECT_EQ((GroupVersionKind{"", "v1", "Pod"}).ApiVersion(), "v1");
  EXPECT_TRUE(GroupVersionKind{}.Empty());
  EXPECT_FALSE(deploy.Empty());
}

TEST(GroupVersionKind, FromApiVersionAndKind) {
  EXPECT_EQ(*GroupVersionKind::FromApiVersionAndKind("apps/v1", "Deployment"),
            (GroupVersionKind{"apps", "v1", "Deployment"}));
  EXPECT_EQ(*GroupVersionKind::FromApiVersionAndKind("v1", "Pod"),
            (GroupVersionKind{"", "v1", "Pod"}));
  EXPECT_EQ(*GroupVersionKind::FromApiVersionAndKind("", "Status"),
            (GroupVersionKind{"", "", "Status"}));
  Result<GroupVersionKind> bad = GroupVersionKind::FromApiVersionAndKind("a/b/c", "Thing");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "unexpected GroupVersion string: a/b/c");
}

TEST(GroupKind, ToStringQualifiesKindWithGroup) {
  EXPECT_EQ((GroupKind{"apps", "Deployment"}).ToString(), "Deployment.apps");
  EXPECT_EQ((GroupKind{"", "Pod"}).ToString(), "Pod");
}

TEST(GroupResource, ToStringIsQualifiedResource) {
  EXPECT_EQ((GroupResource{"apps", "deployments"}).ToString(), "deployments.apps");
  EXPECT_EQ((GroupResource{"", "pods"}).ToString(), "pods");
  EXPECT_EQ((GroupResource{"coordination.k8s.io", "leases"}).ToString(),
            "leases.coordination.k8s.io");
  EXPECT_TRUE(GroupResource{}.Empty());
}

TEST(GroupVersionResource, ToStringMatchesApimachinery) {
  const GroupVersionResource gvr{"apps", "v1", "deployments"};
  EXPECT_EQ(gvr.ToString(), "apps/v1, Resource=deployments");
  EXPECT_EQ((GroupVersionResource{"", "v1", "pods"}).ToString(), "/v1, Resource=pods");
  EXPECT_EQ(gvr.GroupVersion(), (GroupVersion{"apps", "v1"}));
  EXPECT_EQ(gvr.GroupResource(), (GroupResource{"apps", "deployments"}));
}

// Cases from client-go's cache.SplitMetaNamespaceKey tests.
TEST(ObjectKey, ParseSplitsNamespaceAndName) {
  EXPECT_EQ(*ObjectKey::Parse("ns/name"), (ObjectKey{"ns", "name"}));
  EXPECT_EQ(*ObjectKey::Parse("name"), (ObjectKey{"", "name"}));
  EXPECT_EQ(*ObjectKey::Parse("/name"), (ObjectKey{"", "name"}));
  EXPECT_EQ(*ObjectKey::Parse("ns/"), (ObjectKey{"ns", ""}));
  EXPECT_EQ(*ObjectKey::Parse(""), (ObjectKey{"", ""}));
}

TEST(ObjectKey, ParseRejectsMoreThanOneSlash) {
  Result<ObjectKey> key = ObjectKey::Parse("a/b/c");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), Code::kBadRequest);
  EXPECT_EQ(key.error().message(), "unexpected key format: \"a/b/c\"");
  EXPECT_FALSE(ObjectKey::Parse("//").ok());
}

TEST(ObjectKey, ToStringIsCacheKeyAndRoundTrips) {
  EXPECT_EQ((ObjectKey{"default", "web"}).ToString(), "default/web");
  EXPECT_EQ((ObjectKey{"", "node-1"}).ToString(), "node-1");
  for (const ObjectKey& key : {ObjectKey{"default", "web"}, ObjectKey{"", "node-1"}}) {
    EXPECT_EQ(*ObjectKey::Parse(key.ToString()), key);
  }
}

TEST(ObjectKey, OrdersByNamespaceThenName) {
  const std::set<ObjectKey> keys{{"b", "a"}, {"a", "z"}, {"", "x"}, {"a", "b"}};
  std::vector<std::string> order;
  for (const ObjectKey& key : keys) order.push_back(key.ToString());
  EXPECT_EQ(order, (std::vector<std::string>{"x", "a/b", "a/z", "b/a"}));
  EXPECT_LT((ObjectKey{"a", "b"}), (ObjectKey{"a", "c"}));
  EXPECT_NE((ObjectKey{"a", "b"}), (ObjectKey{"", "b"}));
}

TEST(Names, KeyUnorderedContainers) {
  std::unordered_map<ObjectKey, int> by_key;
  by_key[{"ns", "a"}] = 1;
  by_key[{"ns", "b"}] = 2;
  by_key[{"ns", "a"}] += 10;
  EXPECT_EQ(by_key.size(), 2u);
  EXPECT_EQ((by_key[{"ns", "a"}]), 11);

  std::unordered_set<GroupVersionKind> kinds{
      {"apps", "v1", "Deployment"}, {"", "v1", "Pod"}, {"apps", "v1", "Deployment"}};
  EXPECT_EQ(kinds.size(), 2u);
  std::unordered_set<GroupVersionResource> resources{{"apps", "v1", "deployments"},
                                                     {"apps", "v1", "replicasets"}};
  EXPECT_EQ(resources.count({"apps", "v1", "deployments"}), 1u);
  std::unordered_set<GroupVersion> gvs{{"apps", "v1"}, {"", "v1"}};
  std::unordered_set<GroupResource> grs{{"apps", "deployments"}};
  std::unordered_set<GroupKind> gks{{"apps", "Deployment"}};
  EXPECT_EQ(gvs.size() + grs.size() + gks.size(), 4u);

  // Fields do not run together: {"ab", "c"} and {"a", "bc"} hash apart.
  EXPECT_NE(std::hash<ObjectKey>{}({"ab", "c"}), std::hash<ObjectKey>{}({"a", "bc"}));
}

TEST(Names, OrderedMapsAndStreams) {
  std::map<GroupVersionKind, int> kinds{{{"apps", "v1", "Deployment"}, 1}, {{"", "v1", "Pod"}, 2}};
  EXPECT_EQ(kinds.begin()->first.kind, "Pod");
  std::ostringstream os;
  os << GroupVersion{"apps", "v1"} << "|" << GroupVersionKind{"apps", "v1", "Deployment"} << "|"
     << GroupVersionResource{"", "v1", "pods"} << "|" << GroupResource{"apps", "deployments"} << "|"
     << GroupKind{"apps", "Deployment"} << "|" << ObjectKey{"ns", "n"};
  EXPECT_EQ(os.str(),
            "apps/v1|apps/v1, Kind=Deployment|/v1, Resource=pods|deployments.apps|"
            "Deployment.apps|ns/n");
}

}  // namespace
}  // namespace kube
