#!/usr/bin/env bash
# The device check: everything sdbench promises on a GPU, run on a machine
# with one NVIDIA GPU, pip torch 2.x, CMake, ninja, a C++ compiler and no
# network (no Bazel, no Debian packages, no .git), in about 5 minutes.
#
#   tools/gpu_check.sh --prepare          # here, in the git checkout (once)
#   tools/gpu_check.sh OUT_DIR            # there, from the copied tree
#   tools/gpu_check.sh OUT_DIR --cpu-dry-run   # a rehearsal on the CPU
#
# --prepare writes what travels with the tree (the lent machine's `carry`):
#   SOURCE_STAMP.json          the git commit, dirty flag and a hash of the
#                              diff (results made there record it: .git
#                              does not travel)
#   tools/.cache/gpu_check/    Debian's .deb files of every dependency but
#                              LibTorch (tools/gpu_deps.sh, ~8 MB), and a
#                              CIFAR-10 subset: data_batch_1.bin (10,000
#                              images) and the first 2,000 records of
#                              test_batch.bin (37 MB together), read with
#                              dataset.cifar10_files=first_batch.
#
# The check's steps, most valuable first (a check cut short by its time
# limit still leaves the measurements); a failed step is recorded and the
# next one runs:
#   facts      the machine: GPU, driver, compiler, CMake, torch, the wheel's
#              layout (Gloo headers? nccl.h? nvcc?)
#   deps       unpack the .deb files into a prefix
#   configure  CMake with the wheel's LibTorch (SDBENCH_TORCH_PYTHON: no CUDA
#              toolkit needed) and the prefix
#   build_core the runner, the speed benchmark and checkpoint_test
#   train      ResNet-110 on the CIFAR-10 subset (9,000/1,000 split, 2,000
#              test images), both arms, 3 epochs, fp32/TF32, data on the
#              device; the projected 500-epoch time (projection.json)
#   fixture    the GPU-saved checkpoint the CPU tests load (commit it to
#              lib/training/testdata)
#   speed      //experiments:speed on the GPU: depth 110, ours against the
#              Python peer eager (skip, multiply), 2 interleaved rounds
#   train_bf16 1 epoch of constant depth in bf16
#   nccl       NCCL at world size 1 (--dist_backend=nccl)
#   gloo_cuda  two ranks over Gloo with CUDA tensors, sharing the one GPU
#              (multi-GPU NCCL needs several GPUs: not checked here)
#   speed_compiled  constant depth: ours against the peer through
#              torch.compile (default and reduce-overhead), 1 round
#   build      every other target, all cores
#   ctest      every test (with CUDA, the GPU tests run, not skip) but the
#              real-data reader checks (they need all of CIFAR-10) and,
#              without gnuplot there, the figures; those whose sources
#              mention CUDA first, one OpenMP thread per test
#   speed_compiled_sd  the same for stochastic depth, last: compiling the
#              multiply-by-gate peer took over 100 s on an H200
# Environment:
#   GPU_CHECK_DEADLINE_S=N  the whole check ends within N seconds of its
#              start: each step runs under `timeout` with the time left (less
#              a reserve for the summary), a step with under 15 s left is
#              skipped as "out of time"; a step cut short counts as failed
#              (status 124) and its log says how far it got
#   GPU_CHECK_STEPS=a,b,... only these steps (the others are recorded as
#              skipped), e.g. a second run after a fix: configure,build_core,train
#   GPU_CHECK_WORK=DIR      the build and checkpoints (default: a temp folder)
# OUT_DIR gets logs/, results/ (result JSON), speed/, speed_compiled/ and
# speed_compiled_sd/ (the speed reports), fixtures/, facts.json, projection.json, steps.jsonl (a line
# per step as it ends), gpu_check.json (every step's status and seconds) and
# gpu_check_bundle.tar.gz (all of it, one file); the exit status is 1 when a
# step failed (a skipped one is not a failure). --cpu-dry-run runs the same
# steps on the CPU with Debian's LibTorch (/usr/bin/python3's torch), tiny
# sizes, and skips bf16, nccl and the compiled peers.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
cache="$repo/tools/.cache/gpu_check"

