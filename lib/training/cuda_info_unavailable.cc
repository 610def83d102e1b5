// Built where LibTorch has no CUDA (see cuda_info.h).
#include "lib/training/cuda_info.h"

namespace sdbench {

nlohmann::json GpuProvenance(const torch::Device&) { return nullptr; }

int64_t PeakDeviceMemoryBytes(const torch::Device&) { return 0; }

void ResetPeakDeviceMemory(const torch::Device&) {}

void SynchronizeDevice(const torch::Device&) {}

}  // namespace sdbench
