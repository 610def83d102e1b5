#include "lib/io/json_file.h"

#include "absl/strings/str_cat.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

template <typename JsonType>
absl::StatusOr<JsonType> Parse(absl::string_view source, absl::string_view text) {
  try {
    return JsonType::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not valid JSON (", error.what(), ")"));
  }
}

template <typename JsonType>
absl::StatusOr<JsonType> Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return Parse<JsonType>(path, *text);
}

}  // namespace

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  return Read<nlohmann::json>(path);
}

absl::StatusOr<nlohmann::ordered_json> ReadOrderedJsonFile(const std::string& path) {
  return Read<nlohmann::ordered_json>(path);
}

absl::StatusOr<nlohmann::json> ParseJson(absl::string_view source, absl::string_view text) {
  return Parse<nlohmann::json>(source, text);
}

}  // namespace sdbench
