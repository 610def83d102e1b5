// The model and optimiser of a training run, set up on its device: the one
// place the trainer, the speed benchmark's workers and the step benchmark
// build what they train, so what a benchmark times is what a run trains.
#ifndef SDBENCH_LIB_TRAINING_TRAINING_SETUP_H_
#define SDBENCH_LIB_TRAINING_TRAINING_SETUP_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "lib/model/resnet.h"
#include "lib/training/run_settings.h"
#include "lib/training/sgd.h"

namespace sdbench {

struct TrainingSetup {
  ResNet model;
  std::unique_ptr<NesterovSgd> sgd;
};

// Applies settings.kernels for settings.device (process-wide; autocast for
// the calling thread), builds settings.model with `num_classes` and the
// seeds of its weights and gates, moves it to the device in training mode,
// and makes the SGD of settings.sgd over its parameters (one multi-tensor
// update per step on a GPU: the same arithmetic, fewer launches). Threads
// and the allocator are the caller's (ConfigureThreads, RetainFreedMemory).
absl::StatusOr<TrainingSetup> MakeTrainingSetup(const RunSettings& settings, int num_classes,
                                                uint64_t init_seed, uint64_t gate_seed);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_TRAINING_SETUP_H_
