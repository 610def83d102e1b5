// Renders the paper's figures (SVG and PNG, with gnuplot) from result files:
//   bazel run //analysis:figures -- [--results=DIR] [--out=DIR]
// Defaults: <workspace>/results and <workspace>/analysis/figures.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/figures.h"
#include "analysis/result_set.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, results, "", "directory of result files (default: <workspace>/results)");
ABSL_FLAG(std::string, paper, "", "the paper's numbers (default: <workspace>/baselines/paper.json)");
ABSL_FLAG(std::string, out, "", "output directory (default: <workspace>/analysis/figures)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto resolve = [](const std::string& flag, const char* fallback) {
    std::string path = sdbench::ResolveUserPath(flag);
    return path.empty() ? sdbench::WorkspacePath(fallback) : path;
  };
  const std::string paper_path = resolve(absl::GetFlag(FLAGS_paper), "baselines/paper.json");
  const std::string results_dir = resolve(absl::GetFlag(FLAGS_results), "results");
  const std::string out = resolve(absl::GetFlag(FLAGS_out), "analysis/figures");
  auto paper_text = sdbench::ReadFileToString(paper_path);
  if (!paper_text.ok()) {
    std::cerr << "figures: " << paper_text.status().message() << "\n";
    return 1;
  }
  auto paper = nlohmann::ordered_json::parse(*paper_text, nullptr, false);
  if (paper.is_discarded()) {
    std::cerr << "figures: " << paper_path << ": not valid JSON\n";
    return 1;
  }
  auto results = sdbench::ResultSet::Load(results_dir);
  if (!results.ok()) {
    std::cerr << "figures: " << results.status().message() << "\n";
    return 1;
  }
  auto written = sdbench::RenderAllFigures(paper, *results, out);
  if (!written.ok()) {
    std::cerr << "figures: " << written.status().message() << "\n";
    return 1;
  }
  for (const std::string& file : *written) std::cout << file << "\n";
  return 0;
}
