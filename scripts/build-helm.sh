#!/usr/bin/env bash
# Builds the helm CLI the chart tests (tests/helm) use from its Go module, since no prebuilt
# release can be downloaded on these machines:
#   - helm v3.21.4 (helm.sh/helm/v3/cmd/helm, `go install` of the tagged module)
# into $KUBECPP_HELM_DIR/bin (default ~/.cache/kubecpp/helm/bin). A binary that is already
# there and reports the pinned version is reused (a second run returns at once);
# the Go module and build caches make a rebuild after `--force` fast. Stamped as helm's own
# Makefile does (version, and the default Kubernetes version of `helm template`/`helm lint`
# derived from the k8s.io/client-go it is built with). Prints how long the build took.
#
# Usage: scripts/build-helm.sh [--force] [--print-path]
#   --print-path  only print where the binary is (or would be) and exit.
# Environment: KUBECPP_HELM_DIR (cache directory); GO (the go binary, default: PATH then
# /usr/local/go/bin/go); KUBECPP_HELM_GO_P (go build -p, default: the number of CPUs; the
# build is niced so it yields to other work).
set -euo pipefail

# Everything runs inside main, so bash has read the whole file before it starts: editing
# the script while a long build runs cannot derail that run.
main() {
  local helm_version="v3.21.4"
  local cache="${KUBECPP_HELM_DIR:-${HOME:-/tmp}/.cache/kubecpp/helm}"
  local bin="$cache/bin"
  local force=0
  for arg in "$@"; do
    case "$arg" in
      --force) force=1 ;;
      --print-path)
        echo "$bin/helm"
        exit 0
        ;;
      -h | --help)
        sed -n '2,15p' "$0"
        exit 0
        ;;
      *)
        echo "build-helm: unknown argument $arg" >&2
        exit 2
        ;;
    esac
  done

  if [[ $force -eq 0 && -x "$bin/helm" ]] &&
    "$bin/helm" version --short 2>/dev/null | grep -q "^$helm_version+"; then
    echo "build-helm: helm $helm_version is up to date ($bin/helm)"
    exit 0
  fi

  local go="${GO:-}"
  if [[ -z "$go" ]]; then
    go="$(command -v go || true)"
    [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  fi
  if [[ -z "$go" ]]; then
    echo "build-helm: no Go toolchain (set GO or put go on PATH)" >&2
    exit 1
  fi

  now() { date +%s; }
  local total_start start
  total_start=$(now)

  # `go install pkg@version` ignores any go.mod around it: run it from a neutral directory,
  # with module mode forced on and no vendor directory to consult.
  export CGO_ENABLED=0 GO111MODULE=on
  export GOFLAGS="-mod=mod -buildvcs=false -p=${KUBECPP_HELM_GO_P:-$(nproc)}"
  cd "${TMPDIR:-/tmp}"

  start=$(now)
  local module_dir
  module_dir="$("$go" mod download -json "helm.sh/helm/v3@$helm_version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$module_dir" || ! -f "$module_dir/go.mod" ]]; then
    echo "build-helm: cannot download helm.sh/helm/v3@$helm_version" >&2
    exit 1
  fi
  echo "build-helm: module download took $(($(now) - start))s"

  # helm's Makefile: the default .Capabilities.KubeVersion is client-go's v0.X.Y -> 1.X.
  local client_go k8s_minor
  client_go="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*$/\1/p' \
    "$module_dir/go.mod" | head -n 1)"
  k8s_minor="${client_go:-0}"
  local ldflags="-s -w"
  ldflags+=" -X helm.sh/helm/v3/internal/version.version=$helm_version"
  ldflags+=" -X helm.sh/helm/v3/internal/version.metadata=kubecpp"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  if [[ "$k8s_minor" != 0 ]]; then
    for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
      ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
    done
  fi

  mkdir -p "$bin"
  start=$(now)
  echo "build-helm: building helm $helm_version (helm.sh/helm/v3/cmd/helm) ..."
  local tmp_bin="$cache/.gobin.tmp"
  rm -rf "$tmp_bin"
  mkdir -p "$tmp_bin"
  GOBIN="$tmp_bin" nice -n 19 "$go" install -trimpath -ldflags "$ldflags" \
    "helm.sh/helm/v3/cmd/helm@$helm_version"
  mv "$tmp_bin/helm" "$bin/helm"
  rm -rf "$tmp_bin"
  echo "build-helm: helm built in $(($(now) - start))s ($(du -h "$bin/helm" | cut -f1))"
  "$bin/helm" version --short
  echo "build-helm: done in $(($(now) - total_start))s; binary in $bin/helm"
}

main "$@"
