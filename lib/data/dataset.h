// A run's data: the dataset files read once (with their checksums, for
// provenance), then split, subset and normalised per run seed.
#ifndef SDBENCH_LIB_DATA_DATASET_H_
#define SDBENCH_LIB_DATA_DATASET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/data/cifar.h"
#include "lib/data/image_set.h"
#include "lib/data/protocol.h"

namespace sdbench {

// From the run's configuration, section "dataset" (the paper's values:
// PaperSettings().dataset, lib/training/run_settings.h); zero until set.
struct DatasetOptions {
  std::string name;  // cifar10 | cifar100 | svhn
  Cifar100Labels cifar100_labels{};
  Cifar10Files cifar10_files{};
  bool validation = false;
  int64_t train_size = 0;  // CIFAR: images kept for training.
  int svhn_validation_per_class_train = 0;
  int svhn_validation_per_class_extra = 0;
  int64_t train_subset = 0;       // > 0: train on the first K of the split.
  int64_t validation_subset = 0;  // > 0: validate on the first K.
  int64_t test_subset = 0;        // > 0: test on the first K (never paper).
  NormalizationMode normalization{};
  bool synthetic = false;  // Generated images in place of the files.
  int64_t synthetic_train_images = 0;
  int64_t synthetic_test_images = 0;
};

struct DatasetFiles {
  std::string name;
  std::string directory;                  // Empty for synthetic data.
  std::shared_ptr<const ImageSet> train;  // SVHN: train then extra.
  std::shared_ptr<const ImageSet> test;
  int64_t svhn_train_count = 0;            // SVHN: images of train_32x32.mat.
  std::map<std::string, std::string> md5;  // File name -> MD5.
};

// The dataset root when none is given: $SDBENCH_DATA_DIR (tools/setup.sh
// writes it into .bazelrc.local for tests), else <workspace>/data.
std::string DefaultDataDir();

// Reads cifar10 (data_dir/cifar10), cifar100 (data_dir/cifar100) or svhn
// (data_dir/svhn), or generates synthetic data of the same shape.
absl::StatusOr<DatasetFiles> LoadDatasetFiles(const DatasetOptions& options,
                                              const std::string& data_dir,
                                              uint64_t synthetic_seed = 0);

struct Dataset {
  ImageView train;
  ImageView validation;  // Empty without a validation split.
  ImageView test;
  std::shared_ptr<const Normalization> normalization;
  int num_classes = 0;
};

// The paper's split (seeded), optional subsets, training-split statistics.
absl::StatusOr<Dataset> BuildDataset(const DatasetFiles& files, const DatasetOptions& options,
                                     uint64_t split_seed);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_DATASET_H_
