// Times one training step (lib/training/step.h: forward, backward, SGD
// update, the trainer's own) of the CIFAR
// ResNet at the paper's batch (128) on random data, constant vs stochastic depth:
//   bazel run //lib/training:train_step_benchmark
//   bazel run //lib/training:train_step_benchmark -- --benchmark_filter=1202
// Depth 1202 is registered only when the filter names it.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstring>
#include <string>

#include "lib/model/resnet.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "lib/training/sgd.h"
#include "lib/training/step.h"
#include "lib/training/training_setup.h"

namespace sdbench {
namespace {

void BM_TrainStep(benchmark::State& state, int depth, bool stochastic) {
  // The paper's run at this depth, built as the trainer builds it.
  RunSettings settings = PaperSettings();
  settings.model.depth = depth;
  settings.model.schedule = stochastic ? SurvivalSchedule::kLinear : SurvivalSchedule::kConstant;
  TrainingSetup setup = *MakeTrainingSetup(settings, 10, /*init_seed=*/0, /*gate_seed=*/0);
  ResNet& net = setup.model;
  NesterovSgd& sgd = *setup.sgd;
  const int64_t batch = settings.batch_size;
  torch::Tensor images = torch::randn({batch, 3, 32, 32});
  torch::Tensor labels = torch::randint(0, 10, {batch});
  double active_blocks = 0;
  for (auto _ : state) {
    TrainStep(net, sgd, images, labels, settings.lr.lr);
    active_blocks += net->last_active_blocks();
  }
  state.counters["images_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
  state.counters["active_blocks"] = active_blocks / state.iterations();
  state.counters["expected_active_blocks"] = net->expected_active_blocks();
}

void Register(int depth) {
  for (int stochastic : {0, 1}) {
    benchmark::RegisterBenchmark(
        ("BM_TrainStep/" + std::to_string(depth) + "/" + (stochastic ? "stochastic" : "constant"))
            .c_str(),
        BM_TrainStep, depth, stochastic != 0)
        ->Unit(benchmark::kMillisecond)
        ->MinTime(depth >= 1202 ? 30.0 : 3.0)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace sdbench

int main(int argc, char** argv) {
  bool want_1202 = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--benchmark_filter=", 19) == 0 &&
        std::strstr(argv[i], "1202") != nullptr) {
      want_1202 = true;
    }
  }
  (void)sdbench::ConfigureThreads(0);
  sdbench::RetainFreedMemory();  // As the trainer runs.
  for (int depth : {20, 56, 110}) sdbench::Register(depth);
  if (want_1202) sdbench::Register(1202);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("torch_threads", std::to_string(torch::get_num_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
