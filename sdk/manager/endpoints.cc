#include "kubecpp/manager/endpoints.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <exception>
#include <set>
#include <utility>

#include "kubecpp/http/server.h"

namespace kube::manager {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kNotFoundBody = "404 page not found\n";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes a query component as Go's url.QueryUnescape does ('+' is a space); a
// malformed escape is kept as it is.
std::string QueryUnescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// The query's parameters in order: key and value, decoded.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    params.emplace_back(
        QueryUnescape(part.substr(0, eq)),
        eq == std::string_view::npos ? std::string() : QueryUnescape(part.substr(eq + 1)));
  }
  return params;
}

// Go's %q for plain names.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Runs one check; an exception is a failure.
Status RunCheck(const HealthCheck& check) {
  try {
    return check();
  } catch (const std::exception& e) {
    return InternalError(std::string("health check threw: ") + e.what());
  } catch (...) {
    return InternalError("health check threw");
  }
}

std::string FailureText(const Status& status) {
  if (!status.message().empty()) return status.message();
  return std::string(CodeName(status.code()));
}

struct BindAddress {
  bool disabled = false;
  std::string host;  // IP literal for http::ServerOptions
  uint16_t port = 0;
};

Result<BindAddress> ParseBindAddress(std::string_view address) {
  BindAddress out;
  if (address.empty() || address == "0") {
    out.disabled = true;
    return out;
  }
  const auto bad = [&](std::string_view why) {
    return InvalidError("bind address \"" + std::string(address) + "\": " + std::string(why));
  };
  std::string_view host;
  std::string_view port;
  if (address.front() == '[') {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return bad("missing ']' in address");
    host = address.substr(1, close - 1);
    if (close + 1 >= address.size() || address[close + 1] != ':') {
      return bad("missing port in address");
    }
    port = address.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return bad("brackets need an IPv6 address");
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port in address");
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("too many colons in address");
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  out.port = static_cast<uint16_t>(value);
  if (host.empty()) {
    out.host = "0.0.0.0";
  } else if (host == "localhost") {
    out.host = "127.0.0.1";
  } else if (host.find(':') != std::string_view::npos) {
    for (char c : host) {
      if (HexValue(c) < 0 && c != ':' && c != '.') return bad("invalid IPv6 address");
    }
    out.host = std::string(host);
  } else {
    // An IPv4 literal: four decimal octets.
    int parts = 0;
    std::string_view rest = host;
    while (true) {
      const size_t dot = rest.find('.');
      std::string_view octet = rest.substr(0, dot);
      unsigned n = 0;
      const auto r = std::from_chars(octet.data(), octet.data() + octet.size(), n);
      if (octet.empty() || octet.size() > 3 || r.ec != std::errc() ||
          r.ptr != octet.data() + octet.size() || n > 255) {
        return bad("host must be an IP address, \"localhost\" or empty");
      }
      ++parts;
      if (dot == std::string_view::npos) break;
      rest = rest.substr(dot + 1);
    }
    if (parts != 4) return bad("host must be an IP address, \"localhost\" or empty");
    out.host = std::string(host);
  }
  return out;
}

// Whether `path` is `prefix` or under it; sets `subpath` to the rest ("" or "/...").
bool Below(std::string_view path, std::string_view prefix, std::string_view* subpath) {
  if (!path.starts_with(prefix)) return false;
  std::string_view rest = path.substr(prefix.size());
  if (!rest.empty() && rest.front() != '/') return false;
  *subpath = rest;
  return true;
}

}  // namespace

Status Ping() { return Status(); }

// ---- HealthChecks ------------------------------------------------------------------

Status HealthChecks::AddCheck(std::string name, HealthCheck check) {
  assert(check && "AddCheck needs a callable check");
  if (name.empty() || name.find('/') != std::string::npos) {
    return InvalidError("health check name \"" + name + "\" must be non-empty and without '/'");
  }
  if (!check) return InvalidError("health check \"" + name + "\" has no function");
  std::lock_guard lock(mu_);
  if (checks_.contains(name)) {
    return AlreadyExistsError("health check with name \"" + name + "\" already exists");
  }
  checks_.emplace(std::move(name), std::make_shared<const HealthCheck>(std::move(check)));
  return Status();
}

std::vector<std::string> HealthChecks::Names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  names.reserve(checks_.size());
  for (const auto& [name, check] : checks_) names.push_back(name);
  return names;
}

