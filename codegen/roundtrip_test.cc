// Tests of the generated types (from crds/*.yaml and codegen/testdata/*.yaml, built by
// kubecpp_generate): lossless round trips of random documents with unknown fields at
// every level, absent vs null, enums with unknown values, error paths, Validate()
// and SetDefaults().
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "codegen_testdata_types/ci/v1beta1/types.h"
#include "codegen_testdata_types/data/v1/types.h"
#include "codegen_testdata_types/data/v1beta1/types.h"
#include "codegen_testdata_types/shop/v1/types.h"
#include "codegen_testdata_types/web/v1/types.h"
#include "codegen_testdata_types/web/v1alpha1/types.h"
#include "kubecpp/core/internal/base64.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/yaml.h"

namespace {

namespace fs = std::filesystem;
namespace web = testing::api::web::v1;
namespace data = testing::api::data::v1;
namespace ci = testing::api::ci::v1beta1;
namespace shop = testing::api::shop::v1;
using kube::Json;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The openAPIV3Schema of `version` of the CRD of `kind` in `file`.
Json CrdSchema(const std::string& file, const std::string& kind, const std::string& version) {
  auto docs = kube::ParseYamlDocuments(ReadFile(fs::path(KUBECPP_SOURCE_DIR) / file));
  EXPECT_TRUE(docs.has_value());
  for (const Json& doc : *docs) {
    if (doc["spec"]["names"]["kind"] != kind) continue;
    for (const Json& v : doc["spec"]["versions"]) {
      if (v["name"] == version) return v["schema"]["openAPIV3Schema"];
    }
  }
  ADD_FAILURE() << "no " << kind << " " << version << " in " << file;
  return Json();
}

// Random documents that satisfy a structural schema, with unknown fields added to
// every object that has properties.
class RandomDocument {
 public:
  explicit RandomDocument(uint32_t seed) : rng_(seed) {}

  Json Root(const Json& schema, const std::string& api_version, const std::string& kind) {
    Json doc = Value(schema, 0);
    doc["apiVersion"] = api_version;
    doc["kind"] = kind;
    doc["metadata"] = Metadata();
    return doc;
  }

 private:
  bool Coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Word() {
    static const char* const kWords[] = {"a", "web", "x-y",      "Ünïcode",    "with space",
                                         "",  "0",   "quote\"d", "line\nbreak"};
    return kWords[Int(0, 8)];
  }

  Json Metadata() {
    Json m = {{"name", "obj-" + std::to_string(Int(0, 99))}, {"namespace", "default"}};
    if (Coin(0.5)) m["labels"] = {{"app", Word()}};
    if (Coin(0.3)) m["resourceVersion"] = std::to_string(Int(1, 9999));
    return m;
  }

