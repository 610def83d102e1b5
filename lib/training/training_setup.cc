#include "lib/training/training_setup.h"

#include <utility>

#include "lib/training/runtime.h"

namespace sdbench {

absl::StatusOr<TrainingSetup> MakeTrainingSetup(const RunSettings& settings, int num_classes,
                                                uint64_t init_seed, uint64_t gate_seed) {
  if (absl::Status s = ApplyKernelOptions(settings.kernels, settings.device); !s.ok()) return s;
  ResNetOptions options = settings.model;
  options.num_classes = num_classes;
  options.init_seed = init_seed;
  options.gate_seed = gate_seed;
  absl::StatusOr<ResNet> model = MakeResNet(options);
  if (!model.ok()) return model.status();
  (*model)->to(settings.device);
  (*model)->train();
  SgdOptions sgd = settings.sgd;
  sgd.foreach = settings.device.is_cuda();  // The CPU keeps its per-parameter loop.
  auto optimiser = std::make_unique<NesterovSgd>((*model)->parameters(), sgd);
  return TrainingSetup{*std::move(model), std::move(optimiser)};
}

}  // namespace sdbench
