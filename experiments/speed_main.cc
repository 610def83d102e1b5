// The speed benchmark: our training step against a PyTorch (Python) peer,
// interleaved in one run, plus the machine's convolution limit and the cost
// of the input pipeline. Writes results/benchmarks/train_step_<depth>.json
// (train_step_<depth>_cuda.json on a GPU).
//
//   bazel run //experiments:speed                      # depth 110
//   bazel run //experiments:speed -- --with_1202       # and depth 1202
//   speed --device=cuda --peer_python=$(which python3) # a GPU (CMake build)
//
// Every measured configuration runs in a fresh worker process (this binary
// with --worker, see speed_workers.h, or the Python peer), one after another
// and never two at a time: round r runs every configuration once, in an
// order rotated per round, so slow drifts of the machine hit all of them
// alike. Each worker runs warm-up steps, then timed steps, then reports its
// peak RSS. The report's arithmetic is in speed_report.h; the targets are
// data (baselines/speed_targets.json).
//
// Configurations: "ours" (the default model: channels-last, freed memory
// retained), "plain" (the same C++ code with NCHW activations and glibc's
// defaults: the unoptimised reference path), "peer_a" (Python, dropped
// blocks skipped), "peer_b" (Python, branch multiplied by the gate). On a
// GPU every step ends with a synchronisation (the benchmark only: training
// reads the device at progress points), "plain" and the CPU-only parts are
// left out, and peer_b also runs through torch.compile ("peer_c": default
// mode, "peer_c_ro": reduce-overhead, i.e. CUDA graphs); peer_a is not
// compiled, as each new gate pattern would recompile it.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "experiments/speed_report.h"
#include "experiments/speed_workers.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"
#include "lib/io/process.h"
#include "lib/model/resnet.h"
#include "lib/results/build_stamp.h"
#include "lib/results/provenance.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, depths, "110", "comma-separated depths (6N+2)");
ABSL_FLAG(bool, with_1202, false, "also benchmark depth 1202 (~10 minutes)");
ABSL_FLAG(int, rounds, 5, "interleaved rounds per configuration");
ABSL_FLAG(int, rounds_1202, 2, "rounds at depth >= 1000");
ABSL_FLAG(int, steps, 3, "timed steps per configuration and round");
ABSL_FLAG(int, warmup, 2, "untimed steps before them");
ABSL_FLAG(int, batch, sdbench::PaperSettings().batch_size, "batch size (default: the paper's)");
ABSL_FLAG(int, threads, 0, "intra-op threads of every worker (0: all cores)");
ABSL_FLAG(int, epoch_steps, 40, "steps of the input-pipeline measurement (0: skip it)");
ABSL_FLAG(int, conv_reps, 7, "timed repetitions per convolution shape");
ABSL_FLAG(std::string, device, "cpu",
          "cpu, cuda or cuda:K: where every configuration (ours and the peer) trains");
ABSL_FLAG(bool, peer, true, "run the PyTorch peer (needs python3-torch)");
ABSL_FLAG(std::string, peer_python, "/usr/bin/python3", "Python with torch");
ABSL_FLAG(std::string, peer_script, "baselines/peer/resnet_sd_peer.py",
          "the peer (relative to the runfiles or the working directory)");
ABSL_FLAG(std::string, targets, "baselines/speed_targets.json",
          "the targets (relative to the runfiles or the workspace)");
ABSL_FLAG(std::string, data_dir, "",
          "CIFAR-10 for the input-pipeline measurement (default: $SDBENCH_DATA_DIR, "
          "else <workspace>/data; synthetic images when absent)");
ABSL_FLAG(std::string, out_dir, "", "report folder (default: <workspace>/results/benchmarks)");
ABSL_FLAG(std::string, configs, "",
          "only these configurations, e.g. ours/constant,peer_a/constant (default: all)");
ABSL_FLAG(double, planted_slowdown, 0,
          "TEST ONLY: extra work in every step of ours (a forward and backward pass over "
          "this fraction of the batch), to show the CI speed gate catches a slowdown");
// Internal: run as a worker.
ABSL_FLAG(std::string, worker, "", "internal: ours | plain | conv | epoch");
ABSL_FLAG(int, depth, sdbench::PaperSettings().model.depth, "internal: worker depth");
ABSL_FLAG(std::string, mode, "constant", "internal: constant | stochastic");
ABSL_FLAG(int, seed, 1, "internal: worker seed (gates); the round number");

