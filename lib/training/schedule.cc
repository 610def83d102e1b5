#include "lib/training/schedule.h"

#include <algorithm>
#include <cmath>

namespace sdbench {

std::vector<int> LrSchedule::MilestoneEpochs() const {
  std::vector<int> result;
  for (double fraction : milestones) {
    // Epoch 1 always trains at the base rate, however short the schedule.
    result.push_back(std::max(2, static_cast<int>(std::lround(fraction * epochs))));
  }
  return result;
}

double LrSchedule::LearningRate(int epoch) const {
  if (epoch <= warmup_epochs) return warmup_lr;
  double rate = lr;
  for (int milestone : MilestoneEpochs()) {
    if (epoch >= milestone) rate *= decay;
  }
  return rate;
}

int BestValidationIndex(const std::vector<Evaluation>& history) {
  if (history.empty()) return -1;
  int best = -1;
  for (size_t i = 0; i < history.size(); ++i) {
    if (!history[i].validation_error.has_value()) continue;
    // Strictly lower: ties keep the earliest.
    if (best < 0 || *history[i].validation_error < *history[best].validation_error) {
      best = static_cast<int>(i);
    }
  }
  return best >= 0 ? best : static_cast<int>(history.size()) - 1;
}

}  // namespace sdbench
