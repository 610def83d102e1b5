// Reading a JSON file: its text, parsed, or an error naming the file
// ("path: cannot open: ..." / "path: not valid JSON: ...").
#ifndef SDBENCH_LIB_IO_JSON_FILE_H_
#define SDBENCH_LIB_IO_JSON_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sdbench {

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

// The same, keeping the file's key order (tables follow paper.json's order).
absl::StatusOr<nlohmann::ordered_json> ReadOrderedJsonFile(const std::string& path);

// Parses `text`; `source` names it in the error.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view source, absl::string_view text);

}  // namespace sdbench

#endif  // SDBENCH_LIB_IO_JSON_FILE_H_
