#include "lib/data/protocol.h"

#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/synthetic.h"

namespace sdbench {
namespace {

std::shared_ptr<const ImageSet> Synthetic(int64_t n, int classes = 10, uint64_t seed = 1) {
  return std::make_shared<const ImageSet>(SyntheticImages(n, classes, seed));
}

TEST(SplitCifarTest, SizesDisjointAndSeeded) {
  auto images = Synthetic(1000);
  auto split = SplitCifar(images, 900, 7);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->train.size(), 900);
  EXPECT_EQ(split->validation.size(), 100);
  std::set<int64_t> all(split->train.indices.begin(), split->train.indices.end());
  all.insert(split->validation.indices.begin(), split->validation.indices.end());
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(SplitCifar(images, 900, 7)->train.indices, split->train.indices);
  EXPECT_NE(SplitCifar(images, 900, 8)->train.indices, split->train.indices);
  // Shuffled, not the first 900 in file order.
  std::vector<int64_t> identity(900);
  for (int i = 0; i < 900; ++i) identity[i] = i;
  EXPECT_NE(split->train.indices, identity);
}

TEST(SplitCifarTest, NoValidationAndBadSizes) {
  auto images = Synthetic(50);
  auto all = SplitCifar(images, 45, 1, /*validation=*/false);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->train.size(), 50);
  EXPECT_EQ(all->validation.size(), 0);
  EXPECT_FALSE(SplitCifar(images, 50, 1).ok());
  EXPECT_FALSE(SplitCifar(images, 0, 1).ok());
}

TEST(SplitSvhnTest, PerClassQuotasFromTrainAndExtra) {
  ImageSet joined = SyntheticImages(5000, 10, 2);  // "train"
  joined.Append(SyntheticImages(3000, 10, 3));     // "extra"
  auto images = std::make_shared<const ImageSet>(std::move(joined));
  auto split = SplitSvhn(images, 5000, 9);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->validation.size(), 6000);
  EXPECT_EQ(split->train.size(), 2000);
  std::vector<int> from_train(10, 0), from_extra(10, 0);
  for (int64_t index : split->validation.indices) {
    (index < 5000 ? from_train : from_extra)[images->labels[index]]++;
  }
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(from_train[c], 400) << c;
    EXPECT_EQ(from_extra[c], 200) << c;
  }
  std::set<int64_t> all(split->train.indices.begin(), split->train.indices.end());
  all.insert(split->validation.indices.begin(), split->validation.indices.end());
  EXPECT_EQ(all.size(), 8000u);
  EXPECT_EQ(SplitSvhn(images, 5000, 9)->validation.indices, split->validation.indices);
}

TEST(SplitSvhnTest, TooFewImagesOfAClass) {
  auto images = Synthetic(300);
  auto split = SplitSvhn(images, 200, 1);
  ASSERT_FALSE(split.ok());
  EXPECT_NE(split.status().message().find("fewer than"), std::string::npos);
}

// Mean and std of the normalised training data, computed independently.
void NormalisedMoments(const ImageView& view, const Normalization& norm, int channel, double* mean,
                       double* std) {
  std::vector<float> out(kImageBytes);
  double sum = 0, sum_sq = 0, count = 0;
  for (int64_t i = 0; i < view.size(); ++i) {
    NormalizeAndAugment(view.image(i), norm, Augmentation(), out.data());
    for (int k = 0; k < kImageBytes; ++k) {
      if (channel >= 0 && k / kImagePlane != channel) continue;
      sum += out[k];
      sum_sq += static_cast<double>(out[k]) * out[k];
      ++count;
    }
  }
  *mean = sum / count;
  *std = std::sqrt(sum_sq / count - *mean * *mean);
}

TEST(NormalizationTest, CentredModeGivesMeanZeroStdOne) {
  auto images = Synthetic(500);
  ImageView train = ImageView::All(images);
  Normalization norm = ComputeNormalization(train, NormalizationMode::kMeanImageCentredStd);
  double mean, std;
  NormalisedMoments(train, norm, -1, &mean, &std);
  EXPECT_NEAR(mean, 0.0, 1e-5);
  EXPECT_NEAR(std, 1.0, 1e-5);
  // One scalar std; a per-pixel mean image.
  for (float s : norm.scale) EXPECT_EQ(s, norm.scale[0]);
  double pixel0 = 0;
  for (int64_t i = 0; i < train.size(); ++i) pixel0 += train.image(i)[0];
  EXPECT_NEAR(norm.mean[0], pixel0 / train.size(), 1e-3);
}

