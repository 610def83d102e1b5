// The speed benchmark (issue 6): our training step against a PyTorch
// (Python) peer, interleaved in one run, plus the machine's convolution
// limit and the cost of the input pipeline. Writes
// results/benchmarks/train_step_<depth>.json.
//
//   bazel run //experiments:speed                      # depth 110
//   bazel run //experiments:speed -- --with_1202       # and depth 1202
//
// Every measured configuration runs in a fresh worker process (this binary
// with --worker, or the Python peer), one after another and never two at a
// time: round r runs every configuration once, in an order rotated per
// round, so slow drifts of the machine hit all of them alike. Each worker
// runs warm-up steps, then timed steps, then reports its peak RSS.
//
// Configurations: "ours" (the default model: channels-last, freed memory
// retained), "plain" (the same C++ code with NCHW activations and glibc's
// defaults: the unoptimised reference path), "peer_a" (Python, dropped
// blocks skipped), "peer_b" (Python, branch multiplied by the gate).
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/data/dataset.h"
#include "lib/data/loader.h"
#include "lib/data/synthetic.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/model/resnet.h"
#include "lib/results/result_file.h"
#include "lib/training/runtime.h"
#include "lib/training/sgd.h"
#include "lib/training/step.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, depths, "110", "comma-separated depths (6N+2)");
ABSL_FLAG(bool, with_1202, false, "also benchmark depth 1202 (~10 minutes)");
ABSL_FLAG(int, rounds, 5, "interleaved rounds per configuration");
ABSL_FLAG(int, rounds_1202, 2, "rounds at depth >= 1000");
ABSL_FLAG(int, steps, 3, "timed steps per configuration and round");
ABSL_FLAG(int, warmup, 2, "untimed steps before them");
ABSL_FLAG(int, batch, 128, "batch size");
ABSL_FLAG(int, threads, 0, "intra-op threads of every worker (0: all cores)");
ABSL_FLAG(int, epoch_steps, 40,
          "steps of the input-pipeline measurement (0: skip it)");
ABSL_FLAG(int, conv_reps, 7, "timed repetitions per convolution shape");
ABSL_FLAG(bool, peer, true, "run the PyTorch peer (needs python3-torch)");
ABSL_FLAG(std::string, peer_python, "/usr/bin/python3", "Python with torch");
ABSL_FLAG(std::string, peer_script, "baselines/peer/resnet_sd_peer.py",
          "the peer (relative to the runfiles or the working directory)");
ABSL_FLAG(std::string, data_dir, "",
          "CIFAR-10 for the input-pipeline measurement (default: "
          "<workspace>/data; synthetic images when absent)");
ABSL_FLAG(std::string, out_dir, "",
          "report folder (default: <workspace>/results/benchmarks)");
// Internal: run as a worker.
ABSL_FLAG(std::string, worker, "", "internal: ours | plain | conv | epoch");
ABSL_FLAG(int, depth, 110, "internal: worker depth");
ABSL_FLAG(std::string, mode, "constant", "internal: constant | stochastic");
ABSL_FLAG(int, seed, 1, "internal: worker seed (gates, data); the round number");

