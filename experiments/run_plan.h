// What one invocation of the runner will do, decided before any work: which
// arms and seeds, each run's resolved config and where its result and
// checkpoint go; and the table it prints at the end.
#ifndef SDBENCH_EXPERIMENTS_RUN_PLAN_H_
#define SDBENCH_EXPERIMENTS_RUN_PLAN_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/config/experiment_config.h"
#include "lib/training/run_settings.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// The arms to run: the one at `arm_index` (>= 0), else those named in the
// comma-separated `names`, else all of them.
absl::StatusOr<std::vector<Arm>> SelectArms(const Experiment& experiment, int arm_index,
                                            const std::string& names);

// Comma-separated non-negative seeds; `defaults` when `text` is empty.
absl::StatusOr<std::vector<int>> ParseSeeds(const std::string& text,
                                            const std::vector<int>& defaults);

struct PlannedRun {
  Arm arm;
  int seed = 0;
  RunSettings settings;         // Parsed once; settings.config: the resolved config.
  std::string result_path;      // <out_dir>/<experiment>/<profile>/<arm>_seed<k>.json
  std::string checkpoint_path;  // The same under the checkpoint directory, .pt.
};

// Every (arm, seed) run with its config resolved (profile, arm, command-line
// overrides), checked and parsed into typed settings once, the device
// resolved for this process's `placement`: an error names the arm and the
// problem before any run starts.
absl::StatusOr<std::vector<PlannedRun>> PlanRuns(
    const Experiment& experiment, const std::string& profile, const std::vector<Arm>& arms,
    const std::vector<int>& seeds,
    const std::vector<std::pair<std::string, nlohmann::json>>& overrides,
    const std::string& out_dir, const std::string& checkpoint_dir,
    const RankPlacement& placement = {});

// What the runs cannot do with `world_size` processes (CheckWorldSize of
// run_settings.h), naming the arm.
absl::Status CheckWorldSize(const std::vector<PlannedRun>& runs, int world_size);

// The runner's closing table: one row per finished result; for every other
// arm with results, a line comparing it with `reference_arm` (mean test error
// at best validation, training time) when that arm has results too; then
// `reading` (the experiment's text for this profile) when not empty.
std::string SummaryTable(const std::string& experiment, const std::string& profile,
                         const std::vector<nlohmann::json>& results,
                         const std::string& reference_arm, const std::string& reading = "");

}  // namespace sdbench

#endif  // SDBENCH_EXPERIMENTS_RUN_PLAN_H_
