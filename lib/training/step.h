// One training step of the ResNet: clear gradients, forward, cross-entropy,
// backward, SGD update. The trainer, the speed benchmark and the numerics
// test all run exactly this.
#ifndef SDBENCH_LIB_TRAINING_STEP_H_
#define SDBENCH_LIB_TRAINING_STEP_H_

#include <torch/torch.h>

#include <functional>

#include "lib/model/resnet.h"
#include "lib/training/sgd.h"

namespace sdbench {

struct StepOutput {
  torch::Tensor loss;    // Scalar, detached.
  torch::Tensor logits;  // [batch, classes], detached.
};

// `after_backward` (optional) sees the gradients before the update.
StepOutput TrainStep(ResNet& model, NesterovSgd& sgd, const torch::Tensor& images,
                     const torch::Tensor& labels, double lr,
                     const std::function<void()>& after_backward = nullptr);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_STEP_H_
