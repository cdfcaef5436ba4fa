#include "kubecpp/testing/internal/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace kube::testing::internal {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Json J(std::string_view text) {
  Result<Json> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error() << " in " << text;
  return parsed.ok() ? *parsed : Json();
}

// "field: message" per cause, the line the apiserver prints.
std::vector<std::string> Lines(const std::vector<StatusCause>& causes) {
  std::vector<std::string> out;
  for (const StatusCause& c : causes) out.push_back(c.field + ": " + c.message);
  return out;
}

// A schema with one property `x` under `spec`, so paths read spec.x.
Json SpecX(std::string_view x_schema) {
  return J(R"({"type":"object","properties":{"spec":{"type":"object","properties":{"x":)" +
           std::string(x_schema) + "}}}}");
}

template <typename T>
std::string CaseName(const ::testing::TestParamInfo<T>& param_info) {
  return param_info.param.name;
}

Json SpecXValue(std::string_view value) {
  return J(R"({"spec":{"x":)" + std::string(value) + "}}");
}

// ---------------------------------------------------------------------------
// ValidateAgainstSchema: one case per keyword, messages as the apiserver words them.

struct ValidateCase {
  std::string name;
  std::string x_schema;  // schema of spec.x
  std::string x_value;   // value of spec.x
  std::vector<std::string> want;
};

class ValidateKeywordTest : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(ValidateKeywordTest, ReportsUpstreamMessages) {
  const ValidateCase& c = GetParam();
  EXPECT_THAT(Lines(ValidateAgainstSchema(SpecX(c.x_schema), SpecXValue(c.x_value))),
              ElementsAreArray(c.want));
}

