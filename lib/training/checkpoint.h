// Checkpoints of a run: the model (parameters and BN statistics), the
// momentum buffers, and everything else a resumed run needs to continue
// exactly where the interrupted one stopped (RunState), at an epoch's end or
// between two steps of an epoch. Data order and augmentation are pure
// functions of (seed, epoch, position), so they need no state of their own.
//
// A checkpoint is serialised in memory and written atomically (temporary
// file + rename): a run killed at any moment, or a disk that fills up,
// leaves the previous checkpoint intact.
#ifndef SDBENCH_LIB_TRAINING_CHECKPOINT_H_
#define SDBENCH_LIB_TRAINING_CHECKPOINT_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/model/resnet.h"
#include "lib/training/evaluation.h"
#include "lib/training/sgd.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// The epoch in progress when a run stopped between two steps (a preemption):
// its measurements so far, so the resumed run completes it exactly.
struct PartialEpoch {
  int64_t steps_done = 0;
  double train_seconds = 0;
  double eval_seconds = 0;
  int64_t images = 0;
  int64_t active_blocks = 0;
  std::vector<double> step_seconds;
  double first_conv_grad_sum = 0;
};

// What a checkpoint holds besides tensors.
struct RunState {
  int epochs_done = 0;
  int64_t iteration = 0;
  std::vector<Evaluation> evaluations;
  nlohmann::json epochs = nlohmann::json::array();  // results/SCHEMA.md epochs[].
  std::vector<double> step_seconds;
  std::string gate_state;  // GateSampler::SaveState().
  std::string start_time;
  TrainingWindow::Totals window;
  // Data parallel: every rank's window (each rank accumulates its own), so
  // each resumes with its own and the sums stay exact.
  std::vector<TrainingWindow::Totals> rank_windows;
  std::optional<PartialEpoch> partial_epoch;  // Set when stopped mid-epoch.
  // The lines of the run's metrics file so far (lib/training/metrics_log.h).
  // A checkpoint from before the file existed gets each evaluation's record.
  nlohmann::json metrics = nlohmann::json::array();
};

// Writes model, momentum and state (with the run's `config`, which a resume
// must match) to `path`. Errors name the path and the system's reason.
absl::Status SaveCheckpoint(const std::string& path, ResNet& model, NesterovSgd& sgd,
                            const RunState& state, const nlohmann::json& config);

// Restores what SaveCheckpoint wrote, with tensors mapped to `device`
// (a checkpoint saved on one device loads on another). An error when the
// file is unreadable or truncated, or when its config differs from `config`
// in a key that changes training (CheckResumable, lib/config/config_keys.h:
// a key added since, at what its absence meant, does not block; speed and
// placement keys may differ); the error names each such key.
absl::Status LoadCheckpoint(const std::string& path, ResNet& model, NesterovSgd& sgd,
                            RunState* state, const nlohmann::json& config,
                            const torch::Device& device);

// What a checkpoint holds besides tensors, as stored: "epochs_done",
// "iteration", "config", ... (for planning: runner --print_config). A
// DataLoss error when the file is unreadable.
absl::StatusOr<nlohmann::json> ReadCheckpointMeta(const std::string& path);

// The model of a checkpoint alone (parameters and BN statistics), for an
// evaluation: reads the config the checkpoint was made with, asks `accept`
// (whose error is returned as it is), then loads. Returns that config; a
// DataLoss error when the file is unreadable or truncated.
absl::StatusOr<nlohmann::json> LoadCheckpointModel(
    const std::string& path, ResNet& model, const torch::Device& device,
    const std::function<absl::Status(const nlohmann::json& config)>& accept);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_CHECKPOINT_H_
