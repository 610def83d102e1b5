// The facts every result and report records about where it came from:
// the source tree's git state, the machine, the time. LibTorch's own facts
// are in lib/training/runtime.h (LibTorchProvenance), so that tools that
// only read results need no LibTorch.
#ifndef SDBENCH_LIB_RESULTS_PROVENANCE_H_
#define SDBENCH_LIB_RESULTS_PROVENANCE_H_

#include <optional>
#include <string>

#include "lib/results/build_stamp.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// {"commit", "dirty"} of the source tree (BUILD_WORKSPACE_DIRECTORY under
// `bazel run`, else the current directory). Outside git: the stamp
// tools/gpu_check.sh --prepare wrote before the tree left its checkout (a copy
// without .git, as on a lent GPU machine), from $SDBENCH_SOURCE_STAMP or
// <tree>/SOURCE_STAMP.json, with "stamp" (where it came from) added; else
// commit "unknown" and dirty null. `dir` overrides the tree.
nlohmann::json GitProvenance(const std::string& dir = "");

// "provenance.git" of a result: the commit the binary was built from
// (`built`, its build stamp: {"commit", "dirty", "from": "build stamp
// (bazel)"}), with the checkout's {"commit", "dirty"} beside it as
// "checkout" only when the checkout (GitProvenance(dir)) says otherwise.
// Without a stamp (nullopt, or its commit unknown): GitProvenance(dir) with
// "from": "checkout at run time".
nlohmann::json SourceProvenance(const std::optional<BuildStamp>& built,
                                const std::string& dir = "");

// Host name, CPU model, logical CPUs, compiler.
nlohmann::json MachineProvenance();

// UTC time as ISO 8601 ("2026-11-26T17:28:59Z").
std::string NowIso8601();

}  // namespace sdbench

#endif  // SDBENCH_LIB_RESULTS_PROVENANCE_H_
