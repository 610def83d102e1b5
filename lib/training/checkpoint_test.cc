#include "lib/training/checkpoint.h"

#include <caffe2/serialize/inline_container.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/config/experiment_config.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"
#include "lib/testing/test_dir.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

ResNet SmallNet(uint64_t init_seed) {
  ResNetOptions options = PaperSettings().model;
  options.depth = 8;
  options.init_seed = init_seed;
  options.gate_seed = init_seed;
  return *MakeResNet(options);
}

ResNet SmallNetOn(uint64_t init_seed, const torch::Device& device) {
  ResNet net = SmallNet(init_seed);
  net->to(device);
  return net;
}

// A model, optimiser and state after two training steps on `device`.
struct Trained {
  torch::Device device;
  ResNet net;
  NesterovSgd sgd;
  RunState state;
  explicit Trained(torch::Device on = torch::kCPU)
      : device(on), net(SmallNetOn(1, on)), sgd(net->parameters(), PaperSettings().sgd) {
    torch::manual_seed(0);
    torch::Tensor images = torch::randn({4, 3, 32, 32}).to(device);
    torch::Tensor labels = torch::tensor({0, 1, 2, 3}).to(device);
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
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
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
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
  RunState state;
  absl::Status loaded =
      LoadCheckpoint(path, net, sgd, &state, {{"model", {{"depth", 20}}}}, torch::kCPU);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.code(), absl::StatusCode::kFailedPrecondition) << loaded;
  EXPECT_NE(loaded.message().find("model.depth: checkpoint 8, this run 20"), std::string::npos)
      << loaded;
  EXPECT_NE(loaded.message().find(path), std::string::npos);
}

// lib/training/testdata/before_milestone_rounding.pt: a checkpoint written by
// sdbench 14ad935 (2026-11-27) for the experiment in the .json beside it,
// before schedule.milestone_rounding, schedule.final_partial_window and six
// dataset and runtime keys existed (testdata/README.md).
constexpr char kOldFixture[] = "lib/training/testdata/before_milestone_rounding";

// Today's resolved configuration of the fixture's experiment, with `overrides`.
RunSettings FixtureSettings(const std::vector<std::pair<std::string, Json>>& overrides) {
  absl::StatusOr<Experiment> experiment = LoadExperiment(absl::StrCat(kOldFixture, ".json"));
  EXPECT_TRUE(experiment.ok()) << experiment.status();
  absl::StatusOr<Json> config =
      ResolveRunConfig(*experiment, "paper", experiment->arms[0], overrides);
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<RunSettings> settings = ParseRunSettings(*config);
  EXPECT_TRUE(settings.ok()) << settings.status();
  return *settings;
}

absl::Status LoadOldFixture(const RunSettings& settings, RunState* state) {
  ResNet net = *MakeResNet(settings.model);
  NesterovSgd sgd(net->parameters(), settings.sgd);
  return LoadCheckpoint(absl::StrCat(kOldFixture, ".pt"), net, sgd, state, settings.config,
                        torch::kCPU);
}

TEST(CheckpointTest, AKeyAddedSinceBlocksAResumeOnlyWhereItsAbsenceMeantOtherwise) {
  // The fixture really predates the keys.
  absl::StatusOr<Json> meta = ReadCheckpointMeta(absl::StrCat(kOldFixture, ".pt"));
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_FALSE((*meta)["config"]["schedule"].contains("milestone_rounding"));
  EXPECT_FALSE((*meta)["config"]["runtime"].contains("precision"));
  EXPECT_FALSE((*meta)["config"]["dataset"].contains("cifar10_files"));
  EXPECT_EQ((*meta)["epochs_done"], 2);

  // Today's defaults: milestones rounded up where the old code rounded, the
  // final partial window no candidate where it was one, another normalisation:
  // each named.
  RunState state;
  absl::Status today = LoadOldFixture(FixtureSettings({}), &state);
  ASSERT_FALSE(today.ok());
  EXPECT_EQ(today.code(), absl::StatusCode::kFailedPrecondition) << today;
  EXPECT_NE(today.message().find("schedule.milestone_rounding: checkpoint \"round\" (made "
                                 "before the key existed), this run \"ceil\""),
            std::string::npos)
      << today;
  EXPECT_NE(today.message().find("schedule.final_partial_window"), std::string::npos) << today;
  // A present key whose default changed since (959fbd0) differs as a value.
  EXPECT_NE(today.message().find("dataset.normalization: checkpoint \"mean_image_scalar_std\""),
            std::string::npos)
      << today;
  EXPECT_EQ(today.message().find("runtime.precision"), std::string::npos) << today;

  // The old behaviour asked for: the six other new keys, at the defaults
  // their absence meant, do not block; a thread count may change.
  const std::vector<std::pair<std::string, Json>> as_before = {
      {"dataset.normalization", "mean_image_scalar_std"},
      {"schedule.milestone_rounding", "round"},
      {"schedule.final_partial_window", "candidate"},
      {"runtime.threads", 2}};
  absl::Status resumed = LoadOldFixture(FixtureSettings(as_before), &state);
  ASSERT_TRUE(resumed.ok()) << resumed;
  EXPECT_EQ(state.epochs_done, 2);
  EXPECT_EQ(state.evaluations.size(), 2u);
  EXPECT_EQ(state.metrics.size(), 2u);  // Made from the evaluations: the file had none.

  // A key that changes training still blocks, named.
  std::vector<std::pair<std::string, Json>> other = as_before;
  other.push_back({"model.p_last", 0.2});
  absl::Status changed = LoadOldFixture(FixtureSettings(other), &state);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.message().find("model.p_last: checkpoint 0.5, this run 0.2"), std::string::npos)
      << changed;
}

