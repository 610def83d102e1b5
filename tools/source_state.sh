#!/usr/bin/env bash
# Prints "COMMIT DIRTY" for the source tree in the current folder: the git
# commit and whether tracked files differ from it (true/false), as
# lib/results/provenance.cc's GitProvenance reads a checkout. Outside git
# (a copy of the tree, as on a lent GPU machine): the stamp
# tools/gpu_check.sh --prepare wrote ($SDBENCH_SOURCE_STAMP, which wins
# over git as it does at run time, else ./SOURCE_STAMP.json); else
# "unknown unknown". Used by both builds' build stamp (build_stamp.h).
stamp_file="${SDBENCH_SOURCE_STAMP:-}"
if [ -z "$stamp_file" ] && commit=$(git rev-parse HEAD 2>/dev/null); then
  status=$(git status --porcelain --untracked-files=no 2>/dev/null) || status=unknown
  if [ "$status" = unknown ]; then dirty=unknown; elif [ -n "$status" ]; then dirty=true; else dirty=false; fi
  echo "$commit $dirty"
  exit 0
fi
[ -n "$stamp_file" ] || stamp_file=SOURCE_STAMP.json
python3 - "$stamp_file" <<'PY' 2>/dev/null || echo "unknown unknown"
import json, re, sys
stamp = json.load(open(sys.argv[1]))
commit, dirty = str(stamp["commit"]), stamp.get("dirty")
assert re.fullmatch(r"[0-9a-f]{7,40}|unknown", commit)
print(commit, {True: "true", False: "false"}.get(dirty, "unknown"))
PY
