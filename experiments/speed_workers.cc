#include "experiments/speed_workers.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/data/dataset.h"
#include "lib/data/loader.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"
#include "lib/training/cuda_info.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "lib/training/sgd.h"
#include "lib/training/step.h"
#include "lib/training/training_setup.h"
#include "nlohmann/json.hpp"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The timed steps' rate: the paper's initial one (the rate does not change
// a step's work).
const double kLearningRate = PaperSettings().lr.lr;

void Answer(const Json& answer) { std::cout << answer.dump() << std::endl; }

// The planted slowdown: the same step's gates, a forward and backward pass
// over the first `fraction` of the batch, gradients discarded.
void ExtraWork(ResNet& net, const torch::Tensor& images, const torch::Tensor& labels,
               double fraction) {
  const int64_t count = std::max<int64_t>(1, std::llround(fraction * images.size(0)));
  net->ForceGates(net->last_gates());
  torch::Tensor loss = torch::nn::functional::cross_entropy(
      net->forward(images.narrow(0, 0, count)), labels.narrow(0, 0, count));
  loss.backward();
  net->ForceGates(std::nullopt);
  for (torch::Tensor& p : net->parameters()) p.mutable_grad() = torch::Tensor();
}

// {"step_s", "active_blocks", "conv_flops", "loss"} of `n` timed steps; on a
// GPU each step ends with a synchronisation, so it times the work, not
// just its queueing, and "host_s" is the time until the host had launched
// it all.
Json TimeSteps(ResNet& net, NesterovSgd& sgd, const ResNetOptions& model,
               const torch::Tensor& images, const torch::Tensor& labels, int n,
               double planted_slowdown) {
  Json times = Json::array(), host = Json::array(), active = Json::array(), flops = Json::array();
  double loss = 0;
  for (int i = 0; i < n; ++i) {
    const Clock::time_point start = Clock::now();
    StepOutput out = TrainStep(net, sgd, images, labels, kLearningRate);
    if (planted_slowdown > 0) ExtraWork(net, images, labels, planted_slowdown);
    host.push_back(SecondsSince(start));
    SynchronizeDevice(images.device());
    times.push_back(SecondsSince(start));
    loss = out.loss.item<double>();
    active.push_back(net->last_active_blocks());
    flops.push_back(TrainingStepConvFlops(model, net->last_gates(), images.size(0)));
  }
  Json answer = {
      {"step_s", times}, {"active_blocks", active}, {"conv_flops", flops}, {"loss", loss}};
  if (images.is_cuda()) answer["host_s"] = host;
  return answer;
}

// Median forward and backward (input, weight and bias gradients; the stem
// needs no input gradient) seconds of one conv shape in one layout.
Json TimeConv(const ConvShape& shape, at::MemoryFormat format, int batch, int reps) {
  const int in_size = shape.out_size * shape.stride;
  torch::Tensor x = torch::randn({batch, shape.in_channels, in_size, in_size}).contiguous(format);
  torch::Tensor w = torch::randn({shape.out_channels, shape.in_channels, 3, 3}).contiguous(format);
  torch::Tensor b = torch::randn({shape.out_channels});
  torch::Tensor gy =
      torch::randn({batch, shape.out_channels, shape.out_size, shape.out_size}).contiguous(format);
  const bool stem = shape.in_channels == 3;
  std::vector<double> forward, backward;
  for (int r = 0; r < reps + 2; ++r) {
    Clock::time_point start = Clock::now();
    torch::Tensor y =
        at::convolution(x, w, b, {shape.stride, shape.stride}, {1, 1}, {1, 1}, false, {0, 0}, 1);
    const double f = SecondsSince(start);
    start = Clock::now();
    auto grads = at::convolution_backward(gy, x, w, at::OptionalIntArrayRef(b.sizes()),
                                          {shape.stride, shape.stride}, {1, 1}, {1, 1}, false,
                                          {0, 0}, 1, {!stem, true, true});
    const double g = SecondsSince(start);
    if (r >= 2) {  // The first two allocate and prime oneDNN's caches.
      forward.push_back(f);
      backward.push_back(g);
    }
  }
  const double forward_flops = shape.ForwardFlops(batch);
  const double backward_flops = stem ? forward_flops : 2 * forward_flops;
  return {{"forward_s", Median(forward)},
          {"backward_s", Median(backward)},
          {"forward_gflops", forward_flops / Median(forward) / 1e9},
          {"backward_gflops", backward_flops / Median(backward) / 1e9}};
}

}  // namespace

