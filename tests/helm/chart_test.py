#!/usr/bin/env python3
"""Tests of the Helm charts in helm/ (kubecpp-controller-manager, webapp-operator).

Usage:
  chart_test.py lint CHART VALUES           helm lint --strict with one values file
  chart_test.py template CHART VALUES       helm template, then assertions on the YAML
  chart_test.py invalid                     values the charts must refuse to render
  chart_test.py crds                        the charts' crds/ equal their sources
  chart_test.py versions                    appVersion is the project's version
  chart_test.py e2e ENVTEST_BINARY          against a real apiserver (kubecpp-envtest):
                                            kubectl apply --dry-run=server of every chart
                                            and values file, then the RBAC of each chart
                                            installed for real, checked with
                                            SubjectAccessReviews, then helm install,
                                            upgrade and uninstall

CHART is a folder name under helm/, VALUES a file name (without .yaml) under
tests/helm/values/CHART/. helm is looked for in $HELM, then the cache directory
scripts/build-helm.sh builds it into ($KUBECPP_HELM_DIR/bin, default
~/.cache/kubecpp/helm/bin), then PATH; kubectl in $KUBECTL, then PATH, then the
test-clients cache. Exits 0 when every check passes, 1 when one fails and 77 (ctest
SKIP) when helm, kubectl, PyYAML or the envtest binaries are missing.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VALUES_DIR = os.path.join(ROOT, "tests", "helm", "values")

try:
    import yaml  # PyYAML
except ImportError:  # pragma: no cover - depends on the machine
    print("SKIP: python3 has no PyYAML (apt install python3-yaml)")
    sys.exit(SKIP)

# Each file under a chart's crds/ folder and the file it must be a byte-for-byte copy of.
# The webapp operator's CRD is examples.kubecpp.io/v1 (the group its generated types and
# reconciler use), kept beside the example because crds/webapp.yaml is codegen's golden
# input; when it moves to the top-level crds/, only this line changes.
CRD_SOURCES = {
    "helm/webapp-operator/crds/webapp.yaml": "examples/webapp-operator/config/crd.yaml",
}

# ---------------------------------------------------------------------------------------
# Permissions: what each controller needs (docs k8s-semantics.md Part B), as
# (verbs, apiGroup, resources). The charts' ClusterRoles must grant exactly these (checked
# on a probe set both ways: everything here is allowed, everything else probed is denied).

CM_CONTROLLERS = ["namespace", "garbagecollector", "replicaset", "deployment", "endpoints",
                  "endpointslice", "podsim"]

EVENTS = [
    ("create patch", "", "events"),
    ("create patch", "events.k8s.io", "events"),
]
CM_NEEDS = {
    "replicaset": [
        ("get list watch", "apps", "replicasets"),
        ("update", "apps", "replicasets/status"),
        ("update", "apps", "replicasets/finalizers"),
        ("list watch create delete patch", "", "pods"),
    ],
    "deployment": [
        ("get list watch update", "apps", "deployments"),
        ("update", "apps", "deployments/status"),
        ("update", "apps", "deployments/finalizers"),
        ("get list watch create update patch delete", "apps", "replicasets"),
        ("get list watch", "", "pods"),
    ],
    "endpoints": [
        ("get list watch", "", "services pods"),
        ("get list watch create update delete", "", "endpoints"),
        ("create", "", "endpoints/restricted"),
    ],
    "endpointslice": [
        ("get list watch", "", "services pods nodes"),
        ("update", "", "services/finalizers"),
        ("get list watch create update delete", "discovery.k8s.io", "endpointslices"),
    ],
    "namespace": [
        ("get list watch delete", "", "namespaces"),
        ("update", "", "namespaces/finalize namespaces/status"),
    ],
    "garbagecollector": [],
    "podsim": [
        ("get list watch create update patch", "", "nodes"),
        ("update patch", "", "nodes/status"),
        ("get list watch delete", "", "pods"),
        ("create", "", "pods/binding"),
        ("update patch", "", "pods/status"),
    ],
}
# The two controllers that act on every resource of every group: verbs granted on "*".
CM_WILDCARD_VERBS = {
    "garbagecollector": {"get", "list", "watch", "patch", "update", "delete"},
    "namespace": {"get", "list", "delete", "deletecollection"},
}

WEBAPP_GROUP = "examples.kubecpp.io"
WEBAPP_NEEDS = [
    ("get list watch update patch", WEBAPP_GROUP, "webapps"),
    ("get update patch", WEBAPP_GROUP, "webapps/status"),
    ("update", WEBAPP_GROUP, "webapps/finalizers"),
    ("get list watch create update patch delete", "apps", "deployments"),
    ("get list watch create update patch delete", "", "services configmaps"),
    ("create", "", "namespaces"),  # webapp-registry, on first use
]

# Requests nothing in either chart should allow unless a wildcard role covers them.
EXTRA_PROBES = [
    ("get", "", "secrets"),
    ("list", "", "secrets"),
    ("delete", "", "secrets"),
    ("create", "apps", "deployments"),
    ("update", "apps", "deployments/scale"),
    ("create", "", "pods/exec"),
    ("create", "", "serviceaccounts/token"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
    ("bind", "rbac.authorization.k8s.io", "clusterroles"),
    ("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
    ("impersonate", "", "users"),
    ("create", "apiextensions.k8s.io", "customresourcedefinitions"),
    ("create", WEBAPP_GROUP, "webapps"),
    ("update", WEBAPP_GROUP, "webapps/scale"),
    ("delete", WEBAPP_GROUP, "webapps"),
    ("deletecollection", "apps", "deployments"),
    ("list", "widgets.example.com", "widgets"),
    ("delete", "widgets.example.com", "widgets"),
    ("create", "", "namespaces"),
    ("update", "", "nodes/proxy"),
]


def expand(table):
    """(verbs, group, resources) rows -> set of (verb, group, resource)."""
    out = set()
    for verbs, group, resources in table:
        for verb in verbs.split():
            for resource in resources.split():
                out.add((verb, group, resource))
    return out


# ---------------------------------------------------------------------------------------
# Per values file: what the rendered chart must look like.

CM_ALL_DEFAULT = {"namespace", "garbagecollector", "replicaset", "deployment", "endpoints",
                  "endpointslice"}
CM_IMAGE = "ghcr.io/kubecpp/kubecpp-controller-manager"
WA_IMAGE = "ghcr.io/kubecpp/webapp-operator"

EXPECT = {
    ("kubecpp-controller-manager", "default"): {
        "replicas": 1, "leader": False, "controllers": CM_ALL_DEFAULT,
        "metrics_port": 8080, "service_monitor": False, "image": CM_IMAGE + ":0.1.0",
    },
    ("kubecpp-controller-manager", "ha"): {
        "replicas": 2, "leader": True, "lease": "kcm-leader", "controllers": CM_ALL_DEFAULT,
        "metrics_port": 8080, "service_monitor": False, "image": CM_IMAGE + ":0.1.0-ha",
        "pdb": True, "node_selector": {"kubernetes.io/os": "linux"}, "tolerations": 1,
        "affinity": True, "priority_class": "system-cluster-critical",
        "args_tail": ["--kube-api-qps=50"], "env": {"TZ": "UTC"},
    },
    ("kubecpp-controller-manager", "minimal"): {
        "replicas": 1, "leader": False, "controllers": {"replicaset", "deployment"},
        "metrics_port": None, "service_monitor": False, "image": CM_IMAGE + ":0.1.0",
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                      "limits": {"memory": "128Mi"}},
    },
    ("kubecpp-controller-manager", "with-servicemonitor"): {
        "replicas": 1, "leader": False, "controllers": CM_ALL_DEFAULT,
        "metrics_port": 9090, "service_monitor": True,
        "service_monitor_labels": {"release": "prometheus"}, "image": CM_IMAGE + ":0.1.0",
    },
    ("kubecpp-controller-manager", "podsim"): {
        "replicas": 1, "leader": False,
        "controllers": (CM_ALL_DEFAULT - {"garbagecollector"}) | {"podsim"},
        "metrics_port": 8080, "service_monitor": False, "image": CM_IMAGE + ":0.1.0",
        "args": ["--podsim-nodes=5", "--log-format=text", "-v=2"],
    },
    ("webapp-operator", "default"): {
        "replicas": 1, "leader": False, "metrics_port": 8080, "service_monitor": False,
        "image": WA_IMAGE + ":0.1.0",
    },
    ("webapp-operator", "ha"): {
        "replicas": 2, "leader": True, "lease": "webapp-operator", "metrics_port": 8080,
        "service_monitor": False, "pdb": True,
        "image": WA_IMAGE + "@sha256:" + "0123456789abcdef" * 4,
        "node_selector": {"kubernetes.io/os": "linux"}, "tolerations": 1,
        "args": ["--workers", "4"],
    },
    ("webapp-operator", "with-servicemonitor"): {
        "replicas": 1, "leader": False, "metrics_port": 8080, "service_monitor": True,
        "service_monitor_namespace": "monitoring", "service_account": "webapp-operator-sa",
        "create_service_account": False, "image": WA_IMAGE + ":0.1.0",
    },
}

RELEASE = "rel"
NAMESPACE = "kubecpp-system"


# ---------------------------------------------------------------------------------------
# Tools.

def cache_dir(env, leaf):
    base = os.environ.get(env)
    if base:
        return base
    return os.path.join(os.environ.get("HOME", "/tmp"), ".cache", "kubecpp", leaf)


def find_helm():
    candidates = [os.environ.get("HELM"), os.path.join(cache_dir("KUBECPP_HELM_DIR", "helm"),
                                                       "bin", "helm"), shutil.which("helm")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def find_kubectl():
    candidates = [os.environ.get("KUBECTL"), shutil.which("kubectl"),
                  os.path.join(cache_dir("KUBECPP_TEST_CLIENTS_DIR", "test-clients"), "bin",
                               "kubectl")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def need_helm():
    helm = find_helm()
    if not helm:
        print("SKIP: no helm (scripts/build-helm.sh builds it into ~/.cache/kubecpp/helm/bin)")
        sys.exit(SKIP)
    return helm


def run(cmd, stdin=None, check=True, timeout=120):
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("command failed (%d): %s\n%s%s" % (
            proc.returncode, " ".join(cmd), proc.stdout[-4000:], proc.stderr[-4000:]))
    return proc


def chart_dir(chart):
    return os.path.join(ROOT, "helm", chart)


def values_file(chart, values):
    return os.path.join(VALUES_DIR, chart, values + ".yaml")


def render(helm, chart, values, release=RELEASE, namespace=NAMESPACE, extra=()):
    cmd = [helm, "template", release, chart_dir(chart), "--namespace", namespace,
           "--include-crds", "-f", values_file(chart, values)] + list(extra)
    return run(cmd).stdout


def parse(text):
    return [d for d in yaml.safe_load_all(text) if d]


class Checker:
    """Collects failed expectations instead of stopping at the first."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def expect(self, ok, what):
        self.count += 1
        if not ok:
            self.failures.append(what)
            print("FAIL %s: %s" % (self.name, what))

    def equal(self, got, want, what):
        self.expect(got == want, "%s: got %r, want %r" % (what, got, want))

    def finish(self):
        if self.failures:
            print("%s: %d of %d checks failed" % (self.name, len(self.failures), self.count))
            return 1
        print("%s: all %d checks passed" % (self.name, self.count))
        return 0