  Json Free(int depth) {
    switch (Int(0, depth > 2 ? 3 : 5)) {
      case 0:
        return Word();
      case 1:
        return Int(-5, 5);
      case 2:
        return Coin(0.5);
      case 3:
        return nullptr;
      case 4: {
        Json a = Json::array();
        for (int i = Int(0, 3); i > 0; --i) a.push_back(Free(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (int i = Int(0, 3); i > 0; --i) o["f" + std::to_string(i)] = Free(depth + 1);
        return o;
      }
    }
  }

  Json Value(const Json& s, int depth) {
    if (s.value("x-kubernetes-int-or-string", false)) {
      return Coin(0.5) ? Json(Int(-100, 100)) : Json(Coin(0.5) ? "25%" : "http");
    }
    std::string type = s.value("type", "");
    bool preserve = s.value("x-kubernetes-preserve-unknown-fields", false);
    if (type.empty()) return Free(depth);
    if (type == "string") {
      if (s.contains("enum")) {
        if (Coin(0.2)) return "NotInTheSchema";
        const Json& e = s["enum"];
        return e[Int(0, static_cast<int>(e.size()) - 1)];
      }
      std::string format = s.value("format", "");
      if (format == "date-time") return Coin(0.5) ? "2024-05-01T10:00:00Z" : "1999-12-31T23:59:59Z";
      if (format == "byte") {
        std::string bytes;
        for (int i = Int(0, 7); i > 0; --i) bytes += static_cast<char>(Int(0, 255));
        return kube::internal::Base64Encode(bytes);
      }
      if (format == "quantity") {
        static const char* const kQuantities[] = {"1", "500m", "1Gi", "2k", "0", "1536Mi"};
        return kQuantities[Int(0, 5)];
      }
      return Word();
    }
    if (type == "integer") {
      if (s.value("format", "") == "int32") return Int(-70000, 70000);
      return Coin(0.5) ? Json(int64_t{1} << Int(31, 62)) : Json(Int(-3, 3));
    }
    if (type == "number") return Coin(0.5) ? 0.5 : -1024.25;
    if (type == "boolean") return Coin(0.5);
    if (type == "array") {
      Json a = Json::array();
      const Json& items = s["items"];
      for (int i = Int(0, depth > 6 ? 1 : 3); i > 0; --i) {
        a.push_back(items.value("nullable", false) && Coin(0.2) ? Json(nullptr)
                                                                : Value(items, depth + 1));
      }
      return a;
    }
    // object
    Json o = Json::object();
    if (s.contains("properties")) {
      std::set<std::string> required;
      for (const Json& r : s.value("required", Json::array())) required.insert(r);
      for (const auto& [key, prop] : s["properties"].items()) {
        if (!required.contains(key) && !Coin(depth > 6 ? 0.2 : 0.7)) continue;
        if (prop.value("nullable", false) && Coin(0.25)) {
          o[key] = nullptr;
        } else if (key == "metadata" &&
                   (depth == 0 || s.value("x-kubernetes-embedded-resource", false))) {
          o[key] = Metadata();
        } else {
          o[key] = Value(prop, depth + 1);
        }
      }
      if (s.value("x-kubernetes-embedded-resource", false)) {
        o["apiVersion"] = "v1";
        o["kind"] = "Pod";
      }
      // Unknown fields at this level (a newer schema, or pruning switched off).
      if (Coin(0.5)) o["zzUnknown"] = Free(depth);
      if (preserve && Coin(0.5)) o["zzPreserved"] = Free(depth);
      return o;
    }
    if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
      const Json& ap = s["additionalProperties"];
      for (int i = Int(0, 3); i > 0; --i) {
        o["key" + std::to_string(i)] =
            ap.value("nullable", false) && Coin(0.2) ? Json(nullptr) : Value(ap, depth + 1);
      }
      return o;
    }
    if (s.value("x-kubernetes-embedded-resource", false)) {
      o = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", Metadata()}};
    }
    for (int i = Int(0, 3); i > 0; --i) o["free" + std::to_string(i)] = Free(depth + 1);
    return o;
  }

  std::mt19937 rng_;
};

template <typename T>
kube::Result<Json> RoundTrip(const Json& in) {
  T obj;
  if (kube::Status s = kube::FromJson(in, &obj); !s.ok()) return s;
  Json out;
  ToJson(obj, &out);
  return out;
}

struct KindCase {
  std::string file, kind, version, api_version;
  std::function<kube::Result<Json>(const Json&)> round_trip;
};

TEST(RoundTrip, RandomDocumentsWithUnknownFieldsAtEveryLevelSurviveByteForByte) {
  const std::vector<KindCase> kinds = {
      {"crds/webapp.yaml", "WebApp", "v1", "web.kubecpp.io/v1", RoundTrip<web::WebApp>},
      {"crds/webapp.yaml", "WebApp", "v1alpha1", "web.kubecpp.io/v1alpha1",
       RoundTrip<testing::api::web::v1alpha1::WebApp>},
      {"crds/database.yaml", "Database", "v1", "data.kubecpp.io/v1", RoundTrip<data::Database>},
      {"crds/database.yaml", "Database", "v1beta1", "data.kubecpp.io/v1beta1",
       RoundTrip<testing::api::data::v1beta1::Database>},
      {"codegen/testdata/pipeline.yaml", "Pipeline", "v1beta1", "ci.kubecpp.io/v1beta1",
       RoundTrip<ci::Pipeline>},
      {"codegen/testdata/pipeline.yaml", "PipelineRun", "v1beta1", "ci.kubecpp.io/v1beta1",
       RoundTrip<ci::PipelineRun>},
  };
  for (const KindCase& k : kinds) {
    Json schema = CrdSchema(k.file, k.kind, k.version);
    RandomDocument random(42);
    for (int i = 0; i < 300; ++i) {
      Json in = random.Root(schema, k.api_version, k.kind);
      auto out = k.round_trip(in);
      ASSERT_TRUE(out.has_value())
          << k.kind << " " << k.version << ": " << out.error().message() << "\n"
          << in.dump(2);
      ASSERT_EQ(out->dump(), in.dump())
          << k.kind << " " << k.version << " differs: " << Json::diff(in, *out).dump() << "\n"
          << in.dump(2);
    }
  }
}

web::WebApp DecodeWebApp(const std::string& text) {
  auto obj = kube::Decode<web::WebApp>(text);
  EXPECT_TRUE(obj.has_value()) << obj.error().message();
  return obj.has_value() ? *obj : web::WebApp{};
}

TEST(RoundTrip, NullAbsentAndValueOfANullableFieldStayApart) {
  web::WebApp absent = DecodeWebApp(R"({"spec": {"image": "i"}, "status": {}})");
  ASSERT_TRUE(absent.status.has_value());
  EXPECT_FALSE(absent.status->url.has_value());

  web::WebApp null = DecodeWebApp(R"({"spec": {"image": "i"}, "status": {"url": null}})");
  ASSERT_TRUE(null.status->url.has_value());
  EXPECT_FALSE(null.status->url->has_value());
  EXPECT_EQ(kube::Encode(null),
            R"({"apiVersion":"web.kubecpp.io/v1","kind":"WebApp","metadata":{},)"
            R"("spec":{"image":"i"},"status":{"url":null}})");

  web::WebApp value = DecodeWebApp(R"({"spec": {"image": "i"}, "status": {"url": "http://x"}})");
  EXPECT_EQ(value.status->url, std::optional<std::optional<std::string>>("http://x"));

  // A nullable object, and nullable elements of arrays and maps.
  auto db = kube::Decode<data::Database>(
      R"({"spec": {"engine": "Postgres", "storage": {"size": "1Gi", "storageClassName": null},
          "replication": {"weights": [1, null], "labels": {"a": null, "b": "x"}}}})");
  ASSERT_TRUE(db.has_value()) << db.error().message();
  ASSERT_TRUE(db->spec.storage.storage_class_name.has_value());
  EXPECT_FALSE(db->spec.storage.storage_class_name->has_value());
  ASSERT_TRUE(db->spec.replication && *db->spec.replication);
  EXPECT_EQ((**db->spec.replication).weights,
            (std::vector<std::optional<int64_t>>{1, std::nullopt}));
  Json round = Json::parse(kube::Encode(*db));
  EXPECT_EQ(round["spec"]["replication"]["labels"], Json({{"a", nullptr}, {"b", "x"}}));
  EXPECT_TRUE(round["spec"]["storage"]["storageClassName"].is_null());