RunSettings WorkerSettings(const WorkerOptions& options, bool plain) {
  RunSettings settings = PaperSettings();
  settings.model.depth = options.depth;
  settings.model.schedule =
      options.mode == "stochastic" ? SurvivalSchedule::kLinear : SurvivalSchedule::kConstant;
  settings.model.memory_format = plain ? MemoryFormat::kContiguous : MemoryFormat::kChannelsLast;
  return settings;
}

namespace {

// The worker's model and optimiser, as the trainer sets them up. Every round
// draws other gates, so the timed steps sample the survival distribution
// instead of repeating one short gate sequence.
absl::StatusOr<TrainingSetup> WorkerSetup(const RunSettings& settings,
                                          const WorkerOptions& options) {
  return MakeTrainingSetup(settings, 10, /*init_seed=*/1, /*gate_seed=*/1000 + options.seed);
}

}  // namespace

int RunStepWorker(const WorkerOptions& options, bool plain) {
  const int threads = *ConfigureThreads(options.threads);
  const std::string allocator = plain ? std::string("glibc defaults") : RetainFreedMemory();
  RunSettings settings = WorkerSettings(options, plain);
  absl::StatusOr<torch::Device> device = ParseDevice(options.device);
  if (device.ok()) settings.device = *device;
  absl::StatusOr<TrainingSetup> setup =
      device.ok() ? WorkerSetup(settings, options) : absl::StatusOr<TrainingSetup>(device.status());
  if (!setup.ok()) {
    std::cerr << "speed worker: " << setup.status().message() << "\n";
    return 2;
  }
  const ResNetOptions& model = settings.model;
  ResNet& net = setup->model;
  NesterovSgd& sgd = *setup->sgd;
  torch::manual_seed(1);
  const torch::Tensor images = torch::randn({options.batch, 3, 32, 32}).to(*device);
  const torch::Tensor labels = torch::randint(0, 10, {options.batch}).to(*device);
  ResetPeakDeviceMemory(*device);
  Answer({{"ready", true},
          {"threads", threads},
          {"allocator", allocator},
          {"memory_format", MemoryFormatName(model.memory_format)},
          {"device", device->str()},
          {"gpu", GpuProvenance(*device)},
          {"planted_slowdown", options.planted_slowdown}});
  std::string line;
  while (std::getline(std::cin, line)) {
    absl::StatusOr<Json> command = ParseJson("speed worker command", line);
    const std::string cmd = command.ok() ? command->value("cmd", "") : "";
    if (cmd == "steps") {
      Answer(TimeSteps(net, sgd, model, images, labels, command->value("n", 1),
                       options.planted_slowdown));
    } else if (cmd == "rss") {
      Answer({{"peak_rss_bytes", PeakRssBytes()},
              {"peak_device_bytes", PeakDeviceMemoryBytes(*device)}});
    } else if (cmd == "quit") {
      return 0;
    } else {
      std::cerr << "speed worker: unknown command: " << line << "\n";
      return 2;
    }
  }
  return 0;
}