# ---------------------------------------------------------------------------------------
# RBAC model: what the rendered roles grant a subject (same rules as the apiserver's
# RBAC authorizer for the subset the charts use).

def rule_allows(rule, verb, group, resource, name):
    def has(key, value):
        items = rule.get(key) or []
        return "*" in items or value in items
    if not (has("verbs", verb) and has("apiGroups", group) and has("resources", resource)):
        return False
    names = rule.get("resourceNames") or []
    return not names or (name is not None and name in names)


def granted(objects, sa_namespace, sa_name, verb, group, resource, namespace=None, name=None):
    """True when the roles bound to the ServiceAccount allow the request."""
    def binds(binding):
        return any(s.get("kind") == "ServiceAccount" and s.get("name") == sa_name and
                   s.get("namespace", binding["metadata"].get("namespace")) == sa_namespace
                   for s in binding.get("subjects") or [])

    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
             for o in objects if o["kind"] in ("ClusterRole", "Role")}
    for b in objects:
        if b["kind"] not in ("ClusterRoleBinding", "RoleBinding") or not binds(b):
            continue
        ref = b["roleRef"]
        bns = b["metadata"].get("namespace") if b["kind"] == "RoleBinding" else None
        if bns is not None and namespace != bns:
            continue
        role = roles.get((ref["kind"], bns if ref["kind"] == "Role" else None, ref["name"]))
        if role and any(rule_allows(r, verb, group, resource, name)
                        for r in role.get("rules") or []):
            return True
    return False


