#include "controllers/controller_manager/flags.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "kubecpp/core/status.h"
#include "kubecpp/core/time.h"

namespace kube::controllers {
namespace {

Status FlagError(std::string_view flag, std::string_view value, std::string_view why) {
  return InvalidError("invalid value \"" + std::string(value) + "\" for flag --" +
                      std::string(flag) + ": " + std::string(why));
}

Result<int> ParseInt(std::string_view flag, std::string_view value, int min) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return FlagError(flag, value, "not an integer");
  }
  if (n < min) return FlagError(flag, value, "must be at least " + std::to_string(min));
  return n;
}

Result<bool> ParseBool(std::string_view flag, std::string_view value) {
  if (value == "true" || value == "1" || value == "t" || value == "True") return true;
  if (value == "false" || value == "0" || value == "f" || value == "False") return false;
  return FlagError(flag, value, "not a boolean");
}

Result<std::chrono::milliseconds> ParseMillis(std::string_view flag, std::string_view value) {
  auto d = ParseDuration(value);
  if (!d) return FlagError(flag, value, "not a duration such as 15s or 1m30s");
  if (d->count() <= 0) return FlagError(flag, value, "must be positive");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::vector<std::string> SplitList(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    if (comma > start) out.emplace_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// One flag: how it takes its value. Boolean flags take none unless given "=v".
struct FlagSpec {
  bool boolean = false;
  // For flags whose value is optional (--embedded-apiserver): used without "=v".
  std::optional<std::string> implicit;
  std::function<Status(Flags&, std::string_view)> set;
};

template <typename T>
std::function<Status(Flags&, std::string_view)> IntFlag(std::string_view name, T Flags::*field,
                                                        int min) {
  return [name, field, min](Flags& f, std::string_view v) -> Status {
    auto n = ParseInt(name, v, min);
    if (!n) return std::move(n).error();
    f.*field = *n;
    return Status();
  };
}

std::function<Status(Flags&, std::string_view)> StringFlag(std::string Flags::*field) {
  return [field](Flags& f, std::string_view v) {
    f.*field = std::string(v);
    return Status();
  };
}

std::function<Status(Flags&, std::string_view)> BoolFlag(std::string_view name,
                                                         bool Flags::*field) {
  return [name, field](Flags& f, std::string_view v) -> Status {
    auto b = ParseBool(name, v);
    if (!b) return std::move(b).error();
    f.*field = *b;
    return Status();
  };
}

std::function<Status(Flags&, std::string_view)> DurationFlag(
    std::string_view name, std::chrono::milliseconds Flags::*field) {
  return [name, field](Flags& f, std::string_view v) -> Status {
    auto d = ParseMillis(name, v);
    if (!d) return std::move(d).error();
    f.*field = *d;
    return Status();
  };
}

const std::map<std::string, FlagSpec, std::less<>>& Specs() {
  static const auto* specs = new std::map<std::string, FlagSpec, std::less<>>{
      {"kubeconfig", {.set = StringFlag(&Flags::kubeconfig)}},
      {"master", {.set = StringFlag(&Flags::master)}},
      {"controllers", {.set = [](Flags& f, std::string_view v) -> Status {
         f.controllers = SplitList(v);
         for (const std::string& c : f.controllers) {
           std::string_view name = c;
           if (name.starts_with('-')) name.remove_prefix(1);
           const auto& known = KnownControllers();
           if (c != "*" && std::find(known.begin(), known.end(), name) == known.end()) {
             return FlagError("controllers", v, "unknown controller \"" + std::string(name) + "\"");
           }
         }
         return Status();
       }}},
      {"concurrent-deployment-syncs",
       {.set = IntFlag("concurrent-deployment-syncs", &Flags::concurrent_deployment_syncs, 1)}},
      {"concurrent-replicaset-syncs",
       {.set = IntFlag("concurrent-replicaset-syncs", &Flags::concurrent_replicaset_syncs, 1)}},
      {"concurrent-endpoint-syncs",
       {.set = IntFlag("concurrent-endpoint-syncs", &Flags::concurrent_endpoint_syncs, 1)}},
      {"concurrent-service-endpoint-syncs",
       {.set = IntFlag("concurrent-service-endpoint-syncs",
                       &Flags::concurrent_service_endpoint_syncs, 1)}},
      {"concurrent-gc-syncs",
       {.set = IntFlag("concurrent-gc-syncs", &Flags::concurrent_gc_syncs, 1)}},
      {"concurrent-namespace-syncs",
       {.set = IntFlag("concurrent-namespace-syncs", &Flags::concurrent_namespace_syncs, 1)}},
      {"concurrent-podsim-syncs",
       {.set = IntFlag("concurrent-podsim-syncs", &Flags::concurrent_podsim_syncs, 1)}},
      {"kube-api-qps", {.set = [](Flags& f, std::string_view v) -> Status {
         double qps = 0;
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), qps);
         if (ec != std::errc() || end != v.data() + v.size()) {
           return FlagError("kube-api-qps", v, "not a number");
         }
         f.kube_api_qps = qps;  // <= 0 turns client-side rate limiting off
         return Status();
       }}},
      {"kube-api-burst", {.set = IntFlag("kube-api-burst", &Flags::kube_api_burst, 1)}},
      {"leader-elect", {.boolean = true, .set = BoolFlag("leader-elect", &Flags::leader_elect)}},
      {"leader-elect-lease-duration",
       {.set = DurationFlag("leader-elect-lease-duration", &Flags::leader_elect_lease_duration)}},
      {"leader-elect-renew-deadline",
       {.set = DurationFlag("leader-elect-renew-deadline", &Flags::leader_elect_renew_deadline)}},
      {"leader-elect-retry-period",
       {.set = DurationFlag("leader-elect-retry-period", &Flags::leader_elect_retry_period)}},
      {"leader-elect-resource-name", {.set = StringFlag(&Flags::leader_elect_resource_name)}},
      {"leader-elect-resource-namespace",
       {.set = StringFlag(&Flags::leader_elect_resource_namespace)}},
      {"metrics-bind-address", {.set = StringFlag(&Flags::metrics_bind_address)}},
      {"health-probe-bind-address", {.set = StringFlag(&Flags::health_probe_bind_address)}},
      {"log-format", {.set = [](Flags& f, std::string_view v) -> Status {
         if (v != "text" && v != "json") return FlagError("log-format", v, "want text or json");
         f.log_format = std::string(v);
         return Status();
       }}},
      {"v", {.set = IntFlag("v", &Flags::verbosity, 0)}},
      {"embedded-apiserver",
       {.implicit = "127.0.0.1:0",
        .set = [](Flags& f, std::string_view v) -> Status {
          if (v.rfind(':') == std::string_view::npos) {
            return FlagError("embedded-apiserver", v, "want HOST:PORT (port 0: any free port)");
          }
          f.embedded_apiserver = std::string(v);
          return Status();
        }}},
      {"write-kubeconfig", {.set = StringFlag(&Flags::write_kubeconfig)}},
      {"apply",
       {.set =
            [](Flags& f, std::string_view v) {
              f.apply.emplace_back(v);
              return Status();
            }}},
      {"exit-after-apply",
       {.boolean = true, .set = BoolFlag("exit-after-apply", &Flags::exit_after_apply)}},
      {"podsim-nodes", {.set = IntFlag("podsim-nodes", &Flags::podsim_nodes, 1)}},
      {"help", {.boolean = true, .set = BoolFlag("help", &Flags::help)}},
  };
  return *specs;
}

}  // namespace

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with('-')) {
      return InvalidError("unexpected argument \"" + std::string(arg) + "\" (flags only)");
    }
    arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto spec = Specs().find(name);
    if (spec == Specs().end()) {
      return InvalidError("unknown flag: --" + std::string(name));
    }
    if (!value) {
      if (spec->second.boolean) {
        value = "true";
      } else if (spec->second.implicit) {
        value = *spec->second.implicit;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return InvalidError("flag needs an argument: --" + std::string(name));
      }
    }
    KUBE_RETURN_IF_ERROR(spec->second.set(flags, *value));
  }
  return flags;
}

