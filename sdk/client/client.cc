#include "kubecpp/client/client.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "kubecpp/client/options.h"
#include "kubecpp/core/json.h"
#include "kubecpp/core/version.h"
#include "kubecpp/transport/cpprest/cpprest_transport.h"

namespace kube::client {
namespace {

constexpr int kMaxAttempts = 10;  // client-go retries Retry-After responses 10 times
constexpr auto kInitialBackoff = std::chrono::milliseconds(200);
constexpr auto kMaxBackoff = std::chrono::seconds(10);

std::string ProgramName() {
  // /proc/self/comm holds the executable's name (up to 15 characters).
  std::string name;
  if (FILE* f = std::fopen("/proc/self/comm", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof(buf), f) != nullptr) name = buf;
    std::fclose(f);
  }
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  return name;
}

bool IsIdempotent(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Seconds from a Retry-After header (delta-seconds form), or -1.
int RetryAfterSeconds(const transport::Headers& headers) {
  std::string_view v = transport::FindHeader(headers, "Retry-After");
  if (v.empty()) return -1;
  int seconds = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    seconds = std::min(seconds * 10 + (c - '0'), 3600);
  }
  return seconds;
}

}  // namespace

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    // ASCII ranges, not std::isalnum: the result must not depend on the locale.
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {
void AddParam(std::string* query, std::string_view name, std::string_view value) {
  *query += query->empty() ? '?' : '&';
  *query += name;
  *query += '=';
  *query += QueryEscape(value);
}
}  // namespace

std::string ListQuery(const ListOptions& o, bool watch) {
  std::string q;
  if (watch) AddParam(&q, "watch", "true");
  if (!o.label_selector.empty()) AddParam(&q, "labelSelector", o.label_selector);
  if (!o.field_selector.empty()) AddParam(&q, "fieldSelector", o.field_selector);
  if (!watch && o.limit > 0) AddParam(&q, "limit", std::to_string(o.limit));
  if (!watch && !o.continue_.empty()) AddParam(&q, "continue", o.continue_);
  if (!o.resource_version.empty()) AddParam(&q, "resourceVersion", o.resource_version);
  if (!o.resource_version_match.empty()) {
    AddParam(&q, "resourceVersionMatch", o.resource_version_match);
  } else if (watch && o.send_initial_events) {
    // The apiserver requires NotOlderThan with sendInitialEvents (422 otherwise).
    AddParam(&q, "resourceVersionMatch", "NotOlderThan");
  }
  if (o.timeout_seconds) AddParam(&q, "timeoutSeconds", std::to_string(*o.timeout_seconds));
  if (watch && o.allow_watch_bookmarks) AddParam(&q, "allowWatchBookmarks", "true");
  if (watch && o.send_initial_events) AddParam(&q, "sendInitialEvents", "true");
  return q;
}

std::string WriteQuery(const WriteOptions& o, bool force) {
  std::string q;
  if (o.dry_run) AddParam(&q, "dryRun", "All");
  if (!o.field_manager.empty()) AddParam(&q, "fieldManager", o.field_manager);
  if (!o.field_validation.empty()) AddParam(&q, "fieldValidation", o.field_validation);
  if (force) AddParam(&q, "force", "true");
  return q;
}

std::string DeleteBody(const DeleteOptions& o) {
  Json j = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  switch (o.propagation_policy) {
    case PropagationPolicy::kDefault:
      break;
    case PropagationPolicy::kOrphan:
      j["propagationPolicy"] = "Orphan";
      break;
    case PropagationPolicy::kBackground:
      j["propagationPolicy"] = "Background";
      break;
    case PropagationPolicy::kForeground:
      j["propagationPolicy"] = "Foreground";
      break;
  }
  if (o.grace_period_seconds) j["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (!o.precondition_uid.empty()) j["preconditions"]["uid"] = o.precondition_uid;
  if (!o.precondition_resource_version.empty()) {
    j["preconditions"]["resourceVersion"] = o.precondition_resource_version;
  }
  if (o.dry_run) j["dryRun"] = Json::array({"All"});
  return j.dump();
}

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/json";
}

Result<std::unique_ptr<Client>> Client::Create(const Config& config) {
  transport::CpprestOptions options;
  options.server = config.server;
  options.tls = config.tls;
  options.proxy_url = config.proxy_url;
  options.default_timeout = config.timeout;
  auto transport = transport::NewCpprestTransport(std::move(options));
  if (!transport) {
    return std::move(transport).error().Annotate("connecting to " + config.server);
  }
  return std::make_unique<Client>(config, std::move(*transport), NewAuthenticator(config));
}

namespace {
// "https://10.0.0.1:6443/prefix" -> "10.0.0.1:6443".
std::string HostOf(std::string_view url) {
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  return std::string(url.substr(0, url.find('/')));
}
}  // namespace