  auto no_replication =
      kube::Decode<data::Database>(R"({"spec": {"engine": "MySQL", "storage": {"size": "1"},
                                                 "replication": null}})");
  ASSERT_TRUE(no_replication.has_value());
  ASSERT_TRUE(no_replication->spec.replication.has_value());
  EXPECT_FALSE(no_replication->spec.replication->has_value());
}

TEST(RoundTrip, NullForAFieldThatIsNotNullableReadsAsAbsent) {
  web::WebApp app = DecodeWebApp(R"({"spec": {"image": "i", "paused": null}})");
  EXPECT_FALSE(app.spec->paused.has_value());
  EXPECT_EQ(Json::parse(kube::Encode(app))["spec"], Json({{"image", "i"}}));
}

TEST(Enum, UnknownValueRoundTripsAndFailsValidation) {
  web::WebApp app = DecodeWebApp(R"({"metadata": {"name": "a"},
      "spec": {"image": "i", "pullPolicy": "Sometimes", "ports": [{"containerPort": 80,
      "protocol": "TCP"}]}})");
  ASSERT_TRUE(app.spec->pull_policy.has_value());
  EXPECT_TRUE(app.spec->pull_policy->is_unrecognized());
  EXPECT_EQ(app.spec->pull_policy->ToString(), "Sometimes");
  EXPECT_EQ(app.spec->ports->at(0).protocol, web::WebAppSpecPortsProtocol::kTCP);
  EXPECT_EQ(Json::parse(kube::Encode(app))["spec"]["pullPolicy"], "Sometimes");

  kube::Status s = Validate(app);
  ASSERT_EQ(s.code(), kube::Code::kInvalid);
  ASSERT_EQ(s.details().causes.size(), 1u);
  EXPECT_EQ(s.details().causes[0].reason, "FieldValueNotSupported");
  EXPECT_EQ(s.details().causes[0].field, "spec.pullPolicy");
  EXPECT_EQ(
      s.details().causes[0].message,
      R"(Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never")");
  EXPECT_EQ(s.details().kind, "WebApp");
  EXPECT_EQ(s.details().name, "a");

  web::WebAppSpecPullPolicy policy = web::WebAppSpecPullPolicy::kNever;
  EXPECT_EQ(policy.ToString(), "Never");
  EXPECT_EQ(web::WebAppSpecPullPolicy::FromString("Always").value(),
            web::WebAppSpecPullPolicy::kAlways);
  // A listed "Unknown" and "" get their own enumerators, apart from kUnrecognized.
  EXPECT_EQ(web::WebAppStatusConditionsStatus::FromString("Unknown").value(),
            web::WebAppStatusConditionsStatus::kUnknown);
  EXPECT_TRUE(web::WebAppStatusConditionsStatus::FromString("unknown").is_unrecognized());
  EXPECT_EQ(data::DatabaseSpecStorageVolumesSourceHostPathType::FromString("").value(),
            data::DatabaseSpecStorageVolumesSourceHostPathType::kEmpty);
}