const ValidateCase kValidateCases[] = {
    {"TypeIntegerRejectsString",
     R"({"type":"integer"})",
     R"("string")",
     {R"(spec.x: Invalid value: "string": spec.x in body must be of type integer: "string")"}},
    {"TypeIntegerAcceptsIntegralFloat", R"({"type":"integer"})", "3.0", {}},
    {"TypeIntegerRejectsFraction",
     R"({"type":"integer"})",
     "2.5",
     {R"(spec.x: Invalid value: "number": spec.x in body must be of type integer: "number")"}},
    {"TypeNumberAcceptsInteger", R"({"type":"number"})", "3", {}},
    {"TypeStringRejectsInteger",
     R"({"type":"string"})",
     "1",
     {R"(spec.x: Invalid value: "integer": spec.x in body must be of type string: "integer")"}},
    {"TypeBooleanRejectsString",
     R"({"type":"boolean"})",
     R"("yes")",
     {R"(spec.x: Invalid value: "string": spec.x in body must be of type boolean: "string")"}},
    {"TypeObjectRejectsArray",
     R"({"type":"object"})",
     "[]",
     {R"(spec.x: Invalid value: "array": spec.x in body must be of type object: "array")"}},
    {"TypeArrayRejectsObject",
     R"({"type":"array","items":{"type":"string"}})",
     "{}",
     {R"(spec.x: Invalid value: "object": spec.x in body must be of type array: "object")"}},
    {"NullRejectedUnlessNullable",
     R"({"type":"string"})",
     "null",
     {R"(spec.x: Invalid value: "null": spec.x in body must be of type string: "null")"}},
    {"NullAcceptedWhenNullable", R"({"type":"string","nullable":true})", "null", {}},
    {"EnumUnsupportedValue",
     R"({"type":"string","enum":["S","M"]})",
     R"("XL")",
     {R"(spec.x: Unsupported value: "XL": supported values: "S", "M")"}},
    {"EnumOfNumbersQuotesSupportedValues",
     R"({"type":"integer","enum":[1,2]})",
     "3",
     {R"(spec.x: Unsupported value: 3: supported values: "1", "2")"}},
    {"EnumAcceptsListedValue", R"({"type":"string","enum":["S","M"]})", R"("M")", {}},
    {"Maximum",
     R"({"type":"integer","maximum":10})",
     "20",
     {"spec.x: Invalid value: 20: spec.x in body should be less than or equal to 10"}},
    {"Minimum",
     R"({"type":"integer","minimum":1})",
     "0",
     {"spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1"}},
    {"ExclusiveMaximum",
     R"({"type":"integer","maximum":10,"exclusiveMaximum":true})",
     "10",
     {"spec.x: Invalid value: 10: spec.x in body should be less than 10"}},
    {"ExclusiveMinimum",
     R"({"type":"integer","minimum":0,"exclusiveMinimum":true})",
     "0",
     {"spec.x: Invalid value: 0: spec.x in body should be greater than 0"}},
    {"FloatMaximumPrintsLikeGo",
     R"({"type":"number","maximum":1.5})",
     "2.5",
     {"spec.x: Invalid value: 2.5: spec.x in body should be less than or equal to 1.5"}},
    {"MultipleOf",
     R"({"type":"integer","multipleOf":5})",
     "7",
     {"spec.x: Invalid value: 7: spec.x in body should be a multiple of 5"}},
    {"MinLength",
     R"({"type":"string","minLength":3})",
     R"("ab")",
     {R"(spec.x: Invalid value: "ab": spec.x in body should be at least 3 chars long)"}},
    {"MaxLength",
     R"({"type":"string","maxLength":5})",
     R"("abcdef")",
     {"spec.x: Too long: may not be more than 5 bytes"}},
    {"MaxLengthCountsCharactersNotBytes",
     R"({"type":"string","maxLength":5})",
     "\"h\xC3\xA9llo\"",
     {}},
    {"Pattern",
     R"({"type":"string","pattern":"^[a-z0-9./:-]+$"})",
     R"("Bad Image")",
     {R"(spec.x: Invalid value: "Bad Image": spec.x in body should match '^[a-z0-9./:-]+$')"}},
    {"PatternIsASearchNotAFullMatch", R"({"type":"string","pattern":"[0-9]"})", R"("abc1")", {}},
    {"FormatDateTimeRejectsProse",
     R"({"type":"string","format":"date-time"})",
     R"("yesterday")",
     {R"(spec.x: Invalid value: "yesterday": spec.x in body must be of type date-time: "yesterday")"}},
    {"FormatDateTimeAcceptsRfc3339",
     R"({"type":"string","format":"date-time"})",
     R"("2025-05-01T12:00:00.5+02:00")",
     {}},
    {"FormatDateRejectsImpossibleDay",
     R"({"type":"string","format":"date"})",
     R"("2025-02-30")",
     {R"(spec.x: Invalid value: "2025-02-30": spec.x in body must be of type date: "2025-02-30")"}},
    {"FormatUuid",
     R"({"type":"string","format":"uuid"})",
     R"("not-a-uuid")",
     {R"(spec.x: Invalid value: "not-a-uuid": spec.x in body must be of type uuid: "not-a-uuid")"}},
    {"FormatIpv4",
     R"({"type":"string","format":"ipv4"})",
     R"("300.1.1.1")",
     {R"(spec.x: Invalid value: "300.1.1.1": spec.x in body must be of type ipv4: "300.1.1.1")"}},
    {"FormatIpv6AcceptsShortForm", R"({"type":"string","format":"ipv6"})", R"("fe80::1")", {}},
    {"FormatByteNeedsBase64",
     R"({"type":"string","format":"byte"})",
     R"("abc")",
     {R"(spec.x: Invalid value: "abc": spec.x in body must be of type byte: "abc")"}},
    {"UnknownFormatIsIgnored", R"({"type":"string","format":"color"})", R"("blue")", {}},
    {"MinItems",
     R"({"type":"array","items":{"type":"string"},"minItems":1})",
     "[]",
     {"spec.x: Invalid value: 0: spec.x in body should have at least 1 items"}},
    {"MaxItems",
     R"({"type":"array","items":{"type":"string"},"maxItems":2})",
     R"(["a","b","c"])",
     {"spec.x: Too many: 3: must have at most 2 items"}},
    {"UniqueItems",
     R"({"type":"array","items":{"type":"string"},"uniqueItems":true})",
     R"(["a","a"])",
     {R"(spec.x: Invalid value: "": spec.x in body shouldn't contain duplicates)"}},
    {"ItemsAreValidatedWithIndex",
     R"({"type":"array","items":{"type":"string"}})",
     R"(["a",1])",
     {R"(spec.x[1]: Invalid value: "integer": spec.x[1] in body must be of type string: "integer")"}},
    {"MinProperties",
     R"({"type":"object","minProperties":2,"additionalProperties":{"type":"string"}})",
     R"({"a":"1"})",
     {"spec.x: Invalid value: 1: spec.x in body should have at least 2 properties"}},
    {"MaxProperties",
     R"({"type":"object","maxProperties":1,"additionalProperties":{"type":"string"}})",
     R"({"a":"1","b":"2"})",
     {"spec.x: Too many: 2: must have at most 1 item"}},
    {"AdditionalPropertiesSchemaAppliesToEveryValue",
     R"({"type":"object","additionalProperties":{"type":"string"}})",
     R"({"a":"ok","b":1})",
     {R"(spec.x.b: Invalid value: "integer": spec.x.b in body must be of type string: "integer")"}},
    {"AdditionalPropertiesFalseForbidsUnknownKeys",
     R"({"type":"object","additionalProperties":false})",
     R"({"extra":1})",
     {R"(spec.x: Invalid value: "extra": spec.x.extra in body is a forbidden property)"}},
    {"Required",
     R"({"type":"object","required":["image"],"properties":{"image":{"type":"string"}}})",
     "{}",
     {"spec.x.image: Required value"}},
    {"IntOrStringAcceptsInteger", R"({"x-kubernetes-int-or-string":true})", "80", {}},
    {"IntOrStringAcceptsString", R"({"x-kubernetes-int-or-string":true})", R"("25%")", {}},
    {"IntOrStringRejectsBoolean",
     R"({"x-kubernetes-int-or-string":true})",
     "true",
     {R"(spec.x: Invalid value: "boolean": spec.x in body must be of type integer,string: "boolean")"}},
    {"PreserveUnknownFieldsWithoutTypeAcceptsAnything",
     R"({"x-kubernetes-preserve-unknown-fields":true})",
     R"({"any":[1,{"thing":null}]})",
     {}},
    {"EmbeddedResourceNeedsApiVersionAndKind",
     R"({"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true})",
     R"({"metadata":{}})",
     {"spec.x.apiVersion: Required value: must not be empty",
      "spec.x.kind: Required value: must not be empty"}},
    {"ListTypeSetRejectsDuplicates",
     R"({"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}})",
     R"(["a","b","a","a"])",
     {R"(spec.x[2]: Duplicate value: "a")"}},
    {"ListTypeMapRejectsDuplicateKeys",
     R"({"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
         "items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}})",
     R"([{"name":"a","port":1},{"name":"b","port":2},{"name":"a","port":3}])",
     {R"(spec.x[2]: Duplicate value: map[string]interface {}{"name":"a"})"}},
    {"AnyOfReportsTheClosestAlternative",
     R"({"type":"integer","anyOf":[{"minimum":10},{"maximum":1}]})",
     "5",
     {R"(<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf))",
      "spec.x: Invalid value: 5: spec.x in body should be greater than or equal to 10"}},
    {"AnyOfPassesWhenOneAlternativeValidates",
     R"({"type":"integer","anyOf":[{"minimum":10},{"maximum":6}]})",
     "5",
     {}},
    {"OneOfRejectsTwoMatches",
     R"({"type":"integer","oneOf":[{"minimum":1},{"maximum":10}]})",
     "5",
     {R"(<nil>: Invalid value: "": "spec.x" must validate one and only one schema (oneOf). Found 2 valid alternatives)"}},
    {"AllOfMergesErrors",
     R"({"type":"string","allOf":[{"minLength":2},{"maxLength":5}]})",
     R"("a")",
     {R"(spec.x: Invalid value: "a": spec.x in body should be at least 2 chars long)",
      R"(<nil>: Invalid value: "": "spec.x" must validate all the schemas (allOf))"}},
    {"NotRejectsAMatch",
     R"({"type":"string","not":{"enum":["forbidden"]}})",
     R"("forbidden")",
     {R"(<nil>: Invalid value: "": "spec.x" must not validate the schema (not))"}},
};

