// The regression gate:
//   bazel run //analysis:regress -- --results=DIR --reference=baselines/ci_reference.json
// Prints every check and exits 1 on any failure, on missing runs, or on a
// missing or malformed file.
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/regress.h"
#include "analysis/result_set.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, results, "", "directory of result files");
ABSL_FLAG(std::string, reference, "", "reference values and tolerances (JSON)");


int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string results_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_results));
  const std::string reference_path = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_reference));
  if (results_dir.empty() || reference_path.empty()) {
    std::cerr << "regress: --results and --reference are required\n";
    return 2;
  }
  auto text = sdbench::ReadFileToString(reference_path);
  if (!text.ok()) {
    std::cerr << "regress: " << text.status().message() << "\n";
    return 1;
  }
  nlohmann::json reference = nlohmann::json::parse(*text, nullptr, false);
  if (reference.is_discarded()) {
    std::cerr << "regress: " << reference_path << ": not valid JSON\n";
    return 1;
  }
  auto results = sdbench::ResultSet::Load(results_dir);
  if (!results.ok()) {
    std::cerr << "regress: " << results.status().message() << "\n";
    return 1;
  }
  auto outcomes = sdbench::RunChecks(reference, *results);
  if (!outcomes.ok()) {
    std::cerr << "regress: " << reference_path << ": " << outcomes.status().message() << "\n";
    return 1;
  }
  std::cout << sdbench::FormatOutcomes(*outcomes);
  int failed = 0;
  for (const auto& o : *outcomes) failed += o.passed ? 0 : 1;
  std::cout << (outcomes->size() - failed) << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
