#include "lib/training/model_file.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"
#include "lib/training/checkpoint.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

ResNet Net(uint64_t seed, int depth = 8, bool conv_bias = true) {
  ResNetOptions options = PaperSettings().model;
  options.depth = depth;
  options.conv_bias = conv_bias;
  options.init_seed = seed;
  ResNet net = *MakeResNet(options);
  // Non-trivial BN statistics, so that buffers are compared too.
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& b : net->named_buffers()) {
    if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
  }
  return net;
}

Normalization SomeNormalization() {
  Normalization n;
  for (int i = 0; i < 3072; ++i) {
    n.mean.push_back(100.0f + i % 50);
    n.scale.push_back(1.0f / 64);
  }
  return n;
}

Json SomeConfig(int depth) {
  return {{"model", {{"depth", depth}, {"gate_mode", "batch"}}},
          {"dataset", {{"name", "cifar10"}, {"augment", true}}}};
}

std::vector<torch::Tensor> AllTensors(ResNet& net) {
  std::vector<torch::Tensor> all = net->parameters();
  for (const auto& b : net->buffers()) all.push_back(b);
  return all;
}

void ExpectSameTensors(ResNet& a, ResNet& b) {
  std::vector<torch::Tensor> ta = AllTensors(a), tb = AllTensors(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); ++i) EXPECT_TRUE(torch::equal(ta[i], tb[i])) << i;
}

absl::Status AcceptAll(const ModelFile&) { return absl::OkStatus(); }

TEST(ModelFileTest, PeerNamesFollowBaselinesPeer) {
  EXPECT_EQ(PeerName("stem_conv.weight"), "conv.weight");
  EXPECT_EQ(PeerName("stem_bn.running_var"), "bn.running_var");
  EXPECT_EQ(PeerName("block1.conv1.weight"), "blocks.0.conv1.weight");
  EXPECT_EQ(PeerName("block18.bn2.num_batches_tracked"), "blocks.17.bn2.num_batches_tracked");
  EXPECT_EQ(PeerName("fc.bias"), "fc.bias");
}

TEST(ModelFileTest, WeightsRoundTripWithTheirRecord) {
  const std::string path = TestDir() + "/w.weights.pt";
  ResNet trained = Net(1);
  const Json run = {{"experiment", "e"}, {"arm", "stochastic"}, {"seed", 3}};
  ASSERT_TRUE(SaveWeights(path, trained, SomeNormalization(), SomeConfig(8), run).ok());
  ResNet fresh = Net(2);
  Json seen;
  absl::StatusOr<ModelFile> file = LoadModelFile(path, fresh, torch::kCPU, [&](const ModelFile& f) {
    seen = f.config;
    return absl::OkStatus();
  });
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->kind, "weights");
  EXPECT_EQ(file->run, run);
  EXPECT_EQ(seen, SomeConfig(8));
  ExpectSameTensors(fresh, trained);
}

TEST(ModelFileTest, WithoutConvBiasesTheFileHoldsZerosAndLoadsBack) {
  const std::string path = TestDir() + "/nobias.weights.pt";
  ResNet trained = Net(1, 8, /*conv_bias=*/false);
  ASSERT_TRUE(SaveWeights(path, trained, SomeNormalization(), SomeConfig(8), Json::object()).ok());
  c10::IValue saved = torch::pickle_load([&] {
    std::string bytes = *ReadFileToString(path);
    return std::vector<char>(bytes.begin(), bytes.end());
  }());
  c10::impl::GenericDict state = saved.toGenericDict().at("state_dict").toGenericDict();
  ASSERT_TRUE(state.contains("blocks.2.conv2.bias"));
  EXPECT_EQ(state.at("blocks.2.conv2.bias").toTensor().abs().sum().item<double>(), 0.0);
  EXPECT_EQ(state.at("conv.bias").toTensor().size(0), 16);
  ResNet fresh = Net(2, 8, false);
  ASSERT_TRUE(LoadModelFile(path, fresh, torch::kCPU, AcceptAll).ok());
  ExpectSameTensors(fresh, trained);
}

