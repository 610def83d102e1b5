#!/usr/bin/env python3
"""Checks that the Bazel and CMake builds compile the same sources, the same way.

Every C++ file git tracks must be named by both builds, in the same folder's
BUILD and CMakeLists.txt. Files built only under a condition (they replace
each other, and each build decides which one) are listed below; both builds
must name each of them, in both branches of their condition. A Bazel target
takes the precompiled <torch/torch.h> where CMake gives it (a source that
reaches it, tools/libtorch_use.py) and nowhere else. Exit 1, with
the differences, when the builds drift apart.

    tools/check_build_lists.py
"""
import itertools
import os
import re
import subprocess
import sys

from libtorch_use import LibTorchUse

# File -> (the condition under which it is built, the builds that may
# build it). Bazel always has matio (tools/setup.sh installs libmatio-dev),
# so only CMake names the matio-less twin.
CONDITIONAL = {
    "lib/data/svhn.cc": ("matio found", {"bazel", "cmake"}),
    "lib/data/svhn_without_matio.cc": ("no matio", {"cmake"}),
    "lib/data/svhn_test.cc": ("matio found", {"bazel", "cmake"}),
    "lib/distributed/gloo_group.cc": ("Gloo's headers found", {"bazel", "cmake"}),
    "lib/distributed/gloo_group_unavailable.cc": ("no Gloo headers", {"bazel", "cmake"}),
    "lib/distributed/nccl_group.cc": ("a CUDA LibTorch with nccl.h", {"bazel", "cmake"}),
    "lib/training/cuda_info.cc": ("a CUDA LibTorch", {"bazel", "cmake"}),
    "lib/training/cuda_info_unavailable.cc": ("a LibTorch without CUDA", {"bazel", "cmake"}),
    "lib/distributed/nccl_group_unavailable.cc": ("no NCCL", {"bazel", "cmake"}),
}

# Header-only trees that neither build compiles: tools/cuda_stub/ stands in
# for the CUDA toolkit's headers when tools/check_libtorch2.sh compiles the
# CUDA-only sources on a machine without CUDA.
NOT_BUILT = ("tools/cuda_stub",)

# What TORCH_PCH_COPTS stands for when a BUILD file is read here.
TORCH_PCH = "<TORCH_PCH_COPTS>"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Struct:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def bazel_rules(package):
    """(kind, attributes) of every rule in a package's BUILD, over every LIBTORCH variant."""
    rules = []
    for cuda, gloo, nccl in itertools.product([False, True], repeat=3):
        env = {kind: (lambda kind: lambda **attributes: rules.append((kind, attributes)))(kind)
               for kind in ("cc_library", "cc_binary", "cc_test", "sh_test", "sh_binary",
                            "filegroup", "genrule", "alias", "torch_precompiled_header")}
        env.update(load=lambda *a, **k: None, package=lambda **k: None,
                   exports_files=lambda *a, **k: None, glob=lambda *a, **k: [],
                   sdbench_experiments=lambda *a, **k: None,
                   TORCH_PCH_COPTS=[TORCH_PCH],
                   LIBTORCH=_Struct(has_cuda=cuda, has_gloo=gloo, has_nccl=nccl,
                                    source="", root=""))
        path = os.path.join(ROOT, package, "BUILD")
        exec(compile(open(path).read(), path, "exec"), env)
    return rules


def bazel_sources(rules, package):
    """Every .cc/.h the rules name."""
    return {os.path.normpath(os.path.join(package, item))
            for _, attributes in rules for key in ("srcs", "hdrs")
            for item in attributes.get(key, [])
            if isinstance(item, str) and re.search(r"\.(cc|h)$", item)}


def precompiled_torch_problems(rules, package, use):
    """A C++ target takes the precompiled <torch/torch.h> (copts = TORCH_PCH_COPTS)
    exactly when one of its .cc files reaches <torch/torch.h>, as in CMake: the
    header forced on other files costs more than it saves."""
    problems = set()
    for kind, attributes in rules:
        if not kind.startswith("cc_"):
            continue
        sources = [os.path.normpath(os.path.join(package, item))
                   for item in attributes.get("srcs", []) if item.endswith(".cc")]
        wants = [f for f in sources if use.reaches_torch_h(f)]
        takes = TORCH_PCH in attributes.get("copts", [])
        label = f"//{package}:{attributes['name']}"
        if wants and not takes:
            problems.add(f"{label}: {wants[0]} reaches <torch/torch.h>, but the target has no "
                         "copts = TORCH_PCH_COPTS (//third_party:torch_pch.bzl)")
        if sources and not wants and takes:
            problems.add(f"{label}: copts = TORCH_PCH_COPTS, but none of its sources "
                         "reaches <torch/torch.h>")
    return sorted(problems)


def cmake_sources(package):
    """Every .cc/.h a package's CMakeLists.txt names (in any branch)."""
    path = os.path.join(ROOT, package, "CMakeLists.txt")
    if not os.path.exists(path):
        return set()
    text = re.sub(r"#.*", "", open(path).read())
    return {os.path.normpath(os.path.join(package, name))
            for name in re.findall(r"(?<![\w/.${}])([\w./-]+\.(?:cc|h))\b", text)}


def main():
    tracked = subprocess.run(["git", "ls-files", "*.cc", "*.h"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    tracked = [f for f in tracked if not f.startswith(NOT_BUILT)]
    packages = sorted({os.path.dirname(f) for f in tracked})
    problems = []
    use = LibTorchUse()
    for package in packages:
        if not os.path.exists(os.path.join(ROOT, package, "BUILD")):
            problems.append(f"{package}/: C++ files but no BUILD")
            continue
        rules = bazel_rules(package)
        bazel, cmake = bazel_sources(rules, package), cmake_sources(package)
        problems += precompiled_torch_problems(rules, package, use)
        files = {f for f in tracked if os.path.dirname(f) == package}
        for f in sorted(files - bazel):
            if "bazel" in CONDITIONAL.get(f, ("", {"bazel"}))[1]:
                problems.append(f"{f}: not named in {package}/BUILD")
        for f in sorted(files - cmake):
            if "cmake" in CONDITIONAL.get(f, ("", {"cmake"}))[1]:
                problems.append(f"{f}: not named in {package}/CMakeLists.txt")
        for f in sorted((bazel | cmake) - files - set(CONDITIONAL)):
            problems.append(f"{f}: named by a build, but git does not track it")
    for f in CONDITIONAL:
        if not os.path.exists(os.path.join(ROOT, f)) and "nccl_group.cc" not in f:
            problems.append(f"{f}: listed as conditional, but missing")
    if problems:
        print("check_build_lists.py: the Bazel and CMake builds differ:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"check_build_lists.py: {len(tracked)} C++ files, the same in both builds "
          f"({len(CONDITIONAL)} built under a condition)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
