// Where and how wide the computation runs: device, intra-op threads, the
// allocator's behaviour, and the facts about LibTorch that results record;
// small timing helpers shared by the trainer and the benchmarks.
#ifndef SDBENCH_LIB_TRAINING_RUNTIME_H_
#define SDBENCH_LIB_TRAINING_RUNTIME_H_

#include <c10/core/Device.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// "cpu", "cuda" or "cuda:K". CUDA is an error (not a crash) when the linked
// LibTorch has no CUDA or no such GPU.
absl::StatusOr<c10::Device> ParseDevice(absl::string_view name);

// Where a launcher put one process of a job.
struct RankPlacement {
  int world_size = 1;        // Ranks in the job.
  int local_rank = 0;        // This rank's index among the ranks on its node.
  int local_world_size = 0;  // L: ranks on this node; 0 when the launcher does not say.
  int visible_gpus = -1;     // V: CUDA devices this process sees; -1: ask CUDA.
};

// The GPU a rank of a job of several uses when the device is plain "cuda",
// the one rule for torchrun, Slurm, mpirun and the runner's --nproc, in
// terms of V (GPUs the process sees: CUDA_VISIBLE_DEVICES, Slurm's
// binding) and L (ranks on the node; unknown L counts as LOCAL_RANK + 1):
//   V = 1:       cuda:0, the one GPU it sees (srun --gpus-per-task=1);
//   V >= L:      cuda:LOCAL_RANK (every rank sees all of the node's GPUs);
//   1 < V < L:   an error naming V and L; V = 0: an error.
// Two ranks that end up on one GPU (V = 1 on a one-GPU node) may share it
// over Gloo; NCCL refuses it itself, and sdbench does not check first yet.
absl::StatusOr<int> GpuOfRank(int local_rank, int local_world_size, int visible_gpus);

// The device of a run: "cpu"; "cuda:K" as named (it wins over the rule);
// "cuda" in a single process is the current GPU, in a job of several the
// GPU GpuOfRank picks.
absl::StatusOr<c10::Device> ResolveDevice(absl::string_view name, const RankPlacement& placement);

// Numerics and kernel choices on a GPU, recorded in every result.
enum class Precision {
  kFp32,  // "fp32": the paper's (with TF32 convolutions if `tf32`).
  kBf16,  // "bf16": CUDA autocast to bfloat16; BN parameters and statistics stay fp32.
};
absl::StatusOr<Precision> ParsePrecision(absl::string_view name);
const char* PrecisionName(Precision precision);

// From the run's configuration, section "runtime" (PaperSettings().kernels,
// lib/training/run_settings.h); off until set.
struct KernelOptions {
  Precision precision{};
  // TF32 for convolutions (cuDNN), as PyTorch allows by default; matrix
  // products stay fp32 (the classifier is tiny).
  bool tf32 = false;
  bool cudnn_benchmark = false;  // cuDNN picks the fastest algorithm per shape.
  // Deterministic kernels only (cuDNN, and torch's deterministic mode): the
  // only way a resumed GPU run repeats an uninterrupted one bit for bit.
  bool deterministic = false;
};

// Applies the choices process-wide (autocast: for the calling thread) for
// training on `device`; an error for bf16 on the CPU.
absl::Status ApplyKernelOptions(const KernelOptions& options, const c10::Device& device);
nlohmann::json KernelOptionsJson(const KernelOptions& options);

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

// A human-readable name of the device's hardware: the CPU model, or the
// GPU's name from its provenance (`gpu`, GpuProvenance's; "CUDA device K"
// when that has none).
std::string DeviceModelName(const c10::Device& device, const nlohmann::json& gpu);

// The LibTorch this binary runs on, for provenance: "libtorch_version" (its
// headers' version), "libtorch_library" (the libtorch_cpu the dynamic linker
// actually loaded), "libtorch_package" (Debian's package version when that
// library is Debian's, whose headers say 1.13.0 for 1.13.1), "cuda" (CUDA
// runtime and cuDNN versions and the number of GPUs; null without CUDA).
nlohmann::json LibTorchProvenance();

// The path of the loaded libtorch_cpu shared library, as the dynamic loader
// named it (links not resolved).
std::string LibTorchLibraryPath();

// MachineProvenance() (lib/results/provenance.h) with LibTorchProvenance()'s
// fields: "provenance.machine" of results and reports.
nlohmann::json MachineAndLibTorchProvenance();

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_RUNTIME_H_
