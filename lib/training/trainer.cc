#include "lib/training/trainer.h"

#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/data/loader.h"
#include "lib/distributed/communicator.h"
#include "lib/io/file_io.h"
#include "lib/results/result_file.h"
#include "lib/random/splitmix.h"
#include "lib/training/runtime.h"
#include "lib/training/step.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;


}  // namespace

RunSeeds RunSeeds::Derive(uint64_t run_seed) {
  RunSeeds seeds;
  seeds.run = run_seed;
  seeds.data_split = run_seed;  // The paper's split shuffle uses the run seed.
  // Kept below 2^53 so JSON readers in any language hold them exactly.
  const uint64_t mask = (uint64_t{1} << 53) - 1;
  seeds.data_order = SplitMix64(run_seed * 4 + 1) & mask;
  seeds.init = SplitMix64(run_seed * 4 + 2) & mask;
  seeds.gates = SplitMix64(run_seed * 4 + 3) & mask;
  return seeds;
}

Json RunSeeds::ToJson() const {
  return {{"run", run},       {"data_split", data_split},
          {"data_order", data_order}, {"init", init},
          {"gates", gates}};
}

absl::StatusOr<RunSettings> ParseRunSettings(const Json& c) {
  RunSettings s;
  const Json& m = c["model"];
  s.model.depth = m["depth"];
  s.model.conv_bias = m["conv_bias"];
  s.model.p_last = m["p_last"];
  auto schedule = ParseSurvivalSchedule(m["schedule"].get<std::string>());
  if (!schedule.ok()) return schedule.status();
  s.model.schedule = *schedule;
  auto shortcut = ParseShortcutSubsampling(m["shortcut"].get<std::string>());
  if (!shortcut.ok()) return shortcut.status();
  s.model.shortcut = *shortcut;
  auto gamma = ParseBnGammaInit(m["bn_gamma_init"].get<std::string>());
  if (!gamma.ok()) return gamma.status();
  s.model.bn_gamma_init = *gamma;
  auto scaling = ParseTestScaling(m["test_scaling"].get<std::string>());
  if (!scaling.ok()) return scaling.status();
  s.model.test_scaling = *scaling;
  auto gate_mode = ParseGateMode(m["gate_mode"].get<std::string>());
  if (!gate_mode.ok()) return gate_mode.status();
  s.model.gate_mode = *gate_mode;
  auto memory_format =
      ParseMemoryFormat(c["runtime"]["memory_format"].get<std::string>());
  if (!memory_format.ok()) return memory_format.status();
  s.model.memory_format = *memory_format;

  const Json& o = c["optimizer"];
  s.sgd.momentum = o["momentum"];
  s.sgd.weight_decay = o["weight_decay"];
  s.sgd.nesterov = o["nesterov"];
  auto dropped = ParseDroppedBlockUpdate(o["dropped_block_update"].get<std::string>());
  if (!dropped.ok()) return dropped.status();
  s.sgd.dropped_block_update = *dropped;

  const Json& t = c["schedule"];
  s.lr.epochs = t["epochs"];
  s.lr.lr = t["lr"];
  s.lr.milestones = t["lr_milestones"].get<std::vector<double>>();
  s.lr.decay = t["lr_decay"];
  s.lr.warmup_epochs = t["warmup_epochs"];
  s.lr.warmup_lr = t["warmup_lr"];
  auto rounding = ParseMilestoneRounding(t["milestone_rounding"].get<std::string>());
  if (!rounding.ok()) return rounding.status();
  s.lr.rounding = *rounding;
  const std::string partial = t["final_partial_window"];
  if (partial != "record" && partial != "candidate") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown final partial window rule '", partial, "' (known: 'record', 'candidate')"));
  }
  s.partial_window_candidate = partial == "candidate";
  s.batch_size = t["batch_size"];
  s.eval_batch_size = t["eval_batch_size"];
  s.eval_every_iterations = t["eval_every_iterations"];
  s.max_steps_per_epoch = t["max_steps_per_epoch"];

  const Json& d = c["dataset"];
  s.dataset.name = d["name"];
  if (s.dataset.name != "cifar10" && s.dataset.name != "cifar100" &&
      s.dataset.name != "svhn") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown dataset '", s.dataset.name, "' (known: cifar10, cifar100, svhn)"));
  }
  const std::string labels = d["cifar100_labels"];
  if (labels != "fine" && labels != "coarse") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown CIFAR-100 label kind '", labels, "' (known: fine, coarse)"));
  }
  s.dataset.cifar100_labels =
      labels == "fine" ? Cifar100Labels::kFine : Cifar100Labels::kCoarse;
  s.dataset.validation = d["validation"];
  s.dataset.train_size = d["train_size"];
  s.dataset.svhn_validation_per_class_train = d["svhn_validation_per_class_train"];
  s.dataset.svhn_validation_per_class_extra = d["svhn_validation_per_class_extra"];
  s.dataset.train_subset = d["train_subset"];
  s.dataset.validation_subset = d["validation_subset"];
  s.dataset.test_subset = d["test_subset"];
  auto normalization = ParseNormalizationMode(d["normalization"].get<std::string>());
  if (!normalization.ok()) return normalization.status();
  s.dataset.normalization = *normalization;
  s.dataset.synthetic = d["synthetic"];
  s.dataset.synthetic_train_images = d["synthetic_train_images"];
  s.dataset.synthetic_test_images = d["synthetic_test_images"];
  s.augment = d["augment"];
  s.max_shift = d["max_shift"];

  s.device = c["runtime"]["device"];
  s.threads = c["runtime"]["threads"];
  if (absl::StatusOr<torch::Device> device = ParseDevice(s.device); !device.ok()) {
    return device.status();
  }
  return s;
}

