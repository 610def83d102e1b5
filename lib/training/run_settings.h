// A run's settings in typed form, from a resolved config
// (lib/config/experiment_config.h), and the run's random seeds.
//
// The config layer checks keys, types and ranges; the option names inside
// values ("linear", "avg2x2", "ceil") are checked here, by the parsers of
// the libraries that own them, so an unknown name never picks a default.
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

struct RunSettings {
  ResNetOptions model;
  SgdOptions sgd;
  LrSchedule lr;
  DatasetOptions dataset;
  bool augment = true;
  int max_shift = 4;
  int64_t batch_size = 128;
  // Evaluation batch: 128, as training. Batches of 500 ran 5x slower here:
  // their 33 MB activations pass glibc's mmap ceiling and page-fault anew.
  int64_t eval_batch_size = 128;
  int64_t eval_every_iterations = 0;  // 0: evaluate after every epoch.
  // With eval_every_iterations: whether the evaluation of the run's final
  // partial window may be chosen as the best validation point ("candidate")
  // or is only recorded ("record", the original code's selection).
  bool partial_window_candidate = false;
  int64_t max_steps_per_epoch = 0;  // 0: the whole training split.
  std::string device = "cpu";
  int threads = 0;
  KernelOptions kernels;
  DataPlacement data_on_device = DataPlacement::kAuto;
};

// `config` has every section of DefaultConfig(); an error names an unknown
// option value.
absl::StatusOr<RunSettings> ParseRunSettings(const nlohmann::json& config);

// Which run this is: the result file's identity.
struct RunIdentity {
  std::string experiment;
  std::string arm;
  std::string profile;
  int seed = 1;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUN_SETTINGS_H_
