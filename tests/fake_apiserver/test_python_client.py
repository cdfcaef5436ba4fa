"""The official Python `kubernetes` client against kube-fake-apiserver.

docs/k8s-semantics.md A19 (Python client) and the scenarios marked (py): CRUD, list
(`items: []`, selectors, paging), watch (`watch=True` capitalised, timeouts, the
automatic retry after an in-stream 410, compaction), patch types, server-side apply,
status, deletion and custom objects. Run through py_suite.py, which starts nothing
itself: the `server` fixture starts one kube-fake-apiserver for the session.
"""

import json
import os
import threading
import time
import uuid

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from fakeserver import FakeServer


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("KUBE_FAKE_APISERVER")
    if not binary:
        pytest.skip("KUBE_FAKE_APISERVER is not set (run through py_suite.py)")
    with FakeServer(binary) as s:
        yield s


@pytest.fixture(scope="session")
def api_client(server):
    return config.new_client_from_config(config_file=server.kubeconfig)


@pytest.fixture
def core(api_client):
    return client.CoreV1Api(api_client)


@pytest.fixture
def apps(api_client):
    return client.AppsV1Api(api_client)


@pytest.fixture
def ns(core):
    """A fresh namespace per test."""
    name = "py-" + uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name


def configmap(name, data=None, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels),
                              data=data or {})


def deployment(name, image="nginx:1.27", replicas=2):
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image=image)]))))


def raw_get(api_client, path, query=()):
    """GET with a hand-written query string (e.g. watch=True); returns the response."""
    url = api_client.configuration.host + path
    if query:
        url += "?" + "&".join("%s=%s" % kv for kv in query)
    headers = {"Accept": "application/json"}
    api_client.update_params_for_auth(headers, [], ["BearerToken"], path, "GET", None)
    response = api_client.rest_client.request("GET", url, headers=headers, _request_timeout=10)
    response.read()
    return response


# --- basics ------------------------------------------------------------------------------


def test_version_reports_server_version(api_client):
    info = client.VersionApi(api_client).get_code()
    assert info.major == "1"
    assert info.git_version.startswith("v1.33")


def test_discovery_lists_groups(api_client):
    groups = client.ApisApi(api_client).get_api_versions()
    names = [g.name for g in groups.groups]
    assert "apps" in names
    resources = client.CoreV1Api(api_client).get_api_resources()
    assert "pods" in [r.name for r in resources.resources]


def test_empty_list_deserialises_to_empty_items(core, ns):
    listed = core.list_namespaced_config_map(ns)
    assert listed.items == []
    raw = core.list_namespaced_config_map(ns, _preload_content=False)
    assert json.loads(raw.data)["items"] == []
    assert int(listed.metadata.resource_version) > 0


def test_configmap_crud(core, ns):
    created = core.create_namespaced_config_map(ns, configmap("c1", {"a": "1"}))
    assert created.metadata.uid
    assert created.metadata.creation_timestamp is not None
    read = core.read_namespaced_config_map("c1", ns)
    assert read.data == {"a": "1"}
    read.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("c1", ns, read)
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    patched = core.patch_namespaced_config_map("c1", ns, {"data": {"c": "3"}})
    assert patched.data == {"a": "1", "b": "2", "c": "3"}
    status = core.delete_namespaced_config_map("c1", ns)
    status = status if isinstance(status, dict) else status.to_dict()
    assert status["status"] == "Success"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("c1", ns)
    assert err.value.status == 404
    body = json.loads(err.value.body)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'configmaps "c1" not found'


def test_create_existing_is_409_already_exists(core, ns):
    core.create_namespaced_config_map(ns, configmap("dup"))
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(ns, configmap("dup"))
    assert err.value.status == 409
    assert json.loads(err.value.body)["reason"] == "AlreadyExists"


def test_stale_replace_is_409_conflict(core, ns):
    first = core.create_namespaced_config_map(ns, configmap("c"))
    core.patch_namespaced_config_map("c", ns, {"data": {"x": "1"}})
    first.data = {"y": "2"}
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_config_map("c", ns, first)
    assert err.value.status == 409
    assert "the object has been modified" in json.loads(err.value.body)["message"]


def test_generate_name(core, ns):
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-"))
    created = core.create_namespaced_config_map(ns, body)
    assert created.metadata.name.startswith("gen-")
    assert len(created.metadata.name) == len("gen-") + 5