namespace {

struct EvalResult {
  double loss = 0;
  double error_percent = 0;
};

// With a communicator, every rank scores its slice of each batch (with the
// same model: the caller broadcasts rank 0's BN statistics first) and the
// counts are summed.
absl::StatusOr<EvalResult> Evaluate(ResNet& model, BatchLoader& loader,
                                    const torch::Device& device,
                                    Communicator* communicator) {
  model->eval();
  EvalResult result;
  {
    c10::InferenceMode inference;
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions(device).dtype(torch::kDouble));
    torch::Tensor errors = torch::zeros({}, torch::TensorOptions(device).dtype(torch::kLong));
    int64_t count = 0;
    loader.StartEpoch(0);
    while (std::optional<Batch> batch = loader.Next()) {
      torch::Tensor images = batch->images.to(device);
      torch::Tensor labels = batch->labels.to(device);
      torch::Tensor logits = model->forward(images);
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, labels,
                      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                      .to(torch::kDouble);
      errors += logits.argmax(1).ne(labels).sum();
      count += labels.size(0);
    }
    torch::Tensor totals = torch::stack({loss_sum.cpu(), errors.cpu().to(torch::kDouble),
                                         torch::full({}, static_cast<double>(count),
                                                     torch::kDouble)});
    if (communicator != nullptr) {
      if (absl::Status s = communicator->SumInPlace(totals); !s.ok()) return s;
    }
    const double all = totals[2].item<double>();
    if (all > 0) {
      result.loss = totals[0].item<double>() / all;
      result.error_percent = 100.0 * totals[1].item<double>() / all;
    }
  }
  model->train();
  return result;
}

Json EvaluationJson(const Evaluation& e) {
  Json j = {{"epoch", e.epoch},
            {"iteration", e.iteration},
            {"lr", e.lr},
            {"train_loss", e.train_loss},
            {"train_error_percent", e.train_error},
            {"test_error_percent", e.test_error}};
  j["validation_error_percent"] =
      e.validation_error.has_value() ? Json(*e.validation_error) : Json(nullptr);
  if (e.partial_window) j["partial_window"] = true;
  return j;
}

