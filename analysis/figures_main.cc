// Renders the paper's figures (SVG and PNG, with gnuplot) from result files:
//   bazel run //analysis:figures -- [--results=DIR] [--out=DIR]
//   bazel run //analysis:figures -- --metrics=FILE[,FILE...] [--out=DIR]
// The second draws runs in progress from their metrics files
// (<checkpoint_dir>/<experiment>/<profile>/<arm>_seed<k>.metrics.jsonl)
// into progress.svg and progress.png, and nothing else.
// Defaults: <workspace>/results and <workspace>/analysis/figures. Figures
// use committed results only (see analysis/result_set.h).
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/figures.h"
#include "analysis/inputs.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, results, "", "directory of result files (default: <workspace>/results)");
ABSL_FLAG(std::string, paper, "",
          "the paper's numbers (default: <workspace>/baselines/paper.json)");
ABSL_FLAG(std::string, out, "", "output directory (default: <workspace>/analysis/figures)");
ABSL_FLAG(std::vector<std::string>, metrics, {},
          "metrics files of runs in progress: draw only the progress figure from them");

namespace {

int Fail(const std::string& message) {
  std::cerr << "figures: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string out =
      sdbench::UserOrWorkspacePath(absl::GetFlag(FLAGS_out), "analysis/figures");
  if (!absl::GetFlag(FLAGS_metrics).empty()) {
    std::vector<std::string> paths;
    for (const std::string& path : absl::GetFlag(FLAGS_metrics)) {
      paths.push_back(sdbench::ResolveUserPath(path));
    }
    absl::StatusOr<sdbench::LineFigure> figure = sdbench::BuildProgressFigure(paths);
    if (!figure.ok()) return Fail(std::string(figure.status().message()));
    auto written = sdbench::RenderLineFigure(*figure, out);
    if (!written.ok()) return Fail(std::string(written.status().message()));
    for (const std::string& file : *written) std::cout << file << "\n";
    return 0;
  }
  absl::StatusOr<sdbench::AnalysisInputs> inputs = sdbench::LoadAnalysisInputs(
      absl::GetFlag(FLAGS_paper), absl::GetFlag(FLAGS_results), "figures");
  if (!inputs.ok()) return Fail(std::string(inputs.status().message()));
  auto written = sdbench::RenderAllFigures(inputs->paper, inputs->results.committed, out);
  if (!written.ok()) return Fail(std::string(written.status().message()));
  for (const std::string& file : *written) std::cout << file << "\n";
  return 0;
}