def test_create_in_missing_namespace_is_404(core):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("no-such-namespace", configmap("x"))
    assert err.value.status == 404
    assert json.loads(err.value.body)["message"] == 'namespaces "no-such-namespace" not found'


# --- list --------------------------------------------------------------------------------


def test_list_selectors_and_paging(core, ns):
    for i in range(7):
        core.create_namespaced_config_map(
            ns, configmap("p%d" % i, labels={"parity": "even" if i % 2 == 0 else "odd"}))
    assert [c.metadata.name for c in core.list_namespaced_config_map(
        ns, label_selector="parity=odd").items] == ["p1", "p3", "p5"]
    assert [c.metadata.name for c in core.list_namespaced_config_map(
        ns, field_selector="metadata.name=p4").items] == ["p4"]
    names, token, rvs = [], None, set()
    while True:
        page = core.list_namespaced_config_map(ns, limit=3, _continue=token)
        names += [c.metadata.name for c in page.items]
        rvs.add(page.metadata.resource_version)
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == 7 - len(names)
    assert names == ["p%d" % i for i in range(7)]
    assert len(rvs) == 1, "every page comes from the same snapshot"
    everywhere = core.list_config_map_for_all_namespaces(label_selector="parity=even")
    assert len([c for c in everywhere.items if c.metadata.namespace == ns]) == 4


def test_bad_selector_is_400(core, ns):
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(ns, field_selector="spec.nope=1")
    assert err.value.status == 400
    assert "field label not supported" in json.loads(err.value.body)["message"]


# --- watch -------------------------------------------------------------------------------


def later(seconds, fn):
    timer = threading.Timer(seconds, fn)
    timer.start()
    return timer


def test_watch_streams_events_and_ends_at_timeout(core, ns):
    core.create_namespaced_config_map(ns, configmap("w0"))
    later(0.5, lambda: core.create_namespaced_config_map(ns, configmap("w1")))
    later(1.0, lambda: core.patch_namespaced_config_map("w1", ns, {"data": {"k": "v"}}))
    later(1.5, lambda: core.delete_namespaced_config_map("w1", ns))
    start = time.time()
    events = [(e["type"], e["object"].metadata.name)
              for e in watch.Watch().stream(core.list_namespaced_config_map, ns,
                                            timeout_seconds=3)]
    assert 2.5 < time.time() - start < 10
    assert events == [("ADDED", "w0"), ("ADDED", "w1"), ("MODIFIED", "w1"),
                      ("DELETED", "w1")]


def test_watch_from_resource_version_replays_only_later_events(core, ns):
    core.create_namespaced_config_map(ns, configmap("a"))
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, configmap("b"))
    events = [(e["type"], e["object"].metadata.name)
              for e in watch.Watch().stream(core.list_namespaced_config_map, ns,
                                            resource_version=rv, timeout_seconds=1)]
    assert events == [("ADDED", "b")]


def test_watch_true_capitalised_starts_a_watch(api_client, core, ns):
    core.create_namespaced_config_map(ns, configmap("cap"))
    for spelling in ("True", "true", "1"):
        response = raw_get(api_client, "/api/v1/namespaces/%s/configmaps" % ns,
                           [("watch", spelling), ("timeoutSeconds", "1")])
        lines = [line for line in response.data.decode().split("\n") if line]
        assert response.status == 200
        event = json.loads(lines[0])
        assert event["type"] == "ADDED"
        assert event["object"]["metadata"]["name"] == "cap"


def test_watch_retries_once_after_in_stream_410(server, core, ns):
    rv = core.create_namespaced_config_map(ns, configmap("r0")).metadata.resource_version
    server.fault({"verb": "watch", "resource": "configmaps", "code": 410, "times": 1})
    later(1.0, lambda: core.create_namespaced_config_map(ns, configmap("r1")))
    w = watch.Watch()
    seen = []
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv):
        seen.append((event["type"], event["object"].metadata.name))
        w.stop()
    assert seen == [("ADDED", "r1")]