Evaluation EvaluationFromJson(const Json& j) {
  Evaluation e;
  e.epoch = j["epoch"];
  e.iteration = j["iteration"];
  e.lr = j["lr"];
  e.train_loss = j["train_loss"];
  e.train_error = j["train_error_percent"];
  e.test_error = j["test_error_percent"];
  if (!j["validation_error_percent"].is_null()) {
    e.validation_error = j["validation_error_percent"].get<double>();
  }
  e.partial_window = j.value("partial_window", false);
  return e;
}

// The L2 norm of all conv weights together (in double precision).
double ConvWeightNorm(ResNet& model) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  for (const torch::Tensor& w : model->ConvWeights()) {
    sum += w.to(torch::kDouble).pow(2).sum().item<double>();
  }
  return std::sqrt(sum);
}

// What a checkpoint holds besides tensors.
struct RunState {
  int epochs_done = 0;
  int64_t iteration = 0;
  std::vector<Evaluation> evaluations;
  Json epochs = Json::array();
  std::vector<double> step_seconds;
  std::string gate_state;
  std::string start_time;
  // Training loss / errors / samples since the last evaluation: with
  // evaluations every K iterations a window spans epoch boundaries.
  double window_loss = 0;
  int64_t window_errors = 0;
  int64_t window_samples = 0;
};

absl::Status SaveCheckpoint(const std::string& path, ResNet& model,
                            NesterovSgd& sgd, const RunState& state,
                            const Json& config) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model->save(model_archive);
  archive.write("model", model_archive);
  std::vector<torch::Tensor>& buffers = sgd.momentum_buffers();
  for (size_t i = 0; i < buffers.size(); ++i) {
    archive.write(absl::StrCat("momentum_", i), buffers[i], /*is_buffer=*/true);
  }
  Json meta = {{"epochs_done", state.epochs_done},
               {"iteration", state.iteration},
               {"epochs", state.epochs},
               {"step_seconds", state.step_seconds},
               {"gate_state", state.gate_state},
               {"start_time", state.start_time},
               {"window_loss", state.window_loss},
               {"window_errors", state.window_errors},
               {"window_samples", state.window_samples},
               {"config", config}};
  meta["evaluations"] = Json::array();
  for (const Evaluation& e : state.evaluations) {
    meta["evaluations"].push_back(EvaluationJson(e));
  }
  archive.write("meta", c10::IValue(meta.dump()));
  const std::string temporary = TemporaryPathFor(path);
  try {
    archive.save_to(temporary);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(temporary, ": cannot write checkpoint: ", e.what()));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(path, ": cannot rename checkpoint into place"));
  }
  return absl::OkStatus();
}

absl::Status LoadCheckpoint(const std::string& path, ResNet& model,
                            NesterovSgd& sgd, RunState* state,
                            const Json& config, const torch::Device& device) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
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
    c10::IValue meta_value;
    archive.read("meta", meta_value);
    Json meta = Json::parse(meta_value.toStringRef());
    if (meta["config"] != config) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": checkpoint was made with a different config; rerun without "
                "--resume (or with --force) to start over"));
    }
    state->epochs_done = meta["epochs_done"];
    state->iteration = meta["iteration"];
    state->epochs = meta["epochs"];
    state->step_seconds = meta["step_seconds"].get<std::vector<double>>();
    state->gate_state = meta["gate_state"];
    state->start_time = meta["start_time"];
    state->window_loss = meta["window_loss"];
    state->window_errors = meta["window_errors"];
    state->window_samples = meta["window_samples"];
    state->evaluations.clear();
    for (const Json& e : meta["evaluations"]) {
      state->evaluations.push_back(EvaluationFromJson(e));
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat(path, ": unreadable checkpoint: ", e.what()));
  }
  return model->gate_sampler().RestoreState(state->gate_state);
}

}  // namespace

