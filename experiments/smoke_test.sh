#!/usr/bin/env bash
# Smoke test of one experiment: every arm on synthetic data for a few steps,
# then every result file validated and its numbers checked (finite losses,
# errors in 0..100, active blocks consistent with the arm's survival
# schedule), then a second invocation must skip the finished runs instead of
# re-running them.
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
# shellcheck disable=SC2086
python3 - "$config" $files <<'PY'
import json, math, os, sys
name = os.path.basename(sys.argv[1])[:-len(".json")]  # An experiment's name is its file's.
results = {path: json.load(open(path)) for path in sys.argv[2:]}
arms = {r["arm"] for r in results.values()}
for path, r in results.items():
    assert r["experiment"] == name and r["profile"] == "smoke", (path, name)
    assert r["reference_arm"] in arms, (path, r["reference_arm"], arms)
    # The runner names the commit it was built from (lib/results/build_stamp.h).
    git = r["provenance"]["git"]
    assert git["from"] in ("build stamp (bazel)", "build stamp (cmake)") or \
        git["commit"] == "unknown", (path, git)
    model = r["config"]["model"]
    blocks = 3 * (model["depth"] - 2) // 6
    for e in r["evaluations"]:
        assert math.isfinite(e["train_loss"]) and e["train_loss"] > 0, (path, e)
        assert 0 <= e["test_error_percent"] <= 100, (path, e)
    s = r["summary"]
    observed, expected = s["observed_active_blocks"], s["expected_active_blocks"]
    steps = sum(e["steps"] for e in r["epochs"])
    assert steps > 0, path
    if model["schedule"] == "constant" or model["p_last"] == 1:
        # Every block runs every step.
        assert observed == expected == blocks, (path, observed, expected, blocks)
    else:
        assert 0 < expected < blocks and 0 < observed <= blocks, (path, observed, expected)
        # Mean over the steps of a whole number of active blocks.
        assert abs(observed * steps - round(observed * steps)) < 1e-6, (path, observed, steps)
print(f"{len(sys.argv) - 2} result file(s): losses finite, active blocks consistent")
PY

second=$("$runner" "${common[@]}" 2>&1 >/dev/null)
skipped=$(grep -c "already complete" <<< "$second" || true)
if [ "$skipped" -ne "$count" ]; then
  echo "FAIL: a second invocation re-ran finished runs:" >&2
  echo "$second" >&2
  exit 1
fi
echo "smoke test passed: $count run(s), all valid; finished runs are skipped"
