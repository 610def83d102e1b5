// The one runner behind every experiment target:
//   bazel run //experiments:cifar10_110 -- [--profile=reduced] [--arms=...]
// An experiment target passes --config; every other flag is optional.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/config/experiment_config.h"
#include "lib/data/dataset.h"
#include "lib/distributed/communicator.h"
#include "lib/distributed/launch.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/results/result_file.h"
#include "lib/training/progress.h"
#include "lib/training/trainer.h"

ABSL_FLAG(std::string, config, "", "experiment config (JSON); set by the target");
ABSL_FLAG(std::string, profile, "paper", "paper | reduced | smoke");
ABSL_FLAG(std::string, arms, "", "comma-separated arm names to run (default: all)");
ABSL_FLAG(int, arm_index, -1, "run only the arm with this index (see --list_arms)");
ABSL_FLAG(bool, list_arms, false, "print the experiment's arms, one per line, and exit");
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
ABSL_FLAG(int, dist_timeout_s, 1800,
          "data parallel: seconds a rank waits for the others before it fails");
ABSL_FLAG(std::vector<std::string>, set, {},
          "any config overrides, e.g. --set=schedule.lr=0.05,dataset.augment=false");

namespace sdbench {
namespace {

using Json = nlohmann::json;



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

struct PlannedRun {
  Arm arm;
  int seed;
  Json config;
  std::string result_path;
  std::string checkpoint_path;
};

int Fail(const absl::Status& status) {
  std::cerr << "runner: " << status.message() << "\n";
  return 1;
}

int Main(int argc, char** argv, const std::vector<char*>& positional) {
  if (positional.size() > 1) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument '", positional[1], "' (flags start with --)")));
  }
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (config_path.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--config is required (run an experiment target, e.g. bazel run "
        "//experiments:quickstart)"));
  }
  absl::StatusOr<Experiment> experiment = LoadExperiment(config_path);
  if (!experiment.ok()) return Fail(experiment.status());

  if (absl::GetFlag(FLAGS_list_arms)) {
    for (size_t i = 0; i < experiment->arms.size(); ++i) {
      std::cout << i << "\t" << experiment->arms[i].name << "\n";
    }
    return 0;
  }

  // Which arms and seeds.
  std::vector<Arm> arms;
  const int arm_index = absl::GetFlag(FLAGS_arm_index);
  const std::string arm_names = absl::GetFlag(FLAGS_arms);
  if (arm_index >= 0) {
    if (arm_index >= static_cast<int>(experiment->arms.size())) {
      return Fail(absl::OutOfRangeError(absl::StrCat(
          "--arm_index=", arm_index, " but the experiment has ",
          experiment->arms.size(), " arms (0..", experiment->arms.size() - 1, ")")));
    }
    arms.push_back(experiment->arms[arm_index]);
  } else if (!arm_names.empty()) {
    for (absl::string_view name : absl::StrSplit(arm_names, ',')) {
      bool found = false;
      for (const Arm& arm : experiment->arms) {
        if (arm.name == name) {
          arms.push_back(arm);
          found = true;
        }
      }
      if (!found) {
        std::vector<std::string> known;
        for (const Arm& arm : experiment->arms) known.push_back(arm.name);
        return Fail(absl::InvalidArgumentError(absl::StrCat(
            "unknown arm '", name, "' (known: ", absl::StrJoin(known, ", "), ")")));
      }
    }
  } else {
    arms = experiment->arms;
  }
  std::vector<int> seeds = experiment->seeds;
  if (!absl::GetFlag(FLAGS_seeds).empty()) {
    seeds.clear();
    for (absl::string_view text : absl::StrSplit(absl::GetFlag(FLAGS_seeds), ',')) {
      int seed = 0;
      if (!absl::SimpleAtoi(text, &seed) || seed < 0) {
        return Fail(absl::InvalidArgumentError(absl::StrCat(
            "--seeds: '", text, "' is not a non-negative integer")));
      }
      seeds.push_back(seed);
    }
  }

