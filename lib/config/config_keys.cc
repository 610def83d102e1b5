#include "lib/config/config_keys.h"

#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

absl::Status RangeError(const ConfigKey& key, const Json& value, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("config value ", key.path(), " = ", value.dump(),
                                                 " is out of range: expected ", expected));
}

// --- Rules beyond a range or a list of names. ---

absl::Status DepthRule(const Json& value) {
  const int64_t depth = value.get<int64_t>();
  if (depth >= 8 && (depth - 2) % 6 == 0) return absl::OkStatus();
  return absl::InvalidArgumentError("");
}

absl::Status MilestonesRule(const Json& value) {
  double previous = 0.0;
  for (const Json& m : value) {
    const double fraction = m.get<double>();
    if (!(fraction > previous && fraction < 1.0)) return absl::InvalidArgumentError("");
    previous = fraction;
  }
  return absl::OkStatus();
}

// "cpu", "cuda" or "cuda:K"; whether that GPU exists is asked when the run
// resolves its device.
absl::Status DeviceRule(const Json& value) {
  const std::string name = value.get<std::string>();
  absl::string_view rest = name;
  int index = 0;
  if (name == "cpu" || name == "cuda" ||
      (absl::ConsumePrefix(&rest, "cuda:") && absl::SimpleAtoi(rest, &index) && index >= 0)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown device '", name, "' (known: cpu, cuda, cuda:K)"));
}

// --- Row builders: one line of the table each. ---

ConfigKey Row(const char* section, const char* name, KeyType type, Json default_value,
              const char* meaning) {
  ConfigKey key;
  key.section = section;
  key.name = name;
  key.type = type;
  key.default_value = std::move(default_value);
  key.meaning = meaning;
  return key;
}

ConfigKey Flag(const char* section, const char* name, bool default_value, const char* meaning) {
  return Row(section, name, KeyType::kBool, default_value, meaning);
}

ConfigKey Count(const char* section, const char* name, int64_t default_value, int64_t low,
                const char* meaning) {
  ConfigKey key = Row(section, name, KeyType::kInteger, default_value, meaning);
  key.range.low = low;
  return key;
}

ConfigKey Number(const char* section, const char* name, double default_value, NumberRange range,
                 const char* meaning) {
  ConfigKey key = Row(section, name, KeyType::kNumber, default_value, meaning);
  key.range = range;
  return key;
}

ConfigKey Choice(const char* section, const char* name, const char* default_value,
                 std::vector<std::string> names, const char* meaning) {
  ConfigKey key = Row(section, name, KeyType::kString, default_value, meaning);
  key.names = std::move(names);
  return key;
}

ConfigKey Ruled(ConfigKey key, absl::Status (*rule)(const Json&), const char* range_text) {
  key.rule = rule;
  key.range_text = range_text;
  return key;
}

// A key that changes speed or placement only, never what is trained.
ConfigKey SpeedOnly(ConfigKey key) {
  key.changes_training = false;
  return key;
}

// A key whose absence (a configuration from before it existed) meant `old`.
ConfigKey AbsentMeant(ConfigKey key, Json old) {
  key.absent_means = std::move(old);
  return key;
}

constexpr NumberRange kOpenUnit = {0.0, false, 1.0, true};      // (0, 1]
constexpr NumberRange kHalfOpenUnit = {0.0, true, 1.0, false};  // [0, 1)
constexpr NumberRange kLearningRate = {0.0, false, 10.0, false};

std::vector<ConfigKey> MakeTable() {
  std::vector<ConfigKey> t = {
      // dataset (PAPER_SPEC 6)
      Choice("dataset", "name", "cifar10", {"cifar10", "cifar100", "svhn"}, "The dataset."),
      Choice("dataset", "cifar100_labels", "fine", {"fine", "coarse"},
             "CIFAR-100's labels: the 100 fine classes (the paper) or the 20 coarse ones."),
      Choice("dataset", "cifar10_files", "all", {"all", "first_batch"},
             "CIFAR-10 training files read: all five batches, or data_batch_1 alone (a quick "
             "check on a machine with one file)."),
      Flag("dataset", "validation", true,
           "Hold out a validation split of the training set to choose the best epoch (the "
           "paper's protocol: test error at the best validation error)."),
      Count("dataset", "train_size", 45000, 1,
            "CIFAR: training images kept for training; the rest of the 50,000 validate "
            "(45,000 / 5,000)."),
      Count("dataset", "svhn_validation_per_class_train", 400, 0,
            "SVHN: validation images per class taken from the train file."),
      Count("dataset", "svhn_validation_per_class_extra", 200, 0,
            "SVHN: validation images per class taken from the extra file."),
      Count("dataset", "train_subset", 0, 0,
            "Train on the first this many images of the training split (0: all); reduced "
            "profiles."),
      Count("dataset", "validation_subset", 0, 0,
            "Validate on the first this many images of the validation split (0: all)."),
      Count("dataset", "test_subset", 0, 0, "Test on the first this many test images (0: all)."),
      Flag("dataset", "augment", true,
           "Random translations (by up to max_shift pixels, zero padded) and horizontal flips "
           "of training images, as the paper's CIFAR runs; SVHN runs turn it off."),
      [] {
        ConfigKey k = Count("dataset", "max_shift", 4, 0, "Largest translation, in pixels.");
        k.range.high = 16;
        return k;
      }(),
      Choice(
          "dataset", "normalization", "mean_image_raw_std",
          {"mean_image_raw_std", "mean_image_centred_std", "mean_image_scalar_std", "per_channel"},
          "Input normalisation: subtract the training set's mean image and divide by one "
          "scalar, the std of the raw training tensor (the original code); "
          "mean_image_centred_std divides by the std after subtracting the mean image "
          "(mean_image_scalar_std is its old name); per_channel: per-channel mean and std."),
      Flag("dataset", "synthetic", false,
           "Random images and labels in place of the dataset's files (smoke profiles, tests)."),
      Count("dataset", "synthetic_train_images", 256, 2,
            "With synthetic data: images of the training file (split as train_size says)."),
      Count("dataset", "synthetic_test_images", 64, 1, "With synthetic data: test images."),

      // model (PAPER_SPEC 1-2)
      Ruled(Count("model", "depth", 110, 8,
                  "Layers of the ResNet: 6N+2 with N residual blocks per stage (110 and 1202 on "
                  "CIFAR, 152 on SVHN)."),
            DepthRule, "6N+2 with N >= 1 (20, 56, 110, 152, 1202, ...)"),
      Choice("model", "schedule", "linear", {"constant", "linear", "uniform"},
             "Survival probabilities p_l of the blocks: linear decay from 1 to p_last (Eq. 4, "
             "the paper's), uniform (every block p_last), or constant (every block kept: the "
             "constant-depth baseline)."),
      Number("model", "p_last", 0.5, kOpenUnit, "p_L: the last block's survival probability."),
      Choice("model", "shortcut", "stride", {"stride", "avg2x2"},
             "How a transition block's shortcut halves the resolution: every other pixel (1x1 "
             "window, stride 2: the paper) or a 2x2 average (the original code's 2017 fix); "
             "the extra channels are zeros either way."),
      Choice("model", "bn_gamma_init", "uniform01", {"uniform01", "ones", "normal_1_0.002"},
             "Initial BN gamma: U(0, 1) (cuDNN-Torch's default, the paper's), 1, or N(1, "
             "0.002)."),
      Flag("model", "conv_bias", true,
           "Convolutions have a bias, as Torch's cudnn.SpatialConvolution in the original code."),
      Choice("model", "test_scaling", "paper", {"paper", "inverted"},
             "Test-time rule: scale each branch by p_l at test time (Eq. 5, the paper), or "
             "divide by p_l in training and scale nothing at test time (inverted)."),
      Choice("model", "gate_mode", "batch", {"batch", "row"},
             "One survival gate per block for the whole mini-batch (the paper), or one per "
             "block and sample (row; a branch runs when any sample keeps it; one process "
             "only)."),

      // optimizer (PAPER_SPEC 3)
      Number("optimizer", "momentum", 0.9, kHalfOpenUnit, "SGD momentum."),
      Number("optimizer", "weight_decay", 1e-4, kHalfOpenUnit, "L2 weight decay."),
      Flag("optimizer", "nesterov", true, "Nesterov momentum (the original code's)."),
      Choice("optimizer", "dropped_block_update", "decay_and_momentum",
             {"decay_and_momentum", "skip"},
             "The update of a dropped block's weights, whose gradient is zero: weight decay "
             "and momentum still move them (the original code), or no update at all (skip, "
             "as LibTorch's SGD does for a missing gradient)."),

      // schedule (PAPER_SPEC 3)
      Count("schedule", "epochs", 500, 1, "Training epochs (CIFAR 500, SVHN 50)."),
      Count("schedule", "batch_size", 128, 1,
            "Mini-batch size; in data-parallel runs the global batch, split over the ranks."),
      Number("schedule", "lr", 0.1, kLearningRate, "Initial learning rate."),
      Ruled(Row("schedule", "lr_milestones", KeyType::kNumberList, Json::array({0.5, 0.75}),
                "Fractions of the epochs at which the learning rate is multiplied by lr_decay."),
            MilestonesRule, "increasing fractions of the epochs, each in (0, 1)"),
      Number("schedule", "lr_decay", 0.1, kOpenUnit, "Factor of each milestone."),
      Count("schedule", "warmup_epochs", 0, 0,
            "Epochs trained at warmup_lr before the schedule starts (0: none)."),
      Number("schedule", "warmup_lr", 0.01, kLearningRate, "Learning rate of the warm-up."),
      Count("schedule", "eval_every_iterations", 0, 0,
            "Evaluate every this many iterations instead of after every epoch (0: every "
            "epoch; SVHN: 200)."),
      AbsentMeant(
          Choice("schedule", "final_partial_window", "record", {"record", "candidate"},
                 "With eval_every_iterations: the evaluation after the run's last steps (fewer "
                 "than K) is recorded but is no candidate for the best validation point "
                 "(record: the original evaluated every K iterations only), or is a candidate "
                 "(sdbench's behaviour before)."),
          "candidate"),
      AbsentMeant(Choice("schedule", "milestone_rounding", "ceil", {"ceil", "round"},
                         "The epoch of a milestone f: ceil(f x E) (the original's test epoch >= "
                         "f x E), or round(f x E), never before epoch 2 (sdbench's rule "
                         "before)."),
                  "round"),
      SpeedOnly(Count("schedule", "eval_batch_size", 128, 1,
                      "Evaluation batch size (evaluation speed and memory only: BN uses its "
                      "running statistics).")),
      Count("schedule", "max_steps_per_epoch", 0, 0,
            "End each epoch after this many steps (0: the whole training split); smoke "
            "profiles."),

      // runtime: where and how fast
      SpeedOnly(Ruled(Row("runtime", "device", KeyType::kString, "cpu",
                          "Training device; plain cuda in a job of several ranks is each "
                          "rank's own GPU (docs/clusters.md)."),
                      DeviceRule, "cpu, cuda or cuda:K")),
      SpeedOnly(Count("runtime", "threads", 0, 0, "Intra-op CPU threads (0: every core).")),
      SpeedOnly(Choice("runtime", "memory_format", "channels_last", {"channels_last", "contiguous"},
                       "Activation layout: NHWC (channels_last, oneDNN's own) or NCHW; the "
                       "same model either way.")),
      Choice("runtime", "precision", "fp32", {"fp32", "bf16"},
             "Arithmetic: fp32 (the paper's) or bf16 CUDA autocast (a GPU option; BN stays "
             "fp32)."),
      Flag("runtime", "tf32", true,
           "On a GPU, TF32 tensor cores for convolutions (PyTorch's default); matrix products "
           "stay fp32."),
      SpeedOnly(Flag("runtime", "cudnn_benchmark", true,
                     "On a GPU, cuDNN times its algorithms for each shape and keeps the fastest.")),
      SpeedOnly(Flag("runtime", "deterministic", false,
                     "Deterministic kernels only: a resumed GPU run then repeats an "
                     "uninterrupted one bit for bit (slower).")),
      SpeedOnly(Choice("runtime", "data_on_device", "auto", {"auto", "on", "off"},
                       "Where training batches are augmented: on the training device from a "
                       "copy of the training set kept there (on), or by the CPU loader (off); "
                       "auto: on for CUDA. The same images either way.")),
  };
  return t;
}

std::string FormatBound(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrCat(value);
}

}  // namespace

