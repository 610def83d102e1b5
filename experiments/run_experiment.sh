#!/usr/bin/env bash
# The launcher of one experiment (experiment.bzl writes a copy per config
# with its path in place of @CONFIG@): starts the runner on that config,
# from `bazel run` or directly (bazel-bin/experiments/NAME [runner flags]).
set -euo pipefail
root="${RUNFILES_DIR:-$0.runfiles}/sdbench"
[ -d "$root" ] || root="$PWD"
exec "$root/experiments/runner" --config="$root/@CONFIG@" "$@"
