#include "lib/model/resnet.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

using torch::indexing::None;
using torch::indexing::Slice;

ResNetOptions Options(int depth) {
  ResNetOptions options = PaperSettings().model;
  options.depth = depth;
  return options;
}

int64_t ParameterCount(const ResNet& net) {
  int64_t count = 0;
  for (const auto& p : net->parameters()) count += p.numel();
  return count;
}

TEST(ResNetTest, ParameterCountsOfThe110LayerNet) {
  ResNetOptions options = Options(110);
  EXPECT_EQ(ParameterCount(*MakeResNet(options)), 1732010);
  options.conv_bias = false;
  EXPECT_EQ(ParameterCount(*MakeResNet(options)), 1727962);
}

TEST(ResNetTest, ParameterCountsOfDeeperNets) {
  // PAPER_SPEC 1: 152 layers about 2.41M, 1202 layers about 19.47M.
  EXPECT_NEAR(ParameterCount(*MakeResNet(Options(152))) / 1e6, 2.41, 0.005);
  EXPECT_NEAR(ParameterCount(*MakeResNet(Options(1202))) / 1e6, 19.47, 0.005);
}

TEST(ResNetTest, OutputShapes) {
  for (int n : {1, 18, 200}) {
    ResNetOptions options = Options(6 * n + 2);
    options.num_classes = 100;
    ResNet net = *MakeResNet(options);
    EXPECT_EQ(net->num_blocks(), 3 * n);
    torch::NoGradGuard no_grad;
    net->eval();
    EXPECT_EQ(net->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 100}))
        << "N = " << n;
    if (n < 200) {
      net->train();
      EXPECT_EQ(net->forward(torch::randn({3, 3, 32, 32})).sizes(), (std::vector<int64_t>{3, 100}));
    }
  }
}

TEST(ResNetTest, ExpectedActiveBlocks) {
  EXPECT_NEAR((*MakeResNet(Options(110)))->expected_active_blocks(), 40.25, 1e-9);
  EXPECT_NEAR((*MakeResNet(Options(1202)))->expected_active_blocks(), 449.75, 1e-9);
  ResNetOptions constant = Options(110);
  constant.schedule = SurvivalSchedule::kConstant;
  EXPECT_EQ((*MakeResNet(constant))->expected_active_blocks(), 54.0);
}

TEST(ResNetTest, RejectsBadOptions) {
  for (int depth : {0, 2, 7, 9, 111, -4}) {
    auto net = MakeResNet(Options(depth));
    ASSERT_FALSE(net.ok()) << depth;
    EXPECT_NE(net.status().message().find("6N+2"), std::string::npos);
  }
  for (double p_last : {0.0, -0.1, 1.5}) {
    ResNetOptions options = Options(20);
    options.p_last = p_last;
    EXPECT_FALSE(MakeResNet(options).ok()) << p_last;
  }
  ResNetOptions options = Options(20);
  options.num_classes = 0;
  EXPECT_FALSE(MakeResNet(options).ok());
  EXPECT_THROW(ResNet(Options(21)), std::invalid_argument);
}

TEST(ResNetTest, ParsesOptionNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(*ParseShortcutSubsampling("stride"), ShortcutSubsampling::kStride);
  EXPECT_EQ(*ParseShortcutSubsampling("avg2x2"), ShortcutSubsampling::kAvg2x2);
  EXPECT_EQ(*ParseBnGammaInit("uniform01"), BnGammaInit::kUniform01);
  EXPECT_EQ(*ParseBnGammaInit("ones"), BnGammaInit::kOnes);
  EXPECT_EQ(*ParseBnGammaInit("normal_1_0.002"), BnGammaInit::kNormal1_0_002);
  EXPECT_EQ(*ParseTestScaling("paper"), TestScaling::kPaper);
  EXPECT_EQ(*ParseTestScaling("inverted"), TestScaling::kInverted);
  EXPECT_EQ(*ParseGateMode("batch"), GateMode::kBatch);
  EXPECT_EQ(*ParseGateMode("row"), GateMode::kRow);
  EXPECT_FALSE(ParseShortcutSubsampling("1x1conv").ok());
  EXPECT_FALSE(ParseBnGammaInit("zeros").ok());
  EXPECT_FALSE(ParseTestScaling("none").ok());
  EXPECT_FALSE(ParseGateMode("sample").ok());
  EXPECT_STREQ(GateModeName(GateMode::kRow), "row");
}

