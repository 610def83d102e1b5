// A run's data: the dataset files read once (with their checksums, for
// provenance), then split, subset and normalised per run seed.
#ifndef SDBENCH_LIB_DATA_DATASET_H_
#define SDBENCH_LIB_DATA_DATASET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  // kPerClassFromTrainAndExtra: how many of `train` are the train set's
  // (SVHN: images of train_32x32.mat; the rest are extra_32x32.mat's).
  int64_t svhn_train_count = 0;
  std::map<std::string, std::string> md5;  // File name -> MD5.
};

// How a dataset's validation images are drawn (lib/data/protocol.h).
enum class ValidationRule {
  kHeldOutTrainImages,         // CIFAR: the last of the shuffled training images.
  kPerClassFromTrainAndExtra,  // SVHN: per class, from the train and extra sets.
};

// One dataset sdbench reads: everything that differs between datasets, in
// one place (DatasetRegistry()). Adding a dataset is one entry here and its
// reader; dataset.name's allowed names (lib/config/config_keys.cc) are
// checked against the registry by dataset_test.
struct DatasetSpec {
  const char* name;   // dataset.name, and the folder under the data root.
  const char* title;  // "CIFAR-10", as the paper writes it.
  const char* files;  // What the folder must hold, in words (for errors and docs).
  // Classes under these options (CIFAR-100: 100 fine or 20 coarse labels).
  int (*classes)(const DatasetOptions& options);
  // Reads the folder into `files` (train, test, checksums).
  absl::Status (*load)(const std::string& dir, const DatasetOptions& options, DatasetFiles* files);
  ValidationRule validation;
};

// Every dataset, in the order the paper's Table 1 gives them.
const std::vector<DatasetSpec>& DatasetRegistry();

// The dataset named `name`, or an error listing the known names.
absl::StatusOr<const DatasetSpec*> FindDataset(const std::string& name);

// The dataset root when none is given: $SDBENCH_DATA_DIR (tools/setup.sh
// writes it into .bazelrc.local for tests), else <workspace>/data.
std::string DefaultDataDir();

// Reads the registered dataset options.name from data_dir/NAME, or
// generates synthetic data of the same shape.
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
