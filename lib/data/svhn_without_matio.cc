// Built instead of svhn.cc where libmatio is missing (see svhn.h).
#include "absl/strings/str_cat.h"
#include "lib/data/svhn.h"

namespace sdbench {
namespace {

absl::Status NoMatio(const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat(path,
                   ": SVHN's .mat files need libmatio, which this build lacks (CMake found no "
                   "matio when it was configured); install it (Debian: libmatio-dev) and rebuild"));
}

}  // namespace

bool SvhnSupported() { return false; }

absl::StatusOr<ImageSet> ReadSvhnMat(const std::string& path) { return NoMatio(path); }

absl::Status WriteSvhnMat(const std::string& path, const ImageSet&) { return NoMatio(path); }

}  // namespace sdbench