TEST(CheckpointTest, TruncatedOrMissingFilesAreClearErrors) {
  Trained trained;
  const std::string path = TestDir() + "/truncated.pt";
  ASSERT_TRUE(SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig).ok());
  const std::string bytes = *ReadFileToString(path);
  ASSERT_TRUE(WriteFileAtomically(path, bytes.substr(0, bytes.size() / 2)).ok());
  ResNet net = SmallNet(1);
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
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

// Every tensor a checkpoint holds, in a fixed order: parameters, buffers,
// momentum.
std::vector<torch::Tensor> AllTensors(ResNet& net, NesterovSgd& sgd) {
  std::vector<torch::Tensor> all = net->parameters();
  for (const torch::Tensor& b : net->buffers()) all.push_back(b);
  for (const torch::Tensor& m : sgd.momentum_buffers()) all.push_back(m);
  return all;
}

// Rewrites a checkpoint as if saved on `to`: every storage's recorded
// location ("cpu" in one saved on the CPU) becomes `to` (e.g. "cuda:0"), in
// the pickled record data.pkl of LibTorch's zip archive; the other records
// are copied as they are (the writer adds its own version records). Returns
// how many location strings were replaced.
int RelocateStorages(const std::string& in, const std::string& out, const std::string& from,
                     const std::string& to) {
  // Pickle protocol 2's BINUNICODE: 'X', a 4-byte little-endian length, the text.
  auto pickled = [](const std::string& text) {
    std::string s = "X";
    const uint32_t n = static_cast<uint32_t>(text.size());
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    return s + text;
  };
  const std::string old_location = pickled(from), new_location = pickled(to);
  caffe2::serialize::PyTorchStreamReader reader(in);
  std::string bytes;
  int relocated = 0;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    for (const std::string& name : reader.getAllRecords()) {
      if (name == "version" || name == ".data/version" || name == "byteorder" ||
          name == ".data/serialization_id") {
        continue;
      }
      auto [data, size] = reader.getRecord(name);
      std::string record(static_cast<const char*>(data.get()), size);
      if (name == "data.pkl") {
        for (size_t at = record.find(old_location); at != std::string::npos;
             at = record.find(old_location, at + new_location.size())) {
          record.replace(at, old_location.size(), new_location);
          ++relocated;
        }
      }
      writer.writeRecord(name, record.data(), record.size());
    }
    writer.writeEndOfFile();
  }
  EXPECT_TRUE(WriteFileAtomically(out, bytes).ok());
  return relocated;
}

TEST(CheckpointTest, ACheckpointSavedOnAGpuLoadsOnTheCpu) {
  Trained trained;
  const std::string saved = TestDir() + "/saved_on_cpu.pt", moved = TestDir() + "/saved_on_gpu.pt";
  ASSERT_TRUE(SaveCheckpoint(saved, trained.net, trained.sgd, trained.state, kConfig).ok());
  const std::vector<torch::Tensor> expected = AllTensors(trained.net, trained.sgd);
  // The pickler writes the location once and refers back to it (its memo).
  ASSERT_GE(RelocateStorages(saved, moved, "cpu", "cuda:0"), 1);

  ResNet net = SmallNet(2);
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
  RunState state;
  absl::Status loaded = LoadCheckpoint(moved, net, sgd, &state, kConfig, torch::kCPU);
  ASSERT_TRUE(loaded.ok()) << loaded;
  const std::vector<torch::Tensor> got = AllTensors(net, sgd);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].device(), torch::Device(torch::kCPU));
    EXPECT_TRUE(torch::equal(got[i], expected[i])) << "tensor " << i;
  }
  EXPECT_EQ(state.iteration, 8);
  if (!torch::cuda::is_available()) {
    // The relocation took: without the mapping the CUDA tensors cannot be
    // made here.
    torch::serialize::InputArchive archive;
    EXPECT_ANY_THROW(archive.load_from(moved));
  }
}

