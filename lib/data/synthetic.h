// Synthetic data in the exact official formats, for tests and speed runs:
// random images whose labels are learnable (each class has its own mean
// colour), written as CIFAR-10/100 .bin or SVHN .mat files.
#ifndef SDBENCH_LIB_DATA_SYNTHETIC_H_
#define SDBENCH_LIB_DATA_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/data/image_set.h"

namespace sdbench {

ImageSet SyntheticImages(int64_t count, int num_classes, uint64_t seed);

// Writes a CIFAR-10 style dir (data_batch_1..5.bin, test_batch.bin) with
// `per_file` images in each file.
absl::Status WriteSyntheticCifar10(const std::string& dir, int64_t per_file, uint64_t seed);
// CIFAR-100 style dir (train.bin, test.bin); coarse label = fine / 5.
absl::Status WriteSyntheticCifar100(const std::string& dir, int64_t train, int64_t test,
                                    uint64_t seed);
// SVHN style dir (train_32x32.mat, extra_32x32.mat, test_32x32.mat).
absl::Status WriteSyntheticSvhn(const std::string& dir, int64_t train, int64_t extra, int64_t test,
                                uint64_t seed);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_SYNTHETIC_H_
