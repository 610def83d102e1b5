// Graceful stops for runs on clusters: the signals that ask a run to stop
// (Slurm sends SIGTERM, or the one `sbatch --signal` names, before a time
// limit or a preemption; a person presses Ctrl-C). The first such signal
// only sets a flag: the trainer finishes the step in progress, writes a
// checkpoint at that step and exits with kStoppedExitCode, and `--resume`
// continues exactly there. A second SIGINT ends the process at once.
#ifndef SDBENCH_LIB_BASE_STOP_H_
#define SDBENCH_LIB_BASE_STOP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

// The exit status of a run that stopped on request and can be resumed
// (EX_TEMPFAIL: "try again later"); the --nproc launcher does not count it
// as a rank failure.
constexpr int kStoppedExitCode = 75;

// "TERM,INT,USR1" (with or without "SIG") -> signal numbers; an error names
// an unknown one.
absl::StatusOr<std::vector<int>> ParseStopSignals(absl::string_view names);

// Installs the handlers (process-wide; again replaces the set).
absl::Status InstallStopHandlers(const std::vector<int>& signals);

// Whether a stop was requested, and by which signal (0: none).
bool StopRequested();
int StopSignal();
// "SIGTERM" for a signal number.
std::string SignalName(int signal);

// Tests and the --nproc launcher: as if `signal` had arrived; 0 clears.
void RequestStopForTest(int signal);

}  // namespace sdbench

#endif  // SDBENCH_LIB_BASE_STOP_H_
