#include "lib/training/run_settings.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/named_enum.h"
#include "lib/config/experiment_config.h"
#include "lib/random/splitmix.h"
#include "lib/training/runtime.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

// Assigns the option parsed from `name` to `*out`, or returns the error.
template <typename T, typename Parser>
absl::Status ParseOption(const Json& name, Parser parse, T* out) {
  absl::StatusOr<T> value = parse(name.get<std::string>());
  if (!value.ok()) return value.status();
  *out = *value;
  return absl::OkStatus();
}

absl::Status ParseModel(const Json& model, const Json& runtime, ResNetOptions* options) {
  options->depth = model["depth"];
  options->conv_bias = model["conv_bias"];
  options->p_last = model["p_last"];
  for (absl::Status status :
       {ParseOption(model["schedule"], ParseSurvivalSchedule, &options->schedule),
        ParseOption(model["shortcut"], ParseShortcutSubsampling, &options->shortcut),
        ParseOption(model["bn_gamma_init"], ParseBnGammaInit, &options->bn_gamma_init),
        ParseOption(model["test_scaling"], ParseTestScaling, &options->test_scaling),
        ParseOption(model["gate_mode"], ParseGateMode, &options->gate_mode),
        ParseOption(runtime["memory_format"], ParseMemoryFormat, &options->memory_format)}) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ParseOptimizer(const Json& optimizer, SgdOptions* options) {
  options->momentum = optimizer["momentum"];
  options->weight_decay = optimizer["weight_decay"];
  options->nesterov = optimizer["nesterov"];
  return ParseOption(optimizer["dropped_block_update"], ParseDroppedBlockUpdate,
                     &options->dropped_block_update);
}

absl::Status ParseSchedule(const Json& schedule, RunSettings* settings) {
  LrSchedule& lr = settings->lr;
  lr.epochs = schedule["epochs"];
  lr.lr = schedule["lr"];
  lr.milestones = schedule["lr_milestones"].get<std::vector<double>>();
  lr.decay = schedule["lr_decay"];
  lr.warmup_epochs = schedule["warmup_epochs"];
  lr.warmup_lr = schedule["warmup_lr"];
  settings->batch_size = schedule["batch_size"];
  settings->eval_batch_size = schedule["eval_batch_size"];
  settings->eval_every_iterations = schedule["eval_every_iterations"];
  settings->max_steps_per_epoch = schedule["max_steps_per_epoch"];
  const std::string partial = schedule["final_partial_window"];
  if (partial != "record" && partial != "candidate") {
    return absl::InvalidArgumentError(absl::StrCat("unknown final partial window rule '", partial,
                                                   "' (known: 'record', 'candidate')"));
  }
  settings->partial_window_candidate = partial == "candidate";
  return ParseOption(schedule["milestone_rounding"], ParseMilestoneRounding, &lr.rounding);
}

absl::Status ParseDataset(const Json& dataset, RunSettings* settings) {
  DatasetOptions& options = settings->dataset;
  options.name = dataset["name"];
  if (absl::StatusOr<const DatasetSpec*> spec = FindDataset(options.name); !spec.ok()) {
    return spec.status();
  }
  const std::string labels = dataset["cifar100_labels"];
  if (labels != "fine" && labels != "coarse") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown CIFAR-100 label kind '", labels, "' (known: fine, coarse)"));
  }
  options.cifar100_labels = labels == "fine" ? Cifar100Labels::kFine : Cifar100Labels::kCoarse;
  if (absl::Status s =
          ParseOption(dataset["cifar10_files"], ParseCifar10Files, &options.cifar10_files);
      !s.ok()) {
    return s;
  }
  options.validation = dataset["validation"];
  options.train_size = dataset["train_size"];
  options.svhn_validation_per_class_train = dataset["svhn_validation_per_class_train"];
  options.svhn_validation_per_class_extra = dataset["svhn_validation_per_class_extra"];
  options.train_subset = dataset["train_subset"];
  options.validation_subset = dataset["validation_subset"];
  options.test_subset = dataset["test_subset"];
  options.synthetic = dataset["synthetic"];
  options.synthetic_train_images = dataset["synthetic_train_images"];
  options.synthetic_test_images = dataset["synthetic_test_images"];
  settings->augment = dataset["augment"];
  settings->max_shift = dataset["max_shift"];
  return ParseOption(dataset["normalization"], ParseNormalizationMode, &options.normalization);
}