INSTANTIATE_TEST_SUITE_P(Keywords, ValidateKeywordTest, ::testing::ValuesIn(kValidateCases),
                         CaseName<ValidateCase>);

TEST(ValidateAgainstSchema, CauseReasonsFollowTheErrorType) {
  Json schema = J(R"({"type":"object","required":["a"],"properties":{
      "a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"string","enum":["x"]},
      "d":{"type":"string","maxLength":1},"e":{"type":"integer","maximum":1},
      "f":{"type":"array","items":{"type":"string"},"maxItems":0},
      "g":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}})");
  Json obj = J(R"({"b":"x","c":"y","d":"long","e":2,"f":["a"],"g":["a","a"]})");
  std::vector<std::string> reasons;
  for (const StatusCause& c : ValidateAgainstSchema(schema, obj)) reasons.push_back(c.reason);
  EXPECT_THAT(reasons, ElementsAreArray<std::string>(
                           {"FieldValueTypeInvalid", "FieldValueNotSupported", "FieldValueTooLong",
                            "FieldValueInvalid", "FieldValueTooMany", "FieldValueRequired",
                            "FieldValueDuplicate"}));
}

TEST(ValidateAgainstSchema, RootRequiredAndNonObjectSchemaMeanNoConstraint) {
  EXPECT_THAT(Lines(ValidateAgainstSchema(J(R"({"type":"object","required":["spec"]})"), J("{}"))),
              ElementsAreArray<std::string>({"spec: Required value"}));
  EXPECT_THAT(ValidateAgainstSchema(Json(), J(R"({"anything":1})")), IsEmpty());
}

