#include "lib/training/run_result.h"

#include "absl/strings/str_cat.h"
#include "lib/results/provenance.h"
#include "lib/results/result_file.h"
#include "lib/training/runtime.h"

namespace sdbench {

using Json = nlohmann::json;

Json SummarizeRun(const RunState& state, const RunSettings& settings,
                  double expected_active_blocks) {
  const int best = BestValidationIndex(state.evaluations, settings.partial_window_candidate);
  double total_train = 0, total_eval = 0, active = 0;
  int64_t total_steps = 0, total_images = 0;
  for (const Json& e : state.epochs) {
    total_train += e["train_seconds"].get<double>();
    total_eval += e["eval_seconds"].get<double>();
    total_steps += e["steps"].get<int64_t>();
    total_images += static_cast<int64_t>(
        e["images_per_second"].get<double>() * e["train_seconds"].get<double>() + 0.5);
    active += e["mean_active_blocks"].get<double>() * e["steps"].get<int64_t>();
  }
  const Evaluation& chosen = state.evaluations.at(best);
  std::string selection = "no validation split: final test error";
  if (chosen.validation_error) {
    selection =
        absl::StrCat("test error at the lowest validation error (earliest on ties)",
                     settings.eval_every_iterations > 0 && !settings.partial_window_candidate
                         ? "; the final partial window's evaluation is recorded, not a candidate"
                         : "");
  }
  return {{"best_validation_index", best},
          {"best_validation_epoch", chosen.epoch},
          {"best_validation_error_percent",
           chosen.validation_error ? Json(*chosen.validation_error) : Json(nullptr)},
          {"test_error_at_best_validation_percent", chosen.test_error},
          {"final_test_error_percent", state.evaluations.back().test_error},
          {"final_train_loss", state.evaluations.back().train_loss},
          {"final_train_error_percent", state.evaluations.back().train_error},
          {"final_conv_weight_norm", state.epochs.back().value("conv_weight_norm", 0.0)},
          {"total_train_seconds", total_train},
          {"total_eval_seconds", total_eval},
          {"mean_step_seconds", total_steps > 0 ? total_train / total_steps : 0.0},
          {"median_step_seconds", Median(state.step_seconds)},
          {"images_per_second", total_train > 0 ? total_images / total_train : 0.0},
          {"expected_active_blocks", expected_active_blocks},
          {"observed_active_blocks", total_steps > 0 ? active / total_steps : 0.0},
          {"selection", selection}};
}

Json RunProvenance(const RunFacts& facts, const std::string& start_time) {
  const int64_t per_rank_batch = facts.global_batch / facts.world_size;
  const Json distributed = {
      {"backend", facts.backend},
      {"bn_statistics", "per rank, as DDP (rank 0's are evaluated and saved)"},
      {"global_batch", facts.global_batch},
      {"per_rank_batch", per_rank_batch},
      {"bn_batch", per_rank_batch},  // The statistics above: per rank.
      {"gradient_bytes_reduced_per_step", facts.gradient_bytes_reduced_per_step},
      {"gradient_bytes_all_parameters", facts.gradient_bytes_all_parameters}};
  return {{"git", SourceProvenance(facts.built)},
          {"machine", MachineAndLibTorchProvenance()},
          {"device", facts.device},
          {"device_model", facts.device_model},
          {"threads", facts.threads},
          {"allocator", facts.allocator},
          {"world_size", facts.world_size},
          {"distributed", distributed},
          {"start_time", start_time},
          {"end_time", NowIso8601()},
          {"resumed", facts.resumed},
          {"dataset", facts.dataset},
          {"kernels", facts.kernels},
          {"gpu", facts.gpu},
          {"command_line", facts.command_line}};
}

Json AssembleResult(const RunIdentity& identity, const Json& config, const RunSeeds& seeds,
                    const RunState& state, Json summary, Json provenance) {
  Json result;
  result["schema_version"] = kResultSchemaVersion;
  result["experiment"] = identity.experiment;
  result["arm"] = identity.arm;
  result["profile"] = identity.profile;
  result["seed"] = identity.seed;
  if (!identity.reference_arm.empty()) result["reference_arm"] = identity.reference_arm;
  result["status"] = "complete";
  result["config"] = config;
  result["seeds"] = seeds.ToJson();
  result["evaluations"] = Json::array();
  for (const Evaluation& e : state.evaluations) result["evaluations"].push_back(e.ToJson());
  result["epochs"] = state.epochs;
  result["summary"] = std::move(summary);
  result["provenance"] = std::move(provenance);
  return result;
}

}  // namespace sdbench
