// What the tables and figures tools both read: the paper's numbers and the
// result files, with the one log line about skipped files.
#ifndef SDBENCH_ANALYSIS_INPUTS_H_
#define SDBENCH_ANALYSIS_INPUTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "analysis/result_set.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct AnalysisInputs {
  nlohmann::ordered_json paper;  // baselines/paper.json, in file order.
  LoadedResults results;
};

// Reads `paper_flag` (default <workspace>/baselines/paper.json) and the
// results below `results_flag` (default <workspace>/results); says on
// stderr, prefixed with `tool`, which JSON files were not result files.
absl::StatusOr<AnalysisInputs> LoadAnalysisInputs(const std::string& paper_flag,
                                                  const std::string& results_flag,
                                                  const std::string& tool);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_INPUTS_H_