absl::Status ParseRuntime(const Json& runtime, const RankPlacement& placement,
                          RunSettings* settings) {
  settings->threads = runtime["threads"];
  KernelOptions& kernels = settings->kernels;
  kernels.tf32 = runtime["tf32"];
  kernels.cudnn_benchmark = runtime["cudnn_benchmark"];
  kernels.deterministic = runtime["deterministic"];
  for (absl::Status status :
       {ParseOption(runtime["precision"], ParsePrecision, &kernels.precision),
        ParseOption(runtime["data_on_device"], ParseDataPlacement, &settings->data_on_device)}) {
    if (!status.ok()) return status;
  }
  absl::StatusOr<c10::Device> device =
      ResolveDevice(runtime["device"].get<std::string>(), placement);
  if (!device.ok()) return device.status();
  settings->device = *device;
  if (kernels.precision == Precision::kBf16 && settings->device.is_cpu()) {
    return absl::InvalidArgumentError(
        "runtime.precision=bf16 is a GPU option (CUDA autocast): use --device=cuda, or fp32");
  }
  return absl::OkStatus();
}

constexpr NamedValue<DataPlacement> kPlacementNames[] = {
    {"auto", DataPlacement::kAuto},
    {"on", DataPlacement::kOn},
    {"off", DataPlacement::kOff},
};

}  // namespace

absl::StatusOr<DataPlacement> ParseDataPlacement(absl::string_view name) {
  return ParseNamed("runtime.data_on_device", name, kPlacementNames);
}

const char* DataPlacementName(DataPlacement value) { return NameOf(value, kPlacementNames); }

RunSeeds RunSeeds::Derive(uint64_t run_seed) {
  RunSeeds seeds;
  seeds.run = run_seed;
  seeds.data_split = run_seed;  // The paper's split shuffle uses the run seed.
  // Kept below 2^53 so JSON readers in any language hold them exactly.
  const uint64_t mask = (uint64_t{1} << 53) - 1;
  seeds.data_order = SplitMix64(run_seed * 4 + 1) & mask;
  seeds.init = SplitMix64(run_seed * 4 + 2) & mask;
  seeds.gates = SplitMix64(run_seed * 4 + 3) & mask;
  return seeds;
}

Json RunSeeds::ToJson() const {
  return {{"run", run},
          {"data_split", data_split},
          {"data_order", data_order},
          {"init", init},
          {"gates", gates}};
}

absl::StatusOr<RunSettings> ParseRunSettings(const Json& config, const RankPlacement& placement) {
  RunSettings settings;
  settings.config = config;
  for (absl::Status status :
       {ParseModel(config["model"], config["runtime"], &settings.model),
        ParseOptimizer(config["optimizer"], &settings.sgd),
        ParseSchedule(config["schedule"], &settings), ParseDataset(config["dataset"], &settings),
        ParseRuntime(config["runtime"], placement, &settings)}) {
    if (!status.ok()) return status;
  }
  return settings;
}

const RunSettings& PaperSettings() {
  static const RunSettings* paper = [] {
    absl::StatusOr<RunSettings> settings = ParseRunSettings(DefaultConfig());
    if (!settings.ok()) {  // The key table's defaults are tested to parse.
      std::fprintf(stderr, "sdbench: the default configuration does not parse: %s\n",
                   std::string(settings.status().message()).c_str());
      std::abort();
    }
    return new RunSettings(*std::move(settings));
  }();
  return *paper;
}

absl::Status CheckWorldSize(const RunSettings& settings, int world_size) {
  if (world_size > 1 && settings.model.gate_mode == GateMode::kRow) {
    return absl::InvalidArgumentError(
        "model.gate_mode=row needs one process: every rank would draw the same per-sample "
        "gates for different samples");
  }
  if (settings.batch_size % world_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat("schedule.batch_size ", settings.batch_size,
                                                   " is not divisible by the ", world_size,
                                                   " processes (the batch is the global batch)"));
  }
  return absl::OkStatus();
}

}  // namespace sdbench
