#!/usr/bin/env bash
# tools/slurm_train.sbatch without a cluster: fake `srun` (runs the task in
# place) and `scontrol` (records what it was asked) on PATH. The batch shell
# gets USR1, as from `--signal=B:USR1@300`; the run must stop with a
# checkpoint, the script must requeue the job, and the requeued script
# (--resume) must finish the run. What a real Slurm adds (several nodes,
# its signal delivery) is not covered here.
# Usage: slurm_train_test.sh SBATCH RUNNER CONFIG
set -uo pipefail
sbatch_script="$(realpath "$1")" runner="$(realpath "$2")" config="$(realpath "$3")"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/bin" "$tmp/submit/experiments" "$tmp/submit/bin"
cp "$config" "$tmp/submit/experiments/tiny.json"
ln -s "$runner" "$tmp/submit/bin/runner"
cat > "$tmp/bin/srun" <<'SH'
#!/usr/bin/env bash
# One task, in place; passes on the signals srun passes on to tasks.
"$@" &
task=$!
trap 'kill -USR1 $task' USR1
trap 'kill -TERM $task' TERM
while :; do wait $task; status=$?; kill -0 $task 2>/dev/null || exit $status; done
SH
cat > "$tmp/bin/scontrol" <<SH
#!/usr/bin/env bash
case "\$1" in
  show) echo localhost ;;
  requeue) echo "\$2" >> "$tmp/requeued" ;;
esac
SH
chmod +x "$tmp/bin/srun" "$tmp/bin/scontrol"
export PATH="$tmp/bin:$PATH" SLURM_SUBMIT_DIR="$tmp/submit" SLURM_JOB_ID=4242
export SLURM_JOB_NODELIST=localhost SLURM_CPUS_PER_TASK=1

bash "$sbatch_script" tiny --data_dir="$tmp/no_data" --log_every_s=0 > "$tmp/job1.log" 2>&1 &
job=$!
for _ in $(seq 600); do
  [ "$(grep -c ' step ' "$tmp/job1.log")" -ge 6 ] && break
  sleep 0.1
done
kill -USR1 "$job"
wait "$job"
status=$?
cat "$tmp/job1.log"
[ "$status" -eq 0 ] || fail "the batch script exited $status after a stop"
grep -q "stopped by SIGUSR1" "$tmp/job1.log" || fail "the run did not stop on the forwarded signal"
[ "$(cat "$tmp/requeued" 2>/dev/null)" = 4242 ] || fail "the job was not requeued"
[ -f "$tmp/submit/checkpoints/tiny/paper/stochastic_seed1.pt" ] || fail "no checkpoint"
[ ! -f "$tmp/submit/results/tiny/paper/stochastic_seed1.json" ] || fail "the run was not stopped"

SLURM_RESTART_COUNT=1 bash "$sbatch_script" tiny --data_dir="$tmp/no_data" > "$tmp/job2.log" 2>&1 ||
  { cat "$tmp/job2.log"; fail "the requeued job failed"; }
grep -q "resuming from" "$tmp/job2.log" || fail "the requeued job did not resume"
[ -f "$tmp/submit/results/tiny/paper/stochastic_seed1.json" ] || fail "no result after the requeue"
# A job with GPUs trains with --device=cuda: here, with no GPU, the runner
# says so; SDBENCH_DEVICE overrides.
SLURM_GPUS_PER_TASK=1 bash "$sbatch_script" tiny --data_dir="$tmp/no_data" --force \
  > "$tmp/gpu.log" 2>&1 && { cat "$tmp/gpu.log"; fail "a GPU job trained without a GPU"; }
grep -q "device 'cuda' requested" "$tmp/gpu.log" || { cat "$tmp/gpu.log"; fail "no --device=cuda"; }
SLURM_GPUS_PER_TASK=1 SDBENCH_DEVICE=cpu bash "$sbatch_script" tiny --data_dir="$tmp/no_data" \
  --force > "$tmp/cpu.log" 2>&1 || { cat "$tmp/cpu.log"; fail "SDBENCH_DEVICE=cpu did not train"; }
echo "PASS: stopped on USR1, requeued, resumed, finished; GPU jobs pass --device=cuda"