const char* ConfigKey::TypeName() const {
  switch (type) {
    case KeyType::kBool:
      return "a boolean";
    case KeyType::kInteger:
      return "an integer";
    case KeyType::kNumber:
      return "a number";
    case KeyType::kString:
      return "a string";
    case KeyType::kNumberList:
      return "a list of numbers";
  }
  return "?";
}

std::string ConfigKey::AllowedText() const {
  if (!range_text.empty()) return range_text;
  if (!names.empty()) return absl::StrCat("one of: ", absl::StrJoin(names, ", "));
  if (type == KeyType::kBool) return "true, false";
  if (!range.low && !range.high) return "";
  if (type == KeyType::kInteger) {
    if (!range.high) return absl::StrCat(">= ", FormatBound(*range.low));
    return absl::StrCat(FormatBound(*range.low), "..", FormatBound(*range.high));
  }
  return absl::StrCat(range.low_included ? "[" : "(", range.low ? FormatBound(*range.low) : "-inf",
                      ", ", range.high ? FormatBound(*range.high) : "inf",
                      range.high_included ? "]" : ")");
}

const Json& ConfigKey::ValueWhenAbsent() const {
  return absent_means.is_null() ? default_value : absent_means;
}

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey>* table = new std::vector<ConfigKey>(MakeTable());
  return *table;
}

