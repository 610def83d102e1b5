// Experiment configs: JSON with fixed sections, every value overridable by
// its dot path ("schedule.epochs", "model.p_last").
//
//   defaults (the paper's CIFAR-10 protocol, DefaultConfig())
//     <- the experiment's JSON file (only what differs)
//     <- the profile's overrides ("paper": none; "reduced"; "smoke")
//     <- the arm's overrides (e.g. model.schedule = constant)
//     <- command-line overrides (flags)
//
// The keys, their types, defaults and allowed values are the table of
// config_keys.h: an unknown key or a value of the wrong type is an error, and
// so is a value out of range or an unknown option name (ValidateRunConfig). An experiment lists its
// arms explicitly ("arms") or as a grid ("grid": every combination of the listed values), or both.
#ifndef SDBENCH_LIB_CONFIG_EXPERIMENT_CONFIG_H_
#define SDBENCH_LIB_CONFIG_EXPERIMENT_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sdbench {

using Json = nlohmann::json;

// The run-level config with the paper's defaults (no arms, seeds, profiles):
// every key of the table (config_keys.h) at its default.
const Json& DefaultConfig();

// Sets `path` ("a.b") in `config` to `value`, which must have the type of
// the default; `where` names the source in errors.
absl::Status SetByPath(Json& config, absl::string_view path, const Json& value,
                       absl::string_view where);

// Parses "a.b=value" from the command line: value as JSON if it parses
// (numbers, true/false, lists), else as a string.
absl::StatusOr<std::pair<std::string, Json>> ParseOverride(absl::string_view text);

// Applies every key of a flat {"a.b": value} object.
absl::Status ApplyOverrides(Json& config, const Json& overrides, absl::string_view where);

// Every key's range, option names and rule (config_keys.h) on a fully
// resolved run config.
absl::Status ValidateRunConfig(const Json& config);

struct Arm {
  std::string name;
  Json overrides;  // Flat {"a.b": value}.
};

// An experiment file, parsed and checked. Its name is the file's (its stem:
// experiments/NAME.json is experiment NAME), so a copy of a file is a new
// experiment whose results land apart; an "experiment" key, where a file
// still has one, must say the same.
//
// "presets": ["constant_vs_stochastic", "smoke"] names shared fragments of
// an experiment file (experiments/presets/NAME.json beside the file), each
// merged under the file in order as a JSON merge patch (RFC 7386): objects
// merge key by key, anything else (a list of arms, a value) is replaced, and
// null removes a key. So a file says only what differs from its presets.
struct Experiment {
  std::string name;
  std::string description;
  Json base;  // Defaults <- the file's sections.
  std::vector<Arm> arms;
  std::vector<int> seeds;
  Json profiles;  // {"reduced": {...}, "smoke": {...}}
  // What to tell the user after a run, by profile ({"reduced": "..."}): the
  // paper's reference numbers and how to read this run's result.
  std::map<std::string, std::string> reading;
  // The profile a run takes when the command line names none
  // ("default_profile"; "paper" when absent).
  std::string default_profile = "paper";
  // The arm every other arm is compared with ("reference_arm"; when absent,
  // the arm named "constant", else the first arm).
  std::string reference_arm;
  std::vector<std::string> presets;  // As applied, in order.
};

// The text of the preset `name`, or an error naming where it was looked for.
using PresetReader = std::function<absl::StatusOr<std::string>(const std::string& name)>;

// `source_name` is the file's path (its stem is the experiment's name);
// `presets` reads the presets the file names (none may be named without it).
absl::StatusOr<Experiment> ParseExperiment(absl::string_view source_name, absl::string_view text,
                                           const PresetReader& presets = nullptr);
// Reads `path` and its presets from the folder "presets" beside it.
absl::StatusOr<Experiment> LoadExperiment(const std::string& path);

// The folder of `config_path`'s presets.
std::string PresetFolder(const std::string& config_path);

// The resolved config of one run: base <- profile <- arm <- command line.
// "paper" is always a valid profile (no overrides).
absl::StatusOr<Json> ResolveRunConfig(
    const Experiment& experiment, absl::string_view profile, const Arm& arm,
    const std::vector<std::pair<std::string, Json>>& command_line);

}  // namespace sdbench

#endif  // SDBENCH_LIB_CONFIG_EXPERIMENT_CONFIG_H_