TEST(Decode, TypeErrorsNameTheFullJsonPath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"spec": {"image": "i", "replicas": "three"}})",
       "spec.replicas: expected integer, got string"},
      {R"({"spec": {"image": "i", "ports": [{"containerPort": 1}, {"containerPort": true}]}})",
       "spec.ports[1].containerPort: expected integer, got boolean"},
      {R"({"spec": {"image": "i", "sidecars": {"log": {"image": "l", "args": [5]}}}})",
       "spec.sidecars.log.args[0]: expected string, got integer"},
      {R"({"spec": {"image": "i", "sidecars": {"log": {"image": "l",
           "mounts": {"data": ["a", {}]}}}}})",
       "spec.sidecars.log.mounts.data[1]: expected string, got object"},
      {R"({"spec": {"image": "i", "replicas": 5000000000}})",
       "spec.replicas: value 5000000000 does not fit in a 32-bit integer"},
      {R"({"spec": []})", "spec: expected object, got array"},
      {R"({"apiVersion": "web.kubecpp.io/v1alpha1", "spec": {"image": "i"}})",
       R"(apiVersion: expected "web.kubecpp.io/v1", got "web.kubecpp.io/v1alpha1")"},
      {R"({"status": {"lastDeployed": "yesterday"}})", "status.lastDeployed: "},
  };
  for (const auto& [text, want] : cases) {
    auto obj = kube::Decode<web::WebApp>(text);
    ASSERT_FALSE(obj.has_value()) << text;
    EXPECT_TRUE(obj.error().message().starts_with(want)) << obj.error().message();
    EXPECT_EQ(obj.error().code(), kube::Code::kBadRequest);
  }
}

