#!/usr/bin/env python3
"""Compares codegen/schemas/*.yaml with a real kube-apiserver's OpenAPI v3.

Every component schema we write must exist upstream under the same name, and each
of its properties must exist there with the same type and format (or the same $ref);
the `required` lists must match. Fields we keep as free-form objects where upstream
has a $ref are reported too (they round-trip as unknown JSON, by choice).

Usage (with the envtest binaries built by `make envtest`):
  build/default/sdk/testing/kubecpp-envtest start --kubeconfig /tmp/real.yaml &
  scripts/check-api-schemas.py /tmp/real.yaml
"""
import glob
import json
import os
import subprocess
import sys

import yaml

GROUP_VERSIONS = ["api/v1", "apis/apps/v1", "apis/discovery.k8s.io/v1",
                  "apis/coordination.k8s.io/v1", "apis/events.k8s.io/v1",
                  "apis/autoscaling/v1", "apis/apiextensions.k8s.io/v1"]


def kind(schema):
    ref = schema.get("$ref")
    if ref is None and len(schema.get("allOf", [])) == 1:
        ref = schema["allOf"][0].get("$ref")
    if ref is not None:
        return "ref:" + ref.split("/")[-1]
    return (schema.get("type"), schema.get("format"))


def main():
    kubeconfig = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    upstream = {}
    for gv in GROUP_VERSIONS:
        raw = subprocess.check_output(["kubectl", "--kubeconfig", kubeconfig, "get", "--raw",
                                       "/openapi/v3/" + gv])
        upstream.update(json.loads(raw)["components"]["schemas"])
    problems = checked = 0
    for path in sorted(glob.glob(os.path.join(root, "codegen/schemas/*.yaml"))):
        name_of_file = os.path.relpath(path, root)
        for name, schema in yaml.safe_load(open(path))["components"]["schemas"].items():
            up = upstream.get(name)
            if up is None:
                print(f"{name_of_file}: {name}: not in the apiserver's OpenAPI")
                problems += 1
                continue
            for prop, ours in (schema.get("properties") or {}).items():
                checked += 1
                theirs = (up.get("properties") or {}).get(prop)
                if theirs is None:
                    print(f"{name_of_file}: {name}.{prop}: no such field upstream")
                    problems += 1
                    continue
                a, b = kind(ours), kind(theirs)
                same = a == b or (isinstance(a, tuple) and isinstance(b, tuple) and
                                  a[0] == b[0] and (b[1] is None or a[1] in (None, b[1])))
                if not same:
                    print(f"{name_of_file}: {name}.{prop}: ours {a}, upstream {b}")
                    problems += 1
            if set(up.get("required") or []) != set(schema.get("required") or []):
                print(f"{name_of_file}: {name}: required {sorted(schema.get('required') or [])}, "
                      f"upstream {sorted(up.get('required') or [])}")
                problems += 1
    print(f"checked {checked} fields: {problems} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