TEST(CheckpointTest, ACheckpointSavedOnTheCpuLoadsOnAGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Trained trained;
  const std::string path = TestDir() + "/cpu_to_gpu.pt";
  ASSERT_TRUE(SaveCheckpoint(path, trained.net, trained.sgd, trained.state, kConfig).ok());
  const torch::Device gpu(torch::kCUDA, 0);
  ResNet net = SmallNetOn(2, gpu);
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
  RunState state;
  absl::Status loaded = LoadCheckpoint(path, net, sgd, &state, kConfig, gpu);
  ASSERT_TRUE(loaded.ok()) << loaded;
  const std::vector<torch::Tensor> got = AllTensors(net, sgd),
                                   expected = AllTensors(trained.net, trained.sgd);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(got[i].is_cuda()) << "tensor " << i;
    EXPECT_TRUE(torch::equal(got[i].cpu(), expected[i])) << "tensor " << i;
  }
}

// A checkpoint really saved on a GPU (lib/training/testdata, written by
// tools/gpu_check.sh with SDBENCH_WRITE_CUDA_FIXTURE=DIR): it loads on the
// CPU with the tensors the GPU run recorded, close to the same two steps
// taken on the CPU (same init and data; GPU kernels round differently).
constexpr char kCudaFixture[] = "lib/training/testdata/cuda_checkpoint";

TEST(CheckpointTest, WriteTheGpuFixtureWhenAsked) {
  const char* dir = std::getenv("SDBENCH_WRITE_CUDA_FIXTURE");
  if (dir == nullptr || !torch::cuda::is_available()) GTEST_SKIP() << "not asked, or no CUDA";
  Trained trained(torch::Device(torch::kCUDA, 0));
  const std::string base = absl::StrCat(dir, "/cuda_checkpoint");
  ASSERT_TRUE(SaveCheckpoint(base + ".pt", trained.net, trained.sgd, trained.state, kConfig).ok());
  nlohmann::json sums = nlohmann::json::array();
  for (const torch::Tensor& t : AllTensors(trained.net, trained.sgd)) {
    sums.push_back(t.to(torch::kDouble).sum().item<double>());
  }
  ASSERT_TRUE(
      WriteFileAtomically(
          base + ".json",
          nlohmann::json({{"tensor_sums", sums}, {"libtorch", TORCH_VERSION}}).dump(2) + "\n")
          .ok());
}

TEST(CheckpointTest, TheGpuFixtureLoadsOnTheCpu) {
  if (!FileExists(absl::StrCat(kCudaFixture, ".pt"))) {
    GTEST_SKIP() << kCudaFixture << ".pt absent (tools/gpu_check.sh brings it back)";
  }
  absl::StatusOr<nlohmann::json> recorded = ReadJsonFile(absl::StrCat(kCudaFixture, ".json"));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  ResNet net = SmallNet(2);
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
  RunState state;
  absl::Status loaded =
      LoadCheckpoint(absl::StrCat(kCudaFixture, ".pt"), net, sgd, &state, kConfig, torch::kCPU);
  ASSERT_TRUE(loaded.ok()) << loaded;
  Trained on_cpu;
  const std::vector<torch::Tensor> got = AllTensors(net, sgd),
                                   cpu = AllTensors(on_cpu.net, on_cpu.sgd);
  const nlohmann::json& sums = (*recorded)["tensor_sums"];
  ASSERT_EQ(got.size(), sums.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double sum = got[i].to(torch::kDouble).sum().item<double>();
    EXPECT_NEAR(sum, sums[i].get<double>(), 1e-9 * (1 + std::abs(sum))) << "tensor " << i;
    EXPECT_LT((got[i].to(torch::kDouble) - cpu[i].to(torch::kDouble)).abs().max().item<double>(),
              1e-2)
        << "tensor " << i;
  }
  EXPECT_EQ(state.iteration, 8);
}

}  // namespace
}  // namespace sdbench
