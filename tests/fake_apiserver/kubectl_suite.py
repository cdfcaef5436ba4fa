#!/usr/bin/env python3
"""kubectl end to end against kube-fake-apiserver (docs/k8s-semantics.md C.k, A19).

Usage: kubectl_suite.py PATH/TO/kube-fake-apiserver [CHECK...]

Starts the server on a free port with its own kubeconfig and runs every check (or the
named ones); each asserts kubectl's exit code and output. Exits 0 when all pass, 1 when
one fails, 77 (ctest SKIP) when no kubectl is found (scripts/install-test-clients.sh
installs one).

Known limit: generator commands (`kubectl create deployment ...`) send protobuf bodies,
which the fake answers 415; the suite uses `create -f` / `apply -f`.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeserver import FakeServer, find_kubectl, skip  # noqa: E402

KUBECTL = None
SERVER = None
WORK = None


class CheckFailed(AssertionError):
    pass


def kubectl(*args, input=None, env=None, timeout=60):
    """Runs kubectl against the fake; returns (exit code, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.pop("KUBECONFIG", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([KUBECTL, "--kubeconfig", SERVER.kubeconfig, *args], input=input,
                          capture_output=True, text=True, env=full_env, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def ok(*args, **kwargs):
    """Runs kubectl and requires exit code 0; returns stdout."""
    code, out, err = kubectl(*args, **kwargs)
    if code != 0:
        raise CheckFailed("kubectl %s: exit %d\nstdout: %s\nstderr: %s" %
                          (" ".join(args), code, out, err))
    return out


def fails(*args, **kwargs):
    """Runs kubectl and requires a non-zero exit code; returns stderr."""
    code, out, err = kubectl(*args, **kwargs)
    if code == 0:
        raise CheckFailed("kubectl %s: expected failure, got exit 0\nstdout: %s" %
                          (" ".join(args), out))
    return err


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def contains(text, needle):
    expect(needle in text, "expected %r in:\n%s" % (needle, text))


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def create_namespace(name):
    # `kubectl create namespace` is a generator command (protobuf body, 415 here).
    ok("create", "-f", write("ns-%s.yaml" % name,
                             "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n" % name))


def get_json(*args):
    return json.loads(ok("get", *args, "-o", "json"))


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: %s
        ports: [{containerPort: 80}]
"""

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        description: A widget for tests.
        properties:
          spec:
            type: object
            description: What the widget should look like.
            properties:
              size: {type: integer, description: How big.}
              color: {type: string}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"""

# --- checks -----------------------------------------------------------------------------


def check_version():
    out = ok("version", "-o", "json")
    version = json.loads(out)
    expect(version["serverVersion"]["gitVersion"].startswith("v1.33"), out)
    code, out, err = kubectl("version")
    expect(code == 0, err)
    contains(out, "Server Version: v1.33")
    expect("WARNING" not in err, "version skew warning: " + err)


def check_api_resources():
    out = ok("api-resources")
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    for name in ("pods", "deployments", "namespaces", "configmaps",
                 "customresourcedefinitions"):
        expect(name in lines, "api-resources lacks %s:\n%s" % (name, out))
    contains(lines["deployments"], "deploy")
    contains(lines["deployments"], "apps/v1")
    contains(lines["pods"], "po")
    out = ok("api-resources", "--namespaced=false", "-o", "name")
    contains(out, "namespaces")
    expect("\npods\n" not in "\n" + out, "pods listed as cluster-scoped")


def check_create_and_already_exists():
    path = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm1}\n"
                 "data: {a: '1'}\n")
    out = ok("create", "-f", path)
    expect(out.strip() == "configmap/cm1 created", out)
    err = fails("create", "-f", path)
    contains(err, "Error from server (AlreadyExists)")
    contains(err, 'configmaps "cm1" already exists')
    cm = get_json("configmap", "cm1")
    expect(cm["data"] == {"a": "1"}, cm)
    expect(cm["metadata"]["uid"] and cm["metadata"]["resourceVersion"], cm)


def check_apply_client_side():
    path = write("deploy.yaml", DEPLOYMENT % "nginx:1.27")
    out = ok("apply", "-f", path)
    expect(out.strip() == "deployment.apps/web created", out)
    out = ok("apply", "-f", path)
    expect(out.strip() == "deployment.apps/web unchanged", out)
    path = write("deploy.yaml", DEPLOYMENT % "nginx:1.28")
    out = ok("apply", "-f", path)
    expect(out.strip() == "deployment.apps/web configured", out)
    d = get_json("deployment", "web")
    expect(d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28", d)
    expect(d["metadata"]["generation"] == 2, d["metadata"])
    contains(d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
             "nginx:1.28")
    # Defaults (A17) are applied.
    expect(d["spec"]["strategy"]["type"] == "RollingUpdate", d["spec"])
    expect(d["spec"]["revisionHistoryLimit"] == 10, d["spec"])


def check_apply_server_side():
    path = write("ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa1}\n"
                 "data: {k: v1}\n")
    out = ok("apply", "--server-side", "-f", path)
    expect(out.strip() == "configmap/ssa1 serverside-applied", out)
    write("ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa1}\n"
          "data: {k: v2}\n")
    ok("apply", "--server-side", "-f", path)
    cm = get_json("configmap", "ssa1", "--show-managed-fields")
    expect(cm["data"] == {"k": "v2"}, cm)
    managers = {(m["manager"], m["operation"]) for m in cm["metadata"]["managedFields"]}
    expect(("kubectl", "Apply") in managers, managers)
    # Another manager changing an applied field conflicts.
    write("ssa2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa1}\n"
          "data: {k: other}\n")
    err = fails("apply", "--server-side", "--field-manager=other", "-f",
                os.path.join(WORK, "ssa2.yaml"))
    contains(err, "conflict")
    ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f",
       os.path.join(WORK, "ssa2.yaml"))
    expect(get_json("configmap", "ssa1")["data"] == {"k": "other"}, "force did not win")


def check_get_output_formats():
    ok("apply", "-f", write("deploy.yaml", DEPLOYMENT % "nginx:1.28"))
    out = ok("get", "deployment", "web")
    header = out.splitlines()[0].split()
    expect(header[:5] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], out)
    out = ok("get", "deploy", "web", "-o", "wide")
    contains(out.splitlines()[0], "CONTAINERS")
    contains(out.splitlines()[0], "SELECTOR")
    contains(out, "nginx:1.28")
    contains(out, "app=web")
    expect(ok("get", "deploy", "web", "-o", "name").strip() == "deployment.apps/web", "-o name")
    out = ok("get", "deploy", "web", "-o", "yaml")
    contains(out, "kind: Deployment")
    contains(out, "name: web")
    out = ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")
    expect(out == "2", out)
    out = ok("get", "configmaps", "-o", "json")
    contains(out, '"kind": "List"')
    out = ok("get", "ns")
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        contains(out, ns)
    contains(out.splitlines()[0], "STATUS")
    contains(out, "Active")


