// Renders the paper's tables with measured values beside them:
//   bazel run //analysis:tables -- --results=results --out=analysis/out
// Writes tables.md and tables.tex to --out and prints the Markdown.
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/result_set.h"
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
  std::string paper_path = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_paper));
  if (paper_path.empty()) paper_path = sdbench::WorkspacePath("baselines/paper.json");
  std::string results_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_results));
  if (results_dir.empty()) results_dir = sdbench::WorkspacePath("results");
  auto paper_text = sdbench::ReadFileToString(paper_path);
  if (!paper_text.ok()) return Fail(std::string(paper_text.status().message()));
  nlohmann::ordered_json paper = nlohmann::ordered_json::parse(*paper_text, nullptr, false);
  if (paper.is_discarded()) return Fail(paper_path + ": not valid JSON");
  auto results = sdbench::ResultSet::Load(results_dir);
  if (!results.ok()) return Fail(std::string(results.status().message()));
  sdbench::RenderedTables tables = sdbench::RenderTables(paper, *results);
  std::cout << tables.markdown;
  const std::string out = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (!out.empty()) {
    for (const auto& [name, text] :
         {std::make_pair("tables.md", tables.markdown), std::make_pair("tables.tex", tables.latex)}) {
      absl::Status s = sdbench::MakeDirectories(out);
      if (s.ok()) s = sdbench::WriteFileAtomically(out + "/" + name, text);
      if (!s.ok()) return Fail(std::string(s.message()));
    }
    std::cerr << "tables: wrote " << out << "/tables.md and tables.tex\n";
  }
  return 0;
}
