// SGD with Nesterov momentum as the paper trains (PAPER_SPEC 3): momentum
// 0.9, dampening 0, weight decay 1e-4 on every parameter.
//
// A block dropped by stochastic depth takes no part in the step's graph, so
// its parameters end the backward pass with no gradient. The original Torch7
// code had a zero gradient there instead, so weight decay and momentum still
// moved those parameters; LibTorch's own SGD would skip them. Both are
// offered, the original by default.
//
// Per parameter, with g = grad (0 when absent) and mu = momentum:
//   d   = g + weight_decay * w
//   buf = mu * buf + d            (buf starts at 0)
//   w  -= lr * (d + mu * buf)     (Nesterov)
#ifndef SDBENCH_LIB_TRAINING_SGD_H_
#define SDBENCH_LIB_TRAINING_SGD_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

enum class DroppedBlockUpdate {
  kDecayAndMomentum,  // "decay_and_momentum": as the original code.
  kSkip,              // "skip": no update at all, as LibTorch's SGD does.
};

absl::StatusOr<DroppedBlockUpdate> ParseDroppedBlockUpdate(absl::string_view name);
const char* DroppedBlockUpdateName(DroppedBlockUpdate value);

struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 1e-4;
  bool nesterov = true;
  DroppedBlockUpdate dropped_block_update = DroppedBlockUpdate::kDecayAndMomentum;
  // One multi-tensor (foreach) operation per step of the update instead of
  // a handful per parameter: the same arithmetic, far fewer kernel launches
  // on a GPU (where the trainer turns it on).
  bool foreach = false;
};

class NesterovSgd {
 public:
  NesterovSgd(std::vector<torch::Tensor> parameters, SgdOptions options);

  // Clears every gradient (to "none": nothing is zero-filled).
  void ZeroGrad();

  // One update with learning rate `lr`.
  void Step(double lr);

  const SgdOptions& options() const { return options_; }
  const std::vector<torch::Tensor>& parameters() const { return parameters_; }

  // Momentum buffers, one per parameter (for checkpoints).
  std::vector<torch::Tensor>& momentum_buffers() { return buffers_; }

 private:
  void StepPerParameter(double lr);
  void StepForeach(double lr);

  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> buffers_;
  SgdOptions options_;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_SGD_H_