// ---------------------------------------------------------------------------
// PruneUnknownFields.

struct PruneCase {
  std::string name;
  std::string schema;
  std::string in;
  std::string want;
  std::vector<std::string> pruned;
};

class PruneTest : public ::testing::TestWithParam<PruneCase> {};

TEST_P(PruneTest, DropsUndeclaredFieldsAndReportsTheirPaths) {
  const PruneCase& c = GetParam();
  Json obj = J(c.in);
  std::vector<std::string> pruned = PruneUnknownFields(J(c.schema), &obj);
  EXPECT_EQ(obj, J(c.want)) << obj.dump();
  EXPECT_THAT(pruned, ElementsAreArray(c.pruned));
}

const PruneCase kPruneCases[] = {
    {"KeepsTypeMetaAndMetadataAtTheRoot",
     R"({"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer"}}}}})",
     R"({"apiVersion":"example.com/v1","kind":"WebApp","metadata":{"name":"a","junk":1},
         "spec":{"replicas":1,"foo":2},"bar":3})",
     R"({"apiVersion":"example.com/v1","kind":"WebApp","metadata":{"name":"a","junk":1},
         "spec":{"replicas":1}})",
     {"bar", "spec.foo"}},
    {"PrunesInsideArrayItems",
     R"({"type":"object","properties":{"spec":{"type":"object","properties":{"ports":{"type":"array",
         "items":{"type":"object","properties":{"port":{"type":"integer"}}}}}}}})",
     R"({"spec":{"ports":[{"port":1},{"port":2,"extra":true}]}})",
     R"({"spec":{"ports":[{"port":1},{"port":2}]}})",
     {"spec.ports[1].extra"}},
    {"PreserveUnknownFieldsKeepsUnknownButPrunesDeclaredChildren",
     R"({"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
         "properties":{"known":{"type":"object","properties":{"a":{"type":"integer"}}}}}}})",
     R"({"spec":{"unknown":{"deep":1},"known":{"a":1,"b":2}}})",
     R"({"spec":{"unknown":{"deep":1},"known":{"a":1}}})",
     {"spec.known.b"}},
    {"EmbeddedResourceKeepsItsTypeMetaAndMetadata",
     R"({"type":"object","properties":{"spec":{"type":"object","properties":{"template":{"type":"object",
         "x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object",
         "properties":{"image":{"type":"string"}}}}}}}}})",
     R"({"spec":{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
         "spec":{"image":"nginx","x":1},"status":{}}}})",
     R"({"spec":{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
         "spec":{"image":"nginx"}}}})",
     {"spec.template.spec.x", "spec.template.status"}},
    {"AdditionalPropertiesKeepsKeysAndPrunesValues",
     R"({"type":"object","properties":{"spec":{"type":"object","properties":{"byName":{"type":"object",
         "additionalProperties":{"type":"object","properties":{"a":{"type":"string"}}}}}}}})",
     R"({"spec":{"byName":{"k1":{"a":"x","b":"y"},"k2":{}}}})",
     R"({"spec":{"byName":{"k1":{"a":"x"},"k2":{}}}})",
     {"spec.byName.k1.b"}},
    {"ObjectWithoutPropertiesLosesEveryField",
     R"({"type":"object","properties":{"spec":{"type":"object"}}})",
     R"({"spec":{"a":1,"b":{"c":2}}})",
     R"({"spec":{}})",
     {"spec.a", "spec.b"}},
    {"NothingToPrune",
     R"({"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"string"}}}}})",
     R"({"kind":"X","spec":{"a":"b"}})",
     R"({"kind":"X","spec":{"a":"b"}})",
     {}},
};

INSTANTIATE_TEST_SUITE_P(Cases, PruneTest, ::testing::ValuesIn(kPruneCases), CaseName<PruneCase>);

// ---------------------------------------------------------------------------
// ApplySchemaDefaults.

struct DefaultCase {
  std::string name;
  std::string schema;
  std::string in;
  std::string want;
};

class DefaultTest : public ::testing::TestWithParam<DefaultCase> {};

TEST_P(DefaultTest, AppliesDefaultsLikeTheApiserver) {
  const DefaultCase& c = GetParam();
  Json obj = J(c.in);
  ApplySchemaDefaults(J(c.schema), &obj);
  EXPECT_EQ(obj, J(c.want)) << obj.dump();
}

