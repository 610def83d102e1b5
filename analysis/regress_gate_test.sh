#!/usr/bin/env bash
# The regression gate binary on real CI result files (testdata/ci_good, from
# a run of //experiments:ci_regression): it passes them, and exits non-zero
# on doctored ones (no time saved, slower, learning broken), on a missing
# arm and on a malformed file.
# Usage: regress_gate_test.sh REGRESS REFERENCE GOOD_DIR
# (GOOD_DIR holds ci_regression/reduced/{constant,stochastic}_seed1.json.)
set -uo pipefail
regress="$1" reference="$2" good="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }

run_gate() {  # dir -> prints the gate's output, returns its exit code
  "$regress" --results="$1" --reference="$reference"
}

out=$(run_gate "$good") || fail "the gate rejected the good results: $out"
echo "$out"
grep -q "5 passed, 0 failed" <<< "$out" || fail "expected 5 passing checks"

runs=ci_regression/reduced
doctor() {  # name, python expression on r (the stochastic result) -> dir
  local dir="$TEST_TMPDIR/$1"
  mkdir -p "$dir/$runs"
  cp "$good/$runs"/*.json "$dir/$runs"/
  /usr/bin/python3 - "$dir/$runs/stochastic_seed1.json" "$2" <<'PY'
import json, sys
path, change = sys.argv[1], sys.argv[2]
r = json.load(open(path))
exec(change)
json.dump(r, open(path, "w"))
PY
  echo "$dir"
}

# Stochastic depth stops saving time: its steps slower than constant depth's.
dir=$(doctor no_saving 'r["summary"]["median_step_seconds"] = 0.3')
out=$(run_gate "$dir") && fail "no time saved, yet the gate passed"
grep -q "| stochastic / constant median step time | 1.062 | <= 0.88 | FAIL |" <<< "$out" || fail "$out"

# Learning breaks: the error at the best validation epoch is near chance.
dir=$(doctor broken 'b = r["summary"]["best_validation_index"]; r["evaluations"][b]["test_error_percent"] = 89.9; r["summary"]["test_error_at_best_validation_percent"] = 89.9')
out=$(run_gate "$dir") && fail "learning broke, yet the gate passed"
grep -q "stochastic depth learns.*FAIL" <<< "$out" || fail "$out"

# Every block computed: active blocks far from the expected 11.
dir=$(doctor all_blocks 'r["summary"]["observed_active_blocks"] = 15.0')
out=$(run_gate "$dir") && fail "all blocks active, yet the gate passed"

# A missing arm and a malformed file.
dir="$TEST_TMPDIR/missing"; mkdir -p "$dir/$runs"; cp "$good/$runs/constant_seed1.json" "$dir/$runs"/
out=$(run_gate "$dir") && fail "a missing arm passed"
grep -q "missing" <<< "$out" || fail "$out"
dir="$TEST_TMPDIR/malformed"; mkdir -p "$dir/$runs"; cp "$good/$runs"/*.json "$dir/$runs"/
echo '{"schema_version": 1' > "$dir/$runs/stochastic_seed1.json"
out=$(run_gate "$dir" 2>&1) && fail "a malformed file passed"
grep -q "stochastic_seed1.json: not valid JSON" <<< "$out" || fail "$out"
echo "regression gate test passed"
