#!/usr/bin/env bash
# Smoke test of one experiment: every arm on synthetic data for a few steps,
# then every result file validated, then a second invocation must skip the
# finished runs instead of re-running them.
# Usage: smoke_test.sh RUNNER CONFIG VALIDATE
set -euo pipefail
runner="$1" config="$2" validate="$3"
out="$TEST_TMPDIR/results"
common=(--config="$config" --profile=smoke --out_dir="$out"
        --checkpoint_dir="$TEST_TMPDIR/checkpoints" --data_dir="$TEST_TMPDIR/no_data")

"$runner" "${common[@]}" > "$TEST_TMPDIR/first.txt"
cat "$TEST_TMPDIR/first.txt"

arms=$("$runner" --config="$config" --list_arms | wc -l)
files=$(find "$out" -name '*.json' | sort)
count=$(echo "$files" | grep -c . || true)
seeds=$(grep -c '_seed' <<< "$files" || true)
echo "arms: $arms, result files: $count"
if [ "$count" -lt "$arms" ] || [ "$count" -eq 0 ]; then
  echo "FAIL: expected at least one result file per arm" >&2
  exit 1
fi
# shellcheck disable=SC2086
"$validate" $files

second=$("$runner" "${common[@]}" 2>&1 >/dev/null)
skipped=$(grep -c "already complete" <<< "$second" || true)
if [ "$skipped" -ne "$count" ]; then
  echo "FAIL: a second invocation re-ran finished runs:" >&2
  echo "$second" >&2
  exit 1
fi
echo "smoke test passed: $count run(s), all valid; finished runs are skipped"
