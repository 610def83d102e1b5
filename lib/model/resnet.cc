#include "lib/model/resnet.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/named_enum.h"

namespace sdbench {
namespace {

constexpr NamedValue<ShortcutSubsampling> kShortcutNames[] = {
    {"stride", ShortcutSubsampling::kStride},
    {"avg2x2", ShortcutSubsampling::kAvg2x2},
};
constexpr NamedValue<BnGammaInit> kGammaNames[] = {
    {"uniform01", BnGammaInit::kUniform01},
    {"ones", BnGammaInit::kOnes},
    {"normal_1_0.002", BnGammaInit::kNormal1_0_002},
};
constexpr NamedValue<TestScaling> kTestScalingNames[] = {
    {"paper", TestScaling::kPaper},
    {"inverted", TestScaling::kInverted},
};
constexpr NamedValue<GateMode> kGateModeNames[] = {
    {"batch", GateMode::kBatch},
    {"row", GateMode::kRow},
};

constexpr NamedValue<MemoryFormat> kMemoryFormatNames[] = {
    {"channels_last", MemoryFormat::kChannelsLast},
    {"contiguous", MemoryFormat::kContiguous},
};

constexpr int kStageChannels[] = {16, 32, 64};

torch::nn::Conv2d Conv3x3(int in_channels, int out_channels, int stride, bool bias) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in_channels, out_channels, 3).stride(stride).padding(1).bias(bias));
}

torch::nn::BatchNorm2d BatchNorm(int channels) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(1e-5).momentum(0.1));
}

// Passes `x` through and gives `bias` the gradient zero.
struct ZeroGradientFor : public torch::autograd::Function<ZeroGradientFor> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x,
                               torch::Tensor bias) {
    ctx->saved_data["channels"] = bias.size(0);
    ctx->mark_dirty({x});  // An in-place identity: x may be modified later.
    return x;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return {grads[0], torch::zeros({ctx->saved_data["channels"].toInt()},
                                   grads[0].options().memory_format(at::MemoryFormat::Contiguous))};
  }
};

}  // namespace

torch::Tensor ConvThenBatchNorm(torch::nn::Conv2d conv, torch::nn::BatchNorm2d bn,
                                const torch::Tensor& x) {
  const torch::Tensor& bias = conv->bias;
  if (!bn->is_training() || !bias.defined()) return bn(conv(x));
  // Training BN normalises each channel with the batch's own mean, so a
  // per-channel conv bias b cancels exactly: BN(y + b) = BN(y), and the
  // gradient of b is exactly zero. Only the running mean sees b. Skipping b
  // saves the bias addition and its gradient's reduction over N x H x W.
  // Every conv of the network is 3x3 with padding 1.
  torch::Tensor y = torch::conv2d(x, conv->weight, {}, conv->options.stride(),
                                  /*padding=*/1);
  // BN's backward keeps its running-mean argument, so it gets a copy and the
  // module's own buffer is updated after the fact (with the bias).
  const double momentum = bn->options.momentum().value();
  torch::Tensor running_mean = bn->running_mean.clone();
  torch::Tensor out = torch::batch_norm(y, bn->weight, bn->bias, running_mean, bn->running_var,
                                        /*training=*/true, momentum, bn->options.eps(),
                                        /*cudnn_enabled=*/false);
  {
    torch::NoGradGuard no_grad;
    bn->running_mean.copy_(running_mean + momentum * bias);
    bn->num_batches_tracked.add_(1);
  }
  return ZeroGradientFor::apply(out, bias);
}