def check_get_selectors_and_all_namespaces():
    create_namespace("team-a")
    # Multi-document YAML: a `kind: List` makes kubectl validate against OpenAPI v2,
    # which it only accepts as protobuf (not served by the fake).
    ok("create", "-f", write("sel.yaml", """apiVersion: v1
kind: ConfigMap
metadata: {name: s1, labels: {tier: front}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: s2, labels: {tier: back}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: s3, namespace: team-a, labels: {tier: front}}
"""))
    out = ok("get", "cm", "-l", "tier=front", "-o", "name")
    expect(out.split() == ["configmap/s1"], out)
    out = ok("get", "cm", "-l", "tier in (front,back)", "-o", "name")
    expect(out.split() == ["configmap/s1", "configmap/s2"], out)
    out = ok("get", "cm", "-l", "tier!=front", "-o", "name")
    contains(out, "configmap/s2")
    expect("configmap/s1" not in out, out)
    out = ok("get", "cm", "-A", "-l", "tier=front")
    lines = out.splitlines()
    expect(lines[0].split()[:2] == ["NAMESPACE", "NAME"], out)
    expect([line.split()[:2] for line in lines[1:]] == [["default", "s1"], ["team-a", "s3"]], out)
    out = ok("get", "cm", "--field-selector", "metadata.name=s2", "-o", "name")
    expect(out.split() == ["configmap/s2"], out)
    out = ok("get", "cm", "-A", "--field-selector", "metadata.namespace=team-a", "-o", "name")
    expect(out.split() == ["configmap/s3"], out)
    err = fails("get", "cm", "--field-selector", "spec.foo=bar")
    contains(err, "field label not supported: spec.foo")
    out = ok("get", "cm", "-n", "team-a", "--show-labels")
    contains(out.splitlines()[0], "LABELS")
    contains(out, "tier=front")