prepare() {
  set -e
  local commit dirty diff_hash
  commit="$(git rev-parse HEAD)"
  dirty=false
  [ -z "$(git status --porcelain --untracked-files=no)" ] || dirty=true
  diff_hash="$(git diff HEAD | sha256sum | cut -d' ' -f1)"
  printf '{"commit": "%s", "dirty": %s, "diff_sha256": "%s", "stamped_at": "%s"}\n' \
    "$commit" "$dirty" "$diff_hash" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > SOURCE_STAMP.json
  mkdir -p "$cache/debs" "$cache/data/cifar10"
  ls "$cache/debs"/*.deb >/dev/null 2>&1 || tools/gpu_deps.sh fetch "$cache/debs"
  local src="${SDBENCH_DATA_DIR:-$repo/data}/cifar10"
  [ -f "$src/data_batch_1.bin" ] || { echo "gpu_check.sh: no CIFAR-10 in $src (tools/setup.sh)" >&2; exit 1; }
  cp "$src/data_batch_1.bin" "$cache/data/cifar10/"
  head -c $((2000 * 3073)) "$src/test_batch.bin" > "$cache/data/cifar10/test_batch.bin"
  echo "gpu_check.sh: prepared ($(du -sh "$cache" | cut -f1) in tools/.cache/gpu_check;" \
       "commit ${commit:0:12}, dirty $dirty). Carry: SOURCE_STAMP.json tools/.cache/gpu_check"
}

if [ "${1:-}" = "--prepare" ]; then prepare; exit $?; fi
[ $# -ge 1 ] && [ "${1#--}" = "$1" ] || {
  echo "usage: tools/gpu_check.sh --prepare | OUT_DIR [--cpu-dry-run]" >&2; exit 2; }
out="$(mkdir -p "$1" && cd "$1" && pwd)"
dry=false
[ "${2:-}" = "--cpu-dry-run" ] && dry=true
mkdir -p "$out/logs" "$out/results" "$out/speed" "$out/fixtures"
work="${GPU_CHECK_WORK:-$(mktemp -d)}"
build="$work/build"
export SDBENCH_WORKSPACE="$repo" SDBENCH_SOURCE_STAMP="$repo/SOURCE_STAMP.json"
if $dry; then
  python=/usr/bin/python3 device=cpu
else
  python="$(command -v python3)" device=cuda
fi
jobs=$(nproc)
steps_json="$out/steps.jsonl"
: > "$steps_json"

started=$(date +%s)
deadline="${GPU_CHECK_DEADLINE_S:-0}"
reserve=20      # seconds kept for the summary and the bundle
wanted="${GPU_CHECK_STEPS:-}"
[[ "$deadline" =~ ^[0-9]+$ ]] || { echo "gpu_check.sh: GPU_CHECK_DEADLINE_S=$deadline is not a number of seconds" >&2; exit 2; }

# step NAME COMMAND...: runs it with its output in logs/NAME.log, records
# status and seconds, and goes on whatever happens. Under a deadline the
# command runs in its own bash under `timeout` (which signals its whole
# process group: the runner stops at a step end with a checkpoint).
step() {
  local name="$1"; shift
  if [ -n "$wanted" ] && [[ ",$wanted," != *",$name,"* ]]; then
    skip "$name" "not in GPU_CHECK_STEPS"; return
  fi
  local limit=0
  if [ "$deadline" -gt 0 ]; then
    limit=$((started + deadline - reserve - $(date +%s)))
    if [ "$limit" -lt 15 ]; then skip "$name" "out of time"; return; fi
  fi
  local start status
  start=$(date +%s%N)
  echo "== $name$([ "$limit" -gt 0 ] && echo " (at most $limit s)")"
  if [ "$limit" -gt 0 ]; then
    timeout -k 10 "$limit" bash -c '"$@"' _ "$@" > "$out/logs/$name.log" 2>&1
  else
    "$@" > "$out/logs/$name.log" 2>&1
  fi
  status=$?
  local seconds
  seconds=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  printf '{"step": "%s", "status": %d, "seconds": %.1f%s}\n' "$name" "$status" "$seconds" \
    "$([ "$limit" -gt 0 ] && [ $status -eq 124 ] && echo ', "timed_out": true')" >> "$steps_json"
  tail -n 3 "$out/logs/$name.log" | sed 's/^/   /'
  echo "   -> $([ $status -eq 0 ] && echo passed || echo "FAILED ($status)") in ${seconds%.*} s"
}
skip() {
  printf '{"step": "%s", "status": null, "seconds": 0, "skipped": "%s"}\n' "$1" "$2" >> "$steps_json"
  echo "== $1: skipped ($2)"
}

facts() {
  "$python" - "$out/facts.json" <<'PY'
import glob, json, os, platform, shutil, subprocess, sys
def run(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:
        return f"unavailable: {e}"
facts = {"host": platform.node(), "python": sys.version.split()[0],
         "cmake": run("cmake", "--version").splitlines()[0] if shutil.which("cmake") else None,
         "ninja": run("ninja", "--version") if shutil.which("ninja") else None,
         "cxx": run("c++", "--version").splitlines()[0] if shutil.which("c++") else None,
         "nvcc": shutil.which("nvcc"), "nproc": os.cpu_count(),
         "nvidia_smi": run("nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                           "--format=csv,noheader") if shutil.which("nvidia-smi") else None}
try:
    import torch
    root = os.path.dirname(torch.__file__)
    nvidia = os.path.join(os.path.dirname(root), "nvidia")
    facts["torch"] = {"version": torch.__version__, "cuda": torch.version.cuda,
                      "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
                      "cxx11_abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI), "root": root,
                      "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
                      "gloo_headers": os.path.isdir(os.path.join(root, "include", "gloo")),
                      "nccl_h": sorted(glob.glob(os.path.join(root, "include", "nccl.h")) +
                                       glob.glob(os.path.join(nvidia, "nccl", "include", "nccl.h"))),
                      "nvidia_packages": sorted(os.path.basename(p) for p in glob.glob(os.path.join(nvidia, "*"))),
                      "has_compile": hasattr(torch, "compile")}
except Exception as e:
    facts["torch"] = f"cannot import torch: {e}"
json.dump(facts, open(sys.argv[1], "w"), indent=2)
print(json.dumps(facts, indent=2))
PY
}

deps() {
  if $dry; then
    echo "dry run: the system's packages stand in for the prefix"
    return 0
  fi
  tools/gpu_deps.sh unpack "$cache/debs" "$work/prefix"
}

configure() {
  local prefix=()
  $dry || prefix=(-DCMAKE_PREFIX_PATH="$work/prefix/usr")
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSDBENCH_TORCH_PYTHON="$python" "${prefix[@]}" || return $?
  grep -E "^(SDBENCH_HAVE|SDBENCH_GLOO|SDBENCH_NCCL)" "$build/CMakeCache.txt" || true
}

# The binaries the measurements need come first, so that a check cut short
# by its time limit still has them; the rest (every test) after.
build_core() {
  cmake --build "$build" -j "$jobs" --target experiments_runner experiments_speed \
    lib_training_checkpoint_test -- -k 0 || return $?
  # What starting a process linked with this LibTorch costs (loading the
  # libraries; CUDA is not initialised by --version): the first call reads
  # them from disk. Tests start hundreds of such processes.
  local i TIMEFORMAT
  for i in 1 2 3; do
    TIMEFORMAT="process start ($i): %R s"
    time "$build/experiments/runner" --version > /dev/null
  done
}
build_all() { cmake --build "$build" -j "$jobs" -- -k 0; }  # -k 0: every error in one run

# Every test but those that need what the check does not carry: the full
# CIFAR-10 (the real-data checks of the reader; the check has a subset) and,
# where it is missing, gnuplot (the figures). The tests whose sources mention
# CUDA run first, so that a deadline leaves the CPU-only ones unfinished,
# not them (the first GPU run's ctest left 3 of 50 unfinished). Each test
# gets one OpenMP thread (cmake/run_test.sh): ctest -j runs as many at once
# as there are cores.
# ctest_names -R|-E NAME...: ctest on exactly these tests (-R) or all but them (-E).
ctest_names() {
  local how="$1" IFS='|'
  shift
  (cd "$build" && ctest -j "$jobs" --output-on-failure "$how" "^($*)\$")
}
tests() {
  local exclude=(lib_data_cifar10_real_test) sources=() cuda_tests=() f name
  command -v gnuplot > /dev/null || exclude+=(analysis_figures_test)
  mapfile -t sources < <(find lib experiments analysis tools -path tools/.cache -prune -o \( -name '*_test.cc' -o -name '*_test.sh' \) -print | sort)
  while read -r f; do
    name="${f%.*}"
    cuda_tests+=("${name//\//_}")  # lib/training/checkpoint_test.cc: lib_training_checkpoint_test
  done < <(grep -l -i cuda "${sources[@]}")
  echo "left out: ${exclude[*]}"
  echo "first (their sources mention CUDA): ${cuda_tests[*]}"
  local first=0
  ctest_names -R "${cuda_tests[@]}" || first=$?
  ctest_names -E "${exclude[@]}" "${cuda_tests[@]}" || return $?
  return $first
}

# The GPU-saved checkpoint the CPU tests load (commit it to lib/training/testdata).
fixture() {
  mkdir -p "$work/fixture_tmp"
  SDBENCH_WRITE_CUDA_FIXTURE="$out/fixtures" TEST_TMPDIR="$work/fixture_tmp" \
    "$build/lib/training/checkpoint_test" --gtest_filter='*WriteTheGpuFixture*'
}

# speed [DIR CONFIGS ROUNDS]: the eager peers by default; speed_compiled
# runs ours against torch.compile's two modes.
speed() {
  local dir="${1:-speed}" configs="${2:-ours/constant,ours/stochastic,peer_a/constant,peer_a/stochastic,peer_b/constant,peer_b/stochastic}"
  local size=(--depths=110 --rounds="${3:-2}" --steps=5 --warmup=3)
  $dry && size=(--depths=20 --rounds=1 --steps=1 --warmup=1 --epoch_steps=0 --conv_reps=1)
  "$build/experiments/speed" --device="$device" --peer_python="$python" \
    --peer_script="$repo/baselines/peer/resnet_sd_peer.py" --targets="$repo/baselines/speed_targets.json" \
    --out_dir="$out/$dir" --configs="$configs" "${size[@]}"
}
# Constant depth first, in its own report: compiling the stochastic peer
# took over 100 s on an H200 (LibTorch 2.11), and a report is written only
# when every configuration in it has run.
speed_compiled() {
  speed speed_compiled ours/constant,peer_c/constant,peer_c_ro/constant 1
}
speed_compiled_sd() {
  speed speed_compiled_sd ours/stochastic,peer_c/stochastic,peer_c_ro/stochastic 1
}

# ResNet-110 on the subset; the dry run takes 2 steps of depth 20.
# train_args [OVERRIDE,...]: the runner's flags, with every override in one
# --set (a second --set flag would replace the first).
train_args() {
  local overrides="dataset.cifar10_files=first_batch,dataset.train_size=9000"
  $dry && overrides+=",schedule.max_steps_per_epoch=2,dataset.test_subset=200,dataset.validation_subset=200"
  [ -n "${1:-}" ] && overrides+=",$1"
  echo --config="$repo/experiments/cifar10_110.json" --profile=paper --seeds=1 \
    --data_dir="$cache/data" --device="$device" --log_every_s=10 --set="$overrides"
  $dry && echo --depth=20
}

train() {
  local epochs=3
  $dry && epochs=1
  # shellcheck disable=SC2046
  "$build/experiments/runner" $(train_args) --epochs=$epochs --out_dir="$out/results/fp32" \
    --checkpoint_dir="$work/checkpoints/fp32" || return $?
  "$python" - "$out/results/fp32" "$out/projection.json" <<'PY'
import glob, json, math, sys
# Epoch time with evaluation at the paper's sizes, times 500: training time
# per step times the steps of a 45,000-image epoch, plus evaluation scaled
# from the subset's validation + test images to 5,000 + 10,000. The first
# epoch (cuDNN's algorithm search, warm-up) is left out when there are later
# ones.
projection = {}
for path in sorted(glob.glob(sys.argv[1] + "/**/*.json", recursive=True)):
    r = json.load(open(path))
    epochs = r["epochs"][1:] or r["epochs"]
    d = r["provenance"]["dataset"]
    eval_images = d["validation_images"] + d["test_images"]
    step_s = sum(e["train_seconds"] for e in epochs) / sum(e["steps"] for e in epochs)
    eval_s = sum(e["eval_seconds"] for e in epochs) / len(epochs)
    steps = math.ceil(45000 / r["config"]["schedule"]["batch_size"])
    epoch_s = step_s * steps + eval_s * 15000 / eval_images
    projection[r["arm"]] = {"epoch_seconds_scaled": epoch_s,
                            "projected_500_epochs_minutes": epoch_s * 500 / 60,
                            "median_step_seconds": r["summary"]["median_step_seconds"],
                            "device": r["provenance"]["device_model"], "result": path}
json.dump(projection, open(sys.argv[2], "w"), indent=2)
print(json.dumps(projection, indent=2))
PY
}

