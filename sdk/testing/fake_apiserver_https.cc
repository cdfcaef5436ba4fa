#include "kubecpp/testing/fake_apiserver_https.h"

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <utility>

#include "kubecpp/core/internal/base64.h"
#include "kubecpp/core/json.h"
#include "kubecpp/http/server.h"
#include "kubecpp/testing/pki.h"

namespace kube::testing {
namespace {

std::string RandomToken() {
  std::random_device random;
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string token;
  for (int i = 0; i < 32; ++i) token += kChars[random() % 36];
  return token;
}

void Unauthorized(http::ResponseWriter& writer) {
  Status status =
      Status(Code::kUnauthorized, "Unauthorized").set_reason("Unauthorized").set_http_code(401);
  writer.Reply(401, "application/json", status.ToJson());
}

// Bodies of /fake/faults: {"verb":"list","resource":"pods","code":429,"times":2,
// "retryAfterSeconds":1} or {"action":"closeWatches","resource":"pods"} /
// {"action":"compact"} / {"action":"conflict","resource":"pods","namespace":"default",
// "name":"web"} / {"action":"latency","milliseconds":50}.
void ServeFaults(FakeApiServer& engine, const http::Request& request,
                 http::ResponseWriter& writer) {
  if (request.method != "POST") {
    writer.Reply(405, "text/plain", "POST a fault as JSON\n");
    return;
  }
  auto body = ParseJson(request.body);
  if (!body.ok() || !body->is_object()) {
    writer.Reply(400, "text/plain", "body must be a JSON object\n");
    return;
  }
  const Json& fault = *body;
  // Typed look-ups: a field of the wrong type is a 400, never an exception.
  bool bad_field = false;
  auto text = [&](const char* key, std::string fallback) {
    auto it = fault.find(key);
    if (it == fault.end()) return fallback;
    if (!it->is_string()) {
      bad_field = true;
      return fallback;
    }
    return it->get<std::string>();
  };
  auto number = [&](const char* key, int fallback) {
    auto it = fault.find(key);
    if (it == fault.end()) return fallback;
    if (!it->is_number_integer()) {
      bad_field = true;
      return fallback;
    }
    return it->get<int>();
  };
  std::string action = text("action", "fail");
  if (action == "fail") {
    FaultSpec spec;
    spec.verb = text("verb", "");
    spec.resource = text("resource", "");
    spec.http_code = number("code", 500);
    spec.times = number("times", 1);
    spec.retry_after_seconds = number("retryAfterSeconds", 0);
    if (!bad_field) engine.InjectFault(std::move(spec));
  } else if (action == "closeWatches") {
    std::string resource = text("resource", "");
    if (!bad_field) engine.CloseWatches(resource);
  } else if (action == "compact") {
    engine.CompactHistory();
  } else if (action == "conflict") {
    std::string resource = text("resource", "");
    std::string ns = text("namespace", "");
    std::string name = text("name", "");
    if (!bad_field) engine.ConflictOnNextUpdate(resource, ns, name);
  } else if (action == "latency") {
    int ms = number("milliseconds", 0);
    if (!bad_field) engine.SetLatency(std::chrono::milliseconds(ms));
  } else {
    writer.Reply(400, "text/plain", "unknown action " + action + "\n");
    return;
  }
  if (bad_field) {
    writer.Reply(400, "text/plain", "a fault field has the wrong JSON type\n");
    return;
  }
  writer.Reply(200, "text/plain", "ok\n");
}

}  // namespace

struct FakeApiServerHttps::State {
  FakeApiServerHttpsOptions options;
  KeyPair admin;
  std::unique_ptr<http::Server> server;
};

Result<std::unique_ptr<FakeApiServerHttps>> FakeApiServerHttps::Start(
    FakeApiServer& engine, FakeApiServerHttpsOptions options) {
  std::unique_ptr<FakeApiServerHttps> front(new FakeApiServerHttps());
  front->state_ = std::make_unique<State>();
  State& state = *front->state_;
  front->token_ = options.token.empty() ? RandomToken() : options.token;
  http::ServerOptions server_options;
  server_options.address = options.address;
  server_options.port = options.port;
  if (!options.plain_http) {
    auto ca = GenerateCa("kube-fake-apiserver-ca");
    if (!ca.ok()) return ca.status();
    CertificateRequest serving;
    serving.common_name = "kube-apiserver";
    serving.dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
    serving.ip_addresses = {"127.0.0.1", "::1"};
    if (options.address != "127.0.0.1" && options.address != "::1" &&
        options.address != "0.0.0.0" && !options.address.empty()) {
      serving.ip_addresses.push_back(options.address);
    }
    auto cert = IssueCertificate(*ca, serving);
    if (!cert.ok()) return cert.status();
    CertificateRequest admin;
    admin.common_name = "admin";
    admin.organizations = {"system:masters"};
    admin.server = false;
    auto admin_cert = IssueCertificate(*ca, admin);
    if (!admin_cert.ok()) return admin_cert.status();
    front->ca_pem_ = ca->cert_pem;
    state.admin = *admin_cert;
    server_options.tls = true;
    server_options.tls_options.cert_pem = cert->cert_pem;
    server_options.tls_options.key_pem = cert->key_pem;
    server_options.tls_options.client_ca_pem = ca->cert_pem;
  }
  state.options = options;
  http::Handler engine_handler = engine.handler();
  const bool authenticate = !options.plain_http;
  const std::string token = front->token_;
  const bool faults = options.enable_fault_api;
  FakeApiServer* engine_ptr = &engine;
  auto handler = [engine_handler, authenticate, token, faults, engine_ptr](
                     const http::Request& request, http::ResponseWriter& writer) {
    if (authenticate && request.client_common_name.empty()) {
      std::string_view auth = request.Header("Authorization");
      if (auth != "Bearer " + token) {
        Unauthorized(writer);
        return;
      }
    }
    if (faults && request.path == "/fake/faults") {
      ServeFaults(*engine_ptr, request, writer);
      return;
    }
    engine_handler(request, writer);
  };
  auto server = http::Server::Start(std::move(server_options), std::move(handler));
  if (!server.ok()) return server.status();
  state.server = std::move(*server);
  return front;
}

FakeApiServerHttps::~FakeApiServerHttps() { Stop(); }

std::string FakeApiServerHttps::url() const { return state_->server->url(); }
uint16_t FakeApiServerHttps::port() const { return state_->server->port(); }

std::string FakeApiServerHttps::Kubeconfig() const {
  Json cluster = {{"server", url()}};
  if (!ca_pem_.empty())
    cluster["certificate-authority-data"] = kube::internal::Base64Encode(ca_pem_);
  Json admin = Json::object();
  if (!state_->admin.cert_pem.empty()) {
    admin["client-certificate-data"] = kube::internal::Base64Encode(state_->admin.cert_pem);
    admin["client-key-data"] = kube::internal::Base64Encode(state_->admin.key_pem);
  } else {
    admin["token"] = token_;
  }
  Json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", "fake"}, {"cluster", cluster}}}},
      {"users",
       {{{"name", "admin"}, {"user", admin}},
        {{"name", "token-user"}, {"user", {{"token", token_}}}}}},
      {"contexts",
       {{{"name", "fake"},
         {"context", {{"cluster", "fake"}, {"user", "admin"}, {"namespace", "default"}}}},
        {{"name", "fake-token"},
         {"context", {{"cluster", "fake"}, {"user", "token-user"}, {"namespace", "default"}}}}}},
      {"current-context", "fake"},
      {"preferences", Json::object()}};
  return config.dump(2) + "\n";
}

Status FakeApiServerHttps::WriteKubeconfig(const std::string& path) const {
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return UnavailableError("cannot write kubeconfig " + path);
    out << Kubeconfig();
    if (!out) return UnavailableError("cannot write kubeconfig " + path);
  }
  ::chmod(path.c_str(), 0600);
  return Status();
}

void FakeApiServerHttps::Stop() {
  if (state_ && state_->server) state_->server->Stop();
}

}  // namespace kube::testing