const ConfigKey* FindConfigKey(absl::string_view path) {
  for (const ConfigKey& key : ConfigKeys()) {
    if (key.path() == path) return &key;
  }
  return nullptr;
}

std::vector<std::string> ConfigSections() {
  std::vector<std::string> sections;
  for (const ConfigKey& key : ConfigKeys()) {
    if (sections.empty() || sections.back() != key.section) sections.push_back(key.section);
  }
  return sections;
}

bool HasKeyType(const ConfigKey& key, const Json& value) {
  switch (key.type) {
    case KeyType::kBool:
      return value.is_boolean();
    case KeyType::kInteger:
      return value.is_number_integer();
    case KeyType::kNumber:
      return value.is_number();
    case KeyType::kString:
      return value.is_string();
    case KeyType::kNumberList:
      if (!value.is_array()) return false;
      for (const Json& item : value) {
        if (!item.is_number()) return false;
      }
      return true;
  }
  return false;
}

absl::Status CheckKeyValue(const ConfigKey& key, const Json& value) {
  if (key.type == KeyType::kInteger || key.type == KeyType::kNumber) {
    const double v = value.get<double>();
    const NumberRange& r = key.range;
    const bool above = !r.low || (r.low_included ? v >= *r.low : v > *r.low);
    const bool below = !r.high || (r.high_included ? v <= *r.high : v < *r.high);
    if (!above || !below) return RangeError(key, value, key.AllowedText());
  }
  if (!key.names.empty()) {
    const std::string name = value.get<std::string>();
    for (const std::string& known : key.names) {
      if (known == name) return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown ", key.path(), " '", name, "' (known: ", absl::StrJoin(key.names, ", "), ")"));
  }
  if (key.rule != nullptr) {
    absl::Status s = key.rule(value);
    if (!s.ok()) {
      return s.message().empty() ? RangeError(key, value, key.range_text) : s;
    }
  }
  return absl::OkStatus();
}

Json DefaultsFromTable() {
  Json config = Json::object();
  for (const ConfigKey& key : ConfigKeys()) config[key.section][key.name] = key.default_value;
  return config;
}

namespace {

bool Has(const Json& config, const ConfigKey& key) {
  return config.is_object() && config.contains(key.section) && config[key.section].is_object() &&
         config[key.section].contains(key.name);
}

}  // namespace

absl::Status CheckResumable(const Json& stored, const Json& current) {
  std::vector<std::string> differences;
  for (const ConfigKey& key : ConfigKeys()) {
    if (!key.changes_training) continue;
    const bool present = Has(stored, key);
    const Json& before = present ? stored[key.section][key.name] : key.ValueWhenAbsent();
    const Json& now = Has(current, key) ? current[key.section][key.name] : key.ValueWhenAbsent();
    if (before == now) continue;  // nlohmann::json compares 1 and 1.0 as numbers: equal.
    differences.push_back(absl::StrCat(key.path(), ": checkpoint ", before.dump(),
                                       present ? "" : " (made before the key existed)",
                                       ", this run ", now.dump()));
  }
  // A key the checkpoint has and the table does not: made by a newer
  // sdbench, whose meaning this one cannot know.
  for (const auto& section : stored.items()) {
    if (!section.value().is_object()) continue;
    for (const auto& item : section.value().items()) {
      if (FindConfigKey(absl::StrCat(section.key(), ".", item.key())) == nullptr) {
        differences.push_back(absl::StrCat(section.key(), ".", item.key(),
                                           ": unknown to this sdbench (a newer one made it)"));
      }
    }
  }
  if (differences.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the checkpoint was made with settings that change training: ",
                   absl::StrJoin(differences, "; ")));
}

