// A run's metrics as it trains: one JSON line per evaluation, appended and
// flushed at once, so `tail -f` and a plotting script can follow the run
// (`bazel run //analysis:figures -- --metrics=FILE`).
//
// The file lives beside the run's checkpoint (<arm>_seed<k>.metrics.jsonl).
// The checkpoint holds every line written before it, so a resumed run first
// rewrites the file to exactly those lines (dropping what an interrupted
// run wrote after its last checkpoint, a partly written line included) and
// appends from there: after any number of kills and resumes the file equals
// an uninterrupted run's apart from its timing fields (kMetricsTimingFields).
#ifndef SDBENCH_LIB_TRAINING_METRICS_LOG_H_
#define SDBENCH_LIB_TRAINING_METRICS_LOG_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// The fields of a metrics line that measure time and so differ between two
// runs of the same seed; every other field is deterministic.
inline constexpr const char* kMetricsTimingFields[] = {"run_seconds", "eval_seconds", "time"};

class MetricsLog {
 public:
  // Replaces the file at `path` by `lines` (atomically), then opens it to
  // append. Errors name the path.
  static absl::StatusOr<std::unique_ptr<MetricsLog>> Open(const std::string& path,
                                                          const nlohmann::json& lines);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Writes `line` as one line of JSON and flushes it.
  absl::Status Append(const nlohmann::json& line);

  const std::string& path() const { return path_; }

 private:
  MetricsLog(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  std::string path_;
  std::FILE* file_;
};

// The lines of a metrics file; a last line without its newline (a write in
// progress, or cut by a kill) is left out. An error names the file and the
// line that is not a JSON object.
absl::StatusOr<std::vector<nlohmann::json>> ReadMetricsFile(const std::string& path);

// `checkpoint_path` (…/<arm>_seed<k>.pt) with .pt replaced by .metrics.jsonl.
std::string MetricsPathFor(const std::string& checkpoint_path);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_METRICS_LOG_H_
