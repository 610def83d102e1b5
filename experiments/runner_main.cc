// The one runner behind every experiment target:
//   bazel run //experiments:cifar10_110 -- [--profile=reduced] [--arms=...]
// An experiment target passes --config; every other flag is optional.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "experiments/run_plan.h"
#include "lib/base/stop.h"
#include "lib/config/config_keys.h"
#include "lib/config/experiment_config.h"
#include "lib/data/dataset.h"
#include "lib/distributed/communicator.h"
#include "lib/distributed/launch.h"
#include "lib/distributed/process_groups.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/results/build_stamp.h"
#include "lib/results/result_file.h"
#include "lib/training/checkpoint.h"
#include "lib/training/metrics_log.h"
#include "lib/training/progress.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "lib/training/trainer.h"

ABSL_FLAG(std::string, config, "", "experiment config (JSON); set by the target");
ABSL_FLAG(std::string, profile, "",
          "paper | reduced | smoke (default: the experiment's default_profile, else paper)");
ABSL_FLAG(std::string, arms, "", "comma-separated arm names to run (default: all)");
ABSL_FLAG(int, arm_index, -1, "run only the arm with this index (see --list_arms)");
ABSL_FLAG(bool, list_arms, false, "print the experiment's arms, one per line, and exit");
ABSL_FLAG(bool, print_config, false,
          "print every planned run's resolved configuration and plan (result and checkpoint "
          "paths, what --resume would do) as JSON, and train nothing");
ABSL_FLAG(std::string, seeds, "", "comma-separated run seeds (default: the config's)");
ABSL_FLAG(std::string, out_dir, "", "result directory (default: <workspace>/results)");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "checkpoint directory (default: <workspace>/checkpoints)");
ABSL_FLAG(std::string, data_dir, "",
          "dataset root (default: $SDBENCH_DATA_DIR, else <workspace>/data)");
ABSL_FLAG(bool, resume, false, "continue interrupted runs from their checkpoints");
ABSL_FLAG(bool, force, false, "re-run runs whose result file already exists");
// Shorthands for common config overrides (empty: not given).
ABSL_FLAG(std::string, epochs, "", "schedule.epochs");
ABSL_FLAG(std::string, batch_size, "", "schedule.batch_size");
ABSL_FLAG(std::string, lr_milestones, "", "schedule.lr_milestones, e.g. 0.5,0.75");
ABSL_FLAG(std::string, depth, "", "model.depth (6N+2)");
ABSL_FLAG(std::string, schedule, "", "model.schedule: constant | linear | uniform");
ABSL_FLAG(std::string, p_last, "", "model.p_last, in (0, 1]");
ABSL_FLAG(std::string, train_subset, "", "dataset.train_subset (0: all)");
ABSL_FLAG(std::string, device, "", "runtime.device: cpu | cuda | cuda:K");
ABSL_FLAG(std::string, threads, "", "runtime.threads (0: all cores)");
ABSL_FLAG(int, nproc, 0,
          "start N local processes that train together (data parallel, Gloo); "
          "each gets cores/N threads unless --threads is given. Launchers "
          "(torchrun --no-python, srun, mpirun) set RANK/WORLD_SIZE instead");
ABSL_FLAG(std::string, stop_signals, "TERM,INT,USR1",
          "signals that stop a run after its current step with a checkpoint there (exit 75; "
          "continue with --resume); a second SIGINT ends it at once");
ABSL_FLAG(int, stop_check_every, 10,
          "data parallel: the ranks agree on a stop request every this many steps");
ABSL_FLAG(double, log_every_s, 60,
          "without a terminal: a progress line at least every this many seconds (and after "
          "the first step, and at every epoch's end)");
ABSL_FLAG(std::string, dist_backend, "auto",
          "data parallel: auto (NCCL for CUDA, Gloo for the CPU) | gloo (also for CUDA: ranks "
          "may share a GPU) | nccl. Named, a job of one process (WORLD_SIZE=1 or --nproc=1) "
          "joins a process group too (a check of the backend)");
ABSL_FLAG(int, dist_timeout_s, 1800,
          "data parallel: seconds a rank waits for the others before it fails");
ABSL_FLAG(std::string, evaluate, "",
          "instead of training: evaluate this checkpoint or weights file (its model and data "
          "settings must agree with the one planned run's) on the validation split and test set");
ABSL_FLAG(std::string, evaluate_out, "",
          "--evaluate's JSON (default: the evaluated file's name with .evaluation.json)");
