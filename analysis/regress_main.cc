// The regression gate:
//   bazel run //analysis:regress -- --results=DIR --reference=baselines/ci_reference.json
//       [--speed_report=FILE]
//   bazel run //analysis:regress -- --speed_report=FILE --reference=...   (speed only)
// Prints every check and exits 1 on any failure, on missing runs, or on a
// missing or malformed file.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "analysis/regress.h"
#include "analysis/result_set.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"

ABSL_FLAG(std::string, results, "",
          "directory of result files (optional with --speed_report: then only the speed checks)");
ABSL_FLAG(std::string, reference, "", "reference values and tolerances (JSON)");
ABSL_FLAG(std::string, speed_report, "",
          "optional: a //experiments:speed report to check against the "
          "reference's speed_checks");

namespace {

int Fail(const std::string& message) {
  std::cerr << "regress: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string results_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_results));
  const std::string reference_path = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_reference));
  if (reference_path.empty() ||
      (results_dir.empty() && absl::GetFlag(FLAGS_speed_report).empty())) {
    std::cerr << "regress: --reference and --results (or --speed_report, or both) are required\n";
    return 2;
  }
  absl::StatusOr<nlohmann::json> reference = sdbench::ReadJsonFile(reference_path);
  if (!reference.ok()) return Fail(std::string(reference.status().message()));
  absl::StatusOr<std::vector<sdbench::CheckOutcome>> outcomes =
      std::vector<sdbench::CheckOutcome>();
  if (!results_dir.empty()) {
    absl::StatusOr<sdbench::LoadedResults> loaded = sdbench::LoadResults(results_dir);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    // The gate judges whatever runs it is given, git-ignored or not.
    sdbench::ResultSet results = loaded->committed;
    results.AddAll(loaded->local);
    outcomes = sdbench::RunChecks(*reference, results);
    if (!outcomes.ok())
      return Fail(reference_path + ": " + std::string(outcomes.status().message()));
  }
  if (!absl::GetFlag(FLAGS_speed_report).empty()) {
    const std::string report_path = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_speed_report));
    absl::StatusOr<nlohmann::json> report = sdbench::ReadJsonFile(report_path);
    if (!report.ok()) return Fail(std::string(report.status().message()));
    auto speed = sdbench::RunSpeedChecks(*reference, *report);
    if (!speed.ok()) return Fail(reference_path + ": " + std::string(speed.status().message()));
    std::cout << "speed reference: " << speed->reference_used << " (CPU: " << speed->cpu
              << (speed->reference_used == "default" ? "; no reference for it" : "") << ")\n";
    outcomes->insert(outcomes->end(), speed->outcomes.begin(), speed->outcomes.end());
  }
  std::cout << sdbench::FormatOutcomes(*outcomes);
  int failed = 0;
  for (const auto& o : *outcomes) failed += o.passed ? 0 : 1;
  std::cout << (outcomes->size() - failed) << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
