#include "lib/training/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/stop.h"
#include "lib/data/device_batches.h"
#include "lib/distributed/communicator.h"
#include "lib/io/file_io.h"
#include "lib/results/provenance.h"
#include "lib/training/cuda_info.h"
#include "lib/training/model_file.h"
#include "lib/training/runtime.h"
#include "lib/training/step.h"
#include "lib/training/training_setup.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The L2 norm of all conv weights together (in double precision).
double ConvWeightNorm(ResNet& model) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  for (const torch::Tensor& w : model->ConvWeights()) {
    sum += w.to(torch::kDouble).pow(2).sum().item<double>();
  }
  return std::sqrt(sum);
}

// What the settings cannot do in this run's circumstances.
absl::Status CheckCircumstances(const RunSettings& s, const Communicator* communicator) {
  if (communicator != nullptr &&
      (communicator->backend() == CollectiveBackend::kNccl) != s.device.is_cuda()) {
    return absl::FailedPreconditionError(
        absl::StrCat("data parallel: training on ", s.device.str(), " with a ",
                     CollectiveBackendName(communicator->backend()),
                     " process group (Gloo is for CPUs, NCCL for GPUs)"));
  }
  return CheckWorldSize(s, communicator != nullptr ? communicator->world_size() : 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const RunSettings& settings,
                                                         const RunIdentity& identity,
                                                         const DatasetFiles& files,
                                                         const RunOptions& options) {
  if (absl::Status s = CheckCircumstances(settings, options.communicator); !s.ok()) return s;
  std::unique_ptr<Trainer> trainer(new Trainer(settings, identity, options));
  if (absl::Status s = trainer->Build(files); !s.ok()) return s;
  return trainer;
}

Trainer::Trainer(const RunSettings& settings, const RunIdentity& identity,
                 const RunOptions& options)
    : identity_(identity),
      options_(options),
      settings_(settings),
      seeds_(RunSeeds::Derive(identity.seed)),
      device_(settings.device),
      communicator_(options.communicator),
      world_size_(communicator_ != nullptr ? communicator_->world_size() : 1),
      rank_(communicator_ != nullptr ? communicator_->rank() : 0),
      tag_(absl::StrCat("[", identity.arm, " seed ", identity.seed, "]")) {}

absl::Status Trainer::Build(const DatasetFiles& files) {
  absl::StatusOr<int> threads = ConfigureThreads(settings_.threads);
  if (!threads.ok()) return threads.status();
  threads_ = *threads;
  allocator_ = RetainFreedMemory();
  // The kernel choices, model and optimiser before the data: the kernel
  // choices before any CUDA work (a deterministic run's cuBLAS workspace is
  // set before CUDA starts). Neither depends on the other's random streams.
  absl::StatusOr<TrainingSetup> setup =
      MakeTrainingSetup(settings_, files.train->num_classes, seeds_.init, seeds_.gates);
  if (!setup.ok()) return setup.status();
  model_ = setup->model;
  sgd_ = std::move(setup->sgd);
  ResetPeakDeviceMemory(device_);
  if (absl::Status s = BuildData(files); !s.ok()) return s;
  return RestoreOrStart();
}

absl::Status Trainer::BuildData(const DatasetFiles& files) {
  data_on_device_ = settings_.data_on_device == DataPlacement::kOn ||
                    (settings_.data_on_device == DataPlacement::kAuto && device_.is_cuda());
  absl::StatusOr<Dataset> dataset = BuildDataset(files, settings_.dataset, seeds_.data_split);
  if (!dataset.ok()) return dataset.status();
  dataset_ = *std::move(dataset);
  dataset_provenance_ = {{"name", files.name},
                         {"directory", files.directory},
                         {"files_md5", files.md5},
                         {"synthetic", settings_.dataset.synthetic},
                         {"train_images", dataset_.train.size()},
                         {"validation_images", dataset_.validation.size()},
                         {"test_images", dataset_.test.size()},
                         {"channel_means", dataset_.normalization->channel_means()}};
  LoaderOptions train_options;
  train_options.batch_size = settings_.batch_size;
  train_options.augment = settings_.augment;
  train_options.max_shift = settings_.max_shift;
  train_options.seed = seeds_.data_order;
  train_options.rank = rank_;
  train_options.world_size = world_size_;
  train_loader_ = MakeSource(dataset_.train, train_options);
  LoaderOptions eval_options;
  eval_options.batch_size = settings_.eval_batch_size;
  eval_options.shuffle = false;
  eval_options.rank = rank_;
  eval_options.world_size = world_size_;
  if (dataset_.validation.size() > 0) {
    validation_loader_ = MakeSource(dataset_.validation, eval_options);
  }
  test_loader_ = MakeSource(dataset_.test, eval_options);
  steps_per_epoch_ =
      settings_.max_steps_per_epoch > 0
          ? std::min(settings_.max_steps_per_epoch, train_loader_->batches_per_epoch())
          : train_loader_->batches_per_epoch();
  return absl::OkStatus();
}

std::unique_ptr<BatchSource> Trainer::MakeSource(const ImageView& view,
                                                 const LoaderOptions& options) const {
  if (data_on_device_) {
    return std::make_unique<DeviceBatches>(view, *dataset_.normalization, options, device_);
  }
  return std::make_unique<BatchLoader>(view, dataset_.normalization, options);
}

absl::Status Trainer::RestoreOrStart() {
  state_.start_time = NowIso8601();
  if (options_.resume && !options_.checkpoint_path.empty() &&
      FileExists(options_.checkpoint_path)) {
    absl::Status loaded = LoadCheckpoint(options_.checkpoint_path, *model_, *sgd_, &state_,
                                         settings_.config, device_);
    if (!loaded.ok()) return loaded;
    resumed_ = true;
    if (options_.progress != nullptr) {
      const int64_t steps = state_.partial_epoch ? state_.partial_epoch->steps_done : 0;
      options_.progress->Line(
          absl::StrFormat("%s resuming from %s: epoch %d/%d, step %d/%d (iteration %d)", tag_,
                          options_.checkpoint_path, state_.epochs_done + 1, settings_.lr.epochs,
                          steps, steps_per_epoch_, state_.iteration));
    }
  }
  // Data parallel: this rank's own window (one process: the only one).
  const TrainingWindow::Totals own =
      static_cast<int>(state_.rank_windows.size()) == world_size_ && world_size_ > 1
          ? state_.rank_windows[rank_]
          : state_.window;
  window_ = std::make_unique<TrainingWindow>(device_, own);
  if (rank_ == 0 && !options_.metrics_path.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsLog>> log =
        MetricsLog::Open(options_.metrics_path, state_.metrics);
    if (!log.ok()) return log.status();
    metrics_log_ = *std::move(log);
  }
  for (const Json& epoch : state_.epochs) {
    finished_epochs_seconds_ +=
        epoch["train_seconds"].get<double>() + epoch["eval_seconds"].get<double>();
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Trainer::Run() {
  for (int epoch = state_.epochs_done + 1; epoch <= settings_.lr.epochs; ++epoch) {
    EpochLog log = StartEpochLog(epoch);
    absl::StatusOr<bool> stopped = TrainEpoch(log);
    if (!stopped.ok()) return stopped.status();
    if (*stopped) return Stop(log);
    if (settings_.eval_every_iterations == 0) {
      if (options_.progress != nullptr) {
        options_.progress->Status(
            absl::StrFormat("%s epoch %d/%d evaluating", tag_, epoch, settings_.lr.epochs));
      }
      if (absl::Status s = EvaluateTimed(epoch, log.lr, false, log); !s.ok()) return s;
    }
    FinishEpoch(log);
    // With evaluations every K iterations, the run's last steps form a
    // partial window: evaluate it too, so the final test error is final.
    if (settings_.eval_every_iterations > 0 && epoch == settings_.lr.epochs &&
        window_->Read().samples > 0) {
      if (absl::Status s = EvaluateTimed(epoch, log.lr, true, log); !s.ok()) return s;
      state_.epochs.back()["eval_seconds"] = log.eval_seconds;
    }
    state_.epochs_done = epoch;
    finished_epochs_seconds_ += log.train_seconds + log.eval_seconds;
    if (absl::Status s = Checkpoint(); !s.ok()) return s;
    ReportEpoch(log);
  }
  return Result();
}

Trainer::EpochLog Trainer::StartEpochLog(int epoch) {
  EpochLog log;
  log.epoch = epoch;
  log.lr = settings_.lr.LearningRate(epoch);
  double grad_sum = 0;
  if (state_.partial_epoch) {
    const PartialEpoch& p = *state_.partial_epoch;
    log.first_step = p.steps_done;
    log.train_seconds = p.train_seconds;
    log.eval_seconds = p.eval_seconds;
    log.images = p.images;
    log.active_blocks = p.active_blocks;
    log.step_seconds = p.step_seconds;
    grad_sum = p.first_conv_grad_sum;
    log.seconds_before = p.train_seconds + p.eval_seconds;
    state_.partial_epoch.reset();
  }
  log.first_conv_grad_sum =
      torch::full({}, grad_sum, torch::TensorOptions(device_).dtype(torch::kDouble));
  return log;
}

absl::StatusOr<bool> Trainer::TrainEpoch(EpochLog& log) {
  train_loader_->StartEpoch(log.epoch - 1, log.first_step);
  const Clock::time_point epoch_start = Clock::now();
  log.attempt_start = epoch_start;
  const double eval_seconds_before = log.eval_seconds;
  const int64_t steps_before = static_cast<int64_t>(log.step_seconds.size());
  bool stop = false;
  for (int64_t step = log.first_step; step < steps_per_epoch_ && !stop; ++step) {
    const Clock::time_point step_start = Clock::now();
    std::optional<Batch> batch = train_loader_->Next();
    if (!batch) break;
    absl::StatusOr<torch::Tensor> loss = Step(*batch, log);
    if (!loss.ok()) return loss.status();
    const double seconds = SecondsSince(step_start);
    log.step_seconds.push_back(seconds);
    state_.step_seconds.push_back(seconds);
    if (settings_.eval_every_iterations > 0 &&
        state_.iteration % settings_.eval_every_iterations == 0) {
      const double epoch = log.epoch - 1 + static_cast<double>(step + 1) / steps_per_epoch_;
      if (absl::Status s = EvaluateTimed(epoch, log.lr, false, log); !s.ok()) return s;
    }
    ReportStep(log, step, *loss, SecondsSince(epoch_start));
    absl::StatusOr<bool> agreed = StopAgreed();
    if (!agreed.ok()) return agreed.status();
    stop = *agreed;
  }
  if (device_.is_cuda()) {
    // Step times without a host read per step would time only the queueing
    // of GPU work: here every step of the epoch counts as the epoch's mean.
    SynchronizeDevice(device_);
    const int64_t steps = static_cast<int64_t>(log.step_seconds.size()) - steps_before;
    const double mean =
        steps > 0 ? (SecondsSince(epoch_start) - (log.eval_seconds - eval_seconds_before)) / steps
                  : 0;
    std::fill(log.step_seconds.end() - steps, log.step_seconds.end(), mean);
    std::fill(state_.step_seconds.end() - steps, state_.step_seconds.end(), mean);
  }
  log.train_seconds += SecondsSince(epoch_start) - (log.eval_seconds - eval_seconds_before);
  return stop;
}

absl::StatusOr<bool> Trainer::StopAgreed() {
  if (communicator_ == nullptr) return StopRequested();
  if (state_.iteration % std::max(1, options_.stop_check_every) != 0) return false;
  torch::Tensor flag = torch::tensor({StopRequested() ? 1.0 : 0.0}, torch::kDouble);
  if (absl::Status s = communicator_->SumInPlace(flag); !s.ok()) return s;
  return flag.item<double>() > 0;
}

absl::Status Trainer::Stop(const EpochLog& log) {
  state_.partial_epoch = PartialEpoch{static_cast<int64_t>(log.step_seconds.size()),
                                      log.train_seconds,
                                      log.eval_seconds,
                                      log.images,
                                      log.active_blocks,
                                      log.step_seconds,
                                      log.first_conv_grad_sum.item<double>()};
  if (absl::Status s = Checkpoint(); !s.ok()) return s;
  const std::string why = StopRequested() ? absl::StrCat("stopped by ", SignalName(StopSignal()))
                                          : "stopped at another rank's request";
  return absl::CancelledError(absl::StrFormat(
      "%s %s at epoch %d/%d, step %d/%d (iteration %d); checkpoint %s", tag_, why, log.epoch,
      settings_.lr.epochs, state_.partial_epoch->steps_done, steps_per_epoch_, state_.iteration,
      options_.checkpoint_path.empty() ? "none (no --checkpoint_dir)" : options_.checkpoint_path));
}

absl::StatusOr<torch::Tensor> Trainer::Step(const Batch& batch, EpochLog& log) {
  ResNet& model = *model_;
  torch::Tensor inputs = batch.images.to(device_);
  torch::Tensor labels = batch.labels.to(device_);
  absl::Status reduced = absl::OkStatus();
  StepOutput out = TrainStep(model, *sgd_, inputs, labels, log.lr, [&] {
    if (communicator_ != nullptr) {
      absl::StatusOr<int64_t> sent = communicator_->AverageGradients(sgd_->parameters());
      if (!sent.ok()) {
        reduced = sent.status();
        return;
      }
      bytes_reduced_ += *sent;
    }
    // Fig. 7: a dropped first block has gradient zero, as in the original.
    const torch::Tensor& grad = model->first_block_conv()->weight.grad();
    if (grad.defined()) log.first_conv_grad_sum += grad.abs().mean();
  });
  if (!reduced.ok()) return reduced;
  window_->Add(out.loss, out.logits, labels);
  log.images += labels.size(0) * world_size_;  // All ranks: the global batch.
  log.active_blocks += model->last_active_blocks();
  ++state_.iteration;
  ++steps_this_attempt_;
  return out.loss;
}

absl::Status Trainer::Evaluate(double epoch, double lr, bool partial_window) {
  Evaluation e;
  e.epoch = epoch;
  e.iteration = state_.iteration;
  e.lr = lr;
  e.partial_window = partial_window;
  // The training window over all ranks.
  const TrainingWindow::Totals totals = window_->Read();
  torch::Tensor window = torch::tensor(
      {totals.loss_sum, static_cast<double>(totals.errors), static_cast<double>(totals.samples)},
      torch::kDouble);
  if (communicator_ != nullptr) {
    if (absl::Status s = communicator_->SumInPlace(window); !s.ok()) return s;
    // Every rank evaluates rank 0's model: its BN running statistics (the
    // only per-rank state; num_batches_tracked is equal everywhere).
    std::vector<torch::Tensor> statistics;
    for (const torch::Tensor& buffer : (*model_)->buffers()) {
      if (buffer.is_floating_point()) statistics.push_back(buffer);
    }
    if (absl::Status s = communicator_->Broadcast(statistics, 0); !s.ok()) return s;
  }
  const double samples = window[2].item<double>();
  if (samples > 0) {
    e.train_loss = window[0].item<double>() / samples;
    e.train_error = 100.0 * window[1].item<double>() / samples;
  }
  if (validation_loader_ != nullptr) {
    absl::StatusOr<EvalResult> v =
        EvaluateModel(*model_, *validation_loader_, device_, communicator_);
    if (!v.ok()) return v.status();
    e.validation_error = v->error_percent;
  }
  absl::StatusOr<EvalResult> t = EvaluateModel(*model_, *test_loader_, device_, communicator_);
  if (!t.ok()) return t.status();
  e.test_error = t->error_percent;
  window_->Reset();
  state_.evaluations.push_back(e);
  return absl::OkStatus();
}

absl::Status Trainer::EvaluateTimed(double epoch, double lr, bool partial_window, EpochLog& log) {
  const Clock::time_point start = Clock::now();
  if (absl::Status s = Evaluate(epoch, lr, partial_window); !s.ok()) return s;
  const double seconds = SecondsSince(start);
  log.eval_seconds += seconds;
  const int64_t steps = static_cast<int64_t>(log.step_seconds.size());
  Json line = state_.evaluations.back().ToJson();
  line["mean_active_blocks"] = steps > 0 ? static_cast<double>(log.active_blocks) / steps : 0.0;
  line["expected_active_blocks"] = (*model_)->expected_active_blocks();
  line["run_seconds"] =
      finished_epochs_seconds_ + log.seconds_before + SecondsSince(log.attempt_start);
  line["eval_seconds"] = seconds;
  line["time"] = NowIso8601();
  state_.metrics.push_back(line);
  return metrics_log_ != nullptr ? metrics_log_->Append(line) : absl::OkStatus();
}

void Trainer::FinishEpoch(const EpochLog& log) {
  const int64_t steps = static_cast<int64_t>(log.step_seconds.size());
  const double grad_sum = log.first_conv_grad_sum.item<double>();
  state_.epochs.push_back(
      {{"epoch", log.epoch},
       {"lr", log.lr},
       {"steps", steps},
       {"train_seconds", log.train_seconds},
       {"eval_seconds", log.eval_seconds},
       {"images_per_second", log.train_seconds > 0 ? log.images / log.train_seconds : 0.0},
       {"median_step_seconds", Median(log.step_seconds)},
       {"mean_active_blocks", steps > 0 ? static_cast<double>(log.active_blocks) / steps : 0.0},
       {"first_conv_mean_abs_grad", steps > 0 ? grad_sum / steps : 0.0},
       {"conv_weight_norm", ConvWeightNorm(*model_)}});
}

absl::Status Trainer::Checkpoint() {
  state_.gate_state = (*model_)->gate_sampler().SaveState();
  state_.window = window_->Read();
  if (communicator_ != nullptr) {
    // Every rank's window into rank 0's checkpoint: each fills its own slot
    // of zeros, the sum gathers them exactly.
    torch::Tensor all = torch::zeros({world_size_, 3}, torch::kDouble);
    all[rank_][0] = state_.window.loss_sum;
    all[rank_][1] = static_cast<double>(state_.window.errors);
    all[rank_][2] = static_cast<double>(state_.window.samples);
    if (absl::Status s = communicator_->SumInPlace(all); !s.ok()) return s;
    state_.rank_windows.clear();
    for (int r = 0; r < world_size_; ++r) {
      state_.rank_windows.push_back({all[r][0].item<double>(),
                                     static_cast<int64_t>(all[r][1].item<double>()),
                                     static_cast<int64_t>(all[r][2].item<double>())});
    }
  }
  if (options_.checkpoint_path.empty() || rank_ != 0) return absl::OkStatus();
  return SaveCheckpoint(options_.checkpoint_path, *model_, *sgd_, state_, settings_.config);
}

void Trainer::ReportStep(const EpochLog& log, int64_t step, const torch::Tensor& loss,
                         double epoch_elapsed) {
  ProgressReporter* progress = options_.progress;
  if (progress == nullptr || !progress->StepLineDue()) return;
  const Eta eta =
      EstimateEta(epoch_elapsed, step + 1 - log.first_step, steps_per_epoch_ - log.first_step,
                  log.epoch, settings_.lr.epochs, finished_epochs_seconds_);
  progress->StepLine(absl::StrFormat(
      "%s epoch %d/%d step %d/%d loss %.4f | %.0f img/s | epoch ETA %s | run ETA %s", tag_,
      log.epoch, settings_.lr.epochs, step + 1, steps_per_epoch_, loss.item<double>(),
      log.images / std::max(1e-9, log.train_seconds + epoch_elapsed),
      FormatDuration(eta.epoch_seconds), FormatDuration(eta.run_seconds)));
}

void Trainer::ReportEpoch(const EpochLog& log) const {
  if (options_.progress == nullptr) return;
  const Evaluation& last = state_.evaluations.back();
  options_.progress->Line(absl::StrFormat(
      "%s epoch %d/%d lr %g | train loss %.4f err %.2f%% | val %s | test "
      "%.2f%% | %.0f img/s | %s train + %s eval",
      tag_, log.epoch, settings_.lr.epochs, log.lr, last.train_loss, last.train_error,
      last.validation_error ? absl::StrFormat("%.2f%%", *last.validation_error) : std::string("-"),
      last.test_error, log.train_seconds > 0 ? log.images / log.train_seconds : 0.0,
      FormatDuration(log.train_seconds), FormatDuration(log.eval_seconds)));
}

RunFacts Trainer::Facts() {
  ResNet& model = *model_;
  RunFacts facts;
  facts.device = device_.str();
  facts.threads = threads_;
  facts.allocator = allocator_;
  facts.world_size = world_size_;
  facts.global_batch = settings_.batch_size;
  if (communicator_ != nullptr) facts.backend = CollectiveBackendName(communicator_->backend());
  facts.gradient_bytes_reduced_per_step =
      steps_this_attempt_ > 0 && communicator_ != nullptr
          ? static_cast<double>(bytes_reduced_) / steps_this_attempt_
          : 0.0;
  for (const torch::Tensor& p : model->parameters()) {
    facts.gradient_bytes_all_parameters += p.nbytes();
  }
  facts.resumed = resumed_;
  facts.kernels = KernelOptionsJson(settings_.kernels);
  facts.kernels["data_on_device"] = data_on_device_;
  facts.gpu = GpuProvenance(device_);
  facts.device_model = DeviceModelName(device_, facts.gpu);
  if (device_.is_cuda()) facts.gpu["peak_memory_bytes"] = PeakDeviceMemoryBytes(device_);
  facts.dataset = dataset_provenance_;
  facts.command_line = options_.command_line;
  facts.built = options_.built;
  return facts;
}

Json Trainer::Result() {
  ResNet& model = *model_;
  return AssembleResult(identity_, settings_.config, seeds_, state_,
                        SummarizeRun(state_, settings_, model->expected_active_blocks()),
                        RunProvenance(Facts(), state_.start_time));
}

absl::StatusOr<Json> Trainer::EvaluateFile(const std::string& path) {
  absl::StatusOr<ModelFile> file =
      LoadModelFile(path, *model_, device_, [&](const ModelFile& f) -> absl::Status {
        if (f.run.is_object() && f.run.value("seed", identity_.seed) != identity_.seed) {
          return absl::FailedPreconditionError(absl::StrCat(
              path, ": trained with seed ", f.run["seed"].dump(), ", this run is seed ",
              identity_.seed,
              " (the seed draws the validation split): give --seeds=", f.run["seed"].dump()));
        }
        return CheckSameModelAndData(path, f.config, settings_.config);
      });
  if (!file.ok()) return file.status();
  absl::StatusOr<std::string> md5 = Md5OfFile(path);
  if (!md5.ok()) return md5.status();
  Json doc = {{"experiment", identity_.experiment},
              {"arm", identity_.arm},
              {"profile", identity_.profile},
              {"seed", identity_.seed},
              {"evaluated", {{"path", path}, {"kind", file->kind}, {"md5", *md5}}},
              {"compared_settings", "model.* but gate_mode, dataset.* but augment and max_shift"},
              {"test_scaling", TestScalingName(settings_.model.test_scaling)},
              {"eval_batch_size", settings_.eval_batch_size},
              {"validation_images", dataset_.validation.size()},
              {"test_images", dataset_.test.size()},
              {"validation_error_percent", nullptr}};
  if (validation_loader_ != nullptr) {
    absl::StatusOr<EvalResult> v =
        EvaluateModel(*model_, *validation_loader_, device_, communicator_);
    if (!v.ok()) return v.status();
    doc["validation_error_percent"] = v->error_percent;
    doc["validation_loss"] = v->loss;
  }
  absl::StatusOr<EvalResult> t = EvaluateModel(*model_, *test_loader_, device_, communicator_);
  if (!t.ok()) return t.status();
  doc["test_error_percent"] = t->error_percent;
  doc["test_loss"] = t->loss;
  doc["provenance"] = RunProvenance(Facts(), state_.start_time);
  return doc;
}

absl::Status Trainer::SaveWeights(const std::string& path) {
  return sdbench::SaveWeights(path, *model_, *dataset_.normalization, settings_.config,
                              {{"experiment", identity_.experiment},
                               {"arm", identity_.arm},
                               {"profile", identity_.profile},
                               {"seed", identity_.seed}});
}

}  // namespace sdbench