namespace sdbench {
namespace {

using Json = nlohmann::json;

// A file the benchmark ships: as given (runfiles, working directory), else
// in the workspace.
std::string ShippedFile(const std::string& path) {
  return FileExists(path) ? path : WorkspacePath(path);
}

struct Config {
  // ours | plain | peer_a | peer_b | peer_c (peer_b through torch.compile's
  // default mode) | peer_c_ro (its reduce-overhead mode: CUDA graphs).
  std::string impl;
  std::string mode;  // constant | stochastic
  std::string name() const { return impl + "/" + mode; }
};

bool OnGpu() { return absl::GetFlag(FLAGS_device) != "cpu"; }

// Every configuration there is at `depth`. On a GPU: no "plain" (it is
// the CPU's unoptimised reference: glibc allocator, no oneDNN layout
// choice) and the compiled peers, which need PyTorch >= 2 (Debian's CPU
// torch is 1.13).
std::vector<Config> AllConfigurations(int depth, bool peer, bool gpu) {
  const bool huge = depth >= 1000;
  std::vector<Config> configs = {{"ours", "constant"}, {"ours", "stochastic"}};
  if (!huge && !gpu) {
    configs.insert(configs.end(), {{"plain", "constant"}, {"plain", "stochastic"}});
  }
  if (!peer) return configs;
  configs.insert(configs.end(), {{"peer_a", "constant"}, {"peer_a", "stochastic"}});
  if (!huge || gpu) configs.push_back({"peer_b", "constant"});
  configs.push_back({"peer_b", "stochastic"});
  if (gpu) {
    configs.insert(configs.end(), {{"peer_c", "constant"},
                                   {"peer_c", "stochastic"},
                                   {"peer_c_ro", "constant"},
                                   {"peer_c_ro", "stochastic"}});
  }
  return configs;
}

// The configurations measured at `depth`: all, or those --configs names.
std::vector<Config> Configurations(int depth, bool peer) {
  std::vector<Config> configs = AllConfigurations(depth, peer, OnGpu());
  const std::string only = absl::GetFlag(FLAGS_configs);
  if (only.empty()) return configs;
  std::vector<Config> chosen;
  for (const Config& c : configs) {
    for (absl::string_view name : absl::StrSplit(only, ',')) {
      if (c.name() == name) chosen.push_back(c);
    }
  }
  return chosen;
}

std::string ThreadsFlag() {
  const int threads = absl::GetFlag(FLAGS_threads);
  return absl::StrCat(
      "--threads=", threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()));
}

std::vector<std::string> WorkerArgv(const Config& c, int depth, int round) {
  std::vector<std::string> argv;
  if (c.impl == "ours" || c.impl == "plain") {
    argv = {SelfExecutablePath(), absl::StrCat("--worker=", c.impl)};
    if (c.impl == "ours" && absl::GetFlag(FLAGS_planted_slowdown) > 0) {
      argv.push_back(absl::StrCat("--planted_slowdown=", absl::GetFlag(FLAGS_planted_slowdown)));
    }
  } else {
    argv = {absl::GetFlag(FLAGS_peer_python), ShippedFile(absl::GetFlag(FLAGS_peer_script)),
            absl::StrCat("--variant=", c.impl == "peer_a" ? "a" : "b")};
    if (c.impl == "peer_c") argv.push_back("--compile=default");
    if (c.impl == "peer_c_ro") argv.push_back("--compile=reduce-overhead");
  }
  argv.insert(argv.end(), {absl::StrCat("--seed=", round + 1), absl::StrCat("--depth=", depth),
                           absl::StrCat("--mode=", c.mode), ThreadsFlag(),
                           absl::StrCat("--batch=", absl::GetFlag(FLAGS_batch)),
                           absl::StrCat("--device=", absl::GetFlag(FLAGS_device))});
  return argv;
}

// A worker over stdin/stdout, one JSON line per answer.
class Worker {
 public:
  static absl::StatusOr<Worker> Start(const std::vector<std::string>& argv) {
    Subprocess::Options options;
    options.pipe_stdin = true;
    options.pipe_stdout = true;
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(argv, options);
    if (!process.ok()) return process.status();
    return Worker(*std::move(process));
  }

