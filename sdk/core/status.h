// Status: the outcome of an operation, shaped after the Kubernetes `Status` object.
//
// Every public kubecpp API reports failure as a Status (usually inside a Result<T>)
// instead of throwing. A Status carries a small fixed Code that says what the caller
// should do, the apiserver's `reason` string and HTTP code when it came from a server,
// and a human-readable message that names the offending input.
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_STATUS_H_
#define KUBECPP_CORE_STATUS_H_

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kube {

// What went wrong, at the granularity a caller acts on. Each comment says what a
// reconciler should do about it.
enum class Code {
  kOk = 0,
  // Malformed input: bad JSON/YAML, unparsable selector, name mismatch (HTTP 400).
  // Fix the request; retrying the same request fails the same way.
  kBadRequest,
  // Credentials missing or rejected (401). Refresh credentials, then retry.
  kUnauthorized,
  // Authenticated but not allowed, or the namespace is terminating (403). Give up.
  kForbidden,
  // The object or resource does not exist (404). Usually the desired end state of a
  // delete; for a get, the object is gone and the reconciler should stop.
  kNotFound,
  // A create found the name taken (409 AlreadyExists). Get and adopt, or give up.
  kAlreadyExists,
  // Optimistic-concurrency failure (409 Conflict). Re-read the object and retry.
  kConflict,
  // The resourceVersion or continue token is too old (410 Expired/Gone). Relist.
  kGone,
  // The object failed validation (422 Invalid). Terminal until the spec changes.
  kInvalid,
  // The server does not support this method or media type (405/406/415). Give up.
  kNotSupported,
  // Throttled (429). Retry after Status::retry_after().
  kTooManyRequests,
  // The server or the call timed out (504, or a client-side deadline). Retry with
  // backoff.
  kTimeout,
  // The server could not be reached or is unavailable (503, connection errors).
  // Retry with backoff.
  kUnavailable,
  // The caller cancelled the operation (stop_token). Do not retry.
  kCancelled,
  // A bug in the server or in kubecpp (500). Retry with backoff, and report it.
  kInternal,
};

// "Ok", "NotFound", ... for logs.
std::string_view CodeName(Code code);

// One entry of the apiserver's `details.causes`: `reason` is the cause type
// (FieldValueInvalid, ...), `field` the dotted path (spec.replicas).
struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
  friend bool operator==(const StatusCause&, const StatusCause&) = default;
};

// The apiserver's `details`: which object the error is about.
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // the resource (plural) for most reasons, the Kind for Invalid
  std::string uid;
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;
  friend bool operator==(const StatusDetails&, const StatusDetails&) = default;
};

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  // REQUIRES: code != Code::kOk (use Status() for success).
  Status(Code code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The Kubernetes reason ("NotFound", "Expired", ...). Defaults to the reason the
  // apiserver uses for code(); set explicitly when it came from a server.
  const std::string& reason() const { return reason_; }
  // HTTP status code: the server's, or the one the apiserver uses for code().
  int http_code() const { return http_code_; }
  const StatusDetails& details() const { return details_; }

  // True when the same call may succeed later without any change to the request:
  // kConflict (after re-reading), kTooManyRequests, kTimeout, kUnavailable,
  // kInternal, kGone (after relisting). False for everything else.
  bool retryable() const;
  // How long the server asked us to wait (Retry-After / details.retryAfterSeconds).
  std::optional<std::chrono::seconds> retry_after() const;

  Status& set_reason(std::string reason);
  Status& set_http_code(int http_code);
  Status& set_details(StatusDetails details);
  // Prefixes the message with context, e.g. "reading kubeconfig /x: <message>".
  Status& Annotate(std::string_view context);

  // The apiserver's `Status` JSON object (kind Status, apiVersion v1).
  std::string ToJson() const;
  // Builds a Status from an HTTP error response: parses the body when it is a
  // Kubernetes Status object, otherwise derives code and reason from the HTTP code
  // (as client-go does) and keeps a short prefix of the body as the message.
  static Status FromHttpResponse(int http_code, std::string_view body);
  // The Code the apiserver means by an HTTP code and an optional reason.
  static Code CodeFromHttp(int http_code, std::string_view reason);

  std::string ToString() const;  // "NotFound: pods \"a\" not found"
  friend bool operator==(const Status&, const Status&) = default;

 private:
  Code code_ = Code::kOk;
  int http_code_ = 200;
  std::string reason_;
  std::string message_;
  StatusDetails details_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

// Constructors for the common cases; messages should name the offending input.
Status BadRequestError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status ConflictError(std::string message);
Status GoneError(std::string message);
Status InvalidError(std::string message);
Status InternalError(std::string message);
Status TimeoutError(std::string message);
Status UnavailableError(std::string message);
Status CancelledError(std::string message);

inline bool IsNotFound(const Status& s) { return s.code() == Code::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == Code::kAlreadyExists; }
inline bool IsConflict(const Status& s) { return s.code() == Code::kConflict; }
inline bool IsGone(const Status& s) { return s.code() == Code::kGone; }
inline bool IsInvalid(const Status& s) { return s.code() == Code::kInvalid; }
inline bool IsTooManyRequests(const Status& s) { return s.code() == Code::kTooManyRequests; }

}  // namespace kube

#endif  // KUBECPP_CORE_STATUS_H_
