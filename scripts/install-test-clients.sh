#!/usr/bin/env bash
# Installs the real Kubernetes clients the fake apiserver suites (tests/fake_apiserver)
# drive, and only those that are missing. Idempotent: a second run installs nothing.
#
#   - the official Python client (`kubernetes`) and pytest, unless python3 already has
#     them: into a virtualenv in the cache directory (the user's packages stay as
#     they are);
#   - kubectl, only when none is on PATH: built from its Go modules (pinned v0.33.x,
#     tests/fake_apiserver/kubectl) with the Go toolchain into the cache directory.
#
# Usage: scripts/install-test-clients.sh [--build-kubectl]
#   --build-kubectl  build kubectl from Go modules even if one is on PATH.
# Environment: KUBECPP_TEST_CLIENTS_DIR, the cache directory (default
# ~/.cache/kubecpp/test-clients); GO, the go binary (default: PATH, then
# /usr/local/go/bin/go). The suites look in the same places.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${KUBECPP_TEST_CLIENTS_DIR:-${HOME:-/tmp}/.cache/kubecpp/test-clients}"
force_kubectl=0
for arg in "$@"; do
  case "$arg" in
    --build-kubectl) force_kubectl=1 ;;
    -h | --help)
      sed -n '2,17p' "$0"
      exit 0
      ;;
    *)
      echo "install-test-clients: unknown argument $arg" >&2
      exit 2
      ;;
  esac
done
mkdir -p "$cache"

# --- Python client -------------------------------------------------------------------
python_ok() { "$1" -c 'import kubernetes, pytest' >/dev/null 2>&1; }

if python_ok python3 || { [[ -x "$cache/venv/bin/python" ]] && python_ok "$cache/venv/bin/python"; }; then
  :
else
  # A private virtualenv, so the user's own Python packages are never upgraded.
  echo "install-test-clients: installing the Python kubernetes client and pytest in $cache/venv"
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/python" -m pip install --quiet kubernetes pytest
  python_ok "$cache/venv/bin/python"
fi

# --- kubectl -------------------------------------------------------------------------
if [[ $force_kubectl -eq 0 ]] && command -v kubectl >/dev/null 2>&1; then
  exit 0
fi
if [[ $force_kubectl -eq 0 && -x "$cache/bin/kubectl" ]]; then
  exit 0
fi
go="${GO:-}"
if [[ -z "$go" ]]; then
  go="$(command -v go || true)"
  [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
fi
if [[ -z "$go" ]]; then
  echo "install-test-clients: no kubectl on PATH and no Go toolchain to build one" >&2
  exit 1
fi
echo "install-test-clients: building kubectl from Go modules into $cache/bin (takes minutes)"
mkdir -p "$cache/bin"
# Stamp the version as upstream's build does, so `kubectl version` shows no skew.
version="$(sed -n 's/^\tk8s.io\/kubectl v0\.\([0-9]*\)\.\([0-9]*\)$/1.\1.\2/p' \
  "$root/tests/fake_apiserver/kubectl/go.mod")"
minor="${version#1.}"
minor="${minor%%.*}"
ldflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done
(cd "$root/tests/fake_apiserver/kubectl" &&
  CGO_ENABLED=0 "$go" build -trimpath -ldflags "$ldflags" -o "$cache/bin/kubectl.tmp" .)
mv "$cache/bin/kubectl.tmp" "$cache/bin/kubectl"
"$cache/bin/kubectl" version --client >/dev/null
echo "install-test-clients: kubectl is $cache/bin/kubectl"