  absl::StatusOr<Json> Read() {
    std::optional<std::string> line = process_->ReadLine();
    if (!line) {
      const int code = process_->Wait();
      return absl::InternalError(absl::StrCat(
          "worker '", process_->name(), "' ended without answering (",
          Subprocess::DescribeExit(code), code == 128 + SIGKILL ? ": out of memory?" : "",
          "); any error it printed is above"));
    }
    absl::StatusOr<Json> parsed = ParseJson(absl::StrCat("worker '", process_->name(), "'"), *line);
    if (!parsed.ok()) return parsed.status();
    return parsed;
  }

  absl::StatusOr<Json> Call(const Json& command) {
    if (absl::Status s = process_->WriteLine(command.dump()); !s.ok()) return s;
    return Read();
  }

  void Quit() {
    (void)process_->WriteLine(R"({"cmd": "quit"})");
    process_->Wait();
  }

 private:
  explicit Worker(std::unique_ptr<Subprocess> process) : process_(std::move(process)) {}
  std::unique_ptr<Subprocess> process_;
};

// One round of configuration `c`: a fresh worker, warm-up, timed steps, RSS.
absl::Status MeasureOnce(const Config& c, int depth, int round, Samples* samples) {
  absl::StatusOr<Worker> worker = Worker::Start(WorkerArgv(c, depth, round));
  if (!worker.ok()) return worker.status();
  absl::StatusOr<Json> ready = worker->Read();
  if (!ready.ok()) return ready.status();
  samples->ready = *ready;
  if (absl::GetFlag(FLAGS_warmup) > 0) {
    absl::StatusOr<Json> warm =
        worker->Call({{"cmd", "steps"}, {"n", absl::GetFlag(FLAGS_warmup)}});
    if (!warm.ok()) return warm.status();
  }
  absl::StatusOr<Json> timed = worker->Call({{"cmd", "steps"}, {"n", absl::GetFlag(FLAGS_steps)}});
  if (!timed.ok()) return timed.status();
  for (size_t i = 0; i < (*timed)["step_s"].size(); ++i) {
    const double s = (*timed)["step_s"][i].get<double>();
    samples->step_s.push_back(s);
    samples->round.push_back(round);
    samples->active.push_back((*timed)["active_blocks"][i].get<double>());
    if (timed->contains("conv_flops") && !OnGpu()) {
      samples->flops_per_s.push_back((*timed)["conv_flops"][i].get<double>() / s);
    }
    if (timed->contains("host_s")) samples->host_s.push_back((*timed)["host_s"][i].get<double>());
  }
  absl::StatusOr<Json> rss = worker->Call({{"cmd", "rss"}});
  if (!rss.ok()) return rss.status();
  samples->peak_rss = std::max<int64_t>(samples->peak_rss, (*rss)["peak_rss_bytes"].get<int64_t>());
  samples->peak_device =
      std::max<int64_t>(samples->peak_device, rss->value("peak_device_bytes", int64_t{0}));
  worker->Quit();
  return absl::OkStatus();
}

// A one-answer worker (conv, epoch).
absl::StatusOr<Json> RunInternalWorker(const std::vector<std::string>& argv) {
  absl::StatusOr<Worker> worker = Worker::Start(argv);
  if (!worker.ok()) return worker.status();
  return worker->Read();
}

// Every round of every configuration at `depth`.
std::vector<Samples> MeasureRounds(const std::vector<Config>& configs, int depth, int rounds) {
  std::vector<Samples> samples(configs.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < configs.size(); ++k) {
      const size_t i = (k + r) % configs.size();
      std::cerr << absl::StrFormat("speed: depth %d round %d/%d %-18s", depth, r + 1, rounds,
                                   configs[i].name());
      if (!samples[i].error.empty()) {
        std::cerr << " skipped (failed before)\n";
        continue;
      }
      if (absl::Status s = MeasureOnce(configs[i], depth, r, &samples[i]); !s.ok()) {
        // Recorded in the report; the other configurations go on.
        std::cerr << "\nspeed: " << s.message() << "\n";
        samples[i].error = std::string(s.message());
        continue;
      }
      std::cerr << absl::StrFormat(" median so far %.3f s\n", Median(samples[i].step_s));
    }
  }
  return samples;
}

