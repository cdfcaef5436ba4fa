#!/usr/bin/env python3
"""Runs test_python_client.py (pytest) against kube-fake-apiserver.

Usage: py_suite.py PATH/TO/kube-fake-apiserver [pytest args...]

Exits 77 (ctest SKIP) when the official `kubernetes` Python client or pytest is
missing; scripts/install-test-clients.sh installs them (user site or a virtualenv in
its cache directory, which this runner also tries).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fakeserver import SKIP, clients_dir  # noqa: E402


def has_clients(python):
    return subprocess.run([python, "-c", "import kubernetes, pytest"],
                          capture_output=True).returncode == 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    candidates = [os.environ.get("KUBECPP_TEST_PYTHON"), sys.executable,
                  os.path.join(clients_dir(), "venv", "bin", "python")]
    python = next((p for p in candidates if p and os.access(p, os.X_OK) and has_clients(p)),
                  None)
    if python is None:
        print("SKIP: the Python `kubernetes` client or pytest is not installed; run "
              "scripts/install-test-clients.sh", file=sys.stderr)
        return SKIP
    env = dict(os.environ, KUBE_FAKE_APISERVER=os.path.abspath(argv[1]))
    env.pop("KUBECONFIG", None)
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           os.path.join(HERE, "test_python_client.py"), *argv[2:]]
    return subprocess.run(cmd, env=env, cwd=HERE).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