Client::Client(Config config, std::unique_ptr<transport::Transport> transport,
               std::unique_ptr<Authenticator> auth, Clock& clock)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      auth_(std::move(auth)),
      clock_(clock),
      user_agent_(config_.user_agent.empty() ? DefaultUserAgent(ProgramName())
                                             : config_.user_agent),
      host_(HostOf(config_.server)) {
  if (config_.qps > 0) {
    limiter_ = std::make_unique<TokenBucket>(config_.qps, std::max(1, config_.burst), clock_);
  }
}

Result<transport::Headers> Client::BaseHeaders(std::string_view accept) {
  transport::Headers headers = {{"User-Agent", user_agent_}, {"Accept", std::string(accept)}};
  if (auth_) {
    auto header = auth_->Header();
    if (!header) return std::move(header).error();
    if (!header->empty()) headers.emplace_back("Authorization", std::move(*header));
  }
  return headers;
}

Result<std::string> Client::Call(std::string_view method, std::string target, std::string body,
                                 std::string_view content_type, std::stop_token stop) {
  return CallAccepting("application/json", method, std::move(target), std::move(body), content_type,
                       stop);
}

Result<std::string> Client::CallAccepting(std::string_view accept, std::string_view method,
                                          std::string target, std::string body,
                                          std::string_view content_type, std::stop_token stop) {
  transport::Request request;
  request.method = std::string(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.timeout = config_.timeout;
  bool reauthenticated = false;
  Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (limiter_) KUBE_RETURN_IF_ERROR(limiter_->Wait(stop));
    auto headers = BaseHeaders(accept);
    if (!headers) return std::move(headers).error();
    request.headers = std::move(*headers);
    if (!request.body.empty()) request.headers.emplace_back("Content-Type", content_type);

    const auto sent = std::chrono::steady_clock::now();
    auto response = transport_->Send(request, stop);
    if (auto observer = observer_.load()) {
      (*observer)(request.method, host_, response ? response->status_code : 0,
                  std::chrono::steady_clock::now() - sent);
    }
    auto backoff = std::min<std::chrono::milliseconds>(
        kInitialBackoff * (1 << std::min(attempt, 6)), kMaxBackoff);
    if (!response) {
      last = std::move(response).error();
      // A timeout is not retried (client-go does not): a slow apiserver would get the
      // same expensive request again and again.
      bool transient =
          last.code() == Code::kUnavailable && last.reason() != transport::kTlsHandshakeFailed;
      if (!transient || !IsIdempotent(method)) return last;
    } else if (response->status_code >= 200 && response->status_code < 300) {
      return std::move(response->body);
    } else {
      last = Status::FromHttpResponse(response->status_code, response->body);
      int retry_after = RetryAfterSeconds(response->headers);
      if (retry_after >= 0 && last.details().retry_after_seconds == 0) {
        StatusDetails details = last.details();
        details.retry_after_seconds = retry_after;
        last.set_details(std::move(details));
      }
      int code = response->status_code;
      if (code == 401 && auth_ && !reauthenticated &&
          auth_->Invalidate(transport::FindHeader(request.headers, "Authorization"))) {
        reauthenticated = true;  // e.g. an expired exec-plugin token: fetch a fresh one
        continue;
      }
      bool retry = code == 429 || (code >= 500 && (retry_after >= 0 || IsIdempotent(method)));
      if (!retry) return last;
      if (retry_after >= 0) backoff = std::chrono::seconds(std::max(retry_after, 1));
    }
    if (attempt + 1 < kMaxAttempts && !clock_.SleepFor(backoff, stop)) {
      return CancelledError("request cancelled while backing off");
    }
  }
  return last.Annotate("giving up after " + std::to_string(kMaxAttempts) + " attempts");
}

void Client::SetRequestObserver(RequestObserver observer) {
  observer_.store(observer ? std::make_shared<const RequestObserver>(std::move(observer))
                           : nullptr);
}

Status Client::Stream(std::string target, const transport::ChunkHandler& on_chunk,
                      std::chrono::milliseconds idle_timeout, std::stop_token stop) {
  if (limiter_) KUBE_RETURN_IF_ERROR(limiter_->Wait(stop));
  transport::Request request;
  request.target = std::move(target);
  request.timeout = idle_timeout;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto headers = BaseHeaders();
    if (!headers) return std::move(headers).error();
    request.headers = std::move(*headers);
    auto response = transport_->Stream(request, on_chunk, stop);
    if (!response) return std::move(response).error();
    int code = response->status_code;
    if (code >= 200 && code < 300) return Status();
    if (code == 401 && auth_ && attempt == 0 &&
        auth_->Invalidate(transport::FindHeader(request.headers, "Authorization"))) {
      continue;
    }
    return Status::FromHttpResponse(code, response->body);
  }
  return Status(Code::kUnauthorized, "Unauthorized");
}

}  // namespace kube::client
