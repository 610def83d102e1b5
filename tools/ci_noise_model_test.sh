#!/usr/bin/env bash
# tools/ci_noise_model.py on result files with known metrics: the mean and
# sample sd (n-1) it writes match values worked out by hand, held-out seeds
# get the right z and band verdict, and a folder without results is an
# error. Then the committed reference: every band of baselines/ci_reference.json
# that names an arm's measured metric uses the mean and sd of the committed
# baselines/ci_noise_model.json, so the bands cannot drift from their data.
# Usage: ci_noise_model_test.sh NOISE_MODEL_PY CI_REFERENCE_JSON CI_NOISE_MODEL_JSON
set -uo pipefail
tool="$1" reference="$2" model="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
py=/usr/bin/python3

write() {  # dir arm seed test_error loss norm
  mkdir -p "$1/ci_regression/reduced"
  printf '{"arm": "%s", "seed": %d, "provenance": {"git": {"commit": "abc", "dirty": false}},
"summary": {"test_error_at_best_validation_percent": %s, "final_train_loss": %s,
"final_conv_weight_norm": %s}}\n' "$2" "$3" "$4" "$5" "$6" > "$1/ci_regression/reduced/$2_seed$3.json"
}
# Test errors 40, 42, 44: mean 42, sd 2. Losses 1, 1, 1.3: mean 1.1, sd 0.17320508.
write "$tmp/ref" constant 1 40 1.0 48
write "$tmp/ref" constant 2 42 1.0 48
write "$tmp/ref" constant 3 44 1.3 49
# Held out: test error 52 is z = +5 (inside at k = 5), 52.2 is z = +5.1 (outside).
write "$tmp/held" constant 4 52 1.1 48.5
write "$tmp/held2" constant 4 52.2 1.1 48.5

"$py" "$tool" --reference="$tmp/ref" --heldout="$tmp/held" --out="$tmp/model.json" > "$tmp/out.txt" ||
  fail "the tool failed: $(cat "$tmp/out.txt")"
"$py" - "$tmp/model.json" <<'PY' || fail "wrong statistics"
import json, sys
m = json.load(open(sys.argv[1]))
e = m["arms"]["constant"]["metrics"]["summary.test_error_at_best_validation_percent"]
assert e["values"] == [40, 42, 44] and e["mean"] == 42 and e["sd"] == 2, e
l = m["arms"]["constant"]["metrics"]["summary.final_train_loss"]
assert abs(l["mean"] - 1.1) < 1e-9 and abs(l["sd"] - 0.173205) < 1e-6, l
assert m["commits"] == [{"commit": "abc", "dirty": False}], m["commits"]
h = m["heldout"]["arms"]["constant"]["summary.test_error_at_best_validation_percent"][0]
assert h["seed"] == 4 and h["z"] == 5.0 and h["inside"], h
assert m["heldout"]["all_gated_metrics_inside"]
PY
"$py" "$tool" --reference="$tmp/ref" --heldout="$tmp/held2" --out="$tmp/model2.json" > /dev/null ||
  fail "the tool failed on the second held-out set"
"$py" -c "import json,sys; m=json.load(open(sys.argv[1])); sys.exit(m['heldout']['all_gated_metrics_inside'])" \
  "$tmp/model2.json" || fail "z = +5.1 counted as inside a k = 5 band"

mkdir -p "$tmp/empty"
out=$("$py" "$tool" --reference="$tmp/empty" --out="$tmp/x.json" 2>&1) && fail "an empty folder passed"
grep -q "no result files in $tmp/empty" <<< "$out" || fail "unclear error: $out"

"$py" - "$reference" "$model" <<'PY' || fail "the committed bands and noise model disagree"
import json, sys
reference, model = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
checked = 0
for check in reference["checks"]:
    if check["type"] != "band":
        continue
    stats = model["arms"].get(check["arm"], {}).get("metrics", {}).get(check["metric"])
    if stats is None or check["metric"] == "summary.observed_active_blocks":
        continue  # a band from theory, not from the seeds
    assert abs(check["mean"] - stats["mean"]) < 1e-4 and abs(check["sd"] - stats["sd"]) < 1e-4, \
        (check["name"], check["mean"], check["sd"], stats)
    assert check["k"] == reference["noise_model"]["k"], check
    checked += 1
assert checked == 6, f"expected 6 bands from the noise model, found {checked}"
assert reference["noise_model"]["commit"] == model["commits"][0]["commit"]
assert len(model["arms"]["constant"]["seeds"]) >= 5 and len(model["arms"]["stochastic"]["seeds"]) >= 5
assert model["heldout"]["all_gated_metrics_inside"]
print(f"{checked} bands agree with the noise model")
PY
echo "ci_noise_model test passed"
