#include "lib/training/sgd.h"

#include <torch/torch.h>

#include "gtest/gtest.h"
#include "lib/model/resnet.h"
#include "lib/training/run_settings.h"

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
  NesterovSgd ours({ours_w, ours_b}, PaperSettings().sgd);
  torch::optim::SGD reference(
      {ref_w, ref_b},
      torch::optim::SGDOptions(0.1).momentum(0.9).dampening(0).weight_decay(1e-4).nesterov(true));
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
  NesterovSgd sgd({w}, PaperSettings().sgd);
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
  SgdOptions options = PaperSettings().sgd;
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
  NesterovSgd sgd({w}, PaperSettings().sgd);
  w.sum().backward();
  ASSERT_TRUE(w.grad().defined());
  sgd.ZeroGrad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(NesterovSgdTest, ParsesModeNames) {
  EXPECT_EQ(*ParseDroppedBlockUpdate("decay_and_momentum"), DroppedBlockUpdate::kDecayAndMomentum);
  EXPECT_EQ(*ParseDroppedBlockUpdate("skip"), DroppedBlockUpdate::kSkip);
  EXPECT_FALSE(ParseDroppedBlockUpdate("none").ok());
}

// Without Nesterov: plain momentum, w -= lr * buf, again equal to LibTorch's.
TEST(NesterovSgdTest, NesterovOffIsPlainMomentum) {
  torch::manual_seed(1);
  torch::Tensor w0 = torch::randn({4, 2}, torch::kDouble);
  torch::Tensor ours_w = w0.clone().requires_grad_();
  torch::Tensor ref_w = w0.clone().requires_grad_();
  SgdOptions options = PaperSettings().sgd;
  options.nesterov = false;
  NesterovSgd ours({ours_w}, options);
  torch::optim::SGD reference(
      {ref_w},
      torch::optim::SGDOptions(0.1).momentum(0.9).dampening(0).weight_decay(1e-4).nesterov(false));
  torch::Tensor hand = w0.clone(), buf = torch::zeros_like(w0);
  for (int step = 0; step < 4; ++step) {
    const torch::Tensor target = torch::randn({4, 2}, torch::kDouble);
    ours.ZeroGrad();
    reference.zero_grad();
    (ours_w - target).pow(2).sum().backward();
    (ref_w - target).pow(2).sum().backward();
    ours.Step(0.1);
    reference.step();
    // By hand: d = g + wd w; buf = mu buf + d; w -= lr buf.
    const torch::Tensor d = 2 * (hand - target) + 1e-4 * hand;
    buf = 0.9 * buf + d;
    hand = hand - 0.1 * buf;
  }
  EXPECT_TRUE(torch::allclose(ours_w, ref_w, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(ours_w.detach(), hand, 1e-12, 1e-12));
}

// The foreach update is the per-parameter update, bit for bit on the CPU,
// dropped blocks (no gradient) included, in every mode.
TEST(NesterovSgdTest, ForeachUpdateEqualsThePerParameterOne) {
  for (bool nesterov : {true, false}) {
    for (DroppedBlockUpdate dropped :
         {DroppedBlockUpdate::kDecayAndMomentum, DroppedBlockUpdate::kSkip}) {
      torch::manual_seed(7);
      std::vector<torch::Tensor> a, b;
      for (int i = 0; i < 5; ++i) {
        torch::Tensor w = torch::randn({3, 4});
        a.push_back(w.clone().requires_grad_());
        b.push_back(w.clone().requires_grad_());
      }
      SgdOptions options = PaperSettings().sgd;
      options.nesterov = nesterov;
      options.dropped_block_update = dropped;
      NesterovSgd per_parameter(a, options);
      options.foreach = true;
      NesterovSgd foreach (b, options);
      for (int step = 0; step < 4; ++step) {
        per_parameter.ZeroGrad();
        foreach
          .ZeroGrad();
        for (int i = 0; i < 5; ++i) {
          if ((i + step) % 3 == 0) continue;  // Parameter i "dropped" this step.
          const torch::Tensor g = torch::randn({3, 4});
          a[i].mutable_grad() = g.clone();
          b[i].mutable_grad() = g.clone();
        }
        per_parameter.Step(0.1);
        foreach
          .Step(0.1);
        for (int i = 0; i < 5; ++i) {
          EXPECT_TRUE(torch::equal(a[i], b[i])) << nesterov << " " << step << " " << i;
          EXPECT_TRUE(
              torch::equal(per_parameter.momentum_buffers()[i], foreach.momentum_buffers()[i]));
        }
      }
    }
  }
}

// One step with every block kept (so momentum is non-zero), then one with
// block 2 dropped; returns block 2's parameters and buffers around step 2.
struct DroppedStep {
  std::vector<torch::Tensor> before, after, buffer_before, buffer_after;
};

DroppedStep RunDroppedStep(DroppedBlockUpdate mode) {
  ResNetOptions options = PaperSettings().model;
  options.depth = 8;
  ResNet net = *MakeResNet(options);
  SgdOptions sgd_options = PaperSettings().sgd;
  sgd_options.dropped_block_update = mode;
  NesterovSgd sgd(net->parameters(), sgd_options);
  torch::Tensor images = torch::randn({4, 3, 32, 32});
  torch::Tensor labels = torch::tensor({0, 1, 2, 3});
  auto step = [&](std::vector<uint8_t> gates) {
    net->ForceGates(gates);
    sgd.ZeroGrad();
    torch::nn::functional::cross_entropy(net->forward(images), labels).backward();
    sgd.Step(0.1);
  };
  step({1, 1, 1});
  std::vector<size_t> index;
  for (const auto& p : net->BlockParameters(1)) {
    for (size_t i = 0; i < sgd.parameters().size(); ++i) {
      if (sgd.parameters()[i].is_same(p)) index.push_back(i);
    }
  }
  DroppedStep result;
  for (size_t i : index) {
    result.before.push_back(sgd.parameters()[i].clone());
    result.buffer_before.push_back(sgd.momentum_buffers()[i].clone());
  }
  step({1, 0, 1});
  for (size_t i : index) {
    EXPECT_FALSE(sgd.parameters()[i].grad().defined());
    result.after.push_back(sgd.parameters()[i].clone());
    result.buffer_after.push_back(sgd.momentum_buffers()[i].clone());
  }
  return result;
}

TEST(NesterovSgdTest, DroppedBlockStillDecaysAndMovesWithMomentumByDefault) {
  DroppedStep s = RunDroppedStep(DroppedBlockUpdate::kDecayAndMomentum);
  ASSERT_EQ(s.before.size(), 8u);  // conv1 w,b; bn1 w,b; conv2 w,b; bn2 w,b.
  for (size_t i = 0; i < s.before.size(); ++i) {
    // Zero gradient: d = wd*w, buf' = mu*buf + d, w' = w - lr*(d + mu*buf').
    torch::Tensor d = 1e-4 * s.before[i];
    torch::Tensor buf = 0.9 * s.buffer_before[i] + d;
    torch::Tensor expected = s.before[i] - 0.1 * (d + 0.9 * buf);
    EXPECT_TRUE(torch::allclose(s.buffer_after[i], buf, 1e-6, 1e-9));
    EXPECT_TRUE(torch::allclose(s.after[i], expected, 1e-6, 1e-9));
    EXPECT_FALSE(torch::equal(s.after[i], s.before[i]) &&
                 s.buffer_before[i].abs().max().item<double>() > 0);
  }
}

TEST(NesterovSgdTest, DroppedBlockIsNotUpdatedInSkipMode) {
  DroppedStep s = RunDroppedStep(DroppedBlockUpdate::kSkip);
  for (size_t i = 0; i < s.before.size(); ++i) {
    EXPECT_TRUE(torch::equal(s.after[i], s.before[i]));
    EXPECT_TRUE(torch::equal(s.buffer_after[i], s.buffer_before[i]));
  }
}

}  // namespace
}  // namespace sdbench