// "ratios" (pooled medians) and "ratios_round_paired" of the report.
void AddRatios(const std::vector<Config>& configs, const std::vector<Samples>& samples, int rounds,
               Json* report) {
  auto find = [&](const std::string& name) -> const Samples* {
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].name() == name && samples[i].error.empty() && !samples[i].step_s.empty()) {
        return &samples[i];
      }
    }
    return nullptr;
  };
  Json ratios = Json::object(), paired = Json::object();
  const std::tuple<const char*, const char*, const char*, bool> kRatios[] = {
      {"ours_stochastic_over_constant", "ours/stochastic", "ours/constant", true},
      {"ours_over_peer_a_constant", "ours/constant", "peer_a/constant", true},
      {"ours_over_peer_b_stochastic", "ours/stochastic", "peer_b/stochastic", true},
      {"ours_over_peer_a_stochastic", "ours/stochastic", "peer_a/stochastic", false},
      {"peer_a_stochastic_over_constant", "peer_a/stochastic", "peer_a/constant", false},
      {"peer_b_stochastic_over_constant", "peer_b/stochastic", "peer_b/constant", false},
      {"ours_over_plain_constant", "ours/constant", "plain/constant", true},
      {"ours_over_plain_stochastic", "ours/stochastic", "plain/stochastic", false},
      {"plain_stochastic_over_constant", "plain/stochastic", "plain/constant", false},
      {"ours_over_peer_b_constant", "ours/constant", "peer_b/constant", true},
      {"ours_over_peer_c_constant", "ours/constant", "peer_c/constant", true},
      {"ours_over_peer_c_ro_constant", "ours/constant", "peer_c_ro/constant", true},
      {"ours_over_peer_c_stochastic", "ours/stochastic", "peer_c/stochastic", true},
      {"ours_over_peer_c_ro_stochastic", "ours/stochastic", "peer_c_ro/stochastic", true},
      {"peer_c_stochastic_over_constant", "peer_c/stochastic", "peer_c/constant", false}};
  for (const auto& [key, a, b, round_paired] : kRatios) {
    const Samples* x = find(a);
    const Samples* y = find(b);
    if (x == nullptr || y == nullptr) continue;
    ratios[key] = Median(x->step_s) / Median(y->step_s);
    if (!round_paired) continue;
    if (std::optional<Json> r = RoundPairedRatio(*x, *y, rounds)) paired[key] = *r;
  }
  const Samples* ours = find("ours/constant");
  const Samples* peer = find("peer_a/constant");
  if (ours != nullptr && peer != nullptr) {
    ratios["ours_over_peer_a_peak_rss_constant"] =
        static_cast<double>(ours->peak_rss) / static_cast<double>(peer->peak_rss);
    if (ours->peak_device > 0 && peer->peak_device > 0) {
      ratios["ours_over_peer_a_peak_device_memory_constant"] =
          static_cast<double>(ours->peak_device) / static_cast<double>(peer->peak_device);
    }
  }
  (*report)["ratios"] = ratios;
  (*report)["ratios_round_paired"] = paired;
}

// oneDNN's convolution limit and how much of it our steps reach.
absl::StatusOr<Json> MeasureConvLimit(int depth, const Json& configurations) {
  std::cerr << "speed: timing oneDNN's convolutions\n";
  absl::StatusOr<Json> conv = RunInternalWorker(
      {SelfExecutablePath(), "--worker=conv", ThreadsFlag(), absl::StrCat("--depth=", depth),
       absl::StrCat("--batch=", absl::GetFlag(FLAGS_batch)),
       absl::StrCat("--conv_reps=", absl::GetFlag(FLAGS_conv_reps))});
  if (!conv.ok()) return conv.status();
  Json limit = ConvLimit(*conv, DistinctConvShapes(depth));
  limit["shapes"] = (*conv)["shapes"];
  limit["step_flops_counted"] =
      "3x3 convolutions only: forward, input gradient (not for the stem), "
      "weight gradient, of the blocks that ran (lib/model TrainingStepConvFlops)";
  for (const char* mode : {"constant", "stochastic"}) {
    const std::string name = absl::StrCat("ours/", mode);
    if (!configurations.contains(name) || !configurations[name].contains("median_conv_gflops")) {
      continue;
    }
    limit[absl::StrCat("fraction_reached_", mode)] =
        configurations[name]["median_conv_gflops"].get<double>() /
        limit["network_mix_gflops"].get<double>();
  }
  return limit;
}