int RunConvWorker(const WorkerOptions& options) {
  const int threads = *ConfigureThreads(options.threads);
  RetainFreedMemory();
  torch::NoGradGuard no_grad;
  Json shapes = Json::array();
  for (const ConvShape& shape : DistinctConvShapes(options.depth)) {
    const double forward_flops = shape.ForwardFlops(options.batch);
    Json entry = {{"shape", shape.name},
                  {"forward_flops", forward_flops},
                  {"backward_flops", shape.in_channels == 3 ? forward_flops : 2 * forward_flops}};
    entry["channels_last"] =
        TimeConv(shape, at::MemoryFormat::ChannelsLast, options.batch, options.conv_reps);
    entry["contiguous"] =
        TimeConv(shape, at::MemoryFormat::Contiguous, options.batch, options.conv_reps);
    shapes.push_back(entry);
  }
  Answer({{"threads", threads}, {"shapes", shapes}});
  return 0;
}

namespace {

// The training split of CIFAR-10 (synthetic images of its shape when the
// files are absent), just big enough for the epoch fragment.
absl::StatusOr<Dataset> EpochData(const WorkerOptions& options, std::string* data_dir,
                                  bool* synthetic) {
  *data_dir = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
  DatasetOptions data = PaperSettings().dataset;
  data.synthetic = !FileExists(absl::StrCat(*data_dir, "/cifar10/data_batch_1.bin"));
  *synthetic = data.synthetic;
  const int64_t images = int64_t{options.batch} * (options.epoch_steps + 1);
  if (data.synthetic) {
    data.synthetic_train_images = images + 1;
    data.train_size = images;  // The rest is the validation split.
  }
  data.train_subset = images;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(data, *data_dir, 1);
  if (!files.ok()) return files.status();
  return BuildDataset(*files, data, 1);
}

}  // namespace

int RunEpochWorker(const WorkerOptions& options) {
  const int threads = *ConfigureThreads(options.threads);
  const std::string allocator = RetainFreedMemory();
  std::string data_dir;
  bool synthetic = false;
  absl::StatusOr<Dataset> dataset = EpochData(options, &data_dir, &synthetic);
  if (!dataset.ok()) {
    std::cerr << "speed worker: " << dataset.status().message() << "\n";
    return 2;
  }
  LoaderOptions loader_options;
  loader_options.batch_size = options.batch;
  loader_options.augment = true;
  loader_options.max_shift = PaperSettings().max_shift;
  loader_options.seed = 3;
  BatchLoader loader(dataset->train, dataset->normalization, loader_options);
  WorkerOptions stochastic = options;
  stochastic.mode = "stochastic";
  absl::StatusOr<TrainingSetup> setup = WorkerSetup(WorkerSettings(stochastic, false), options);
  if (!setup.ok()) {
    std::cerr << "speed worker: " << setup.status().message() << "\n";
    return 2;
  }
  ResNet& net = setup->model;
  NesterovSgd& sgd = *setup->sgd;
  // Warm-up epoch fragment: first-touch allocations are not the pipeline's.
  loader.StartEpoch(0);
  for (int i = 0; i < 2; ++i) {
    std::optional<Batch> b = loader.Next();
    TrainStep(net, sgd, b->images, b->labels, kLearningRate);
  }
  loader.StartEpoch(1);
  double compute = 0.0, waiting = 0.0;
  int done = 0;
  const Clock::time_point start = Clock::now();
  for (; done < options.epoch_steps; ++done) {
    Clock::time_point t = Clock::now();
    std::optional<Batch> b = loader.Next();
    waiting += SecondsSince(t);
    if (!b) break;
    t = Clock::now();
    TrainStep(net, sgd, b->images, b->labels, kLearningRate).loss.item<double>();
    compute += SecondsSince(t);
  }
  const double wall = SecondsSince(start);
  Answer({{"threads", threads},
          {"allocator", allocator},
          {"depth", options.depth},
          {"mode", "stochastic"},
          {"steps", done},
          {"data", synthetic ? "synthetic" : "cifar10"},
          {"data_dir", synthetic ? "" : data_dir},
          {"augment", true},
          {"prefetch_batches", loader_options.prefetch_batches},
          {"wall_s", wall},
          {"sum_of_steps_s", compute},
          {"waiting_for_batches_s", waiting},
          {"overhead", wall / compute - 1.0}});
  return 0;
}

}  // namespace sdbench
