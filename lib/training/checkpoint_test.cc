#include "lib/training/checkpoint.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

ResNet SmallNet(uint64_t init_seed) {
  ResNetOptions options;
  options.depth = 8;
  options.init_seed = init_seed;
  options.gate_seed = init_seed;
  return *MakeResNet(options);
}

// A model, optimiser and state after two training steps.
struct Trained {
  ResNet net = SmallNet(1);
  NesterovSgd sgd{net->parameters(), SgdOptions()};
  RunState state;
  Trained() {
    torch::manual_seed(0);
    torch::Tensor images = torch::randn({4, 3, 32, 32});
    torch::Tensor labels = torch::tensor({0, 1, 2, 3});
    for (int i = 0; i < 2; ++i) {
      sgd.ZeroGrad();
      torch::nn::functional::cross_entropy(net->forward(images), labels).backward();
      sgd.Step(0.1);
    }
    state.epochs_done = 2;
    state.iteration = 8;
    Evaluation e;
    e.epoch = 2;
    e.validation_error = 40;
    e.test_error = 41;
    state.evaluations = {e};
    state.epochs = Json::array({{{"epoch", 1}}, {{"epoch", 2}}});
    state.step_seconds = {0.5, 0.25};
    state.gate_state = net->gate_sampler().SaveState();
    state.start_time = "2026-11-27T00:00:00Z";
    state.window = {3.5, 2, 8};
  }
};

const Json kConfig = {{"model", {{"depth", 8}}}};

TEST(CheckpointTest, RoundTripRestoresEverything) {
  Trained trained;
  const std::string path = TestDir() + "/round_trip.pt";
  ASSERT_TRUE(SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig).ok());
  EXPECT_FALSE(FileExists(TemporaryPathFor(path)));

  ResNet net = SmallNet(2);  // Other weights to start with.
  NesterovSgd sgd(net->parameters(), SgdOptions());
  RunState state;
  absl::Status loaded = LoadCheckpoint(path, net, sgd, &state, kConfig, torch::kCPU);
  ASSERT_TRUE(loaded.ok()) << loaded;
  const auto params = net->parameters(), expected = trained.net->parameters();
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], expected[i]));
  const auto buffers = net->buffers(), expected_buffers = trained.net->buffers();
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_TRUE(torch::equal(buffers[i], expected_buffers[i]));
  }
  for (size_t i = 0; i < sgd.momentum_buffers().size(); ++i) {
    EXPECT_TRUE(torch::equal(sgd.momentum_buffers()[i], trained.sgd.momentum_buffers()[i]));
  }
  EXPECT_EQ(state.epochs_done, 2);
  EXPECT_EQ(state.iteration, 8);
  ASSERT_EQ(state.evaluations.size(), 1u);
  EXPECT_EQ(state.evaluations[0].ToJson(), trained.state.evaluations[0].ToJson());
  EXPECT_EQ(state.epochs, trained.state.epochs);
  EXPECT_EQ(state.step_seconds, trained.state.step_seconds);
  EXPECT_EQ(state.start_time, trained.state.start_time);
  EXPECT_EQ(state.window.loss_sum, 3.5);
  EXPECT_EQ(state.window.errors, 2);
  EXPECT_EQ(state.window.samples, 8);
  // The gate sampler continues where it stopped.
  EXPECT_EQ(net->gate_sampler().SaveState(), trained.net->gate_sampler().SaveState());
}

TEST(CheckpointTest, AnotherConfigIsRefused) {
  Trained trained;
  const std::string path = TestDir() + "/other_config.pt";
  ASSERT_TRUE(SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig).ok());
  ResNet net = SmallNet(1);
  NesterovSgd sgd(net->parameters(), SgdOptions());
  RunState state;
  absl::Status loaded =
      LoadCheckpoint(path, net, sgd, &state, {{"model", {{"depth", 20}}}}, torch::kCPU);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("different config"), std::string::npos) << loaded;
  EXPECT_NE(loaded.message().find(path), std::string::npos);
}

TEST(CheckpointTest, TruncatedOrMissingFilesAreClearErrors) {
  Trained trained;
  const std::string path = TestDir() + "/truncated.pt";
  ASSERT_TRUE(SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig).ok());
  const std::string bytes = *ReadFileToString(path);
  ASSERT_TRUE(WriteFileAtomically(path, bytes.substr(0, bytes.size() / 2)).ok());
  ResNet net = SmallNet(1);
  NesterovSgd sgd(net->parameters(), SgdOptions());
  RunState state;
  absl::Status loaded = LoadCheckpoint(path, net, sgd, &state, kConfig, torch::kCPU);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("unreadable checkpoint"), std::string::npos) << loaded;
  EXPECT_NE(loaded.message().find(path), std::string::npos);
  EXPECT_FALSE(
      LoadCheckpoint(TestDir() + "/absent.pt", net, sgd, &state, kConfig, torch::kCPU).ok());
}

TEST(CheckpointTest, AnUnwritablePathIsAnErrorNamingIt) {
  Trained trained;
  const std::string path = TestDir() + "/no_such_dir/c.pt";
  absl::Status saved = SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig);
  ASSERT_FALSE(saved.ok());
  EXPECT_NE(saved.message().find("no_such_dir"), std::string::npos) << saved;
}

}  // namespace
}  // namespace sdbench
