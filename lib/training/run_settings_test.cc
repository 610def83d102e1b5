#include "lib/training/run_settings.h"

#include <torch/cuda.h>

#include <set>

#include "gtest/gtest.h"
#include "lib/config/config_keys.h"
#include "lib/config/experiment_config.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

// Every option name the key table allows (config_keys.cc) is one the typed
// settings parse: a name added to the table without its parser (a new
// survival schedule, say) fails here, not in a user's run.
TEST(ParseRunSettingsTest, EveryNameTheKeyTableAllowsParses) {
  int checked = 0;
  for (const ConfigKey& key : ConfigKeys()) {
    for (const std::string& name : key.names) {
      Json config = DefaultConfig();
      config[key.section][key.name] = name;
      absl::StatusOr<RunSettings> s = ParseRunSettings(config);
      ++checked;
      // bf16 is known, but refused on the CPU (it is CUDA autocast).
      if (!s.ok() && key.name == "precision" && name == "bf16") {
        EXPECT_NE(s.status().message().find("is a GPU option"), std::string::npos) << s.status();
        continue;
      }
      EXPECT_TRUE(s.ok()) << key.section << "." << key.name << " = " << name << ": " << s.status();
    }
  }
  EXPECT_GE(checked, 30);
}

TEST(ParseRunSettingsTest, DefaultsAreThePapers) {
  absl::StatusOr<RunSettings> s = ParseRunSettings(DefaultConfig());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->model.depth, 110);
  EXPECT_EQ(s->model.schedule, SurvivalSchedule::kLinear);
  EXPECT_DOUBLE_EQ(s->model.p_last, 0.5);
  EXPECT_EQ(s->model.shortcut, ShortcutSubsampling::kStride);
  EXPECT_EQ(s->model.bn_gamma_init, BnGammaInit::kUniform01);
  EXPECT_TRUE(s->model.conv_bias);
  EXPECT_EQ(s->model.test_scaling, TestScaling::kPaper);
  EXPECT_EQ(s->model.gate_mode, GateMode::kBatch);
  EXPECT_EQ(s->model.memory_format, MemoryFormat::kChannelsLast);
  EXPECT_DOUBLE_EQ(s->sgd.momentum, 0.9);
  EXPECT_DOUBLE_EQ(s->sgd.weight_decay, 1e-4);
  EXPECT_TRUE(s->sgd.nesterov);
  EXPECT_EQ(s->sgd.dropped_block_update, DroppedBlockUpdate::kDecayAndMomentum);
  EXPECT_EQ(s->lr.epochs, 500);
  EXPECT_EQ(s->lr.MilestoneEpochs(), (std::vector<int>{250, 375}));
  EXPECT_EQ(s->lr.rounding, MilestoneRounding::kCeil);
  EXPECT_EQ(s->batch_size, 128);
  EXPECT_EQ(s->eval_every_iterations, 0);
  EXPECT_FALSE(s->partial_window_candidate);
  EXPECT_EQ(s->dataset.name, "cifar10");
  EXPECT_EQ(s->dataset.train_size, 45000);
  EXPECT_EQ(s->dataset.normalization, NormalizationMode::kMeanImageRawStd);
  EXPECT_TRUE(s->augment);
  EXPECT_EQ(s->max_shift, 4);
  EXPECT_TRUE(s->device.is_cpu());
  EXPECT_EQ(s->config, DefaultConfig());  // Kept for results and checkpoints.
  EXPECT_EQ(s->threads, 0);
  EXPECT_EQ(s->kernels.precision, Precision::kFp32);
  EXPECT_TRUE(s->kernels.tf32);
  EXPECT_TRUE(s->kernels.cudnn_benchmark);
  EXPECT_FALSE(s->kernels.deterministic);
  EXPECT_EQ(s->data_on_device, DataPlacement::kAuto);
}

TEST(ParseRunSettingsTest, KernelOptionsAreReadCheckedAndRecorded) {
  Json c = DefaultConfig();
  c["runtime"]["tf32"] = false;
  c["runtime"]["deterministic"] = true;
  c["runtime"]["data_on_device"] = "on";
  absl::StatusOr<RunSettings> s = ParseRunSettings(c);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->kernels.tf32);
  EXPECT_EQ(s->data_on_device, DataPlacement::kOn);
  const Json recorded = KernelOptionsJson(s->kernels);
  EXPECT_EQ(recorded["precision"], "fp32");
  EXPECT_EQ(recorded["tf32_convolutions"], false);
  EXPECT_EQ(recorded["deterministic"], true);
  EXPECT_EQ(recorded["cudnn_benchmark"], false);  // Deterministic mode turns it off.
  // bf16 is autocast on CUDA: an error on the CPU, before any work.
  c["runtime"]["precision"] = "bf16";
  absl::StatusOr<RunSettings> bf16 = ParseRunSettings(c);
  ASSERT_FALSE(bf16.ok());
  EXPECT_NE(bf16.status().message().find("bf16 is a GPU option"), std::string::npos);
  c["runtime"]["precision"] = "fp16";
  EXPECT_NE(ParseRunSettings(c).status().message().find("unknown precision 'fp16'"),
            std::string::npos);
  c["runtime"]["precision"] = "fp32";
  c["runtime"]["data_on_device"] = "gpu";
  EXPECT_NE(ParseRunSettings(c).status().message().find("'gpu'"), std::string::npos);
}

