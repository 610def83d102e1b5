// Evaluations of a run: the record of one (training window, validation and
// test error), the paper's selection rule, and the code that measures them.
//
// The training loss and error of an evaluation are over the steps since the
// previous one (the "window"), accumulated on the device without a host read
// per step. With evaluations every K iterations a window spans epoch
// boundaries, and so checkpoints.
#ifndef SDBENCH_LIB_TRAINING_EVALUATION_H_
#define SDBENCH_LIB_TRAINING_EVALUATION_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/loader.h"
#include "lib/model/resnet.h"
#include "nlohmann/json.hpp"

namespace sdbench {

class Communicator;

// One evaluation of a run (every epoch, or every K iterations).
struct Evaluation {
  double epoch = 0;       // Fractional when evaluated within an epoch.
  int64_t iteration = 0;  // Training steps done so far.
  double lr = 0;
  double train_loss = 0;                   // Mean over the steps since the last evaluation.
  double train_error = 0;                  // Percent, over those steps' samples.
  std::optional<double> validation_error;  // Percent; none without a split.
  double test_error = 0;                   // Percent.
  // Evaluations every K iterations: the run's last steps, fewer than K,
  // evaluated at its end. Recorded, but a candidate for best validation only
  // when asked (the original evaluated every K iterations only).
  bool partial_window = false;

  nlohmann::json ToJson() const;  // results/SCHEMA.md, evaluations[].
  static Evaluation FromJson(const nlohmann::json& json);
};

// The index of the evaluation with the lowest validation error (the earliest
// on ties): the paper reports the test error there. Partial-window
// evaluations are candidates only with `partial_window_candidates`. Without
// validation the last evaluation is chosen. -1 for an empty history.
int BestValidationIndex(const std::vector<Evaluation>& history,
                        bool partial_window_candidates = false);

// The training loss and errors since the last evaluation, on the device.
class TrainingWindow {
 public:
  struct Totals {
    double loss_sum = 0;  // Sum over samples of the cross-entropy.
    int64_t errors = 0;
    int64_t samples = 0;
  };

  // Empty, or holding `start` (restored from a checkpoint).
  explicit TrainingWindow(const torch::Device& device);
  TrainingWindow(const torch::Device& device, const Totals& start);

  // Adds one step: its mean loss over `labels.size(0)` samples, its logits.
  void Add(const torch::Tensor& loss, const torch::Tensor& logits, const torch::Tensor& labels);

  // The totals (one host read), e.g. for a checkpoint.
  Totals Read() const;
  void Reset();

 private:
  torch::Tensor loss_sum_;  // double
  torch::Tensor errors_;    // int64
  int64_t samples_ = 0;
};

// Mean cross-entropy and error (percent) of `model` on the loader's data, in
// evaluation mode (Eq. 5 scaling), back in training mode afterwards. With a
// communicator every rank scores its slice of each batch and the sums are
// added over the ranks (the caller makes the ranks' models equal first).
struct EvalResult {
  double loss = 0;
  double error_percent = 0;
};
absl::StatusOr<EvalResult> EvaluateModel(ResNet& model, BatchSource& loader,
                                         const torch::Device& device, Communicator* communicator);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_EVALUATION_H_