constexpr const char* kReplicasSchema =
    R"({"type":"object","properties":{"spec":{"type":"object","properties":{
        "replicas":{"type":"integer","default":1},
        "note":{"type":"string","nullable":true,"default":"n"},
        "image":{"type":"string"}}}}})";

const DefaultCase kDefaultCases[] = {
    {"AbsentFieldTakesTheDefault", kReplicasSchema, R"({"spec":{}})",
     R"({"spec":{"replicas":1,"note":"n"}})"},
    {"PresentFieldIsKept", kReplicasSchema, R"({"spec":{"replicas":3,"note":"x"}})",
     R"({"spec":{"replicas":3,"note":"x"}})"},
    {"NoDefaultWithoutTheParentObject", kReplicasSchema, R"({"kind":"X"})", R"({"kind":"X"})"},
    {"NonNullableNullTakesTheDefault", kReplicasSchema, R"({"spec":{"replicas":null,"note":"x"}})",
     R"({"spec":{"replicas":1,"note":"x"}})"},
    {"NullableNullIsKept", kReplicasSchema, R"({"spec":{"replicas":2,"note":null}})",
     R"({"spec":{"replicas":2,"note":null}})"},
    {"NonNullableNullWithoutDefaultIsDropped", kReplicasSchema,
     R"({"spec":{"replicas":2,"note":"x","image":null}})", R"({"spec":{"replicas":2,"note":"x"}})"},
    {"DefaultedObjectIsDefaultedInside",
     R"({"type":"object","properties":{"spec":{"type":"object","default":{},"properties":{
         "replicas":{"type":"integer","default":1}}}}})",
     R"({})", R"({"spec":{"replicas":1}})"},
    {"ArrayItemsAreDefaulted",
     R"({"type":"object","properties":{"ports":{"type":"array","items":{"type":"object","properties":{
         "protocol":{"type":"string","default":"TCP"},"port":{"type":"integer"}}}}}})",
     R"({"ports":[{"port":80},{"port":53,"protocol":"UDP"}]})",
     R"({"ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]})"},
    {"AdditionalPropertiesValuesAreDefaulted",
     R"({"type":"object","properties":{"limits":{"type":"object","additionalProperties":{
         "type":"object","properties":{"max":{"type":"integer","default":5}}}}}})",
     R"({"limits":{"a":{},"b":{"max":1}}})", R"({"limits":{"a":{"max":5},"b":{"max":1}}})"},
    {"DefaultIsACopyOfAStructuredValue",
     R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},
         "default":["a","b"]}}})",
     R"({})", R"({"tags":["a","b"]})"},
};

INSTANTIATE_TEST_SUITE_P(Cases, DefaultTest, ::testing::ValuesIn(kDefaultCases),
                         CaseName<DefaultCase>);

// ---------------------------------------------------------------------------
// ValidateCrd.

// A realistic CRD: WebApp with image (required, pattern), replicas (1..10, default 1),
// size enum, status, and status/scale subresources.
Json WebAppCrd() {
  return J(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"webapps.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"webapps","singular":"webapp","kind":"WebApp","listKind":"WebAppList",
               "shortNames":["wa"]},
      "versions":[{"name":"v1","served":true,"storage":true,
        "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas",
          "statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{
          "metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":20}}},
          "spec":{"type":"object","required":["image"],"properties":{
            "image":{"type":"string","pattern":"^[a-z0-9./:-]+$"},
            "replicas":{"type":"integer","minimum":1,"maximum":10,"default":1},
            "size":{"type":"string","enum":["S","M"],"default":"S"},
            "port":{"x-kubernetes-int-or-string":true},
            "env":{"type":"array","x-kubernetes-list-type":"map",
                   "x-kubernetes-list-map-keys":["name"],
                   "items":{"type":"object","required":["name"],"properties":{
                     "name":{"type":"string"},"value":{"type":"string"}}}},
            "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
          "status":{"type":"object","properties":{
            "replicas":{"type":"integer"},"selector":{"type":"string"}}}}}}}]}})");
}

Json& Schema(Json& crd) { return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]; }
Json& SpecProps(Json& crd) { return Schema(crd)["properties"]["spec"]["properties"]; }

constexpr std::string_view kSchemaPath = "spec.versions[0].schema.openAPIV3Schema";

struct CrdCase {
  std::string name;
  std::function<void(Json&)> mutate;
  std::vector<std::string> want_substrings;  // empty: the CRD is valid
};

class ValidateCrdTest : public ::testing::TestWithParam<CrdCase> {};

