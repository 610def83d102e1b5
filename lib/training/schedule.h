// Learning-rate schedule by epoch (PAPER_SPEC 3) and the reported number's
// selection rule.
//
// Epochs are 1-based. A milestone at fraction f of E epochs switches the rate
// at the START of epoch ceil(f * E), as the original code's test
// `epoch >= f * E` implies: with E = 500 and milestones 0.5, 0.75 the rate is
// 0.1 for epochs 1-249, 0.01 for 250-374, 0.001 for 375-500. The rule
// "round" (sdbench's earlier default) takes round(f * E) but never before
// epoch 2; the two agree on every schedule of the paper.
// Warm-up (the 1202-layer net): warmup_lr for epochs 1..warmup_epochs.
#ifndef SDBENCH_LIB_TRAINING_SCHEDULE_H_
#define SDBENCH_LIB_TRAINING_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

enum class MilestoneRounding {
  kCeil,   // "ceil": the original code (default).
  kRound,  // "round": round(f * E), at least epoch 2.
};

absl::StatusOr<MilestoneRounding> ParseMilestoneRounding(absl::string_view name);
const char* MilestoneRoundingName(MilestoneRounding value);

struct LrSchedule {
  int epochs = 500;
  double lr = 0.1;
  std::vector<double> milestones = {0.5, 0.75};  // Fractions of `epochs`.
  double decay = 0.1;
  int warmup_epochs = 0;
  double warmup_lr = 0.01;
  MilestoneRounding rounding = MilestoneRounding::kCeil;

  // The epochs at whose start the rate drops.
  std::vector<int> MilestoneEpochs() const;
  double LearningRate(int epoch) const;
};

// One evaluation of a run (every epoch, or every K iterations).
struct Evaluation {
  double epoch = 0;        // Fractional when evaluated within an epoch.
  int64_t iteration = 0;   // Training steps done so far.
  double lr = 0;
  double train_loss = 0;   // Mean over the steps since the last evaluation.
  double train_error = 0;  // Percent, over those steps' samples.
  std::optional<double> validation_error;  // Percent; none without a split.
  double test_error = 0;   // Percent.
  // Evaluations every K iterations: the run's last steps, fewer than K,
  // evaluated at its end. Recorded, but a candidate for best validation only
  // when asked (the original evaluated every K iterations only).
  bool partial_window = false;
};

// The index of the evaluation with the lowest validation error (the earliest
// on ties): the paper reports the test error there. Partial-window
// evaluations are candidates only with `partial_window_candidates`. Without
// validation the last evaluation is chosen. -1 for an empty history.
int BestValidationIndex(const std::vector<Evaluation>& history,
                        bool partial_window_candidates = false);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_SCHEDULE_H_
