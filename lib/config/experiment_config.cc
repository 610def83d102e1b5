#include "lib/config/experiment_config.h"

#include <cmath>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/io/file_io.h"

namespace sdbench {

const Json& DefaultConfig() {
  static const Json* config = new Json(Json::parse(R"json({
    "dataset": {
      "name": "cifar10",
      "cifar100_labels": "fine",
      "cifar10_files": "all",
      "validation": true,
      "train_size": 45000,
      "svhn_validation_per_class_train": 400,
      "svhn_validation_per_class_extra": 200,
      "train_subset": 0,
      "validation_subset": 0,
      "test_subset": 0,
      "augment": true,
      "max_shift": 4,
      "normalization": "mean_image_raw_std",
      "synthetic": false,
      "synthetic_train_images": 256,
      "synthetic_test_images": 64
    },
    "model": {
      "depth": 110,
      "schedule": "linear",
      "p_last": 0.5,
      "shortcut": "stride",
      "bn_gamma_init": "uniform01",
      "conv_bias": true,
      "test_scaling": "paper",
      "gate_mode": "batch"
    },
    "optimizer": {
      "momentum": 0.9,
      "weight_decay": 0.0001,
      "nesterov": true,
      "dropped_block_update": "decay_and_momentum"
    },
    "schedule": {
      "epochs": 500,
      "batch_size": 128,
      "lr": 0.1,
      "lr_milestones": [0.5, 0.75],
      "lr_decay": 0.1,
      "warmup_epochs": 0,
      "warmup_lr": 0.01,
      "eval_every_iterations": 0,
      "final_partial_window": "record",
      "milestone_rounding": "ceil",
      "eval_batch_size": 128,
      "max_steps_per_epoch": 0
    },
    "runtime": {
      "device": "cpu",
      "threads": 0,
      "memory_format": "channels_last",
      "precision": "fp32",
      "tf32": true,
      "cudnn_benchmark": true,
      "deterministic": false,
      "data_on_device": "auto"
    }
  })json"));
  return *config;
}

namespace {

// The type's name with its article: "an integer", "a string".
const char* TypeName(const Json& value) {
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

// Whether `value` may replace `default_value`: same JSON type, except that an
// integer may stand for a number, and lists must hold numbers.
bool CompatibleType(const Json& default_value, const Json& value) {
  if (default_value.is_number_float()) return value.is_number();
  if (default_value.is_number_integer()) return value.is_number_integer();
  if (default_value.is_array()) {
    if (!value.is_array()) return false;
    for (const Json& item : value) {
      if (!item.is_number()) return false;
    }
    return true;
  }
  return default_value.type() == value.type();
}

absl::Status RangeError(absl::string_view path, const Json& value, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("config value ", path, " = ", value.dump(),
                                                 " is out of range: expected ", expected));
}

}  // namespace

absl::Status SetByPath(Json& config, absl::string_view path, const Json& value,
                       absl::string_view where) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", path,
                     "' is not a config key (expected section.key, e.g. "
                     "schedule.epochs)"));
  }
  const Json& defaults = DefaultConfig();
  if (!defaults.contains(parts[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown config section '", parts[0], "' in '", path, "'"));
  }
  const Json& section = defaults.at(parts[0]);
  if (!section.contains(parts[1])) {
    std::vector<std::string> known;
    for (const auto& item : section.items()) known.push_back(item.key());
    return absl::InvalidArgumentError(absl::StrCat(where, ": unknown config key '", path, "' (",
                                                   parts[0], " has: ", absl::StrJoin(known, ", "),
                                                   ")"));
  }
  const Json& default_value = section.at(parts[1]);
  if (!CompatibleType(default_value, value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": config key '", path, "' must be ", TypeName(default_value),
                     default_value.is_array() ? " of numbers" : "", ", got ", value.dump()));
  }
  config[parts[0]][parts[1]] = value;
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, Json>> ParseOverride(absl::string_view text) {
  const size_t equals = text.find('=');
  if (equals == absl::string_view::npos || equals == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("override '", text, "' is not of the form key=value"));
  }
  const std::string key(text.substr(0, equals));
  const std::string raw(text.substr(equals + 1));
  Json value = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || value.is_object() || value.is_null()) value = raw;
  return std::make_pair(key, value);
}

