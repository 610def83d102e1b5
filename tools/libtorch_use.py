#!/usr/bin/env python3
"""What each C++ file includes from LibTorch, itself or through the project's
headers it includes ("lib/...", "experiments/...", resolved from the root):

  torch.h  it reaches <torch/torch.h>
  other    it reaches only other LibTorch headers (<torch/...>, <ATen/...>, <c10/...>)

A file that reaches none is not printed. Both builds precompile <torch/torch.h>
for exactly the "torch.h" files (cmake/SdbenchRules.cmake makes the same scan;
tools/check_build_lists.py holds the Bazel BUILD files to it), and
tools/check_libtorch2.sh checks every file this prints.

    tools/libtorch_use.py FILE...     prints "FILE torch.h|other" per file
                                      (FILEs relative to the repository root)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INCLUDE = re.compile(r'^#include ([<"])([^>"]+)[>"]', re.M)


class LibTorchUse:
    """The scan, each file read once (paths relative to the repository root)."""

    def __init__(self, root=ROOT):
        self._root = root
        self._memo = {}

    def __call__(self, path):
        """The set of {"torch.h", "other"} that PATH reaches."""
        if path not in self._memo:
            self._memo[path] = set()  # Ends a cycle.
            found = set()
            with open(os.path.join(self._root, path), encoding="utf-8") as f:
                text = f.read()
            for kind, name in _INCLUDE.findall(text):
                if kind == "<" and name == "torch/torch.h":
                    found.add("torch.h")
                elif kind == "<" and name.split("/")[0] in ("torch", "ATen", "c10"):
                    found.add("other")
                elif kind == '"' and os.path.exists(os.path.join(self._root, name)):
                    found |= self(name)
            self._memo[path] = found
        return self._memo[path]

    def reaches_torch_h(self, path):
        return "torch.h" in self(path)


def main(paths):
    use = LibTorchUse()
    for path in paths:
        found = use(path)
        if found:
            print(path, "torch.h" if "torch.h" in found else "other")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