train_bf16() {
  # shellcheck disable=SC2046
  "$build/experiments/runner" $(train_args runtime.precision=bf16) --epochs=1 --arms=constant \
    --out_dir="$out/results/bf16" --checkpoint_dir="$work/checkpoints/bf16"
}

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

nccl() {
  # shellcheck disable=SC2046
  MASTER_PORT=$(free_port) "$build/experiments/runner" $(train_args) --epochs=1 --arms=stochastic \
    --dist_backend=nccl --out_dir="$out/results/nccl_world1" --checkpoint_dir="$work/checkpoints/nccl"
}

gloo_cuda() {
  local where=cuda:0
  $dry && where=cpu
  # shellcheck disable=SC2046
  "$build/experiments/runner" $(train_args) --epochs=1 --arms=stochastic --nproc=2 \
    --device="$where" --dist_backend=gloo --out_dir="$out/results/gloo_2ranks" \
    --checkpoint_dir="$work/checkpoints/gloo"
}

echo "gpu_check.sh: $($dry && echo "CPU dry run" || echo "GPU check") -> $out (work: $work)"
[ -f SOURCE_STAMP.json ] || echo "gpu_check.sh: no SOURCE_STAMP.json (run --prepare first): results say commit unknown"
if [ -f SOURCE_STAMP.json ] && head_commit=$(git rev-parse HEAD 2>/dev/null) &&
   ! grep -q "\"$head_commit\"" SOURCE_STAMP.json; then
  echo "gpu_check.sh: SOURCE_STAMP.json is not from this checkout's HEAD ($head_commit): the" \
       "results record the stamp's commit (SDBENCH_SOURCE_STAMP wins over git); if this tree is" \
       "not the stamped one, run --prepare again"
