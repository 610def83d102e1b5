// Starting other programs: running a command and reading its output, the
// path of the running executable, and the exec step of a fork/exec (the
// runner's --nproc, the speed benchmark's workers).
#ifndef SDBENCH_LIB_IO_PROCESS_H_
#define SDBENCH_LIB_IO_PROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sdbench {

struct CommandResult {
  int exit_code = 0;   // The command's exit status; 128 + N if signal N ended it.
  std::string output;  // Its standard output (and standard error if asked).
};

// Runs argv[0] (looked up on PATH when it has no '/') with `argv`, no
// shell involved, and waits for it. Standard error goes to /dev/null unless
// `capture_stderr`, which mixes it into `output`. An error only when the
// program cannot be started; a non-zero exit is a result, not an error.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         bool capture_stderr = false);

// The running program's path (/proc/self/exe resolved; "/proc/self/exe"
// itself if that fails).
std::string SelfExecutablePath();

// In a forked child: replaces the process with argv[0] run with `argv`; if
// that fails, says so on stderr and exits with status 127.
[[noreturn]] void ExecOrExit(const std::vector<std::string>& argv);

}  // namespace sdbench

#endif  // SDBENCH_LIB_IO_PROCESS_H_
