// Mini-batches for training and evaluation: shuffled per epoch (seeded),
// normalised, augmented (training), as float tensors [B, 3, 32, 32] with
// int64 labels; the last partial batch is kept. A background thread prepares
// the next batches while the model trains.
//
// Everything random is a pure function of (seed, epoch, position): the
// epoch's order from (seed, epoch), each image's shift and flip from
// (seed, epoch, its position in the epoch). So a run resumed at an epoch
// boundary sees exactly the batches it would have seen, and data-parallel
// ranks (which take disjoint slices of each global batch) see the images
// and augmentations a single process would.
#ifndef SDBENCH_LIB_DATA_LOADER_H_
#define SDBENCH_LIB_DATA_LOADER_H_

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "lib/data/image_set.h"
#include "lib/data/protocol.h"

namespace sdbench {

// batch_size, augment and max_shift come from the run's configuration
// (schedule.batch_size, dataset.augment, dataset.max_shift).
struct LoaderOptions {
  int64_t batch_size = 0;  // The global batch (all ranks together).
  bool shuffle = true;
  bool augment = false;
  int max_shift = 0;
  uint64_t seed = 0;
  int rank = 0;
  int world_size = 1;
  int prefetch_batches = 2;  // 0: assemble each batch on the caller's thread.
};

struct Batch {
  torch::Tensor images;  // float [b, 3, 32, 32]
  torch::Tensor labels;  // int64 [b]
};

// The order in which epoch `epoch` (0-based) visits the positions of `size`
// images, and the shift and flip of the image at `position`: pure functions
// of the options' seed, which every batch source shares.
std::vector<int64_t> EpochOrder(int64_t size, const LoaderOptions& options, int64_t epoch);
Augmentation AugmentationAt(const LoaderOptions& options, int64_t epoch, int64_t position);

// The positions [first, last) of epoch order that global batch `index`
// gives to this rank (ranks take consecutive slices of each global batch).
std::pair<int64_t, int64_t> RankSlice(int64_t size, const LoaderOptions& options, int64_t index);

// Where mini-batches come from: the prefetching CPU loader below, or
// DeviceBatches (device_batches.h), which makes the same batches on a GPU.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t batches_per_epoch() const = 0;
  // Starts epoch `epoch` (0-based) at its batch `first_batch` (a run
  // resumed mid-epoch).
  virtual void StartEpoch(int64_t epoch, int64_t first_batch) = 0;
  // The next batch of the current epoch, or nullopt at its end.
  virtual std::optional<Batch> Next() = 0;
};

class BatchLoader : public BatchSource {
 public:
  BatchLoader(ImageView data, std::shared_ptr<const Normalization> norm, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t size() const { return data_.size(); }
  int64_t batches_per_epoch() const override;

  // Prefetching begins at once.
  void StartEpoch(int64_t epoch, int64_t first_batch = 0) override;
  std::optional<Batch> Next() override;

  // Batch `index` of `epoch` for this rank, built on the calling thread.
  Batch Assemble(int64_t epoch, const std::vector<int64_t>& order, int64_t index) const;

  // The order in which epoch `epoch` visits positions of the data.
  std::vector<int64_t> EpochOrder(int64_t epoch) const;

  // The shift and flip of the image at `position` of epoch `epoch`.
  Augmentation AugmentationAt(int64_t epoch, int64_t position) const;

 private:
  void StopWorker();
  void Produce(int64_t epoch, std::vector<int64_t> order, int64_t first_batch);

  ImageView data_;
  std::shared_ptr<const Normalization> norm_;
  LoaderOptions options_;

  int64_t epoch_ = -1;
  int64_t next_index_ = 0;
  std::vector<int64_t> order_;

  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool stop_ = false;
  bool finished_ = false;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_LOADER_H_
