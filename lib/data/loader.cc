#include "lib/data/loader.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <utility>

#include "lib/random/splitmix.h"

namespace sdbench {
namespace {

// A one-word engine for DrawAugmentation.
struct FixedWord {
  uint64_t word;
  uint64_t operator()() const { return word; }
};

}  // namespace

BatchLoader::BatchLoader(ImageView data, std::shared_ptr<const Normalization> norm,
                         LoaderOptions options)
    : data_(std::move(data)), norm_(std::move(norm)), options_(options) {
  if (options_.batch_size < 1 || options_.world_size < 1 || options_.rank < 0 ||
      options_.rank >= options_.world_size || options_.batch_size % options_.world_size != 0) {
    throw std::invalid_argument(
        "BatchLoader: batch size must be a positive multiple of the world "
        "size, and 0 <= rank < world size");
  }
}

BatchLoader::~BatchLoader() { StopWorker(); }

int64_t BatchLoader::batches_per_epoch() const {
  return (data_.size() + options_.batch_size - 1) / options_.batch_size;
}

std::vector<int64_t> EpochOrder(int64_t size, const LoaderOptions& options, int64_t epoch) {
  std::vector<int64_t> order(size);
  std::iota(order.begin(), order.end(), 0);
  if (!options.shuffle) return order;
  std::mt19937_64 engine(SplitMix64(options.seed ^ SplitMix64(static_cast<uint64_t>(epoch))));
  for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(engine() % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

Augmentation AugmentationAt(const LoaderOptions& options, int64_t epoch, int64_t position) {
  if (!options.augment) return Augmentation();
  const uint64_t stream =
      SplitMix64(options.seed + 0x5851f42d4c957f2dULL) ^ SplitMix64(static_cast<uint64_t>(epoch));
  FixedWord word{SplitMix64(stream + static_cast<uint64_t>(position))};
  return DrawAugmentation(word, options.max_shift);
}

std::pair<int64_t, int64_t> RankSlice(int64_t size, const LoaderOptions& options, int64_t index) {
  // The global batch [begin, end) of the epoch; this rank's share of it.
  const int64_t begin = index * options.batch_size;
  const int64_t end = std::min<int64_t>(begin + options.batch_size, size);
  const int64_t global = end - begin;
  const int64_t share = (global + options.world_size - 1) / options.world_size;
  return {begin + std::min<int64_t>(global, share * options.rank),
          begin + std::min<int64_t>(global, share * (options.rank + 1))};
}

std::vector<int64_t> BatchLoader::EpochOrder(int64_t epoch) const {
  return sdbench::EpochOrder(data_.size(), options_, epoch);
}

Augmentation BatchLoader::AugmentationAt(int64_t epoch, int64_t position) const {
  return sdbench::AugmentationAt(options_, epoch, position);
}

Batch BatchLoader::Assemble(int64_t epoch, const std::vector<int64_t>& order, int64_t index) const {
  const auto [first, last] = RankSlice(data_.size(), options_, index);
  const int64_t count = last - first;

  Batch batch;
  batch.images = torch::empty({count, 3, kImageSide, kImageSide}, torch::kFloat);
  batch.labels = torch::empty({count}, torch::kInt64);
  float* images = batch.images.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = first + i;
    const int64_t item = order[position];
    NormalizeAndAugment(data_.image(item), *norm_, AugmentationAt(epoch, position),
                        images + i * kImageBytes);
    labels[i] = data_.label(item);
  }
  return batch;
}

void BatchLoader::StopWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.clear();
  stop_ = false;
  finished_ = false;
}

void BatchLoader::Produce(int64_t epoch, std::vector<int64_t> order, int64_t first_batch) {
  const int64_t batches = batches_per_epoch();
  for (int64_t index = first_batch; index < batches; ++index) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] {
        return stop_ || static_cast<int>(ready_.size()) < options_.prefetch_batches;
      });
      if (stop_) return;
    }
    Batch batch = Assemble(epoch, order, index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(std::move(batch));
    }
    changed_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

void BatchLoader::StartEpoch(int64_t epoch, int64_t first_batch) {
  StopWorker();
  epoch_ = epoch;
  next_index_ = first_batch;
  order_ = EpochOrder(epoch);
  if (options_.prefetch_batches > 0) {
    worker_ = std::thread(&BatchLoader::Produce, this, epoch, order_, first_batch);
  }
}

std::optional<Batch> BatchLoader::Next() {
  if (epoch_ < 0) throw std::logic_error("BatchLoader: StartEpoch first");
  if (options_.prefetch_batches == 0) {
    if (next_index_ >= batches_per_epoch()) return std::nullopt;
    return Assemble(epoch_, order_, next_index_++);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
  if (ready_.empty()) return std::nullopt;
  Batch batch = std::move(ready_.front());
  ready_.pop_front();
  ++next_index_;
  lock.unlock();
  changed_.notify_all();
  return batch;
}

}  // namespace sdbench