absl::StatusOr<ShortcutSubsampling> ParseShortcutSubsampling(absl::string_view name) {
  return ParseNamed("shortcut subsampling", name, kShortcutNames);
}
absl::StatusOr<BnGammaInit> ParseBnGammaInit(absl::string_view name) {
  return ParseNamed("BN gamma init", name, kGammaNames);
}
absl::StatusOr<TestScaling> ParseTestScaling(absl::string_view name) {
  return ParseNamed("test scaling", name, kTestScalingNames);
}
absl::StatusOr<GateMode> ParseGateMode(absl::string_view name) {
  return ParseNamed("gate mode", name, kGateModeNames);
}
const char* ShortcutSubsamplingName(ShortcutSubsampling value) {
  return NameOf(value, kShortcutNames);
}
const char* BnGammaInitName(BnGammaInit value) { return NameOf(value, kGammaNames); }
const char* TestScalingName(TestScaling value) { return NameOf(value, kTestScalingNames); }
const char* GateModeName(GateMode value) { return NameOf(value, kGateModeNames); }
absl::StatusOr<MemoryFormat> ParseMemoryFormat(absl::string_view name) {
  return ParseNamed("memory format", name, kMemoryFormatNames);
}
const char* MemoryFormatName(MemoryFormat value) { return NameOf(value, kMemoryFormatNames); }

absl::StatusOr<int> BlocksPerStage(int depth) {
  if (depth < 8 || (depth - 2) % 6 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("depth must be of the form 6N+2 with N >= 1 (8, 20, 56, 110, 1202, "
                     "...), got ",
                     depth));
  }
  return (depth - 2) / 6;
}

absl::Status ValidateResNetOptions(const ResNetOptions& options) {
  absl::StatusOr<int> n = BlocksPerStage(options.depth);
  if (!n.ok()) return n.status();
  if (options.num_classes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("number of classes must be >= 1, got ", options.num_classes));
  }
  return SurvivalProbabilities(options.schedule, 3 * *n, options.p_last).status();
}

ResidualBlockImpl::ResidualBlockImpl(int in_channels, int out_channels, int stride, bool conv_bias,
                                     ShortcutSubsampling shortcut)
    : in_channels_(in_channels), out_channels_(out_channels), stride_(stride), shortcut_(shortcut) {
  conv1 = register_module("conv1", Conv3x3(in_channels, out_channels, stride, conv_bias));
  bn1 = register_module("bn1", BatchNorm(out_channels));
  conv2 = register_module("conv2", Conv3x3(out_channels, out_channels, 1, conv_bias));
  bn2 = register_module("bn2", BatchNorm(out_channels));
}

torch::Tensor ResidualBlockImpl::Branch(const torch::Tensor& x) {
  // In-place ReLU is safe: BN's backward needs its input, not its output.
  torch::Tensor h = ConvThenBatchNorm(conv1, bn1, x).relu_();
  return ConvThenBatchNorm(conv2, bn2, h);
}

torch::Tensor ResidualBlockImpl::Shortcut(const torch::Tensor& x) const {
  if (stride_ == 1 && in_channels_ == out_channels_) return x;
  torch::Tensor sub = x;
  if (stride_ != 1) {
    sub = shortcut_ == ShortcutSubsampling::kStride
              ? x.slice(2, 0, c10::nullopt, stride_).slice(3, 0, c10::nullopt, stride_)
              : torch::avg_pool2d(x, {stride_, stride_}, {stride_, stride_});
  }
  // Option A: the new channels are zeros, appended after the existing ones.
  return torch::constant_pad_nd(sub, {0, 0, 0, 0, 0, out_channels_ - in_channels_}, 0.0);
}

ResNetImpl::ResNetImpl(const ResNetOptions& options)
    : options_(options), gate_sampler_(options.gate_seed) {
  absl::Status valid = ValidateResNetOptions(options);
  if (!valid.ok()) throw std::invalid_argument(std::string(valid.message()));
  const int n = *BlocksPerStage(options.depth);
  survival_ = *SurvivalProbabilities(options.schedule, 3 * n, options.p_last);

  stem_conv_ = register_module("stem_conv", Conv3x3(3, kStageChannels[0], 1, options.conv_bias));
  stem_bn_ = register_module("stem_bn", BatchNorm(kStageChannels[0]));
  int in_channels = kStageChannels[0];
  for (int stage = 0; stage < 3; ++stage) {
    for (int i = 0; i < n; ++i) {
      const int out_channels = kStageChannels[stage];
      const int stride = (stage > 0 && i == 0) ? 2 : 1;
      blocks_.push_back(register_module(
          absl::StrCat("block", blocks_.size() + 1),
          ResidualBlock(in_channels, out_channels, stride, options.conv_bias, options.shortcut)));
      in_channels = out_channels;
    }
  }
  fc_ = register_module("fc", torch::nn::Linear(in_channels, options.num_classes));
  InitializeWeights();
  if (options_.memory_format == MemoryFormat::kChannelsLast) {
    // Conv weights in NHWC too: with both operands channels-last, oneDNN's
    // forward and both backward passes run without any layout reorder.
    torch::NoGradGuard no_grad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<torch::nn::Conv2d>()) {
        conv->weight.set_data(conv->weight.contiguous(at::MemoryFormat::ChannelsLast));
      }
    }
  }
}

