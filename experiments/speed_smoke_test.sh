#!/usr/bin/env bash
# Smoke test of //experiments:speed: a tiny run (depth 8, one step each)
# writes a complete report; bad flags are refused with a clear message.
set -euo pipefail
speed="$1" targets="$2"
out="${TEST_TMPDIR:-$(mktemp -d)}/speed"

peer_flag=--peer
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "speed_smoke_test: /usr/bin/python3 has no torch; testing without the peer"
  peer_flag=--nopeer
fi

"$speed" --depths=8 --rounds=2 --steps=1 --warmup=1 --threads=1 --epoch_steps=2 \
  --conv_reps=1 "$peer_flag" --out_dir="$out" > "$out.log" 2>&1 || {
  cat "$out.log"; echo "FAIL: the speed run failed"; exit 1; }
report="$out/train_step_8.json"
[ -f "$report" ] || { echo "FAIL: no report at $report"; exit 1; }

python3 - "$report" "$peer_flag" "$targets" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
peer = sys.argv[2] == "--peer"
configs = r["configurations"]
want = ["ours/constant", "ours/stochastic", "plain/constant", "plain/stochastic"]
if peer:
    want += ["peer_a/constant", "peer_a/stochastic", "peer_b/constant", "peer_b/stochastic"]
for name in want:
    c = configs[name]
    assert "failed" not in c, (name, c)
    assert c["steps"] == 2, (name, c["steps"])  # 2 rounds x 1 step
    assert c["min_step_s"] <= c["median_step_s"] <= c["max_step_s"], name
    assert abs(c["images_per_s"] - r["batch"] / c["median_step_s"]) < 1e-6 * c["images_per_s"]
    assert c["peak_rss_bytes"] > 50 << 20, name
ratio = r["ratios"]["ours_stochastic_over_constant"]
expected = configs["ours/stochastic"]["median_step_s"] / configs["ours/constant"]["median_step_s"]
assert abs(ratio - expected) < 1e-9, (ratio, expected)
assert len(r["ratios_round_paired"]["ours_stochastic_over_constant"]["per_round"]) == 2
if peer:
    assert "ours_over_peer_a_constant" in r["ratios"]
    assert r["provenance"]["peer_torch"].startswith("1.13")
# 3 blocks; depth-8 constant step: stem + 3 blocks' convs, counted FLOPs > 0.
assert r["blocks"] == 3
limit = r["conv_limit"]
assert len(limit["shapes"]) == 6 and limit["network_mix_gflops"] > 0
# Our whole step (BN, ReLU and the update besides the convolutions) cannot
# beat oneDNN's convolutions alone.
assert 0 < limit["fraction_reached_constant"] <= 1, limit["fraction_reached_constant"]
assert set(r["targets"]) <= set(json.load(open(sys.argv[3]))["by_depth"].get("8", {})), r["targets"]
e = r["epoch"]
assert e["steps"] == 2 and e["wall_s"] >= e["sum_of_steps_s"] > 0
for key in ("git", "machine", "threads", "start_time", "end_time", "command_line"):
    assert key in r["provenance"], key
assert r["provenance"]["threads"] == 1
print("report OK:", sys.argv[1])
PY

# Bad input: refused before any work, with the reason.
for bad in "--depths=9" "--rounds=0" "--steps=-1" "--bogus=1"; do
  if "$speed" "$bad" --out_dir="$out" > "$out.bad" 2>&1; then
    echo "FAIL: $bad was accepted"; exit 1
  fi
  grep -q -e "depth 6N+2" -e "must be >= 1" -e "Unknown command line flag" -e ">= 0" "$out.bad" || {
    cat "$out.bad"; echo "FAIL: no clear message for $bad"; exit 1; }
done
echo "PASS"
