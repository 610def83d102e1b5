// `--nproc=N`: starts N local copies of this program as ranks 0..N-1 of one
// job, the way torchrun would (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT), and supervises them: the first rank to fail takes the others
// down and decides the exit status.
#ifndef SDBENCH_LIB_DISTRIBUTED_LAUNCH_H_
#define SDBENCH_LIB_DISTRIBUTED_LAUNCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sdbench {

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLocalPort();

// Runs `argv` (argv[0] is executed) as `nproc` ranks with the launcher
// variables set, each in a process group of its own. A stop signal (one of
// `stop_signals`) that reaches the launcher is passed on to every rank
// once (they agree on the step to stop at); a second SIGINT is passed on
// too (they end at once). Returns 0 when every rank succeeded,
// kStoppedExitCode (75) when they stopped on request; otherwise the
// failing rank's status (1 for a signal) after terminating the rest.
int RunLocalRanks(int nproc, const std::vector<std::string>& argv,
                  const std::vector<int>& stop_signals = {});

}  // namespace sdbench

#endif  // SDBENCH_LIB_DISTRIBUTED_LAUNCH_H_
