#include "lib/results/result_file.h"

#include <unistd.h>

#include <ctime>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"

#include <torch/version.h>

namespace sdbench {
namespace {

using Json = nlohmann::json;

// The command's output with surrounding whitespace removed, or nullopt when
// it cannot start or fails.
std::optional<std::string> OutputOf(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> run = RunCommand(argv);
  if (!run.ok() || run->exit_code != 0) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(run->output));
}

}  // namespace

Json GitProvenance() {
  const std::string dir = WorkspacePath(".");
  Json git = {{"commit", "unknown"}, {"dirty", nullptr}};
  if (std::optional<std::string> commit = OutputOf({"git", "-C", dir, "rev-parse", "HEAD"})) {
    git["commit"] = *commit;
    if (std::optional<std::string> status = OutputOf(
            {"git", "-C", dir, "status", "--porcelain", "--untracked-files=no"})) {
      git["dirty"] = !status->empty();
    }
  }
  return git;
}

Json MachineProvenance() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string cpu = CpuModelName();
  // The headers say 1.13.0 for Debian's 1.13.1: record the package too.
  const std::string package =
      OutputOf({"dpkg-query", "-W", "-f=${Version}", "libtorch-dev"}).value_or("unknown");
  return {{"host", host},
          {"cpu_model", cpu},
          {"logical_cpus", sysconf(_SC_NPROCESSORS_ONLN)},
          {"libtorch_version", TORCH_VERSION},
          {"libtorch_package", package},
          {"compiler", __VERSION__}};
}

std::string NowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

struct Field {
  const char* name;
  Json::value_t type;
};

bool HasType(const Json& value, Json::value_t type) {
  if (type == Json::value_t::number_float) return value.is_number();
  if (type == Json::value_t::number_unsigned ||
      type == Json::value_t::number_integer) {
    return value.is_number_integer();
  }
  return value.type() == type;
}

absl::Status Require(const Json& object, absl::string_view where,
                     absl::string_view source,
                     std::initializer_list<Field> fields) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", where, " must be an object"));
  }
  for (const Field& field : fields) {
    if (!object.contains(field.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": missing field ", where, where.empty() ? "" : ".", field.name));
    }
    if (!HasType(object[field.name], field.type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": field ", where, where.empty() ? "" : ".", field.name,
          " has the wrong type (", object[field.name].type_name(), ")"));
    }
  }
  return absl::OkStatus();
}

constexpr auto kString = Json::value_t::string;
constexpr auto kNumber = Json::value_t::number_float;
constexpr auto kInteger = Json::value_t::number_integer;
constexpr auto kObject = Json::value_t::object;
constexpr auto kArray = Json::value_t::array;

}  // namespace

