// The regression gate: checks result files against reference values and
// tolerances kept as data (baselines/ci_reference.json). A check names a
// metric by dot path in the results ("summary.final_train_loss") and a
// type:
//   band          the mean over the runs (n seeds) of one arm's metric lies
//                 within mean +- k * sd / sqrt(n), where sd is the
//                 seed-to-seed spread of one run (the noise model)
//   max / min / range   one arm's metric (mean over seeds) within bounds
//   ratio_max     metric(numerator_arm) / metric(denominator_arm) <= max
//   min_fraction  metric >= fraction * reference
// e.g. {"name": "...", "type": "band", "arm": "constant",
//       "metric": "summary.final_conv_weight_norm", "mean": 48.2, "sd": 0.02, "k": 4}
//
// Speed checks apply to a speed report (//experiments:speed). Speed ratios
// differ between CPU models, so "speed_checks" holds one list per CPU model
// ("by_cpu_model": {"AMD EPYC": [...]}; a key matches a model name it
// starts, the longest such key wins) and a looser "default" list for an
// unknown one. A speed check has "max" and/or "min", or a band ("mean",
// "sd", "k"; "side": "upper" checks only the upper bound).
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
  std::string value;  // As printed; "missing ..." when the runs are absent.
  std::string bound;
  bool passed = false;
};

// Runs every check of `reference` (which names the experiment and profile)
// on `results`. An error for a malformed reference.
absl::StatusOr<std::vector<CheckOutcome>> RunChecks(const nlohmann::json& reference,
                                                    const ResultSet& results);

struct SpeedOutcomes {
  std::vector<CheckOutcome> outcomes;
  // Which list applied: a key of "by_cpu_model", or "default".
  std::string reference_used;
  // What the keys were matched against: the report's CPU model and ISA.
  std::string cpu;
};

// The speed checks for the report's CPU: the longest key of "by_cpu_model"
// that starts provenance.machine.cpu_model + " " + cpu_isa (the model name
// alone for a report without cpu_isa), else "default".
absl::StatusOr<SpeedOutcomes> RunSpeedChecks(const nlohmann::json& reference,
                                             const nlohmann::json& report);

// A Markdown table of the outcomes.
std::string FormatOutcomes(const std::vector<CheckOutcome>& outcomes);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_REGRESS_H_
