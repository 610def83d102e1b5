// The regression gate:
//   bazel run //analysis:regress -- --results=DIR --reference=baselines/ci_reference.json
// Prints every check and exits 1 on any failure, on missing runs, or on a
// missing or malformed file.
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "analysis/regress.h"
#include "analysis/result_set.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, results, "", "directory of result files");
ABSL_FLAG(std::string, reference, "", "reference values and tolerances (JSON)");
ABSL_FLAG(std::string, speed_report, "",
          "optional: a //experiments:speed report to check against the "
          "reference's speed_checks");


int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string results_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_results));
  const std::string reference_path = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_reference));
  if (results_dir.empty() || reference_path.empty()) {
    std::cerr << "regress: --results and --reference are required\n";
    return 2;
  }
  // A JSON file, or a message naming it.
  auto read_json = [](const std::string& path) -> absl::StatusOr<nlohmann::json> {
    auto text = sdbench::ReadFileToString(path);
    if (!text.ok()) return text.status();
    nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
    if (parsed.is_discarded()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
    }
    return parsed;
  };
  absl::StatusOr<nlohmann::json> reference_or = read_json(reference_path);
  if (!reference_or.ok()) {
    std::cerr << "regress: " << reference_or.status().message() << "\n";
    return 1;
  }
  const nlohmann::json& reference = *reference_or;
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
  if (!absl::GetFlag(FLAGS_speed_report).empty()) {
    const std::string report_path =
        sdbench::ResolveUserPath(absl::GetFlag(FLAGS_speed_report));
    absl::StatusOr<nlohmann::json> report = read_json(report_path);
    if (!report.ok()) {
      std::cerr << "regress: " << report.status().message() << "\n";
      return 1;
    }
    auto speed = sdbench::RunSpeedChecks(reference, *report);
    if (!speed.ok()) {
      std::cerr << "regress: " << reference_path << ": " << speed.status().message() << "\n";
      return 1;
    }
    outcomes->insert(outcomes->end(), speed->begin(), speed->end());
  }
  std::cout << sdbench::FormatOutcomes(*outcomes);
  int failed = 0;
  for (const auto& o : *outcomes) failed += o.passed ? 0 : 1;
  std::cout << (outcomes->size() - failed) << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