TEST_P(ValidateCrdTest, AcceptsOrRejectsLikeTheApiserver) {
  const CrdCase& c = GetParam();
  Json crd = WebAppCrd();
  c.mutate(crd);
  Status status = ValidateCrd(crd);
  if (c.want_substrings.empty()) {
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  ASSERT_TRUE(IsInvalid(status)) << status;
  for (const std::string& want : c.want_substrings) {
    EXPECT_THAT(status.message(), HasSubstr(want));
  }
}

std::string At(std::string_view rest) { return std::string(kSchemaPath) + std::string(rest); }

const CrdCase kCrdCases[] = {
    {"RealisticCrdIsValid", [](Json&) {}, {}},
    {"MissingSingularAndListKindAreDefaulted",
     [](Json& crd) {
       crd["spec"]["names"].erase("singular");
       crd["spec"]["names"].erase("listKind");
     },
     {}},
    {"NameMustBePluralDotGroup",
     [](Json& crd) { crd["metadata"]["name"] = "webapp.example.com"; },
     {R"(metadata.name: Invalid value: "webapp.example.com": must be spec.names.plural+"."+spec.group)"}},
    {"GroupNeedsADot",
     [](Json& crd) {
       crd["spec"]["group"] = "example";
       crd["metadata"]["name"] = "webapps.example";
     },
     {R"(spec.group: Invalid value: "example": should be a domain with at least one dot)"}},
    {"ScopeMustBeNamespacedOrCluster",
     [](Json& crd) { crd["spec"]["scope"] = "Global"; },
     {R"(spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced")"}},
    {"KindIsRequired",
     [](Json& crd) { crd["spec"]["names"].erase("kind"); },
     {"spec.names.kind: Required value"}},
    {"PluralMustBeADns1035Label",
     [](Json& crd) {
       crd["spec"]["names"]["plural"] = "Web_Apps";
       crd["metadata"]["name"] = "Web_Apps.example.com";
     },
     {R"(spec.names.plural: Invalid value: "Web_Apps": a DNS-1035 label must consist of)"}},
    {"KindAndListKindDiffer",
     [](Json& crd) { crd["spec"]["names"]["listKind"] = "WebApp"; },
     {R"(spec.names.listKind: Invalid value: "WebApp": kind and listKind may not be the same)"}},
    {"AtLeastOneVersion",
     [](Json& crd) { crd["spec"]["versions"] = Json::array(); },
     {"spec.versions: Required value: must have at least one version"}},
    {"TwoStorageVersionsRejected",
     [](Json& crd) {
       Json v2 = crd["spec"]["versions"][0];
       v2["name"] = "v2";
       crd["spec"]["versions"].push_back(v2);
     },
     {"spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{",
      "must have exactly one version marked as storage version"}},
    {"NoStorageVersionRejected",
     [](Json& crd) { crd["spec"]["versions"][0]["storage"] = false; },
     {"must have exactly one version marked as storage version"}},
    {"VersionNamesMustBeUnique",
     [](Json& crd) {
       Json again = crd["spec"]["versions"][0];
       again["storage"] = false;
       crd["spec"]["versions"].push_back(again);
     },
     {"must contain unique version names"}},
    {"SchemaIsRequiredInV1",
     [](Json& crd) { crd["spec"]["versions"][0].erase("schema"); },
     {At(": Required value: schemas are required")}},
    {"FieldWithoutTypeIsNotStructural",
     [](Json& crd) { SpecProps(crd)["image"].erase("type"); },
     {At(".properties[spec].properties[image].type: Required value: must not be empty for "
         "specified object fields")}},
    {"ArrayItemWithoutTypeIsNotStructural",
     [](Json& crd) { SpecProps(crd)["env"]["items"].erase("type"); },
     {At(".properties[spec].properties[env].items.type: Required value: must not be empty for "
         "specified array items")}},
    {"RootMustBeAnObject",
     [](Json& crd) { Schema(crd)["type"] = "array"; },
     {At(R"(.type: Invalid value: "array": must be object at the root)")}},
    {"ArrayNeedsItems",
     [](Json& crd) { SpecProps(crd)["env"].erase("items"); },
     {At(".properties[spec].properties[env].items: Required value: must be specified")}},
    {"MetadataMayOnlyRestrictNameAndGenerateName",
     [](Json& crd) {
       Schema(crd)["properties"]["metadata"]["properties"]["labels"] = J(R"({"type":"object"})");
     },
     {At(".properties[metadata]: Forbidden: must not specify anything other than name and "
         "generateName, but metadata is implicitly specified")}},
    {"TypeInsideAnyOfIsNotStructural",
     [](Json& crd) { SpecProps(crd)["image"]["anyOf"] = J(R"([{"type":"string"}])"); },
     {At(".properties[spec].properties[image].anyOf[0].type: Forbidden: must be empty to be "
         "structural")}},
    {"IntOrStringAnyOfPatternIsAllowed",
     [](Json& crd) {
       SpecProps(crd)["port"]["anyOf"] = J(R"([{"type":"integer"},{"type":"string"}])");
     },
     {}},
    {"DefaultMustMatchTheType",
     [](Json& crd) { SpecProps(crd)["replicas"]["default"] = "one"; },
     {At(".properties[spec].properties[replicas].default: Invalid value: \"string\""),
      "must be of type integer: \"string\""}},
    {"DefaultMustSatisfyBounds",
     [](Json& crd) { SpecProps(crd)["replicas"]["default"] = 50; },
     {At(".properties[spec].properties[replicas].default: Invalid value: 50:"),
      "should be less than or equal to 10"}},
    {"DefaultMustBePruned",
     [](Json& crd) {
       Schema(crd)["properties"]["spec"]["default"] = J(R"({"image":"x","bogus":1})");
     },
     {At(".properties[spec].default: Invalid value: map[string]interface {}{\"bogus\":1, "
         "\"image\":\"x\"}: must not have unknown fields")}},
    {"UniqueItemsIsForbidden",
     [](Json& crd) { SpecProps(crd)["env"]["uniqueItems"] = true; },
     {At(".properties[spec].properties[env].uniqueItems: Forbidden: uniqueItems cannot be set to "
         "true since the runtime complexity becomes quadratic")}},
    {"PatternMustCompile",
     [](Json& crd) { SpecProps(crd)["image"]["pattern"] = "(unclosed"; },
     {At(R"(.properties[spec].properties[image].pattern: Invalid value: "(unclosed": must be a valid regular expression, but isn't: )")}},
    {"ListTypeMapNeedsKeys",
     [](Json& crd) { SpecProps(crd)["env"].erase("x-kubernetes-list-map-keys"); },
     {At(".properties[spec].properties[env].x-kubernetes-list-map-keys: Required value: must not "
         "be empty if x-kubernetes-list-type is map")}},
    {"RefIsNotSupported",
     [](Json& crd) { SpecProps(crd)["image"]["$ref"] = "#/definitions/x"; },
     {At(".properties[spec].properties[image].$ref: Forbidden: $ref is not supported")}},
    {"ScaleSpecReplicasPathMustBeUnderSpec",
     [](Json& crd) {
       crd["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = ".status.x";
     },
     {R"(spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.x": should be a json path under .spec)"}},
    {"ScaleStatusReplicasPathIsRequired",
     [](Json& crd) {
       crd["spec"]["versions"][0]["subresources"]["scale"].erase("statusReplicasPath");
     },
     {"spec.versions[0].subresources.scale.statusReplicasPath: Required value"}},
    {"PreserveUnknownFieldsAtTheSpecLevelIsRejected",
     [](Json& crd) { crd["spec"]["preserveUnknownFields"] = true; },
     {"spec.preserveUnknownFields: Invalid value: true: cannot set to true"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ValidateCrdTest, ::testing::ValuesIn(kCrdCases), CaseName<CrdCase>);

TEST(ValidateCrd, InvalidStatusNamesTheCrdAndListsEveryCause) {
  Json crd = WebAppCrd();
  crd["metadata"]["name"] = "wrong.example.com";
  crd["spec"]["scope"] = "";
  Status status = ValidateCrd(crd);
  ASSERT_TRUE(IsInvalid(status));
  EXPECT_EQ(status.http_code(), 422);
  EXPECT_EQ(status.message(),
            "CustomResourceDefinition.apiextensions.k8s.io \"wrong.example.com\" is invalid: "
            "[metadata.name: Invalid value: \"wrong.example.com\": must be "
            "spec.names.plural+\".\"+spec.group, spec.scope: Required value]");
  EXPECT_EQ(status.details().kind, "CustomResourceDefinition");
  EXPECT_EQ(status.details().group, "apiextensions.k8s.io");
  EXPECT_EQ(status.details().name, "wrong.example.com");
  ASSERT_EQ(status.details().causes.size(), 2u);
  EXPECT_EQ(status.details().causes[1], (StatusCause{.reason = "FieldValueRequired",
                                                     .message = "Required value",
                                                     .field = "spec.scope"}));
}

TEST(ApplyCrdDefaults, FillsSingularListKindAndConversion) {
  Json crd = WebAppCrd();
  crd["spec"]["names"].erase("singular");
  crd["spec"]["names"].erase("listKind");
  ApplyCrdDefaults(&crd);
  EXPECT_EQ(crd["spec"]["names"]["singular"], "webapp");
  EXPECT_EQ(crd["spec"]["names"]["listKind"], "WebAppList");
  EXPECT_EQ(crd["spec"]["conversion"], J(R"({"strategy":"None"})"));
}

TEST(FindVersionSchema, ReturnsTheSchemaOfTheNamedVersion) {
  Json crd = WebAppCrd();
  const Json* schema = FindVersionSchema(crd, "v1");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(*schema, Schema(crd));
  EXPECT_EQ(FindVersionSchema(crd, "v2"), nullptr);
}

// ---------------------------------------------------------------------------
// End to end: prune, default, validate a WebApp as a create would.

TEST(WebApp, CreatePrunesDefaultsAndValidates) {
  Json crd = WebAppCrd();
  const Json& schema = Schema(crd);
  Json obj = J(R"({"apiVersion":"example.com/v1","kind":"WebApp",
      "metadata":{"name":"web","namespace":"default"},
      "spec":{"image":"nginx:1.27","junk":true,"extra":{"free":{"form":1}},
              "env":[{"name":"A","value":"1"}]},
      "status":{"replicas":0,"phase":"new"}})");
  std::vector<std::string> pruned = PruneUnknownFields(schema, &obj);
  ApplySchemaDefaults(schema, &obj);
  EXPECT_THAT(pruned, ElementsAreArray<std::string>({"spec.junk", "status.phase"}));
  EXPECT_EQ(obj, J(R"({"apiVersion":"example.com/v1","kind":"WebApp",
      "metadata":{"name":"web","namespace":"default"},
      "spec":{"image":"nginx:1.27","replicas":1,"size":"S","extra":{"free":{"form":1}},
              "env":[{"name":"A","value":"1"}]},
      "status":{"replicas":0}})"));
  EXPECT_THAT(ValidateAgainstSchema(schema, obj), IsEmpty());
}

TEST(WebApp, InvalidCreateGivesTheApiserverMessage) {
  Json crd = WebAppCrd();
  const Json& schema = Schema(crd);
  Json obj = J(R"({"apiVersion":"example.com/v1","kind":"WebApp","metadata":{"name":"web"},
      "spec":{"replicas":20,"size":"XL","env":[{"name":"A"},{"name":"A"}]}})");
  (void)PruneUnknownFields(schema, &obj);
  ApplySchemaDefaults(schema, &obj);
  std::vector<StatusCause> causes = ValidateAgainstSchema(schema, obj);
  Status status = InvalidStatus("WebApp", "example.com", "web", causes);
  EXPECT_EQ(status.message(),
            "WebApp.example.com \"web\" is invalid: ["
            "spec.replicas: Invalid value: 20: spec.replicas in body should be less than or "
            "equal to 10, "
            "spec.size: Unsupported value: \"XL\": supported values: \"S\", \"M\", "
            "spec.image: Required value, "
            "spec.env[1]: Duplicate value: map[string]interface {}{\"name\":\"A\"}]");
  EXPECT_EQ(status.details().kind, "WebApp");
  EXPECT_EQ(status.details().causes.size(), 4u);
}

TEST(WebApp, WrongTypeOnReplicasMentionsTheType) {
  Json crd = WebAppCrd();
  std::vector<StatusCause> causes =
      ValidateAgainstSchema(Schema(crd), J(R"({"spec":{"image":"x","replicas":"three"}})"));
  Status status = InvalidStatus("WebApp", "example.com", "web", causes);
  EXPECT_EQ(status.message(),
            "WebApp.example.com \"web\" is invalid: spec.replicas: Invalid value: \"string\": "
            "spec.replicas in body must be of type integer: \"string\"");
}

TEST(WebApp, DefaultsApplyOnReadOfObjectsStoredBeforeTheDefault) {
  Json crd = WebAppCrd();
  Json stored = J(R"({"kind":"WebApp","spec":{"image":"x","replicas":2}})");
  ApplySchemaDefaults(Schema(crd), &stored);
  EXPECT_EQ(stored["spec"]["size"], "S");
  EXPECT_EQ(stored["spec"]["replicas"], 2);
}

TEST(InvalidStatus, CoreKindHasNoGroupAndRepeatedLinesAppearOnce) {
  std::vector<StatusCause> causes = {
      {.reason = "FieldValueRequired", .message = "Required value", .field = "spec.a"},
      {.reason = "FieldValueRequired", .message = "Required value", .field = "spec.a"}};
  Status status = InvalidStatus("Pod", "", "p", causes);
  EXPECT_EQ(status.message(), "Pod \"p\" is invalid: spec.a: Required value");
  EXPECT_EQ(status.details().causes.size(), 2u);
}

}  // namespace
}  // namespace kube::testing::internal