def test_watch_after_compaction_raises_410_after_one_retry(server, core, ns):
    rv = core.create_namespaced_config_map(ns, configmap("old")).metadata.resource_version
    core.create_namespaced_config_map(ns, configmap("newer"))
    server.fault({"action": "compact"})
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=rv):
            pass
    assert err.value.status == 410
    assert "Expired" in err.value.reason
    # With timeout_seconds the client does not retry: the same error at once.
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=rv,
                                      timeout_seconds=5):
            pass
    assert err.value.status == 410


def test_watch_bookmarks_allowed(core, ns):
    core.create_namespaced_config_map(ns, configmap("bm"))
    w = watch.Watch()
    events = list(w.stream(core.list_namespaced_config_map, ns, allow_watch_bookmarks=True,
                           timeout_seconds=1))
    types = [e["type"] for e in events]
    assert types[0] == "ADDED"
    assert set(types) <= {"ADDED", "BOOKMARK"}
    assert int(w.resource_version) > 0


def test_list_after_continue_token_compaction_is_410(server, core, ns):
    for i in range(3):
        core.create_namespaced_config_map(ns, configmap("t%d" % i))
    page = core.list_namespaced_config_map(ns, limit=1)
    core.create_namespaced_config_map(ns, configmap("t9"))
    server.fault({"action": "compact"})
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(ns, limit=1, _continue=page.metadata._continue)
    assert err.value.status == 410
    assert json.loads(err.value.body)["reason"] == "Expired"


def test_injected_429_carries_retry_after(server, core, ns):
    # The client retries 429s by itself; more faults than its retries surface.
    server.fault({"verb": "list", "resource": "secrets", "code": 429, "times": 50,
                  "retryAfterSeconds": 1})
    with pytest.raises(ApiException) as err:
        core.list_namespaced_secret(ns, _request_timeout=30)
    assert err.value.status == 429
    assert err.value.headers["Retry-After"] == "1"
    assert json.loads(err.value.body)["reason"] == "TooManyRequests"
    for _ in range(60):  # drain the remaining injected faults
        try:
            core.list_namespaced_secret(ns)
            break
        except ApiException:
            pass


# --- deployments (C99) -------------------------------------------------------------------


def test_deployment_lifecycle(apps, ns):
    created = apps.create_namespaced_deployment(ns, deployment("web"))
    assert created.metadata.generation == 1
    assert created.spec.strategy.type == "RollingUpdate"
    assert created.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"
    read = apps.read_namespaced_deployment("web", ns)
    assert read.spec.replicas == 2
    # A dict body is a strategic merge patch: containers merge by name.
    patched = apps.patch_namespaced_deployment(
        "web", ns, {"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "image": "busybox"}]}}}})
    assert sorted(c.name for c in patched.spec.template.spec.containers) == ["sidecar", "web"]
    assert patched.metadata.generation == 2
    # A list body is a JSON patch.
    patched = apps.patch_namespaced_deployment(
        "web", ns, [{"op": "replace", "path": "/spec/replicas", "value": 4}])
    assert patched.spec.replicas == 4
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment(
            "web", ns, [{"op": "test", "path": "/spec/replicas", "value": 9}])
    assert err.value.status == 422
    # Status through /status; the main endpoint keeps it.
    current = apps.read_namespaced_deployment("web", ns)
    current.status = client.V1DeploymentStatus(replicas=4, ready_replicas=3,
                                               observed_generation=3)
    updated = apps.replace_namespaced_deployment_status("web", ns, current)
    assert updated.status.ready_replicas == 3
    assert updated.metadata.generation == current.metadata.generation
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert scale.spec.replicas == 4
    assert scale.status.selector == "app=web"
    apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 1}})
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 1
    # Foreground deletion: without a garbage collector in the process the object keeps
    # the foregroundDeletion finalizer and a deletionTimestamp.
    apps.delete_namespaced_deployment(
        "web", ns, body=client.V1DeleteOptions(propagation_policy="Foreground"))
    pending = apps.read_namespaced_deployment("web", ns)
    assert pending.metadata.deletion_timestamp is not None
    assert pending.metadata.finalizers == ["foregroundDeletion"]
    apps.patch_namespaced_deployment("web", ns, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("web", ns)
    assert err.value.status == 404


def test_server_side_apply(core, ns):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"},
            "data": {"k": "v"}}
    created = core.patch_namespaced_config_map("ssa", ns, body, field_manager="py",
                                               _content_type="application/apply-patch+yaml")
    assert created.data == {"k": "v"}
    assert [m.manager for m in created.metadata.managed_fields] == ["py"]
    body["data"] = {"k": "other"}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map("ssa", ns, body, field_manager="intruder",
                                         _content_type="application/apply-patch+yaml")
    assert err.value.status == 409
    forced = core.patch_namespaced_config_map("ssa", ns, body, field_manager="intruder",
                                              force=True,
                                              _content_type="application/apply-patch+yaml")
    assert forced.data == {"k": "other"}