// The original code's scalar: std (n-1) of every element of the raw tensor,
// computed here in two passes as an independent oracle.
TEST(NormalizationTest, DefaultModeDividesByTheStdOfTheRawTensor) {
  auto images = Synthetic(400);
  ImageView train = ImageView::All(images);
  Normalization norm = ComputeNormalization(train, NormalizationMode::kMeanImageRawStd);
  double sum = 0.0;
  const double count = static_cast<double>(train.size()) * kImageBytes;
  for (int64_t i = 0; i < train.size(); ++i) {
    for (int k = 0; k < kImageBytes; ++k) sum += train.image(i)[k];
  }
  const double mean = sum / count;
  double squares = 0.0;
  for (int64_t i = 0; i < train.size(); ++i) {
    for (int k = 0; k < kImageBytes; ++k) {
      squares += (train.image(i)[k] - mean) * (train.image(i)[k] - mean);
    }
  }
  const double raw_std = std::sqrt(squares / (count - 1));
  for (float s : norm.scale) EXPECT_EQ(s, norm.scale[0]);
  EXPECT_NEAR(1.0 / norm.scale[0], raw_std, raw_std * 1e-6);
  // The same mean image as the centred mode; a larger std than the
  // centred one (the mean image varies over pixels).
  Normalization centred = ComputeNormalization(train, NormalizationMode::kMeanImageCentredStd);
  EXPECT_EQ(norm.mean, centred.mean);
  EXPECT_GT(1.0 / norm.scale[0], 1.0 / centred.scale[0]);
  EXPECT_EQ(*ParseNormalizationMode("mean_image_raw_std"), NormalizationMode::kMeanImageRawStd);
  // The earlier name of the centred mode still reads as it did.
  EXPECT_EQ(*ParseNormalizationMode("mean_image_scalar_std"),
            NormalizationMode::kMeanImageCentredStd);
  EXPECT_STREQ(NormalizationModeName(NormalizationMode::kMeanImageCentredStd),
               "mean_image_centred_std");
}

TEST(NormalizationTest, PerChannelMode) {
  auto images = Synthetic(300);
  ImageView train = ImageView::All(images);
  Normalization norm = ComputeNormalization(train, NormalizationMode::kPerChannel);
  for (int c = 0; c < 3; ++c) {
    double mean, std;
    NormalisedMoments(train, norm, c, &mean, &std);
    EXPECT_NEAR(mean, 0.0, 1e-5) << c;
    EXPECT_NEAR(std, 1.0, 1e-5) << c;
  }
  EXPECT_EQ(*ParseNormalizationMode("per_channel"), NormalizationMode::kPerChannel);
  EXPECT_FALSE(ParseNormalizationMode("zca").ok());
}

class AugmentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = Synthetic(3);
    norm_ = ComputeNormalization(ImageView::All(images_), NormalizationMode::kMeanImageRawStd);
    plain_.resize(kImageBytes);
    NormalizeAndAugment(images_->image(1), norm_, Augmentation(), plain_.data());
  }
  std::vector<float> Augmented(Augmentation a) {
    std::vector<float> out(kImageBytes);
    NormalizeAndAugment(images_->image(1), norm_, a, out.data());
    return out;
  }
  std::shared_ptr<const ImageSet> images_;
  Normalization norm_;
  std::vector<float> plain_;
};

TEST_F(AugmentationTest, IdentityEqualsNormalisedInput) {
  const uint8_t* image = images_->image(1);
  for (int k = 0; k < kImageBytes; ++k) {
    EXPECT_FLOAT_EQ(plain_[k], (image[k] - norm_.mean[k]) * norm_.scale[k]);
  }
}

TEST_F(AugmentationTest, ShiftByOneColumnZeroFillsTheEdge) {
  std::vector<float> shifted = Augmented({1, 0, false});
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 32; ++y) {
      EXPECT_EQ(shifted[c * 1024 + y * 32], 0.0f);
      for (int x = 1; x < 32; ++x) {
        EXPECT_EQ(shifted[c * 1024 + y * 32 + x], plain_[c * 1024 + y * 32 + x - 1]);
      }
    }
  }
  std::vector<float> down = Augmented({0, -4, false});
  for (int x = 0; x < 32; ++x) {
    EXPECT_EQ(down[2 * 1024 + 31 * 32 + x], 0.0f);  // Bottom rows uncovered.
    EXPECT_EQ(down[0 * 1024 + 0 * 32 + x], plain_[4 * 32 + x]);
  }
}

TEST_F(AugmentationTest, FlipTwiceIsIdentity) {
  std::vector<float> once(kImageBytes), twice(kImageBytes);
  ShiftAndFlip(plain_.data(), {0, 0, true}, once.data());
  ShiftAndFlip(once.data(), {0, 0, true}, twice.data());
  EXPECT_EQ(twice, plain_);
  EXPECT_NE(once, plain_);
  EXPECT_EQ(once[5 * 32 + 0], plain_[5 * 32 + 31]);
}

TEST_F(AugmentationTest, FusedPathEqualsShiftThenFlip) {
  std::mt19937_64 engine(3);
  for (int trial = 0; trial < 200; ++trial) {
    Augmentation a = DrawAugmentation(engine, 4);
    std::vector<float> reference(kImageBytes);
    ShiftAndFlip(plain_.data(), a, reference.data());
    EXPECT_EQ(Augmented(a), reference) << "dx=" << a.dx << " dy=" << a.dy << " flip=" << a.flip;
  }
}

TEST(DrawAugmentationTest, UniformShiftsAndFairFlips) {
  std::mt19937_64 engine(11);
  std::vector<int> dx(9, 0), dy(9, 0);
  int flips = 0;
  const int draws = 90000;
  for (int i = 0; i < draws; ++i) {
    Augmentation a = DrawAugmentation(engine, 4);
    ASSERT_GE(a.dx, -4);
    ASSERT_LE(a.dx, 4);
    ASSERT_GE(a.dy, -4);
    ASSERT_LE(a.dy, 4);
    dx[a.dx + 4]++;
    dy[a.dy + 4]++;
    flips += a.flip;
  }
  for (int v = 0; v < 9; ++v) {
    EXPECT_NEAR(dx[v], draws / 9.0, 500) << v;
    EXPECT_NEAR(dy[v], draws / 9.0, 500) << v;
  }
  EXPECT_NEAR(flips, draws / 2.0, 800);
}

}  // namespace
}  // namespace sdbench