ABSL_FLAG(bool, save_weights, false,
          "write each trained model's weights for PyTorch beside its checkpoint "
          "(<arm>_seed<k>.weights.pt); with --evaluate: the evaluated model's");
ABSL_FLAG(
    std::vector<std::string>, set, {},
    "any config overrides, e.g. --set=schedule.lr=0.05,dataset.augment=false (repeatable: every "
    "--set applies)");

namespace sdbench {
namespace {

// What every trainer of this program records about it: its command line and
// the commit it was built from.
RunOptions ProgramRunOptions(const std::vector<std::string>& command_line) {
  RunOptions options;
  options.command_line = command_line;
  options.built = BuiltFrom();
  return options;
}

// --profile, else the experiment's default profile.
std::string ProfileOf(const Experiment& experiment) {
  const std::string flag = absl::GetFlag(FLAGS_profile);
  return flag.empty() ? experiment.default_profile : flag;
}

using Json = nlohmann::json;

// Where the launcher put this process (the device rule's L and rank).
RankPlacement PlacementOf(const DistributedEnv& env) {
  RankPlacement placement;
  placement.world_size = env.world_size;
  placement.local_rank = env.local_rank;
  placement.local_world_size = env.local_world_size;
  return placement;
}

absl::StatusOr<std::vector<std::pair<std::string, Json>>> CommandLineOverrides() {
  std::vector<std::pair<std::string, Json>> overrides;
  const std::pair<const char*, std::string> shorthands[] = {
      {"schedule.epochs", absl::GetFlag(FLAGS_epochs)},
      {"schedule.batch_size", absl::GetFlag(FLAGS_batch_size)},
      {"schedule.lr_milestones", absl::GetFlag(FLAGS_lr_milestones).empty()
                                     ? ""
                                     : absl::StrCat("[", absl::GetFlag(FLAGS_lr_milestones), "]")},
      {"model.depth", absl::GetFlag(FLAGS_depth)},
      {"model.schedule", absl::GetFlag(FLAGS_schedule)},
      {"model.p_last", absl::GetFlag(FLAGS_p_last)},
      {"dataset.train_subset", absl::GetFlag(FLAGS_train_subset)},
      {"runtime.device", absl::GetFlag(FLAGS_device)},
      {"runtime.threads", absl::GetFlag(FLAGS_threads)},
  };
  for (const auto& [path, value] : shorthands) {
    if (value.empty()) continue;
    auto parsed = ParseOverride(absl::StrCat(path, "=", value));
    if (!parsed.ok()) return parsed.status();
    overrides.push_back(*parsed);
  }
  for (const std::string& text : absl::GetFlag(FLAGS_set)) {
    auto parsed = ParseOverride(text);
    if (!parsed.ok()) return parsed.status();
    overrides.push_back(*parsed);
  }
  return overrides;
}

int Fail(const absl::Status& status) {
  std::cerr << "runner: " << status.message() << "\n";
  return 1;
}

// Runs a data-parallel job of `nproc` local ranks: this program again, with
// the same flags (less --nproc) and cores / nproc threads each unless
// --threads is given.
int LaunchLocalRanks(const std::string& experiment, int nproc, int argc, char** argv,
                     const std::vector<int>& stop_signals) {
  std::vector<std::string> child = {SelfExecutablePath()};
  for (int i = 1; i < argc; ++i) {
    if (!absl::StartsWith(argv[i], "--nproc")) child.push_back(argv[i]);
  }
  if (absl::GetFlag(FLAGS_threads).empty()) {
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    child.push_back(absl::StrCat("--threads=", std::max(1, cores / nproc)));
  }
  std::cerr << absl::StrFormat("%s: %d local processes (Gloo over 127.0.0.1)\n", experiment, nproc);
  return RunLocalRanks(nproc, child, stop_signals);
}

// A run file's path without .weights.pt or .pt, then `suffix`: the names
// of a checkpoint's sibling files.
std::string SiblingPath(const std::string& path, const std::string& suffix) {
  for (const char* ending : {".weights.pt", ".pt"}) {
    if (absl::EndsWith(path, ending)) return path.substr(0, path.size() - strlen(ending)) + suffix;
  }
  return path + suffix;
}

// Whether `run` is already done (a valid result file exists and --force is
// not given): rank 0 decides for every rank.
absl::StatusOr<std::optional<Json>> FinishedResult(const PlannedRun& run, bool writer,
                                                   Communicator* communicator) {
  std::optional<Json> existing;
  const std::string tag = absl::StrCat("[", run.arm.name, " seed ", run.seed, "] ");
  if (writer && !absl::GetFlag(FLAGS_force) && FileExists(run.result_path)) {
    absl::StatusOr<Json> read = ReadResultFile(run.result_path);
    if (read.ok()) {
      std::cerr << tag << "already complete: " << run.result_path << " (--force to re-run)\n";
      existing = *std::move(read);
    } else {
      std::cerr << tag << "existing result is not valid, re-running: " << read.status().message()
                << "\n";
    }
  }
  if (communicator != nullptr) {
    torch::Tensor skip = torch::tensor({existing.has_value() ? 1 : 0}, torch::kInt);
    if (absl::Status s = communicator->Broadcast({skip}, 0); !s.ok()) return s;
    if (skip.item<int>() != 0 && !existing) existing = Json::object();  // Another rank's.
  }
  return existing;
}

// Trains every planned run not already complete; rank 0 writes the results.
absl::StatusOr<std::vector<Json>> RunAll(const Experiment& experiment, const std::string& profile,
                                         const std::vector<PlannedRun>& runs,
                                         const std::string& data_dir, const DistributedEnv& env,
                                         Communicator* communicator,
                                         const std::vector<std::string>& command_line) {
  const bool writer = env.rank == 0;
  ProgressLine line(stderr, ProgressLine::IsTerminal(stderr));
  ProgressReporter::Options reporting;
  reporting.log_interval_s = absl::GetFlag(FLAGS_log_every_s);
  ProgressReporter progress(&line, reporting);
  std::map<std::string, std::shared_ptr<DatasetFiles>> loaded;  // By dataset config.
  std::vector<Json> finished;
  for (const PlannedRun& run : runs) {
    absl::StatusOr<std::optional<Json>> existing = FinishedResult(run, writer, communicator);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      if (writer) finished.push_back(**existing);
      continue;
    }
    const std::string data_key = absl::StrCat(run.settings.config["dataset"].dump(), data_dir);
    if (loaded.count(data_key) == 0) {
      absl::StatusOr<DatasetFiles> files =
          LoadDatasetFiles(run.settings.dataset, data_dir, /*synthetic_seed=*/12345);
      if (!files.ok()) return files.status();
      loaded[data_key] = std::make_shared<DatasetFiles>(*std::move(files));
    }
    RunOptions options = ProgramRunOptions(command_line);
    options.checkpoint_path = run.checkpoint_path;
    options.metrics_path = MetricsPathFor(run.checkpoint_path);
    options.resume = absl::GetFlag(FLAGS_resume);
    options.progress = writer ? &progress : nullptr;
    options.stop_check_every = absl::GetFlag(FLAGS_stop_check_every);
    options.communicator = communicator;
    absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(
        run.settings, {experiment.name, run.arm.name, profile, run.seed, experiment.reference_arm},
        *loaded[data_key], options);
    absl::StatusOr<Json> result = trainer.ok() ? (*trainer)->Run() : trainer.status();
    if (!result.ok()) {
      return absl::Status(result.status().code(),
                          env.world_size > 1
                              ? absl::StrCat("rank ", env.rank, ": ", result.status().message())
                              : std::string(result.status().message()));
    }
    if (!writer) continue;
    if (absl::Status s = ValidateResult(*result, run.result_path); !s.ok()) return s;
    if (absl::Status s = WriteResultFile(run.result_path, *result); !s.ok()) return s;
    std::cerr << "[" << run.arm.name << " seed " << run.seed << "] wrote " << run.result_path
              << "\n";
    if (absl::GetFlag(FLAGS_save_weights)) {
      const std::string weights = SiblingPath(run.checkpoint_path, ".weights.pt");
      if (absl::Status s = (*trainer)->SaveWeights(weights); !s.ok()) return s;
      std::cerr << "[" << run.arm.name << " seed " << run.seed << "] wrote " << weights << "\n";
    }
    finished.push_back(*std::move(result));
  }
  return finished;
}

// --evaluate: the planned run's data and model, the file's weights.
int EvaluateFile(const Experiment& experiment, const std::vector<PlannedRun>& runs,
                 const std::string& data_dir, const std::vector<std::string>& command_line) {
  const std::string path = ResolveUserPath(absl::GetFlag(FLAGS_evaluate));
  if (runs.size() != 1) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--evaluate needs one planned run, this command plans ", runs.size(),
                     ": choose one with --arms= (or --arm_index=) and --seeds=")));
  }
  const std::string weights = SiblingPath(path, ".weights.pt");
  if (absl::GetFlag(FLAGS_save_weights) && weights == path) {
    return Fail(absl::InvalidArgumentError("--save_weights: " + path + " is a weights file"));
  }
  const PlannedRun& run = runs.front();
  absl::StatusOr<DatasetFiles> files =
      LoadDatasetFiles(run.settings.dataset, data_dir, /*synthetic_seed=*/12345);
  if (!files.ok()) return Fail(files.status());
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(
      run.settings,
      {experiment.name, run.arm.name, ProfileOf(experiment), run.seed, experiment.reference_arm},
      *files, ProgramRunOptions(command_line));
  if (!trainer.ok()) return Fail(trainer.status());
  absl::StatusOr<Json> doc = (*trainer)->EvaluateFile(path);
  if (!doc.ok()) return Fail(doc.status());
  const std::string out = absl::GetFlag(FLAGS_evaluate_out).empty()
                              ? SiblingPath(path, ".evaluation.json")
                              : ResolveUserPath(absl::GetFlag(FLAGS_evaluate_out));
  if (absl::Status s = WriteFileAtomically(out, doc->dump(2) + "\n"); !s.ok()) return Fail(s);
  const Json& v = (*doc)["validation_error_percent"];
  std::cout << absl::StrFormat(
      "[%s seed %d] %s %s: validation error %s, test error %.2f%% (%d test images)\n", run.arm.name,
      run.seed, (*doc)["evaluated"]["kind"].get<std::string>(), path,
      v.is_null() ? std::string("-") : absl::StrFormat("%.2f%%", v.get<double>()),
      (*doc)["test_error_percent"].get<double>(), (*doc)["test_images"].get<int64_t>());
  std::cerr << "wrote " << out << "\n";
  if (absl::GetFlag(FLAGS_save_weights)) {
    if (absl::Status s = (*trainer)->SaveWeights(weights); !s.ok()) return Fail(s);
    std::cerr << "wrote " << weights << "\n";
  }
  return 0;
}

