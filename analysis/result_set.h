// Result files gathered for analysis: every *.json under a directory,
// validated (a malformed file is an error naming it, never skipped), grouped
// by experiment, arm and profile, with mean and std over seeds.
#ifndef SDBENCH_ANALYSIS_RESULT_SET_H_
#define SDBENCH_ANALYSIS_RESULT_SET_H_

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct RunKey {
  std::string experiment;
  std::string arm;
  std::string profile;
  bool operator<(const RunKey& o) const {
    return std::tie(experiment, arm, profile) <
           std::tie(o.experiment, o.arm, o.profile);
  }
};

struct Aggregate {
  int count = 0;
  double mean = 0;
  double std = 0;  // Sample std; 0 for a single run.
};

Aggregate Summarize(const std::vector<double>& values);

// A value inside a result by dot path ("summary.median_step_seconds").
std::optional<double> NumberAt(const nlohmann::json& result,
                               const std::string& path);

class ResultSet {
 public:
  // Every *.json below `dir` (recursively; SCHEMA.md and others ignored).
  static absl::StatusOr<ResultSet> Load(const std::string& dir);
  void Add(nlohmann::json result);

  // Runs (one per seed) of an experiment's arm under a profile.
  const std::vector<nlohmann::json>& Runs(const RunKey& key) const;

  // The runs of the most faithful profile present: paper, else reduced
  // (smoke runs are never analysed). Empty when there are none.
  std::pair<std::string, const std::vector<nlohmann::json>*> BestRuns(
      const std::string& experiment, const std::string& arm) const;

  // Every arm of an experiment present under `profile`.
  std::vector<std::string> Arms(const std::string& experiment,
                                const std::string& profile) const;

  size_t size() const { return count_; }

  // Every group of runs, by experiment, arm and profile.
  const std::map<RunKey, std::vector<nlohmann::json>>& groups() const { return runs_; }

 private:
  std::map<RunKey, std::vector<nlohmann::json>> runs_;
  size_t count_ = 0;
};

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_RESULT_SET_H_
