#include "lib/training/checkpoint.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/config/config_keys.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Json StateToJson(const RunState& state, const Json& config) {
  Json meta = {{"epochs_done", state.epochs_done},
               {"iteration", state.iteration},
               {"epochs", state.epochs},
               {"step_seconds", state.step_seconds},
               {"gate_state", state.gate_state},
               {"start_time", state.start_time},
               {"window_loss", state.window.loss_sum},
               {"window_errors", state.window.errors},
               {"window_samples", state.window.samples},
               {"config", config},
               {"metrics", state.metrics}};
  meta["evaluations"] = Json::array();
  for (const Evaluation& e : state.evaluations) meta["evaluations"].push_back(e.ToJson());
  if (!state.rank_windows.empty()) {
    meta["rank_windows"] = Json::array();
    for (const TrainingWindow::Totals& w : state.rank_windows) {
      meta["rank_windows"].push_back({w.loss_sum, w.errors, w.samples});
    }
  }
  if (state.partial_epoch) {
    const PartialEpoch& p = *state.partial_epoch;
    meta["partial_epoch"] = {{"steps_done", p.steps_done},
                             {"train_seconds", p.train_seconds},
                             {"eval_seconds", p.eval_seconds},
                             {"images", p.images},
                             {"active_blocks", p.active_blocks},
                             {"step_seconds", p.step_seconds},
                             {"first_conv_grad_sum", p.first_conv_grad_sum}};
  }
  return meta;
}

void StateFromJson(const Json& meta, RunState* state) {
  state->epochs_done = meta["epochs_done"];
  state->iteration = meta["iteration"];
  state->epochs = meta["epochs"];
  state->step_seconds = meta["step_seconds"].get<std::vector<double>>();
  state->gate_state = meta["gate_state"];
  state->start_time = meta["start_time"];
  state->window = {meta["window_loss"], meta["window_errors"], meta["window_samples"]};
  state->evaluations.clear();
  for (const Json& e : meta["evaluations"]) {
    state->evaluations.push_back(Evaluation::FromJson(e));
  }
  if (meta.contains("metrics")) {
    state->metrics = meta["metrics"];
  } else {
    state->metrics = Json::array();
    for (const Evaluation& e : state->evaluations) state->metrics.push_back(e.ToJson());
  }
  state->rank_windows.clear();
  for (const Json& w : meta.value("rank_windows", Json::array())) {
    state->rank_windows.push_back({w[0], w[1], w[2]});
  }
  state->partial_epoch.reset();
  if (meta.contains("partial_epoch")) {
    const Json& p = meta["partial_epoch"];
    state->partial_epoch =
        PartialEpoch{p["steps_done"],         p["train_seconds"],
                     p["eval_seconds"],       p["images"],
                     p["active_blocks"],      p["step_seconds"].get<std::vector<double>>(),
                     p["first_conv_grad_sum"]};
  }
}

// What SaveCheckpoint stored besides tensors (throws as the archive does).
Json ReadMeta(torch::serialize::InputArchive& archive) {
  c10::IValue meta_value;
  archive.read("meta", meta_value);
  return Json::parse(meta_value.toStringRef());
}

}  // namespace

absl::Status SaveCheckpoint(const std::string& path, ResNet& model, NesterovSgd& sgd,
                            const RunState& state, const Json& config) {
  std::ostringstream bytes;
  try {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model_archive;
    model->save(model_archive);
    archive.write("model", model_archive);
    std::vector<torch::Tensor>& buffers = sgd.momentum_buffers();
    for (size_t i = 0; i < buffers.size(); ++i) {
      archive.write(absl::StrCat("momentum_", i), buffers[i], /*is_buffer=*/true);
    }
    archive.write("meta", c10::IValue(StateToJson(state, config).dump()));
    archive.save_to(bytes);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialise checkpoint: ", e.what()));
  }
  return WriteFileAtomically(path, bytes.str());
}

absl::Status LoadCheckpoint(const std::string& path, ResNet& model, NesterovSgd& sgd,
                            RunState* state, const Json& config, const torch::Device& device) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    const Json meta = ReadMeta(archive);
    // Before any tensor: another model's tensors would not even load.
    if (absl::Status same = CheckResumable(meta["config"], config); !same.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": ", same.message(), "; rerun without --resume (or with --force) to start over"));
    }
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model->load(model_archive);
    std::vector<torch::Tensor>& buffers = sgd.momentum_buffers();
    for (size_t i = 0; i < buffers.size(); ++i) {
      torch::Tensor saved;
      archive.read(absl::StrCat("momentum_", i), saved, /*is_buffer=*/true);
      torch::NoGradGuard no_grad;
      buffers[i].copy_(saved);
    }
    StateFromJson(meta, state);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": unreadable checkpoint: ", e.what()));
  }
  return model->gate_sampler().RestoreState(state->gate_state);
}

absl::StatusOr<Json> ReadCheckpointMeta(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, torch::Device(torch::kCPU));
    return ReadMeta(archive);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    return absl::DataLossError(
        absl::StrCat(path, ": unreadable checkpoint: ", what.substr(0, what.find('\n'))));
  }
}

absl::StatusOr<Json> LoadCheckpointModel(const std::string& path, ResNet& model,
                                         const torch::Device& device,
                                         const std::function<absl::Status(const Json&)>& accept) {
  Json config;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    config = ReadMeta(archive)["config"];
    if (absl::Status s = accept(config); !s.ok()) return s;
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model->load(model_archive);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    return absl::DataLossError(
        absl::StrCat(path, ": unreadable checkpoint: ", what.substr(0, what.find('\n'))));
  }
  return config;
}

}  // namespace sdbench