TEST(Decode, BytesAreBase64OnTheWire) {
  auto db = kube::Decode<data::Database>(
      R"({"spec": {"engine": "MySQL", "storage": {"size": "1"}, "rootPassword": "aGVsbG8="}})");
  ASSERT_TRUE(db.has_value()) << db.error().message();
  EXPECT_EQ(db->spec.root_password, "hello");
  EXPECT_EQ(Json::parse(kube::Encode(*db))["spec"]["rootPassword"], "aGVsbG8=");
  auto bad = kube::Decode<data::Database>(
      R"({"spec": {"engine": "MySQL", "storage": {"size": "1"}, "rootPassword": "a*b"}})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "spec.rootPassword: illegal base64 data");
}

TEST(Decode, EscapedFieldNamesKeepTheirJsonNames) {
  auto db = kube::Decode<data::Database>(
      R"({"spec": {"engine": "MySQL", "storage": {"size": "1"}, "class": "c", "namespace": "n",
          "x-foo": "x", "$ref": "r", "ref": "plain", "fooBar": 1, "foo_bar": 2, "3d": true}})");
  ASSERT_TRUE(db.has_value()) << db.error().message();
  EXPECT_EQ(db->spec.class_, "c");
  EXPECT_EQ(db->spec.namespace_, "n");
  EXPECT_EQ(db->spec.x_foo, "x");
  EXPECT_EQ(db->spec.ref, "plain");
  EXPECT_EQ(db->spec.ref_2, "r");
  EXPECT_EQ(db->spec.foo_bar, 2);
  EXPECT_EQ(db->spec.foo_bar_2, 1);
  EXPECT_EQ(db->spec.f_3d, true);
  EXPECT_TRUE(db->spec.unknown_fields.empty());
}

TEST(Decode, NlohmannAdlContractWorks) {
  web::WebApp app;
  app.metadata.name = "shop";
  app.spec.emplace().image = "nginx";
  app.spec->replicas = 3;
  Json j = app;
  EXPECT_EQ(j["spec"]["replicas"], 3);
  EXPECT_EQ(j["kind"], "WebApp");
  EXPECT_EQ(j.get<web::WebApp>(), app);
  EXPECT_THROW(Json({{"spec", 5}}).get<web::WebApp>(), nlohmann::json::type_error);
}

TEST(Traits, KindsCarryTheirResource) {
  static_assert(web::WebApp::kGroup == "web.kubecpp.io");
  static_assert(web::WebApp::kVersion == "v1");
  static_assert(web::WebApp::kPlural == "webapps");
  static_assert(web::WebApp::kSingular == "webapp");
  static_assert(web::WebApp::kListKind == "WebAppList");
  static_assert(web::WebApp::kNamespaced);
  static_assert(web::WebApp::kStorageVersion);
  static_assert(!testing::api::web::v1alpha1::WebApp::kStorageVersion);
  static_assert(web::WebApp::kHasStatusSubresource && web::WebApp::kHasScaleSubresource);
  static_assert(!data::Database::kNamespaced);
  static_assert(!data::Database::kHasScaleSubresource);
  static_assert(shop::Order::kGroup == "shop.example.com");
  static_assert(shop::Order::kPlural == "orders");
  static_assert(std::is_same_v<decltype(web::WebApp::metadata), kube::ObjectMeta>);
  // List and map merge metadata for apply helpers.
  static_assert(web::WebAppSpec::kMergeStrategy[0] == "env=map:name");
  static_assert(web::WebAppStatus::kMergeStrategy[0] == "conditions=map:type");
  static_assert(data::DatabaseSpecReplication::kMergeStrategy[0] == "labels=atomic");
}

