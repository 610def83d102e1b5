// The SGD update's options, without LibTorch (see resnet_options.h).
#ifndef SDBENCH_LIB_TRAINING_SGD_OPTIONS_H_
#define SDBENCH_LIB_TRAINING_SGD_OPTIONS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

enum class DroppedBlockUpdate {
  kDecayAndMomentum,  // "decay_and_momentum": as the original code.
  kSkip,              // "skip": no update at all, as LibTorch's SGD does.
};

absl::StatusOr<DroppedBlockUpdate> ParseDroppedBlockUpdate(absl::string_view name);
const char* DroppedBlockUpdateName(DroppedBlockUpdate value);

// From the run's configuration (the paper's: PaperSettings().sgd, in
// lib/training/run_settings.h); zero until set.
struct SgdOptions {
  double momentum = 0;
  double weight_decay = 0;
  bool nesterov = false;
  DroppedBlockUpdate dropped_block_update{};
  // One multi-tensor (foreach) operation per step of the update instead of
  // a handful per parameter: the same arithmetic, far fewer kernel launches
  // on a GPU (where the trainer turns it on).
  bool foreach = false;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_SGD_OPTIONS_H_
