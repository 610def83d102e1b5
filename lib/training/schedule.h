// The learning-rate schedule by epoch (PAPER_SPEC 3).
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

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

enum class MilestoneRounding {
  kCeil,   // "ceil": the original code.
  kRound,  // "round": round(f * E), at least epoch 2.
};

absl::StatusOr<MilestoneRounding> ParseMilestoneRounding(absl::string_view name);
const char* MilestoneRoundingName(MilestoneRounding value);

// From the run's configuration (the paper's: PaperSettings().lr, in
// lib/training/run_settings.h); zero until set.
struct LrSchedule {
  int epochs = 0;
  double lr = 0;
  std::vector<double> milestones;  // Fractions of `epochs`.
  double decay = 0;
  int warmup_epochs = 0;
  double warmup_lr = 0;
  MilestoneRounding rounding{};

  // The epochs at whose start the rate drops.
  std::vector<int> MilestoneEpochs() const;
  double LearningRate(int epoch) const;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_SCHEDULE_H_
