// Built where LibTorch has no CUDA (see cuda_info.h).
#include "lib/training/cuda_info.h"

namespace sdbench {

nlohmann::json GpuProvenance(const c10::Device&) { return nullptr; }

int64_t PeakDeviceMemoryBytes(const c10::Device&) { return 0; }

void ResetPeakDeviceMemory(const c10::Device&) {}

void SynchronizeDevice(const c10::Device&) {}

}  // namespace sdbench