// Every planned run of this invocation, resolved, checked and parsed before
// any work starts, the device resolved for this process's place in its job.
absl::StatusOr<std::vector<PlannedRun>> Plan(const Experiment& experiment,
                                             const std::string& out_dir,
                                             const DistributedEnv& env) {
  const std::string profile = ProfileOf(experiment);
  const std::string checkpoint_dir =
      UserOrWorkspacePath(absl::GetFlag(FLAGS_checkpoint_dir), "checkpoints");
  auto arms = SelectArms(experiment, absl::GetFlag(FLAGS_arm_index), absl::GetFlag(FLAGS_arms));
  if (!arms.ok()) return arms.status();
  auto seeds = ParseSeeds(absl::GetFlag(FLAGS_seeds), experiment.seeds);
  if (!seeds.ok()) return seeds.status();
  auto overrides = CommandLineOverrides();
  if (!overrides.ok()) return overrides.status();
  return PlanRuns(experiment, profile, *arms, *seeds, *overrides, out_dir, checkpoint_dir,
                  PlacementOf(env));
}

// The folders of the runs' results and checkpoints.
absl::Status MakeRunDirectories(const std::vector<PlannedRun>& runs) {
  for (const PlannedRun& run : runs) {
    for (const std::string& path : {run.result_path, run.checkpoint_path}) {
      if (absl::Status s = MakeDirectories(path.substr(0, path.rfind('/'))); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// What --resume would do with `run`'s checkpoint, for --print_config.
Json CheckpointPlan(const PlannedRun& run) {
  Json plan = {{"path", run.checkpoint_path}};
  if (!FileExists(run.checkpoint_path)) {
    plan["state"] = "absent: the run starts from scratch";
    return plan;
  }
  absl::StatusOr<Json> meta = ReadCheckpointMeta(run.checkpoint_path);
  if (!meta.ok()) {
    plan["state"] = absl::StrCat("unreadable: ", meta.status().message());
    return plan;
  }
  plan["epochs_done"] = (*meta)["epochs_done"];
  plan["iteration"] = (*meta)["iteration"];
  const absl::Status resumable = CheckResumable((*meta)["config"], run.settings.config);
  if (!absl::GetFlag(FLAGS_resume)) {
    plan["state"] = "present; without --resume the run starts over and replaces it";
  } else if (resumable.ok()) {
    plan["state"] =
        absl::StrCat("--resume continues it after iteration ", (*meta)["iteration"].get<int64_t>());
  } else {
    plan["state"] = absl::StrCat("--resume refuses it: ", resumable.message());
  }
  return plan;
}

// --print_config: every planned run's configuration and plan, as JSON.
int PrintConfig(const Experiment& experiment, const std::vector<PlannedRun>& runs) {
  Json doc = {
      {"experiment", experiment.name}, {"profile", ProfileOf(experiment)}, {"runs", Json::array()}};
  for (const PlannedRun& run : runs) {
    Json result = {{"path", run.result_path}};
    if (!FileExists(run.result_path)) {
      result["state"] = "absent";
    } else if (absl::GetFlag(FLAGS_force)) {
      result["state"] = "present; --force trains again and replaces it";
    } else {
      result["state"] = ReadResultFile(run.result_path).ok()
                            ? "complete: the run is skipped (--force to train again)"
                            : "present but not a valid result: the run trains again";
    }
    doc["runs"].push_back({{"arm", run.arm.name},
                           {"seed", run.seed},
                           {"device", run.settings.device.str()},
                           {"result", result},
                           {"checkpoint", CheckpointPlan(run)},
                           {"config", run.settings.config}});
  }
  std::cout << doc.dump(2) << "\n";
  return 0;
}

// The data-parallel job this process belongs to (world size 1: none): a
// communicator when launched as one rank of several, over Gloo for CPU
// runs and NCCL for GPU runs (on the GPU the runs' device names for this rank).
absl::StatusOr<std::unique_ptr<Communicator>> JoinJob(const DistributedEnv& env,
                                                      const std::vector<PlannedRun>& runs) {
  const std::string requested = absl::GetFlag(FLAGS_dist_backend);
  if (env.world_size <= 1 && requested == "auto") return nullptr;
  if (absl::GetFlag(FLAGS_dist_timeout_s) < 1) {
    return absl::OutOfRangeError("--dist_timeout_s must be >= 1");
  }
  const std::string device = runs.front().settings.config["runtime"]["device"];
  for (const PlannedRun& run : runs) {
    if (run.settings.device != runs.front().settings.device) {
      return absl::InvalidArgumentError(
          "data parallel: every run of one job must train on the same kind of device");
    }
  }
  absl::StatusOr<CollectiveBackend> backend =
      ChooseBackend(device, requested, GlooAvailable(), NcclAvailable());
  if (!backend.ok()) return backend.status();
  return Communicator::Connect(env, std::chrono::seconds(absl::GetFlag(FLAGS_dist_timeout_s)),
                               *backend, runs.front().settings.device);
}

int Main(int argc, char** argv, const std::vector<char*>& positional) {
  if (positional.size() > 1) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", positional[1], "' (flags start with --)")));
  }
  if (absl::GetFlag(FLAGS_config).empty()) {
    return Fail(
        absl::InvalidArgumentError("--config is required (run an experiment target, e.g. bazel run "
                                   "//experiments:quickstart)"));
  }
  absl::StatusOr<Experiment> experiment = LoadExperiment(absl::GetFlag(FLAGS_config));
  if (!experiment.ok()) return Fail(experiment.status());
  if (absl::GetFlag(FLAGS_list_arms)) {
    for (size_t i = 0; i < experiment->arms.size(); ++i) {
      std::cout << i << "\t" << experiment->arms[i].name << "\n";
    }
    return 0;
  }
  absl::StatusOr<std::vector<int>> stop_signals =
      ParseStopSignals(absl::GetFlag(FLAGS_stop_signals));
  if (!stop_signals.ok()) return Fail(stop_signals.status());
  if (absl::GetFlag(FLAGS_log_every_s) < 0 || absl::GetFlag(FLAGS_stop_check_every) < 1) {
    return Fail(absl::OutOfRangeError("--log_every_s must be >= 0 and --stop_check_every >= 1"));
  }
  if (absl::Status s = InstallStopHandlers(*stop_signals); !s.ok()) return Fail(s);
  // A file-size limit (ulimit -f) then fails a write with a clear error
  // instead of killing the process; so does a write to a socket whose peer
  // died (Gloo then reports the broken pipe and the rank exits 1 saying so,
  // where SIGPIPE would kill it without a word).
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string out_dir = UserOrWorkspacePath(absl::GetFlag(FLAGS_out_dir), "results");
  absl::StatusOr<DistributedEnv> env = ReadDistributedEnv();
  if (!env.ok()) return Fail(env.status());
  absl::StatusOr<std::vector<PlannedRun>> runs = Plan(*experiment, out_dir, *env);
  if (!runs.ok()) return Fail(runs.status());
  if (absl::GetFlag(FLAGS_print_config)) return PrintConfig(*experiment, *runs);
  if (absl::Status s = MakeRunDirectories(*runs); !s.ok()) return Fail(s);

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir).empty()
                                   ? DefaultDataDir()
                                   : ResolveUserPath(absl::GetFlag(FLAGS_data_dir));
  const int nproc = absl::GetFlag(FLAGS_nproc);
  if (!absl::GetFlag(FLAGS_evaluate).empty()) {
    const char* world = std::getenv("WORLD_SIZE");
    if (nproc > 1 || (world != nullptr && std::atoi(world) > 1)) {
      return Fail(
          absl::InvalidArgumentError("--evaluate runs in one process (no --nproc, no "
                                     "launcher)"));
    }
    return EvaluateFile(*experiment, *runs, data_dir, std::vector<std::string>(argv, argv + argc));
  }

  // Data parallel: start local ranks (--nproc), or join a launched job.
  if (nproc < 0 || nproc > 256) {
    return Fail(absl::OutOfRangeError(absl::StrCat("--nproc=", nproc, " must be in 0..256")));
  }
  if (absl::Status s = CheckWorldSize(*runs, std::max(nproc, env->world_size)); !s.ok()) {
    return Fail(s);
  }
  if (nproc > 1 && env->world_size > 1) {
    return Fail(absl::InvalidArgumentError(
        "--nproc inside a launched job (WORLD_SIZE is set): use one or the other"));
  }
  if (nproc > 1) return LaunchLocalRanks(experiment->name, nproc, argc, argv, *stop_signals);
  absl::StatusOr<std::unique_ptr<Communicator>> communicator = JoinJob(*env, *runs);
  if (!communicator.ok()) return Fail(communicator.status());

  // Rank 0 alone writes result files and checkpoints, and prints.
  const std::string profile = ProfileOf(*experiment);
  const bool writer = env->rank == 0;
  if (writer) {
    std::cerr << absl::StrFormat(
        "%s (%s profile): %d run(s) -> %s/%s/%s%s\n", experiment->name, profile, runs->size(),
        out_dir, experiment->name, profile,
        env->world_size > 1 ? absl::StrCat(", ", env->world_size, " processes") : "");
  }
  auto finished = RunAll(*experiment, profile, *runs, data_dir, *env, communicator->get(),
                         std::vector<std::string>(argv, argv + argc));
  if (absl::IsCancelled(finished.status())) {  // A stop request: resumable.
    if (writer) {
      std::cerr << finished.status().message() << "\n"
                << "runner: stopped; to continue from there, run the same command with --resume"
                << (absl::GetFlag(FLAGS_resume) ? " (as now)" : "") << "\n";
    }
    return kStoppedExitCode;
  }
  if (!finished.ok()) return Fail(finished.status());
  if (writer) {
    auto reading = experiment->reading.find(profile);
    std::cout << SummaryTable(experiment->name, profile, *finished, experiment->reference_arm,
                              reading == experiment->reading.end() ? "" : reading->second);
  }
  return 0;
}

// Abseil keeps only the last of a repeated flag, so `--set=a=1 --set=b=2`
// would silently drop a=1: every --set (up to a "--") joins one list.
std::vector<std::string> MergeSetFlags(int argc, char** argv) {
  std::vector<std::string> args, sets;
  int i = 0;
  for (; i < argc && std::string(argv[i]) != "--"; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--set=") || absl::StartsWith(arg, "-set=")) {
      sets.push_back(arg.substr(arg.find('=') + 1));
    } else if ((arg == "--set" || arg == "-set") && i + 1 < argc) {
      sets.push_back(argv[++i]);
    } else {
      args.push_back(arg);
    }
  }
  if (!sets.empty()) args.push_back("--set=" + absl::StrJoin(sets, ","));
  for (; i < argc; ++i) args.push_back(argv[i]);
  return args;
}

}  // namespace
}  // namespace sdbench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "runs an sdbench experiment: runner --config=FILE [--profile=...] [flags]");
  std::vector<std::string> merged = sdbench::MergeSetFlags(argc, argv);
  std::vector<char*> merged_argv;
  for (std::string& arg : merged) merged_argv.push_back(arg.data());
  merged_argv.push_back(nullptr);
  const int merged_argc = static_cast<int>(merged.size());
  std::vector<char*> positional = absl::ParseCommandLine(merged_argc, merged_argv.data());
  return sdbench::Main(merged_argc, merged_argv.data(), positional);
}
