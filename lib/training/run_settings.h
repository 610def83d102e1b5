// A run's settings in typed form, from a resolved config
// (lib/config/experiment_config.h), and the run's random seeds.
//
// The config layer (lib/config) checks keys, types, ranges and option names
// from its key table; this file turns a checked configuration into the
// libraries' option structs, through their own name parsers.
#ifndef SDBENCH_LIB_TRAINING_RUN_SETTINGS_H_
#define SDBENCH_LIB_TRAINING_RUN_SETTINGS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/model/resnet_options.h"
#include "lib/training/runtime.h"
#include "lib/training/schedule.h"
#include "lib/training/sgd_options.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// Every source of randomness of a run, derived from the run seed. The gate
// seed is separate so constant and stochastic arms see the same data.
struct RunSeeds {
  uint64_t run = 0;
  uint64_t data_split = 0;
  uint64_t data_order = 0;  // Epoch order and augmentation.
  uint64_t init = 0;
  uint64_t gates = 0;
  static RunSeeds Derive(uint64_t run_seed);
  nlohmann::json ToJson() const;
};

// Where the training images are augmented: on the training device, from a
// uint8 copy of the training set kept there ("on"), or on the CPU by the
// prefetching loader ("off"); "auto" is on for CUDA, off for the CPU. Both
// give the same images (lib/data/device_batches.h).
enum class DataPlacement { kAuto, kOn, kOff };
absl::StatusOr<DataPlacement> ParseDataPlacement(absl::string_view name);
const char* DataPlacementName(DataPlacement value);

// A run's settings, typed: made once from its resolved configuration
// (ParseRunSettings) when the run is planned, then used as they are.
struct RunSettings {
  // The resolved configuration they come from: echoed in the result, stored
  // in checkpoints.
  nlohmann::json config;
  ResNetOptions model;
  SgdOptions sgd;
  LrSchedule lr;
  DatasetOptions dataset;
  bool augment = false;
  int max_shift = 0;
  int64_t batch_size = 0;
  // Evaluation batch: 128, as training. Batches of 500 ran 5x slower here:
  // their 33 MB activations pass glibc's mmap ceiling and page-fault anew.
  int64_t eval_batch_size = 0;
  int64_t eval_every_iterations = 0;  // 0: evaluate after every epoch.
  // With eval_every_iterations: whether the evaluation of the run's final
  // partial window may be chosen as the best validation point ("candidate")
  // or is only recorded ("record", the original code's selection).
  bool partial_window_candidate = false;
  int64_t max_steps_per_epoch = 0;  // 0: the whole training split.
  // runtime.device resolved for this process (ResolveDevice: in a job of
  // several ranks, plain "cuda" is the rank's own GPU).
  c10::Device device = c10::Device(c10::kCPU);
  int threads = 0;
  KernelOptions kernels;
  DataPlacement data_on_device = DataPlacement::kAuto;
};

// The typed settings of a resolved, validated `config` (every key of the
// table; experiment_config.h), with the device resolved for `placement`; an
// error for a combination no single key rules out (bf16 on the CPU) or a
// device this process cannot use.
absl::StatusOr<RunSettings> ParseRunSettings(const nlohmann::json& config,
                                             const RankPlacement& placement = {});

// The paper's settings: every key at its default (DefaultConfig()). What
// benchmarks and tests start from instead of writing a default again.
const RunSettings& PaperSettings();

// What the settings cannot do with `world_size` processes: row gates, a
// batch that does not divide.
absl::Status CheckWorldSize(const RunSettings& settings, int world_size);

// Which run this is: the result file's identity.
struct RunIdentity {
  std::string experiment;
  std::string arm;
  std::string profile;
  int seed = 1;
  // The experiment's arm every other arm is compared with (its
  // "reference_arm"); empty: not recorded.
  std::string reference_arm;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUN_SETTINGS_H_
