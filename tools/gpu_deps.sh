#!/usr/bin/env bash
# Everything but LibTorch that the CMake build needs, for a GPU host with no
# network and no Debian -dev packages (an Ubuntu-like machine with pip torch,
# CMake, ninja and a C++ compiler):
#
#   tools/gpu_deps.sh fetch DIR           # here (Debian registry reachable):
#                                         # Debian bookworm's .deb files into DIR
#   tools/gpu_deps.sh unpack DIR PREFIX   # there: unpack them into PREFIX
#   cmake -S . -B build -G Ninja \
#     -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)');PREFIX/usr"
#
# The packages: Abseil (headers, CMake config and its shared libraries),
# nlohmann-json, GoogleTest and GoogleMock, Google Benchmark, libpng, zlib and
# OpenSSL's headers (their runtime libraries are on any Linux host; libpng16
# and libssl3 come along in case). Not included: matio (it needs HDF5; CMake
# switches SVHN off without it) and Gloo's headers (they must match the
# Gloo inside the LibTorch in use; CMake switches CPU data parallelism off).
set -euo pipefail

PACKAGES=(libabsl-dev libabsl20220623 nlohmann-json3-dev libgtest-dev libgmock-dev
          libbenchmark-dev libbenchmark1debian libpng-dev libpng16-16 zlib1g-dev
          libssl-dev libssl3)

usage() { echo "usage: tools/gpu_deps.sh fetch DIR | unpack DIR PREFIX" >&2; exit 2; }

case "${1:-}" in
  fetch)
    [ $# -eq 2 ] || usage
    mkdir -p "$2"
    dir="$(cd "$2" && pwd)"
    # apt-get download runs as _apt when it can: give it a folder it may write.
    work="$(mktemp -d)"
    chmod 777 "$work"
    if ! (cd "$work" && apt-get download -qq "${PACKAGES[@]}"); then
      echo "gpu_deps.sh: 'apt-get download' failed: run 'apt-get update' (is the Debian registry reachable?)" >&2
      rm -rf "$work"
      exit 1
    fi
    mv "$work"/*.deb "$dir"/
    rm -rf "$work"
    echo "gpu_deps.sh: $(ls "$dir"/*.deb | wc -l) packages, $(du -sh "$dir" | cut -f1) in $dir"
    ;;
  unpack)
    [ $# -eq 3 ] || usage
    shopt -s nullglob
    debs=("$2"/*.deb)
    [ ${#debs[@]} -gt 0 ] || { echo "gpu_deps.sh: no .deb files in $2" >&2; exit 1; }
    mkdir -p "$3"
    for deb in "${debs[@]}"; do
      if command -v dpkg-deb >/dev/null 2>&1; then
        dpkg-deb -x "$deb" "$3"
      else  # A host without dpkg: a .deb is an ar archive holding data.tar.*.
        tmp="$(mktemp -d)"
        (cd "$tmp" && ar x "$(realpath "$deb")" && tar -xf data.tar.* -C "$(realpath "$3")")
        rm -rf "$tmp"
      fi
    done
    echo "gpu_deps.sh: ${#debs[@]} packages unpacked into $3; CMake: -DCMAKE_PREFIX_PATH=\"<torch>;$(realpath "$3")/usr\""
    ;;
  *) usage ;;
esac
