// Renders the paper's figures (SVG and PNG, with gnuplot) from result files:
//   bazel run //analysis:figures -- [--results=DIR] [--out=DIR]
// Defaults: <workspace>/results and <workspace>/analysis/figures. Figures
// use committed results only (see analysis/result_set.h).
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/figures.h"
#include "analysis/result_set.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"

ABSL_FLAG(std::string, results, "", "directory of result files (default: <workspace>/results)");
ABSL_FLAG(std::string, paper, "",
          "the paper's numbers (default: <workspace>/baselines/paper.json)");
ABSL_FLAG(std::string, out, "", "output directory (default: <workspace>/analysis/figures)");

namespace {

int Fail(const std::string& message) {
  std::cerr << "figures: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string paper_path =
      sdbench::UserOrWorkspacePath(absl::GetFlag(FLAGS_paper), "baselines/paper.json");
  const std::string results_dir =
      sdbench::UserOrWorkspacePath(absl::GetFlag(FLAGS_results), "results");
  const std::string out =
      sdbench::UserOrWorkspacePath(absl::GetFlag(FLAGS_out), "analysis/figures");
  absl::StatusOr<nlohmann::ordered_json> paper = sdbench::ReadOrderedJsonFile(paper_path);
  if (!paper.ok()) return Fail(std::string(paper.status().message()));
  absl::StatusOr<sdbench::LoadedResults> loaded = sdbench::LoadResults(results_dir);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  if (!loaded->skipped.empty())
    std::cerr << "figures: " << sdbench::SkippedFilesLine(*loaded) << "\n";
  auto written = sdbench::RenderAllFigures(*paper, loaded->committed, out);
  if (!written.ok()) return Fail(std::string(written.status().message()));
  for (const std::string& file : *written) std::cout << file << "\n";
  return 0;
}
