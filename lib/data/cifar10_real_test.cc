// Checks on the real CIFAR-10 that tools/setup.sh prepares (PAPER_SPEC 3, 6).
#include <torch/torch.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/cifar.h"
#include "lib/data/loader.h"
#include "lib/data/prepare.h"
#include "lib/data/protocol.h"

namespace sdbench {
namespace {

class RealCifar10Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* root = std::getenv("SDBENCH_DATA_DIR");
    ASSERT_NE(root, nullptr) << "SDBENCH_DATA_DIR is not set: run tools/setup.sh, which prepares "
                                "real CIFAR-10 and writes .bazelrc.local";
    dir_ = std::string(root) + "/cifar10";
    absl::Status verified = VerifyCifar10Dir(dir_);
    ASSERT_TRUE(verified.ok()) << verified;
    auto sets = ReadCifar10(dir_);
    ASSERT_TRUE(sets.ok()) << sets.status();
    train_ = std::make_shared<const ImageSet>(std::move(sets->train));
    test_ = std::make_shared<const ImageSet>(std::move(sets->test));
  }
  static std::string dir_;
  static std::shared_ptr<const ImageSet> train_, test_;
};
std::string RealCifar10Test::dir_;
std::shared_ptr<const ImageSet> RealCifar10Test::train_, RealCifar10Test::test_;

TEST_F(RealCifar10Test, ClassCounts) {
  ASSERT_EQ(train_->size(), 50000);
  ASSERT_EQ(test_->size(), 10000);
  std::vector<int> train_counts(10, 0), test_counts(10, 0);
  for (uint8_t label : train_->labels) train_counts[label]++;
  for (uint8_t label : test_->labels) test_counts[label]++;
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(train_counts[c], 5000) << c;
    EXPECT_EQ(test_counts[c], 1000) << c;
  }
}

TEST_F(RealCifar10Test, ChannelMeans) {
  Normalization norm =
      ComputeNormalization(ImageView::All(train_), NormalizationMode::kMeanImageRawStd);
  std::vector<double> means = norm.channel_means();
  EXPECT_NEAR(means[0], 125.3, 0.1);
  EXPECT_NEAR(means[1], 123.0, 0.1);
  EXPECT_NEAR(means[2], 113.9, 0.1);
}

// PAPER_SPEC 3: on the first 45,000 training images the original's scalar
// (std of the raw tensor) is 64.19; the std after centring is 63.52.
TEST_F(RealCifar10Test, ScalarStdOfTheFirst45kImages) {
  ImageView first = ImageView::All(train_);
  first.indices.resize(45000);
  const double raw =
      1.0 / ComputeNormalization(first, NormalizationMode::kMeanImageRawStd).scale[0];
  const double centred =
      1.0 / ComputeNormalization(first, NormalizationMode::kMeanImageCentredStd).scale[0];
  EXPECT_NEAR(raw, 64.19, 0.005);
  EXPECT_NEAR(centred, 63.52, 0.005);
}

TEST_F(RealCifar10Test, PaperSplitSizesAndDeterminism) {
  auto split = SplitCifar(train_, 45000, 1);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->train.size(), 45000);
  EXPECT_EQ(split->validation.size(), 5000);
  EXPECT_EQ(test_->size(), 10000);
  EXPECT_EQ(SplitCifar(train_, 45000, 1)->validation.indices, split->validation.indices);

  auto norm = std::make_shared<const Normalization>(
      ComputeNormalization(split->train, NormalizationMode::kMeanImageRawStd));
  std::vector<double> means = norm->channel_means();
  EXPECT_NEAR(means[0], 125.3, 0.5);
  LoaderOptions options;
  options.batch_size = 128;
  options.augment = true;
  options.max_shift = 4;
  options.seed = 1;
  BatchLoader a(split->train, norm, options), b(split->train, norm, options);
  a.StartEpoch(0);
  b.StartEpoch(0);
  for (int i = 0; i < 3; ++i) {
    auto batch_a = a.Next(), batch_b = b.Next();
    ASSERT_TRUE(batch_a && batch_b);
    EXPECT_TRUE(torch::equal(batch_a->images, batch_b->images));
    EXPECT_TRUE(torch::equal(batch_a->labels, batch_b->labels));
  }
  EXPECT_EQ(a.batches_per_epoch(), 352);  // 45,000 / 128, last one partial.
}

}  // namespace
}  // namespace sdbench
