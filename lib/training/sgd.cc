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
  if (options_.foreach) {
    StepForeach(lr);
  } else {
    StepPerParameter(lr);
  }
}

void NesterovSgd::StepForeach(double lr) {
  const double mu = options_.momentum;
  const double wd = options_.weight_decay;
  // The update directions d of the parameters that take part, and theirs.
  std::vector<torch::Tensor> params, directions, buffers, dropped, dropped_buffers;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& p = parameters_[i];
    if (p.grad().defined()) {
      params.push_back(p);
      directions.push_back(p.mutable_grad());  // Not needed after the step.
      buffers.push_back(buffers_[i]);
    } else if (options_.dropped_block_update == DroppedBlockUpdate::kDecayAndMomentum) {
      dropped.push_back(p);
      dropped_buffers.push_back(buffers_[i]);
    }
  }
  if (wd != 0.0 && !params.empty()) at::_foreach_add_(directions, params, wd);
  if (!dropped.empty()) {
    // A zero gradient plus weight decay.
    std::vector<torch::Tensor> decay = at::_foreach_mul(dropped, wd);
    params.insert(params.end(), dropped.begin(), dropped.end());
    directions.insert(directions.end(), decay.begin(), decay.end());
    buffers.insert(buffers.end(), dropped_buffers.begin(), dropped_buffers.end());
  }
  if (params.empty()) return;
  if (mu != 0.0) {
    at::_foreach_mul_(buffers, mu);
    at::_foreach_add_(buffers, directions);
    if (options_.nesterov) {
      at::_foreach_add_(directions, buffers, mu);
    } else {
      directions = buffers;
    }
  }
  at::_foreach_add_(params, directions, -lr);
}

void NesterovSgd::StepPerParameter(double lr) {
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
