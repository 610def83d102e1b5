#include "analysis/result_set.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

absl::StatusOr<ResultSet> ResultSet::Load(const std::string& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(dir, ": no such results directory"));
  }
  std::vector<std::string> paths;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".json") {
      paths.push_back(it->path().string());
    }
  }
  if (error) {
    return absl::InternalError(absl::StrCat(dir, ": cannot list: ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  ResultSet set;
  for (const std::string& path : paths) {
    absl::StatusOr<Json> result = ReadResultFile(path);
    if (!result.ok()) return result.status();
    set.Add(*std::move(result));
  }
  return set;
}

void ResultSet::Add(Json result) {
  RunKey key{result["experiment"], result["arm"], result["profile"]};
  runs_[key].push_back(std::move(result));
  ++count_;
}

const std::vector<Json>& ResultSet::Runs(const RunKey& key) const {
  static const std::vector<Json>* empty = new std::vector<Json>();
  auto it = runs_.find(key);
  return it == runs_.end() ? *empty : it->second;
}

std::pair<std::string, const std::vector<Json>*> ResultSet::BestRuns(
    const std::string& experiment, const std::string& arm) const {
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

}  // namespace sdbench
