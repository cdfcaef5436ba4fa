#include "kubecpp/core/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kubecpp/core/result.h"

namespace kube {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ConstructorsUseTheApiserverReasonAndHttpCode) {
  struct Case {
    Status status;
    std::string reason;
    int http;
  };
  const Case cases[] = {
      {BadRequestError("x"), "BadRequest", 400},
      {NotFoundError("x"), "NotFound", 404},
      {AlreadyExistsError("x"), "AlreadyExists", 409},
      {ConflictError("x"), "Conflict", 409},
      {GoneError("x"), "Expired", 410},
      {InvalidError("x"), "Invalid", 422},
      {Status(Code::kTooManyRequests, "x"), "TooManyRequests", 429},
      {InternalError("x"), "InternalError", 500},
      {UnavailableError("x"), "ServiceUnavailable", 503},
      {TimeoutError("x"), "Timeout", 504},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.reason(), c.reason);
    EXPECT_EQ(c.status.http_code(), c.http) << c.reason;
  }
}

TEST(Status, RetryableOnlyForTransientCodes) {
  EXPECT_TRUE(ConflictError("x").retryable());
  EXPECT_TRUE(GoneError("x").retryable());
  EXPECT_TRUE(Status(Code::kTooManyRequests, "x").retryable());
  EXPECT_TRUE(TimeoutError("x").retryable());
  EXPECT_TRUE(UnavailableError("x").retryable());
  EXPECT_TRUE(InternalError("x").retryable());
  EXPECT_FALSE(NotFoundError("x").retryable());
  EXPECT_FALSE(InvalidError("x").retryable());
  EXPECT_FALSE(BadRequestError("x").retryable());
  EXPECT_FALSE(Status(Code::kForbidden, "x").retryable());
  EXPECT_FALSE(CancelledError("x").retryable());
}

TEST(Status, ParsesApiserverNotFoundBody) {
  // The example body from k8s-semantics.md A4.
  Status s = Status::FromHttpResponse(
      404,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
          "message":"deployments.apps \"web\" not found","reason":"NotFound",
          "details":{"name":"web","group":"apps","kind":"deployments"},"code":404})");
  EXPECT_TRUE(IsNotFound(s));
  EXPECT_EQ(s.message(), "deployments.apps \"web\" not found");
  EXPECT_EQ(s.reason(), "NotFound");
  EXPECT_EQ(s.http_code(), 404);
  EXPECT_EQ(s.details().name, "web");
  EXPECT_EQ(s.details().group, "apps");
  EXPECT_EQ(s.details().kind, "deployments");
}

TEST(Status, ParsesInvalidWithCauses) {
  Status s = Status::FromHttpResponse(
      422, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid",
      "message":"Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1",
      "details":{"name":"web","group":"apps","kind":"Deployment","causes":[
        {"reason":"FieldValueInvalid","message":"Invalid value: -1","field":"spec.replicas"}]},
      "code":422})");
  EXPECT_TRUE(IsInvalid(s));
  ASSERT_EQ(s.details().causes.size(), 1u);
  EXPECT_EQ(s.details().causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(s.details().causes[0].field, "spec.replicas");
}

TEST(Status, ExpiredAndGoneBothMeanRelist) {
  EXPECT_TRUE(IsGone(Status::FromHttpResponse(
      410,
      R"json({"kind":"Status","reason":"Expired","message":"too old resource version: 1 (5)","code":410})json")));
  EXPECT_TRUE(IsGone(Status::FromHttpResponse(
      410, R"({"kind":"Status","reason":"Gone","message":"gone","code":410})")));
}

TEST(Status, TooManyRequestsCarriesRetryAfter) {
  Status s =
      Status::FromHttpResponse(429, R"({"kind":"Status","reason":"TooManyRequests","code":429,
      "message":"Too many requests, please try again later.",
      "details":{"retryAfterSeconds":3}})");
  EXPECT_TRUE(IsTooManyRequests(s));
  ASSERT_TRUE(s.retry_after().has_value());
  EXPECT_EQ(*s.retry_after(), std::chrono::seconds(3));
}

TEST(Status, ConflictReasonDistinguishesAlreadyExistsFromConflict) {
  EXPECT_TRUE(IsAlreadyExists(Status::FromHttpResponse(
      409, R"({"kind":"Status","reason":"AlreadyExists","code":409,"message":"x"})")));
  EXPECT_TRUE(IsConflict(Status::FromHttpResponse(
      409, R"({"kind":"Status","reason":"Conflict","code":409,"message":"x"})")));
}

