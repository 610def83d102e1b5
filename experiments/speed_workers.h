// The measuring side of the speed benchmark: each worker is this binary
// started by the driver (speed_main.cc) with --worker=..., one measurement
// per process so no run inherits another's heap or caches.
//
//   step  (ours | plain)  a training-step worker answering one JSON line per
//                         command on stdin: {"cmd": "steps", "n": N},
//                         {"cmd": "rss"}, {"cmd": "quit"} (the Python peer,
//                         baselines/peer/resnet_sd_peer.py, speaks the same)
//   conv                  oneDNN alone on the network's convolutions
//   epoch                 a real epoch fragment with the input pipeline
#ifndef SDBENCH_EXPERIMENTS_SPEED_WORKERS_H_
#define SDBENCH_EXPERIMENTS_SPEED_WORKERS_H_

#include <string>

#include "lib/model/resnet.h"
#include "lib/training/run_settings.h"

namespace sdbench {

// Set from the speed benchmark's flags (speed_main.cc).
struct WorkerOptions {
  int depth = 0;
  std::string mode = "constant";  // constant | stochastic
  int batch = 0;
  int threads = 0;             // 0: all cores.
  std::string device = "cpu";  // Step workers: cpu, cuda or cuda:K.
  int seed = 1;                // The round number: every round draws other gates.
  int conv_reps = 7;
  int epoch_steps = 40;
  std::string data_dir;  // CIFAR-10 for the epoch worker; synthetic if absent.
  // Test only (the CI gate's power test): extra work in every step, an
  // extra forward and backward pass over this fraction of the batch through
  // the same gates, so every active block does that much more.
  double planted_slowdown = 0;
};

// What a step worker trains: the paper's settings (PaperSettings()) at the
// options' depth, "ours" (channels-last, the default) or "plain" (NCHW),
// constant or stochastic (linear, p_L = 0.5) depth.
RunSettings WorkerSettings(const WorkerOptions& options, bool plain);

// Each returns the process's exit status.
int RunStepWorker(const WorkerOptions& options, bool plain);
int RunConvWorker(const WorkerOptions& options);
int RunEpochWorker(const WorkerOptions& options);

}  // namespace sdbench

#endif  // SDBENCH_EXPERIMENTS_SPEED_WORKERS_H_
