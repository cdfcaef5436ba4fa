"""Starts kube-fake-apiserver for the client suites and finds the clients.

Used by kubectl_suite.py and the pytest suite (conftest.py). Standard library only.

  with FakeServer(binary) as server:
      subprocess.run(["kubectl", "--kubeconfig", server.kubeconfig, "get", "ns"])

The exit code 77 (SKIP) tells ctest the suite was skipped because a client is missing.
"""

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.request

SKIP = 77


def clients_dir():
    """The cache directory scripts/install-test-clients.sh installs into."""
    return os.environ.get(
        "KUBECPP_TEST_CLIENTS_DIR",
        os.path.join(os.path.expanduser("~"), ".cache", "kubecpp", "test-clients"))


def find_kubectl():
    """$KUBECTL, then PATH, then the kubectl the install script built. None if absent."""
    explicit = os.environ.get("KUBECTL")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("kubectl")
    if found:
        return found
    built = os.path.join(clients_dir(), "bin", "kubectl")
    return built if os.access(built, os.X_OK) else None


class FakeServer:
    """A kube-fake-apiserver process on a free port with its own kubeconfig."""

    def __init__(self, binary, extra_args=(), timeout=30):
        self.dir = tempfile.mkdtemp(prefix="kube-fake-apiserver-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        args = [binary, "--port", "0", "--kubeconfig", self.kubeconfig, "--enable-fault-api"]
        args += list(extra_args)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        line = [""]

        def read_first_line():
            line[0] = self.proc.stdout.readline()

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(timeout)
        match = re.search(r"serving on (\S+)", line[0])
        if not match:
            self.stop()
            raise RuntimeError("kube-fake-apiserver did not start: %r" % line[0])
        self.url = match.group(1)
        # Drain the rest of the output so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        with open(self.kubeconfig) as f:
            self.config = json.load(f)

    def _user(self, name):
        for user in self.config["users"]:
            if user["name"] == name:
                return user["user"]
        raise KeyError(name)

    def fault(self, body):
        """POSTs a fault to /fake/faults (see fake_apiserver_https.cc)."""
        context = ssl.create_default_context()
        if self.url.startswith("https://"):
            ca = os.path.join(self.dir, "ca.crt")
            import base64
            with open(ca, "wb") as f:
                f.write(base64.b64decode(
                    self.config["clusters"][0]["cluster"]["certificate-authority-data"]))
            context = ssl.create_default_context(cafile=ca)
        request = urllib.request.Request(
            self.url + "/fake/faults", data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + self._user("token-user")["token"],
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def skip(message):
    print("SKIP: " + message, file=sys.stderr)
    sys.exit(SKIP)
