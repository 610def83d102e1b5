#!/usr/bin/env bash
# Bazel's workspace status (.bazelrc: --workspace_status_command): the
# commit the build compiles and whether the tree differed from it
# (tools/source_state.sh), which //lib/results:build_stamp writes into the
# binaries that record results. STABLE_ keys: a change rebuilds the stamp.
read -r commit dirty < <("$(dirname "$0")/source_state.sh")
echo "STABLE_SDBENCH_COMMIT $commit"
echo "STABLE_SDBENCH_DIRTY $dirty"
