#!/usr/bin/env bash
# Starts the runner on an experiment config; used by every experiment target.
# Usage: run_experiment.sh CONFIG [runner flags...]
set -euo pipefail
root="${RUNFILES_DIR:-$0.runfiles}/sdbench"
[ -d "$root" ] || root="$PWD"
config="$1"
shift
exec "$root/experiments/runner" --config="$root/$config" "$@"
