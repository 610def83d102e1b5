#!/usr/bin/env bash
# Runs one ctest test as Bazel runs a test: TEST_TMPDIR ($1) fresh and empty,
# and, like Bazel's (outside any checkout), not inside a git repository even
# when the build folder lies in the source tree: git looks no higher than it;
# and with one OpenMP thread, as Bazel's tests (.bazelrc).
set -euo pipefail
tmp="$1"
shift
rm -rf "$tmp"
mkdir -p "$tmp"
export GIT_CEILING_DIRECTORIES="$tmp"
# One OpenMP thread per test unless the caller says otherwise: `ctest -j N`
# runs N tests at once, and LibTorch's default (a thread per core in pip
# wheels) then puts N x cores threads on the cores, spinning at full length
# (2.5x slower per test measured with 2 cores; 5-13x seen under -j16 on a
# 16-core GPU host). Runs that set --threads or runtime.threads keep theirs.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "$@"
