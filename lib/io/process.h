// Starting other programs, the one way sdbench does it (binaries and tests
// alike): a Subprocess with optional pipes to its standard input and output
// or its output sent to a file, environment additions, waiting and
// signalling; RunCommand on top of it for "run this and give me its output".
#ifndef SDBENCH_LIB_IO_PROCESS_H_
#define SDBENCH_LIB_IO_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sdbench {

class Subprocess {
 public:
  struct Options {
    bool pipe_stdin = false;        // Else /dev/null.
    bool pipe_stdout = false;       // Else `output_file`, else inherited.
    std::string output_file;        // Standard output (and error) go here, truncated.
    bool stderr_to_stdout = false;  // Else inherited (or /dev/null, see below).
    bool quiet_stderr = false;      // Standard error to /dev/null.
    std::map<std::string, std::string> environment;  // Set in the child.
    // In a process group of its own: a terminal's Ctrl-C reaches the parent
    // only, which decides what the child gets.
    bool new_process_group = false;
    // RLIMIT_FSIZE of the child in bytes (0: inherited), e.g. to test
    // what a full disk does.
    int64_t file_size_limit = 0;
  };

  // Runs argv[0] (looked up on PATH when it has no '/'). An error when the
  // program cannot be started (not found, not executable), naming it.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                           const Options& options);
  // Kills (SIGKILL) and reaps a child that is still running.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  // With pipe_stdin: writes `line` and a newline, flushed.
  absl::Status WriteLine(const std::string& line);
  void CloseStdin();
  // With pipe_stdout: the next line without its newline; nullopt at EOF.
  std::optional<std::string> ReadLine();
  // With pipe_stdout: everything up to EOF.
  std::string ReadAll();

  // Waits for the exit: the exit status, or 128 + N if signal N ended it.
  int Wait();
  // The same without blocking; nullopt while it runs.
  std::optional<int> TryWait();
  void Signal(int signal);
  // "exit status 3" / "killed by signal 9" for an exit code from Wait().
  static std::string DescribeExit(int exit_code);

 private:
  Subprocess() = default;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string name_;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

struct CommandResult {
  int exit_code = 0;   // As Subprocess::Wait.
  std::string output;  // Its standard output (and standard error if asked).
};

// Runs `argv` to its end, no shell involved. Standard error goes to
// /dev/null unless `capture_stderr`, which mixes it into `output`. An error
// only when the program cannot be started; a non-zero exit is a result.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         bool capture_stderr = false);

// The running program's path (/proc/self/exe resolved; "/proc/self/exe"
// itself if that fails).
std::string SelfExecutablePath();

}  // namespace sdbench

#endif  // SDBENCH_LIB_IO_PROCESS_H_
