#!/usr/bin/env bash
# Runs one ctest test as Bazel runs a test: TEST_TMPDIR ($1) fresh and empty.
set -euo pipefail
tmp="$1"
shift
rm -rf "$tmp"
mkdir -p "$tmp"
exec "$@"
