#include "lib/results/result_file.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

constexpr auto kString = Json::value_t::string;
constexpr auto kNumber = Json::value_t::number_float;  // Any number.
constexpr auto kInteger = Json::value_t::number_integer;
constexpr auto kObject = Json::value_t::object;
constexpr auto kArray = Json::value_t::array;

struct Field {
  const char* name;
  Json::value_t type;
};

bool HasType(const Json& value, Json::value_t type) {
  if (type == kNumber) return value.is_number();
  if (type == kInteger) return value.is_number_integer();
  return value.type() == type;
}

absl::Status Invalid(absl::string_view source, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", problem));
}

// `object` (at dot path `where`, "" for the top level) has every field
// with its type.
absl::Status Require(const Json& object, absl::string_view where, absl::string_view source,
                     std::initializer_list<Field> fields) {
  if (!object.is_object()) return Invalid(source, absl::StrCat(where, " must be an object"));
  const std::string prefix = where.empty() ? "" : absl::StrCat(where, ".");
  for (const Field& field : fields) {
    if (!object.contains(field.name)) {
      return Invalid(source, absl::StrCat("missing field ", prefix, field.name));
    }
    if (!HasType(object[field.name], field.type)) {
      return Invalid(source, absl::StrCat("field ", prefix, field.name, " has the wrong type (",
                                          object[field.name].type_name(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTopLevel(const Json& r, absl::string_view source) {
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
    return Invalid(source, absl::StrCat("schema_version ", r["schema_version"].dump(),
                                        " is not the supported ", kResultSchemaVersion));
  }
  if (r.contains("reference_arm") &&
      (!r["reference_arm"].is_string() || r["reference_arm"].get<std::string>().empty())) {
    return Invalid(source, "field reference_arm must be a non-empty string");
  }
  const std::string profile = r["profile"];
  if (profile != "paper" && profile != "reduced" && profile != "smoke") {
    return Invalid(source, absl::StrCat("profile '", profile, "' is not paper, reduced or smoke"));
  }
  if (r["status"] != "complete") {
    return Invalid(source, absl::StrCat("status is ", r["status"].dump(), ", not \"complete\""));
  }
  if (r["evaluations"].empty() || r["epochs"].empty()) {
    return Invalid(source, "no evaluations or epochs recorded");
  }
  return Require(r["seeds"], "seeds", source,
                 {{"run", kInteger},
                  {"data_split", kInteger},
                  {"data_order", kInteger},
                  {"init", kInteger},
                  {"gates", kInteger}});
}

absl::Status ValidateEvaluations(const Json& evaluations, absl::string_view source) {
  for (size_t i = 0; i < evaluations.size(); ++i) {
    const Json& e = evaluations[i];
    const std::string where = absl::StrCat("evaluations[", i, "]");
    if (absl::Status s = Require(e, where, source,
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
        return Invalid(source, absl::StrCat(where, ".", key, " = ", v, " is not a percentage"));
      }
    }
    if (!e.contains("validation_error_percent") ||
        !(e["validation_error_percent"].is_number() || e["validation_error_percent"].is_null())) {
      return Invalid(source,
                     absl::StrCat(where, ".validation_error_percent must be a number or null"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEpochs(const Json& epochs, absl::string_view source) {
  for (size_t i = 0; i < epochs.size(); ++i) {
    if (absl::Status s = Require(epochs[i], absl::StrCat("epochs[", i, "]"), source,
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
  return absl::OkStatus();
}

absl::Status ValidateSummary(const Json& r, absl::string_view source) {
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
    return Invalid(source,
                   absl::StrCat("summary.best_validation_index ", best, " is out of range"));
  }
  if (r["summary"]["test_error_at_best_validation_percent"] !=
      r["evaluations"][best]["test_error_percent"]) {
    return Invalid(source,
                   "summary.test_error_at_best_validation_percent does not match "
                   "evaluations[best_validation_index]");
  }
  return absl::OkStatus();
}

absl::Status ValidateProvenance(const Json& p, absl::string_view source) {
  if (absl::Status s = Require(p, "provenance", source,
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
  if (absl::Status s = Require(p["git"], "provenance.git", source, {{"commit", kString}});
      !s.ok()) {
    return s;
  }
  // The batches of a data-parallel run (recorded since the fields exist).
  if (p.contains("distributed") && p["distributed"].contains("bn_batch")) {
    const Json& d = p["distributed"];
    if (absl::Status s = Require(
            d, "provenance.distributed", source,
            {{"global_batch", kInteger}, {"per_rank_batch", kInteger}, {"bn_batch", kInteger}});
        !s.ok()) {
      return s;
    }
    const int64_t global = d["global_batch"], per_rank = d["per_rank_batch"], bn = d["bn_batch"],
                  world = p["world_size"];
    if (per_rank < 1 || per_rank * world != global || bn < per_rank || bn > global) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": provenance.distributed: per_rank_batch ", per_rank, " x world_size ", world,
          " must be global_batch ", global, ", and bn_batch ", bn, " between the two"));
    }
  }
  if (absl::Status s =
          Require(p["machine"], "provenance.machine", source,
                  {{"host", kString}, {"cpu_model", kString}, {"libtorch_version", kString}});
      !s.ok()) {
    return s;
  }
  return Require(p["dataset"], "provenance.dataset", source,
                 {{"name", kString},
                  {"files_md5", kObject},
                  {"train_images", kInteger},
                  {"validation_images", kInteger},
                  {"test_images", kInteger}});
}

}  // namespace

absl::Status ValidateResult(const Json& r, absl::string_view source) {
  if (absl::Status s = ValidateTopLevel(r, source); !s.ok()) return s;
  if (absl::Status s = ValidateEvaluations(r["evaluations"], source); !s.ok()) return s;
  if (absl::Status s = ValidateEpochs(r["epochs"], source); !s.ok()) return s;
  if (absl::Status s = ValidateSummary(r, source); !s.ok()) return s;
  return ValidateProvenance(r["provenance"], source);
}

absl::StatusOr<Json> ReadResultFile(const std::string& path) {
  absl::StatusOr<Json> result = ReadJsonFile(path);
  if (!result.ok()) return result.status();
  if (absl::Status s = ValidateResult(*result, path); !s.ok()) return s;
  return result;
}

absl::Status WriteResultFile(const std::string& path, const Json& result) {
  return WriteFileAtomically(path, result.dump(2) + "\n");
}

}  // namespace sdbench