TEST(ResNetTest, InitialisationFollowsThePaper) {
  ResNet net = *MakeResNet(Options(110));
  // Conv weights N(0, sqrt(2 / fan_in)): check the std of the big convs.
  const auto& conv = net->blocks().back()->conv2;
  const double expected_std = std::sqrt(2.0 / (64 * 9));
  EXPECT_NEAR(conv->weight.std().item<double>(), expected_std, 0.02 * expected_std);
  EXPECT_EQ(conv->bias.abs().max().item<double>(), 0.0);
  // BN gamma U(0, 1), beta 0.
  torch::Tensor gammas = torch::cat({net->blocks()[0]->bn1->weight, net->blocks()[5]->bn2->weight});
  EXPECT_GE(gammas.min().item<double>(), 0.0);
  EXPECT_LE(gammas.max().item<double>(), 1.0);
  EXPECT_GT(gammas.std().item<double>(), 0.2);  // U(0,1): 0.289.
  EXPECT_EQ(net->blocks()[0]->bn1->bias.abs().max().item<double>(), 0.0);

  ResNetOptions ones = Options(20);
  ones.bn_gamma_init = BnGammaInit::kOnes;
  EXPECT_EQ((*MakeResNet(ones))->blocks()[0]->bn1->weight.min().item<double>(), 1.0);
  ResNetOptions normal = Options(20);
  normal.bn_gamma_init = BnGammaInit::kNormal1_0_002;
  torch::Tensor g = (*MakeResNet(normal))->blocks()[2]->bn2->weight;
  EXPECT_NEAR(g.mean().item<double>(), 1.0, 0.002);
  EXPECT_LT(g.std().item<double>(), 0.004);
}

// --- Evaluation equals a hand-computed network -------------------------

torch::Tensor ManualConv(const torch::Tensor& x, const torch::nn::Conv2dImpl& conv) {
  const int64_t stride = (*conv.options.stride())[0];
  return torch::conv2d(x, conv.weight, conv.bias, stride, 1);
}

torch::Tensor ManualBn(const torch::Tensor& x, const torch::nn::BatchNorm2dImpl& bn) {
  auto v = [](const torch::Tensor& t) { return t.view({1, -1, 1, 1}); };
  return (x - v(bn.running_mean)) / torch::sqrt(v(bn.running_var) + 1e-5) * v(bn.weight) +
         v(bn.bias);
}

torch::Tensor ManualShortcut(const torch::Tensor& x, int64_t out_channels, bool average) {
  if (x.size(1) == out_channels) return x;
  torch::Tensor sub;
  if (average) {
    sub = (x.index({Slice(), Slice(), Slice(0, None, 2), Slice(0, None, 2)}) +
           x.index({Slice(), Slice(), Slice(1, None, 2), Slice(0, None, 2)}) +
           x.index({Slice(), Slice(), Slice(0, None, 2), Slice(1, None, 2)}) +
           x.index({Slice(), Slice(), Slice(1, None, 2), Slice(1, None, 2)})) /
          4;
  } else {
    sub = x.index({Slice(), Slice(), Slice(0, None, 2), Slice(0, None, 2)});
  }
  torch::Tensor zeros = torch::zeros(
      {sub.size(0), out_channels - sub.size(1), sub.size(2), sub.size(3)}, sub.options());
  return torch::cat({sub, zeros}, 1);
}

void RandomizeRunningStatistics(ResNet& net) {
  torch::NoGradGuard no_grad;
  for (auto& module : net->modules(false)) {
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->running_mean.uniform_(-0.5, 0.5);
      bn->running_var.uniform_(0.5, 2.0);
      bn->bias.uniform_(-0.2, 0.2);
    }
  }
}

