#include "lib/data/loader.h"

#include <torch/torch.h>

#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/synthetic.h"

namespace sdbench {
namespace {

// This test's loader: batches of 128 (300 images: two full, one of 44),
// shifts of up to 4 pixels when augmenting.
LoaderOptions Batches128() {
  LoaderOptions options;
  options.batch_size = 128;
  options.max_shift = 4;
  return options;
}

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = std::make_shared<const ImageSet>(SyntheticImages(300, 10, 4));
    view_ = ImageView::All(images_);
    norm_ = std::make_shared<const Normalization>(
        ComputeNormalization(view_, NormalizationMode::kMeanImageRawStd));
  }
  std::vector<Batch> Epoch(LoaderOptions options, int64_t epoch) {
    BatchLoader loader(view_, norm_, options);
    loader.StartEpoch(epoch);
    std::vector<Batch> batches;
    while (auto batch = loader.Next()) batches.push_back(*batch);
    return batches;
  }
  std::shared_ptr<const ImageSet> images_;
  ImageView view_;
  std::shared_ptr<const Normalization> norm_;
};

TEST_F(LoaderTest, BatchSizesKeepTheLastPartialBatch) {
  LoaderOptions options = Batches128();
  std::vector<Batch> batches = Epoch(options, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].images.sizes(), (std::vector<int64_t>{128, 3, 32, 32}));
  EXPECT_EQ(batches[1].labels.size(0), 128);
  EXPECT_EQ(batches[2].labels.size(0), 44);
  EXPECT_EQ(batches[2].images.scalar_type(), torch::kFloat);
  EXPECT_EQ(batches[2].labels.scalar_type(), torch::kInt64);
}

TEST_F(LoaderTest, EveryImageOncePerEpochWithItsLabel) {
  LoaderOptions options = Batches128();
  BatchLoader loader(view_, norm_, options);
  std::vector<int64_t> order = loader.EpochOrder(3);
  EXPECT_EQ(std::set<int64_t>(order.begin(), order.end()).size(), 300u);
  std::vector<Batch> batches = Epoch(options, 3);
  torch::Tensor labels = torch::cat({batches[0].labels, batches[1].labels, batches[2].labels});
  torch::Tensor images = torch::cat({batches[0].images, batches[1].images, batches[2].images});
  std::vector<float> expected(kImageBytes);
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(labels[i].item<int64_t>(), images_->labels[order[i]]);
  }
  NormalizeAndAugment(images_->image(order[17]), *norm_, Augmentation(), expected.data());
  EXPECT_TRUE(torch::equal(images[17].flatten(), torch::from_blob(expected.data(), {kImageBytes})));
}

TEST_F(LoaderTest, SeededOrderDependsOnEpochAndSeed) {
  LoaderOptions options = Batches128();
  options.seed = 5;
  BatchLoader a(view_, norm_, options);
  EXPECT_EQ(a.EpochOrder(0), a.EpochOrder(0));
  EXPECT_NE(a.EpochOrder(0), a.EpochOrder(1));
  options.seed = 6;
  BatchLoader b(view_, norm_, options);
  EXPECT_NE(a.EpochOrder(0), b.EpochOrder(0));
  options.shuffle = false;
  BatchLoader in_order(view_, norm_, options);
  EXPECT_EQ(in_order.EpochOrder(4)[10], 10);
}

TEST_F(LoaderTest, SameSeedSameBatchesWithOrWithoutPrefetch) {
  LoaderOptions options = Batches128();
  options.augment = true;
  options.seed = 9;
  std::vector<Batch> prefetched = Epoch(options, 2);
  options.prefetch_batches = 0;
  std::vector<Batch> inline_batches = Epoch(options, 2);
  ASSERT_EQ(prefetched.size(), inline_batches.size());
  for (size_t i = 0; i < prefetched.size(); ++i) {
    EXPECT_TRUE(torch::equal(prefetched[i].images, inline_batches[i].images));
    EXPECT_TRUE(torch::equal(prefetched[i].labels, inline_batches[i].labels));
  }
  // Augmentation changes the images; a different epoch changes them again.
  options.augment = false;
  std::vector<Batch> plain = Epoch(options, 2);
  EXPECT_FALSE(torch::equal(plain[0].images, prefetched[0].images));
  EXPECT_TRUE(torch::equal(plain[0].labels, prefetched[0].labels));
}

// A run resumed mid-epoch starts the epoch at a later batch and sees
// exactly the batches an uninterrupted epoch has from there on.
TEST_F(LoaderTest, StartingAtALaterBatchContinuesTheSameEpoch) {
  LoaderOptions options = Batches128();
  options.augment = true;
  options.seed = 5;
  options.batch_size = 64;
  const std::vector<Batch> whole = Epoch(options, 3);
  for (int prefetch : {2, 0}) {
    options.prefetch_batches = prefetch;
    BatchLoader loader(view_, norm_, options);
    loader.StartEpoch(3, /*first_batch=*/2);
    std::vector<Batch> rest;
    while (auto batch = loader.Next()) rest.push_back(*batch);
    ASSERT_EQ(rest.size(), whole.size() - 2) << prefetch;
    for (size_t i = 0; i < rest.size(); ++i) {
      EXPECT_TRUE(torch::equal(rest[i].images, whole[i + 2].images)) << i;
      EXPECT_TRUE(torch::equal(rest[i].labels, whole[i + 2].labels)) << i;
    }
  }
}

TEST_F(LoaderTest, RanksShareTheGlobalBatchDisjointly) {
  LoaderOptions options = Batches128();
  options.augment = true;
  options.seed = 3;
  std::vector<Batch> single = Epoch(options, 1);
  options.world_size = 2;
  options.rank = 0;
  std::vector<Batch> rank0 = Epoch(options, 1);
  options.rank = 1;
  std::vector<Batch> rank1 = Epoch(options, 1);
  ASSERT_EQ(rank0.size(), single.size());
  for (size_t i = 0; i < single.size(); ++i) {
    EXPECT_TRUE(torch::equal(torch::cat({rank0[i].images, rank1[i].images}), single[i].images));
    EXPECT_TRUE(torch::equal(torch::cat({rank0[i].labels, rank1[i].labels}), single[i].labels));
  }
  EXPECT_EQ(rank0[0].labels.size(0), 64);
  EXPECT_EQ(rank1[2].labels.size(0), 22);
}

TEST_F(LoaderTest, RestartingOrDestroyingMidEpochDoesNotHang) {
  LoaderOptions options = Batches128();
  options.prefetch_batches = 1;
  {
    BatchLoader loader(view_, norm_, options);
    loader.StartEpoch(0);
    ASSERT_TRUE(loader.Next().has_value());
    loader.StartEpoch(1);
    int count = 0;
    while (loader.Next()) ++count;
    EXPECT_EQ(count, 3);
    EXPECT_FALSE(loader.Next().has_value());
    loader.StartEpoch(2);
  }  // Destroyed with a worker waiting on a full queue.
  SUCCEED();
}

TEST_F(LoaderTest, RejectsBadOptions) {
  LoaderOptions options = Batches128();
  options.world_size = 3;  // 128 is not a multiple of 3.
  EXPECT_THROW(BatchLoader(view_, norm_, options), std::invalid_argument);
  options.world_size = 2;
  options.rank = 2;
  EXPECT_THROW(BatchLoader(view_, norm_, options), std::invalid_argument);
}

}  // namespace
}  // namespace sdbench
