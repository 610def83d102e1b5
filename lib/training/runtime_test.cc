#include "lib/training/runtime.h"

#include <limits.h>
#include <stdlib.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

TEST(RuntimeTest, ParsesCpu) {
  auto device = ParseDevice("cpu");
  ASSERT_TRUE(device.ok());
  EXPECT_TRUE(device->is_cpu());
}

TEST(RuntimeTest, CudaIsAClearErrorWithoutCuda) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA present";
  for (const char* name : {"cuda", "cuda:0"}) {
    auto device = ParseDevice(name);
    ASSERT_FALSE(device.ok());
    EXPECT_EQ(device.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(device.status().message().find("CUDA"), std::string::npos);
  }
}

TEST(RuntimeTest, RejectsMalformedDevices) {
  for (const char* name : {"gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", ""}) {
    auto device = ParseDevice(name);
    EXPECT_FALSE(device.ok()) << name;
    if (!device.ok()) {
      EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument) << name;
    }
  }
}

TEST(RuntimeTest, ZeroThreadsMeansAllCores) {
  auto threads = ConfigureThreads(0);
  ASSERT_TRUE(threads.ok());
  EXPECT_EQ(*threads, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_EQ(*ConfigureThreads(1), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_FALSE(ConfigureThreads(-2).ok());
}

// The CPU's name as /proc/cpuinfo's first "model name" line gives it.
std::string CpuInfoModelName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    const size_t colon = line.find(':');
    if (line.compare(0, 10, "model name") == 0 && colon != std::string::npos) {
      return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown CPU";
}

TEST(RuntimeTest, NamesTheCpu) {
  EXPECT_EQ(DeviceModelName(torch::Device(torch::kCPU), nullptr), CpuInfoModelName());
}

TEST(RuntimeTest, NamesTheGpuFromItsProvenance) {
  const torch::Device gpu("cuda:1");
  EXPECT_EQ(DeviceModelName(gpu, {{"name", "NVIDIA H200"}, {"memory_bytes", 1}}), "NVIDIA H200");
  // Provenance without a name (cudaGetDeviceProperties failed): the index.
  EXPECT_EQ(DeviceModelName(gpu, {{"error", "cudaGetDeviceProperties failed for cuda:1"}}),
            "CUDA device 1");
}

TEST(RuntimeTest, RecordsTheLinkedLibTorch) {
  const nlohmann::json torch_facts = LibTorchProvenance();
  EXPECT_EQ(torch_facts["libtorch_version"], TORCH_VERSION);
  EXPECT_EQ(torch_facts["libtorch_version"].get<std::string>().substr(0, 2),
            std::to_string(TORCH_VERSION_MAJOR) + ".");
  EXPECT_TRUE(torch_facts["libtorch_package"].is_string());
  // The library the process really mapped, as /proc/self/maps lists it.
  const std::string library = torch_facts["libtorch_library"];
  EXPECT_NE(library.find("libtorch_cpu.so"), std::string::npos) << library;
  char resolved[PATH_MAX];
  ASSERT_NE(realpath(library.c_str(), resolved), nullptr) << library;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool mapped = false;
  while (std::getline(maps, line)) mapped |= line.find(resolved) != std::string::npos;
  EXPECT_TRUE(mapped) << library << " is not mapped";
  EXPECT_EQ(torch_facts["cuda"].is_null(), !torch::cuda::is_available());
}

TEST(RuntimeTest, MedianAndSecondsSince) {
  EXPECT_EQ(Median({}), 0.0);
  EXPECT_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(SecondsSince(start), 0.02);
}

}  // namespace
}  // namespace sdbench
