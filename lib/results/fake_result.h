// Hand-made, valid result files (results/SCHEMA.md) for tests of the
// result validator and the analysis tools.
#ifndef SDBENCH_LIB_RESULTS_FAKE_RESULT_H_
#define SDBENCH_LIB_RESULTS_FAKE_RESULT_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sdbench {

struct FakeRun {
  std::string experiment = "cifar10_110";
  std::string arm = "constant";
  std::string profile = "paper";
  int seed = 1;
  // Test error per epoch (percent); the validation error is test + 1, so
  // the best validation epoch is the one with the lowest test error.
  std::vector<double> test_errors = {50, 20, 10};
  double train_seconds = 100;
  double median_step_seconds = 1.0;
  double images_per_second = 500;
  double active_blocks = 54;
  double expected_active_blocks = 54;
  int world_size = 1;
  // provenance.distributed.bn_batch; 0: not recorded, as in files before it.
  int bn_batch = 0;
};

// A result that passes ValidateResult.
nlohmann::json MakeFakeResult(const FakeRun& run);

}  // namespace sdbench

#endif  // SDBENCH_LIB_RESULTS_FAKE_RESULT_H_