void ResNetImpl::InitializeWeights() {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options_.init_seed);
  // PAPER_SPEC 1: conv weights N(0, sqrt(2 / fan_in)) with fan_in = C_in*3*3,
  // conv bias 0; BN beta 0; Linear U(-1/8, 1/8) for 64 inputs.
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      const int64_t fan_in = conv->weight.size(1) * conv->weight.size(2) * conv->weight.size(3);
      conv->weight.normal_(0.0, std::sqrt(2.0 / fan_in), generator);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      switch (options_.bn_gamma_init) {
        case BnGammaInit::kUniform01:
          bn->weight.uniform_(0.0, 1.0, generator);
          break;
        case BnGammaInit::kOnes:
          bn->weight.fill_(1.0);
          break;
        case BnGammaInit::kNormal1_0_002:
          bn->weight.normal_(1.0, 0.002, generator);
          break;
      }
      bn->bias.zero_();
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
      linear->weight.uniform_(-bound, bound, generator);
      linear->bias.uniform_(-bound, bound, generator);
    }
  }
}

void ResNetImpl::ForceGates(std::optional<std::vector<uint8_t>> gates) {
  if (gates.has_value() && gates->size() != blocks_.size()) {
    throw std::invalid_argument(
        absl::StrCat("ForceGates: expected ", blocks_.size(), " gates, got ", gates->size()));
  }
  forced_gates_ = std::move(gates);
}

int ResNetImpl::last_active_blocks() const {
  int active = 0;
  for (uint8_t gate : last_gates_) active += gate;
  return active;
}

std::vector<torch::Tensor> ResNetImpl::ConvWeights() const {
  std::vector<torch::Tensor> weights = {stem_conv_->weight};
  for (const ResidualBlock& block : blocks_) {
    weights.push_back(block->conv1->weight);
    weights.push_back(block->conv2->weight);
  }
  return weights;
}

std::vector<torch::Tensor> ResNetImpl::BlockParameters(int l) const {
  return blocks_.at(l)->parameters();
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& images) {
  torch::Tensor x = Stem(images);
  x = is_training() ? RunBlocksTraining(std::move(x)) : RunBlocksEvaluation(std::move(x));
  return Head(x);
}

torch::Tensor ResNetImpl::Stem(const torch::Tensor& images) {
  torch::Tensor input = options_.memory_format == MemoryFormat::kChannelsLast
                            ? images.contiguous(at::MemoryFormat::ChannelsLast)
                            : images;
  return ConvThenBatchNorm(stem_conv_, stem_bn_, input).relu_();
}

torch::Tensor ResNetImpl::Head(const torch::Tensor& x) { return fc_(x.mean({2, 3})); }