absl::StatusOr<Json> MeasureEpoch(int depth) {
  std::cerr << "speed: timing an epoch fragment with the input pipeline\n";
  return RunInternalWorker({SelfExecutablePath(), "--worker=epoch", ThreadsFlag(),
                            absl::StrCat("--depth=", depth),
                            absl::StrCat("--batch=", absl::GetFlag(FLAGS_batch)),
                            absl::StrCat("--epoch_steps=", absl::GetFlag(FLAGS_epoch_steps)),
                            absl::StrCat("--data_dir=", absl::GetFlag(FLAGS_data_dir))});
}

// The whole report of one depth.
absl::StatusOr<Json> BenchmarkDepth(int depth, const Json& targets,
                                    const std::vector<std::string>& command_line,
                                    bool* any_failed) {
  const std::string start_time = NowIso8601();
  const bool peer = absl::GetFlag(FLAGS_peer);
  const std::vector<Config> configs = Configurations(depth, peer);
  const int rounds = depth >= 1000 ? absl::GetFlag(FLAGS_rounds_1202) : absl::GetFlag(FLAGS_rounds);
  const std::vector<Samples> samples = MeasureRounds(configs, depth, rounds);
  Json report = {{"benchmark", "train_step"},
                 {"depth", depth},
                 {"batch", absl::GetFlag(FLAGS_batch)},
                 {"survival", "linear decay to p_L = 0.5 (stochastic), all 1 (constant)"},
                 {"rounds", rounds},
                 {"steps_per_round", absl::GetFlag(FLAGS_steps)},
                 {"warmup_steps_per_worker", absl::GetFlag(FLAGS_warmup)},
                 {"device", absl::GetFlag(FLAGS_device)},
                 {"planted_slowdown", absl::GetFlag(FLAGS_planted_slowdown)}};
  Json configurations = Json::object();
  for (size_t i = 0; i < configs.size(); ++i) {
    Json summary = SummarizeSamples(samples[i], absl::GetFlag(FLAGS_batch));
    summary["worker"] = samples[i].ready;
    configurations[configs[i].name()] = summary;
    *any_failed |= !samples[i].error.empty();
  }
  report["configurations"] = configurations;
  WorkerOptions stochastic;
  stochastic.depth = depth;
  stochastic.mode = "stochastic";
  ResNet reference = *MakeResNet(WorkerSettings(stochastic, false).model);
  report["expected_active_blocks_stochastic"] = reference->expected_active_blocks();
  report["blocks"] = reference->num_blocks();
  AddRatios(configs, samples, rounds, &report);
  // oneDNN's limit and the CPU input pipeline are CPU facts; on a GPU the
  // report has host_fraction per configuration instead (launch-bound?).
  if (!OnGpu()) {
    absl::StatusOr<Json> limit = MeasureConvLimit(depth, configurations);
    if (!limit.ok()) return limit.status();
    report["conv_limit"] = *limit;
  }
  if (!OnGpu() && depth < 1000 && absl::GetFlag(FLAGS_epoch_steps) > 0) {
    absl::StatusOr<Json> epoch = MeasureEpoch(depth);
    if (!epoch.ok()) return epoch.status();
    report["epoch"] = *epoch;
  }
  const std::string key = absl::StrCat(depth);
  report["targets"] = targets["by_depth"].contains(key)
                          ? CheckTargets(targets["by_depth"][key], report)
                          : Json::object();
  std::string peer_torch;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (configs[i].impl.rfind("peer", 0) == 0 && samples[i].ready.contains("torch")) {
      peer_torch = samples[i].ready["torch"].get<std::string>();
    }
  }
  report["provenance"] = {{"git", SourceProvenance(BuiltFrom())},
                          {"machine", MachineAndLibTorchProvenance()},
                          {"threads", samples[0].ready.value("threads", 0)},
                          {"gpu", samples[0].ready.value("gpu", Json())},
                          {"kernels", OnGpu() ? Json({{"tf32_convolutions", true},
                                                      {"tf32_matmul", false},
                                                      {"cudnn_benchmark", true},
                                                      {"precision", "fp32"}})
                                              : Json()},
                          {"allocator_ours", samples[0].ready.value("allocator", "")},
                          {"peer_torch", peer_torch},
                          {"peer_python", peer ? absl::GetFlag(FLAGS_peer_python) : ""},
                          {"start_time", start_time},
                          {"end_time", NowIso8601()},
                          {"command_line", command_line}};
  return report;
}