void ExpectEvaluationMatchesHandComputation(ResNetOptions options) {
  torch::manual_seed(3);
  options.depth = 8;  // One block per stage: identity, then two transitions.
  ResNet net = *MakeResNet(options);
  net->to(torch::kDouble);
  RandomizeRunningStatistics(net);
  net->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor images = torch::randn({2, 3, 32, 32}, torch::kDouble);

  auto named = net->named_children();
  auto stem_conv = named["stem_conv"]->as<torch::nn::Conv2d>();
  auto stem_bn = named["stem_bn"]->as<torch::nn::BatchNorm2d>();
  auto fc = named["fc"]->as<torch::nn::Linear>();
  const double p[3] = {1.0 - 1.0 / 3 * (1 - options.p_last), 1.0 - 2.0 / 3 * (1 - options.p_last),
                       options.p_last};
  const bool inverted = options.test_scaling == TestScaling::kInverted;
  const bool average = options.shortcut == ShortcutSubsampling::kAvg2x2;

  torch::Tensor x = torch::relu(ManualBn(ManualConv(images, *stem_conv), *stem_bn));
  for (int l = 0; l < 3; ++l) {
    const auto& block = net->blocks()[l];
    torch::Tensor h = torch::relu(ManualBn(ManualConv(x, *block->conv1), *block->bn1));
    torch::Tensor f = ManualBn(ManualConv(h, *block->conv2), *block->bn2);
    const double scale = inverted ? 1.0 : p[l];
    x = torch::relu(scale * f + ManualShortcut(x, block->conv1->weight.size(0), average));
  }
  torch::Tensor expected = torch::matmul(x.mean({2, 3}), fc->weight.t()) + fc->bias;
  torch::Tensor actual = net->forward(images);
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-10, 1e-12))
      << (actual - expected).abs().max().item<double>();
}

TEST(ResNetTest, EvaluationEqualsHandComputedScaledSum) {
  ExpectEvaluationMatchesHandComputation(PaperSettings().model);
}

TEST(ResNetTest, EvaluationWithAverageShortcutAndOtherPLast) {
  ResNetOptions options = PaperSettings().model;
  options.shortcut = ShortcutSubsampling::kAvg2x2;
  options.p_last = 0.2;
  ExpectEvaluationMatchesHandComputation(options);
}

TEST(ResNetTest, InvertedScalingDoesNotScaleAtTestTime) {
  ResNetOptions options = PaperSettings().model;
  options.test_scaling = TestScaling::kInverted;
  ExpectEvaluationMatchesHandComputation(options);
}

// --- Gates ---------------------------------------------------------------

TEST(ResNetTest, SameSeedSameGatesAndOutputs) {
  ResNetOptions options = Options(20);
  options.init_seed = 11;
  options.gate_seed = 12;
  ResNet a = *MakeResNet(options);
  ResNet b = *MakeResNet(options);
  options.gate_seed = 13;
  ResNet c = *MakeResNet(options);
  bool gates_differ = false;
  for (int step = 0; step < 6; ++step) {
    torch::Tensor images = torch::randn({4, 3, 32, 32});
    torch::Tensor ya = a->forward(images), yb = b->forward(images);
    c->forward(images);
    EXPECT_EQ(a->last_gates(), b->last_gates());
    EXPECT_TRUE(torch::equal(ya, yb));
    gates_differ |= a->last_gates() != c->last_gates();
  }
  EXPECT_TRUE(gates_differ);
}

TEST(ResNetTest, ConstantDepthKeepsEveryBlock) {
  ResNetOptions options = Options(20);
  options.schedule = SurvivalSchedule::kConstant;
  ResNet net = *MakeResNet(options);
  for (int step = 0; step < 5; ++step) {
    net->forward(torch::randn({2, 3, 32, 32}));
    EXPECT_EQ(net->last_active_blocks(), 9);
  }
}

TEST(ResNetTest, DroppedBlockGetsNoGradient) {
  ResNet net = *MakeResNet(Options(20));
  std::vector<uint8_t> gates(9, 1);
  gates[1] = 0;  // Ordinary block.
  gates[3] = 0;  // Transition block of stage 2.
  net->ForceGates(gates);
  torch::Tensor loss = torch::nn::functional::cross_entropy(
      net->forward(torch::randn({4, 3, 32, 32})), torch::tensor({0, 1, 2, 3}));
  loss.backward();
  for (int l = 0; l < 9; ++l) {
    for (const auto& p : net->BlockParameters(l)) {
      EXPECT_EQ(p.grad().defined(), gates[l] == 1) << "block " << l + 1;
    }
  }
}

TEST(ResNetTest, DroppedBlockLeavesBnStatisticsAlone) {
  ResNet net = *MakeResNet(Options(20));
  std::vector<uint8_t> gates(9, 1);
  gates[4] = 0;
  net->ForceGates(gates);
  torch::Tensor before4 = net->blocks()[4]->bn1->running_mean.clone();
  torch::Tensor before5 = net->blocks()[5]->bn1->running_mean.clone();
  net->forward(torch::randn({4, 3, 32, 32}));
  EXPECT_TRUE(torch::equal(net->blocks()[4]->bn1->running_mean, before4));
  EXPECT_FALSE(torch::equal(net->blocks()[5]->bn1->running_mean, before5));
}

// --- A dropped block does no convolution --------------------------------

std::atomic<int> forward_convolutions{0};
std::atomic<int> backward_convolutions{0};