fi
# What runs under `timeout` runs in a fresh bash: it needs the functions and
# the settings.
export -f facts deps configure build_core build_all ctest_names tests fixture speed speed_compiled speed_compiled_sd \
  train_args train train_bf16 free_port nccl gloo_cuda
export repo cache out dry python device jobs build work
# cuda_step NAME FUNCTION WHY: a step that needs CUDA; the dry run records
# it as skipped, saying why.
cuda_step() { if $dry; then skip "$1" "$3"; else step "$1" "$2"; fi; }
no_compile="Debian's torch 1.13 has no torch.compile"
step facts facts
step deps deps
step configure configure
step build_core build_core
step train train
step fixture fixture
step speed speed
cuda_step train_bf16 train_bf16 "bf16 autocast is a CUDA option here"
cuda_step nccl nccl "needs CUDA"
if grep -qs "^SDBENCH_GLOO_INCLUDE:PATH=.*NOTFOUND" "$build/CMakeCache.txt"; then
  skip gloo_cuda "built without Gloo (this LibTorch has no Gloo headers)"
else
  step gloo_cuda gloo_cuda
fi
cuda_step speed_compiled speed_compiled "$no_compile"
step build build_all
step ctest tests
cuda_step speed_compiled_sd speed_compiled_sd "$no_compile"
cp SOURCE_STAMP.json "$out/" 2>/dev/null

