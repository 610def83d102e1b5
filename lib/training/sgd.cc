#include "lib/training/sgd.h"

#include <utility>

#include "lib/base/named_enum.h"

namespace sdbench {
namespace {

constexpr NamedValue<DroppedBlockUpdate> kDroppedUpdateNames[] = {
    {"decay_and_momentum", DroppedBlockUpdate::kDecayAndMomentum},
    {"skip", DroppedBlockUpdate::kSkip},
};

}  // namespace

absl::StatusOr<DroppedBlockUpdate> ParseDroppedBlockUpdate(absl::string_view name) {
  return ParseNamed("dropped block update", name, kDroppedUpdateNames);
}

const char* DroppedBlockUpdateName(DroppedBlockUpdate value) {
  return NameOf(value, kDroppedUpdateNames);
}

NesterovSgd::NesterovSgd(std::vector<torch::Tensor> parameters, SgdOptions options)
    : parameters_(std::move(parameters)), options_(options) {
  buffers_.reserve(parameters_.size());
  for (const torch::Tensor& p : parameters_) {
    buffers_.push_back(torch::zeros_like(p));
  }
}

void NesterovSgd::ZeroGrad() {
  for (torch::Tensor& p : parameters_) {
    if (p.grad().defined()) p.mutable_grad().reset();
  }
}

void NesterovSgd::Step(double lr) {
  torch::NoGradGuard no_grad;
  const double mu = options_.momentum;
  const double wd = options_.weight_decay;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& p = parameters_[i];
    torch::Tensor d;
    if (p.grad().defined()) {
      // The gradient is not needed after the step: update it in place.
      d = p.mutable_grad();
      if (wd != 0.0) d.add_(p, wd);
    } else if (options_.dropped_block_update == DroppedBlockUpdate::kDecayAndMomentum) {
      d = p.mul(wd);  // A zero gradient plus weight decay.
    } else {
      continue;
    }
    torch::Tensor& buf = buffers_[i];
    if (mu != 0.0) {
      buf.mul_(mu).add_(d);
      if (options_.nesterov) {
        d.add_(buf, mu);
      } else {
        d = buf;
      }
    }
    p.add_(d, -lr);
  }
}

}  // namespace sdbench
