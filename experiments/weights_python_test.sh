#!/usr/bin/env bash
# Trained weights read by Python (issue 30): the runner trains the two arms
# of testdata/weights.json on a small learnable data set in CIFAR-10's
# format and saves their weights (--save_weights); Debian's python3-torch
# loads them into baselines/peer's model, evaluates the test set with the
# run's test-time rule, and must get sdbench's final test error (at most one
# image differs).
#   weights_python_test.sh RUNNER CONFIG CHECK_PY SDBENCH_WEIGHTS_PY
set -euo pipefail
runner="$1" config="$2" check="$3" peer_dir="$(dirname "$4")"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/weights.XXXXXX")"
export PYTHONPATH="$peer_dir"
/usr/bin/python3 "$check" make-data "$work/data/cifar10"
if ! "$runner" --config="$config" --data_dir="$work/data" --out_dir="$work/results" \
     --checkpoint_dir="$work/checkpoints" --save_weights --log_every_s=0 > "$work/train.log" 2>&1; then
  cat "$work/train.log"
  exit 1
fi
/usr/bin/python3 "$check" compare "$work/data/cifar10/test_batch.bin" \
  "$work/results/weights/paper" "$work/checkpoints/weights/paper"
