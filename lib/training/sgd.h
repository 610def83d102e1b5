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
#include "lib/training/sgd_options.h"

namespace sdbench {

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
