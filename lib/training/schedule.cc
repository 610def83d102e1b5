#include "lib/training/schedule.h"

#include <algorithm>
#include <cmath>

#include "lib/base/named_enum.h"

namespace sdbench {
namespace {

constexpr NamedValue<MilestoneRounding> kRoundingNames[] = {
    {"ceil", MilestoneRounding::kCeil},
    {"round", MilestoneRounding::kRound},
};

}  // namespace

absl::StatusOr<MilestoneRounding> ParseMilestoneRounding(absl::string_view name) {
  return ParseNamed("lr milestone rounding", name, kRoundingNames);
}

const char* MilestoneRoundingName(MilestoneRounding value) { return NameOf(value, kRoundingNames); }

std::vector<int> LrSchedule::MilestoneEpochs() const {
  std::vector<int> result;
  for (double fraction : milestones) {
    if (rounding == MilestoneRounding::kCeil) {
      // The original decays when epoch >= f * E; the tolerance keeps products
      // such as 0.7 * 10 = 7.000000000000001 at their exact value.
      result.push_back(static_cast<int>(std::ceil(fraction * epochs - 1e-9)));
    } else {
      // Epoch 1 always trains at the base rate, however short the schedule.
      result.push_back(std::max(2, static_cast<int>(std::lround(fraction * epochs))));
    }
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

}  // namespace sdbench
