#!/usr/bin/env bash
# The regression gate binary on real CI result files (testdata/ci_good: a
# held-out seed, 7, of //experiments:ci_regression, not one of the seeds the
# bands came from): it passes them, and exits non-zero on doctored ones (no
# time saved, learning broken, every block computed, weights grown as without
# weight decay or lr decay), on a missing arm and on a malformed file.
# Usage: regress_gate_test.sh REGRESS REFERENCE GOOD_DIR
# (GOOD_DIR holds ci_regression/reduced/{constant,stochastic}_seed7.json.)
set -uo pipefail
regress="$1" reference="$2" good="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }

run_gate() {  # dir -> prints the gate's output, returns its exit code
  "$regress" --results="$1" --reference="$reference"
}

out=$(run_gate "$good") || fail "the gate rejected the good results: $out"
echo "$out"
grep -q " passed, 0 failed" <<< "$out" || fail "expected every check to pass"

runs=ci_regression/reduced
doctor() {  # name, python expression on r (the result), [arm] -> dir
  local dir="$TEST_TMPDIR/$1"
  mkdir -p "$dir/$runs"
  cp "$good/$runs"/*.json "$dir/$runs"/
  /usr/bin/python3 - "$dir/$runs/${3:-stochastic}_seed7.json" "$2" "$good/$runs/constant_seed7.json" <<'PY'
import json, sys
path, change = sys.argv[1], sys.argv[2]
r = json.load(open(path))
constant = json.load(open(sys.argv[3]))
exec(change)
json.dump(r, open(path, "w"))
PY
  echo "$dir"
}

# Stochastic depth stops saving time: its steps slower than constant depth's.
dir=$(doctor no_saving 'r["summary"]["median_step_seconds"] = 1.05 * constant["summary"]["median_step_seconds"]')
out=$(run_gate "$dir") && fail "no time saved, yet the gate passed"
grep -q "| stochastic / constant median step time | 1.05 | <= 0.88 | FAIL |" <<< "$out" || fail "$out"

# Learning breaks: the error at the best validation epoch is near chance.
dir=$(doctor broken 'b = r["summary"]["best_validation_index"]; r["evaluations"][b]["test_error_percent"] = 89.9; r["summary"]["test_error_at_best_validation_percent"] = 89.9')
out=$(run_gate "$dir") && fail "learning broke, yet the gate passed"
grep -q "stochastic: test error at best validation.*FAIL" <<< "$out" || fail "$out"

# Every block computed: active blocks far from the expected 11.
dir=$(doctor all_blocks 'r["summary"]["observed_active_blocks"] = 15.0')
out=$(run_gate "$dir") && fail "all blocks active, yet the gate passed"
grep -q "observed active blocks (stochastic) | 15 .*FAIL" <<< "$out" || fail "$out"

# Weights grown by 1.3 (about 10 sd of the seed spread), as 18 epochs without weight decay or
# without lr decay leave them; the test error unchanged.
dir=$(doctor grown 'r["summary"]["final_conv_weight_norm"] += 1.3' constant)
out=$(run_gate "$dir") && fail "grown weights, yet the gate passed"
grep -q "constant: final conv weight norm.*z=+9\..*FAIL" <<< "$out" || fail "$out"
grep -q "constant: test error at best validation.*PASS" <<< "$out" || fail "$out"

# A missing arm and a malformed file.
dir="$TEST_TMPDIR/missing"; mkdir -p "$dir/$runs"; cp "$good/$runs/constant_seed7.json" "$dir/$runs"/
out=$(run_gate "$dir") && fail "a missing arm passed"
grep -q "missing" <<< "$out" || fail "$out"
dir="$TEST_TMPDIR/malformed"; mkdir -p "$dir/$runs"; cp "$good/$runs"/*.json "$dir/$runs"/
echo '{"schema_version": 1' > "$dir/$runs/stochastic_seed7.json"
out=$(run_gate "$dir" 2>&1) && fail "a malformed file passed"
grep -q "stochastic_seed7.json: not valid JSON" <<< "$out" || fail "$out"
# Speed only (--speed_report without --results): the list for the report's
# CPU (model name and ISA), by prefix, else the default; a slower step fails
# the keyed list.
speed_report() {  # cpu_model cpu_isa ours_over_peer_a -> file
  local file="$TEST_TMPDIR/speed_$RANDOM.json"
  printf '{"provenance": {"machine": {"cpu_model": "%s", "cpu_isa": "%s"}},
"ratios_round_paired": {"ours_over_peer_a_constant": {"median": %s},
                        "ours_stochastic_over_constant": {"median": 0.78}},
"epoch": {"overhead": 0.001}, "conv_limit": {"fraction_reached_constant": 0.8}}\n' "$1" "$2" "$3" > "$file"
  echo "$file"
}
out=$("$regress" --reference="$reference" --speed_report="$(speed_report "AMD EPYC" AVX-512 0.75)") ||
  fail "a clean speed report failed: $out"
grep -q "speed reference: AMD EPYC AVX-512 (CPU: AMD EPYC AVX-512)$" <<< "$out" || fail "$out"
out=$("$regress" --reference="$reference" --speed_report="$(speed_report "AMD EPYC" AVX-512 0.886)") &&
  fail "a 15% slower step passed: $out"
grep -q "ours / PyTorch peer (a, skip) step time, constant | 0.886 | <= 0.84 | FAIL" <<< "$out" || fail "$out"
# The same model name without AVX-512 (measured 0.882 there): the default list.
out=$("$regress" --reference="$reference" --speed_report="$(speed_report "AMD EPYC" AVX2 0.886)") ||
  fail "the default list rejected 0.886: $out"
grep -q "speed reference: default (CPU: AMD EPYC AVX2; no reference for it)" <<< "$out" || fail "$out"
out=$("$regress" --reference="$reference" --speed_report="$(speed_report "Some Other CPU" AVX2 1.05)") &&
  fail "the default list let a step slower than the peer's pass: $out"
grep -q "ours / PyTorch peer (a, skip) step time, constant | 1.050 | <= 1 | FAIL" <<< "$out" || fail "$out"
out=$("$regress" --reference="$reference" 2>&1) && fail "neither --results nor --speed_report passed"
grep -q "are required" <<< "$out" || fail "$out"
echo "regression gate test passed"
