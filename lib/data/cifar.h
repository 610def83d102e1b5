// Readers for the binary versions of CIFAR-10 and CIFAR-100 (PAPER_SPEC 6).
//
//   CIFAR-10:  records of 3,073 bytes: label (0-9), 3,072 pixels.
//   CIFAR-100: records of 3,074 bytes: coarse label (0-19), fine label
//              (0-99), 3,072 pixels.
//
// Every file is validated: present, non-empty, a whole number of records,
// every label in range. Errors name the file and the problem.
#ifndef SDBENCH_LIB_DATA_CIFAR_H_
#define SDBENCH_LIB_DATA_CIFAR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/image_set.h"

namespace sdbench {

enum class CifarFormat { kCifar10, kCifar100 };
enum class Cifar100Labels { kFine, kCoarse };

constexpr int kCifar10RecordBytes = 1 + kImageBytes;   // 3073
constexpr int kCifar100RecordBytes = 2 + kImageBytes;  // 3074

// Parses records already in memory; `name` is used in errors.
absl::StatusOr<ImageSet> ParseCifarRecords(absl::string_view name, absl::string_view bytes,
                                           CifarFormat format,
                                           Cifar100Labels labels = Cifar100Labels::kFine);

absl::StatusOr<ImageSet> ReadCifarFile(const std::string& path, CifarFormat format,
                                       Cifar100Labels labels = Cifar100Labels::kFine);

// Serialises images back to the binary format (CIFAR-100: the coarse label
// is taken from `coarse`, which must match in size).
std::string CifarRecords(const ImageSet& images, CifarFormat format,
                         const std::vector<uint8_t>& coarse = {});

struct TrainTestSets {
  ImageSet train;
  ImageSet test;
};

// Which CIFAR-10 files a run reads.
enum class Cifar10Files {
  kAll,         // "all": data_batch_1..5.bin and test_batch.bin (the paper's).
  kFirstBatch,  // "first_batch": data_batch_1.bin (10,000 images) and
                // test_batch.bin, which may hold only its first records: a
                // subset small enough to carry to a machine without network.
};
absl::StatusOr<Cifar10Files> ParseCifar10Files(absl::string_view name);
const char* Cifar10FilesName(Cifar10Files files);

// The file names `files` reads, training batches first.
std::vector<std::string> Cifar10FileNames(Cifar10Files files);

// data_batch_1..5.bin + test_batch.bin from `dir` (officially 50,000 and
// 10,000 images; VerifyCifar10Dir in prepare.h checks the official files),
// or the subset `files` names.
absl::StatusOr<TrainTestSets> ReadCifar10(const std::string& dir,
                                          Cifar10Files files = Cifar10Files::kAll);
// train.bin + test.bin from `dir` (officially 50,000 and 10,000).
absl::StatusOr<TrainTestSets> ReadCifar100(const std::string& dir, Cifar100Labels labels);

extern const char* const kCifar10FileNames[6];

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_CIFAR_H_
