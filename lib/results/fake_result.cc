#include "lib/results/fake_result.h"

#include <algorithm>

namespace sdbench {

using Json = nlohmann::json;

Json MakeFakeResult(const FakeRun& run) {
  Json evaluations = Json::array(), epochs = Json::array();
  const int n = static_cast<int>(run.test_errors.size());
  int best = 0;
  for (int i = 0; i < n; ++i) {
    if (run.test_errors[i] < run.test_errors[best]) best = i;
    evaluations.push_back({{"epoch", i + 1},
                           {"iteration", (i + 1) * 10},
                           {"lr", 0.1},
                           {"train_loss", 2.0 / (i + 1)},
                           {"train_error_percent", run.test_errors[i]},
                           {"validation_error_percent", run.test_errors[i] + 1},
                           {"test_error_percent", run.test_errors[i]}});
    epochs.push_back({{"epoch", i + 1},
                      {"lr", 0.1},
                      {"steps", 10},
                      {"train_seconds", run.train_seconds / n},
                      {"eval_seconds", 1.0},
                      {"images_per_second", run.images_per_second},
                      {"median_step_seconds", run.median_step_seconds},
                      {"mean_active_blocks", run.active_blocks},
                      {"first_conv_mean_abs_grad", 1e-4 * (n - i)}});
  }
  Json result = {
      {"schema_version", 1},
      {"experiment", run.experiment},
      {"arm", run.arm},
      {"profile", run.profile},
      {"seed", run.seed},
      {"status", "complete"},
      {"config",
       {{"model", {{"depth", 110}, {"p_last", 0.5}, {"schedule", "linear"}}},
        {"schedule", {{"epochs", n}, {"lr_milestones", {0.5, 0.75}}}}}},
      {"seeds",
       {{"run", run.seed}, {"data_split", run.seed}, {"data_order", 2}, {"init", 3}, {"gates", 4}}},
      {"evaluations", evaluations},
      {"epochs", epochs},
      {"summary",
       {{"best_validation_index", best},
        {"best_validation_epoch", best + 1},
        {"best_validation_error_percent", run.test_errors[best] + 1},
        {"test_error_at_best_validation_percent", run.test_errors[best]},
        {"final_test_error_percent", run.test_errors.back()},
        {"total_train_seconds", run.train_seconds},
        {"total_eval_seconds", 1.0 * n},
        {"mean_step_seconds", run.median_step_seconds},
        {"median_step_seconds", run.median_step_seconds},
        {"images_per_second", run.images_per_second},
        {"expected_active_blocks", run.expected_active_blocks},
        {"observed_active_blocks", run.active_blocks},
        {"selection", "test error at the lowest validation error (earliest on ties)"}}},
      {"provenance",
       {{"git", {{"commit", "fake"}, {"dirty", false}}},
        {"machine", {{"host", "h"}, {"cpu_model", "c"}, {"libtorch_version", "1.13.0"}}},
        {"device", "cpu"},
        {"device_model", "c"},
        {"threads", 2},
        {"world_size", run.world_size},
        {"start_time", "2026-11-26T00:00:00Z"},
        {"end_time", "2026-11-26T01:00:00Z"},
        {"dataset",
         {{"name", "cifar10"},
          {"files_md5", Json::object()},
          {"train_images", 45000},
          {"validation_images", 5000},
          {"test_images", 10000}}},
        {"command_line", Json::array()}}}};
  if (run.bn_batch > 0) {
    result["provenance"]["distributed"] = {{"backend", run.world_size > 1 ? "gloo" : "none"},
                                           {"global_batch", 128},
                                           {"per_rank_batch", 128 / run.world_size},
                                           {"bn_batch", run.bn_batch}};
  }
  return result;
}

}  // namespace sdbench