void PrintReport(const Json& report, const std::string& path) {
  std::cout << absl::StrFormat(
      "\ndepth %d, batch %d, %d threads: median step (s), images/s, peak RSS\n",
      report["depth"].get<int>(), report["batch"].get<int>(),
      report["provenance"]["threads"].get<int>());
  for (const auto& [name, s] : report["configurations"].items()) {
    if (s.contains("failed")) {
      std::cout << absl::StrFormat("  %-18s failed: %s\n", name, s["failed"].get<std::string>());
      continue;
    }
    std::cout << absl::StrFormat("  %-20s %7.4f  %7.1f  %6.2f GiB  active %.1f", name,
                                 s["median_step_s"].get<double>(), s["images_per_s"].get<double>(),
                                 s["peak_rss_bytes"].get<double>() / (1 << 30),
                                 s["mean_active_blocks"].get<double>());
    if (s.contains("peak_device_bytes")) {
      std::cout << absl::StrFormat("  device %.2f GiB  host %.0f%%",
                                   s["peak_device_bytes"].get<double>() / (1 << 30),
                                   100 * s.value("host_fraction", 0.0));
    }
    std::cout << "\n";
  }
  const Json& targets = report["targets"];
  for (const auto& [key, value] : report["ratios"].items()) {
    std::string mark;
    if (targets.contains(key)) {
      mark = absl::StrFormat("  (target <= %.2f: %s)", targets[key]["at_most"].get<double>(),
                             targets[key]["met"].get<bool>() ? "met" : "MISSED");
    }
    std::cout << absl::StrFormat("  %-36s %.3f%s\n", key, value.get<double>(), mark);
  }
  if (!report.contains("conv_limit")) {
    std::cout << "  report: " << path << "\n";
    return;
  }
  const Json& limit = report["conv_limit"];
  std::cout << absl::StrFormat(
      "  oneDNN network-mix conv rate %.1f GFLOP/s; step reaches %.0f%% (constant), %.0f%% "
      "(stochastic)\n",
      limit["network_mix_gflops"].get<double>(),
      100 * limit.value("fraction_reached_constant", 0.0),
      100 * limit.value("fraction_reached_stochastic", 0.0));
  if (report.contains("epoch")) {
    std::cout << absl::StrFormat(
        "  epoch fragment: wall %.2f s vs sum of steps %.2f s: overhead %+.2f%%\n",
        report["epoch"]["wall_s"].get<double>(), report["epoch"]["sum_of_steps_s"].get<double>(),
        100 * report["epoch"]["overhead"].get<double>());
  }
  std::cout << "  report: " << path << "\n";
}

