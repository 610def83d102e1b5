#include "lib/training/sgd.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

// With every gradient present, the update must equal LibTorch's own SGD
// (Nesterov, momentum 0.9, dampening 0, weight decay 1e-4).
TEST(NesterovSgdTest, MatchesLibTorchSgdWhenAllGradientsExist) {
  torch::manual_seed(0);
  torch::Tensor w0 = torch::randn({5, 3}, torch::kDouble);
  torch::Tensor b0 = torch::randn({3}, torch::kDouble);
  torch::Tensor ours_w = w0.clone().requires_grad_();
  torch::Tensor ours_b = b0.clone().requires_grad_();
  torch::Tensor ref_w = w0.clone().requires_grad_();
  torch::Tensor ref_b = b0.clone().requires_grad_();
  NesterovSgd ours({ours_w, ours_b}, SgdOptions());
  torch::optim::SGD reference(
      {ref_w, ref_b}, torch::optim::SGDOptions(0.1)
                          .momentum(0.9)
                          .dampening(0)
                          .weight_decay(1e-4)
                          .nesterov(true));
  for (int step = 0; step < 5; ++step) {
    const double lr = step < 3 ? 0.1 : 0.01;
    for (auto& group : reference.param_groups()) {
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
    }
    torch::Tensor x = torch::randn({4, 5}, torch::kDouble);
    ours.ZeroGrad();
    reference.zero_grad();
    (torch::matmul(x, ours_w) + ours_b).pow(2).sum().backward();
    (torch::matmul(x, ref_w) + ref_b).pow(2).sum().backward();
    ours.Step(lr);
    reference.step();
    EXPECT_TRUE(torch::allclose(ours_w, ref_w, 1e-12, 1e-14)) << step;
    EXPECT_TRUE(torch::allclose(ours_b, ref_b, 1e-12, 1e-14)) << step;
  }
}

TEST(NesterovSgdTest, HandComputedFirstTwoSteps) {
  torch::Tensor w = torch::tensor({2.0}, torch::kDouble).requires_grad_();
  NesterovSgd sgd({w}, SgdOptions());
  // Step 1: g = 3 (loss 3w): d = 3 + 2e-4, buf = d, w -= 0.1 * (d + 0.9 d).
  (3 * w).sum().backward();
  sgd.Step(0.1);
  const double d1 = 3 + 1e-4 * 2.0;
  const double w1 = 2.0 - 0.1 * (d1 + 0.9 * d1);
  EXPECT_NEAR(w.item<double>(), w1, 1e-12);
  // Step 2, no gradient (a dropped block): d = wd * w1.
  sgd.ZeroGrad();
  sgd.Step(0.1);
  const double d2 = 1e-4 * w1;
  const double buf2 = 0.9 * d1 + d2;
  EXPECT_NEAR(w.item<double>(), w1 - 0.1 * (d2 + 0.9 * buf2), 1e-12);
  EXPECT_NEAR(sgd.momentum_buffers()[0].item<double>(), buf2, 1e-12);
}

TEST(NesterovSgdTest, SkipModeLeavesParametersWithoutGradientAlone) {
  torch::Tensor w = torch::tensor({2.0}, torch::kDouble).requires_grad_();
  SgdOptions options;
  options.dropped_block_update = DroppedBlockUpdate::kSkip;
  NesterovSgd sgd({w}, options);
  (3 * w).sum().backward();
  sgd.Step(0.1);
  const double after_first = w.item<double>();
  const double buffer = sgd.momentum_buffers()[0].item<double>();
  sgd.ZeroGrad();
  sgd.Step(0.1);
  EXPECT_EQ(w.item<double>(), after_first);
  EXPECT_EQ(sgd.momentum_buffers()[0].item<double>(), buffer);
}

TEST(NesterovSgdTest, ZeroGradClearsGradients) {
  torch::Tensor w = torch::ones({2}).requires_grad_();
  NesterovSgd sgd({w}, SgdOptions());
  w.sum().backward();
  ASSERT_TRUE(w.grad().defined());
  sgd.ZeroGrad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(NesterovSgdTest, ParsesModeNames) {
  EXPECT_EQ(*ParseDroppedBlockUpdate("decay_and_momentum"),
            DroppedBlockUpdate::kDecayAndMomentum);
  EXPECT_EQ(*ParseDroppedBlockUpdate("skip"), DroppedBlockUpdate::kSkip);
  EXPECT_FALSE(ParseDroppedBlockUpdate("none").ok());
}

}  // namespace
}  // namespace sdbench
