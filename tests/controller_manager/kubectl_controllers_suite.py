#!/usr/bin/env python3
"""kubectl drives kubecpp-controller-manager's built-in controllers (issue 7's test).

Usage: kubectl_controllers_suite.py PATH/TO/kubecpp-controller-manager [CHECK...]

Starts the binary with its embedded apiserver (HTTPS, own kubeconfig) and podsim, then
runs the checks in order, each building on the cluster the previous one left: a
Deployment rolls out, a deleted pod is replaced, `set image` rolls to a second
ReplicaSet, `rollout undo` goes back, `scale` scales, deleting the Deployment collects
its ReplicaSets and pods, deleting a namespace empties it. Exits 0 when all pass, 1 when
one fails, 77 (ctest SKIP) when no kubectl is found.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "fake_apiserver"))
from fakeserver import find_kubectl, SKIP  # noqa: E402

KUBECTL = None
KUBECONFIG = None

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


class CheckFailed(AssertionError):
    pass


def kubectl(*args, input=None, timeout=120):
    env = dict(os.environ)
    env.pop("KUBECONFIG", None)
    proc = subprocess.run([KUBECTL, "--kubeconfig", KUBECONFIG, *args], input=input,
                          capture_output=True, text=True, env=env, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def ok(*args, **kwargs):
    code, out, err = kubectl(*args, **kwargs)
    if code != 0:
        raise CheckFailed("kubectl %s: exit %d\nstdout: %s\nstderr: %s" %
                          (" ".join(args), code, out, err))
    return out


def get_json(*args):
    return json.loads(ok("get", *args, "-o", "json"))


def eventually(what, predicate, timeout=60):
    """Polls predicate() until it returns a true value; returns that value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except CheckFailed as e:
            last = e
        time.sleep(0.2)
    raise CheckFailed("timed out waiting for %s (last: %r)" % (what, last))


def pods(selector="app=web", namespace="default"):
    items = get_json("pods", "-n", namespace, "-l", selector)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def replicasets(namespace="default"):
    return get_json("replicasets", "-n", namespace, "-l", "app=web")["items"]


def rollout_status():
    ok("rollout", "status", "deployment/web", "--timeout=90s", timeout=120)


def check_rollout():
    ok("apply", "-f", "-", input=DEPLOYMENT)
    rollout_status()
    running = pods()
    if len(running) != 3 or any(p["status"].get("phase") != "Running" for p in running):
        raise CheckFailed("want 3 running pods, got %r" %
                          [(p["metadata"]["name"], p["status"].get("phase")) for p in running])
    rs = replicasets()
    if len(rs) != 1 or not re.fullmatch(r"web-[4-9bcdf]{1,10}", rs[0]["metadata"]["name"]):
        raise CheckFailed("want one ReplicaSet web-<hash>, got %r" %
                          [r["metadata"]["name"] for r in rs])
    # The EndpointSlice controller publishes the ready pods behind the Service.
    def slice_ready():
        slices = get_json("endpointslices", "-l", "kubernetes.io/service-name=web")["items"]
        ready = [e for s in slices for e in (s.get("endpoints") or [])
                 if e.get("conditions", {}).get("ready")]
        return len(ready) == 3
    eventually("3 ready endpoints for service web", slice_ready)
    table = ok("get", "deployment", "web")
    if not re.search(r"web\s+3/3\s+3\s+3", table):
        raise CheckFailed("kubectl get deployment shows %r" % table)


def check_deleted_pod_is_replaced():
    victim = pods()[0]["metadata"]["name"]
    ok("delete", "pod", victim, "--wait=true")
    eventually("a replacement for " + victim,
               lambda: len(pods()) == 3 and victim not in
               [p["metadata"]["name"] for p in pods()])
    rollout_status()


