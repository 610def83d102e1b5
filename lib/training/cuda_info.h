// What only CUDA's own API can tell about a GPU: its name, the driver, its
// memory and peak use. Built from cuda_info.cc with a CUDA LibTorch (CMake:
// SDBENCH_HAVE_CUDA), from cuda_info_unavailable.cc elsewhere, where every
// answer says there is no CUDA.
#ifndef SDBENCH_LIB_TRAINING_CUDA_INFO_H_
#define SDBENCH_LIB_TRAINING_CUDA_INFO_H_

#include <c10/core/Device.h>

#include <cstdint>

#include "nlohmann/json.hpp"

namespace sdbench {

// {"name", "driver_version", "compute_capability", "memory_bytes"} of a CUDA
// device; null for the CPU or without CUDA.
nlohmann::json GpuProvenance(const c10::Device& device);

// The most memory the caching allocator held on the device since the last
// reset (0 for the CPU or without CUDA).
int64_t PeakDeviceMemoryBytes(const c10::Device& device);
void ResetPeakDeviceMemory(const c10::Device& device);

// Waits for the device's queued work (nothing on the CPU).
void SynchronizeDevice(const c10::Device& device);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_CUDA_INFO_H_
