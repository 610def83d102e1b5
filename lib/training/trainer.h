// Trains one run (an arm of an experiment with one seed) as the paper does
// (PAPER_SPEC 3) and returns its result JSON (results/SCHEMA.md).
//
// Every epoch ends with an atomic checkpoint holding the model (parameters
// and BN statistics), the momentum buffers, the epoch, the gate sampler's
// state and the metrics so far. Data order and augmentation are pure
// functions of (seed, epoch), so a resumed run continues exactly where the
// interrupted one was: same batches, same gates, same weights.
#ifndef SDBENCH_LIB_TRAINING_TRAINER_H_
#define SDBENCH_LIB_TRAINING_TRAINER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/model/resnet.h"
#include "lib/training/progress.h"
#include "lib/training/schedule.h"
#include "lib/training/sgd.h"
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

// A resolved config (lib/config/experiment_config.h) in typed form; option
// names are checked here by the libraries that own them.
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
  int64_t max_steps_per_epoch = 0;    // 0: the whole training split.
  std::string device = "cpu";
  int threads = 0;
};

absl::StatusOr<RunSettings> ParseRunSettings(const nlohmann::json& config);

struct RunIdentity {
  std::string experiment;
  std::string arm;
  std::string profile;
  int seed = 1;
};

class Communicator;

struct RunOptions {
  std::string checkpoint_path;  // Empty: no checkpoints.
  bool resume = false;          // Continue from checkpoint_path if present.
  // Data-parallel training (lib/distributed): null for one process. Every
  // rank calls TrainRun with the same config; the batch stays the global
  // batch, each rank takes its slice; gradients are averaged (blocks
  // dropped on every rank are not sent); BN statistics are per rank, as in
  // DDP; rank 0's model is evaluated (each rank scores a slice), saved and
  // reported. Only rank 0 writes checkpoints. An epoch's last, partial batch
  // may split unevenly over the ranks; their mean gradients are then still
  // weighted equally (DDP does the same).
  Communicator* communicator = nullptr;
  std::vector<std::string> command_line;
  ProgressLine* progress = nullptr;  // Optional.
};

absl::StatusOr<nlohmann::json> TrainRun(const nlohmann::json& config,
                                        const RunIdentity& identity,
                                        const DatasetFiles& files,
                                        const RunOptions& options);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_TRAINER_H_