// The rule of a rank's GPU, every case, through its seam (V and L given).
TEST(GpuOfRankTest, OneVisibleGpuIsUsedAllOfTheNodesGoByLocalRank) {
  for (int local_rank = 0; local_rank < 4; ++local_rank) {
    // V = 1 (srun --gpus-per-task=1): each task's own GPU is its cuda:0.
    EXPECT_EQ(*GpuOfRank(local_rank, 4, 1), 0);
    // V >= L (torchrun, or srun with every GPU visible): cuda:LOCAL_RANK.
    EXPECT_EQ(*GpuOfRank(local_rank, 4, 4), local_rank);
    EXPECT_EQ(*GpuOfRank(local_rank, 4, 8), local_rank);
    // L unknown: at least LOCAL_RANK + 1 ranks.
    EXPECT_EQ(*GpuOfRank(local_rank, 0, 4), local_rank);
  }
  EXPECT_EQ(*GpuOfRank(0, 1, 1), 0);
}

TEST(GpuOfRankTest, FewerGpusThanRanksOrNoneIsAnErrorNamingBoth) {
  absl::StatusOr<int> short_of_gpus = GpuOfRank(1, 4, 2);
  ASSERT_FALSE(short_of_gpus.ok());
  const std::string message(short_of_gpus.status().message());
  EXPECT_NE(message.find("L = 4"), std::string::npos) << message;
  EXPECT_NE(message.find("V = 2"), std::string::npos) << message;
  EXPECT_NE(message.find("--gpus-per-task=1"), std::string::npos) << message;
  // Even rank 0, which would find a GPU: the layout is wrong for all ranks.
  EXPECT_FALSE(GpuOfRank(0, 4, 3).ok());
  absl::StatusOr<int> unknown_l = GpuOfRank(3, 0, 2);
  ASSERT_FALSE(unknown_l.ok());
  EXPECT_NE(unknown_l.status().message().find("at least"), std::string::npos);
  absl::StatusOr<int> none = GpuOfRank(0, 2, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("V = 0"), std::string::npos);
}

TEST(ResolveDeviceTest, TheRulePicksTheGpuUnlessOneIsNamed) {
  // No CUDA here: the chosen device shows in the error message.
  if (torch::cuda::is_available()) GTEST_SKIP() << "checked on a GPU by tools/gpu_check.sh";
  auto placement = [](int world_size, int local_rank, int local_world_size, int visible) {
    RankPlacement p;
    p.world_size = world_size;
    p.local_rank = local_rank;
    p.local_world_size = local_world_size;
    p.visible_gpus = visible;
    return p;
  };
  auto message = [](const absl::StatusOr<c10::Device>& d) {
    return std::string(d.status().message());
  };
  EXPECT_TRUE(ResolveDevice("cpu", placement(4, 3, 4, 0))->is_cpu());
  EXPECT_NE(message(ResolveDevice("cuda", placement(4, 3, 4, 4))).find("'cuda:3'"),
            std::string::npos);
  EXPECT_NE(message(ResolveDevice("cuda", placement(4, 3, 4, 1))).find("'cuda:0'"),
            std::string::npos);
  EXPECT_NE(message(ResolveDevice("cuda", placement(4, 3, 4, 2))).find("V = 2"), std::string::npos);
  EXPECT_NE(message(ResolveDevice("cuda:1", placement(4, 3, 4, 1))).find("'cuda:1'"),
            std::string::npos);
  EXPECT_NE(message(ResolveDevice("cuda", placement(1, 0, 0, -1))).find("'cuda'"),
            std::string::npos);
  // V from CUDA itself: none here.
  EXPECT_NE(message(ResolveDevice("cuda", placement(2, 0, 2, -1))).find("V = 0"),
            std::string::npos);
}