def check_set_image_rolls_to_a_second_replicaset():
    ok("set", "image", "deployment/web", "web=nginx:1.28")
    rollout_status()
    rs = {r["spec"]["template"]["spec"]["containers"][0]["image"]: r for r in replicasets()}
    if set(rs) != {"nginx:1.27", "nginx:1.28"}:
        raise CheckFailed("want ReplicaSets for both images, got %r" % list(rs))
    if rs["nginx:1.28"]["spec"]["replicas"] != 3 or rs["nginx:1.27"]["spec"]["replicas"] != 0:
        raise CheckFailed("new RS should have 3 replicas and the old 0")
    images = {p["spec"]["containers"][0]["image"] for p in pods()}
    if images != {"nginx:1.28"}:
        raise CheckFailed("pods run %r" % images)
    history = ok("rollout", "history", "deployment/web")
    if not re.search(r"^1\s", history, re.M) or not re.search(r"^2\s", history, re.M):
        raise CheckFailed("rollout history shows %r" % history)


def check_rollout_undo():
    ok("rollout", "undo", "deployment/web")
    rollout_status()
    rs = replicasets()
    if len(rs) != 2:
        raise CheckFailed("undo must reuse the old ReplicaSet, got %d" % len(rs))
    d = get_json("deployment", "web")
    if d["spec"]["template"]["spec"]["containers"][0]["image"] != "nginx:1.27":
        raise CheckFailed("undo did not restore the image")
    if d["metadata"]["annotations"].get("deployment.kubernetes.io/revision") != "3":
        raise CheckFailed("revision after undo: %r" % d["metadata"]["annotations"])


def check_scale():
    ok("scale", "deployment/web", "--replicas=5")
    rollout_status()
    eventually("5 pods", lambda: len(pods()) == 5)


def check_delete_deployment_collects_its_objects():
    ok("delete", "deployment", "web")
    eventually("ReplicaSets collected", lambda: not replicasets())
    eventually("pods collected", lambda: not get_json("pods", "-l", "app=web")["items"])


def check_delete_namespace_empties_it():
    # (`kubectl create namespace` sends protobuf, which the fake does not speak yet.)
    ok("apply", "-f", "-", input="apiVersion: v1\nkind: Namespace\nmetadata: {name: scratch}\n")
    ok("apply", "-n", "scratch", "-f", "-", input=DEPLOYMENT.replace("namespace: default",
                                                                         "namespace: scratch"))
    eventually("pods in scratch", lambda: len(pods(namespace="scratch")) == 3)
    ok("delete", "namespace", "scratch", "--timeout=90s", timeout=120)
    code, _, err = kubectl("get", "namespace", "scratch")
    if code == 0 or "NotFound" not in err:
        raise CheckFailed("namespace scratch still exists: %s" % err)


CHECKS = [check_rollout, check_deleted_pod_is_replaced,
          check_set_image_rolls_to_a_second_replicaset, check_rollout_undo, check_scale,
          check_delete_deployment_collects_its_objects, check_delete_namespace_empties_it]


def main(argv):
    global KUBECTL, KUBECONFIG
    if len(argv) < 2:
        print(__doc__)
        return 2
    KUBECTL = find_kubectl()
    if KUBECTL is None:
        print("SKIP: no kubectl (scripts/install-test-clients.sh installs one)")
        return SKIP
    work = tempfile.mkdtemp(prefix="kubecpp-controller-manager-")
    KUBECONFIG = os.path.join(work, "kubeconfig")
    proc = subprocess.Popen(
        [argv[1], "--embedded-apiserver", "--write-kubeconfig", KUBECONFIG,
         "--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0",
         "--kube-api-qps=0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    started = threading.Event()

    def read():
        for line in proc.stdout:
            output.append(line)
            if "kubeconfig " in line:
                started.set()

    threading.Thread(target=read, daemon=True).start()
    failed = []
    try:
        if not started.wait(60):
            print("kubecpp-controller-manager did not start:\n" + "".join(output))
            return 1
        wanted = set(argv[2:])
        for check in CHECKS:
            if wanted and check.__name__ not in wanted:
                continue
            began = time.time()
            try:
                check()
                print("PASS %s (%.1f s)" % (check.__name__, time.time() - began), flush=True)
            except Exception:  # noqa: BLE001 - report every failure the same way
                failed.append(check.__name__)
                print("FAIL %s\n%s" % (check.__name__, traceback.format_exc()), flush=True)
                break  # later checks build on this one
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "killed"
        if failed or code != 0:
            print("controller manager exit %s; its last output:\n%s" %
                  (code, "".join(output[-60:])))
    return 1 if failed or code != 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