TEST(EmbeddedResource, HasTypedApiVersionKindAndMetadata) {
  auto p = kube::Decode<ci::Pipeline>(R"({"spec": {"stages": [{"name": "build", "template":
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t", "labels": {"a": "b"}},
       "spec": {"serviceAccountName": "sa", "containers": [{"name": "c"}]}}}]}})");
  ASSERT_TRUE(p.has_value()) << p.error().message();
  const auto& tpl = *p->spec->stages->at(0).template_;
  EXPECT_EQ(tpl.api_version, "v1");
  EXPECT_EQ(tpl.kind, "Pod");
  EXPECT_EQ(tpl.metadata->labels.at("a"), "b");
  EXPECT_EQ(tpl.spec->service_account_name, "sa");
  // preserve-unknown-fields with properties: the rest of the pod spec is kept.
  EXPECT_EQ(tpl.spec->unknown_fields.value()["containers"][0]["name"], "c");
}

TEST(OpenApi, RefsRecursionAndCoreTypesRoundTrip) {
  const std::string text =
      R"({"apiVersion":"shop.example.com/v1","kind":"Order",)"
      R"("metadata":{"name":"o1","namespace":"default"},)"
      R"("spec":{"category":{"children":[{"children":[{"name":"leaf"}],)"
      R"("name":"mid"}],"name":"root"},)"
      R"("items":[{"extra":{"any":["thing"]},"price":"1500m","quantity":2,)"
      R"("sku":"A-1"}],"priority":"high",)"
      R"("selector":{"matchLabels":{"app":"shop"}},)"
      R"("shipTo":{"city":"Oslo","zip":"0150"}},)"
      R"("status":{"conditions":[{"lastTransitionTime":"2024-05-01T10:00:00Z",)"
      R"("message":"m","reason":"R","status":"True","type":"Placed"}],)"
      R"("placedAt":"2024-05-01T10:00:00Z",)"
      R"("port":8080,"updatedAt":"2024-05-01T10:00:00.123456Z"}})";
  auto order = kube::Decode<shop::Order>(text);
  ASSERT_TRUE(order.has_value()) << order.error().message();
  EXPECT_EQ(order->spec->items[0].price->ToString(), "1500m");
  EXPECT_EQ(order->spec->ship_to->city, "Oslo");
  EXPECT_EQ(order->status->conditions->at(0).type, "Placed");
  EXPECT_EQ(order->status->port, kube::IntOrString::FromInt(8080));
  EXPECT_EQ(order->spec->priority, shop::OrderSpecPriority::kHigh);
  EXPECT_EQ(kube::Encode(*order), Json::parse(text).dump());
}

TEST(Validate, ReportsEveryViolationWithItsJsonPath) {
  web::WebApp app = DecodeWebApp(R"({"metadata": {"name": "bad"}, "spec": {
      "image": "UPPER", "replicas": 101, "minReplicas": -1,
      "env": [{"name": "OK"}, {"name": "1bad", "valueFrom": {}}],
      "ports": [{"containerPort": 0, "name": "a-very-long-port-name"}],
      "sidecars": {"a": {"image": "x"}, "b": {"image": "x"}, "c": {"image": "x"},
                   "d": {"image": "x"}, "e": {"image": "x"}, "f": {"image": "x"},
                   "g": {"image": "x"}, "h": {"image": "x"}, "i": {"image": "x"}},
      "ingress": {"rules": [{"host": "h", "paths": [{"pathType": "Regex",
          "backend": {"service": {"port": {"number": 80, "name": "http"}}}}]}]}}})");
  std::vector<kube::StatusCause> causes;
  Validate(app, "", &causes);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& c : causes) got.emplace_back(c.field, c.reason);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"spec.env[1].name", "FieldValueInvalid"},
      {"spec.env[1].valueFrom", "FieldValueInvalid"},  // oneOf: neither ref
      {"spec.image", "FieldValueInvalid"},             // pattern
      {"spec.ingress.rules[0].paths[0].backend.service.port", "FieldValueInvalid"},  // oneOf
      {"spec.ingress.rules[0].paths[0].pathType", "FieldValueNotSupported"},
      {"spec.minReplicas", "FieldValueInvalid"},
      {"spec.ports[0].containerPort", "FieldValueInvalid"},
      {"spec.ports[0].name", "FieldValueTooLong"},
      {"spec.replicas", "FieldValueInvalid"},
      {"spec.sidecars", "FieldValueTooMany"},
  };
  EXPECT_EQ(got, want);
  for (const auto& c : causes) {
    if (c.field == "spec.replicas") {
      EXPECT_EQ(c.message, "Invalid value: 101: should be less than or equal to 100");
    }
    if (c.field == "spec.image") {
      EXPECT_EQ(c.message, "Invalid value: \"UPPER\": should match '^[a-z0-9./:@_-]+$'");
    }
  }
  kube::Status s = Validate(app);
  EXPECT_EQ(s.code(), kube::Code::kInvalid);
  EXPECT_EQ(s.details().causes.size(), want.size());
  EXPECT_TRUE(s.message().starts_with("WebApp \"bad\" is invalid: spec.env[1].name: "))
      << s.message();

  EXPECT_TRUE(Validate(DecodeWebApp(R"({"spec": {"image": "nginx:1.25", "replicas": 3}})")).ok());
}

