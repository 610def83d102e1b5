#include "lib/config/experiment_config.h"

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/config/config_keys.h"
#include "lib/io/file_io.h"

namespace sdbench {

const Json& DefaultConfig() {
  static const Json* config = new Json(DefaultsFromTable());
  return *config;
}

absl::Status SetByPath(Json& config, absl::string_view path, const Json& value,
                       absl::string_view where) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", path,
                     "' is not a config key (expected section.key, e.g. "
                     "schedule.epochs)"));
  }
  const ConfigKey* key = FindConfigKey(path);
  if (key == nullptr) {
    std::vector<std::string> known;
    for (const ConfigKey& k : ConfigKeys()) {
      if (k.section == parts[0]) known.push_back(k.name);
    }
    if (known.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown config section '", parts[0], "' in '", path, "'"));
    }
    return absl::InvalidArgumentError(absl::StrCat(where, ": unknown config key '", path, "' (",
                                                   parts[0], " has: ", absl::StrJoin(known, ", "),
                                                   ")"));
  }
  if (!HasKeyType(*key, value)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": config key '", path, "' must be ",
                                                   key->TypeName(), ", got ", value.dump()));
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

absl::Status ValidateRunConfig(const Json& c) {
  for (const ConfigKey& key : ConfigKeys()) {
    if (absl::Status s = CheckKeyValue(key, c.at(key.section).at(key.name)); !s.ok()) return s;
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
    if (value.get<std::string>() != experiment->name) {
      return Invalid(source, absl::StrCat("names itself '", value.get<std::string>(),
                                          "', but an experiment's name is its file's ('",
                                          experiment->name, "'): remove the 'experiment' key"));
    }
  } else if (key == "default_profile" || key == "reference_arm") {
    if (!value.is_string() || value.get<std::string>().empty()) {
      return Invalid(source, absl::StrCat("'", key, "' must be a non-empty string"));
    }
    (key == "default_profile" ? experiment->default_profile : experiment->reference_arm) =
        value.get<std::string>();
  } else if (key == "presets") {
    // Merged before the keys are read (MergePresets).
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
                                "' (known: presets, description, reading, seeds, arms, grid, "
                                "reference_arm, profiles, default_profile, dataset, model, "
                                "optimizer, schedule, runtime)"));
  }
  return absl::OkStatus();
}

// What must hold of the whole experiment: a name, arms with distinct
// names, a reference arm among them, a default profile it defines, a valid
// base config. Sets the reference arm when the file names none.
absl::Status CheckExperiment(absl::string_view source, Experiment& experiment) {
  if (experiment.name.empty()) return Invalid(source, "the file's name gives no experiment name");
  if (experiment.arms.empty()) return Invalid(source, "no arms (give 'arms' or 'grid')");
  std::vector<std::string> names;
  for (size_t i = 0; i < experiment.arms.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (experiment.arms[i].name == experiment.arms[j].name) {
        return Invalid(source, absl::StrCat("two arms are named '", experiment.arms[i].name, "'"));
      }
    }
    names.push_back(experiment.arms[i].name);
  }
  if (experiment.reference_arm.empty()) {
    experiment.reference_arm =
        absl::c_linear_search(names, "constant") ? "constant" : experiment.arms[0].name;
  } else if (!absl::c_linear_search(names, experiment.reference_arm)) {
    return Invalid(source,
                   absl::StrCat("reference_arm '", experiment.reference_arm,
                                "' is not one of its arms (", absl::StrJoin(names, ", "), ")"));
  }
  const std::string& profile = experiment.default_profile;
  if (profile != "paper" && !experiment.profiles.contains(profile)) {
    return Invalid(source, absl::StrCat("default_profile '", profile, "' is not one of its ",
                                        "profiles (paper, or one under 'profiles')"));
  }
  if (absl::Status s = ValidateRunConfig(experiment.base); !s.ok()) {
    return Invalid(source, s.message());
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The file over its presets (each a merge patch, in order), or the file
// itself when it names none.
absl::StatusOr<Json> MergePresets(absl::string_view source, const Json& file,
                                  const PresetReader& read, std::vector<std::string>* applied) {
  if (!file.contains("presets")) return file;
  const Json& names = file["presets"];
  if (!names.is_array()) return Invalid(source, "'presets' must be a list of preset names");
  Json merged = Json::object();
  for (const Json& name : names) {
    if (!name.is_string() || name.get<std::string>().empty()) {
      return Invalid(source, "'presets' must be a list of preset names");
    }
    if (!read) return Invalid(source, "names presets, but none can be read here");
    absl::StatusOr<std::string> text = read(name.get<std::string>());
    if (!text.ok()) {
      return Invalid(source, absl::StrCat("preset '", name.get<std::string>(),
                                          "': ", text.status().message()));
    }
    const std::string where = absl::StrCat(source, ": preset '", name.get<std::string>(), "'");
    Json preset = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (preset.is_discarded() || !preset.is_object()) {
      return Invalid(where, "not a JSON object");
    }
    for (const char* key : {"experiment", "presets", "default_profile"}) {
      if (preset.contains(key)) {
        return Invalid(where, absl::StrCat("'", key, "' belongs to an experiment file"));
      }
    }
    merged.merge_patch(preset);
    applied->push_back(name.get<std::string>());
  }
  Json own = file;
  own.erase("presets");
  merged.merge_patch(own);
  return merged;
}

// "experiments/cifar10_110.json" -> "cifar10_110".
std::string StemOf(absl::string_view path) {
  absl::string_view base = path.substr(path.find_last_of('/') + 1);
  absl::ConsumeSuffix(&base, ".json");
  return std::string(base);
}

}  // namespace

absl::StatusOr<Experiment> ParseExperiment(absl::string_view source_name, absl::string_view text,
                                           const PresetReader& presets) {
  Json file = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (file.is_discarded()) return Invalid(source_name, "not valid JSON");
  if (!file.is_object()) return Invalid(source_name, "must be a JSON object");
  Experiment experiment;
  experiment.name = StemOf(source_name);
  experiment.base = DefaultConfig();
  experiment.seeds = {1};
  experiment.profiles = Json::object();
  absl::StatusOr<Json> merged = MergePresets(source_name, file, presets, &experiment.presets);
  if (!merged.ok()) return merged.status();
  for (const auto& item : merged->items()) {
    if (absl::Status s = ParseTopLevelKey(source_name, item.key(), item.value(), &experiment);
        !s.ok()) {
      return s;
    }
  }
  if (merged->contains("grid")) {
    if (absl::Status s =
            ExpandGrid(source_name, (*merged)["grid"], experiment.base, &experiment.arms);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckExperiment(source_name, experiment); !s.ok()) return s;
  return experiment;
}

std::string PresetFolder(const std::string& config_path) {
  const size_t slash = config_path.find_last_of('/');
  return slash == std::string::npos ? "presets" : config_path.substr(0, slash) + "/presets";
}

absl::StatusOr<Experiment> LoadExperiment(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  const std::string folder = PresetFolder(path);
  return ParseExperiment(path, *text, [&folder](const std::string& name) {
    return ReadFileToString(absl::StrCat(folder, "/", name, ".json"));
  });
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
