#include "experiments/run_plan.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/training/progress.h"

namespace sdbench {

using Json = nlohmann::json;

absl::StatusOr<std::vector<Arm>> SelectArms(const Experiment& experiment, int arm_index,
                                            const std::string& names) {
  const std::vector<Arm>& all = experiment.arms;
  if (arm_index >= 0) {
    if (arm_index >= static_cast<int>(all.size())) {
      return absl::OutOfRangeError(absl::StrCat("--arm_index=", arm_index,
                                                " but the experiment has ", all.size(),
                                                " arms (0..", all.size() - 1, ")"));
    }
    return std::vector<Arm>{all[arm_index]};
  }
  if (names.empty()) return all;
  std::vector<Arm> arms;
  for (absl::string_view name : absl::StrSplit(names, ',')) {
    const size_t before = arms.size();
    for (const Arm& arm : all) {
      if (arm.name == name) arms.push_back(arm);
    }
    if (arms.size() == before) {
      std::vector<std::string> known;
      for (const Arm& arm : all) known.push_back(arm.name);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown arm '", name, "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return arms;
}

absl::StatusOr<std::vector<int>> ParseSeeds(const std::string& text,
                                            const std::vector<int>& defaults) {
  if (text.empty()) return defaults;
  std::vector<int> seeds;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int seed = 0;
    if (!absl::SimpleAtoi(part, &seed) || seed < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--seeds: '", part, "' is not a non-negative integer"));
    }
    seeds.push_back(seed);
  }
  return seeds;
}

absl::StatusOr<std::vector<PlannedRun>> PlanRuns(
    const Experiment& experiment, const std::string& profile, const std::vector<Arm>& arms,
    const std::vector<int>& seeds, const std::vector<std::pair<std::string, Json>>& overrides,
    const std::string& out_dir, const std::string& checkpoint_dir, const RankPlacement& placement) {
  const std::string run_dir = absl::StrCat(experiment.name, "/", profile);
  std::vector<PlannedRun> runs;
  for (const Arm& arm : arms) {
    absl::StatusOr<Json> config = ResolveRunConfig(experiment, profile, arm, overrides);
    absl::StatusOr<RunSettings> settings =
        config.ok() ? ParseRunSettings(*config, placement) : config.status();
    if (!settings.ok()) {
      return absl::Status(settings.status().code(),
                          absl::StrCat("arm '", arm.name, "': ", settings.status().message()));
    }
    for (int seed : seeds) {
      const std::string stem = absl::StrCat(arm.name, "_seed", seed);
      runs.push_back({arm, seed, *settings, absl::StrCat(out_dir, "/", run_dir, "/", stem, ".json"),
                      absl::StrCat(checkpoint_dir, "/", run_dir, "/", stem, ".pt")});
    }
  }
  return runs;
}

absl::Status CheckWorldSize(const std::vector<PlannedRun>& runs, int world_size) {
  for (const PlannedRun& run : runs) {
    if (absl::Status s = CheckWorldSize(run.settings, std::max(world_size, 1)); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("arm '", run.arm.name, "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

namespace {

// "ARM vs REFERENCE: ..." for every other arm with results, in the order
// they come, from the finished results; "" when the reference arm has none.
std::string ArmComparisons(const std::vector<Json>& results, const std::string& reference) {
  std::map<std::string, std::vector<const Json*>> by_arm;
  std::vector<std::string> order;
  for (const Json& r : results) {
    const std::string arm = r["arm"].get<std::string>();
    if (by_arm[arm].empty()) order.push_back(arm);
    by_arm[arm].push_back(&r);
  }
  if (by_arm[reference].empty()) return "";
  auto mean = [&by_arm](const std::string& arm, const char* field) {
    double sum = 0;
    for (const Json* r : by_arm[arm]) sum += (*r)["summary"][field].get<double>();
    return sum / by_arm[arm].size();
  };
  const char* error = "test_error_at_best_validation_percent";
  std::string lines;
  for (const std::string& arm : order) {
    if (arm == reference) continue;
    const double difference = mean(arm, error) - mean(reference, error);
    const double time_ratio =
        mean(arm, "total_train_seconds") / mean(reference, "total_train_seconds");
    const std::string verdict =
        difference == 0 ? "equal" : absl::StrCat(difference < 0 ? arm : reference, " better");
    absl::StrAppend(
        &lines,
        absl::StrFormat(
            "%s vs %s%s: test error %+.2f points (%s), training time %.2fx\n", arm, reference,
            by_arm[reference].size() > 1 || by_arm[arm].size() > 1 ? " (means over seeds)" : "",
            difference, verdict, time_ratio));
  }
  return lines;
}

}  // namespace

std::string SummaryTable(const std::string& experiment, const std::string& profile,
                         const std::vector<Json>& results, const std::string& reference_arm,
                         const std::string& reading) {
  std::string table = absl::StrFormat("\n%s, %s profile\n", experiment, profile);
  absl::StrAppend(&table,
                  absl::StrFormat("| %-24s | %4s | %9s | %14s | %10s | %9s | %8s | %15s |\n", "arm",
                                  "seed", "best ep.", "test err @best", "final test", "train",
                                  "img/s", "active blocks"),
                  "|", std::string(26, '-'),
                  "|------|-----------|----------------|------------|-----------|----------|"
                  "-----------------|\n");
  for (const Json& r : results) {
    const Json& s = r["summary"];
    absl::StrAppend(
        &table, absl::StrFormat(
                    "| %-24s | %4d | %9.2f | %13.2f%% | %9.2f%% | %9s | %8.0f | %6.2f / %6.2f |\n",
                    r["arm"].get<std::string>(), r["seed"].get<int>(),
                    s["best_validation_epoch"].get<double>(),
                    s["test_error_at_best_validation_percent"].get<double>(),
                    s["final_test_error_percent"].get<double>(),
                    FormatDuration(s["total_train_seconds"].get<double>()),
                    s["images_per_second"].get<double>(), s["observed_active_blocks"].get<double>(),
                    s["expected_active_blocks"].get<double>()));
  }
  absl::StrAppend(&table, ArmComparisons(results, reference_arm));
  if (!reading.empty()) absl::StrAppend(&table, reading, "\n");
  return table;
}

}  // namespace sdbench
