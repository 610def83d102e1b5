#!/usr/bin/env bash
# Runs one ctest test as Bazel runs a test: TEST_TMPDIR ($1) fresh and empty,
# and, like Bazel's (outside any checkout), not inside a git repository even
# when the build folder lies in the source tree: git looks no higher than it.
set -euo pipefail
tmp="$1"
shift
rm -rf "$tmp"
mkdir -p "$tmp"
export GIT_CEILING_DIRECTORIES="$tmp"
exec "$@"