absl::StatusOr<Json> TrainRun(const Json& config, const RunIdentity& identity,
                              const DatasetFiles& files,
                              const RunOptions& options) {
  absl::StatusOr<RunSettings> parsed = ParseRunSettings(config);
  if (!parsed.ok()) return parsed.status();
  const RunSettings& s = *parsed;
  const RunSeeds seeds = RunSeeds::Derive(identity.seed);
  absl::StatusOr<torch::Device> device_or = ParseDevice(s.device);
  if (!device_or.ok()) return device_or.status();
  const torch::Device device = *device_or;
  absl::StatusOr<int> threads = ConfigureThreads(s.threads);
  if (!threads.ok()) return threads.status();
  const std::string allocator = RetainFreedMemory();

  absl::StatusOr<Dataset> dataset = BuildDataset(files, s.dataset, seeds.data_split);
  if (!dataset.ok()) return dataset.status();

  ResNetOptions model_options = s.model;
  model_options.num_classes = dataset->num_classes;
  model_options.init_seed = seeds.init;
  model_options.gate_seed = seeds.gates;
  absl::StatusOr<ResNet> model_or = MakeResNet(model_options);
  if (!model_or.ok()) return model_or.status();
  ResNet model = *model_or;
  model->to(device);
  model->train();
  NesterovSgd sgd(model->parameters(), s.sgd);

  LoaderOptions train_loader_options;
  train_loader_options.batch_size = s.batch_size;
  train_loader_options.augment = s.augment;
  train_loader_options.max_shift = s.max_shift;
  train_loader_options.seed = seeds.data_order;
  Communicator* communicator = options.communicator;
  const int world_size = communicator != nullptr ? communicator->world_size() : 1;
  const int rank = communicator != nullptr ? communicator->rank() : 0;
  if (communicator != nullptr && device.is_cuda()) {
    return absl::FailedPreconditionError(
        "data-parallel training on CUDA needs c10d's NCCL process group, which "
        "this build does not link (Debian's LibTorch is CPU-only); use "
        "--device=cpu (Gloo) or one process per GPU job");
  }
  if (world_size > 1 && s.model.gate_mode == GateMode::kRow) {
    return absl::InvalidArgumentError(
        "model.gate_mode=row needs one process: every rank would draw the same "
        "per-sample gates for different samples");
  }
  if (s.batch_size % world_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "schedule.batch_size ", s.batch_size, " is not divisible by the ",
        world_size, " processes (the batch is the global batch)"));
  }
  train_loader_options.rank = rank;
  train_loader_options.world_size = world_size;
  BatchLoader train_loader(dataset->train, dataset->normalization,
                           train_loader_options);
  LoaderOptions eval_options;
  eval_options.batch_size = s.eval_batch_size;
  eval_options.shuffle = false;
  eval_options.rank = rank;
  eval_options.world_size = world_size;
  std::optional<BatchLoader> validation_loader;
  if (dataset->validation.size() > 0) {
    validation_loader.emplace(dataset->validation, dataset->normalization, eval_options);
  }
  BatchLoader test_loader(dataset->test, dataset->normalization, eval_options);

  RunState state;
  state.start_time = NowIso8601();
  if (options.resume && !options.checkpoint_path.empty() &&
      FileExists(options.checkpoint_path)) {
    absl::Status loaded = LoadCheckpoint(options.checkpoint_path, model, sgd,
                                         &state, config, device);
    if (!loaded.ok()) return loaded;
  }

  const int64_t steps_per_epoch =
      s.max_steps_per_epoch > 0
          ? std::min(s.max_steps_per_epoch, train_loader.batches_per_epoch())
          : train_loader.batches_per_epoch();
  const std::string tag = absl::StrCat("[", identity.arm, " seed ", identity.seed, "]");
  ProgressLine* progress = options.progress;

  // Train loss / error since the last evaluation (restored on resume).
  torch::Tensor window_loss =
      torch::full({}, state.window_loss, torch::TensorOptions(device).dtype(torch::kDouble));
  torch::Tensor window_errors =
      torch::full({}, state.window_errors, torch::TensorOptions(device).dtype(torch::kLong));
  int64_t window_samples = state.window_samples;

  auto evaluate = [&](double epoch, double lr, bool partial_window) -> absl::Status {
    Evaluation e;
    e.epoch = epoch;
    e.partial_window = partial_window;
    e.iteration = state.iteration;
    e.lr = lr;
    // The training window over all ranks.
    torch::Tensor window = torch::stack(
        {window_loss.cpu(), window_errors.cpu().to(torch::kDouble),
         torch::full({}, static_cast<double>(window_samples), torch::kDouble)});
    if (communicator != nullptr) {
      if (absl::Status st = communicator->SumInPlace(window); !st.ok()) return st;
      // Every rank evaluates rank 0's model: its BN running statistics (the
      // only per-rank state; num_batches_tracked is equal everywhere).
      std::vector<torch::Tensor> statistics;
      for (const torch::Tensor& buffer : model->buffers()) {
        if (buffer.is_floating_point()) statistics.push_back(buffer);
      }
      if (absl::Status st = communicator->Broadcast(statistics, 0); !st.ok()) return st;
    }
    if (window[2].item<double>() > 0) {
      e.train_loss = window[0].item<double>() / window[2].item<double>();
      e.train_error = 100.0 * window[1].item<double>() / window[2].item<double>();
    }
    if (validation_loader) {
      absl::StatusOr<EvalResult> v =
          Evaluate(model, *validation_loader, device, communicator);
      if (!v.ok()) return v.status();
      e.validation_error = v->error_percent;
    }
    absl::StatusOr<EvalResult> t = Evaluate(model, test_loader, device, communicator);
    if (!t.ok()) return t.status();
    e.test_error = t->error_percent;
    window_loss.zero_();
    window_errors.zero_();
    window_samples = 0;
    state.evaluations.push_back(e);
    return absl::OkStatus();
  };

  double run_seconds_so_far = 0;
  for (const Json& epoch_log : state.epochs) {
    run_seconds_so_far += epoch_log["train_seconds"].get<double>() +
                          epoch_log["eval_seconds"].get<double>();
  }
  const int epochs_at_start = state.epochs_done;
  int64_t bytes_reduced = 0, steps_this_attempt = 0;

  for (int epoch = state.epochs_done + 1; epoch <= s.lr.epochs; ++epoch) {
    const double lr = s.lr.LearningRate(epoch);
    train_loader.StartEpoch(epoch - 1);
    double train_seconds = 0, eval_seconds = 0, grad_sum = 0;
    int64_t active_sum = 0, images = 0;
    std::vector<double> epoch_steps;
    const Clock::time_point epoch_start = Clock::now();
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      const Clock::time_point step_start = Clock::now();
      std::optional<Batch> batch = train_loader.Next();
      if (!batch) break;
      torch::Tensor inputs = batch->images.to(device);
      torch::Tensor labels = batch->labels.to(device);
      absl::Status reduced = absl::OkStatus();
      StepOutput out = TrainStep(model, sgd, inputs, labels, lr, [&] {
        if (communicator != nullptr) {
          absl::StatusOr<int64_t> sent = communicator->AverageGradients(sgd.parameters());
          if (!sent.ok()) {
            reduced = sent.status();
            return;
          }
          bytes_reduced += *sent;
        }
        // Fig. 7: a dropped first block has gradient zero, as in the original.
        const torch::Tensor& grad = model->first_block_conv()->weight.grad();
        if (grad.defined()) grad_sum += grad.abs().mean().item<double>();
      });
      if (!reduced.ok()) return reduced;
      const torch::Tensor& loss = out.loss;
      const torch::Tensor& logits = out.logits;
      {
        torch::NoGradGuard no_grad;
        const int64_t n = labels.size(0);
        window_loss += loss.detach().to(torch::kDouble) * n;
        window_errors += logits.argmax(1).ne(labels).sum();
        window_samples += n;
        images += n * world_size;  // All ranks: the global batch.
      }
      active_sum += model->last_active_blocks();
      ++state.iteration;
      ++steps_this_attempt;
      const double step_seconds = SecondsSince(step_start);
      epoch_steps.push_back(step_seconds);
      state.step_seconds.push_back(step_seconds);

      if (s.eval_every_iterations > 0 &&
          state.iteration % s.eval_every_iterations == 0) {
        const Clock::time_point eval_start = Clock::now();
        if (absl::Status st = evaluate(
                epoch - 1 + static_cast<double>(step + 1) / steps_per_epoch, lr,
                /*partial_window=*/false);
            !st.ok()) {
          return st;
        }
        eval_seconds += SecondsSince(eval_start);
      }
      if (progress != nullptr) {
        const double elapsed = SecondsSince(epoch_start);
        const double per_step = elapsed / (step + 1);
        const double epoch_eta = per_step * (steps_per_epoch - step - 1);
        // Later epochs take as long as the finished ones did on average.
        const double per_epoch = epoch > 1 ? run_seconds_so_far / (epoch - 1)
                                           : per_step * steps_per_epoch;
        const double run_eta = epoch_eta + per_epoch * (s.lr.epochs - epoch);
        const bool milestone = (step + 1) % std::max<int64_t>(1, steps_per_epoch / 4) == 0;
        progress->Update(
            absl::StrFormat("%s epoch %d/%d step %d/%d loss %.4f | %.0f img/s | "
                            "epoch ETA %s | run ETA %s",
                            tag, epoch, s.lr.epochs, step + 1, steps_per_epoch,
                            loss.item<double>(), images / elapsed,
                            FormatDuration(epoch_eta), FormatDuration(run_eta)),
            milestone && step + 1 < steps_per_epoch);
      }
    }
    train_seconds = SecondsSince(epoch_start) - eval_seconds;
    if (s.eval_every_iterations == 0) {
      if (progress != nullptr) {
        progress->Update(absl::StrFormat("%s epoch %d/%d evaluating", tag, epoch,
                                         s.lr.epochs),
                         false);
      }
      const Clock::time_point eval_start = Clock::now();
      if (absl::Status st = evaluate(epoch, lr, /*partial_window=*/false); !st.ok()) return st;
      eval_seconds += SecondsSince(eval_start);
    }
    const int64_t steps = static_cast<int64_t>(epoch_steps.size());
    state.epochs.push_back(
        {{"epoch", epoch},
         {"lr", lr},
         {"steps", steps},
         {"train_seconds", train_seconds},
         {"eval_seconds", eval_seconds},
         {"images_per_second", train_seconds > 0 ? images / train_seconds : 0.0},
         {"median_step_seconds", Median(epoch_steps)},
         {"mean_active_blocks", steps > 0 ? static_cast<double>(active_sum) / steps : 0.0},
         {"first_conv_mean_abs_grad", steps > 0 ? grad_sum / steps : 0.0},
         {"conv_weight_norm", ConvWeightNorm(model)}});
    // With evaluations every K iterations, the run's last steps form a
    // partial window: evaluate it too, so the final test error is final.
    if (s.eval_every_iterations > 0 && epoch == s.lr.epochs && window_samples > 0) {
      const Clock::time_point eval_start = Clock::now();
      if (absl::Status st = evaluate(epoch, lr, /*partial_window=*/true); !st.ok()) return st;
      const double seconds = SecondsSince(eval_start);
      eval_seconds += seconds;
      state.epochs.back()["eval_seconds"] = eval_seconds;
    }
    state.epochs_done = epoch;
    run_seconds_so_far += train_seconds + eval_seconds;
    state.gate_state = model->gate_sampler().SaveState();
    state.window_loss = window_loss.item<double>();
    state.window_errors = window_errors.item<int64_t>();
    state.window_samples = window_samples;
    if (!options.checkpoint_path.empty() && rank == 0) {
      absl::Status saved =
          SaveCheckpoint(options.checkpoint_path, model, sgd, state, config);
      if (!saved.ok()) return saved;
    }
    if (progress != nullptr) {
      const Evaluation& last = state.evaluations.back();
      progress->Finish(absl::StrFormat(
          "%s epoch %d/%d lr %g | train loss %.4f err %.2f%% | val %s | test "
          "%.2f%% | %.0f img/s | %s train + %s eval",
          tag, epoch, s.lr.epochs, lr, last.train_loss, last.train_error,
          last.validation_error ? absl::StrFormat("%.2f%%", *last.validation_error)
                                : std::string("-"),
          last.test_error, train_seconds > 0 ? images / train_seconds : 0.0,
          FormatDuration(train_seconds), FormatDuration(eval_seconds)));
    }
  }

  // Summary.
  const int best = BestValidationIndex(state.evaluations, s.partial_window_candidate);
  double total_train = 0, total_eval = 0, active = 0;
  int64_t total_steps = 0, total_images = 0;
  for (const Json& e : state.epochs) {
    total_train += e["train_seconds"].get<double>();
    total_eval += e["eval_seconds"].get<double>();
    total_steps += e["steps"].get<int64_t>();
    total_images += static_cast<int64_t>(e["images_per_second"].get<double>() *
                                         e["train_seconds"].get<double>() + 0.5);
    active += e["mean_active_blocks"].get<double>() * e["steps"].get<int64_t>();
  }
  Json result;
  result["schema_version"] = kResultSchemaVersion;
  result["experiment"] = identity.experiment;
  result["arm"] = identity.arm;
  result["profile"] = identity.profile;
  result["seed"] = identity.seed;
  result["status"] = "complete";
  result["config"] = config;
  result["seeds"] = seeds.ToJson();
  result["evaluations"] = Json::array();
  for (const Evaluation& e : state.evaluations) {
    result["evaluations"].push_back(EvaluationJson(e));
  }
  result["epochs"] = state.epochs;
  const Evaluation& chosen = state.evaluations.at(best);
  result["summary"] = {
      {"best_validation_index", best},
      {"best_validation_epoch", chosen.epoch},
      {"best_validation_error_percent",
       chosen.validation_error ? Json(*chosen.validation_error) : Json(nullptr)},
      {"test_error_at_best_validation_percent", chosen.test_error},
      {"final_test_error_percent", state.evaluations.back().test_error},
      {"total_train_seconds", total_train},
      {"total_eval_seconds", total_eval},
      {"mean_step_seconds", total_steps > 0 ? total_train / total_steps : 0.0},
      {"median_step_seconds", Median(state.step_seconds)},
      {"images_per_second", total_train > 0 ? total_images / total_train : 0.0},
      {"expected_active_blocks", model->expected_active_blocks()},
      {"observed_active_blocks", total_steps > 0 ? active / total_steps : 0.0},
      {"selection",
       chosen.validation_error
           ? absl::StrCat("test error at the lowest validation error (earliest on ties)",
                          s.eval_every_iterations > 0 && !s.partial_window_candidate
                              ? "; the final partial window's evaluation is recorded, not a "
                                "candidate"
                              : "")
           : "no validation split: final test error"}};
  Json dataset_json = {{"name", files.name},
                       {"directory", files.directory},
                       {"files_md5", files.md5},
                       {"synthetic", s.dataset.synthetic},
                       {"train_images", dataset->train.size()},
                       {"validation_images", dataset->validation.size()},
                       {"test_images", dataset->test.size()},
                       {"channel_means", dataset->normalization->channel_means()}};
  int64_t all_parameter_bytes = 0;
  for (const torch::Tensor& p : model->parameters()) all_parameter_bytes += p.nbytes();
  const Json distributed = {
      {"backend", communicator != nullptr ? "gloo" : "none"},
      {"bn_statistics", "per rank, as DDP (rank 0's are evaluated and saved)"},
      {"gradient_bytes_reduced_per_step",
       steps_this_attempt > 0 && communicator != nullptr
           ? static_cast<double>(bytes_reduced) / steps_this_attempt
           : 0.0},
      {"gradient_bytes_all_parameters", all_parameter_bytes}};
  result["provenance"] = {{"git", GitProvenance()},
                          {"machine", MachineProvenance()},
                          {"device", device.str()},
                          {"device_model", DeviceModelName(device)},
                          {"threads", *threads},
                          {"allocator", allocator},
                          {"world_size", world_size},
                          {"distributed", distributed},
                          {"start_time", state.start_time},
                          {"end_time", NowIso8601()},
                          {"resumed", epochs_at_start > 0},
                          {"dataset", dataset_json},
                          {"command_line", options.command_line}};
  return result;
}

}  // namespace sdbench
