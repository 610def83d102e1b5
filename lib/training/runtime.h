// Where and how wide the computation runs: device and intra-op threads.
#ifndef SDBENCH_LIB_TRAINING_RUNTIME_H_
#define SDBENCH_LIB_TRAINING_RUNTIME_H_

#include <torch/torch.h>

#include <chrono>
#include <string>
#include <vector>

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

// Keeps freed tensor memory in the process instead of handing it back to the
// kernel after every step. glibc returns large blocks (mmap) and the top of
// the heap (trim) at once, so each training step page-faults its whole
// activation footprint in again (measured: ~35,000 faults a ResNet-110
// step). Raises the mmap threshold to its ceiling (32 MiB, above any
// batch-128 activation) and stops trimming. Returns a description for
// provenance; idempotent.
std::string RetainFreedMemory();

// Peak resident set size of this process so far, in bytes.
int64_t PeakRssBytes();

// Seconds of the steady clock since `start`.
double SecondsSince(std::chrono::steady_clock::time_point start);

// The median (mean of the two middle values for an even count; 0 if empty).
double Median(std::vector<double> values);

// A human-readable name of the device's hardware (CPU model or GPU name).
std::string DeviceModelName(const torch::Device& device);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUNTIME_H_