absl::Status ApplyOverrides(Json& config, const Json& overrides, absl::string_view where) {
  if (!overrides.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": overrides must be an object of \"section.key\": value"));
  }
  for (const auto& item : overrides.items()) {
    absl::Status status = SetByPath(config, item.key(), item.value(), where);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

namespace {

// `path` ("section.key") of `c`, whose value must lie in [low, high] with
// the bounds included or not as said; `expected` describes the range.
absl::Status CheckNumber(const Json& c, const char* section, const char* key, double low,
                         bool low_included, double high, bool high_included, const char* expected) {
  const double v = c[section][key].get<double>();
  const bool above = low_included ? v >= low : v > low;
  const bool below = high_included ? v <= high : v < high;
  if (above && below) return absl::OkStatus();
  return RangeError(absl::StrCat(section, ".", key), c[section][key], expected);
}

absl::Status CheckModel(const Json& c) {
  const int depth = c["model"]["depth"].get<int>();
  if (depth < 8 || (depth - 2) % 6 != 0) {
    return RangeError("model.depth", c["model"]["depth"],
                      "6N+2 with N >= 1 (20, 56, 110, 152, 1202, ...)");
  }
  return CheckNumber(c, "model", "p_last", 0, false, 1, true, "a value in (0, 1]");
}

// Counts and sizes: integers with a lower bound.
absl::Status CheckCounts(const Json& c) {
  const std::tuple<const char*, const char*, int64_t> minima[] = {
      {"schedule", "epochs", 1},
      {"schedule", "batch_size", 1},
      {"schedule", "eval_batch_size", 1},
      {"schedule", "warmup_epochs", 0},
      {"schedule", "eval_every_iterations", 0},
      {"schedule", "max_steps_per_epoch", 0},
      {"dataset", "train_size", 1},
      {"dataset", "train_subset", 0},
      {"dataset", "validation_subset", 0},
      {"dataset", "test_subset", 0},
      {"dataset", "max_shift", 0},
      {"dataset", "synthetic_train_images", 2},
      {"dataset", "synthetic_test_images", 1},
      {"dataset", "svhn_validation_per_class_train", 0},
      {"dataset", "svhn_validation_per_class_extra", 0},
      {"runtime", "threads", 0}};
  for (const auto& [section, key, low] : minima) {
    const Json& v = c[section][key];
    if (v.get<int64_t>() < low) {
      return RangeError(absl::StrCat(section, ".", key), v, absl::StrCat(">= ", low));
    }
  }
  if (c["dataset"]["max_shift"].get<int>() > 16) {
    return RangeError("dataset.max_shift", c["dataset"]["max_shift"], "0..16");
  }
  return absl::OkStatus();
}

absl::Status CheckScheduleAndOptimizer(const Json& c) {
  for (absl::Status s :
       {CheckNumber(c, "schedule", "lr", 0, false, 10, false, "a value in (0, 10)"),
        CheckNumber(c, "schedule", "warmup_lr", 0, false, 10, false, "a value in (0, 10)"),
        CheckNumber(c, "schedule", "lr_decay", 0, false, 1, true, "a factor in (0, 1]"),
        CheckNumber(c, "optimizer", "momentum", 0, true, 1, false, "[0, 1)"),
        CheckNumber(c, "optimizer", "weight_decay", 0, true, 1, false, "[0, 1)")}) {
    if (!s.ok()) return s;
  }
  double previous = 0.0;
  for (const Json& m : c["schedule"]["lr_milestones"]) {
    const double fraction = m.get<double>();
    if (!(fraction > previous && fraction < 1.0)) {
      return RangeError("schedule.lr_milestones", c["schedule"]["lr_milestones"],
                        "increasing fractions of the epochs, each in (0, 1)");
    }
    previous = fraction;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRunConfig(const Json& c) {
  for (absl::Status s : {CheckModel(c), CheckCounts(c), CheckScheduleAndOptimizer(c)}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace {

std::string FormatGridValue(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::string text = value.dump();
    return text;
  }
  return value.dump();
}

// "model.p_last" -> "p_last".
std::string ShortKey(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

absl::Status ExpandGrid(absl::string_view where, const Json& grid, const Json& base,
                        std::vector<Arm>* arms) {
  if (!grid.is_object() || grid.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": 'grid' must be an object of \"section.key\": [values]"));
  }
  std::vector<Arm> partial = {Arm{"", Json::object()}};
  for (const auto& item : grid.items()) {
    if (!item.value().is_array() || item.value().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": grid entry '", item.key(), "' must be a non-empty list"));
    }
    std::vector<Arm> next;
    for (const Arm& arm : partial) {
      for (const Json& value : item.value()) {
        Json probe = base;
        if (absl::Status s = SetByPath(probe, item.key(), value, where); !s.ok()) {
          return s;
        }
        Arm extended = arm;
        extended.overrides[item.key()] = value;
        absl::StrAppend(&extended.name, extended.name.empty() ? "" : "_", ShortKey(item.key()), "=",
                        FormatGridValue(value));
        next.push_back(std::move(extended));
      }
    }
    partial = std::move(next);
  }
  arms->insert(arms->end(), partial.begin(), partial.end());
  return absl::OkStatus();
}

}  // namespace

namespace {

absl::Status Invalid(absl::string_view source, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", problem));
}

absl::Status ParseSeedList(absl::string_view source, const Json& value, std::vector<int>* seeds) {
  if (!value.is_array() || value.empty())
    return Invalid(source, "'seeds' must be a non-empty list");
  seeds->clear();
  for (const Json& seed : value) {
    if (!seed.is_number_integer() || seed.get<int64_t>() < 0) {
      return Invalid(source, "seeds must be non-negative integers");
    }
    seeds->push_back(seed.get<int>());
  }
  return absl::OkStatus();
}

// Explicit arms: each a name and overrides by dot path.
absl::Status ParseArmList(absl::string_view source, const Json& value, const Json& base,
                          std::vector<Arm>* arms) {
  if (!value.is_array()) return Invalid(source, "'arms' must be a list");
  for (const Json& arm : value) {
    if (!arm.is_object() || !arm.contains("name") || !arm["name"].is_string()) {
      return Invalid(source, "each arm needs a \"name\" and overrides");
    }
    Arm parsed{arm["name"].get<std::string>(), arm};
    parsed.overrides.erase("name");
    Json probe = base;
    if (absl::Status s = ApplyOverrides(probe, parsed.overrides,
                                        absl::StrCat(source, ": arm '", parsed.name, "'"));
        !s.ok()) {
      return s;
    }
    arms->push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

absl::Status CheckProfiles(absl::string_view source, const Json& value, const Json& base) {
  if (!value.is_object()) return Invalid(source, "'profiles' must be an object");
  for (const auto& profile : value.items()) {
    if (profile.key() != "reduced" && profile.key() != "smoke") {
      return Invalid(source, absl::StrCat("unknown profile '", profile.key(),
                                          "' (known: paper, reduced, smoke)"));
    }
    Json probe = base;
    if (absl::Status s = ApplyOverrides(probe, profile.value(),
                                        absl::StrCat(source, ": profile '", profile.key(), "'"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// A config section of the file ("model": {...}) over the defaults.
absl::Status ApplySection(absl::string_view source, const std::string& key, const Json& value,
                          Json* base) {
  if (!value.is_object())
    return Invalid(source, absl::StrCat("section '", key, "' must be an object"));
  for (const auto& field : value.items()) {
    if (absl::Status s =
            SetByPath(*base, absl::StrCat(key, ".", field.key()), field.value(), source);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// One top-level key of an experiment file ("grid" is expanded afterwards).
absl::Status ParseTopLevelKey(absl::string_view source, const std::string& key, const Json& value,
                              Experiment* experiment) {
  if (key == "experiment") {
    if (!value.is_string()) return Invalid(source, "'experiment' must be a string");
    experiment->name = value.get<std::string>();
  } else if (key == "description") {
    experiment->description = value.is_string() ? value.get<std::string>() : "";
  } else if (key == "reading") {
    if (!value.is_object()) return Invalid(source, "'reading' must map profiles to text");
    for (const auto& [profile, text] : value.items()) {
      if (!text.is_string()) {
        return Invalid(source, absl::StrCat("'reading.", profile, "' must be a string"));
      }
      experiment->reading[profile] = text.get<std::string>();
    }
  } else if (key == "seeds") {
    return ParseSeedList(source, value, &experiment->seeds);
  } else if (key == "arms") {
    return ParseArmList(source, value, experiment->base, &experiment->arms);
  } else if (key == "profiles") {
    if (absl::Status s = CheckProfiles(source, value, experiment->base); !s.ok()) return s;
    experiment->profiles = value;
  } else if (DefaultConfig().contains(key)) {
    return ApplySection(source, key, value, &experiment->base);
  } else if (key != "grid") {
    return Invalid(source,
                   absl::StrCat("unknown top-level key '", key,
                                "' (known: experiment, description, reading, seeds, arms, grid, "
                                "profiles, dataset, model, optimizer, schedule, runtime)"));
  }
  return absl::OkStatus();
}

// What must hold of the whole experiment: a name, arms with distinct
// names, a valid base config.
absl::Status CheckExperiment(absl::string_view source, const Experiment& experiment) {
  if (experiment.name.empty()) return Invalid(source, "'experiment' (its name) is required");
  if (experiment.arms.empty()) return Invalid(source, "no arms (give 'arms' or 'grid')");
  for (size_t i = 0; i < experiment.arms.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (experiment.arms[i].name == experiment.arms[j].name) {
        return Invalid(source, absl::StrCat("two arms are named '", experiment.arms[i].name, "'"));
      }
    }
  }
  if (absl::Status s = ValidateRunConfig(experiment.base); !s.ok()) {
    return Invalid(source, s.message());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Experiment> ParseExperiment(absl::string_view source_name, absl::string_view text) {
  Json file = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (file.is_discarded()) return Invalid(source_name, "not valid JSON");
  if (!file.is_object()) return Invalid(source_name, "must be a JSON object");
  Experiment experiment;
  experiment.base = DefaultConfig();
  experiment.seeds = {1};
  experiment.profiles = Json::object();
  for (const auto& item : file.items()) {
    if (absl::Status s = ParseTopLevelKey(source_name, item.key(), item.value(), &experiment);
        !s.ok()) {
      return s;
    }
  }
  if (file.contains("grid")) {
    if (absl::Status s = ExpandGrid(source_name, file["grid"], experiment.base, &experiment.arms);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckExperiment(source_name, experiment); !s.ok()) return s;
  return experiment;
}

absl::StatusOr<Experiment> LoadExperiment(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ParseExperiment(path, *text);
}

absl::StatusOr<Json> ResolveRunConfig(
    const Experiment& experiment, absl::string_view profile, const Arm& arm,
    const std::vector<std::pair<std::string, Json>>& command_line) {
  Json config = experiment.base;
  if (profile != "paper") {
    if (profile != "reduced" && profile != "smoke") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown profile '", profile, "' (known: paper, reduced, smoke)"));
    }
    const std::string key(profile);
    if (!experiment.profiles.contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("experiment '", experiment.name, "' defines no '", profile, "' profile"));
    }
    if (absl::Status s =
            ApplyOverrides(config, experiment.profiles[key], absl::StrCat("profile ", profile));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ApplyOverrides(config, arm.overrides, absl::StrCat("arm ", arm.name));
      !s.ok()) {
    return s;
  }
  for (const auto& [path, value] : command_line) {
    if (absl::Status s = SetByPath(config, path, value, "command line"); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ValidateRunConfig(config); !s.ok()) return s;
  return config;
}

}  // namespace sdbench
