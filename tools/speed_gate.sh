#!/usr/bin/env bash
# The speed gate (issue 15): the speed benchmark as CI runs it, checked by
# //analysis:regress against the speed checks of baselines/ci_reference.json
# (the list for this CPU model, or the looser default), and its calibration.
#
#   tools/speed_gate.sh check OUT_DIR [RESULTS_DIR]
#       one benchmark run into OUT_DIR, then the gate (with RESULTS_DIR's
#       result files too when given); exit 1 when a check fails.
#   tools/speed_gate.sh calibrate OUT_DIR    (summarize OUT_DIR: redo the last part)
#       five unbroken runs with a planted 15% slowdown of our step after the
#       2nd and 4th (--planted_slowdown=0.15, test only), the gate on each,
#       and OUT_DIR/calibration.json: per run the round-paired ratios'
#       medians and per-round spread, the clean runs' mean and sd, and the
#       false-alarm and miss rates of each bound estimated from that spread.
#       About 13 minutes on 2 cores; keep the machine otherwise idle.
#
# Both run the same benchmark: depth 110, batch 128, ours (constant and
# stochastic) and the PyTorch peer (a, constant) in 8 interleaved rounds of
# 3 timed steps after 2 warm-up steps, a 10-step input-pipeline fragment and
# the convolution limit (about 100 s on 2 cores).
set -uo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: tools/speed_gate.sh check OUT_DIR [RESULTS_DIR] | calibrate OUT_DIR | summarize OUT_DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
mode="$1"
mkdir -p "$2" || exit 1
out="$(cd "$2" && pwd)"
reference="$PWD/baselines/ci_reference.json"
BENCHMARK=(--configs=ours/constant,ours/stochastic,peer_a/constant --rounds=8 --steps=3
           --warmup=2 --epoch_steps=10 --conv_reps=3)

bench() {  # DIR [extra flags]: one benchmark run, its report in DIR
  local dir="$1"
  shift
  bazel run //experiments:speed -- "${BENCHMARK[@]}" --out_dir="$dir" "$@"
}

gate() {  # REPORT [RESULTS_DIR]
  local args=(--reference="$reference" --speed_report="$1")
  [ -n "${2:-}" ] && args+=(--results="$2")
  bazel run //analysis:regress -- "${args[@]}"
}

# The gate on every report in OUT_DIR (cleanK/, plantedK/) and calibration.json.
summarize() {
  local run
  for run in $(ls "$out"); do
    [ -f "$out/$run/train_step_110.json" ] || continue
    if gate "$out/$run/train_step_110.json" > "$out/$run.gate.txt" 2>&1; then
      echo "gate passed" >> "$out/$run.gate.txt"
    else
      echo "gate FAILED" >> "$out/$run.gate.txt"
    fi
    echo "== $run: $(grep -E "speed reference" "$out/$run.gate.txt"); $(tail -n 2 "$out/$run.gate.txt" | tr '\n' ' ')"
  done
  /usr/bin/python3 - "$out" "$reference" <<'PY'
import json, math, os, re, statistics, sys

out, reference = sys.argv[1], json.load(open(sys.argv[2]))
RATIOS = ("ours_over_peer_a_constant", "ours_stochastic_over_constant")


def upper_tail(z):
    return 0.5 * math.erfc(z / math.sqrt(2))


runs = {}
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name, "train_step_110.json")
    if not os.path.isfile(path):
        continue
    report = json.load(open(path))
    gate = open(os.path.join(out, name + ".gate.txt")).read()
    machine = report["provenance"]["machine"]
    # What regress matched the keys against (model name and ISA), as it
    # printed it: "speed reference: KEY (CPU: AMD EPYC AVX2; ...)".
    matched = re.search(r"\(CPU: ([^;)]*)", gate)
    runs[name] = {"cpu_model": matched.group(1) if matched else machine["cpu_model"],
                  "cpu_signature": machine.get("cpu_signature", "unknown"),
                  "gate_passed": gate.rstrip().endswith("gate passed"),
                  "planted_slowdown": name.startswith("planted"),
                  "rounds": report["rounds"],
                  "commit": report["provenance"]["git"]["commit"],
                  "dirty": report["provenance"]["git"]["dirty"],
                  "start_time": report["provenance"]["start_time"]}
    for ratio in RATIOS:
        per_round = report["ratios_round_paired"][ratio]["per_round"]
        runs[name][ratio] = {"median": report["ratios_round_paired"][ratio]["median"],
                             "per_round_sd": statistics.stdev(per_round)}
