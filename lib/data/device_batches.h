// Mini-batches made on the training device (a GPU): the split's uint8
// images live there once, and each batch is gathered, normalised, shifted
// and flipped there as one tensor operation per step, instead of being
// assembled image by image on the CPU and copied over.
//
// The batches equal BatchLoader's exactly: the same epoch order, the same
// per-sample shifts and flips (drawn from (seed, epoch, position) by the
// same functions), the same rank slices, and normalisation as the same
// float operations, (pixel - mean) * scale, with 0 for uncovered pixels.
// device_batches_test checks this on the CPU.
#ifndef SDBENCH_LIB_DATA_DEVICE_BATCHES_H_
#define SDBENCH_LIB_DATA_DEVICE_BATCHES_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "lib/data/image_set.h"
#include "lib/data/loader.h"
#include "lib/data/protocol.h"

namespace sdbench {

class DeviceBatches : public BatchSource {
 public:
  DeviceBatches(const ImageView& data, const Normalization& norm, LoaderOptions options,
                const torch::Device& device);

  int64_t size() const { return size_; }
  int64_t batches_per_epoch() const override;
  void StartEpoch(int64_t epoch, int64_t first_batch) override;
  std::optional<Batch> Next() override;

  // Batch `index` of `epoch` for this rank.
  Batch Make(int64_t epoch, const std::vector<int64_t>& order, int64_t index) const;

 private:
  LoaderOptions options_;
  torch::Device device_;
  int64_t size_ = 0;
  torch::Tensor images_;  // uint8 [n, 3, 32, 32], in the view's order.
  torch::Tensor labels_;  // int64 [n]
  torch::Tensor mean_;    // float [3, 32, 32]
  torch::Tensor scale_;   // float [3, 32, 32]
  int64_t epoch_ = -1;
  int64_t next_index_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_DEVICE_BATCHES_H_
