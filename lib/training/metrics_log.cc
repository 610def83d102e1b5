#include "lib/training/metrics_log.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/io/file_io.h"

namespace sdbench {

absl::StatusOr<std::unique_ptr<MetricsLog>> MetricsLog::Open(const std::string& path,
                                                             const nlohmann::json& lines) {
  std::string text;
  for (const nlohmann::json& line : lines) absl::StrAppend(&text, line.dump(), "\n");
  if (absl::Status s = WriteFileAtomically(path, text); !s.ok()) return s;
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot open the metrics file: ", std::strerror(errno)));
  }
  return std::unique_ptr<MetricsLog>(new MetricsLog(path, file));
}

MetricsLog::~MetricsLog() { std::fclose(file_); }

absl::Status MetricsLog::Append(const nlohmann::json& line) {
  const std::string text = absl::StrCat(line.dump(), "\n");
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot write the metrics file: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<nlohmann::json>> ReadMetricsFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  std::vector<nlohmann::json> lines;
  std::vector<absl::string_view> parts = absl::StrSplit(*text, '\n');
  parts.pop_back();  // After the last newline: empty, or a line still being written.
  for (size_t i = 0; i < parts.size(); ++i) {
    nlohmann::json line = nlohmann::json::parse(parts[i], nullptr, /*allow_exceptions=*/false);
    if (!line.is_object()) {
      return absl::DataLossError(absl::StrCat(path, ": line ", i + 1, " is not a JSON object: '",
                                              parts[i].substr(0, 80), "'"));
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string MetricsPathFor(const std::string& checkpoint_path) {
  const std::string stem = absl::EndsWith(checkpoint_path, ".pt")
                               ? checkpoint_path.substr(0, checkpoint_path.size() - 3)
                               : checkpoint_path;
  return stem + ".metrics.jsonl";
}

}  // namespace sdbench