torch::Tensor ResNetImpl::RunBlocksTraining(torch::Tensor x) {
  const bool inverted = options_.test_scaling == TestScaling::kInverted;
  const int num_blocks = static_cast<int>(blocks_.size());
  torch::Tensor row_mask;  // [batch, blocks], row mode only.
  if (forced_gates_.has_value()) {
    last_gates_ = *forced_gates_;
  } else if (options_.gate_mode == GateMode::kBatch) {
    gate_sampler_.DrawBatchGates(survival_, &last_gates_);
  } else {
    const int64_t batch = x.size(0);
    gate_sampler_.DrawRowGates(survival_, batch, &row_gates_);
    last_gates_.assign(num_blocks, 0);
    for (int64_t b = 0; b < batch; ++b) {
      for (int l = 0; l < num_blocks; ++l) {
        last_gates_[l] |= row_gates_[b * num_blocks + l];
      }
    }
    row_mask = torch::from_blob(row_gates_.data(), {batch, num_blocks}, torch::kUInt8)
                   .to(x.device(), x.scalar_type());
  }

  for (int l = 0; l < num_blocks; ++l) {
    ResidualBlockImpl& block = *blocks_[l];
    if (!last_gates_[l]) {
      // The branch is skipped entirely. ReLU(shortcut(x)) = shortcut(x)
      // because x comes out of a ReLU and the shortcut keeps signs.
      x = block.Shortcut(x);
      continue;
    }
    torch::Tensor branch = block.Branch(x);
    if (row_mask.defined()) {
      branch = branch * row_mask.select(1, l).view({-1, 1, 1, 1});
    }
    if (inverted && survival_[l] < 1.0) branch.div_(survival_[l]);
    x = branch.add_(block.Shortcut(x)).relu_();
  }
  return x;
}

torch::Tensor ResNetImpl::RunBlocksEvaluation(torch::Tensor x) {
  const bool paper = options_.test_scaling == TestScaling::kPaper;
  for (size_t l = 0; l < blocks_.size(); ++l) {
    ResidualBlockImpl& block = *blocks_[l];
    torch::Tensor branch = block.Branch(x);
    // Eq. 5: every block is active and its branch is scaled by p_l.
    if (paper && survival_[l] < 1.0) branch.mul_(survival_[l]);
    x = branch.add_(block.Shortcut(x)).relu_();
  }
  return x;
}

double ConvShape::ForwardFlops(int64_t batch) const {
  return 2.0 * batch * out_channels * out_size * out_size * in_channels * 9;
}

std::vector<ConvShape> DistinctConvShapes(int depth) {
  const int n = *BlocksPerStage(depth);
  std::vector<ConvShape> shapes = {{"stem 3->16 @32", 3, 16, 32, 1, 1}};
  int in_channels = kStageChannels[0];
  for (int stage = 0; stage < 3; ++stage) {
    const int channels = kStageChannels[stage];
    const int size = 32 >> stage;
    const int stride = stage > 0 ? 2 : 1;
    if (in_channels == channels) {  // Stage 1: every conv alike.
      shapes.push_back({absl::StrCat("stage", stage + 1, " ", channels, "->", channels, " @", size),
                        channels, channels, size, 1, 2 * n});
      continue;
    }
    shapes.push_back({absl::StrCat("stage", stage + 1, " ", in_channels, "->", channels, " @", size,
                                   " s", stride),
                      in_channels, channels, size, stride, 1});
    shapes.push_back({absl::StrCat("stage", stage + 1, " ", channels, "->", channels, " @", size),
                      channels, channels, size, 1, 2 * n - 1});
    in_channels = channels;
  }
  return shapes;
}

double TrainingStepConvFlops(const ResNetOptions& options, const std::vector<uint8_t>& gates,
                             int64_t batch) {
  const int n = *BlocksPerStage(options.depth);
  const std::vector<ConvShape> shapes = DistinctConvShapes(options.depth);
  // Stem: forward + weight gradient (its input needs no gradient).
  double total = 2.0 * shapes[0].ForwardFlops(batch);
  for (int block = 0; block < 3 * n; ++block) {
    if (!gates.empty() && gates.at(block) == 0) continue;
    const int stage = block / n;
    const bool first = block % n == 0;
    // Stage 1 has one shape; stages 2 and 3 a transition shape, then one.
    const ConvShape& plain = stage == 0 ? shapes[1] : shapes[2 * stage + 1];
    const ConvShape& conv1 = stage > 0 && first ? shapes[2 * stage] : plain;
    // Forward, input gradient and weight gradient: 3 x the forward.
    total += 3.0 * (conv1.ForwardFlops(batch) + plain.ForwardFlops(batch));
  }
  return total;
}

absl::StatusOr<ResNet> MakeResNet(const ResNetOptions& options) {
  absl::Status valid = ValidateResNetOptions(options);
  if (!valid.ok()) return valid;
  return ResNet(options);
}

}  // namespace sdbench