TEST(Validate, NumbersArraysAndUniqueness) {
  auto db = kube::Decode<data::Database>(R"({"spec": {"engine": "MySQL", "storage": {"size": "1"},
      "ratio": 1.0, "tier": 4, "version": "1.x", "backup": {"destinations": []},
      "replication": {"weights": [1, 2, 1]}}})");
  ASSERT_TRUE(db.has_value()) << db.error().message();
  std::vector<kube::StatusCause> causes;
  Validate(*db, "", &causes);
  std::vector<std::string> fields;
  for (const auto& c : causes) fields.push_back(c.field + " " + c.message);
  EXPECT_EQ(fields, (std::vector<std::string>{
                        "spec.backup.destinations Invalid value: should have at least 1 items",
                        "spec.ratio Invalid value: 1.0: should be less than 1",
                        "spec.replication.weights[2] Duplicate value",
                        "spec.tier Unsupported value: 4: supported values: 1, 2, 3",
                        "spec.version Invalid value: \"1.x\": should match '^[0-9]+(\\.[0-9]+)*$'",
                    }));
}

TEST(SetDefaults, FillsAbsentFieldsFromSchemaDefaultsRecursively) {
  web::WebApp app = DecodeWebApp(R"({"spec": {"image": "i", "replicas": 5,
      "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
      "ingress": {"rules": [{"host": "h", "paths": [{}]}]}}})");
  SetDefaults(&app);
  EXPECT_EQ(app.spec->replicas, 5);  // present: kept
  EXPECT_EQ(app.spec->paused, false);
  EXPECT_EQ(app.spec->pull_policy, web::WebAppSpecPullPolicy::kIfNotPresent);
  EXPECT_EQ(app.spec->ports->at(0).protocol, web::WebAppSpecPortsProtocol::kTCP);
  EXPECT_EQ(app.spec->ports->at(1).protocol, web::WebAppSpecPortsProtocol::kUDP);
  EXPECT_EQ((**app.spec->ingress).rules->at(0).paths->at(0).path, "/");
  EXPECT_FALSE(app.status.has_value());  // no default for status: stays absent

  web::WebApp minimal = DecodeWebApp(R"({"spec": {"image": "i"}})");
  SetDefaults(&minimal);
  EXPECT_EQ(minimal.spec->replicas, 1);

  auto db = kube::Decode<data::Database>(
      R"({"spec": {"engine": "MySQL", "storage": {"size": "1"}, "backup": {"retention": {}}}})");
  ASSERT_TRUE(db.has_value());
  SetDefaults(&*db);
  EXPECT_EQ(db->spec.backup->retention->days, 7);
  EXPECT_EQ(db->spec.backup->retention->copies, 3);
}

}  // namespace
