// Result files gathered for analysis, grouped by experiment, arm and
// profile, with mean and std over seeds.
//
// A results directory holds result files at
//   <experiment>/<profile>/<arm>_seed<k>.json
// (results/SCHEMA.md). Every file there must validate and agree with its
// path: a malformed one is an error naming it, never skipped. Any other
// JSON file (speed reports in benchmarks/, GPU reports) is not a result
// file: it is listed in `skipped` and otherwise ignored.
//
// Result files that git ignores (results/quickstart/: every user's own main
// job) are "local": they are kept apart from the committed ones, so the
// committed tables never depend on what a user ran.
#ifndef SDBENCH_ANALYSIS_RESULT_SET_H_
#define SDBENCH_ANALYSIS_RESULT_SET_H_

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct RunKey {
  std::string experiment;
  std::string arm;
  std::string profile;
  bool operator<(const RunKey& o) const {
    return std::tie(experiment, arm, profile) < std::tie(o.experiment, o.arm, o.profile);
  }
};

struct Aggregate {
  int count = 0;
  double mean = 0;
  double std = 0;  // Sample std; 0 for a single run.
};

Aggregate Summarize(const std::vector<double>& values);

// The difference of two means, b - a, with a 95% Welch interval (unequal
// variances, Welch-Satterthwaite degrees of freedom). `has_interval` is
// false unless both sides have at least two values and some spread.
struct Difference {
  double value = 0;
  bool has_interval = false;
  double low = 0, high = 0;
  double degrees_of_freedom = 0;
};
Difference WelchDifference(const Aggregate& a, const Aggregate& b);

// Student's t quantile for 97.5% (a two-sided 95% interval) at `df` >= 1
// degrees of freedom: the published table, log t interpolated in 1/df
// between entries (within 0.016 of the exact value for df >= 2, which Welch's
// df always is with two or more runs a side; wider, so conservative, below).
double StudentT975(double df);

// A value inside a result by dot path ("summary.median_step_seconds").
std::optional<double> NumberAt(const nlohmann::json& result, const std::string& path);

// The paper's BatchNorm batch: its whole batch (schedule.batch_size's
// default, 128), on one GPU (PAPER_SPEC.md, section "Training").
int PaperBatchNormBatch();

// The images BatchNorm normalised over in a run's training:
// provenance.distributed.bn_batch, or for files from before that field the
// per-rank batch (schedule.batch_size, default 128, over world_size).
int BatchNormBatch(const nlohmann::json& result);

// The profile a run is filed under: its own, except that a run whose
// BatchNorm batch differs from its global batch (data parallel with per-rank
// statistics) says so and its world size: "paper, BN over 64 of 128 (2
// ranks)". Such a run is never pooled with, or compared as, the paper's
// protocol.
std::string FiledProfile(const nlohmann::json& result);

class ResultSet {
 public:
  void Add(nlohmann::json result);
  void AddAll(const ResultSet& other);

  // Runs (one per seed) of an experiment's arm under a profile.
  const std::vector<nlohmann::json>& Runs(const RunKey& key) const;

  // The runs of the most faithful profile present: paper, else reduced
  // (smoke runs are never analysed). Empty when there are none.
  std::pair<std::string, const std::vector<nlohmann::json>*> BestRuns(const std::string& experiment,
                                                                      const std::string& arm) const;

  // Every arm of an experiment present under `profile`.
  std::vector<std::string> Arms(const std::string& experiment, const std::string& profile) const;

  // The arm the experiment's other arms are compared with under `profile`:
  // the "reference_arm" its results record, or "constant" where none does
  // (files written before the field existed).
  std::string ReferenceArm(const std::string& experiment, const std::string& profile) const;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Every group of runs, by experiment, arm and profile.
  const std::map<RunKey, std::vector<nlohmann::json>>& groups() const { return runs_; }

 private:
  std::map<RunKey, std::vector<nlohmann::json>> runs_;
  size_t count_ = 0;
};

// What a results directory holds.
struct LoadedResults {
  ResultSet committed;  // Result files git does not ignore.
  ResultSet local;      // Result files git ignores (see the file comment).
  // Paths (relative to the directory) of JSON files that are not result files.
  std::vector<std::string> skipped;
  // Whether git could tell which files it ignores (false outside a checkout:
  // then every result file counts as committed).
  bool git_checked = false;
};

// Reads every result file below `dir` (see the file comment).
absl::StatusOr<LoadedResults> LoadResults(const std::string& dir);

// "<experiment>/<profile>/<arm>_seed<k>.json" -> its four parts, or nullopt
// when the relative path is not a result file's.
struct ResultLocation {
  std::string experiment, profile, arm;
  int seed = 0;
};
std::optional<ResultLocation> ParseResultLocation(const std::string& relative_path);

// One line for a tool's log: which JSON files were not result files.
std::string SkippedFilesLine(const LoadedResults& loaded);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_RESULT_SET_H_