"$python" - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
steps = [json.loads(line) for line in open(os.path.join(out, "steps.jsonl"))]
facts = json.load(open(os.path.join(out, "facts.json"))) if os.path.exists(os.path.join(out, "facts.json")) else {}
stamp_path = os.path.join(out, "SOURCE_STAMP.json")
summary = {"source": json.load(open(stamp_path)) if os.path.exists(stamp_path) else None,
           "gpu": facts.get("nvidia_smi"), "torch": facts.get("torch"), "steps": steps,
           "passed": [s["step"] for s in steps if s["status"] == 0],
           "failed": [s["step"] for s in steps if s["status"] not in (0, None)],
           "skipped": [s["step"] for s in steps if s["status"] is None],
           "total_seconds": sum(s["seconds"] for s in steps)}
json.dump(summary, open(os.path.join(out, "gpu_check.json"), "w"), indent=2)
print("\nstep        status    seconds")
for s in steps:
    status = "skipped" if s["status"] is None else ("passed" if s["status"] == 0 else f"FAILED {s['status']}")
    print(f"{s['step']:<11} {status:<9} {s['seconds']:7.1f}")
print(f"total {summary['total_seconds']:.0f} s on {summary['gpu'] or 'the CPU'}; "
      f"passed {len(summary['passed'])}, failed {len(summary['failed'])}, skipped {len(summary['skipped'])}")
sys.exit(1 if summary["failed"] else 0)
PY
verdict=$?
# One archive of everything (few files travel back), beside the summary.
tar czf "$work/gpu_check_bundle.tar.gz" -C "$out" --exclude=gpu_check_bundle.tar.gz . &&
  mv "$work/gpu_check_bundle.tar.gz" "$out/" &&
  echo "bundle: $out/gpu_check_bundle.tar.gz ($(du -h "$out/gpu_check_bundle.tar.gz" | cut -f1))"
exit $verdict