def enabled_controllers(flag_value):
    """The binary's --controllers rule (flags.cc ControllerEnabled), written again."""
    entries = [e for e in flag_value.split(",") if e]
    out = set()
    for name in CM_CONTROLLERS:
        decided = None
        for e in entries:
            if e == name:
                decided = True
                break
            if e == "-" + name:
                decided = False
                break
        if decided is None:
            decided = "*" in entries and name != "podsim"
        if decided:
            out.add(name)
    return out


def permission_probes(chart):
    """Requests checked against the expectation: (verb, group, resource, namespace, name)."""
    probes = set()
    if chart == "kubecpp-controller-manager":
        for table in CM_NEEDS.values():
            probes |= expand(table)
    else:
        probes |= expand(WEBAPP_NEEDS)
    probes |= expand(EVENTS)
    probes |= set(EXTRA_PROBES)
    out = [(v, g, r, None, None) for (v, g, r) in sorted(probes)]
    return out


def lease_probes(release_namespace, lease):
    return [
        ("create", "coordination.k8s.io", "leases", release_namespace, None),
        ("get", "coordination.k8s.io", "leases", release_namespace, lease),
        ("update", "coordination.k8s.io", "leases", release_namespace, lease),
        ("update", "coordination.k8s.io", "leases", release_namespace, "someone-elses-lease"),
        ("update", "coordination.k8s.io", "leases", "kube-system", lease),
        ("delete", "coordination.k8s.io", "leases", release_namespace, lease),
        ("list", "coordination.k8s.io", "leases", release_namespace, None),
    ]


def expected_allowed(chart, controllers, leader, release_namespace, lease, probe):
    verb, group, resource, namespace, name = probe
    if chart == "kubecpp-controller-manager":
        needs = expand(EVENTS)
        for c in controllers:
            needs |= expand(CM_NEEDS[c])
        wildcard_verbs = set()
        for c in controllers:
            wildcard_verbs |= CM_WILDCARD_VERBS.get(c, set())
    else:
        needs = expand(EVENTS) | expand(WEBAPP_NEEDS)
        wildcard_verbs = set()
    if (verb, group, resource) in needs or verb in wildcard_verbs:
        return True
    if leader and group == "coordination.k8s.io" and resource == "leases" and \
            namespace == release_namespace:
        return verb == "create" or (verb in ("get", "update") and name == lease)
    return False


# ---------------------------------------------------------------------------------------
# lint