TEST(ParseRunSettingsTest, EveryValueIsTakenFromTheConfig) {
  Json c = DefaultConfig();
  c["model"] = {{"depth", 20},
                {"schedule", "uniform"},
                {"p_last", 0.8},
                {"shortcut", "avg2x2"},
                {"bn_gamma_init", "ones"},
                {"conv_bias", false},
                {"test_scaling", "inverted"},
                {"gate_mode", "row"}};
  c["optimizer"] = {{"momentum", 0.5},
                    {"weight_decay", 0.0},
                    {"nesterov", false},
                    {"dropped_block_update", "skip"}};
  c["schedule"]["epochs"] = 15;
  c["schedule"]["milestone_rounding"] = "round";
  c["schedule"]["final_partial_window"] = "candidate";
  c["schedule"]["eval_every_iterations"] = 200;
  c["dataset"]["name"] = "cifar100";
  c["dataset"]["cifar100_labels"] = "coarse";
  c["dataset"]["normalization"] = "per_channel";
  c["dataset"]["augment"] = false;
  c["dataset"]["train_subset"] = 4000;
  c["runtime"]["memory_format"] = "contiguous";
  c["runtime"]["threads"] = 3;
  absl::StatusOr<RunSettings> s = ParseRunSettings(c);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->model.depth, 20);
  EXPECT_EQ(s->model.schedule, SurvivalSchedule::kUniform);
  EXPECT_DOUBLE_EQ(s->model.p_last, 0.8);
  EXPECT_EQ(s->model.shortcut, ShortcutSubsampling::kAvg2x2);
  EXPECT_EQ(s->model.bn_gamma_init, BnGammaInit::kOnes);
  EXPECT_FALSE(s->model.conv_bias);
  EXPECT_EQ(s->model.test_scaling, TestScaling::kInverted);
  EXPECT_EQ(s->model.gate_mode, GateMode::kRow);
  EXPECT_EQ(s->model.memory_format, MemoryFormat::kContiguous);
  EXPECT_DOUBLE_EQ(s->sgd.momentum, 0.5);
  EXPECT_DOUBLE_EQ(s->sgd.weight_decay, 0.0);
  EXPECT_FALSE(s->sgd.nesterov);
  EXPECT_EQ(s->sgd.dropped_block_update, DroppedBlockUpdate::kSkip);
  EXPECT_EQ(s->lr.MilestoneEpochs(), (std::vector<int>{8, 11}));
  EXPECT_TRUE(s->partial_window_candidate);
  EXPECT_EQ(s->eval_every_iterations, 200);
  EXPECT_EQ(s->dataset.name, "cifar100");
  EXPECT_EQ(s->dataset.cifar100_labels, Cifar100Labels::kCoarse);
  EXPECT_EQ(s->dataset.normalization, NormalizationMode::kPerChannel);
  EXPECT_FALSE(s->augment);
  EXPECT_EQ(s->dataset.train_subset, 4000);
  EXPECT_EQ(s->threads, 3);
}

TEST(ParseRunSettingsTest, UnknownOptionNamesAreErrorsNamingThem) {
  const std::pair<const char*, const char*> cases[][2] = {
      {{"model", "schedule"}, {"exponential", "survival schedule 'exponential'"}},
      {{"model", "shortcut"}, {"conv1x1", "shortcut subsampling 'conv1x1'"}},
      {{"model", "bn_gamma_init"}, {"zeros", "BN gamma init 'zeros'"}},
      {{"model", "test_scaling"}, {"none", "test scaling 'none'"}},
      {{"model", "gate_mode"}, {"pixel", "gate mode 'pixel'"}},
      {{"optimizer", "dropped_block_update"}, {"freeze", "'freeze'"}},
      {{"schedule", "milestone_rounding"}, {"floor", "milestone rounding 'floor'"}},
      {{"schedule", "final_partial_window"}, {"best", "final partial window rule 'best'"}},
      {{"dataset", "name"}, {"mnist", "unknown dataset 'mnist'"}},
      {{"dataset", "cifar100_labels"}, {"medium", "'medium'"}},
      {{"dataset", "cifar10_files"}, {"batch_3", "CIFAR-10 file set 'batch_3'"}},
      {{"dataset", "normalization"}, {"zca", "normalization 'zca'"}},
      {{"runtime", "memory_format"}, {"nhwc", "memory format 'nhwc'"}},
      {{"runtime", "device"}, {"tpu", "unknown device 'tpu'"}},
  };
  for (const auto& c : cases) {
    Json config = DefaultConfig();
    config[c[0].first][c[0].second] = c[1].first;
    absl::StatusOr<RunSettings> s = ParseRunSettings(config);
    ASSERT_FALSE(s.ok()) << c[0].first << "." << c[0].second;
    EXPECT_NE(s.status().message().find(c[1].second), std::string::npos) << s.status();
  }
}

TEST(RunSeedsTest, DerivedStreamsDifferAndFitInJsonNumbers) {
  const RunSeeds a = RunSeeds::Derive(1), b = RunSeeds::Derive(2);
  EXPECT_EQ(a.run, 1u);
  EXPECT_EQ(a.data_split, 1u);  // The split shuffle uses the run seed itself.
  std::set<uint64_t> distinct = {a.data_order, a.init, a.gates, b.data_order, b.init, b.gates};
  EXPECT_EQ(distinct.size(), 6u);
  for (uint64_t s : distinct) EXPECT_LT(s, uint64_t{1} << 53);
  EXPECT_EQ(RunSeeds::Derive(1).ToJson(), a.ToJson());
  EXPECT_EQ(a.ToJson()["gates"], a.gates);
}

}  // namespace
}  // namespace sdbench
