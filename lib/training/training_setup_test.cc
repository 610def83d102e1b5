#include "lib/training/training_setup.h"

#include <torch/torch.h>

#include "gtest/gtest.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

RunSettings Depth20() {
  RunSettings settings = PaperSettings();
  settings.model.depth = 20;
  settings.sgd.momentum = 0.5;  // Not the paper's: it must come from here.
  return settings;
}

TEST(TrainingSetupTest, TheSettingsModelAndOptimiserInTrainingMode) {
  absl::StatusOr<TrainingSetup> setup = MakeTrainingSetup(Depth20(), 100, 7, 8);
  ASSERT_TRUE(setup.ok()) << setup.status();
  ResNet& net = setup->model;
  EXPECT_TRUE(net->is_training());
  EXPECT_EQ(net->num_blocks(), 9);  // 3 stages of (20 - 2) / 6.
  // The classifier has the classes asked for.
  torch::Tensor logits = net->forward(torch::randn({2, 3, 32, 32}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 100}));
  // The optimiser holds every parameter of this model, with these settings.
  const std::vector<torch::Tensor> parameters = net->parameters();
  ASSERT_EQ(setup->sgd->parameters().size(), parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(setup->sgd->parameters()[i].is_same(parameters[i])) << i;
  }
  EXPECT_DOUBLE_EQ(setup->sgd->options().momentum, 0.5);
  EXPECT_FALSE(setup->sgd->options().foreach);  // The CPU's per-parameter loop.
  for (const torch::Tensor& p : parameters) EXPECT_TRUE(p.device().is_cpu());
}

TEST(TrainingSetupTest, TheSeedsDecideWeightsAndGates) {
  TrainingSetup a = *MakeTrainingSetup(Depth20(), 10, 1, 2);
  TrainingSetup b = *MakeTrainingSetup(Depth20(), 10, 1, 2);
  TrainingSetup other_init = *MakeTrainingSetup(Depth20(), 10, 3, 2);
  TrainingSetup other_gates = *MakeTrainingSetup(Depth20(), 10, 1, 4);
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
  EXPECT_FALSE(torch::equal(pa[0], other_init.model->parameters()[0]));
  EXPECT_EQ(a.model->gate_sampler().SaveState(), b.model->gate_sampler().SaveState());
  EXPECT_NE(a.model->gate_sampler().SaveState(), other_gates.model->gate_sampler().SaveState());
}

TEST(TrainingSetupTest, SettingsTheModelRefusesAreAnError) {
  RunSettings bad = Depth20();
  bad.model.depth = 21;
  absl::StatusOr<TrainingSetup> setup = MakeTrainingSetup(bad, 10, 1, 1);
  ASSERT_FALSE(setup.ok());
  EXPECT_NE(setup.status().message().find("21"), std::string::npos) << setup.status();
}

}  // namespace
}  // namespace sdbench