std::string ConfigReferenceMarkdown() {
  std::string page =
      "# Configuration keys\n\n"
      "<!-- Generated by `bazel run //lib/config:config_reference -- --out=$PWD/docs/config.md` "
      "from the key table in lib/config/config_keys.cc; a test fails when it is stale. -->\n\n"
      "Every key of a run's configuration, with the paper's default. An experiment file "
      "(experiments/*.json) sets keys by section; profiles, arms and the runner's `--set` "
      "override them by dot path (`--set=model.p_last=0.2`); `runner --print_config` prints "
      "what each run resolves to. Every result records its whole configuration.\n\n"
      "**Training** says whether a different value trains a different model: a checkpoint "
      "resumes when every training key agrees (a key the checkpoint lacks counts as what its "
      "absence meant, column *before the key*); the others (speed, placement) may change "
      "between a run and its resume.\n";
  for (const std::string& section : ConfigSections()) {
    absl::StrAppend(&page, "\n## ", section, "\n\n",
                    "| key | type | default | allowed | training | before the key | meaning |\n",
                    "|---|---|---|---|---|---|---|\n");
    for (const ConfigKey& key : ConfigKeys()) {
      if (key.section != section) continue;
      std::string type = key.TypeName();
      absl::StrAppend(
          &page, "| `", key.path(), "` | ", absl::StripPrefix(absl::StripPrefix(type, "a "), "an "),
          " | `", key.default_value.dump(), "` | ", key.AllowedText(), " | ",
          key.changes_training ? "yes" : "no", " | ",
          key.absent_means.is_null() ? "" : absl::StrCat("`", key.absent_means.dump(), "`"), " | ",
          key.meaning, " |\n");
    }
  }
  return page;
}

}  // namespace sdbench
