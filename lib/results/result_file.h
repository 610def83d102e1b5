// Result files: one JSON per run, documented in results/SCHEMA.md.
// ValidateResult checks a parsed file against that schema; reading and
// writing validate and write atomically. Provenance is in provenance.h.
#ifndef SDBENCH_LIB_RESULTS_RESULT_FILE_H_
#define SDBENCH_LIB_RESULTS_RESULT_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sdbench {

constexpr int kResultSchemaVersion = 1;

// Checks every required field, its type and basic consistency; the message
// names `source` and the offending field.
absl::Status ValidateResult(const nlohmann::json& result, absl::string_view source);

absl::StatusOr<nlohmann::json> ReadResultFile(const std::string& path);

// Pretty-printed, atomically (temp file + rename).
absl::Status WriteResultFile(const std::string& path, const nlohmann::json& result);

}  // namespace sdbench

#endif  // SDBENCH_LIB_RESULTS_RESULT_FILE_H_
