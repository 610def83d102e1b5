// The ResNet's options (PAPER_SPEC 1-2) and the shapes of its convolutions:
// plain types without LibTorch, for code that configures or describes a
// network without building one (settings, plans, reports). Parsing <torch/
// torch.h> costs about 29 s per file on a 2-core host; this header, none.
#ifndef SDBENCH_LIB_MODEL_RESNET_OPTIONS_H_
#define SDBENCH_LIB_MODEL_RESNET_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/survival.h"

namespace sdbench {

// How a transition block's shortcut halves the resolution.
enum class ShortcutSubsampling {
  kStride,  // "stride": every other pixel (1x1 window, stride 2): the paper.
  kAvg2x2,  // "avg2x2": 2x2 average (the original code's 2017 fix).
};

// Initial value of every BN gamma.
enum class BnGammaInit {
  kUniform01,      // "uniform01": U(0, 1), cuDNN-Torch's default: the paper.
  kOnes,           // "ones"
  kNormal1_0_002,  // "normal_1_0.002": N(1, 0.002).
};

enum class TestScaling {
  kPaper,     // "paper": scale the branch by p_l at test time (Eq. 5).
  kInverted,  // "inverted": divide by p_l in training, no test scaling.
};

// Activation layout: a speed choice that leaves the model's mathematics as
// it is (only the order of floating-point sums inside oneDNN differs).
enum class MemoryFormat {
  kChannelsLast,  // "channels_last": NHWC activations and conv weights; oneDNN
                  // runs without reordering to and from its blocked layout.
  kContiguous,    // "contiguous": plain NCHW, as most ports run.
};

enum class GateMode {
  kBatch,  // "batch": one gate per block shared by the mini-batch: the paper.
  kRow,    // "row": one gate per block and sample (branch runs if any kept).
};

absl::StatusOr<ShortcutSubsampling> ParseShortcutSubsampling(absl::string_view name);
absl::StatusOr<BnGammaInit> ParseBnGammaInit(absl::string_view name);
absl::StatusOr<TestScaling> ParseTestScaling(absl::string_view name);
absl::StatusOr<GateMode> ParseGateMode(absl::string_view name);
const char* ShortcutSubsamplingName(ShortcutSubsampling value);
const char* BnGammaInitName(BnGammaInit value);
const char* TestScalingName(TestScaling value);
const char* GateModeName(GateMode value);
absl::StatusOr<MemoryFormat> ParseMemoryFormat(absl::string_view name);
const char* MemoryFormatName(MemoryFormat value);

// The fields a run's configuration sets start at zero, not at the paper's
// values: those are the key table's (lib/config/config_keys.h), typed by
// PaperSettings() in lib/training/run_settings.h. An unset depth or p_L is
// refused by ValidateResNetOptions.
struct ResNetOptions {
  int depth = 0;  // 6N+2.
  int num_classes = 10;
  ShortcutSubsampling shortcut{};
  BnGammaInit bn_gamma_init{};
  bool conv_bias = false;
  SurvivalSchedule schedule{};
  double p_last = 0;  // p_L.
  TestScaling test_scaling{};
  GateMode gate_mode{};
  uint64_t init_seed = 0;  // Weight initialisation.
  uint64_t gate_seed = 0;  // The gate sampler.
  MemoryFormat memory_format{};
};

// Checks depth = 6N+2 (N >= 1), classes >= 1, p_L in (0, 1].
absl::Status ValidateResNetOptions(const ResNetOptions& options);

// N for a depth of 6N+2, or an error.
absl::StatusOr<int> BlocksPerStage(int depth);

// One kind of 3x3 convolution (padding 1) of the network.
struct ConvShape {
  std::string name;  // "stage2 16->32 @16 s2".
  int in_channels = 0;
  int out_channels = 0;
  int out_size = 0;  // Output height = width.
  int stride = 1;
  int count = 0;  // How often it occurs in the network.
  // Forward floating-point operations (2 per multiply-add) at `batch`.
  double ForwardFlops(int64_t batch) const;
};

// The distinct convolutions of the depth-6N+2 network, in order: the stem,
// then per stage its first conv and its other convs, with their counts
// (1 + 6N in all). The one description of the network's convolutions.
std::vector<ConvShape> DistinctConvShapes(int depth);

// Floating-point operations (2 per multiply-add) of the 3x3 convolutions in
// one training step at this batch: forward, gradient w.r.t. the input
// (skipped for the stem, whose input needs none) and w.r.t. the weights, for
// the blocks whose gate is 1 (`gates` has one entry per block; empty = all).
// BN, ReLU, the head and the update are not counted (< 1% of the total).
double TrainingStepConvFlops(const ResNetOptions& options, const std::vector<uint8_t>& gates,
                             int64_t batch);

}  // namespace sdbench

#endif  // SDBENCH_LIB_MODEL_RESNET_OPTIONS_H_