  // Resolve and check every run's config before any work starts.
  absl::StatusOr<std::vector<std::pair<std::string, Json>>> overrides =
      CommandLineOverrides();
  if (!overrides.ok()) return Fail(overrides.status());
  const std::string profile = absl::GetFlag(FLAGS_profile);
  std::string out_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_out_dir));
  if (out_dir.empty()) out_dir = sdbench::WorkspacePath("results");
  std::string checkpoint_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_checkpoint_dir));
  if (checkpoint_dir.empty()) checkpoint_dir = sdbench::WorkspacePath("checkpoints");
  std::string data_dir = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_data_dir));
  if (data_dir.empty()) {
    const char* env = std::getenv("SDBENCH_DATA_DIR");
    data_dir = env != nullptr ? env : sdbench::WorkspacePath("data");
  }
  const std::string run_dir = absl::StrCat(experiment->name, "/", profile);
  std::vector<PlannedRun> runs;
  for (const Arm& arm : arms) {
    for (int seed : seeds) {
      absl::StatusOr<Json> config =
          ResolveRunConfig(*experiment, profile, arm, *overrides);
      if (!config.ok()) {
        return Fail(absl::Status(config.status().code(),
                                 absl::StrCat("arm '", arm.name, "': ",
                                              config.status().message())));
      }
      if (absl::StatusOr<RunSettings> settings = ParseRunSettings(*config);
          !settings.ok()) {
        return Fail(absl::Status(settings.status().code(),
                                 absl::StrCat("arm '", arm.name, "': ",
                                              settings.status().message())));
      }
      const std::string stem = absl::StrCat(arm.name, "_seed", seed);
      runs.push_back({arm, seed, *config,
                      absl::StrCat(out_dir, "/", run_dir, "/", stem, ".json"),
                      absl::StrCat(checkpoint_dir, "/", run_dir, "/", stem, ".pt")});
    }
  }
  for (const std::string& dir : {absl::StrCat(out_dir, "/", run_dir),
                                 absl::StrCat(checkpoint_dir, "/", run_dir)}) {
    if (absl::Status s = MakeDirectories(dir); !s.ok()) return Fail(s);
  }

  // Data parallel: start local ranks (--nproc), or join a launched job.
  const int nproc = absl::GetFlag(FLAGS_nproc);
  if (nproc < 0 || nproc > 256) {
    return Fail(absl::OutOfRangeError(
        absl::StrCat("--nproc=", nproc, " must be in 0..256")));
  }
  absl::StatusOr<DistributedEnv> env = ReadDistributedEnv();
  if (!env.ok()) return Fail(env.status());
  if (nproc > 1) {
    if (env->world_size > 1) {
      return Fail(absl::InvalidArgumentError(
          "--nproc inside a launched job (WORLD_SIZE is set): use one or the other"));
    }
    std::vector<std::string> child = {SelfExecutablePath()};
    for (int i = 1; i < argc; ++i) {
      if (!absl::StartsWith(argv[i], "--nproc")) child.push_back(argv[i]);
    }
    if (absl::GetFlag(FLAGS_threads).empty()) {
      const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
      child.push_back(absl::StrCat("--threads=", std::max(1, cores / nproc)));
    }
    std::cerr << absl::StrFormat("%s: %d local processes (Gloo over 127.0.0.1)\n",
                                 experiment->name, nproc);
    return RunLocalRanks(nproc, child);
  }
  if (nproc > 1 || env->world_size > 1) {
    for (const PlannedRun& run : runs) {
      if (run.config["model"]["gate_mode"] == "row") {
        return Fail(absl::InvalidArgumentError(absl::StrCat(
            "arm '", run.arm.name, "': model.gate_mode=row needs one process (every "
            "rank would draw the same per-sample gates for different samples)")));
      }
    }
  }
  std::unique_ptr<Communicator> communicator;
  if (env->world_size > 1) {
    if (absl::GetFlag(FLAGS_dist_timeout_s) < 1) {
      return Fail(absl::OutOfRangeError("--dist_timeout_s must be >= 1"));
    }
    absl::StatusOr<std::unique_ptr<Communicator>> connected = Communicator::Connect(
        *env, std::chrono::seconds(absl::GetFlag(FLAGS_dist_timeout_s)));
    if (!connected.ok()) return Fail(connected.status());
    communicator = *std::move(connected);
  }
  // Rank 0 alone writes result files and checkpoints and prints.
  const bool writer = env->rank == 0;

  std::vector<std::string> command_line(argv, argv + argc);
  ProgressLine progress(stderr, ProgressLine::IsTerminal(stderr));
  std::map<std::string, std::shared_ptr<DatasetFiles>> loaded;
  std::vector<Json> finished;
  if (writer) {
    std::cerr << absl::StrFormat("%s (%s profile): %d run(s) -> %s/%s%s\n",
                                 experiment->name, profile, runs.size(), out_dir,
                                 run_dir,
                                 env->world_size > 1
                                     ? absl::StrCat(", ", env->world_size, " processes")
                                     : "");
  }
  for (const PlannedRun& run : runs) {
    bool skip = false;
    if (writer && !absl::GetFlag(FLAGS_force) && FileExists(run.result_path)) {
      absl::StatusOr<Json> existing = ReadResultFile(run.result_path);
      if (existing.ok()) {
        std::cerr << "[" << run.arm.name << " seed " << run.seed
                  << "] already complete: " << run.result_path
                  << " (--force to re-run)\n";
        finished.push_back(*existing);
        skip = true;
      } else {
        std::cerr << "[" << run.arm.name << " seed " << run.seed
                  << "] existing result is not valid, re-running: "
                  << existing.status().message() << "\n";
      }
    }
    if (communicator != nullptr) {  // Rank 0 decides for everyone.
      torch::Tensor flag = torch::tensor({skip ? 1 : 0}, torch::kInt);
      if (absl::Status s = communicator->Broadcast({flag}, 0); !s.ok()) return Fail(s);
      skip = flag.item<int>() != 0;
    }
    if (skip) continue;
    absl::StatusOr<RunSettings> settings = ParseRunSettings(run.config);
    const std::string data_key = absl::StrCat(run.config["dataset"].dump(), data_dir);
    if (loaded.count(data_key) == 0) {
      absl::StatusOr<DatasetFiles> files =
          LoadDatasetFiles(settings->dataset, data_dir, /*synthetic_seed=*/12345);
      if (!files.ok()) return Fail(files.status());
      loaded[data_key] = std::make_shared<DatasetFiles>(*std::move(files));
    }
    RunIdentity identity{experiment->name, run.arm.name, profile, run.seed};
    RunOptions options;
    options.checkpoint_path = run.checkpoint_path;
    options.resume = absl::GetFlag(FLAGS_resume);
    options.command_line = command_line;
    options.progress = writer ? &progress : nullptr;
    options.communicator = communicator.get();
    absl::StatusOr<Json> result =
        TrainRun(run.config, identity, *loaded[data_key], options);
    if (!result.ok()) {
      return Fail(absl::Status(result.status().code(),
                               env->world_size > 1
                                   ? absl::StrCat("rank ", env->rank, ": ",
                                                  result.status().message())
                                   : std::string(result.status().message())));
    }
    if (!writer) continue;
    if (absl::Status s = ValidateResult(*result, run.result_path); !s.ok()) {
      return Fail(s);
    }
    if (absl::Status s = WriteResultFile(run.result_path, *result); !s.ok()) {
      return Fail(s);
    }
    std::cerr << "[" << run.arm.name << " seed " << run.seed
              << "] wrote " << run.result_path << "\n";
    finished.push_back(*result);
  }

  if (!writer) return 0;
  // The comparison table.
  std::cout << absl::StrFormat("\n%s, %s profile\n", experiment->name, profile);
  std::cout << absl::StrFormat("| %-24s | %4s | %9s | %14s | %10s | %9s | %8s | %15s |\n",
                               "arm", "seed", "best ep.", "test err @best",
                               "final test", "train", "img/s", "active blocks");
  std::cout << "|" << std::string(26, '-') << "|------|-----------|----------------|"
            << "------------|-----------|----------|-----------------|\n";
  for (const Json& r : finished) {
    const Json& s = r["summary"];
    std::cout << absl::StrFormat(
        "| %-24s | %4d | %9.2f | %13.2f%% | %9.2f%% | %9s | %8.0f | %6.2f / %6.2f |\n",
        r["arm"].get<std::string>(), r["seed"].get<int>(),
        s["best_validation_epoch"].get<double>(),
        s["test_error_at_best_validation_percent"].get<double>(),
        s["final_test_error_percent"].get<double>(),
        FormatDuration(s["total_train_seconds"].get<double>()),
        s["images_per_second"].get<double>(),
        s["observed_active_blocks"].get<double>(),
        s["expected_active_blocks"].get<double>());
  }
  return 0;
}

}  // namespace
}  // namespace sdbench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "runs an sdbench experiment: runner --config=FILE [--profile=...] [flags]");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return sdbench::Main(argc, argv, positional);
}
