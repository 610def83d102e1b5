#!/usr/bin/env python3
"""Lists the longest C++ function bodies (lines from the opening brace of the
definition to its closing brace) in the given folders: a reader's check that
no function grows too long (issue 13 asks for none over ~60 lines in lib/).

    tools/function_lengths.py lib experiments analysis [--most 10] [--over 60]

A heuristic for clang-formatted Google-style code: a definition starts at a
line that begins at column 0 (namespaces are not indented) or with two
spaces inside a class, and its body is matched brace by brace, ignoring
braces in strings, characters and comments.
"""
import argparse
import pathlib
import re
import sys

START = re.compile(r"^(?:  )?[A-Za-z_][\w:<>,\s\*&~\[\]]*\(.*")


def strip(line, in_comment):
    """The line without strings, characters and comments."""
    out, i = [], 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_comment = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_comment, i = True, i + 2
        elif line[i] in "\"'":
            quote, i = line[i], i + 1
            while i < len(line) and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            i += 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_comment


def functions(path):
    lines = path.read_text().splitlines()
    in_comment, depth, signature, body_start, name = False, 0, None, None, None
    for number, raw in enumerate(lines, 1):
        code, in_comment = strip(raw, in_comment)
        # Namespace braces do not nest definitions.
        if re.match(r"^namespace\b.*\{\s*$", code) or re.match(r"^\}\s*$", code) and "namespace" in raw:
            continue
        if body_start is None and depth <= 1 and START.match(code) and "=" not in code.split("(")[0]:
            if not re.match(r"^\s*(if|for|while|switch|return|namespace|class|struct)\b", code):
                signature, name = number, code.strip()
        for ch in code:
            if ch == "{":
                depth += 1
                if signature is not None and body_start is None:
                    body_start = (number, depth)
            elif ch == "}":
                if body_start is not None and depth == body_start[1]:
                    yield number - signature + 1, f"{path}:{signature}", name[:80]
                    body_start, signature = None, None
                depth -= 1
        if code.rstrip().endswith(";") and body_start is None:
            signature = None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--most", type=int, default=10)
    parser.add_argument("--over", type=int, default=0)
    args = parser.parse_args()
    found = []
    for folder in args.folders:
        for path in sorted(pathlib.Path(folder).rglob("*.cc")):
            found.extend(functions(path))
    found.sort(reverse=True)
    shown = [f for f in found if f[0] > args.over][: args.most] if args.over else found[: args.most]
    for length, where, name in shown:
        print(f"{length:4d}  {where}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
