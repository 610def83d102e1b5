#include "analysis/inputs.h"

#include <iostream>

#include "lib/io/file_io.h"
#include "lib/io/json_file.h"

namespace sdbench {

absl::StatusOr<AnalysisInputs> LoadAnalysisInputs(const std::string& paper_flag,
                                                  const std::string& results_flag,
                                                  const std::string& tool) {
  AnalysisInputs inputs;
  absl::StatusOr<nlohmann::ordered_json> paper =
      ReadOrderedJsonFile(UserOrWorkspacePath(paper_flag, "baselines/paper.json"));
  if (!paper.ok()) return paper.status();
  inputs.paper = *std::move(paper);
  absl::StatusOr<LoadedResults> results = LoadResults(UserOrWorkspacePath(results_flag, "results"));
  if (!results.ok()) return results.status();
  inputs.results = *std::move(results);
  if (!inputs.results.skipped.empty()) {
    std::cerr << tool << ": " << SkippedFilesLine(inputs.results) << "\n";
  }
  return inputs;
}

}  // namespace sdbench