namespace sdbench {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;


// ---------------------------------------------------------------- workers --

ResNetOptions WorkerModel(int depth, const std::string& mode, bool plain) {
  ResNetOptions options;
  options.depth = depth;
  options.schedule =
      mode == "stochastic" ? SurvivalSchedule::kLinear : SurvivalSchedule::kConstant;
  // Every round draws other gates, so the timed steps sample the survival
  // distribution instead of repeating one short gate sequence.
  options.init_seed = 1;
  options.gate_seed = 1000 + absl::GetFlag(FLAGS_seed);
  options.memory_format =
      plain ? MemoryFormat::kContiguous : MemoryFormat::kChannelsLast;
  return options;
}

// A training-step worker: answers {"cmd": "steps"|"rss"|"quit"} on stdin.
int RunStepWorker(bool plain) {
  const int depth = absl::GetFlag(FLAGS_depth);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int threads = *ConfigureThreads(absl::GetFlag(FLAGS_threads));
  const std::string allocator =
      plain ? std::string("glibc defaults") : RetainFreedMemory();
  const ResNetOptions options = WorkerModel(depth, mode, plain);
  absl::StatusOr<ResNet> made = MakeResNet(options);
  if (!made.ok()) {
    std::cerr << "speed worker: " << made.status().message() << "\n";
    return 2;
  }
  ResNet net = *made;
  net->train();
  NesterovSgd sgd(net->parameters(), SgdOptions());
  torch::manual_seed(1);
  const torch::Tensor images = torch::randn({batch, 3, 32, 32});
  const torch::Tensor labels = torch::randint(0, 10, {batch});
  std::cout << Json{{"ready", true}, {"threads", threads},
                    {"allocator", allocator},
                    {"memory_format", MemoryFormatName(options.memory_format)}}
                   .dump()
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    const Json command = Json::parse(line);
    const std::string cmd = command.value("cmd", "");
    if (cmd == "steps") {
      Json times = Json::array(), active = Json::array(), flops = Json::array();
      double loss = 0;
      for (int i = 0; i < command.value("n", 1); ++i) {
        const Clock::time_point start = Clock::now();
        StepOutput out = TrainStep(net, sgd, images, labels, 0.1);
        times.push_back(SecondsSince(start));
        loss = out.loss.item<double>();
        active.push_back(net->last_active_blocks());
        flops.push_back(TrainingStepConvFlops(options, net->last_gates(), batch));
      }
      std::cout << Json{{"step_s", times}, {"active_blocks", active},
                        {"conv_flops", flops}, {"loss", loss}}
                       .dump()
                << std::endl;
    } else if (cmd == "rss") {
      std::cout << Json{{"peak_rss_bytes", PeakRssBytes()}}.dump() << std::endl;
    } else if (cmd == "quit") {
      return 0;
    } else {
      std::cerr << "speed worker: unknown command '" << cmd << "'\n";
      return 2;
    }
  }
  return 0;
}

struct ConvShape {
  const char* name;
  int in, out, out_size, stride;
};

// The distinct 3x3 convolutions of the network.
constexpr ConvShape kConvShapes[] = {
    {"stem 3->16 @32", 3, 16, 32, 1},  {"stage1 16->16 @32", 16, 16, 32, 1},
    {"stage2 16->32 @16 s2", 16, 32, 16, 2}, {"stage2 32->32 @16", 32, 32, 16, 1},
    {"stage3 32->64 @8 s2", 32, 64, 8, 2}, {"stage3 64->64 @8", 64, 64, 8, 1},
};

// How often each shape occurs in the constant-depth network of depth 6N+2.
std::vector<int> ConvCounts(int depth) {
  const int n = (depth - 2) / 6;
  return {1, 2 * n, 1, 2 * n - 1, 1, 2 * n - 1};
}

// Times oneDNN's forward and backward (input + weight + bias gradients; the
// stem needs no input gradient) for each shape in both layouts.
int RunConvWorker() {
  const int threads = *ConfigureThreads(absl::GetFlag(FLAGS_threads));
  RetainFreedMemory();
  const int batch = absl::GetFlag(FLAGS_batch);
  const int reps = absl::GetFlag(FLAGS_conv_reps);
  torch::NoGradGuard no_grad;
  Json shapes = Json::array();
  for (const ConvShape& shape : kConvShapes) {
    Json entry = {{"shape", shape.name}};
    const int in_size = shape.out_size * shape.stride;
    const double flops =
        2.0 * batch * shape.out * shape.out_size * shape.out_size * shape.in * 9;
    entry["forward_flops"] = flops;
    const bool stem = shape.in == 3;
    entry["backward_flops"] = stem ? flops : 2 * flops;
    for (auto [layout, format] :
         {std::make_pair("channels_last", at::MemoryFormat::ChannelsLast),
          std::make_pair("contiguous", at::MemoryFormat::Contiguous)}) {
      torch::Tensor x =
          torch::randn({batch, shape.in, in_size, in_size}).contiguous(format);
      torch::Tensor w = torch::randn({shape.out, shape.in, 3, 3}).contiguous(format);
      torch::Tensor b = torch::randn({shape.out});
      torch::Tensor gy =
          torch::randn({batch, shape.out, shape.out_size, shape.out_size})
              .contiguous(format);
      std::vector<double> forward, backward;
      for (int r = 0; r < reps + 2; ++r) {
        Clock::time_point start = Clock::now();
        torch::Tensor y = at::convolution(x, w, b, {shape.stride, shape.stride},
                                          {1, 1}, {1, 1}, false, {0, 0}, 1);
        const double f = SecondsSince(start);
        start = Clock::now();
        auto grads = at::convolution_backward(
            gy, x, w, at::OptionalIntArrayRef(b.sizes()),
            {shape.stride, shape.stride}, {1, 1}, {1, 1}, false, {0, 0}, 1,
            {!stem, true, true});
        const double g = SecondsSince(start);
        if (r >= 2) {  // The first two allocate and prime oneDNN's caches.
          forward.push_back(f);
          backward.push_back(g);
        }
      }
      entry[layout] = {{"forward_s", Median(forward)},
                       {"backward_s", Median(backward)},
                       {"forward_gflops", flops / Median(forward) / 1e9},
                       {"backward_gflops",
                        entry["backward_flops"].get<double>() /
                            Median(backward) / 1e9}};
    }
    shapes.push_back(entry);
  }
  std::cout << Json{{"threads", threads}, {"shapes", shapes}}.dump() << std::endl;
  return 0;
}