def test_delete_collection(core, ns):
    for i in range(3):
        core.create_namespaced_config_map(ns, configmap("d%d" % i, labels={"drop": "yes"}))
    core.create_namespaced_config_map(ns, configmap("keep"))
    core.delete_collection_namespaced_config_map(ns, label_selector="drop=yes")
    assert [c.metadata.name for c in core.list_namespaced_config_map(ns).items] == ["keep"]


def test_pod_defaults_and_delete(core, ns):
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name="p"),
                       spec=client.V1PodSpec(containers=[client.V1Container(
                           name="c", image="busybox")]))
    created = core.create_namespaced_pod(ns, pod)
    assert created.status.phase == "Pending"
    assert created.spec.restart_policy == "Always"
    assert created.spec.containers[0].image_pull_policy == "Always"
    deleted = core.delete_namespaced_pod("p", ns)
    assert deleted.metadata.name == "p"
    with pytest.raises(ApiException):
        core.read_namespaced_pod("p", ns)


def test_namespace_deletion(core):
    name = "gone-" + uuid.uuid4().hex[:6]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    core.create_namespaced_config_map(name, configmap("inside"))
    ns = core.read_namespace(name)
    assert ns.status.phase == "Active"
    assert ns.metadata.labels["kubernetes.io/metadata.name"] == name
    core.delete_namespace(name)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            core.read_namespace(name)
        except ApiException as err:
            assert err.status == 404
            break
        time.sleep(0.1)
    else:
        pytest.fail("namespace was not removed")


# --- custom resources --------------------------------------------------------------------


def test_custom_objects(api_client, ns):
    ext = client.ApiextensionsV1Api(api_client)
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.org"},
        "spec": {"group": "example.org", "scope": "Namespaced",
                 "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {
                                   "type": "object",
                                   "properties": {
                                       "spec": {"type": "object", "properties": {
                                           "size": {"type": "integer"}}},
                                       "status": {"type": "object",
                                                  "x-kubernetes-preserve-unknown-fields":
                                                      True}}}}}]}}
    try:
        ext.create_custom_resource_definition(crd)
    except ApiException as err:
        assert err.status == 409  # created by an earlier run of this test in the session
    read = ext.read_custom_resource_definition("gadgets.example.org")
    conditions = {c.type: c.status for c in read.status.conditions}
    assert conditions.get("Established") == "True"
    custom = client.CustomObjectsApi(api_client)
    assert custom.list_namespaced_custom_object("example.org", "v1", ns, "gadgets")[
        "items"] == []
    obj = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g1"},
           "spec": {"size": 1, "unknown": "pruned"}}
    created = custom.create_namespaced_custom_object("example.org", "v1", ns, "gadgets", obj)
    assert created["metadata"]["generation"] == 1
    assert created["spec"] == {"size": 1}
    patched = custom.patch_namespaced_custom_object("example.org", "v1", ns, "gadgets", "g1",
                                                    {"spec": {"size": 2}})
    assert patched["spec"]["size"] == 2
    assert patched["metadata"]["generation"] == 2
    status = custom.patch_namespaced_custom_object_status(
        "example.org", "v1", ns, "gadgets", "g1", {"status": {"ok": True}})
    assert status["status"] == {"ok": True}
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object(
            "example.org", "v1", ns, "gadgets",
            {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "bad"},
             "spec": {"size": "big"}})
    assert err.value.status == 422
    events = [e["type"] for e in watch.Watch().stream(
        custom.list_namespaced_custom_object, "example.org", "v1", ns, "gadgets",
        timeout_seconds=1)]
    assert events == ["ADDED"]
    custom.delete_namespaced_custom_object("example.org", "v1", ns, "gadgets", "g1")
    assert custom.list_namespaced_custom_object("example.org", "v1", ns, "gadgets")[
        "items"] == []
