#include "analysis/result_set.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/config/config_keys.h"
#include "lib/io/process.h"
#include "lib/results/result_file.h"

namespace sdbench {

using Json = nlohmann::json;

Aggregate Summarize(const std::vector<double>& values) {
  Aggregate a;
  a.count = static_cast<int>(values.size());
  if (a.count == 0) return a;
  for (double v : values) a.mean += v;
  a.mean /= a.count;
  if (a.count > 1) {
    double sq = 0;
    for (double v : values) sq += (v - a.mean) * (v - a.mean);
    a.std = std::sqrt(sq / (a.count - 1));
  }
  return a;
}

double StudentT975(double df) {
  // t_{0.975} for df = 1..30, then 40, 60, 120, infinity.
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  static const std::pair<double, double> kTail[] = {
      {30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}, {1e300, 1.960}};
  if (!(df >= 1)) df = 1;
  if (df <= 30) {
    const int lo = static_cast<int>(std::floor(df));
    if (lo == 30 || df == lo) return kTable[lo - 1];
    // log t linear in 1/df between the neighbouring whole degrees of freedom.
    const double f = (1.0 / lo - 1.0 / df) / (1.0 / lo - 1.0 / (lo + 1));
    return std::exp(std::log(kTable[lo - 1]) + f * (std::log(kTable[lo] / kTable[lo - 1])));
  }
  for (size_t i = 1; i < std::size(kTail); ++i) {
    if (df <= kTail[i].first) {
      const double f =
          (1.0 / kTail[i - 1].first - 1.0 / df) / (1.0 / kTail[i - 1].first - 1.0 / kTail[i].first);
      return std::exp(std::log(kTail[i - 1].second) +
                      f * std::log(kTail[i].second / kTail[i - 1].second));
    }
  }
  return 1.960;
}

Difference WelchDifference(const Aggregate& a, const Aggregate& b) {
  Difference d;
  d.value = b.mean - a.mean;
  if (a.count < 2 || b.count < 2) return d;
  const double va = a.std * a.std / a.count, vb = b.std * b.std / b.count;
  if (va + vb <= 0) return d;
  d.degrees_of_freedom =
      (va + vb) * (va + vb) / (va * va / (a.count - 1) + vb * vb / (b.count - 1));
  const double half = StudentT975(d.degrees_of_freedom) * std::sqrt(va + vb);
  d.has_interval = true;
  d.low = d.value - half;
  d.high = d.value + half;
  return d;
}

std::optional<double> NumberAt(const Json& result, const std::string& path) {
  const Json* node = &result;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    const std::string key(part);
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

namespace {

// A run's batches: recorded, or inferred for files from before the fields.
struct Batches {
  int64_t world = 1, global = PaperBatchNormBatch(), bn = PaperBatchNormBatch();
};

Batches BatchesOf(const Json& result) {
  Batches b;
  b.world = std::max<int64_t>(NumberAt(result, "provenance.world_size").value_or(1), 1);
  b.global =
      NumberAt(result, "provenance.distributed.global_batch")
          .value_or(NumberAt(result, "config.schedule.batch_size").value_or(PaperBatchNormBatch()));
  b.bn = NumberAt(result, "provenance.distributed.bn_batch").value_or(b.global / b.world);
  return b;
}

}  // namespace

int PaperBatchNormBatch() { return FindConfigKey("schedule.batch_size")->default_value.get<int>(); }

int BatchNormBatch(const Json& result) { return static_cast<int>(BatchesOf(result).bn); }

std::string FiledProfile(const Json& result) {
  const std::string profile = result["profile"];
  if (profile == "smoke") return profile;  // Never analysed.
  const Batches b = BatchesOf(result);
  if (b.bn == b.global && (profile != "paper" || b.bn == PaperBatchNormBatch())) return profile;
  return absl::StrCat(profile, ", BN over ", b.bn, " of ", b.global, " (", b.world,
                      b.world == 1 ? " rank)" : " ranks)");
}

void ResultSet::Add(Json result) {
  RunKey key{result["experiment"], result["arm"], FiledProfile(result)};
  runs_[key].push_back(std::move(result));
  ++count_;
}

void ResultSet::AddAll(const ResultSet& other) {
  for (const auto& [key, runs] : other.runs_) {
    for (const Json& run : runs) Add(run);
  }
}

const std::vector<Json>& ResultSet::Runs(const RunKey& key) const {
  static const std::vector<Json>* empty = new std::vector<Json>();
  auto it = runs_.find(key);
  return it == runs_.end() ? *empty : it->second;
}

std::pair<std::string, const std::vector<Json>*> ResultSet::BestRuns(const std::string& experiment,
                                                                     const std::string& arm) const {
  for (const char* profile : {"paper", "reduced"}) {
    const std::vector<Json>& runs = Runs({experiment, arm, profile});
    if (!runs.empty()) return {profile, &runs};
  }
  return {"", nullptr};
}

std::vector<std::string> ResultSet::Arms(const std::string& experiment,
                                         const std::string& profile) const {
  std::vector<std::string> arms;
  for (const auto& [key, runs] : runs_) {
    if (key.experiment == experiment && key.profile == profile) {
      arms.push_back(key.arm);
    }
  }
  return arms;
}

std::string ResultSet::ReferenceArm(const std::string& experiment,
                                    const std::string& profile) const {
  for (const auto& [key, runs] : runs_) {
    if (key.experiment != experiment || key.profile != profile) continue;
    for (const nlohmann::json& run : runs) {
      if (run.contains("reference_arm")) return run["reference_arm"].get<std::string>();
    }
  }
  return "constant";
}

std::optional<ResultLocation> ParseResultLocation(const std::string& relative_path) {
  std::vector<std::string> parts = absl::StrSplit(relative_path, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  absl::string_view stem = parts[2];
  if (!absl::ConsumeSuffix(&stem, ".json")) return std::nullopt;
  const size_t at = stem.rfind("_seed");
  if (at == absl::string_view::npos || at == 0) return std::nullopt;
  absl::string_view digits = stem.substr(at + 5);
  ResultLocation location;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(digits, &location.seed)) {
    return std::nullopt;
  }
  location.experiment = parts[0];
  location.profile = parts[1];
  location.arm = std::string(stem.substr(0, at));
  return location;
}

namespace {

// The relative paths of every *.json file below `dir`, sorted.
absl::StatusOr<std::vector<std::string>> JsonFilesBelow(const std::string& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(dir, ": no such results directory"));
  }
  std::vector<std::string> paths;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".json") {
      // Lexically: runfiles and results trees may consist of symlinks.
      paths.push_back(it->path().lexically_relative(dir).string());
    }
  }
  if (error) {
    return absl::InternalError(absl::StrCat(dir, ": cannot list: ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// The subset of `relative_paths` that git ignores, or nullopt when `dir` is
// not inside a git checkout (or git is missing).
std::optional<std::set<std::string>> IgnoredByGit(const std::string& dir,
                                                  const std::vector<std::string>& relative_paths) {
  std::set<std::string> ignored;
  if (relative_paths.empty()) return ignored;
  std::vector<std::string> argv = {"git", "-C", dir, "check-ignore", "--"};
  argv.insert(argv.end(), relative_paths.begin(), relative_paths.end());
  absl::StatusOr<CommandResult> run = RunCommand(argv);
  // Exit 0: some are ignored; 1: none is; anything else: no checkout.
  if (!run.ok() || (run->exit_code != 0 && run->exit_code != 1)) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(run->output, '\n', absl::SkipEmpty())) {
    ignored.insert(std::string(line));
  }
  return ignored;
}

absl::Status CheckAgainstLocation(const Json& result, const ResultLocation& where,
                                  const std::string& path) {
  const std::pair<const char*, std::string> fields[] = {
      {"experiment", where.experiment}, {"profile", where.profile}, {"arm", where.arm}};
  for (const auto& [field, expected] : fields) {
    if (result[field] != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the file says ", field, " ", result[field].dump(),
                       " but lies where results of ", field, " \"", expected, "\" belong"));
    }
  }
  if (result["seed"] != where.seed) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the file says seed ",
                                                   result["seed"].dump(), " but is named for seed ",
                                                   where.seed));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedResults> LoadResults(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> paths = JsonFilesBelow(dir);
  if (!paths.ok()) return paths.status();
  LoadedResults loaded;
  std::vector<std::pair<std::string, ResultLocation>> result_files;
  for (const std::string& relative : *paths) {
    if (std::optional<ResultLocation> location = ParseResultLocation(relative)) {
      result_files.push_back({relative, *location});
    } else {
      loaded.skipped.push_back(relative);
    }
  }
  std::vector<std::string> relative_results;
  for (const auto& [relative, location] : result_files) relative_results.push_back(relative);
  std::optional<std::set<std::string>> ignored = IgnoredByGit(dir, relative_results);
  loaded.git_checked = ignored.has_value();
  for (const auto& [relative, location] : result_files) {
    const std::string path = absl::StrCat(dir, "/", relative);
    absl::StatusOr<Json> result = ReadResultFile(path);
    if (!result.ok()) return result.status();
    if (absl::Status s = CheckAgainstLocation(*result, location, path); !s.ok()) return s;
    const bool local = ignored.has_value() && ignored->count(relative) > 0;
    (local ? loaded.local : loaded.committed).Add(*std::move(result));
  }
  return loaded;
}

std::string SkippedFilesLine(const LoadedResults& loaded) {
  if (loaded.skipped.empty()) return "";
  return absl::StrCat("skipped ", loaded.skipped.size(),
                      " JSON file(s) that are not result files "
                      "(<experiment>/<profile>/<arm>_seed<k>.json): ",
                      absl::StrJoin(loaded.skipped, ", "));
}

}  // namespace sdbench