TEST(Status, NonStatusBodyFallsBackToHttpCodeWithClientGoMessage) {
  Status s = Status::FromHttpResponse(404, "404 page not found");
  EXPECT_TRUE(IsNotFound(s));
  EXPECT_NE(s.message().find("the server could not find the requested resource"),
            std::string::npos);
  EXPECT_NE(s.message().find("404 page not found"), std::string::npos);

  EXPECT_EQ(Status::FromHttpResponse(503, "").code(), Code::kUnavailable);
  EXPECT_EQ(Status::FromHttpResponse(418, "").code(), Code::kBadRequest);
  EXPECT_EQ(Status::FromHttpResponse(502, "<html>").code(), Code::kInternal);
  EXPECT_EQ(Status::FromHttpResponse(401, "").code(), Code::kUnauthorized);
  EXPECT_EQ(Status::FromHttpResponse(415, "").code(), Code::kNotSupported);
}

TEST(Status, LongNonStatusBodyIsTruncatedInMessage) {
  Status s = Status::FromHttpResponse(500, std::string(10000, 'x'));
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_NE(s.message().find("..."), std::string::npos);
}

TEST(Status, ServerReasonWinsOverHttpCode) {
  // A 500 whose body says Timeout is a timeout, as client-go decides by reason.
  EXPECT_EQ(
      Status::FromHttpResponse(500, R"({"kind":"Status","reason":"Timeout","code":500})").code(),
      Code::kTimeout);
}

TEST(Status, MalformedFieldsInAStatusBodyDoNotThrow) {
  Status s = Status::FromHttpResponse(
      410, R"({"kind":"Status","reason":"Expired","code":"410","details":{"causes":[7]}})");
  EXPECT_TRUE(IsGone(s));
  EXPECT_EQ(s.http_code(), 410);
}

TEST(Status, SuccessStatusBodyIsOk) {
  EXPECT_TRUE(Status::FromHttpResponse(
                  200, R"({"kind":"Status","apiVersion":"v1","status":"Success","code":200})")
                  .ok());
}

TEST(Status, ToJsonRoundTripsThroughFromHttpResponse) {
  StatusDetails d;
  d.name = "web";
  d.group = "apps";
  d.kind = "deployments";
  d.retry_after_seconds = 2;
  d.causes.push_back({"FieldValueRequired", "Required value", "spec.template"});
  Status s = NotFoundError("deployments.apps \"web\" not found");
  s.set_details(d);
  auto j = nlohmann::json::parse(s.ToJson());
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["status"], "Failure");
  EXPECT_EQ(j["code"], 404);
  EXPECT_EQ(j["reason"], "NotFound");
  EXPECT_EQ(j["details"]["causes"][0]["reason"], "FieldValueRequired");
  EXPECT_EQ(Status::FromHttpResponse(404, s.ToJson()), s);
}

TEST(Status, AnnotatePrefixesContext) {
  Status s = NotFoundError("no such file");
  s.Annotate("reading kubeconfig /tmp/x");
  EXPECT_EQ(s.message(), "reading kubeconfig /tmp/x: no such file");
  EXPECT_EQ(s.ToString(), "NotFound: reading kubeconfig /tmp/x: no such file");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidError("odd: " + std::to_string(x));
  return x / 2;
}

Status HalfTwice(int x, int* out) {
  auto a = Half(x);
  KUBE_RETURN_IF_ERROR(a);
  auto b = Half(*a);
  KUBE_RETURN_IF_ERROR(b);
  *out = *b;
  return Status();
}

TEST(Result, HoldsValueOrError) {
  auto ok = Half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  EXPECT_TRUE(ok.status().ok());
  auto bad = Half(3);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(IsInvalid(bad.error()));
  EXPECT_EQ(bad.error().message(), "odd: 3");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, ReturnIfErrorPropagatesFirstFailure) {
  int out = 0;
  EXPECT_TRUE(HalfTwice(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = HalfTwice(6, &out);
  EXPECT_EQ(s.message(), "odd: 3");
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> bad = ConflictError("stale");
  EXPECT_FALSE(bad);
  EXPECT_TRUE(IsConflict(bad.error()));
}

}  // namespace
}  // namespace kube