const std::vector<std::string_view>& KnownControllers() {
  static const std::vector<std::string_view> names = {
      "namespace", "garbagecollector", "replicaset", "deployment",
      "endpoints", "endpointslice",    "podsim"};
  return names;
}

bool DisabledByDefault(std::string_view name, const Flags& flags) {
  return name == "podsim" && !flags.embedded_apiserver;
}

bool ControllerEnabled(const Flags& flags, std::string_view name) {
  bool star = false;
  for (const std::string& c : flags.controllers) {
    if (c == name) return true;
    if (c.size() == name.size() + 1 && c[0] == '-' && std::string_view(c).substr(1) == name) {
      return false;
    }
    star = star || c == "*";
  }
  return star && !DisabledByDefault(name, flags);
}

std::string Usage() {
  return R"(usage: kubecpp-controller-manager [flags]

Runs Kubernetes' built-in controllers (Deployment, ReplicaSet, Endpoints,
EndpointSlice, garbage collector, namespace) on kubecpp, against any apiserver,
plus podsim, a stand-in for kubelets and the scheduler.

  --kubeconfig PATH                 kubeconfig (default: KUBECONFIG, in-cluster, ~/.kube/config)
  --master URL                      apiserver URL, overriding the kubeconfig's
  --controllers LIST                controllers to run: names, '*' (all on by default)
                                    and '-name' (off); default '*'. Known: namespace,
                                    garbagecollector, replicaset, deployment, endpoints,
                                    endpointslice, podsim (podsim is off by default,
                                    except with --embedded-apiserver)
  --concurrent-deployment-syncs N   Deployment workers (default 5)
  --concurrent-replicaset-syncs N   ReplicaSet workers (default 5)
  --concurrent-endpoint-syncs N     Endpoints workers (default 5)
  --concurrent-service-endpoint-syncs N  EndpointSlice workers (default 5)
  --concurrent-gc-syncs N           garbage collector workers (default 20)
  --concurrent-namespace-syncs N    namespace workers (default 10)
  --concurrent-podsim-syncs N       podsim workers (default 5)
  --kube-api-qps Q                  client requests per second (default 20; 0: no limit)
  --kube-api-burst N                client burst (default 30)
  --leader-elect[=BOOL]             elect a leader on a Lease before running (default true)
  --leader-elect-lease-duration D   (default 15s)
  --leader-elect-renew-deadline D   (default 10s)
  --leader-elect-retry-period D     (default 2s)
  --leader-elect-resource-name N    Lease name (default kubecpp-controller-manager)
  --leader-elect-resource-namespace NS  Lease namespace (default kube-system)
  --metrics-bind-address ADDR       /metrics on ADDR; 0 turns it off (default :8080)
  --health-probe-bind-address ADDR  /healthz and /readyz on ADDR; 0: off (default :8081)
  --log-format text|json            (default text)
  -v N                              log verbosity (default 0)
  --embedded-apiserver[=HOST:PORT]  run kubecpp's fake apiserver in this process over
                                    HTTPS (default 127.0.0.1 on a free port) and use it
  --write-kubeconfig PATH           where to write its kubeconfig
                                    (default $TMPDIR/kubecpp-controller-manager.kubeconfig)
  --apply FILE                      apply a manifest once the controllers run, wait for
                                    its Deployments to roll out and print what
                                    `kubectl get` shows (repeatable)
  --exit-after-apply                exit once the applied manifests rolled out
  --podsim-nodes N                  Nodes podsim creates (default 3)
  -h, --help                        this text
)";
}

}  // namespace kube::controllers
