// The commit a binary was built from, stamped at build time by both builds
// (tools/source_state.sh through Bazel's workspace status or a CMake step
// run at every build; tools/write_build_stamp.sh writes the source). Only
// the binaries that record results link it (//lib/results:build_stamp), so
// a new commit relinks those and nothing else.
#ifndef SDBENCH_LIB_RESULTS_BUILD_STAMP_H_
#define SDBENCH_LIB_RESULTS_BUILD_STAMP_H_

#include <string>

namespace sdbench {

struct BuildStamp {
  std::string commit;  // Full hash, or "unknown" (no git and no stamp file).
  std::string dirty;   // "true" (tracked files differed from it), "false", "unknown".
  std::string tool;    // "bazel" or "cmake".
};

BuildStamp BuiltFrom();

}  // namespace sdbench

#endif  // SDBENCH_LIB_RESULTS_BUILD_STAMP_H_