// A real epoch's loop (loader with augmentation and prefetching) against
// the sum of its steps' compute time.
int RunEpochWorker() {
  const int threads = *ConfigureThreads(absl::GetFlag(FLAGS_threads));
  const std::string allocator = RetainFreedMemory();
  const int depth = absl::GetFlag(FLAGS_depth);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int steps = absl::GetFlag(FLAGS_epoch_steps);
  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    const char* env = std::getenv("SDBENCH_DATA_DIR");  // Set for tests.
    data_dir = env != nullptr ? env : WorkspacePath("data");
  }
  DatasetOptions data_options;
  data_options.synthetic =
      !FileExists(absl::StrCat(data_dir, "/cifar10/data_batch_1.bin"));
  const int64_t images = int64_t{batch} * (steps + 1);
  if (data_options.synthetic) {
    data_options.synthetic_train_images = images + 1;
    data_options.train_size = images;  // The rest is the validation split.
  }
  data_options.train_subset = images;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(data_options, data_dir, 1);
  if (!files.ok()) {
    std::cerr << "speed worker: " << files.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<Dataset> dataset = BuildDataset(*files, data_options, 1);
  if (!dataset.ok()) {
    std::cerr << "speed worker: " << dataset.status().message() << "\n";
    return 2;
  }
  LoaderOptions loader_options;
  loader_options.batch_size = batch;
  loader_options.augment = true;
  loader_options.seed = 3;
  BatchLoader loader(dataset->train, dataset->normalization, loader_options);
  ResNetOptions options = WorkerModel(depth, "stochastic", false);
  ResNet net = *MakeResNet(options);
  net->train();
  NesterovSgd sgd(net->parameters(), SgdOptions());
  // Warm-up epoch fragment: first-touch allocations are not the pipeline's.
  loader.StartEpoch(0);
  for (int i = 0; i < 2; ++i) {
    std::optional<Batch> b = loader.Next();
    TrainStep(net, sgd, b->images, b->labels, 0.1);
  }
  loader.StartEpoch(1);
  double compute = 0.0, waiting = 0.0;
  int done = 0;
  const Clock::time_point start = Clock::now();
  for (; done < steps; ++done) {
    Clock::time_point t = Clock::now();
    std::optional<Batch> b = loader.Next();
    waiting += SecondsSince(t);
    if (!b) break;
    t = Clock::now();
    TrainStep(net, sgd, b->images, b->labels, 0.1).loss.item<double>();
    compute += SecondsSince(t);
  }
  const double wall = SecondsSince(start);
  std::cout << Json{{"threads", threads},
                    {"allocator", allocator},
                    {"depth", depth},
                    {"mode", "stochastic"},
                    {"steps", done},
                    {"data", data_options.synthetic ? "synthetic" : "cifar10"},
                    {"data_dir", data_options.synthetic ? "" : data_dir},
                    {"augment", true},
                    {"prefetch_batches", loader_options.prefetch_batches},
                    {"wall_s", wall},
                    {"sum_of_steps_s", compute},
                    {"waiting_for_batches_s", waiting},
                    {"overhead", wall / compute - 1.0}}
                   .dump()
            << std::endl;
  return 0;
}

// ----------------------------------------------------------------- driver --

