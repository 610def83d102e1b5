// The arithmetic of the speed benchmark's report (//experiments:speed), as
// pure functions of the measured samples: per-configuration summaries,
// ratios of medians (pooled, and paired round by round), the machine's
// convolution limit, and the targets met or missed.
#ifndef SDBENCH_EXPERIMENTS_SPEED_REPORT_H_
#define SDBENCH_EXPERIMENTS_SPEED_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/model/resnet_options.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// One configuration's timed steps over all rounds.
struct Samples {
  std::vector<double> step_s;
  // On a GPU: the host's time to launch each step (the step time minus the
  // wait for the device); near step_s when the step is launch-bound.
  std::vector<double> host_s;
  std::vector<double> active;                       // Active blocks of each step.
  std::vector<double> flops_per_s;                  // Counted conv FLOPs / step time.
  std::vector<int> round;                           // The round of each step.
  int64_t peak_rss = 0;                             // Largest over the rounds' workers.
  int64_t peak_device = 0;                          // The same for GPU memory (0: CPU).
  nlohmann::json ready = nlohmann::json::object();  // The worker's first line.
  std::string error;  // Set when a worker failed: the configuration is dropped.

  // The median step time of round `r` (0 when it has none).
  double RoundMedian(int r) const;
};

// {"median_step_s", "min_step_s", "max_step_s", "steps", "images_per_s",
//  "mean_active_blocks", "peak_rss_bytes", "step_s", "median_conv_gflops"},
// with "peak_device_bytes", "median_host_s" and "host_fraction" (median host
// launch time / median step time) on a GPU; or {"failed": reason}.
nlohmann::json SummarizeSamples(const Samples& samples, int batch);

// The median over rounds of median(a in round r) / median(b in round r):
// {"median", "per_round"}; nullopt when no round has both.
std::optional<nlohmann::json> RoundPairedRatio(const Samples& a, const Samples& b, int rounds);

// oneDNN's rate on the network's convolution mix: every conv of the
// constant-depth network once, forward and backward, each shape in its
// faster layout (`conv` is the conv worker's answer, with one entry per
// DistinctConvShapes(depth) in that order).
nlohmann::json ConvLimit(const nlohmann::json& conv, const std::vector<ConvShape>& shapes);

// The targets of `targets` ({"name": {"metric": "dot.path", "at_most": x}})
// applied to `report`: {"name": {"at_most", "value", "met"}} for each target
// whose metric the report has.
nlohmann::json CheckTargets(const nlohmann::json& targets, const nlohmann::json& report);

}  // namespace sdbench

#endif  // SDBENCH_EXPERIMENTS_SPEED_REPORT_H_
