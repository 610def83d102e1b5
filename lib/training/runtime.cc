#include "lib/training/runtime.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/base/named_enum.h"
#include "lib/compat/libtorch.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/results/provenance.h"

namespace sdbench {

absl::StatusOr<torch::Device> ParseDevice(absl::string_view name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  absl::string_view rest = name;
  if (absl::ConsumePrefix(&rest, "cuda")) {
    int index = 0;
    if (!rest.empty() &&
        !(absl::ConsumePrefix(&rest, ":") && absl::SimpleAtoi(rest, &index) && index >= 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed device '", name, "' (expected cpu, cuda or cuda:K)"));
    }
    if (!torch::cuda::is_available()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "device '", name, "' requested, but the linked LibTorch has no usable CUDA device"));
    }
    if (index >= static_cast<int>(torch::cuda::device_count())) {
      return absl::InvalidArgumentError(absl::StrCat("device '", name, "' requested, but only ",
                                                     torch::cuda::device_count(),
                                                     " CUDA device(s) exist"));
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown device '", name, "' (expected cpu, cuda or cuda:K)"));
}

absl::StatusOr<int> GpuOfRank(int local_rank, int local_world_size, int visible_gpus) {
  if (visible_gpus < 1) {
    return absl::FailedPreconditionError(
        "--device=cuda, but this process sees no CUDA device (V = 0): check "
        "CUDA_VISIBLE_DEVICES and that the job asked for GPUs (srun --gpus-per-task, --gres)");
  }
  if (visible_gpus == 1) return 0;
  const int ranks_here = local_world_size > 0 ? local_world_size : local_rank + 1;
  if (visible_gpus >= ranks_here) return local_rank;
  return absl::InvalidArgumentError(absl::StrCat(
      "--device=cuda with ", ranks_here, " ranks on this node (L = ", ranks_here,
      local_world_size > 0 ? "" : ", at least: LOCAL_RANK + 1", ") that each see ", visible_gpus,
      " GPUs (V = ", visible_gpus,
      "): a rank uses the one GPU it sees (V = 1) or cuda:LOCAL_RANK (V >= L). Give each task one "
      "GPU (srun --gpus-per-task=1) or all of the node's GPUs, or name one with --device=cuda:K"));
}

absl::StatusOr<torch::Device> ResolveDevice(absl::string_view name,
                                            const RankPlacement& placement) {
  if (name == "cuda" && placement.world_size > 1) {
    const int visible =
        placement.visible_gpus >= 0
            ? placement.visible_gpus
            : (torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0);
    absl::StatusOr<int> gpu = GpuOfRank(placement.local_rank, placement.local_world_size, visible);
    if (!gpu.ok()) return gpu.status();
    return ParseDevice(absl::StrCat("cuda:", *gpu));
  }
  return ParseDevice(name);
}

namespace {

constexpr NamedValue<Precision> kPrecisionNames[] = {
    {"fp32", Precision::kFp32},
    {"bf16", Precision::kBf16},
};

}  // namespace

absl::StatusOr<Precision> ParsePrecision(absl::string_view name) {
  return ParseNamed("precision", name, kPrecisionNames);
}

const char* PrecisionName(Precision precision) { return NameOf(precision, kPrecisionNames); }

absl::Status ApplyKernelOptions(const KernelOptions& options, const torch::Device& device) {
  if (options.precision == Precision::kBf16 && !device.is_cuda()) {
    return absl::InvalidArgumentError(
        "runtime.precision=bf16 is a GPU option (CUDA autocast): use --device=cuda, or fp32");
  }
  at::Context& context = at::globalContext();
  context.setAllowTF32CuDNN(options.tf32);
  context.setAllowTF32CuBLAS(false);
  context.setBenchmarkCuDNN(options.cudnn_benchmark && !options.deterministic);
  context.setDeterministicCuDNN(options.deterministic);
  if (options.deterministic) {
    // cuBLAS is deterministic only with a fixed workspace (set before CUDA starts).
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  }
  context.setDeterministicAlgorithms(options.deterministic, /*warn_only=*/false);
  if (device.is_cuda()) SetCudaAutocast(options.precision == Precision::kBf16, at::kBFloat16);
  return absl::OkStatus();
}

nlohmann::json KernelOptionsJson(const KernelOptions& options) {
  return {{"precision", PrecisionName(options.precision)},
          {"tf32_convolutions", options.tf32},
          {"cudnn_benchmark", options.cudnn_benchmark && !options.deterministic},
          {"deterministic", options.deterministic}};
}

absl::StatusOr<int> ConfigureThreads(int requested) {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("thread count must be >= 0 (0 = all cores), got ", requested));
  }
  int threads = requested;
  if (threads == 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads < 1) threads = 1;
  }
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

std::string RetainFreedMemory() {
  constexpr int kMmapThreshold = 32 << 20;  // glibc's maximum on 64-bit.
  constexpr int kTrimThreshold = 0x7fffffff;
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  if (!mmap_ok || !trim_ok) return "glibc defaults (mallopt refused)";
  return "glibc mmap_threshold=32MiB trim_threshold=2GiB";
}

int64_t PeakRssBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

std::string DeviceModelName(const torch::Device& device, const nlohmann::json& gpu) {
  if (!device.is_cuda()) return CpuModelName();
  // The GPU's own name ("NVIDIA H200") where CUDA gives it, as the CPU's is.
  if (gpu.is_object() && gpu.contains("name") && gpu["name"].is_string()) {
    return gpu["name"].get<std::string>();
  }
  return absl::StrCat("CUDA device ", static_cast<int>(device.index()));
}

std::string LibTorchLibraryPath() {
  Dl_info info;
  // Any function of libtorch_cpu: where the dynamic linker found it.
  if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "unknown";
  }
  // As the loader named it: a LibTorch root of links keeps its own path.
  return info.dli_fname;
}

nlohmann::json LibTorchProvenance() {
  const std::string library = LibTorchLibraryPath();
  nlohmann::json facts = {{"libtorch_version", TORCH_VERSION},
                          {"libtorch_library", library},
                          {"libtorch_package", "not a Debian package"}};
  // Debian's headers say 1.13.0 for 1.13.1: record the package's version.
  if (absl::StartsWith(library, "/usr/lib/") || absl::StartsWith(library, "/lib/")) {
    absl::StatusOr<CommandResult> dpkg =
        RunCommand({"dpkg-query", "-W", "-f=${Version}", "libtorch-dev"});
    facts["libtorch_package"] = dpkg.ok() && dpkg->exit_code == 0
                                    ? std::string(absl::StripAsciiWhitespace(dpkg->output))
                                    : "unknown";
  }
  const at::CUDAHooksInterface& cuda = at::detail::getCUDAHooks();
  facts["cuda"] = nullptr;
  if (cuda.hasCUDA()) {
    facts["cuda"] = {{"runtime_version", cuda.versionCUDART()},
                     {"cudnn_version", cuda.hasCuDNN() ? nlohmann::json(cuda.versionCuDNN())
                                                       : nlohmann::json(nullptr)},
                     {"devices", cuda.getNumGPUs()}};
  }
  return facts;
}

nlohmann::json MachineAndLibTorchProvenance() {
  nlohmann::json machine = MachineProvenance();
  machine.update(LibTorchProvenance());
  return machine;
}

}  // namespace sdbench