HealthChecks::Response HealthChecks::Serve(std::string_view subpath, std::string_view query) const {
  std::map<std::string, std::shared_ptr<const HealthCheck>, std::less<>> checks;
  {
    std::lock_guard lock(mu_);
    checks = checks_;
  }
  // One layer of sub-paths; trailing slashes are dropped as path.Clean does.
  while (!subpath.empty() && subpath.back() == '/') subpath.remove_suffix(1);
  if (!subpath.empty()) {
    const std::string_view name = subpath.substr(1);
    if (checks.empty() && name == "ping") return {200, "ok"};
    auto it = checks.find(name);
    if (it == checks.end()) return {404, std::string(kNotFoundBody)};
    const Status status = RunCheck(*it->second);
    if (status.ok()) return {200, "ok"};
    return {500, "internal server error: " + FailureText(status) + "\n"};
  }

  bool verbose = false;
  std::set<std::string> excluded;
  for (auto& [key, value] : ParseQuery(query)) {
    if (key == "verbose") verbose = true;
    if (key == "exclude") excluded.insert(std::move(value));
  }

  bool failed = false;
  std::string lines;
  for (const auto& [name, check] : checks) {
    if (auto ex = excluded.find(name); ex != excluded.end()) {
      excluded.erase(ex);
      lines += "[+]" + name + " excluded: ok\n";
      continue;
    }
    if (RunCheck(*check).ok()) {
      lines += "[+]" + name + " ok\n";
    } else {
      // The reason stays off this public endpoint; /<endpoint>/<name> shows it.
      lines += "[-]" + name + " failed: reason withheld\n";
      failed = true;
    }
  }
  if (checks.empty()) lines += "[+]ping ok\n";
  if (!failed && !verbose) return {200, "ok"};
  if (!excluded.empty()) {
    lines += "warn: some health checks cannot be excluded: no matches for ";
    bool first = true;
    for (const std::string& name : excluded) {
      if (!first) lines += ',';
      first = false;
      lines += Quote(name);
    }
    lines += '\n';
  }
  lines += failed ? "healthz check failed\n" : "healthz check passed\n";
  return {failed ? 500 : 200, std::move(lines)};
}

// ---- EndpointsServer ---------------------------------------------------------------

Status ValidateBindAddress(std::string_view bind_address) {
  return ParseBindAddress(bind_address).status();
}

EndpointsServer::EndpointsServer(Handlers handlers) : handlers_(handlers) {}

EndpointsServer::~EndpointsServer() { Stop(); }

Status EndpointsServer::Start(std::string_view bind_address) {
  auto address = ParseBindAddress(bind_address);
  if (!address) return address.error();
  if (address->disabled) return Status();
  std::lock_guard lock(mu_);
  if (server_ != nullptr) return InvalidError("endpoints server is already serving");

  const Handlers handlers = handlers_;
  http::Handler handler = [handlers](const http::Request& request, http::ResponseWriter& writer) {
    const http::Headers nosniff = {{"X-Content-Type-Options", "nosniff"}};
    std::string_view subpath;
    if (handlers.metrics != nullptr && request.path == "/metrics") {
      writer.Reply(200, kMetricsContentType, handlers.metrics->Expose());
      return;
    }
    for (const auto& [prefix, checks] : {std::pair{std::string_view("/healthz"), handlers.healthz},
                                         std::pair{std::string_view("/readyz"), handlers.readyz}}) {
      if (checks != nullptr && Below(request.path, prefix, &subpath)) {
        const HealthChecks::Response response = checks->Serve(subpath, request.query);
        writer.Reply(response.status_code, kTextPlain, response.body, nosniff);
        return;
      }
    }
    writer.Reply(404, kTextPlain, kNotFoundBody, nosniff);
  };

  http::ServerOptions options;
  options.address = address->host;
  options.port = address->port;
  auto server = http::Server::Start(std::move(options), std::move(handler));
  if (!server) {
    Status error = server.error();
    if (error.code() == Code::kBadRequest) {
      return InvalidError("bind address \"" + std::string(bind_address) + "\": " + error.message());
    }
    return error;
  }
  server_ = std::move(*server);
  return Status();
}

bool EndpointsServer::serving() const {
  std::lock_guard lock(mu_);
  return server_ != nullptr;
}

uint16_t EndpointsServer::port() const {
  std::lock_guard lock(mu_);
  return server_ != nullptr ? server_->port() : 0;
}

std::string EndpointsServer::url() const {
  std::lock_guard lock(mu_);
  return server_ != nullptr ? server_->url() : std::string();
}

void EndpointsServer::Stop() {
  std::unique_ptr<http::Server> server;
  {
    std::lock_guard lock(mu_);
    server = std::move(server_);
  }
  if (server != nullptr) server->Stop();
}

}  // namespace kube::manager
