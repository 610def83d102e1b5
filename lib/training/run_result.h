// A finished run's result file (results/SCHEMA.md): the summary computed
// from its history, the provenance, and the whole document.
#ifndef SDBENCH_LIB_TRAINING_RUN_RESULT_H_
#define SDBENCH_LIB_TRAINING_RUN_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/results/build_stamp.h"
#include "lib/training/checkpoint.h"
#include "lib/training/run_settings.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// "summary": the best validation point (BestValidationIndex), totals and
// medians over all epochs and steps, active blocks.
nlohmann::json SummarizeRun(const RunState& state, const RunSettings& settings,
                            double expected_active_blocks);

// The facts of "provenance" that only the trainer knows.
struct RunFacts {
  std::string device;
  std::string device_model;
  int threads = 0;
  std::string allocator;
  int world_size = 1;
  std::string backend = "none";  // "gloo", "nccl" or "none".
  int64_t global_batch = 0;      // schedule.batch_size: the images of one step, all ranks.
  double gradient_bytes_reduced_per_step = 0;
  int64_t gradient_bytes_all_parameters = 0;
  bool resumed = false;
  nlohmann::json dataset;  // "provenance.dataset".
  nlohmann::json kernels;  // KernelOptionsJson and where the data are augmented.
  nlohmann::json gpu;      // GpuProvenance with the peak memory; null on the CPU.
  std::vector<std::string> command_line;
  std::optional<BuildStamp> built;  // The program's build stamp, if it has one.
};

// "provenance": the source (SourceProvenance: the build stamp, the checkout
// beside it where it differs), machine, LibTorch, the run's facts, start and
// end time.
nlohmann::json RunProvenance(const RunFacts& facts, const std::string& start_time);

// The result document.
nlohmann::json AssembleResult(const RunIdentity& identity, const nlohmann::json& config,
                              const RunSeeds& seeds, const RunState& state, nlohmann::json summary,
                              nlohmann::json provenance);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUN_RESULT_H_