clean = [r for r in runs.values() if not r["planted_slowdown"]]
planted = [r for r in runs.values() if r["planted_slowdown"]]
cpu = clean[0]["cpu_model"]
checks = reference["speed_checks"]["default"]
keys = [k for k in reference["speed_checks"].get("by_cpu_model", {}) if cpu.startswith(k)]
if keys:
    checks = reference["speed_checks"]["by_cpu_model"][max(keys, key=len)]
summary = {"cpu_model": cpu, "reference_used": max(keys, key=len) if keys else "default",
           "runs": runs, "ratios": {}}
for ratio in RATIOS:
    medians = [r[ratio]["median"] for r in clean]
    rounds = clean[0]["rounds"]
    # The median of n rounds has about 1.2533 sd / sqrt(n) of spread.
    within = 1.2533 * statistics.mean(r[ratio]["per_round_sd"] for r in clean) / math.sqrt(rounds)
    sd = max(within, statistics.stdev(medians))
    entry = {"clean_medians": medians, "clean_mean": statistics.mean(medians),
             "sd_between_runs": statistics.stdev(medians), "sd_from_per_round_spread": within,
             "planted_medians": [r[ratio]["median"] for r in planted]}
    bound = next((c.get("max") for c in checks
                  if c["metric"] == f"ratios_round_paired.{ratio}.median"), None)
    if bound is not None:
        entry["bound_max"] = bound
        entry["false_alarm_rate"] = upper_tail((bound - entry["clean_mean"]) / sd)
        if planted:
            p_mean = statistics.mean(entry["planted_medians"])
            p_within = 1.2533 * statistics.mean(r[ratio]["per_round_sd"] for r in planted) / math.sqrt(rounds)
            entry["miss_rate_planted_15_percent"] = 1 - upper_tail((bound - p_mean) / p_within)
    summary["ratios"][ratio] = entry
summary["clean_runs_passed"] = sum(r["gate_passed"] for r in clean)
summary["planted_runs_failed"] = sum(not r["gate_passed"] for r in planted)
json.dump(summary, open(os.path.join(out, "calibration.json"), "w"), indent=2)
for ratio, e in summary["ratios"].items():
    print(f"{ratio}: clean {e['clean_mean']:.4f} (sd {e['sd_between_runs']:.4f} between runs,"
          f" {e['sd_from_per_round_spread']:.4f} from the rounds), planted "
          f"{', '.join(f'{m:.4f}' for m in e['planted_medians'])}; bound {e.get('bound_max')}:"
          f" false alarm {e.get('false_alarm_rate', float('nan')):.2g},"
          f" miss {e.get('miss_rate_planted_15_percent', float('nan')):.2g}")
print(f"{cpu} (reference: {summary['reference_used']}): clean runs passed "
      f"{summary['clean_runs_passed']}/{len(clean)}, planted runs failed "
      f"{summary['planted_runs_failed']}/{len(planted)}")
sys.exit(0 if summary["clean_runs_passed"] == len(clean) and
         summary["planted_runs_failed"] == len(planted) else 1)
PY
}

case "$mode" in
  check)
    [ $# -le 3 ] || usage
    results=""
    [ -n "${3:-}" ] && results="$(cd "$3" && pwd)"
    bench "$out" || exit 1
    gate "$out/train_step_110.json" "$results"
    ;;
  calibrate)
    [ $# -eq 2 ] || usage
    runs=()
    for i in 1 2 3 4 5; do
      runs+=("clean$i")
      [ $i -eq 2 ] || [ $i -eq 4 ] && runs+=("planted$i")
    done
    for run in "${runs[@]}"; do
      extra=()
      [ "${run#planted}" != "$run" ] && extra=(--planted_slowdown=0.15)
      echo "== $run"
      bench "$out/$run" "${extra[@]}" > "$out/$run.log" 2>&1 || { tail "$out/$run.log"; exit 1; }
    done
    summarize
    ;;
  summarize)
    [ $# -eq 2 ] || usage
    summarize
    ;;
  *) usage ;;
esac
