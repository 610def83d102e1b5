// Trains one run (an arm of an experiment with one seed) as the paper does
// (PAPER_SPEC 3) and returns its result JSON (results/SCHEMA.md).
//
// The run reads like the paper's loop: for every epoch, train on the
// epoch's mini-batches (evaluating every K iterations where the protocol
// says so), evaluate, checkpoint, report; at the end, summarise.
//
// Every epoch ends with an atomic checkpoint (lib/training/checkpoint.h).
// A stop request (lib/base/stop.h: SIGTERM before a time limit, say)
// ends the run after the step in progress with a checkpoint at that step,
// and Run() returns a kCancelled status naming the signal, the epoch and
// the step. Data order and augmentation are pure functions of (seed, epoch,
// position), so a resumed run continues exactly where the interrupted one
// was: same batches, same gates, same weights.
#ifndef SDBENCH_LIB_TRAINING_TRAINER_H_
#define SDBENCH_LIB_TRAINING_TRAINER_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/dataset.h"
#include "lib/data/loader.h"
#include "lib/model/resnet.h"
#include "lib/results/build_stamp.h"
#include "lib/training/checkpoint.h"
#include "lib/training/evaluation.h"
#include "lib/training/metrics_log.h"
#include "lib/training/progress.h"
#include "lib/training/run_result.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "lib/training/sgd.h"
#include "nlohmann/json.hpp"

namespace sdbench {

class Communicator;

struct RunOptions {
  std::string checkpoint_path;  // Empty: no checkpoints.
  // The metrics file (lib/training/metrics_log.h), written by rank 0; empty:
  // none.
  std::string metrics_path;
  bool resume = false;  // Continue from checkpoint_path if present.
  // Data-parallel training (lib/distributed): null for one process. Every
  // rank creates its Trainer with the same config; the batch stays the global
  // batch, each rank takes its slice; gradients are averaged (blocks
  // dropped on every rank are not sent); BN statistics are per rank, as in
  // DDP; rank 0's model is evaluated (each rank scores a slice), saved and
  // reported. Only rank 0 writes checkpoints. An epoch's last, partial batch
  // may split unevenly over the ranks; their mean gradients are then still
  // weighted equally (DDP does the same).
  Communicator* communicator = nullptr;
  // Data parallel: the ranks agree on a stop request every this many steps
  // (one small collective; none in between).
  int stop_check_every = 10;
  std::vector<std::string> command_line;
  // The commit the program was built from (lib/results/build_stamp.h), for
  // provenance.git; nullopt: the checkout's state at run time is recorded.
  std::optional<BuildStamp> built;
  ProgressReporter* progress = nullptr;  // Optional.
};

class Trainer {
 public:
  // `settings` were parsed for this process (ParseRunSettings: its device
  // resolved for its rank). Checks them against the run's circumstances,
  // builds the data, the model and the optimiser, and restores a checkpoint
  // when resuming.
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const RunSettings& settings,
                                                         const RunIdentity& identity,
                                                         const DatasetFiles& files,
                                                         const RunOptions& options);

  // Trains the remaining epochs and returns the result document.
  absl::StatusOr<nlohmann::json> Run();

  // Instead of training: loads the model of `path` (a checkpoint or a
  // weights file, lib/training/model_file.h) whose model and data settings
  // agree with this run's, evaluates it on the validation split and the
  // test set as the run's evaluations do (test-time rule, evaluation batch,
  // threads), and returns the evaluation document (docs/outputs.md).
  absl::StatusOr<nlohmann::json> EvaluateFile(const std::string& path);

  // Writes the model's weights for PyTorch (lib/training/model_file.h).
  absl::Status SaveWeights(const std::string& path);

 private:
  Trainer(const RunSettings& settings, const RunIdentity& identity, const RunOptions& options);
  absl::Status Build(const DatasetFiles& files);
  // The run's split, subsets, normalisation and loaders.
  absl::Status BuildData(const DatasetFiles& files);
  // A batch source over `view`: on the device or the CPU loader.
  std::unique_ptr<BatchSource> MakeSource(const ImageView& view,
                                          const LoaderOptions& options) const;
  // Continues from the checkpoint when resuming, else starts afresh.
  absl::Status RestoreOrStart();

  // One epoch's measurements while it runs.
  struct EpochLog {
    int epoch = 0;
    double lr = 0;
    int64_t first_step = 0;  // > 0 when resumed mid-epoch.
    double train_seconds = 0;
    double eval_seconds = 0;
    int64_t images = 0;
    int64_t active_blocks = 0;
    std::vector<double> step_seconds;
    torch::Tensor first_conv_grad_sum;  // Fig. 7, on the device (double).
    // Training and evaluation seconds of this epoch before this attempt (a
    // resumed partial epoch), and when this attempt started it.
    double seconds_before = 0;
    std::chrono::steady_clock::time_point attempt_start;
  };

  // The epoch's log, continuing a partial epoch of a resumed run.
  EpochLog StartEpochLog(int epoch);
  // Trains the epoch's remaining steps; true when a stop was agreed.
  absl::StatusOr<bool> TrainEpoch(EpochLog& log);
  // Whether to stop after this step (data parallel: agreed every
  // stop_check_every steps).
  absl::StatusOr<bool> StopAgreed();
  // Checkpoints mid-epoch and returns the kCancelled status.
  absl::Status Stop(const EpochLog& log);
  // One training step on `batch`; returns its loss (on the device).
  absl::StatusOr<torch::Tensor> Step(const Batch& batch, EpochLog& log);
  // Evaluates now (training window, validation, test) and records it.
  absl::Status Evaluate(double epoch, double lr, bool partial_window);
  // Evaluate, timed, and its line in the metrics file.
  absl::Status EvaluateTimed(double epoch, double lr, bool partial_window, EpochLog& log);
  void FinishEpoch(const EpochLog& log);
  absl::Status Checkpoint();
  void ReportStep(const EpochLog& log, int64_t step, const torch::Tensor& loss,
                  double epoch_elapsed);
  void ReportEpoch(const EpochLog& log) const;
  RunFacts Facts();
  nlohmann::json Result();

  const RunIdentity identity_;
  const RunOptions options_;
  const RunSettings settings_;
  const RunSeeds seeds_;
  const torch::Device device_;
  Communicator* const communicator_;
  const int world_size_;
  const int rank_;
  const std::string tag_;  // "[arm seed k]" for progress lines.

  int threads_ = 0;
  std::string allocator_;
  Dataset dataset_;
  nlohmann::json dataset_provenance_;  // "provenance.dataset".
  std::optional<ResNet> model_;
  std::unique_ptr<NesterovSgd> sgd_;
  bool data_on_device_ = false;  // Batches made on the device (DeviceBatches).
  std::unique_ptr<BatchSource> train_loader_;
  std::unique_ptr<BatchSource> validation_loader_;  // Null without a split.
  std::unique_ptr<BatchSource> test_loader_;
  int64_t steps_per_epoch_ = 0;

  RunState state_;
  std::unique_ptr<TrainingWindow> window_;
  std::unique_ptr<MetricsLog> metrics_log_;  // Rank 0, with a metrics path.
  bool resumed_ = false;
  double finished_epochs_seconds_ = 0;  // Training + evaluation, for the ETA.
  int64_t bytes_reduced_ = 0;
  int64_t steps_this_attempt_ = 0;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_TRAINER_H_
