// Renders the paper's figures (SVG and PNG, with gnuplot) from result files:
//   bazel run //analysis:figures -- [--results=DIR] [--out=DIR]
// Defaults: <workspace>/results and <workspace>/analysis/figures. Figures
// use committed results only (see analysis/result_set.h).
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/figures.h"
#include "analysis/inputs.h"
#include "lib/io/file_io.h"

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
  absl::StatusOr<sdbench::AnalysisInputs> inputs = sdbench::LoadAnalysisInputs(
      absl::GetFlag(FLAGS_paper), absl::GetFlag(FLAGS_results), "figures");
  if (!inputs.ok()) return Fail(std::string(inputs.status().message()));
  const std::string out =
      sdbench::UserOrWorkspacePath(absl::GetFlag(FLAGS_out), "analysis/figures");
  auto written = sdbench::RenderAllFigures(inputs->paper, inputs->results.committed, out);
  if (!written.ok()) return Fail(std::string(written.status().message()));
  for (const std::string& file : *written) std::cout << file << "\n";
  return 0;
}