std::unique_ptr<at::ObserverContext> CountConvolutions(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  if (name == "aten::convolution") ++forward_convolutions;
  if (name == "aten::convolution_backward") ++backward_convolutions;
  return nullptr;
}

TEST(ResNetTest, DroppedBlocksRunNoConvolution) {
  ResNet net = *MakeResNet(Options(20));
  at::CallbackHandle handle =
      at::addGlobalCallback(at::RecordFunctionCallback(CountConvolutions).needsInputs(false));
  auto count_step = [&](std::vector<uint8_t> gates) {
    net->ForceGates(gates);
    forward_convolutions = 0;
    backward_convolutions = 0;
    torch::nn::functional::cross_entropy(net->forward(torch::randn({2, 3, 32, 32})),
                                         torch::tensor({0, 1}))
        .backward();
    return std::make_pair(forward_convolutions.load(), backward_convolutions.load());
  };
  auto all_kept = count_step(std::vector<uint8_t>(9, 1));
  auto all_dropped = count_step(std::vector<uint8_t>(9, 0));
  std::vector<uint8_t> three(9, 0);
  three[0] = three[4] = three[8] = 1;
  auto three_kept = count_step(three);
  at::removeCallback(handle);

  EXPECT_EQ(all_kept.first, 1 + 2 * 9);  // Stem + two per block.
  EXPECT_EQ(all_dropped.first, 1);       // The stem alone.
  EXPECT_EQ(three_kept.first, 1 + 2 * 3);
  EXPECT_EQ(all_kept.second, 1 + 2 * 9);
  EXPECT_EQ(all_dropped.second, 1);
  EXPECT_EQ(three_kept.second, 1 + 2 * 3);
}

std::atomic<int> convolutions_seen{0};
std::atomic<int> non_channels_last_inputs{0};

std::unique_ptr<at::ObserverContext> CheckConvolutionLayout(const at::RecordFunction& fn) {
  if (std::string(fn.name()) != "aten::convolution") return nullptr;
  ++convolutions_seen;
  for (int i : {0, 1}) {  // Input and weight.
    const c10::IValue& value = fn.inputs()[i];
    if (value.isTensor() && !value.toTensor().is_contiguous(at::MemoryFormat::ChannelsLast)) {
      ++non_channels_last_inputs;
    }
  }
  return nullptr;
}

TEST(ResNetTest, ChannelsLastReachesEveryConvolution) {
  // Any NCHW operand would make oneDNN reorder it on every call.
  ResNet net = *MakeResNet(Options(20));
  ASSERT_EQ(net->options().memory_format, MemoryFormat::kChannelsLast);
  at::CallbackHandle handle =
      at::addGlobalCallback(at::RecordFunctionCallback(CheckConvolutionLayout).needsInputs(true));
  net->ForceGates(std::vector<uint8_t>{1, 0, 1, 1, 0, 1, 1, 1, 1});
  torch::nn::functional::cross_entropy(net->forward(torch::randn({4, 3, 32, 32})),
                                       torch::tensor({0, 1, 2, 3}))
      .backward();
  net->eval();
  {
    torch::NoGradGuard no_grad;
    net->forward(torch::randn({4, 3, 32, 32}));
  }
  at::removeCallback(handle);
  EXPECT_EQ(convolutions_seen.load(), (1 + 2 * 7) + (1 + 2 * 9));
  EXPECT_EQ(non_channels_last_inputs.load(), 0);
}

TEST(ResNetTest, MemoryFormatDoesNotChangeTheModel) {
  ResNetOptions contiguous = Options(20);
  contiguous.memory_format = MemoryFormat::kContiguous;
  contiguous.init_seed = 7;
  ResNetOptions channels_last = contiguous;
  channels_last.memory_format = MemoryFormat::kChannelsLast;
  ResNet a = *MakeResNet(contiguous);
  ResNet b = *MakeResNet(channels_last);
  torch::Tensor images = torch::randn({8, 3, 32, 32});
  a->eval();
  b->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(a->forward(images), b->forward(images), 1e-4, 1e-5));
  EXPECT_EQ(*ParseMemoryFormat("contiguous"), MemoryFormat::kContiguous);
  EXPECT_FALSE(ParseMemoryFormat("nhwc").ok());
}

