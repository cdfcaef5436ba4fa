#!/usr/bin/env bash
# Installs the Debian packages kubecpp needs to build and test, and only those
# that are missing. Idempotent: a second run installs nothing and exits quickly.
#
# Usage: scripts/install-deps.sh [--dev]
#   --dev  also install developer tools (clang, clang-format, clang-tidy).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libcpprest-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev libspdlog-dev
  libgtest-dev libgmock-dev libtrompeloeil-cpp-dev libboost-dev libbenchmark-dev
  clang-format
  python3 python3-venv  # the fake apiserver's client suites (scripts/install-test-clients.sh)
)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(clang clang-tidy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
