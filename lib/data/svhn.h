// Reader for SVHN format 2 (PAPER_SPEC 3, 6): MATLAB v5 .mat files with
//   X: 32x32x3xN uint8 (MATLAB column-major: row, column, channel, image)
//   y: Nx1 labels 1..10, where 10 stands for the digit 0.
// Read with libmatio; images are stored channel-major like CIFAR and labels
// mapped to 0..9. Errors name the file and the problem.
//
// A build without libmatio (a GPU host may lack it: CMake makes it optional)
// compiles svhn_without_matio.cc instead of svhn.cc: every call is then an
// error saying so.
#ifndef SDBENCH_LIB_DATA_SVHN_H_
#define SDBENCH_LIB_DATA_SVHN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/image_set.h"

namespace sdbench {

// Whether this build reads and writes SVHN's .mat files.
bool SvhnSupported();

absl::StatusOr<ImageSet> ReadSvhnMat(const std::string& path);

// Writes images (labels 0..9) as a format-2 .mat file (atomically): the
// inverse of ReadSvhnMat, used for synthetic test data.
absl::Status WriteSvhnMat(const std::string& path, const ImageSet& images);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_SVHN_H_
