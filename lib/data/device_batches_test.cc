// DeviceBatches, run on the CPU, against the CPU loader: the same batches,
// bit for bit, for every epoch, rank and resume point.
#include "lib/data/device_batches.h"

#include <torch/torch.h>

#include "gtest/gtest.h"
#include "lib/data/synthetic.h"

namespace sdbench {
namespace {

class DeviceBatchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = std::make_shared<const ImageSet>(SyntheticImages(300, 10, 8));
    view_ = ImageView::All(images_);
    view_.indices = {view_.indices.begin() + 20, view_.indices.end()};  // A subset view.
    norm_ = std::make_shared<const Normalization>(
        ComputeNormalization(view_, NormalizationMode::kMeanImageRawStd));
  }

  void ExpectSameBatches(LoaderOptions options, int64_t epoch, int64_t first_batch = 0) {
    options.prefetch_batches = 0;
    BatchLoader cpu(view_, norm_, options);
    DeviceBatches device(view_, *norm_, options, torch::kCPU);
    ASSERT_EQ(cpu.batches_per_epoch(), device.batches_per_epoch());
    cpu.StartEpoch(epoch, first_batch);
    device.StartEpoch(epoch, first_batch);
    int batches = 0;
    while (std::optional<Batch> expected = cpu.Next()) {
      std::optional<Batch> got = device.Next();
      ASSERT_TRUE(got.has_value());
      EXPECT_TRUE(torch::equal(got->images, expected->images))
          << "epoch " << epoch << " batch " << batches << " rank " << options.rank << ": max diff "
          << (got->images - expected->images).abs().max().item<float>();
      EXPECT_TRUE(torch::equal(got->labels, expected->labels));
      ++batches;
    }
    EXPECT_FALSE(device.Next().has_value());
    EXPECT_EQ(batches, cpu.batches_per_epoch() - first_batch);
  }

  std::shared_ptr<const ImageSet> images_;
  ImageView view_;
  std::shared_ptr<const Normalization> norm_;
};

TEST_F(DeviceBatchesTest, AugmentedTrainingBatchesEqualTheCpuLoaders) {
  LoaderOptions options;
  options.batch_size = 64;  // 280 images: a partial last batch.
  options.augment = true;
  options.seed = 17;
  for (int64_t epoch : {0, 1, 5}) ExpectSameBatches(options, epoch);
  options.max_shift = 2;
  ExpectSameBatches(options, 3);
}

TEST_F(DeviceBatchesTest, RankSlicesAndMidEpochStartsEqualTheCpuLoaders) {
  LoaderOptions options;
  options.batch_size = 64;
  options.augment = true;
  options.seed = 3;
  options.max_shift = 4;
  options.world_size = 2;
  for (int rank : {0, 1}) {
    options.rank = rank;
    ExpectSameBatches(options, 2);
    ExpectSameBatches(options, 2, /*first_batch=*/3);
  }
}

TEST_F(DeviceBatchesTest, EvaluationBatchesEqualTheCpuLoaders) {
  LoaderOptions options;
  options.batch_size = 128;
  options.shuffle = false;
  ExpectSameBatches(options, 0);
}

}  // namespace
}  // namespace sdbench
