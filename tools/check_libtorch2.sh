#!/usr/bin/env bash
# Compiles every C++ file that includes LibTorch against LibTorch 2.x
# headers (syntax and types only, no linking): Debian trixie's libtorch-dev
# 2.6, fetched without touching the system (a private apt source list and
# state, `apt-get download`, `dpkg -x` into tools/.cache/). CI runs it, so
# the sources keep compiling against both 1.13 (Debian bookworm, the build)
# and 2.x (GPU hosts' pip wheels). The CUDA-only files (built only with a
# CUDA LibTorch) compile here too, against tools/cuda_stub: skeleton CUDA
# runtime and NCCL headers with just the declarations c10 and they use.
#
#   tools/check_libtorch2.sh [FILE.cc...]   (default: every such file)
set -euo pipefail
cd "$(dirname "$0")/.."

cache=tools/.cache/libtorch2
headers="$cache/usr/include"
if [ ! -f "$headers/torch/csrc/api/include/torch/version.h" ]; then
  apt_dir="$(mktemp -d)"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    > "$apt_dir/sources.list"
  apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=-
               -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
               -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
  echo "check_libtorch2.sh: fetching Debian trixie's libtorch-dev (headers only, ~2.4 MB)"
  if ! apt-get "${apt_options[@]}" -qq update ||
     ! (cd "$apt_dir" && apt-get "${apt_options[@]}" -qq download libtorch-dev); then
    echo "check_libtorch2.sh: cannot fetch trixie's libtorch-dev: is the Debian registry reachable?" >&2
    exit 1
  fi
  dpkg -x "$apt_dir"/libtorch-dev_*.deb "$cache"
  rm -rf "$apt_dir"
fi
version_h="$headers/torch/csrc/api/include/torch/version.h"
version=$(for part in MAJOR MINOR PATCH; do
  sed -n "s/#define TORCH_VERSION_$part \([0-9]*\)/\1/p" "$version_h"; done | paste -sd.)

# What each file includes from LibTorch (tools/libtorch_use.py): "torch.h"
# (<torch/torch.h>, itself or through the project's headers), "other" (only
# other LibTorch headers) or nothing (no LibTorch: the file is not checked).
libtorch_use() { python3 tools/libtorch_use.py "$@"; }
if [ $# -gt 0 ]; then
  mapfile -t uses < <(libtorch_use "$@")
else
  mapfile -t uses < <(libtorch_use $(git ls-files '*.cc') | sort)
fi
files=()
declare -A includes_torch_h=()
for line in "${uses[@]}"; do
  files+=("${line%% *}")
  [ "${line##* }" = torch.h ] && includes_torch_h["${line%% *}"]=1
done
[ $# -eq 0 ] || [ ${#files[@]} -eq $# ] ||
  echo "check_libtorch2.sh: $(($# - ${#files[@]})) of the given files include no LibTorch header: not checked"
base_flags=(-std=c++17 -Wall -Werror=deprecated-declarations -iquote .
       -isystem "$headers" -isystem "$headers/torch/csrc/api/include"
       -DUSE_C10D_GLOO -DSDBENCH_HAVE_GLOO=1 -DSDBENCH_HAVE_MATIO=1)
flags=("${base_flags[@]}" -fsyntax-only)
cuda_only=(lib/training/cuda_info.cc lib/distributed/nccl_group.cc)
cuda_flags=(-isystem tools/cuda_stub -DUSE_C10D_NCCL)
failed=()
jobs=$(nproc)
log_dir="$(mktemp -d)"
# <torch/torch.h> precompiled once with the same flags: parsing it is most of
# each file's time (trainer.cc: 29 s alone, 15 s with the PCH, on a 2-core
# host). -include puts it first in the files that include it, but the
# CUDA-only ones (other macros); the files that include only other LibTorch
# headers are compiled without it, which is faster for them.
echo '#include <torch/torch.h>' > "$log_dir/torch_all.h"
pch=()
if g++ "${base_flags[@]}" -x c++-header "$log_dir/torch_all.h" \
     -o "$log_dir/torch_all.h.gch" > "$log_dir/pch.log" 2>&1; then
  pch=(-include "$log_dir/torch_all.h" -Winvalid-pch)
else
  echo "check_libtorch2.sh: <torch/torch.h> does not compile as a precompiled header:" >&2
  head -40 "$log_dir/pch.log" >&2
  rm -rf "$log_dir"
  exit 1
fi
run_one() {
  local extra=()
  [ -n "${includes_torch_h[$1]:-}" ] && extra=("${pch[@]}")
  for c in "${cuda_only[@]}"; do [ "$1" = "$c" ] && extra=("${cuda_flags[@]}"); done
  if ! g++ "${flags[@]}" "${extra[@]}" "$1" > "$2" 2>&1; then echo "$1" >> "$3"; fi
}
: > "$log_dir/failed"
for f in "${files[@]}"; do
  while [ "$(jobs -r | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
  run_one "$f" "$log_dir/$(echo "$f" | tr / _).log" "$log_dir/failed" &
done
wait
mapfile -t failed < "$log_dir/failed"
if [ ${#failed[@]} -gt 0 ]; then
  for f in "${failed[@]}"; do
    echo "== $f"
    head -40 "$log_dir/$(echo "$f" | tr / _).log"
  done
  echo "check_libtorch2.sh: ${#failed[@]} of ${#files[@]} file(s) do not compile against LibTorch $version" >&2
  rm -rf "$log_dir"
  exit 1
fi
rm -rf "$log_dir"
echo "check_libtorch2.sh: all ${#files[@]} LibTorch files compile against LibTorch $version headers" \
  "(${#cuda_only[@]} CUDA-only ones against tools/cuda_stub)"