absl::Status ValidateResult(const Json& r, absl::string_view source) {
  if (absl::Status s = Require(r, "", source,
                               {{"schema_version", kInteger},
                                {"experiment", kString},
                                {"arm", kString},
                                {"profile", kString},
                                {"seed", kInteger},
                                {"status", kString},
                                {"config", kObject},
                                {"seeds", kObject},
                                {"evaluations", kArray},
                                {"epochs", kArray},
                                {"summary", kObject},
                                {"provenance", kObject}});
      !s.ok()) {
    return s;
  }
  if (r["schema_version"] != kResultSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": schema_version ", r["schema_version"].dump(),
        " is not the supported ", kResultSchemaVersion));
  }
  const std::string profile = r["profile"];
  if (profile != "paper" && profile != "reduced" && profile != "smoke") {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": profile '", profile, "' is not paper, reduced or smoke"));
  }
  if (r["status"] != "complete") {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": status is ", r["status"].dump(), ", not \"complete\""));
  }
  if (r["evaluations"].empty() || r["epochs"].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no evaluations or epochs recorded"));
  }
  for (size_t i = 0; i < r["evaluations"].size(); ++i) {
    const Json& e = r["evaluations"][i];
    if (absl::Status s = Require(e, absl::StrCat("evaluations[", i, "]"), source,
                                 {{"epoch", kNumber},
                                  {"iteration", kInteger},
                                  {"lr", kNumber},
                                  {"train_loss", kNumber},
                                  {"train_error_percent", kNumber},
                                  {"test_error_percent", kNumber}});
        !s.ok()) {
      return s;
    }
    for (const char* key : {"train_error_percent", "test_error_percent"}) {
      const double v = e[key];
      if (v < 0 || v > 100) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": evaluations[", i, "].", key, " = ", v, " is not a percentage"));
      }
    }
    if (!e.contains("validation_error_percent") ||
        !(e["validation_error_percent"].is_number() ||
          e["validation_error_percent"].is_null())) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": evaluations[", i,
          "].validation_error_percent must be a number or null"));
    }
  }
  for (size_t i = 0; i < r["epochs"].size(); ++i) {
    if (absl::Status s = Require(r["epochs"][i], absl::StrCat("epochs[", i, "]"),
                                 source,
                                 {{"epoch", kInteger},
                                  {"lr", kNumber},
                                  {"steps", kInteger},
                                  {"train_seconds", kNumber},
                                  {"eval_seconds", kNumber},
                                  {"images_per_second", kNumber},
                                  {"median_step_seconds", kNumber},
                                  {"mean_active_blocks", kNumber},
                                  {"first_conv_mean_abs_grad", kNumber}});
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = Require(r["summary"], "summary", source,
                               {{"best_validation_index", kInteger},
                                {"best_validation_epoch", kNumber},
                                {"test_error_at_best_validation_percent", kNumber},
                                {"final_test_error_percent", kNumber},
                                {"total_train_seconds", kNumber},
                                {"total_eval_seconds", kNumber},
                                {"mean_step_seconds", kNumber},
                                {"median_step_seconds", kNumber},
                                {"images_per_second", kNumber},
                                {"expected_active_blocks", kNumber},
                                {"observed_active_blocks", kNumber},
                                {"selection", kString}});
      !s.ok()) {
    return s;
  }
  const int64_t best = r["summary"]["best_validation_index"];
  if (best < 0 || best >= static_cast<int64_t>(r["evaluations"].size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": summary.best_validation_index ", best, " is out of range"));
  }
  if (r["summary"]["test_error_at_best_validation_percent"] !=
      r["evaluations"][best]["test_error_percent"]) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": summary.test_error_at_best_validation_percent does not match "
                "evaluations[best_validation_index]"));
  }
  if (absl::Status s = Require(r["seeds"], "seeds", source,
                               {{"run", kInteger},
                                {"data_split", kInteger},
                                {"data_order", kInteger},
                                {"init", kInteger},
                                {"gates", kInteger}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Require(r["provenance"], "provenance", source,
                               {{"git", kObject},
                                {"machine", kObject},
                                {"device", kString},
                                {"device_model", kString},
                                {"threads", kInteger},
                                {"world_size", kInteger},
                                {"start_time", kString},
                                {"end_time", kString},
                                {"dataset", kObject},
                                {"command_line", kArray}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Require(r["provenance"]["git"], "provenance.git", source,
                               {{"commit", kString}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Require(r["provenance"]["machine"], "provenance.machine",
                               source,
                               {{"host", kString},
                                {"cpu_model", kString},
                                {"libtorch_version", kString}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Require(r["provenance"]["dataset"], "provenance.dataset",
                               source,
                               {{"name", kString},
                                {"files_md5", kObject},
                                {"train_images", kInteger},
                                {"validation_images", kInteger},
                                {"test_images", kInteger}});
      !s.ok()) {
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> ReadResultFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  Json result = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  }
  if (absl::Status s = ValidateResult(result, path); !s.ok()) return s;
  return result;
}

absl::Status WriteResultFile(const std::string& path, const Json& result) {
  return WriteFileAtomically(path, result.dump(2) + "\n");
}

}  // namespace sdbench
