#!/usr/bin/env python3
"""The regression gate's noise model: seed-to-seed spread of the gated metrics.

Reads the result files of unbroken CI-profile runs (`bazel run
//experiments:ci_regression -- --seeds=1,2,3,4,5,6 --out_dir=DIR`) and
writes, per arm and metric, every seed's value, the mean and the sample
standard deviation (n-1), with the commit the runs came from. With
--heldout, runs of further seeds are scored against that model (z, and
whether a k-sd band around the mean holds them). baselines/ci_reference.json
takes its bands from this file (baselines/ci_noise_model.json).

    tools/ci_noise_model.py --reference=DIR [--heldout=DIR] [--k=5] --out=FILE
"""
import argparse
import glob
import json
import os
import statistics
import sys

METRICS = ("summary.test_error_at_best_validation_percent", "summary.final_train_loss",
           "summary.final_conv_weight_norm", "summary.observed_active_blocks",
           "summary.median_step_seconds", "summary.images_per_second")


def field(result, dotted):
    for key in dotted.split("."):
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def load_runs(folder):
    """{arm: {seed: result}} from <folder>/ci_regression/reduced/<arm>_seed<k>.json."""
    runs = {}
    paths = glob.glob(os.path.join(folder, "ci_regression", "reduced", "*_seed*.json"))
    if not paths:
        sys.exit(f"ci_noise_model.py: no result files in {folder}/ci_regression/reduced")
    for path in sorted(paths):
        result = json.load(open(path))
        runs.setdefault(result["arm"], {})[result["seed"]] = result
    return runs


def commits(runs):
    return sorted({(field(r, "provenance.git.commit"), field(r, "provenance.git.dirty"))
                   for arm in runs.values() for r in arm.values()}, key=str)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--heldout")
    parser.add_argument("--k", type=float, default=5.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    reference = load_runs(args.reference)
    model = {"commits": [{"commit": c, "dirty": d} for c, d in commits(reference)], "arms": {}}
    for arm, by_seed in sorted(reference.items()):
        seeds = sorted(by_seed)
        entry = {"seeds": seeds, "metrics": {}}
        for metric in METRICS:
            values = [field(by_seed[s], metric) for s in seeds]
            if any(v is None for v in values) or len(values) < 2:
                continue
            entry["metrics"][metric] = {"values": [round(v, 6) for v in values],
                                        "mean": round(statistics.mean(values), 6),
                                        "sd": round(statistics.stdev(values), 6)}
        model["arms"][arm] = entry

    if args.heldout:
        heldout = load_runs(args.heldout)
        model["heldout"] = {"commits": [{"commit": c, "dirty": d} for c, d in commits(heldout)],
                            "k": args.k, "arms": {}}
        all_inside = True
        for arm, by_seed in sorted(heldout.items()):
            scores = {}
            for metric, stats in model["arms"].get(arm, {}).get("metrics", {}).items():
                if stats["sd"] <= 0:
                    continue
                rows = []
                for seed in sorted(by_seed):
                    value = field(by_seed[seed], metric)
                    z = (value - stats["mean"]) / stats["sd"]
                    rows.append({"seed": seed, "value": round(value, 6), "z": round(z, 2),
                                 "inside": abs(z) <= args.k})
                    all_inside &= abs(z) <= args.k or metric in (
                        "summary.median_step_seconds", "summary.images_per_second")
                scores[metric] = rows
            model["heldout"]["arms"][arm] = scores
        model["heldout"]["all_gated_metrics_inside"] = all_inside

    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    os.replace(tmp, args.out)
    for arm, entry in model["arms"].items():
        for metric, stats in entry["metrics"].items():
            print(f"{arm:<11} {metric:<50} mean {stats['mean']:<10.4f} sd {stats['sd']:.4f}")
    if args.heldout:
        print("held-out seeds inside the k =", args.k, "bands:",
              model["heldout"]["all_gated_metrics_inside"])


if __name__ == "__main__":
    main()