def check_chunked_list_over_500():
    items = ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bulk-%04d, namespace: bulk, "
             "labels: {bulk: 'yes'}}\n" % i for i in range(520)]
    create_namespace("bulk")
    ok("create", "-f", write("bulk.yaml", "---\n".join(items)), timeout=300)
    for args in (["-o", "name"], ["--chunk-size=100", "-o", "name"], ["--chunk-size=7"]):
        out = ok("get", "cm", "-n", "bulk", *args)
        names = [line for line in out.splitlines() if "bulk-" in line]
        expect(len(names) == 520, "%s: %d objects" % (args, len(names)))
    out = ok("get", "cm", "-n", "bulk", "--chunk-size=50", "-o", "json")
    expect(len(json.loads(out)["items"]) == 520, "json chunked list")
    # -v=6 shows the paged requests.
    code, _, err = kubectl("get", "cm", "-n", "bulk", "--chunk-size=200", "-o", "name", "-v=6")
    expect(code == 0, err)
    expect(err.count("limit=200") >= 3, "expected 3 paged requests:\n" + err[-2000:])
    contains(err, "continue=")


def check_get_watch_terminates():
    ok("create", "-f", write("w.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                             "metadata: {name: watched}\n"))
    start = time.time()
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", SERVER.kubeconfig, "get", "cm", "-w",
                             "--request-timeout=4s"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    ok("label", "cm", "watched", "seen=yes")
    ok("create", "-f", write("w2.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                             "metadata: {name: watched-2}\n"))
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise CheckFailed("kubectl get -w did not end after --request-timeout")
    expect(time.time() - start < 20, "watch took too long")
    contains(out, "watched")
    contains(out, "watched-2")
    # The initial list plus at least the MODIFIED and ADDED events.
    expect(sum(1 for line in out.splitlines() if line.startswith("watched ")) >= 2, out)
    # --watch-only with an output format prints events as they come.
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", SERVER.kubeconfig, "get", "cm",
                             "watched", "--watch-only", "-o", "name", "--request-timeout=3s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    ok("annotate", "cm", "watched", "x=y")
    out, err = proc.communicate(timeout=30)
    expect(out.strip() == "configmap/watched", "watch-only: %r %r" % (out, err))


def check_describe():
    ok("apply", "-f", write("deploy.yaml", DEPLOYMENT % "nginx:1.28"))
    out = ok("describe", "deployment", "web")
    contains(out, "Name:")
    contains(out, "web")
    contains(out, "Replicas:")
    contains(out, "nginx:1.28")
    contains(out, "StrategyType:")
    out = ok("describe", "ns", "default")
    contains(out, "Status:")
    contains(out, "Active")
    out = ok("describe", "cm", "cm1")
    contains(out, "Data")


def check_label_annotate():
    out = ok("label", "cm", "cm1", "color=blue")
    expect(out.strip() == "configmap/cm1 labeled", out)
    err = fails("label", "cm", "cm1", "color=red")
    contains(err, "already has a value (blue)")
    ok("label", "cm", "cm1", "color=red", "--overwrite")
    expect(get_json("cm", "cm1")["metadata"]["labels"] == {"color": "red"}, "label")
    ok("label", "cm", "cm1", "color-")
    expect("labels" not in get_json("cm", "cm1")["metadata"] or
           get_json("cm", "cm1")["metadata"]["labels"] == {}, "label removal")
    err = fails("label", "cm", "cm1", "bad key=x")
    out = ok("annotate", "cm", "cm1", "note=hello")
    expect(out.strip() == "configmap/cm1 annotated", out)
    expect(get_json("cm", "cm1")["metadata"]["annotations"]["note"] == "hello", "annotate")
    # Label many objects by selector.
    out = ok("label", "cm", "-l", "tier=front", "picked=true")
    contains(out, "configmap/s1 labeled")


def check_patch_types():
    out = ok("patch", "cm", "cm1", "--type=merge", "-p", '{"data":{"b":"2"}}')
    expect(out.strip() == "configmap/cm1 patched", out)
    out = ok("patch", "cm", "cm1", "--type=json", "-p",
             '[{"op":"replace","path":"/data/a","value":"10"}]')
    expect(get_json("cm", "cm1")["data"] == {"a": "10", "b": "2"}, "json patch")
    out = ok("patch", "cm", "cm1", "-p", '{"data":{"b":null}}')
    expect(get_json("cm", "cm1")["data"] == {"a": "10"}, "strategic patch null")
    out = ok("patch", "cm", "cm1", "--type=merge", "-p", '{"data":{"a":"10"}}')
    expect(out.strip() == "configmap/cm1 patched (no change)", out)
    # Strategic merge on containers merges by name.
    ok("apply", "-f", write("deploy.yaml", DEPLOYMENT % "nginx:1.28"))
    ok("patch", "deploy", "web", "-p",
       '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}')
    names = [c["name"] for c in
             get_json("deploy", "web")["spec"]["template"]["spec"]["containers"]]
    expect(sorted(names) == ["sidecar", "web"], names)
    # A failing JSON patch operation is a generic 422 (A11.1), printed like upstream.
    err = fails("patch", "cm", "cm1", "--type=json", "-p",
                '[{"op":"remove","path":"/data/nope"}]')
    contains(err, "The request is invalid")
    err = fails("patch", "cm", "cm1", "--type=json", "-p",
                '[{"op":"test","path":"/data/a","value":"wrong"}]')
    contains(err, "The request is invalid")
    err = fails("patch", "cm", "missing", "--type=merge", "-p", '{"data":{}}')
    contains(err, 'Error from server (NotFound): configmaps "missing" not found')
    ok("patch", "deploy", "web", "--subresource=status", "--type=merge", "-p",
       '{"status":{"replicas":2,"readyReplicas":1}}')
    out = ok("get", "deploy", "web", "--no-headers")
    expect(out.split()[1] == "1/2", out)


def check_scale():
    ok("apply", "-f", write("deploy.yaml", DEPLOYMENT % "nginx:1.28"))
    generation = get_json("deploy", "web")["metadata"]["generation"]
    out = ok("scale", "deploy", "web", "--replicas=5")
    expect(out.strip() == "deployment.apps/web scaled", out)
    d = get_json("deploy", "web")
    expect(d["spec"]["replicas"] == 5, d["spec"])
    expect(d["metadata"]["generation"] == generation + 1, d["metadata"])
    err = fails("scale", "deploy", "web", "--replicas=3", "--current-replicas=4")
    contains(err, "Expected replicas to be 4, was 5")
    ok("scale", "deploy", "web", "--replicas=3", "--current-replicas=5")
    expect(get_json("deploy", "web")["spec"]["replicas"] == 3, "scale with precondition")
    err = fails("scale", "deploy", "web", "--replicas=-1")
    err = fails("scale", "cm", "cm1", "--replicas=2")


def check_edit():
    ok("create", "-f", write("edit.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                             "metadata: {name: edited}\ndata: {mode: old}\n"))
    env = {"KUBE_EDITOR": "sed -i -e s/mode:\\ old/mode:\\ new/", "EDITOR": ""}
    out = ok("edit", "cm", "edited", env=env)
    expect(out.strip() == "configmap/edited edited", out)
    expect(get_json("cm", "edited")["data"] == {"mode": "new"}, "edit")
    code, out, err = kubectl("edit", "cm", "edited", env={"KUBE_EDITOR": "true"})
    expect(code == 0, err)
    contains(out + err, "Edit cancelled, no changes made.")
    # An edit to an immutable field is rejected and the edit saved to a file.
    env = {"KUBE_EDITOR": "sed -i -e s/app:\\ web$/app:\\ other/"}
    code, out, err = kubectl("edit", "deploy", "web", env=env)
    expect(code != 0, "immutable selector edit accepted: " + out)
    contains(err, 'deployments.apps "web" is invalid')


def check_delete_cascades():
    for name in ("del-bg", "del-fg", "del-orphan"):
        ok("create", "-f", write(name + ".yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                 "metadata: {name: %s}\n" % name))
    out = ok("delete", "cm", "del-bg")
    expect(out.strip() == 'configmap "del-bg" deleted', out)
    fails("get", "cm", "del-bg")
    # Foreground/orphan add a GC finalizer; without a garbage collector running the
    # object stays with deletionTimestamp set, so use --wait=false and assert that.
    out = ok("delete", "cm", "del-fg", "--cascade=foreground", "--wait=false")
    contains(out, 'configmap "del-fg" deleted')
    cm = get_json("cm", "del-fg")
    expect("deletionTimestamp" in cm["metadata"], cm["metadata"])
    expect(cm["metadata"].get("finalizers") == ["foregroundDeletion"], cm["metadata"])
    ok("delete", "cm", "del-orphan", "--cascade=orphan", "--wait=false")
    cm = get_json("cm", "del-orphan")
    expect(cm["metadata"].get("finalizers") == ["orphan"], cm["metadata"])
    # Removing the finalizer completes the deletion; `wait --for=delete` sees it.
    wait = subprocess.Popen([KUBECTL, "--kubeconfig", SERVER.kubeconfig, "wait",
                             "--for=delete", "cm/del-orphan", "--timeout=20s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    ok("patch", "cm", "del-orphan", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    out, err = wait.communicate(timeout=30)
    expect(wait.returncode == 0, "wait --for=delete: %s %s" % (out, err))
    contains(out, "condition met")
    fails("get", "cm", "del-orphan")
    ok("patch", "cm", "del-fg", "--type=json", "-p",
       '[{"op":"remove","path":"/metadata/finalizers"}]')
    fails("get", "cm", "del-fg")
    # Delete by label, and --all in a namespace.
    out = ok("delete", "cm", "-l", "tier=back")
    contains(out, 'configmap "s2" deleted')
    out = ok("delete", "cm", "--all", "-n", "team-a")
    contains(out, 'configmap "s3" deleted')
    # Deleting a pod waits for it to go (no kubelet: unscheduled pods go at once).
    ok("create", "-f", write("pod.yaml", """apiVersion: v1
kind: Pod
metadata: {name: p1}
spec: {containers: [{name: c, image: busybox}]}
"""))
    out = ok("delete", "pod", "p1", "--timeout=20s")
    expect(out.strip() == 'pod "p1" deleted', out)
    out = ok("delete", "deploy", "web", "--timeout=20s")
    expect(out.strip() == 'deployment.apps "web" deleted', out)
    err = fails("delete", "cm", "never-there")
    contains(err, 'Error from server (NotFound): configmaps "never-there" not found')
    out = ok("delete", "cm", "never-there", "--ignore-not-found")
    expect(out.strip() == "", out)


def check_errors():
    err = fails("get", "nope")
    contains(err, 'error: the server doesn\'t have a resource type "nope"')
    err = fails("get", "pods", "x")
    contains(err, 'Error from server (NotFound): pods "x" not found')
    err = fails("get", "deploy", "x")
    contains(err, 'Error from server (NotFound): deployments.apps "x" not found')
    err = fails("get", "pods", "-n", "no-such-ns", "x")
    contains(err, "NotFound")
    err = fails("create", "-f", write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                      "metadata: {name: Bad_Name}\n"))
    contains(err, "Invalid")
    contains(err, "Bad_Name")
    err = fails("create", "-n", "no-such-ns", "-f", write("nons.yaml", "apiVersion: v1\n"
                                                          "kind: ConfigMap\n"
                                                          "metadata: {name: x}\n"))
    contains(err, 'namespaces "no-such-ns" not found')
    # Strict field validation (kubectl's default) rejects unknown fields.
    err = fails("create", "-f", write("unknown.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                      "metadata: {name: unk}\nbogus: 1\n"))
    contains(err, 'unknown field "bogus"')
    out = ok("create", "--validate=false", "-f", os.path.join(WORK, "unknown.yaml"))
    contains(out, "configmap/unk created")


def check_crd_printer_columns_and_wait():
    out = ok("apply", "-f", write("crd.yaml", CRD))
    contains(out, "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created")
    out = ok("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s")
    contains(out, "condition met")
    out = ok("get", "crd")
    contains(out, "widgets.example.com")
    contains(out.splitlines()[0], "CREATED AT")
    out = ok("get", "widgets")
    expect("No resources found" in out or out.strip() == "", out)
    ok("apply", "-f", write("widget.yaml", """apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3, color: red}
"""))
    out = ok("get", "widgets")
    header = out.splitlines()[0].split()
    expect(header == ["NAME", "SIZE", "COLOR"], out)
    expect(out.splitlines()[1].split() == ["w1", "3", "red"], out)
    out = ok("get", "wd", "w1", "-o", "name")
    expect(out.strip() == "widget.example.com/w1", out)
    out = ok("get", "widget.example.com", "w1", "-o", "jsonpath={.spec.size}")
    expect(out == "3", out)
    # Merge patch is used for custom resources (strategic is 415).
    ok("patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":4}}')
    err = fails("patch", "widget", "w1", "-p", '{"spec":{"size":5}}')
    contains(err, "application/strategic-merge-patch+json is not supported by "
             "example.com/v1, Kind=Widget")
    ok("apply", "-f", write("widget.yaml", """apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 6, color: red}
"""))
    expect(get_json("widget", "w1")["spec"]["size"] == 6, "apply to CR")
    # Status subresource and wait on a CR condition.
    waiter = subprocess.Popen([KUBECTL, "--kubeconfig", SERVER.kubeconfig, "wait",
                               "--for=condition=Ready", "widget/w1", "--timeout=20s"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    ok("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p",
       '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}')
    out, err = waiter.communicate(timeout=30)
    expect(waiter.returncode == 0, "wait condition on CR: %s %s" % (out, err))
    contains(out, "widget.example.com/w1 condition met")
    err = fails("create", "-f", write("badwidget.yaml", """apiVersion: example.com/v1
kind: Widget
metadata: {name: w2}
spec: {size: big}
"""))
    contains(err, "spec.size")
    # Validation (jsonpath) and deletion of the CR.
    out = ok("delete", "widget", "w1", "--timeout=20s")
    expect(out.strip() == 'widget.example.com "w1" deleted', out)


def check_explain():
    out = ok("explain", "pods")
    contains(out, "KIND:")
    contains(out, "Pod")
    # Built-in kinds are served with shallow OpenAPI schemas (spec/status are
    # preserve-unknown-fields), so explain goes one level deep for them.
    out = ok("explain", "deployment")
    contains(out, "Deployment")
    contains(out, "spec")
    out = ok("explain", "widgets.spec")
    contains(out, "What the widget should look like.")
    contains(out, "size")
    err = fails("explain", "nope")
    contains(err, "doesn't have a resource type")


def check_create_protobuf_generator_unsupported():
    """Known limit: generator commands send protobuf, which the fake does not decode."""
    code, out, err = kubectl("create", "configmap", "gen", "--from-literal=a=b")
    if code == 0:
        expect(get_json("cm", "gen")["data"] == {"a": "b"}, "generator configmap")
    else:
        contains(err, "the body of the request was in an unknown format")


CHECKS = [
    check_version,
    check_api_resources,
    check_create_and_already_exists,
    check_apply_client_side,
    check_apply_server_side,
    check_get_output_formats,
    check_get_selectors_and_all_namespaces,
    check_chunked_list_over_500,
    check_get_watch_terminates,
    check_describe,
    check_label_annotate,
    check_patch_types,
    check_scale,
    check_edit,
    check_errors,
    check_crd_printer_columns_and_wait,
    check_explain,
    check_delete_cascades,
    check_create_protobuf_generator_unsupported,
]


def main(argv):
    global KUBECTL, SERVER, WORK
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    KUBECTL = find_kubectl()
    if KUBECTL is None:
        skip("kubectl not found (PATH, $KUBECTL or the install cache); run "
             "scripts/install-test-clients.sh")
    wanted = set(argv[2:])
    WORK = tempfile.mkdtemp(prefix="kubectl-suite-")
    failed = []
    with FakeServer(argv[1]) as server:
        SERVER = server
        print("kubectl: %s, server %s" % (KUBECTL, server.url))
        for check in CHECKS:
            if wanted and check.__name__ not in wanted:
                continue
            start = time.time()
            try:
                check()
                print("PASS %s (%.1fs)" % (check.__name__, time.time() - start), flush=True)
            except Exception:  # noqa: BLE001 - report every failure and go on
                failed.append(check.__name__)
                print("FAIL %s\n%s" % (check.__name__, traceback.format_exc()), flush=True)
    print("%d checks, %d failed%s" % (len(wanted) or len(CHECKS), len(failed),
                                      (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
