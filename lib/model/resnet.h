// The CIFAR ResNet of depth 6N+2 with stochastic depth (PAPER_SPEC 1-2).
//
//   stem:   conv3x3(3->16) -> BN -> ReLU
//   stages: N residual blocks each at 16, 32, 64 channels (32x32, 16x16, 8x8)
//   block:  ReLU(b_l * f_l(x) + shortcut(x)),
//           f_l = conv3x3(stride s) -> BN -> ReLU -> conv3x3 -> BN
//   head:   global average pool -> Linear(64, classes)
//
// The first block of stages 2 and 3 halves the resolution; its shortcut
// subsamples and appends zero channels ("option A", no 1x1 conv).
//
// Training draws one gate per block per mini-batch (batch mode). A dropped
// block's branch is not executed at all: no forward, no backward, no BN
// statistics update. Evaluation runs every block and scales its branch by
// p_l (Eq. 5), or, with inverted scaling, divides by p_l while training and
// scales nothing at test time.
#ifndef SDBENCH_LIB_MODEL_RESNET_H_
#define SDBENCH_LIB_MODEL_RESNET_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/resnet_options.h"
#include "lib/model/survival.h"

namespace sdbench {

// bn(conv(x)). In training mode the conv's bias, which BN cancels exactly,
// is left out of the computation (its gradient is set to exactly zero and
// it is added to BN's running mean as it would have been): the same model,
// one bias addition and one gradient reduction fewer per layer.
torch::Tensor ConvThenBatchNorm(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                                const torch::Tensor& x);

// One residual block: its branch f_l and its shortcut.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int in_channels, int out_channels, int stride, bool conv_bias,
                    ShortcutSubsampling shortcut);

  torch::Tensor Branch(const torch::Tensor& x);
  torch::Tensor Shortcut(const torch::Tensor& x) const;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};

 private:
  int in_channels_;
  int out_channels_;
  int stride_;
  ShortcutSubsampling shortcut_;
};
TORCH_MODULE(ResidualBlock);

class ResNetImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument on invalid options; prefer MakeResNet.
  explicit ResNetImpl(const ResNetOptions& options);

  // Logits [batch, classes] for images [batch, 3, H, W]. In training mode
  // draws (or takes the forced) gates for this step first.
  torch::Tensor forward(const torch::Tensor& images);

  // The parts of forward around the blocks: the stem (the input in the
  // model's memory format, conv, BN, ReLU) and the head (global average
  // pool, classifier).
  torch::Tensor Stem(const torch::Tensor& images);
  torch::Tensor Head(const torch::Tensor& x);

  const ResNetOptions& options() const { return options_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  const std::vector<double>& survival() const { return survival_; }
  double expected_active_blocks() const { return ExpectedActiveBlocks(survival_); }

  // Whether each block's branch ran in the last training forward (in row
  // mode: ran for at least one sample), and how many did.
  const std::vector<uint8_t>& last_gates() const { return last_gates_; }
  int last_active_blocks() const;

  // Makes every following training step use these gates instead of drawing
  // (tests, and ranks that receive gates from elsewhere); nullopt restores
  // drawing. Batch mode only.
  void ForceGates(std::optional<std::vector<uint8_t>> gates);

  GateSampler& gate_sampler() { return gate_sampler_; }
  const std::vector<ResidualBlock>& blocks() const { return blocks_; }

  // The parameters of block l's branch (l 0-based), e.g. to check that a
  // dropped block received no gradient.
  std::vector<torch::Tensor> BlockParameters(int l) const;

  // The weights of every convolution (stem and blocks). Each feeds a BN,
  // which makes the loss blind to their scale: their norm is what weight
  // decay controls.
  std::vector<torch::Tensor> ConvWeights() const;

  // The first conv layer of the first residual block (PAPER_SPEC Fig. 7).
  const torch::nn::Conv2d& first_block_conv() const { return blocks_.front()->conv1; }

 private:
  void InitializeWeights();
  torch::Tensor RunBlocksTraining(torch::Tensor x);
  torch::Tensor RunBlocksEvaluation(torch::Tensor x);

  ResNetOptions options_;
  std::vector<double> survival_;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<ResidualBlock> blocks_;
  torch::nn::Linear fc_{nullptr};
  GateSampler gate_sampler_;
  std::optional<std::vector<uint8_t>> forced_gates_;
  std::vector<uint8_t> last_gates_;
  std::vector<uint8_t> row_gates_;
};
TORCH_MODULE(ResNet);

// Validates the options, then builds and initialises the network (on CPU;
// move it with ->to(device)).
absl::StatusOr<ResNet> MakeResNet(const ResNetOptions& options);

}  // namespace sdbench

#endif  // SDBENCH_LIB_MODEL_RESNET_H_
