// The regression gate: checks result files against reference values and
// tolerances kept as data (baselines/ci_reference.json), e.g.
//   {"name": "...", "type": "max", "arm": "constant",
//    "metric": "summary.test_error_at_best_validation_percent", "max": 60}
// Check types:
//   max / min / range   a metric of one arm (mean over seeds) within bounds
//   ratio_max           metric(numerator_arm) / metric(denominator_arm) <= max
//   min_fraction        metric >= fraction * reference
#ifndef SDBENCH_ANALYSIS_REGRESS_H_
#define SDBENCH_ANALYSIS_REGRESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/result_set.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct CheckOutcome {
  std::string name;
  std::string value;  // As printed; "missing" when the runs are absent.
  std::string bound;
  bool passed = false;
};

// Runs every check of `reference` (which names the experiment and profile)
// on `results`. An error for a malformed reference.
absl::StatusOr<std::vector<CheckOutcome>> RunChecks(const nlohmann::json& reference,
                                                    const ResultSet& results);

// Checks of a speed report (//experiments:speed, results/benchmarks/) from
// the reference's "speed_checks": each names a dot path in the report and a
// "max" and/or "min", e.g.
//   {"name": "...", "metric": "ratios.ours_over_peer_a_constant", "max": 0.9}
// A missing metric fails its check.
absl::StatusOr<std::vector<CheckOutcome>> RunSpeedChecks(const nlohmann::json& reference,
                                                         const nlohmann::json& report);

// A Markdown table of the outcomes.
std::string FormatOutcomes(const std::vector<CheckOutcome>& outcomes);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_REGRESS_H_
