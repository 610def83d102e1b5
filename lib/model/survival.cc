#include "lib/model/survival.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/base/named_enum.h"

namespace sdbench {
namespace {

constexpr NamedValue<SurvivalSchedule> kScheduleNames[] = {
    {"constant", SurvivalSchedule::kConstant},
    {"linear", SurvivalSchedule::kLinear},
    {"uniform", SurvivalSchedule::kUniform},
};

}  // namespace

absl::StatusOr<SurvivalSchedule> ParseSurvivalSchedule(absl::string_view name) {
  return ParseNamed("survival schedule", name, kScheduleNames);
}

const char* SurvivalScheduleName(SurvivalSchedule schedule) {
  return NameOf(schedule, kScheduleNames);
}

absl::StatusOr<std::vector<double>> SurvivalProbabilities(SurvivalSchedule schedule, int num_blocks,
                                                          double p_last) {
  if (num_blocks < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("number of blocks must be >= 1, got ", num_blocks));
  }
  // Written as a negated test so that NaN is rejected too.
  if (!(p_last > 0.0 && p_last <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("survival probability p_L must be in (0, 1], got ", p_last));
  }
  std::vector<double> survival(num_blocks, 1.0);
  for (int l = 1; l <= num_blocks; ++l) {
    switch (schedule) {
      case SurvivalSchedule::kConstant:
        break;
      case SurvivalSchedule::kLinear:  // Eq. 4.
        survival[l - 1] = 1.0 - static_cast<double>(l) / num_blocks * (1.0 - p_last);
        break;
      case SurvivalSchedule::kUniform:
        survival[l - 1] = p_last;
        break;
    }
  }
  return survival;
}

double ExpectedActiveBlocks(const std::vector<double>& survival) {
  double sum = 0.0;
  for (double p : survival) sum += p;
  return sum;
}

void GateSampler::DrawBatchGates(const std::vector<double>& survival, std::vector<uint8_t>* gates) {
  gates->resize(survival.size());
  for (size_t l = 0; l < survival.size(); ++l) {
    // A draw is consumed for every block, even when p_l = 1, so that the
    // gate stream does not depend on the schedule's shape.
    (*gates)[l] = NextUniform() < survival[l] ? 1 : 0;
  }
}

void GateSampler::DrawRowGates(const std::vector<double>& survival, int64_t batch,
                               std::vector<uint8_t>* gates) {
  gates->resize(static_cast<size_t>(batch) * survival.size());
  size_t i = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (double p : survival) (*gates)[i++] = NextUniform() < p ? 1 : 0;
  }
}

std::string GateSampler::SaveState() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

absl::Status GateSampler::RestoreState(absl::string_view state) {
  std::istringstream in{std::string(state)};
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) {
    return absl::InvalidArgumentError("malformed gate sampler state");
  }
  engine_ = engine;
  return absl::OkStatus();
}

}  // namespace sdbench