TEST(ModelFileTest, ACheckpointLoadsItsModel) {
  const std::string path = TestDir() + "/run.pt";
  ResNet trained = Net(1);
  NesterovSgd sgd(trained->parameters(), PaperSettings().sgd);
  RunState state;
  state.gate_state = trained->gate_sampler().SaveState();
  ASSERT_TRUE(SaveCheckpoint(path, trained, sgd, state, SomeConfig(8)).ok());
  ResNet fresh = Net(2);
  absl::StatusOr<ModelFile> file = LoadModelFile(path, fresh, torch::kCPU, AcceptAll);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->kind, "checkpoint");
  EXPECT_EQ(file->config, SomeConfig(8));
  EXPECT_TRUE(file->run.is_null());
  ExpectSameTensors(fresh, trained);

  // The caller's refusal comes back as it is, and nothing is loaded.
  ResNet untouched = Net(3), reference = Net(3);
  absl::StatusOr<ModelFile> refused =
      LoadModelFile(path, untouched, torch::kCPU,
                    [](const ModelFile&) { return absl::FailedPreconditionError("no thanks"); });
  EXPECT_EQ(refused.status().message(), "no thanks");
  ExpectSameTensors(untouched, reference);
}

TEST(ModelFileTest, BadFilesAreClearErrors) {
  const std::string weights = TestDir() + "/good.weights.pt";
  ResNet net = Net(1);
  ASSERT_TRUE(SaveWeights(weights, net, SomeNormalization(), SomeConfig(8), Json::object()).ok());
  const std::string bytes = *ReadFileToString(weights);

  const std::string truncated = TestDir() + "/truncated.weights.pt";
  ASSERT_TRUE(WriteFileAtomically(truncated, bytes.substr(0, bytes.size() / 2)).ok());
  ResNet fresh = Net(2);
  absl::StatusOr<ModelFile> file = LoadModelFile(truncated, fresh, torch::kCPU, AcceptAll);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find(truncated + ": neither an sdbench weights file"),
            std::string::npos)
      << file.status();

  const std::string text = TestDir() + "/notes.txt";
  ASSERT_TRUE(WriteFileAtomically(text, "hello").ok());
  EXPECT_FALSE(LoadModelFile(text, fresh, torch::kCPU, AcceptAll).ok());
  EXPECT_FALSE(LoadModelFile(TestDir() + "/missing.pt", fresh, torch::kCPU, AcceptAll).ok());

  // Another architecture, were the settings check skipped: named tensors.
  ResNet deeper = Net(2, 14);
  file = LoadModelFile(weights, deeper, torch::kCPU, AcceptAll);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find(
                "'blocks.1.conv1.weight' has shape [32, 16, 3, 3], the model's is [16, 16, 3, 3]"),
            std::string::npos)
      << file.status();
  ResNet biased = Net(2, 8, /*conv_bias=*/false);
  ASSERT_TRUE(
      SaveWeights(weights, biased, SomeNormalization(), SomeConfig(8), Json::object()).ok());
  ResNet deeper_file = Net(2, 14);
  const std::string deep = TestDir() + "/deep.weights.pt";
  ASSERT_TRUE(
      SaveWeights(deep, deeper_file, SomeNormalization(), SomeConfig(14), Json::object()).ok());
  ResNet eight = Net(3);
  file = LoadModelFile(deep, eight, torch::kCPU, AcceptAll);
  ASSERT_FALSE(file.ok());
  ResNetOptions hundred = PaperSettings().model;
  hundred.depth = 8;
  hundred.num_classes = 100;
  ResNet wider = *MakeResNet(hundred);
  file = LoadModelFile(weights, wider, torch::kCPU, AcceptAll);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("'fc.weight' has shape [10, 64]"), std::string::npos)
      << file.status();
}

TEST(ModelFileTest, OnlyModelAndDataSettingsMustAgree) {
  Json run = SomeConfig(8);
  Json other = run;
  other["model"]["gate_mode"] = "row";
  other["dataset"]["augment"] = false;
  other["schedule"] = {{"epochs", 3}};
  EXPECT_TRUE(CheckSameModelAndData("f.pt", other, run).ok());
  other["model"]["depth"] = 20;
  absl::Status s = CheckSameModelAndData("f.pt", other, run);
  EXPECT_EQ(s.message(),
            "f.pt: made with model.depth = 20, this run has 8 (only model and data settings must "
            "agree)");
  Json missing = run;
  missing["dataset"].erase("name");
  EXPECT_NE(CheckSameModelAndData("f.pt", missing, run).message().find("dataset.name = null"),
            std::string::npos);
}

}  // namespace
}  // namespace sdbench
