#include "lib/data/device_batches.h"

#include <stdexcept>

namespace sdbench {

DeviceBatches::DeviceBatches(const ImageView& data, const Normalization& norm,
                             LoaderOptions options, const torch::Device& device)
    : options_(options), device_(device), size_(data.size()) {
  if (options_.batch_size < 1 || options_.world_size < 1 || options_.rank < 0 ||
      options_.rank >= options_.world_size || options_.batch_size % options_.world_size != 0) {
    throw std::invalid_argument(
        "DeviceBatches: batch size must be a positive multiple of the world size, and "
        "0 <= rank < world size");
  }
  // The view's images, in its order, to the device once.
  torch::Tensor images = torch::empty({size_, 3, kImageSide, kImageSide}, torch::kUInt8);
  torch::Tensor labels = torch::empty({size_}, torch::kInt64);
  uint8_t* pixels = images.data_ptr<uint8_t>();
  int64_t* label = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < size_; ++i) {
    std::copy(data.image(i), data.image(i) + kImageBytes, pixels + i * kImageBytes);
    label[i] = data.label(i);
  }
  images_ = images.to(device_);
  labels_ = labels.to(device_);
  auto plane = [&](const std::vector<float>& values) {
    return torch::from_blob(const_cast<float*>(values.data()), {3, kImageSide, kImageSide},
                            torch::kFloat)
        .clone()
        .to(device_);
  };
  mean_ = plane(norm.mean);
  scale_ = plane(norm.scale);
}

int64_t DeviceBatches::batches_per_epoch() const {
  return (size_ + options_.batch_size - 1) / options_.batch_size;
}

void DeviceBatches::StartEpoch(int64_t epoch, int64_t first_batch) {
  epoch_ = epoch;
  next_index_ = first_batch;
  order_ = EpochOrder(size_, options_, epoch);
}

std::optional<Batch> DeviceBatches::Next() {
  if (epoch_ < 0) throw std::logic_error("DeviceBatches: StartEpoch first");
  if (next_index_ >= batches_per_epoch()) return std::nullopt;
  return Make(epoch_, order_, next_index_++);
}

Batch DeviceBatches::Make(int64_t epoch, const std::vector<int64_t>& order, int64_t index) const {
  const auto [first, last] = RankSlice(size_, options_, index);
  const int64_t count = last - first;
  std::vector<int64_t> items(order.begin() + first, order.begin() + last);
  const torch::Tensor picked =
      torch::tensor(items, torch::kInt64).to(device_, /*non_blocking=*/true);
  Batch batch;
  batch.labels = labels_.index_select(0, picked);
  // (pixel - mean) * scale: the CPU loader's float operations, in its order.
  torch::Tensor images = (images_.index_select(0, picked).to(torch::kFloat) - mean_) * scale_;
  if (!options_.augment || count == 0) {
    batch.images = images;
    return batch;
  }
  // Output pixel (y, x) reads the image at row y - dy and column
  // (flip ? 31 - x : x) - dx; zero padding by max_shift makes every
  // uncovered pixel read a 0, as the CPU loader writes.
  const int pad = options_.max_shift;
  const int padded_side = kImageSide + 2 * pad;
  std::vector<int64_t> rows(count * kImageSide), columns(count * kImageSide);
  for (int64_t i = 0; i < count; ++i) {
    const Augmentation a = AugmentationAt(options_, epoch, first + i);
    for (int k = 0; k < kImageSide; ++k) {
      rows[i * kImageSide + k] = k - a.dy + pad;
      columns[i * kImageSide + k] = (a.flip ? kImageSide - 1 - k : k) - a.dx + pad;
    }
  }
  const torch::Tensor row_index = torch::tensor(rows, torch::kInt64)
                                      .view({count, 1, kImageSide, 1})
                                      .to(device_, /*non_blocking=*/true);
  const torch::Tensor column_index = torch::tensor(columns, torch::kInt64)
                                         .view({count, 1, 1, kImageSide})
                                         .to(device_, /*non_blocking=*/true);
  torch::Tensor padded = torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0.0);
  padded = padded.gather(2, row_index.expand({count, 3, kImageSide, padded_side}));
  batch.images = padded.gather(3, column_index.expand({count, 3, kImageSide, kImageSide}));
  return batch;
}

}  // namespace sdbench
