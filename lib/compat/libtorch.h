// What differs between the LibTorch versions sdbench builds against
// (Debian's 1.13, pip wheels and zips of 2.x): every TORCH_VERSION check of
// the project is here (and in c10d.h), so a later difference is a change
// in this folder only.
#ifndef SDBENCH_LIB_COMPAT_LIBTORCH_H_
#define SDBENCH_LIB_COMPAT_LIBTORCH_H_

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// True when the LibTorch headers are at least version major.minor.
#define SDBENCH_LIBTORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||             \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace sdbench {

// Turns CUDA autocast on (to `dtype`) or off for this thread: the API
// changed in 2.4 (set_autocast_enabled(device_type, ...)).
inline void SetCudaAutocast(bool enabled, at::ScalarType dtype) {
#if SDBENCH_LIBTORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

}  // namespace sdbench

#endif  // SDBENCH_LIB_COMPAT_LIBTORCH_H_
