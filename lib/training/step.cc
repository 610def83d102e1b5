#include "lib/training/step.h"

namespace sdbench {

StepOutput TrainStep(ResNet& model, NesterovSgd& sgd, const torch::Tensor& images,
                     const torch::Tensor& labels, double lr,
                     const std::function<void()>& after_backward) {
  sgd.ZeroGrad();  // Gradients to "none": nothing is zero-filled.
  torch::Tensor logits = model->forward(images);
  torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
  loss.backward();
  if (after_backward) after_backward();
  sgd.Step(lr);
  return {loss.detach(), logits.detach()};
}

}  // namespace sdbench
