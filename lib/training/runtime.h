// Where and how wide the computation runs: device and intra-op threads.
#ifndef SDBENCH_LIB_TRAINING_RUNTIME_H_
#define SDBENCH_LIB_TRAINING_RUNTIME_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

// "cpu", "cuda" or "cuda:K". CUDA is an error (not a crash) when the linked
// LibTorch has no CUDA or no such GPU.
absl::StatusOr<torch::Device> ParseDevice(absl::string_view name);

// Sets LibTorch's intra-op threads: `requested` > 0 is used as is, 0 means
// every core (LibTorch alone would take half of them). Returns the count in
// force; an error for a negative count.
absl::StatusOr<int> ConfigureThreads(int requested);

// A human-readable name of the device's hardware (CPU model or GPU name).
std::string DeviceModelName(const torch::Device& device);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUNTIME_H_
