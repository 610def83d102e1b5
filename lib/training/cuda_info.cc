// Built only with a CUDA LibTorch (see cuda_info.h).
#include "lib/training/cuda_info.h"

// Only c10's CUDA headers and the CUDA runtime's: no cuBLAS/cuSPARSE
// headers needed (a pip wheel's nvidia-* packages carry them all anyway).
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"

namespace sdbench {

namespace {

// The device's index after CUDA's lazy initialisation: the caching
// allocator's statistics refuse a device ("Invalid device argument") until a
// first CUDA tensor has initialised it (LibTorch 2.11 on an H200: a run
// without a process group called ResetPeakDeviceMemory first and aborted),
// and "cuda" without an index means the current device.
c10::DeviceIndex InitialisedIndex(const torch::Device& device) {
  torch::empty({1}, torch::TensorOptions().device(device));
  return device.has_index() ? device.index() : c10::cuda::current_device();
}

}  // namespace

nlohmann::json GpuProvenance(const torch::Device& device) {
  if (!device.is_cuda()) return nullptr;
  cudaDeviceProp properties;
  if (cudaGetDeviceProperties(&properties, InitialisedIndex(device)) != cudaSuccess) {
    return {{"error", absl::StrCat("cudaGetDeviceProperties failed for ", device.str())}};
  }
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  return {{"name", properties.name},
          {"driver_version", driver},  // CUDA's encoding: 12040 is 12.4.
          {"runtime_version", runtime},
          {"compute_capability", absl::StrCat(properties.major, ".", properties.minor)},
          {"memory_bytes", static_cast<int64_t>(properties.totalGlobalMem)}};
}

int64_t PeakDeviceMemoryBytes(const torch::Device& device) {
  if (!device.is_cuda()) return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(InitialisedIndex(device));
  // Index 0 is StatType::AGGREGATE (all pools), in every LibTorch; the
  // enum itself moved from c10::cuda::CUDACachingAllocator to
  // c10::CachingDeviceAllocator in 2.5.
  return stats.reserved_bytes[0].peak;
}

void ResetPeakDeviceMemory(const torch::Device& device) {
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(InitialisedIndex(device));
}

void SynchronizeDevice(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace sdbench
