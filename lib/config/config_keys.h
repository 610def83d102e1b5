// The one table of a run's configuration keys: each key once, with its type,
// default (the paper's), allowed range or names, meaning, and whether it
// changes what is trained. Everything else is derived from it: the default
// configuration (DefaultConfig), type and range checks (experiment_config.h),
// the reference page docs/config.md (config_reference_main), and the rule for
// resuming a checkpoint made with another configuration (CheckResumable).
//
// Adding a key: add its row; a row whose absence meant something else before
// (an old checkpoint or result lacks it) says so in `absent_means`.
#ifndef SDBENCH_LIB_CONFIG_CONFIG_KEYS_H_
#define SDBENCH_LIB_CONFIG_CONFIG_KEYS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sdbench {

enum class KeyType { kBool, kInteger, kNumber, kString, kNumberList };

// A number's allowed interval; a missing bound is unbounded.
struct NumberRange {
  std::optional<double> low;
  bool low_included = true;
  std::optional<double> high;
  bool high_included = true;
};

struct ConfigKey {
  std::string section;  // "model"
  std::string name;     // "p_last"
  KeyType type = KeyType::kString;
  nlohmann::json default_value;    // The paper's.
  NumberRange range;               // Numbers and integers.
  std::vector<std::string> names;  // A string key's allowed values (empty: see `rule`).
  // A check beyond type, range and names (null: none); `range_text` then
  // describes what it accepts.
  absl::Status (*rule)(const nlohmann::json& value) = nullptr;
  std::string range_text;
  std::string meaning;
  // Whether a different value trains a different model (or measures it
  // differently). Keys that only change speed or placement (threads, device,
  // memory layout) do not block resuming a checkpoint.
  bool changes_training = true;
  // What a configuration without this key (from before it existed) did;
  // null: the default.
  nlohmann::json absent_means;

  std::string path() const { return section + "." + name; }
  // "an integer", "a number", "a list of numbers", ...
  const char* TypeName() const;
  // "1..16", "(0, 1]", "one of: linear, constant, uniform", or range_text.
  std::string AllowedText() const;
  // What a configuration lacking the key means.
  const nlohmann::json& ValueWhenAbsent() const;
};

// Every key, in the order of docs/config.md (sections dataset, model,
// optimizer, schedule, runtime).
const std::vector<ConfigKey>& ConfigKeys();

// The key at "section.name", or null.
const ConfigKey* FindConfigKey(absl::string_view path);

// The sections, in table order.
std::vector<std::string> ConfigSections();

// Whether `value` has the key's type (an integer may stand for a number).
bool HasKeyType(const ConfigKey& key, const nlohmann::json& value);

// Range, names and rule of a value of the right type; the error reads
// "config value PATH = VALUE is out of range: expected ...".
absl::Status CheckKeyValue(const ConfigKey& key, const nlohmann::json& value);

// The configuration made of every key's default.
nlohmann::json DefaultsFromTable();

// Whether a run with `current` may continue a checkpoint saved with
// `stored`: every key that changes training must agree, a key missing from
// `stored` counting as its ValueWhenAbsent(). The error names each key that
// differs with both values.
absl::Status CheckResumable(const nlohmann::json& stored, const nlohmann::json& current);

// docs/config.md: every key with its type, default, allowed values, meaning.
std::string ConfigReferenceMarkdown();

}  // namespace sdbench

#endif  // SDBENCH_LIB_CONFIG_CONFIG_KEYS_H_