def cmd_lint(chart, values):
    helm = need_helm()
    proc = run([helm, "lint", "--strict", chart_dir(chart), "--namespace", NAMESPACE,
                "-f", values_file(chart, values)], check=False)
    print(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        print("FAIL: helm lint --strict %s -f %s" % (chart, values))
        return 1
    return 0


# ---------------------------------------------------------------------------------------
# template

def find(objects, kind, name=None):
    return [o for o in objects if o["kind"] == kind and
            (name is None or o["metadata"]["name"] == name)]


# Flags whose value, when not given as --flag=value, is the next argument.
BOOLEAN_FLAGS = {"--leader-elect", "--help", "--exit-after-apply", "--demo"}


def arg_value(args, flag):
    """The last value of flag in args, given as --flag=value, --flag value or (booleans)
    --flag; None when absent. The binaries let a later flag win."""
    value = None
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith(flag + "="):
            value = a[len(flag) + 1:]
        elif a == flag:
            if flag in BOOLEAN_FLAGS:
                value = "true"
            elif i + 1 < len(args):
                value = args[i + 1]
                i += 1
        i += 1
    return value


def known_flags(chart):
    """The flag names the chart's binary accepts, read from its source; None when the
    source does not list any yet."""
    if chart == "kubecpp-controller-manager":
        path = os.path.join(ROOT, "controllers", "controller_manager", "flags.cc")
        pattern = r'\{"([a-z][a-z0-9-]*)",\s*\{'
    else:
        path = os.path.join(ROOT, "examples", "webapp-operator", "main.cc")
        pattern = r'"--([a-z][a-z0-9-]*)"'
    try:
        with open(path) as f:
            names = set(re.findall(pattern, f.read()))
    except OSError:
        return None
    return names or None


def flag_names(args):
    """The flag names in args, skipping the values of "--flag value" pairs."""
    names = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            name = a.lstrip("-").split("=", 1)[0]
            names.append(name)
            if "=" not in a and ("--" + name) not in BOOLEAN_FLAGS and name != "v" and \
                    i + 1 < len(args) and not args[i + 1].startswith("-"):
                i += 1
        else:
            names.append("<positional %s>" % a)
        i += 1
    return names


def cmd_template(chart, values):
    helm = need_helm()
    want = EXPECT[(chart, values)]
    c = Checker("template %s/%s" % (chart, values))
    objects = parse(render(helm, chart, values))
    fullname = "%s-%s" % (RELEASE, chart)

    # Every namespaced object lands in the release namespace (ServiceMonitors may not).
    cluster_scoped = {"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
    for o in objects:
        ns = o["metadata"].get("namespace")
        if o["kind"] in cluster_scoped:
            c.expect(ns is None, "%s %s is cluster-scoped but has a namespace" % (
                o["kind"], o["metadata"]["name"]))
        elif o["kind"] != "ServiceMonitor":
            c.equal(ns, NAMESPACE, "namespace of %s %s" % (o["kind"], o["metadata"]["name"]))
        labels = o["metadata"].get("labels") or {}
        if o["kind"] != "CustomResourceDefinition":
            c.equal(labels.get("app.kubernetes.io/managed-by"), "Helm",
                    "managed-by label of %s %s" % (o["kind"], o["metadata"]["name"]))
            c.equal(labels.get("app.kubernetes.io/instance"), RELEASE,
                    "instance label of %s %s" % (o["kind"], o["metadata"]["name"]))

    # Deployment, pod and container.
    deployments = find(objects, "Deployment")
    c.equal(len(deployments), 1, "Deployments rendered")
    if not deployments:
        return c.finish()
    dep = deployments[0]
    c.equal(dep["metadata"]["name"], fullname, "Deployment name")
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    c.equal(spec["replicas"], want["replicas"], "replicas")
    selector = spec["selector"]["matchLabels"]
    pod_labels = spec["template"]["metadata"]["labels"]
    c.expect(all(pod_labels.get(k) == v for k, v in selector.items()),
             "the Deployment's selector %r matches its pod labels" % selector)
    c.equal(len(pod["containers"]), 1, "containers")
    ctr = pod["containers"][0]
    args = ctr.get("args") or []
    c.equal(ctr["image"], want["image"], "image")
    c.equal(ctr.get("imagePullPolicy"), "IfNotPresent", "imagePullPolicy")
    flags = known_flags(chart)
    if flags is None:
        print("NOTE: the %s binary's flags are not readable from its source yet" % chart)
    else:
        for name in flag_names(args):
            c.expect(name in flags, "the binary knows the flag %r the chart passes" % name)
    sa = want.get("service_account", fullname)
    c.equal(pod.get("serviceAccountName"), sa, "serviceAccountName")
    c.equal(len(find(objects, "ServiceAccount", sa)),
            1 if want.get("create_service_account", True) else 0, "ServiceAccount " + sa)

    psc = pod.get("securityContext") or {}
    c.equal(psc.get("runAsNonRoot"), True, "pod securityContext.runAsNonRoot")
    c.equal((psc.get("seccompProfile") or {}).get("type"), "RuntimeDefault",
            "pod securityContext.seccompProfile.type")
    csc = ctr.get("securityContext") or {}
    c.equal(csc.get("runAsNonRoot"), True, "container securityContext.runAsNonRoot")
    c.expect(isinstance(csc.get("runAsUser"), int) and csc["runAsUser"] > 0,
             "container runs as a numeric non-zero UID (runAsNonRoot needs one): %r" %
             csc.get("runAsUser"))
    c.equal(csc.get("readOnlyRootFilesystem"), True, "readOnlyRootFilesystem")
    c.equal(csc.get("allowPrivilegeEscalation"), False, "allowPrivilegeEscalation")
    c.equal(csc.get("privileged", False), False, "privileged")
    c.equal((csc.get("capabilities") or {}).get("drop"), ["ALL"], "capabilities.drop")
    c.equal((csc.get("capabilities") or {}).get("add"), None, "capabilities.add")
    c.equal((csc.get("seccompProfile") or {}).get("type"), "RuntimeDefault",
            "container seccompProfile.type")
    mounts = {m["mountPath"]: m["name"] for m in ctr.get("volumeMounts") or []}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    c.expect("/tmp" in mounts and "emptyDir" in volumes.get(mounts.get("/tmp"), {}),
             "a writable emptyDir on /tmp beside the read-only root filesystem")

    # Probes on the health port the binary serves.
    ports = {p["name"]: p["containerPort"] for p in ctr.get("ports") or []}
    health = arg_value(args, "--health-probe-bind-address")
    c.equal(health, ":%d" % ports.get("http-health", -1),
            "--health-probe-bind-address matches the http-health container port")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (ctr.get(probe) or {}).get("httpGet") or {}
        c.equal(get.get("path"), path, probe + " path")
        c.equal(get.get("port"), "http-health", probe + " port")
    res = ctr.get("resources") or {}
    c.expect(res.get("requests", {}).get("cpu") and res.get("requests", {}).get("memory"),
             "cpu and memory requests are set: %r" % res)
    c.expect(res.get("limits", {}).get("memory"), "a memory limit is set: %r" % res)
    if "resources" in want:
        c.equal(res, want["resources"], "resources")

    # Metrics: flag, container port, Service, ServiceMonitor.
    metrics = arg_value(args, "--metrics-bind-address")
    services = find(objects, "Service")
    monitors = find(objects, "ServiceMonitor")
    if want["metrics_port"] is None:
        c.equal(metrics, "0", "--metrics-bind-address (metrics off)")
        c.equal(len(services), 0, "metrics Services")
        c.expect("http-metrics" not in ports, "no metrics container port")
    else:
        c.equal(metrics, ":%d" % want["metrics_port"], "--metrics-bind-address")
        c.equal(ports.get("http-metrics"), want["metrics_port"], "http-metrics container port")
        c.equal(len(services), 1, "metrics Services")
        if services:
            svc = services[0]
            c.equal([p.get("targetPort") for p in svc["spec"]["ports"]], ["http-metrics"],
                    "the metrics Service targets the http-metrics port")
            c.expect(all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items()),
                     "the metrics Service selects the pods")
    c.equal(len(monitors), 1 if want["service_monitor"] else 0, "ServiceMonitors")
    if monitors and services:
        sm = monitors[0]
        svc_labels = services[0]["metadata"]["labels"]
        c.expect(all(svc_labels.get(k) == v
                     for k, v in sm["spec"]["selector"]["matchLabels"].items()),
                 "the ServiceMonitor selects the metrics Service")
        c.equal(sm["spec"]["namespaceSelector"]["matchNames"], [NAMESPACE],
                "ServiceMonitor namespaceSelector")
        c.equal([e["port"] for e in sm["spec"]["endpoints"]], ["http-metrics"],
                "ServiceMonitor endpoint port")
        c.equal(sm["metadata"].get("namespace"),
                want.get("service_monitor_namespace", NAMESPACE), "ServiceMonitor namespace")
        for k, v in (want.get("service_monitor_labels") or {}).items():
            c.equal(sm["metadata"]["labels"].get(k), v, "ServiceMonitor label " + k)

    # Leader election: on exactly with more than one replica; the Lease Role.
    leader = want["leader"]
    lease = want.get("lease")
    if chart == "kubecpp-controller-manager":
        c.equal(arg_value(args, "--leader-elect"), "true" if leader else "false",
                "--leader-elect")
        if leader:
            c.equal(arg_value(args, "--leader-elect-resource-name"), lease,
                    "--leader-elect-resource-name")
            c.equal(arg_value(args, "--leader-elect-resource-namespace"), NAMESPACE,
                    "--leader-elect-resource-namespace")
    else:
        c.equal("--leader-elect" in args, leader, "--leader-elect present")
    strategy = (spec.get("strategy") or {}).get("type", "RollingUpdate")
    c.equal(strategy, "RollingUpdate" if leader else "Recreate",
            "rollout strategy (two unelected managers must never overlap)")
    roles = find(objects, "Role")
    c.equal(len(roles), 1 if leader else 0, "Roles (leader election)")
    c.equal(len(find(objects, "PodDisruptionBudget")), 1 if want.get("pdb") else 0,
            "PodDisruptionBudgets")

    # Scheduling and extras.
    if "node_selector" in want:
        c.equal(pod.get("nodeSelector"), want["node_selector"], "nodeSelector")
    if "tolerations" in want:
        c.equal(len(pod.get("tolerations") or []), want["tolerations"], "tolerations")
    if want.get("affinity"):
        c.expect(pod.get("affinity", {}).get("podAntiAffinity"), "podAntiAffinity")
    if "priority_class" in want:
        c.equal(pod.get("priorityClassName"), want["priority_class"], "priorityClassName")
    if "args_tail" in want:
        c.equal(args[-len(want["args_tail"]):], want["args_tail"],
                "extraArgs come last (a later flag wins)")
    for a in want.get("args", []):
        c.expect(a in args, "argument %s in %r" % (a, args))
    env = {e["name"]: e.get("value") for e in ctr.get("env") or []}
    c.expect("POD_NAMESPACE" in env, "POD_NAMESPACE env from the downward API")
    for k, v in (want.get("env") or {}).items():
        c.equal(env.get(k), v, "env " + k)

    # RBAC: controllers, wildcards, and the permissions a probe set gets.
    cluster_roles = find(objects, "ClusterRole")
    if chart == "kubecpp-controller-manager":
        controllers = enabled_controllers(arg_value(args, "--controllers") or "")
        c.equal(controllers, want["controllers"], "controllers the binary will run")
        main_role = find(objects, "ClusterRole", fullname)
        c.equal(len(main_role), 1, "the controllers' ClusterRole")
        for role in main_role:
            wild = [r for r in role["rules"]
                    if "*" in r.get("apiGroups", []) + r.get("resources", []) + r.get("verbs", [])]
            c.equal(wild, [], "wildcards in the controllers' ClusterRole")
        for ctl in ("garbagecollector", "namespace"):
            c.equal(len(find(objects, "ClusterRole", fullname + "-" + ctl)),
                    1 if ctl in controllers else 0,
                    "the %s ClusterRole (rendered only when it runs)" % ctl)
        c.equal(len(cluster_roles), 1 + len(controllers & {"garbagecollector", "namespace"}),
                "ClusterRoles")
        podsim_nodes = arg_value(args, "--podsim-nodes")
        c.equal(podsim_nodes is not None, "podsim" in controllers,
                "--podsim-nodes only with podsim")
    else:
        controllers = set()
        c.equal(len(cluster_roles), 1, "ClusterRoles")
        for role in cluster_roles:
            c.expect(not any("*" in r.get("apiGroups", []) + r.get("resources", []) +
                             r.get("verbs", []) for r in role["rules"]),
                     "no wildcards in the operator's ClusterRole")
        crds = find(objects, "CustomResourceDefinition")
        c.equal(len(crds), 1, "CRDs rendered with --include-crds")
        for crd in crds:
            c.equal(crd["spec"]["group"], WEBAPP_GROUP, "CRD group the RBAC is written for")
            src = os.path.join(ROOT, CRD_SOURCES["helm/webapp-operator/crds/webapp.yaml"])
            with open(src) as f:
                c.equal(crd, yaml.safe_load(f), "rendered CRD equals its source")
    for role in cluster_roles:
        c.equal(len([b for b in find(objects, "ClusterRoleBinding", role["metadata"]["name"])
                     if b["roleRef"]["name"] == role["metadata"]["name"]]), 1,
                "a ClusterRoleBinding for ClusterRole " + role["metadata"]["name"])

    probes = permission_probes(chart)
    if leader:
        probes += lease_probes(NAMESPACE, lease)
    for probe in probes:
        got = granted(objects, NAMESPACE, sa, *probe)
        wanted = expected_allowed(chart, controllers, leader, NAMESPACE, lease, probe)
        c.equal(got, wanted, "RBAC allows %s" % (probe,))
    return c.finish()


# ---------------------------------------------------------------------------------------
# invalid values

def cmd_invalid():
    helm = need_helm()
    c = Checker("invalid values")
    cases = [
        ("kubecpp-controller-manager", ["--set", "controllers={replicaset,replicasets}"],
         "replicasets"),
        ("kubecpp-controller-manager",
         ["--set", "replicaCount=2", "--set", "leaderElection.enabled=false"],
         "leaderElection.enabled=false with replicaCount > 1"),
        ("kubecpp-controller-manager", ["--set", "leaderElection.enabled=sometimes"],
         "leaderElection"),
        ("kubecpp-controller-manager", ["--set", "logging.format=xml"], "logging"),
        ("kubecpp-controller-manager",
         ["--set", "serviceAccount.create=false"], "serviceAccount.name is required"),
        ("webapp-operator", ["--set", "replicaCount=3", "--set", "leaderElection.enabled=false"],
         "leaderElection.enabled=false with replicaCount > 1"),
        ("webapp-operator", ["--set", "image.pullPolicy=Sometimes"], "pullPolicy"),
    ]
    for chart, flags, message in cases:
        proc = run([helm, "template", RELEASE, chart_dir(chart)] + flags, check=False)
        c.expect(proc.returncode != 0 and message in proc.stderr,
                 "%s %s is refused mentioning %r (exit %d: %s)" % (
                     chart, " ".join(flags), message, proc.returncode, proc.stderr.strip()[:300]))
    return c.finish()


# ---------------------------------------------------------------------------------------
# crds

def cmd_crds():
    c = Checker("chart CRDs")
    found = []
    for chart in sorted(os.listdir(os.path.join(ROOT, "helm"))):
        crd_dir = os.path.join(ROOT, "helm", chart, "crds")
        if os.path.isdir(crd_dir):
            found += ["helm/%s/crds/%s" % (chart, f) for f in sorted(os.listdir(crd_dir))]
    c.equal(sorted(found), sorted(CRD_SOURCES), "files in the charts' crds/ folders "
            "(each needs its source in CRD_SOURCES)")
    for copy, source in sorted(CRD_SOURCES.items()):
        try:
            with open(os.path.join(ROOT, copy), "rb") as f:
                a = f.read()
            with open(os.path.join(ROOT, source), "rb") as f:
                b = f.read()
        except OSError as e:
            c.expect(False, str(e))
            continue
        c.expect(a == b, "%s differs from %s: copy it again (cp %s %s)" % (
            copy, source, source, copy))
    return c.finish()


def cmd_versions():
    """Each chart's appVersion (its default image tag) is the project's version."""
    c = Checker("chart versions")
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        m = re.search(r"project\(kubecpp\s+VERSION\s+([0-9.]+)", f.read())
    c.expect(m is not None, "CMakeLists.txt declares project(kubecpp VERSION x.y.z)")
    for chart in ("kubecpp-controller-manager", "webapp-operator"):
        with open(os.path.join(chart_dir(chart), "Chart.yaml")) as f:
            meta = yaml.safe_load(f)
        if m:
            c.equal(str(meta.get("appVersion")), m.group(1), chart + " appVersion")
        c.expect(re.match(r"^\d+\.\d+\.\d+$", str(meta.get("version"))),
                 chart + " version is SemVer: %r" % meta.get("version"))
        c.equal(meta.get("apiVersion"), "v2", chart + " Chart.yaml apiVersion")
    return c.finish()


# ---------------------------------------------------------------------------------------
# e2e: a real apiserver

SERVICE_MONITOR_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors,
          singular: servicemonitor}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"""


class EnvTest:
    """kubecpp-envtest start, as a child process; a kubeconfig once the apiserver is up."""

    def __init__(self, binary, workdir):
        self.kubeconfig = os.path.join(workdir, "kubeconfig")
        self.log = open(os.path.join(workdir, "envtest.log"), "w+")
        self.proc = subprocess.Popen([binary, "start", "--kubeconfig", self.kubeconfig],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, kubectl, deadline_s=300):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.kubeconfig):
                proc = run([kubectl, "--kubeconfig", self.kubeconfig, "get", "--raw",
                            "/readyz"], check=False)
                if proc.returncode == 0:
                    return True
            time.sleep(0.5)
        self.log.seek(0)
        print("envtest did not become ready:\n" + self.log.read()[-4000:])
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def envtest_binaries_present():
    d = os.path.join(cache_dir("KUBECPP_ENVTEST_DIR", "envtest"), "bin")
    if os.environ.get("KUBECPP_ENVTEST_DIR"):
        d = os.path.join(os.environ["KUBECPP_ENVTEST_DIR"], "bin")
    return all(os.access(os.path.join(d, b), os.X_OK) for b in ("etcd", "kube-apiserver"))


def subject_access_reviews(kubectl, kubeconfig, sa_namespace, sa_name, probes):
    """One SubjectAccessReview per probe, created in one kubectl call; their answers."""
    user = "system:serviceaccount:%s:%s" % (sa_namespace, sa_name)
    items = []
    for verb, group, resource, namespace, name in probes:
        res, _, sub = resource.partition("/")
        attrs = {"verb": verb, "group": group, "resource": res}
        if sub:
            attrs["subresource"] = sub
        if namespace:
            attrs["namespace"] = namespace
        if name:
            attrs["name"] = name
        items.append({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                      "spec": {"user": user,
                               "groups": ["system:serviceaccounts",
                                          "system:serviceaccounts:" + sa_namespace,
                                          "system:authenticated"],
                               "resourceAttributes": attrs}})
    doc = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    out = run([kubectl, "--kubeconfig", kubeconfig, "create", "-f", "-", "-o", "json"],
              stdin=doc).stdout
    # kubectl prints one JSON document per created object, one after the other.
    decoder = json.JSONDecoder()
    reviews = []
    pos = 0
    while True:
        while pos < len(out) and out[pos].isspace():
            pos += 1
        if pos >= len(out):
            break
        doc, pos = decoder.raw_decode(out, pos)
        reviews += doc.get("items", []) if doc.get("kind") == "List" else [doc]
    return [bool(r.get("status", {}).get("allowed")) for r in reviews]


def cmd_e2e(envtest_binary):
    helm = need_helm()
    kubectl = find_kubectl()
    if not kubectl:
        print("SKIP: no kubectl (scripts/install-test-clients.sh)")
        return SKIP
    if not envtest_binaries_present():
        print("SKIP: no envtest binaries (scripts/build-envtest.sh)")
        return SKIP
    c = Checker("e2e")
    work = tempfile.mkdtemp(prefix="kubecpp-helm-e2e-")
    env = EnvTest(envtest_binary, work)
    try:
        start = time.monotonic()
        if not env.wait_ready(kubectl):
            c.expect(False, "kubecpp-envtest start")
            return c.finish()
        print("apiserver ready in %.1fs" % (time.monotonic() - start))
        k = [kubectl, "--kubeconfig", env.kubeconfig]
        run(k + ["apply", "-f", "-"], stdin=SERVICE_MONITOR_CRD)
        run(k + ["wait", "--for=condition=Established", "--timeout=60s",
                 "crd/servicemonitors.monitoring.coreos.com"])

        # 1. Every chart with every values file, dry-run on the server: the apiserver's
        #    own validation, defaulting and admission, nothing stored.
        for chart, values in sorted(EXPECT):
            release = "dry-" + values
            namespace = "dry-%s-%s" % (chart.split("-")[0], values)
            rendered = render(helm, chart, values, release=release, namespace=namespace)
            namespaces = {namespace} | {o["metadata"]["namespace"] for o in parse(rendered)
                                        if o["metadata"].get("namespace")}
            for ns in sorted(namespaces):
                run(k + ["create", "namespace", ns], check=False)
            proc = run(k + ["apply", "--dry-run=server", "-f", "-"], stdin=rendered,
                        check=False)
            c.expect(proc.returncode == 0, "kubectl apply --dry-run=server %s/%s: %s%s" % (
                chart, values, proc.stdout[-2000:], proc.stderr[-2000:]))
            stored = run(k + ["get", "deployments", "-n", namespace, "-o", "name"]).stdout
            c.equal(stored.strip(), "", "nothing stored by the dry run of %s/%s" % (
                chart, values))

        # 2. RBAC: install for real, then ask the apiserver what the ServiceAccount may do.
        for chart, values in sorted(EXPECT):
            want = EXPECT[(chart, values)]
            release = "rbac-" + values
            namespace = "rbac-%s-%s" % (chart.split("-")[0], values)
            fullname = "%s-%s" % (release, chart)
            rendered = render(helm, chart, values, release=release, namespace=namespace)
            objects = parse(rendered)
            namespaces = {namespace} | {o["metadata"]["namespace"] for o in objects
                                        if o["metadata"].get("namespace")}
            for ns in sorted(namespaces):
                run(k + ["create", "namespace", ns], check=False)
            proc = run(k + ["apply", "--server-side", "--force-conflicts", "-f", "-"],
                       stdin=rendered, check=False)
            if proc.returncode != 0:
                c.expect(False, "kubectl apply %s/%s: %s" % (chart, values, proc.stderr))
                continue
            sa = want.get("service_account", fullname)
            if chart == "kubecpp-controller-manager":
                controllers = want["controllers"]
            else:
                controllers = set()
            lease = want.get("lease")
            if want["leader"] and chart == "kubecpp-controller-manager":
                lease = want.get("lease") or fullname
            probes = permission_probes(chart)
            if want["leader"]:
                probes += lease_probes(namespace, lease)
            answers = subject_access_reviews(kubectl, env.kubeconfig, namespace, sa, probes)
            c.equal(len(answers), len(probes), "SubjectAccessReview answers")
            for probe, got in zip(probes, answers):
                wanted = expected_allowed(chart, controllers, want["leader"], namespace,
                                          lease, probe)
                c.equal(got, wanted, "%s/%s: apiserver allows %s" % (chart, values, probe))
        # 3. The helm lifecycle: install, upgrade to HA, uninstall; the operator chart's
        #    CRD installed from crds/ and serving the sample WebApp.
        h = [helm, "--kubeconfig", env.kubeconfig]
        kcm = "kubecpp-controller-manager"
        run(h + ["install", "life", chart_dir(kcm), "-n", "life", "--create-namespace"])
        role = "life-%s" % kcm
        got = run(k + ["get", "clusterrole", "-o", "name", "-l",
                       "app.kubernetes.io/instance=life"]).stdout.split()
        c.equal(sorted(got), sorted("clusterrole.rbac.authorization.k8s.io/" + r for r in
                                    (role, role + "-garbagecollector", role + "-namespace")),
                "ClusterRoles after helm install")
        c.equal(run(k + ["get", "role", "-n", "life", "-o", "name"]).stdout.strip(), "",
                "no leader-election Role with one replica")
        run(h + ["upgrade", "life", chart_dir(kcm), "-n", "life", "--set", "replicaCount=2",
                 "--set", "controllers={replicaset,deployment}"])
        got = run(k + ["get", "clusterrole", "-o", "name", "-l",
                       "app.kubernetes.io/instance=life"]).stdout.split()
        c.equal(got, ["clusterrole.rbac.authorization.k8s.io/" + role],
                "ClusterRoles after helm upgrade to replicaset,deployment")
        c.equal(run(k + ["get", "role", "-n", "life", "-o", "name"]).stdout.strip(),
                "role.rbac.authorization.k8s.io/%s-leader-election" % role,
                "the leader-election Role after helm upgrade to 2 replicas")
        args = json.loads(run(k + ["get", "deployment", role, "-n", "life", "-o", "json"])
                          .stdout)["spec"]["template"]["spec"]["containers"][0]["args"]
        c.equal(arg_value(args, "--leader-elect"), "true", "--leader-elect after the upgrade")
        run(h + ["uninstall", "life", "-n", "life"])
        got = run(k + ["get", "clusterrole", "-o", "name", "-l",
                       "app.kubernetes.io/instance=life"]).stdout.split()
        c.equal(got, [], "ClusterRoles after helm uninstall")

        run(h + ["install", "web", chart_dir("webapp-operator"), "-n", "web",
                 "--create-namespace"])
        crd = "customresourcedefinition/webapps." + WEBAPP_GROUP
        proc = run(k + ["wait", "--for=condition=Established", "--timeout=60s", crd],
                   check=False)
        c.expect(proc.returncode == 0, "helm install creates the WebApp CRD from crds/: " +
                 proc.stderr)
        sample = os.path.join(ROOT, "examples", "webapp-operator", "config", "sample.yaml")
        if os.path.exists(sample):
            proc = run(k + ["apply", "--dry-run=server", "-f", sample],
                       check=False)
            c.expect(proc.returncode == 0, "the operator's sample WebApp is valid against "
                     "the chart's CRD: " + proc.stderr)
        print("e2e took %.1fs" % (time.monotonic() - start))
    finally:
        env.stop()
        shutil.rmtree(work, ignore_errors=True)
    return c.finish()


def main(argv):
    if len(argv) >= 2 and argv[1] == "lint" and len(argv) == 4:
        return cmd_lint(argv[2], argv[3])
    if len(argv) >= 2 and argv[1] == "template" and len(argv) == 4:
        return cmd_template(argv[2], argv[3])
    if argv[1:] == ["invalid"]:
        return cmd_invalid()
    if argv[1:] == ["crds"]:
        return cmd_crds()
    if argv[1:] == ["versions"]:
        return cmd_versions()
    if len(argv) == 3 and argv[1] == "e2e":
        return cmd_e2e(argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except AssertionError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
