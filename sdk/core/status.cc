#include "kubecpp/core/status.h"

#include <cassert>
#include <nlohmann/json.hpp>
#include <utility>

namespace kube {
namespace {

struct CodeInfo {
  std::string_view name;
  std::string_view reason;  // the reason the apiserver uses for this code
  int http_code;
};

CodeInfo Info(Code code) {
  switch (code) {
    case Code::kOk:
      return {"Ok", "", 200};
    case Code::kBadRequest:
      return {"BadRequest", "BadRequest", 400};
    case Code::kUnauthorized:
      return {"Unauthorized", "Unauthorized", 401};
    case Code::kForbidden:
      return {"Forbidden", "Forbidden", 403};
    case Code::kNotFound:
      return {"NotFound", "NotFound", 404};
    case Code::kAlreadyExists:
      return {"AlreadyExists", "AlreadyExists", 409};
    case Code::kConflict:
      return {"Conflict", "Conflict", 409};
    case Code::kGone:
      return {"Gone", "Expired", 410};
    case Code::kInvalid:
      return {"Invalid", "Invalid", 422};
    case Code::kNotSupported:
      return {"NotSupported", "MethodNotAllowed", 405};
    case Code::kTooManyRequests:
      return {"TooManyRequests", "TooManyRequests", 429};
    case Code::kTimeout:
      return {"Timeout", "Timeout", 504};
    case Code::kUnavailable:
      return {"Unavailable", "ServiceUnavailable", 503};
    case Code::kCancelled:
      return {"Cancelled", "Cancelled", 0};
    case Code::kInternal:
      return {"Internal", "InternalError", 500};
  }
  return {"Unknown", "", 500};
}

// The messages client-go uses when an error response carries no Status body.
std::string_view GenericMessage(int http_code) {
  switch (http_code) {
    case 400:
      return "the server rejected our request for an unknown reason";
    case 401:
      return "the server has asked for the client to provide credentials";
    case 403:
      return "the server does not allow access to the requested resource";
    case 404:
      return "the server could not find the requested resource";
    case 405:
      return "the server does not allow this method on the requested resource";
    case 406:
      return "the server was unable to respond with a content type that the client supports";
    case 409:
      return "the server reported a conflict";
    case 410:
      return "the server could not find the requested resource (gone)";
    case 415:
      return "the server was unable to respond with a content type that the client supports";
    case 422:
      return "the server rejected our request due to an error in our request";
    case 429:
      return "the server has received too many requests and has asked us to try again later";
    case 500:
      return "an error on the server has prevented the request from succeeding";
    case 503:
      return "the server is currently unable to handle the request";
    case 504:
      return "the server was unable to return a response in the time allotted, but may still be "
             "processing the request";
    default:
      return "an error on the server has prevented the request from succeeding";
  }
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view CodeName(Code code) { return Info(code).name; }

Status::Status(Code code, std::string message)
    : code_(code),
      http_code_(Info(code).http_code),
      reason_(Info(code).reason),
      message_(std::move(message)) {
  assert(code != Code::kOk && "use Status() for success");
}

bool Status::retryable() const {
  switch (code_) {
    case Code::kConflict:
    case Code::kGone:
    case Code::kTooManyRequests:
    case Code::kTimeout:
    case Code::kUnavailable:
    case Code::kInternal:
      return true;
    default:
      return false;
  }
}

std::optional<std::chrono::seconds> Status::retry_after() const {
  if (details_.retry_after_seconds <= 0) return std::nullopt;
  return std::chrono::seconds(details_.retry_after_seconds);
}

Status& Status::set_reason(std::string reason) {
  reason_ = std::move(reason);
  return *this;
}
Status& Status::set_http_code(int http_code) {
  http_code_ = http_code;
  return *this;
}
Status& Status::set_details(StatusDetails details) {
  details_ = std::move(details);
  return *this;
}
Status& Status::Annotate(std::string_view context) {
  if (!ok()) message_ = std::string(context) + ": " + message_;
  return *this;
}

std::string Status::ToJson() const {
  nlohmann::json j = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", nlohmann::json::object()},
                      {"status", ok() ? "Success" : "Failure"},
                      {"code", http_code_}};
  if (!message_.empty()) j["message"] = message_;
  if (!reason_.empty()) j["reason"] = reason_;
  nlohmann::json d = nlohmann::json::object();
  if (!details_.name.empty()) d["name"] = details_.name;
  if (!details_.group.empty()) d["group"] = details_.group;
  if (!details_.kind.empty()) d["kind"] = details_.kind;
  if (!details_.uid.empty()) d["uid"] = details_.uid;
  if (details_.retry_after_seconds > 0) d["retryAfterSeconds"] = details_.retry_after_seconds;
  for (const auto& c : details_.causes) {
    nlohmann::json cj = nlohmann::json::object();
    if (!c.reason.empty()) cj["reason"] = c.reason;
    if (!c.message.empty()) cj["message"] = c.message;
    if (!c.field.empty()) cj["field"] = c.field;
    d["causes"].push_back(std::move(cj));
  }
  if (!d.empty()) j["details"] = std::move(d);
  return j.dump();
}

Code Status::CodeFromHttp(int http_code, std::string_view reason) {
  static constexpr std::pair<std::string_view, Code> kReasons[] = {
      {"BadRequest", Code::kBadRequest},
      {"RequestEntityTooLarge", Code::kBadRequest},
      {"Unauthorized", Code::kUnauthorized},
      {"Forbidden", Code::kForbidden},
      {"NotFound", Code::kNotFound},
      {"AlreadyExists", Code::kAlreadyExists},
      {"Conflict", Code::kConflict},
      {"Gone", Code::kGone},
      {"Expired", Code::kGone},
      {"Invalid", Code::kInvalid},
      {"MethodNotAllowed", Code::kNotSupported},
      {"NotAcceptable", Code::kNotSupported},
      {"UnsupportedMediaType", Code::kNotSupported},
      {"TooManyRequests", Code::kTooManyRequests},
      {"Timeout", Code::kTimeout},
      {"ServerTimeout", Code::kTimeout},
      {"ServiceUnavailable", Code::kUnavailable},
      {"InternalError", Code::kInternal},
  };
  for (const auto& [name, code] : kReasons) {
    if (reason == name) return code;
  }
  switch (http_code) {
    case 401:
      return Code::kUnauthorized;
    case 403:
      return Code::kForbidden;
    case 404:
      return Code::kNotFound;
    case 405:
    case 406:
    case 415:
      return Code::kNotSupported;
    case 409:
      return Code::kConflict;
    case 410:
      return Code::kGone;
    case 422:
      return Code::kInvalid;
    case 429:
      return Code::kTooManyRequests;
    case 503:
      return Code::kUnavailable;
    case 504:
      return Code::kTimeout;
    default:
      break;
  }
  if (http_code >= 200 && http_code < 300) return Code::kOk;
  if (http_code >= 400 && http_code < 500) return Code::kBadRequest;
  return Code::kInternal;
}

Status Status::FromHttpResponse(int http_code, std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && StringField(j, "kind") == "Status") {
    std::string reason = StringField(j, "reason");
    int code = http_code;
    if (auto c = j.find("code"); c != j.end() && c->is_number_integer() && c->get<int>() != 0) {
      code = c->get<int>();
    }
    Code c = CodeFromHttp(code, reason);
    if (c == Code::kOk) return Status();
    std::string message = StringField(j, "message");
    if (message.empty()) message = std::string(GenericMessage(code));
    Status s(c, std::move(message));
    s.set_http_code(code).set_reason(reason.empty() ? std::string(Info(c).reason) : reason);
    if (auto d = j.find("details"); d != j.end() && d->is_object()) {
      StatusDetails details;
      details.name = StringField(*d, "name");
      details.group = StringField(*d, "group");
      details.kind = StringField(*d, "kind");
      details.uid = StringField(*d, "uid");
      if (auto r = d->find("retryAfterSeconds"); r != d->end() && r->is_number_integer()) {
        details.retry_after_seconds = r->get<int>();
      }
      if (auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
        for (const auto& cj : *causes) {
          if (!cj.is_object()) continue;
          details.causes.push_back(
              {StringField(cj, "reason"), StringField(cj, "message"), StringField(cj, "field")});
        }
      }
      s.set_details(std::move(details));
    }
    return s;
  }
  Code c = CodeFromHttp(http_code, "");
  if (c == Code::kOk) return Status();
  std::string message(GenericMessage(http_code));
  if (!body.empty()) {
    constexpr size_t kMaxBody = 256;
    message += " (body: ";
    message += body.substr(0, kMaxBody);
    if (body.size() > kMaxBody) message += "...";
    message += ")";
  }
  Status s(c, std::move(message));
  s.set_http_code(http_code);
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(reason_.empty() ? CodeName(code_) : std::string_view(reason_));
  out += ": ";
  out += message_;
  return out;
}

std::ostream& operator<<(std::ostream& os, const Status& status) { return os << status.ToString(); }

Status BadRequestError(std::string m) { return Status(Code::kBadRequest, std::move(m)); }
Status NotFoundError(std::string m) { return Status(Code::kNotFound, std::move(m)); }
Status AlreadyExistsError(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
Status ConflictError(std::string m) { return Status(Code::kConflict, std::move(m)); }
Status GoneError(std::string m) { return Status(Code::kGone, std::move(m)); }
Status InvalidError(std::string m) { return Status(Code::kInvalid, std::move(m)); }
Status InternalError(std::string m) { return Status(Code::kInternal, std::move(m)); }
Status TimeoutError(std::string m) { return Status(Code::kTimeout, std::move(m)); }
Status UnavailableError(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
Status CancelledError(std::string m) { return Status(Code::kCancelled, std::move(m)); }

}  // namespace kube