TEST(ResNetTest, TrainingStepConvFlopsCountedByHand) {
  // Depth 20, one image. Forward FLOPs of one 3x3 conv: 2*out*H*W*in*9.
  //   stem 3->16 @32: 884,736 (forward + weight gradient: x2)
  //   16->16 @32: 4,718,592; 16->32 @16 and 32->64 @8: 2,359,296;
  //   32->32 @16 and 64->64 @8: 4,718,592. A block counts 3x its forward.
  const double stem = 2 * 884736.0;
  const double plain_block = 3 * (2 * 4718592.0);
  const double transition = 3 * (2359296.0 + 4718592.0);
  EXPECT_DOUBLE_EQ(TrainingStepConvFlops(Options(20), {}, 1),
                   stem + 7 * plain_block + 2 * transition);
  EXPECT_DOUBLE_EQ(TrainingStepConvFlops(Options(20), {0, 0, 0, 1, 0, 0, 0, 0, 1}, 1),
                   stem + transition + plain_block);
  EXPECT_DOUBLE_EQ(TrainingStepConvFlops(Options(20), {}, 128),
                   128 * TrainingStepConvFlops(Options(20), {}, 1));
}

TEST(ResNetTest, DistinctConvShapesCoverEveryConvOnce) {
  for (int depth : {8, 20, 110}) {
    const int n = (depth - 2) / 6;
    std::vector<ConvShape> shapes = DistinctConvShapes(depth);
    ASSERT_EQ(shapes.size(), 6u);
    int convs = 0;
    for (const ConvShape& s : shapes) convs += s.count;
    EXPECT_EQ(convs, 1 + 6 * n) << depth;  // Stem + two per block.
    // The module's own convolutions agree, count for count.
    ResNet net = *MakeResNet(Options(depth));
    EXPECT_EQ(static_cast<int>(net->ConvWeights().size()), convs);
  }
  std::vector<ConvShape> shapes = DistinctConvShapes(20);
  EXPECT_EQ(shapes[0].name, "stem 3->16 @32");
  EXPECT_EQ(shapes[2].name, "stage2 16->32 @16 s2");
  EXPECT_EQ(shapes[2].stride, 2);
  EXPECT_EQ(shapes[5].count, 5);  // 2N - 1 at N = 3.
  EXPECT_DOUBLE_EQ(shapes[1].ForwardFlops(1), 4718592.0);
}

// Row mode: each sample keeps or drops each block on its own draw. The
// output equals a reference built from the blocks' public parts with the
// same per-sample gates (drawn from a sampler seeded alike): a block runs
// on the whole batch when any sample keeps it, and its branch is masked per
// sample.
TEST(ResNetTest, RowModeGatesPerSample) {
  ResNetOptions options = Options(20);
  options.gate_mode = GateMode::kRow;
  options.p_last = 0.3;
  options.gate_seed = 7;
  options.memory_format = MemoryFormat::kContiguous;
  ResNet net = *MakeResNet(options);
  net->train();
  const int64_t batch = 8;
  torch::manual_seed(3);
  torch::Tensor images = torch::randn({batch, 3, 32, 32});
  torch::Tensor y = net->forward(images);

  GateSampler sampler(options.gate_seed);
  std::vector<uint8_t> rows;
  sampler.DrawRowGates(net->survival(), batch, &rows);
  const int blocks = net->num_blocks();
  int mixed_blocks = 0;  // Blocks some samples keep and others drop.
  torch::NoGradGuard no_grad;
  torch::Tensor x = net->Stem(images);
  for (int l = 0; l < blocks; ++l) {
    std::vector<float> mask(batch);
    int kept = 0;
    for (int64_t b = 0; b < batch; ++b) kept += mask[b] = rows[b * blocks + l];
    mixed_blocks += kept > 0 && kept < batch;
    EXPECT_EQ(net->last_gates()[l], kept > 0 ? 1 : 0) << "block " << l;
    ResidualBlock block = net->blocks()[l];
    if (kept == 0) {
      x = block->Shortcut(x);
      continue;
    }
    torch::Tensor m = torch::tensor(mask).view({-1, 1, 1, 1});
    x = (block->Branch(x) * m + block->Shortcut(x)).relu();
  }
  EXPECT_GE(mixed_blocks, 3);
  torch::Tensor reference = net->Head(x);
  EXPECT_TRUE(torch::allclose(y, reference, 1e-5, 1e-6))
      << (y - reference).abs().max().item<double>();
}

TEST(ResNetTest, ForceGatesChecksLength) {
  ResNet net = *MakeResNet(Options(20));
  EXPECT_THROW(net->ForceGates(std::vector<uint8_t>(8, 1)), std::invalid_argument);
}

}  // namespace
}  // namespace sdbench
