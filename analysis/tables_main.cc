// Renders the paper's tables with measured values beside them:
//   bazel run //analysis:tables -- [--results=DIR] [--out=DIR]
// Prints the Markdown; with --out, writes tables.md and tables.tex there
// (committed results only) and local_runs.md when git-ignored runs exist.
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/inputs.h"
#include "analysis/tables.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, results, "", "directory of result files (default: <workspace>/results)");
ABSL_FLAG(std::string, paper, "",
          "the paper's numbers (default: <workspace>/baselines/paper.json)");
ABSL_FLAG(std::string, out, "", "directory for tables.md and tables.tex (optional)");

namespace {

int Fail(const std::string& message) {
  std::cerr << "tables: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<sdbench::AnalysisInputs> inputs = sdbench::LoadAnalysisInputs(
      absl::GetFlag(FLAGS_paper), absl::GetFlag(FLAGS_results), "tables");
  if (!inputs.ok()) return Fail(std::string(inputs.status().message()));
  const sdbench::LoadedResults* loaded = &inputs->results;
  const sdbench::RenderedTables tables = sdbench::RenderTables(inputs->paper, loaded->committed);
  const std::string local = sdbench::RenderLocalRuns(loaded->local);
  std::cout << tables.markdown << local;
  const std::string out = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) return 0;
  if (absl::Status s = sdbench::MakeDirectories(out); !s.ok())
    return Fail(std::string(s.message()));
  for (const auto& [name, text] :
       {std::make_pair("tables.md", tables.markdown), std::make_pair("tables.tex", tables.latex)}) {
    absl::Status s = sdbench::WriteFileAtomically(out + "/" + name, text);
    if (!s.ok()) return Fail(std::string(s.message()));
  }
  const std::string local_path = out + "/local_runs.md";
  if (!local.empty()) {
    absl::Status s = sdbench::WriteFileAtomically(local_path, local);
    if (!s.ok()) return Fail(std::string(s.message()));
  } else {
    std::remove(local_path.c_str());  // No stale list of runs that are gone.
  }
  std::cerr << "tables: wrote " << out << "/tables.md and tables.tex"
            << (local.empty() ? "" : " (committed results), local_runs.md (your git-ignored runs)")
            << "\n";
  return 0;
}