// The depths asked for, or an error naming the bad flag.
absl::StatusOr<std::vector<int>> CheckFlags() {
  std::vector<int> depths;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_depths), ',', absl::SkipEmpty())) {
    int d = 0;
    if (!absl::SimpleAtoi(part, &d) || !BlocksPerStage(d).ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--depths: '", part, "' is not a depth 6N+2"));
    }
    depths.push_back(d);
  }
  if (absl::GetFlag(FLAGS_with_1202)) depths.push_back(1202);
  for (auto [name, value] : {std::make_pair("--rounds", absl::GetFlag(FLAGS_rounds)),
                             std::make_pair("--steps", absl::GetFlag(FLAGS_steps)),
                             std::make_pair("--batch", absl::GetFlag(FLAGS_batch)),
                             std::make_pair("--conv_reps", absl::GetFlag(FLAGS_conv_reps))}) {
    if (value < 1)
      return absl::InvalidArgumentError(absl::StrCat(name, " must be >= 1, got ", value));
  }
  if (absl::GetFlag(FLAGS_warmup) < 0 || absl::GetFlag(FLAGS_epoch_steps) < 0 ||
      absl::GetFlag(FLAGS_threads) < 0) {
    return absl::InvalidArgumentError("--warmup, --epoch_steps and --threads must be >= 0");
  }
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_configs), ',', absl::SkipEmpty())) {
    bool known = false;
    for (const Config& c : AllConfigurations(110, true, OnGpu())) known |= c.name() == name;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--configs: unknown configuration '", name, "' on ", absl::GetFlag(FLAGS_device),
          " (known: ours|plain|peer_a|peer_b / constant|stochastic; on a GPU ours|peer_a|peer_b|"
          "peer_c|peer_c_ro / constant|stochastic)"));
    }
  }
  if (absl::StatusOr<torch::Device> device = ParseDevice(absl::GetFlag(FLAGS_device));
      !device.ok()) {
    return absl::Status(device.status().code(),
                        absl::StrCat("--device: ", device.status().message()));
  }
  if (absl::GetFlag(FLAGS_planted_slowdown) < 0 || absl::GetFlag(FLAGS_planted_slowdown) > 1) {
    return absl::InvalidArgumentError("--planted_slowdown must be in [0, 1]");
  }
  if (absl::GetFlag(FLAGS_peer)) {
    if (!FileExists(ShippedFile(absl::GetFlag(FLAGS_peer_script)))) {
      return absl::NotFoundError(
          absl::StrCat("the peer script ", absl::GetFlag(FLAGS_peer_script), " is missing"));
    }
    if (!FileExists(absl::GetFlag(FLAGS_peer_python))) {
      return absl::NotFoundError(
          absl::StrCat(absl::GetFlag(FLAGS_peer_python),
                       " not found: run tools/setup.sh (python3-torch) or pass --nopeer"));
    }
  }
  return depths;
}

int RunDriver(int argc, char** argv) {
  absl::StatusOr<std::vector<int>> depths = CheckFlags();
  absl::StatusOr<Json> targets = depths.ok()
                                     ? ReadJsonFile(ShippedFile(absl::GetFlag(FLAGS_targets)))
                                     : absl::StatusOr<Json>(depths.status());
  const std::string out_dir =
      UserOrWorkspacePath(absl::GetFlag(FLAGS_out_dir), "results/benchmarks");
  absl::Status ready = targets.status();
  if (ready.ok()) ready = MakeDirectories(out_dir);
  if (!ready.ok()) {
    std::cerr << "speed: " << ready.message() << "\n";
    return 2;
  }
  const std::vector<std::string> command_line(argv, argv + argc);
  bool any_failed = false;
  for (int depth : *depths) {
    absl::StatusOr<Json> report = BenchmarkDepth(depth, *targets, command_line, &any_failed);
    const std::string path =
        absl::StrCat(out_dir, "/train_step_", depth, OnGpu() ? "_cuda" : "", ".json");
    absl::Status written = report.status();
    if (written.ok()) written = WriteFileAtomically(path, report->dump(2) + "\n");
    if (!written.ok()) {
      std::cerr << "speed: " << written.message() << "\n";
      return 1;
    }
    PrintReport(*report, path);
  }
  return any_failed ? 1 : 0;
}

}  // namespace
}  // namespace sdbench

int main(int argc, char** argv) {
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "speed: unexpected argument '" << rest[1] << "'\n";
    return 2;
  }
  const std::string worker = absl::GetFlag(FLAGS_worker);
  sdbench::WorkerOptions options;
  options.depth = absl::GetFlag(FLAGS_depth);
  options.mode = absl::GetFlag(FLAGS_mode);
  options.batch = absl::GetFlag(FLAGS_batch);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.conv_reps = absl::GetFlag(FLAGS_conv_reps);
  options.epoch_steps = absl::GetFlag(FLAGS_epoch_steps);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.planted_slowdown = absl::GetFlag(FLAGS_planted_slowdown);
  options.device = absl::GetFlag(FLAGS_device);
  if (worker == "ours") return sdbench::RunStepWorker(options, /*plain=*/false);
  if (worker == "plain") return sdbench::RunStepWorker(options, /*plain=*/true);
  if (worker == "conv") return sdbench::RunConvWorker(options);
  if (worker == "epoch") return sdbench::RunEpochWorker(options);
  if (!worker.empty()) {
    std::cerr << "speed: unknown --worker '" << worker << "'\n";
    return 2;
  }
  return sdbench::RunDriver(argc, argv);
}
