// What differs between the LibTorch versions sdbench builds against
// (Debian's 1.13, pip wheels and zips of 2.x): every TORCH_VERSION check of
// the project is here (and in c10d.h), so a later difference is a change
// in this folder only.
#ifndef SDBENCH_LIB_COMPAT_LIBTORCH_H_
#define SDBENCH_LIB_COMPAT_LIBTORCH_H_

#include <torch/version.h>

// True when the LibTorch headers are at least version major.minor.
#define SDBENCH_LIBTORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||             \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#endif  // SDBENCH_LIB_COMPAT_LIBTORCH_H_
