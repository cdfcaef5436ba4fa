#!/usr/bin/env bash
# Builds the real control plane kube::testing::EnvTest runs (sdk/testing/envtest.h) from
# Go modules, since no prebuilt release can be downloaded on these machines:
#   - kube-apiserver v1.33.13   (tests/envtest, k8s.io/kubernetes/cmd/kube-apiserver)
#   - etcd 3.5.21               (tests/envtest/etcd, go.etcd.io/etcd/server/v3/etcdmain)
#   - kube-controller-manager   (only with --with-controller-manager)
# into $KUBECPP_ENVTEST_DIR/bin (default ~/.cache/kubecpp/envtest/bin). A binary that is
# already there and reports the pinned version is reused; the Go module and build
# caches make a rebuild after `--force` fast. Prints how long each phase took.
#
# Usage: scripts/build-envtest.sh [--with-controller-manager] [--force]
# Environment: KUBECPP_ENVTEST_DIR (cache directory); GO (the go binary, default: PATH
# then /usr/local/go/bin/go); KUBECPP_ENVTEST_GO_P (go build -p, default: the number of CPUs;
# the build is niced so it yields to other work).
set -euo pipefail

# Everything runs inside main, so bash has read the whole file before it starts: editing
# the script while a long build runs cannot derail that run.
main() {
  root="$(cd "$(dirname "$0")/.." && pwd)"
  cache="${KUBECPP_ENVTEST_DIR:-${HOME:-/tmp}/.cache/kubecpp/envtest}"
  bin="$cache/bin"
  with_kcm=0
  force=0
  for arg in "$@"; do
    case "$arg" in
      --with-controller-manager) with_kcm=1 ;;
      --force) force=1 ;;
      -h | --help)
        sed -n '2,15p' "$0"
        exit 0
        ;;
      *)
        echo "build-envtest: unknown argument $arg" >&2
        exit 2
        ;;
    esac
  done

  go="${GO:-}"
  if [[ -z "$go" ]]; then
    go="$(command -v go || true)"
    [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  fi
  if [[ -z "$go" ]]; then
    echo "build-envtest: no Go toolchain (set GO or put go on PATH)" >&2
    exit 1
  fi

  # The pinned versions come from the modules' go.mod files, so they cannot drift apart.
  k8s_version="$(sed -n 's/^require k8s\.io\/kubernetes v\([0-9.]*\)$/\1/p' \
    "$root/tests/envtest/go.mod")"
  etcd_version="$(sed -n 's/^require go\.etcd\.io\/etcd\/server\/v3 v\([0-9.]*\)$/\1/p' \
    "$root/tests/envtest/etcd/go.mod")"
  if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
    echo "build-envtest: cannot read the pinned versions from tests/envtest/**/go.mod" >&2
    exit 1
  fi
  minor="${k8s_version#*.}"
  minor="${minor%%.*}"

  # Stamped as upstream's hack/lib/version.sh does, so /version reports the release.
  k8s_ldflags="-s -w"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    k8s_ldflags+=" -X $pkg.gitVersion=v$k8s_version -X $pkg.gitMajor=1"
    k8s_ldflags+=" -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    k8s_ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done

  export CGO_ENABLED=0
  export GOFLAGS="-buildvcs=false -p=${KUBECPP_ENVTEST_GO_P:-$(nproc)}"
  mkdir -p "$bin"

  now() { date +%s; }
  total_start=$(now)

  # up_to_date NAME EXPECTED: the binary exists and its --version output mentions EXPECTED.
  up_to_date() {
    [[ $force -eq 0 && -x "$bin/$1" ]] && "$bin/$1" --version 2>/dev/null | grep -qF "$2"
  }

  # build NAME MODULE_DIR PACKAGE LDFLAGS
  build() {
    local name="$1" dir="$2" pkg="$3" ldflags="$4" start
    start=$(now)
    echo "build-envtest: building $name ($pkg) ..."
    (cd "$dir" && nice -n 19 "$go" build -trimpath -ldflags "$ldflags" \
      -o "$bin/$name.tmp" "$pkg")
    mv "$bin/$name.tmp" "$bin/$name"
    echo "build-envtest: $name built in $(($(now) - start))s ($(du -h "$bin/$name" | cut -f1))"
  }

  start=$(now)
  (cd "$root/tests/envtest" && "$go" mod download) &&
    (cd "$root/tests/envtest/etcd" && "$go" mod download)
  echo "build-envtest: module download took $(($(now) - start))s"

  if up_to_date etcd "etcd Version: $etcd_version"; then
    echo "build-envtest: etcd $etcd_version is up to date"
  else
    build etcd "$root/tests/envtest/etcd" . \
      "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$etcd_version"
  fi
  if up_to_date kube-apiserver "Kubernetes v$k8s_version"; then
    echo "build-envtest: kube-apiserver v$k8s_version is up to date"
  else
    build kube-apiserver "$root/tests/envtest" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
  fi
  if [[ $with_kcm -eq 1 ]]; then
    if up_to_date kube-controller-manager "Kubernetes v$k8s_version"; then
      echo "build-envtest: kube-controller-manager v$k8s_version is up to date"
    else
      build kube-controller-manager "$root/tests/envtest" \
        k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
    fi
  fi
  echo "build-envtest: done in $(($(now) - total_start))s; binaries in $bin"
}

main "$@"
