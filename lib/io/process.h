// Starting copies of programs: the path of the running executable, and the
// exec step of a fork/exec (used by the runner's --nproc and the speed
// benchmark's workers).
#ifndef SDBENCH_LIB_IO_PROCESS_H_
#define SDBENCH_LIB_IO_PROCESS_H_

#include <string>
#include <vector>

namespace sdbench {

// The running program's path (/proc/self/exe resolved; "/proc/self/exe"
// itself if that fails).
std::string SelfExecutablePath();

// In a forked child: replaces the process with argv[0] run with `argv`; if
// that fails, says so on stderr and exits with status 127.
[[noreturn]] void ExecOrExit(const std::vector<std::string>& argv);

}  // namespace sdbench

#endif  // SDBENCH_LIB_IO_PROCESS_H_