// A worker process with a line protocol over its stdin/stdout.
class Worker {
 public:
  static absl::StatusOr<std::unique_ptr<Worker>> Start(
      const std::vector<std::string>& argv) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      return absl::InternalError("pipe() failed");
    }
    const pid_t pid = fork();
    if (pid < 0) return absl::InternalError("fork() failed");
    if (pid == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      ExecOrExit(argv);
    }
    close(to_child[0]);
    close(from_child[1]);
    auto worker = std::unique_ptr<Worker>(new Worker);
    worker->pid_ = pid;
    worker->name_ = absl::StrJoin(argv, " ");
    worker->to_ = fdopen(to_child[1], "w");
    worker->from_ = fdopen(from_child[0], "r");
    return worker;
  }

  ~Worker() {
    if (to_ != nullptr) std::fclose(to_);
    if (from_ != nullptr) std::fclose(from_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The next JSON line the worker prints.
  absl::StatusOr<Json> Read() {
    std::string line;
    char buffer[1 << 16];
    while (std::fgets(buffer, sizeof(buffer), from_) != nullptr) {
      line += buffer;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (line.empty()) {
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return absl::InternalError(absl::StrCat(
          "worker '", name_, "' ended without answering (",
          WIFSIGNALED(status)
              ? absl::StrCat("killed by signal ", WTERMSIG(status),
                             WTERMSIG(status) == SIGKILL ? ": out of memory?" : "")
              : absl::StrCat("exit status ", WEXITSTATUS(status)),
          "); any error it printed is above"));
    }
    Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return absl::InternalError(
          absl::StrCat("worker '", name_, "' printed a malformed line: ", line));
    }
    return parsed;
  }

  absl::StatusOr<Json> Call(const Json& command) {
    std::fprintf(to_, "%s\n", command.dump().c_str());
    std::fflush(to_);
    return Read();
  }

  void Quit() {
    std::fprintf(to_, "{\"cmd\": \"quit\"}\n");
    std::fflush(to_);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  Worker() = default;
  pid_t pid_ = -1;
  std::string name_;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

std::string PeerScript() {
  const std::string script = absl::GetFlag(FLAGS_peer_script);
  if (FileExists(script)) return script;
  return WorkspacePath(script);
}

struct Config {
  std::string impl;  // ours | plain | peer_a | peer_b
  std::string mode;  // constant | stochastic
  std::string name() const { return impl + "/" + mode; }
};

std::vector<std::string> WorkerArgv(const Config& c, int depth, int round) {
  const std::string common[] = {
      absl::StrCat("--seed=", round + 1),
      absl::StrCat("--depth=", depth), absl::StrCat("--mode=", c.mode),
      absl::StrCat("--threads=", absl::GetFlag(FLAGS_threads) > 0
                                     ? absl::GetFlag(FLAGS_threads)
                                     : static_cast<int>(
                                           std::thread::hardware_concurrency())),
      absl::StrCat("--batch=", absl::GetFlag(FLAGS_batch))};
  std::vector<std::string> argv;
  if (c.impl == "ours" || c.impl == "plain") {
    argv = {SelfExecutablePath(), absl::StrCat("--worker=", c.impl)};
  } else {
    argv = {absl::GetFlag(FLAGS_peer_python), PeerScript(),
            absl::StrCat("--variant=", c.impl == "peer_a" ? "a" : "b")};
  }
  argv.insert(argv.end(), std::begin(common), std::end(common));
  return argv;
}

struct Samples {
  std::vector<double> step_s, active, flops_per_s;
  std::vector<int> round;  // Of each step.
  int64_t peak_rss = 0;
  Json ready = Json::object();
  std::string error;  // Set when a worker failed; the configuration is dropped.
};

absl::Status MeasureOnce(const Config& c, int depth, int round, Samples* samples) {
  absl::StatusOr<std::unique_ptr<Worker>> worker =
      Worker::Start(WorkerArgv(c, depth, round));
  if (!worker.ok()) return worker.status();
  absl::StatusOr<Json> ready = (*worker)->Read();
  if (!ready.ok()) return ready.status();
  samples->ready = *ready;
  if (absl::GetFlag(FLAGS_warmup) > 0) {
    absl::StatusOr<Json> warm =
        (*worker)->Call({{"cmd", "steps"}, {"n", absl::GetFlag(FLAGS_warmup)}});
    if (!warm.ok()) return warm.status();
  }
  absl::StatusOr<Json> timed =
      (*worker)->Call({{"cmd", "steps"}, {"n", absl::GetFlag(FLAGS_steps)}});
  if (!timed.ok()) return timed.status();
  const Json& t = *timed;
  for (size_t i = 0; i < t["step_s"].size(); ++i) {
    const double s = t["step_s"][i].get<double>();
    samples->step_s.push_back(s);
    samples->round.push_back(round);
    samples->active.push_back(t["active_blocks"][i].get<double>());
    if (t.contains("conv_flops")) {
      samples->flops_per_s.push_back(t["conv_flops"][i].get<double>() / s);
    }
  }
  absl::StatusOr<Json> rss = (*worker)->Call({{"cmd", "rss"}});
  if (!rss.ok()) return rss.status();
  samples->peak_rss = std::max<int64_t>(samples->peak_rss,
                                        (*rss)["peak_rss_bytes"].get<int64_t>());
  (*worker)->Quit();
  return absl::OkStatus();
}

absl::StatusOr<Json> RunInternalWorker(const std::vector<std::string>& argv) {
  absl::StatusOr<std::unique_ptr<Worker>> worker = Worker::Start(argv);
  if (!worker.ok()) return worker.status();
  return (*worker)->Read();
}

// Network-mix FLOP/s of oneDNN: every conv of the constant network once,
// forward + backward, each shape in its faster layout.
Json ConvLimit(const Json& conv, int depth) {
  const std::vector<int> counts = ConvCounts(depth);
  double flops = 0, seconds = 0, seconds_cl = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const Json& s = conv["shapes"][i];
    const double f = s["forward_flops"].get<double>() + s["backward_flops"].get<double>();
    const double t_cl = s["channels_last"]["forward_s"].get<double>() +
                        s["channels_last"]["backward_s"].get<double>();
    const double t_nchw = s["contiguous"]["forward_s"].get<double>() +
                          s["contiguous"]["backward_s"].get<double>();
    flops += counts[i] * f;
    seconds += counts[i] * std::min(t_cl, t_nchw);
    seconds_cl += counts[i] * t_cl;
  }
  return {{"network_mix_gflops", flops / seconds / 1e9},
          {"network_mix_gflops_channels_last", flops / seconds_cl / 1e9},
          {"conv_seconds_per_constant_step", seconds}};
}

Json Summary(const Samples& s, int batch) {
  if (!s.error.empty() || s.step_s.empty()) {
    return {{"failed", s.error.empty() ? "no samples" : s.error}};
  }
  const double median = Median(s.step_s);
  Json j = {{"median_step_s", median},
            {"min_step_s", *std::min_element(s.step_s.begin(), s.step_s.end())},
            {"max_step_s", *std::max_element(s.step_s.begin(), s.step_s.end())},
            {"steps", s.step_s.size()},
            {"images_per_s", batch / median},
            {"mean_active_blocks",
             std::accumulate(s.active.begin(), s.active.end(), 0.0) / s.active.size()},
            {"peak_rss_bytes", s.peak_rss},
            {"step_s", s.step_s}};
  if (!s.flops_per_s.empty()) {
    j["median_conv_gflops"] = Median(s.flops_per_s) / 1e9;
  }
  return j;
}

int RunDriver(int argc, char** argv) {
  std::vector<int> depths;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_depths), ',',
                                               absl::SkipEmpty())) {
    int d = 0;
    if (!absl::SimpleAtoi(part, &d) || !BlocksPerStage(d).ok()) {
      std::cerr << "speed: --depths: '" << part << "' is not a depth 6N+2\n";
      return 2;
    }
    depths.push_back(d);
  }
  if (absl::GetFlag(FLAGS_with_1202)) depths.push_back(1202);
  for (auto [name, value] : {std::make_pair("--rounds", absl::GetFlag(FLAGS_rounds)),
                             std::make_pair("--steps", absl::GetFlag(FLAGS_steps)),
                             std::make_pair("--batch", absl::GetFlag(FLAGS_batch)),
                             std::make_pair("--conv_reps", absl::GetFlag(FLAGS_conv_reps))}) {
    if (value < 1) {
      std::cerr << "speed: " << name << " must be >= 1, got " << value << "\n";
      return 2;
    }
  }
  if (absl::GetFlag(FLAGS_warmup) < 0 || absl::GetFlag(FLAGS_epoch_steps) < 0 ||
      absl::GetFlag(FLAGS_threads) < 0) {
    std::cerr << "speed: --warmup, --epoch_steps and --threads must be >= 0\n";
    return 2;
  }
  const bool peer = absl::GetFlag(FLAGS_peer);
  if (peer && !FileExists(PeerScript())) {
    std::cerr << "speed: the peer script " << absl::GetFlag(FLAGS_peer_script)
              << " is missing\n";
    return 2;
  }
  if (peer && !FileExists(absl::GetFlag(FLAGS_peer_python))) {
    std::cerr << "speed: " << absl::GetFlag(FLAGS_peer_python)
              << " not found: run tools/setup.sh (python3-torch) or pass --nopeer\n";
    return 2;
  }
  std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  out_dir = out_dir.empty() ? WorkspacePath("results/benchmarks")
                            : ResolveUserPath(out_dir);
  if (absl::Status s = MakeDirectories(out_dir); !s.ok()) {
    std::cerr << "speed: " << s.message() << "\n";
    return 2;
  }
  const int batch = absl::GetFlag(FLAGS_batch);
  const std::string threads_flag =
      absl::StrCat("--threads=", absl::GetFlag(FLAGS_threads));
  std::vector<std::string> command_line(argv, argv + argc);
  bool failed = false;

  for (int depth : depths) {
    const std::string start_time = NowIso8601();
    std::vector<Config> configs = {{"ours", "constant"}, {"ours", "stochastic"}};
    const bool huge = depth >= 1000;
    if (!huge) {
      configs.push_back({"plain", "constant"});
      configs.push_back({"plain", "stochastic"});
    }
    if (peer) {
      configs.push_back({"peer_a", "constant"});
      configs.push_back({"peer_a", "stochastic"});
      if (!huge) configs.push_back({"peer_b", "constant"});
      configs.push_back({"peer_b", "stochastic"});
    }
    const int rounds = huge ? absl::GetFlag(FLAGS_rounds_1202) : absl::GetFlag(FLAGS_rounds);
    std::vector<Samples> samples(configs.size());
    for (int r = 0; r < rounds; ++r) {
      for (size_t k = 0; k < configs.size(); ++k) {
        const size_t i = (k + r) % configs.size();
        std::cerr << absl::StrFormat("speed: depth %d round %d/%d %-18s", depth,
                                     r + 1, rounds, configs[i].name());
        if (!samples[i].error.empty()) {
          std::cerr << " skipped (failed before)\n";
          continue;
        }
        absl::Status s = MeasureOnce(configs[i], depth, r, &samples[i]);
        if (!s.ok()) {
          // Recorded in the report; the other configurations go on.
          std::cerr << "\nspeed: " << s.message() << "\n";
          samples[i].error = std::string(s.message());
          continue;
        }
        std::cerr << absl::StrFormat(" median so far %.3f s\n", Median(samples[i].step_s));
      }
    }
    Json report;
    report["benchmark"] = "train_step";
    report["depth"] = depth;
    report["batch"] = batch;
    report["survival"] = "linear decay to p_L = 0.5 (stochastic), all 1 (constant)";
    report["rounds"] = rounds;
    report["steps_per_round"] = absl::GetFlag(FLAGS_steps);
    report["warmup_steps_per_worker"] = absl::GetFlag(FLAGS_warmup);
    Json by_name;
    for (size_t i = 0; i < configs.size(); ++i) {
      Json summary = Summary(samples[i], batch);
      summary["worker"] = samples[i].ready;
      by_name[configs[i].name()] = summary;
    }
    report["configurations"] = by_name;
    ResNetOptions options = WorkerModel(depth, "stochastic", false);
    ResNet reference = *MakeResNet(options);
    report["expected_active_blocks_stochastic"] = reference->expected_active_blocks();
    report["blocks"] = reference->num_blocks();

    auto median = [&](const std::string& name) {
      return by_name.contains(name) && by_name[name].contains("median_step_s")
                 ? by_name[name]["median_step_s"].get<double>()
                 : 0.0;
    };
    Json ratios, targets;
    auto ratio = [&](const std::string& key, const std::string& a,
                     const std::string& b, double target) {
      if (median(a) <= 0 || median(b) <= 0) return;
      const double value = median(a) / median(b);
      ratios[key] = value;
      if (target > 0) {
        targets[key] = {{"at_most", target}, {"met", value <= target}};
      }
    };
    // The same ratios from each round's medians (configurations measured
    // minutes apart, not tens of minutes), then the median over rounds: less
    // exposed to slow phases of a shared machine.
    Json paired;
    auto round_median = [&](const std::string& name, int r) {
      for (size_t i = 0; i < configs.size(); ++i) {
        if (configs[i].name() != name) continue;
        std::vector<double> v;
        for (size_t k = 0; k < samples[i].step_s.size(); ++k) {
          if (samples[i].round[k] == r) v.push_back(samples[i].step_s[k]);
        }
        return Median(v);
      }
      return 0.0;
    };
    auto paired_ratio = [&](const std::string& key, const std::string& a,
                            const std::string& b) {
      std::vector<double> per_round;
      for (int r = 0; r < rounds; ++r) {
        const double x = round_median(a, r), y = round_median(b, r);
        if (x > 0 && y > 0) per_round.push_back(x / y);
      }
      if (!per_round.empty()) {
        paired[key] = {{"median", Median(per_round)}, {"per_round", per_round}};
      }
    };
    const bool at_1202 = depth == 1202;
    for (const auto& [key, a, b] :
         {std::make_tuple("ours_stochastic_over_constant", "ours/stochastic", "ours/constant"),
          std::make_tuple("ours_over_peer_a_constant", "ours/constant", "peer_a/constant"),
          std::make_tuple("ours_over_peer_b_stochastic", "ours/stochastic", "peer_b/stochastic"),
          std::make_tuple("ours_over_plain_constant", "ours/constant", "plain/constant")}) {
      paired_ratio(key, a, b);
    }
    ratio("ours_stochastic_over_constant", "ours/stochastic", "ours/constant",
          depth == 110 ? 0.78 : at_1202 ? 0.77 : 0.0);
    ratio("ours_over_peer_a_constant", "ours/constant", "peer_a/constant",
          depth == 110 ? 0.85 : 0.0);
    ratio("ours_over_peer_b_stochastic", "ours/stochastic", "peer_b/stochastic",
          depth == 110 ? 0.70 : 0.0);
    ratio("ours_over_peer_a_stochastic", "ours/stochastic", "peer_a/stochastic", 0);
    ratio("peer_a_stochastic_over_constant", "peer_a/stochastic", "peer_a/constant", 0);
    ratio("peer_b_stochastic_over_constant", "peer_b/stochastic", "peer_b/constant", 0);
    ratio("ours_over_plain_constant", "ours/constant", "plain/constant", 0);
    ratio("ours_over_plain_stochastic", "ours/stochastic", "plain/stochastic", 0);
    ratio("plain_stochastic_over_constant", "plain/stochastic", "plain/constant", 0);
    if (median("peer_a/constant") > 0 && median("ours/constant") > 0) {
      const double rss = by_name["ours/constant"]["peak_rss_bytes"].get<double>() /
                         by_name["peer_a/constant"]["peak_rss_bytes"].get<double>();
      ratios["ours_over_peer_a_peak_rss_constant"] = rss;
      if (at_1202) {
        targets["ours_over_peer_a_peak_rss_constant"] = {{"at_most", 0.8},
                                                         {"met", rss <= 0.8}};
      }
    }

    // The machine's limit: oneDNN on the network's convolutions.
    std::cerr << "speed: timing oneDNN's convolutions\n";
    absl::StatusOr<Json> conv = RunInternalWorker(
        {SelfExecutablePath(), "--worker=conv", threads_flag,
         absl::StrCat("--batch=", batch),
         absl::StrCat("--conv_reps=", absl::GetFlag(FLAGS_conv_reps))});
    if (!conv.ok()) {
      std::cerr << "speed: " << conv.status().message() << "\n";
      return 1;
    }
    Json limit = ConvLimit(*conv, depth);
    limit["shapes"] = (*conv)["shapes"];
    limit["step_flops_counted"] =
        "3x3 convolutions only: forward, input gradient (not for the stem), "
        "weight gradient, of the blocks that ran (lib/model TrainingStepConvFlops)";
    const double mix = limit["network_mix_gflops"].get<double>();
    for (const char* mode : {"constant", "stochastic"}) {
      if (median(absl::StrCat("ours/", mode)) <= 0) continue;
      const double achieved =
          by_name[absl::StrCat("ours/", mode)]["median_conv_gflops"].get<double>();
      limit[absl::StrCat("fraction_reached_", mode)] = achieved / mix;
    }
    report["conv_limit"] = limit;

    if (!huge && absl::GetFlag(FLAGS_epoch_steps) > 0) {
      std::cerr << "speed: timing an epoch fragment with the input pipeline\n";
      absl::StatusOr<Json> epoch = RunInternalWorker(
          {SelfExecutablePath(), "--worker=epoch", threads_flag,
           absl::StrCat("--depth=", depth), absl::StrCat("--batch=", batch),
           absl::StrCat("--epoch_steps=", absl::GetFlag(FLAGS_epoch_steps)),
           absl::StrCat("--data_dir=", absl::GetFlag(FLAGS_data_dir))});
      if (!epoch.ok()) {
        std::cerr << "speed: " << epoch.status().message() << "\n";
        return 1;
      }
      report["epoch"] = *epoch;
      targets["epoch_overhead"] = {
          {"at_most", 0.03},
          {"met", (*epoch)["overhead"].get<double>() <= 0.03}};
    }
    report["ratios"] = ratios;
    report["ratios_round_paired"] = paired;
    report["targets"] = targets;
    report["provenance"] = {{"git", GitProvenance()},
                            {"machine", MachineProvenance()},
                            {"threads", samples[0].ready.value("threads", 0)},
                            {"allocator_ours", samples[0].ready.value("allocator", "")},
                            {"peer_torch", peer ? samples.back().ready.value("torch", "") : ""},
                            {"peer_python", peer ? absl::GetFlag(FLAGS_peer_python) : ""},
                            {"start_time", start_time},
                            {"end_time", NowIso8601()},
                            {"command_line", command_line}};
    const std::string path = absl::StrCat(out_dir, "/train_step_", depth, ".json");
    if (absl::Status s = WriteFileAtomically(path, report.dump(2) + "\n"); !s.ok()) {
      std::cerr << "speed: " << s.message() << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("\ndepth %d, batch %d, %d threads: median step (s), images/s, peak RSS\n",
                                 depth, batch, samples[0].ready.value("threads", 0));
    for (size_t i = 0; i < configs.size(); ++i) {
      const Json& s = by_name[configs[i].name()];
      if (s.contains("failed")) {
        std::cout << absl::StrFormat("  %-18s failed: %s\n", configs[i].name(),
                                     s["failed"].get<std::string>());
        continue;
      }
      std::cout << absl::StrFormat("  %-18s %7.3f  %7.1f  %6.2f GiB  active %.1f\n",
                                   configs[i].name(), s["median_step_s"].get<double>(),
                                   s["images_per_s"].get<double>(),
                                   s["peak_rss_bytes"].get<double>() / (1 << 30),
                                   s["mean_active_blocks"].get<double>());
    }
    for (const auto& item : ratios.items()) {
      std::string mark;
      if (targets.contains(item.key())) {
        mark = absl::StrFormat("  (target <= %.2f: %s)",
                               targets[item.key()]["at_most"].get<double>(),
                               targets[item.key()]["met"].get<bool>() ? "met" : "MISSED");
      }
      std::cout << absl::StrFormat("  %-36s %.3f%s\n", item.key(),
                                   item.value().get<double>(), mark);
    }
    std::cout << absl::StrFormat("  oneDNN network-mix conv rate %.1f GFLOP/s; step reaches %.0f%% (constant), %.0f%% (stochastic)\n",
                                 mix, 100 * limit.value("fraction_reached_constant", 0.0),
                                 100 * limit.value("fraction_reached_stochastic", 0.0));
    if (report.contains("epoch")) {
      std::cout << absl::StrFormat("  epoch fragment: wall %.2f s vs sum of steps %.2f s: overhead %+.2f%%\n",
                                   report["epoch"]["wall_s"].get<double>(),
                                   report["epoch"]["sum_of_steps_s"].get<double>(),
                                   100 * report["epoch"]["overhead"].get<double>());
    }
    std::cout << "  report: " << path << "\n";
    for (const Samples& s : samples) {
      if (!s.error.empty()) failed = true;
    }
  }
  return failed ? 1 : 0;
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
  if (worker == "ours") return sdbench::RunStepWorker(false);
  if (worker == "plain") return sdbench::RunStepWorker(true);
  if (worker == "conv") return sdbench::RunConvWorker();
  if (worker == "epoch") return sdbench::RunEpochWorker();
  if (!worker.empty()) {
    std::cerr << "speed: unknown --worker '" << worker << "'\n";
    return 2;
  }
  return sdbench::RunDriver(argc, argv);
}
