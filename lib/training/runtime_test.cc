#include "lib/training/runtime.h"

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
      EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument)
          << name;
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

TEST(RuntimeTest, NamesTheCpu) {
  EXPECT_FALSE(DeviceModelName(torch::Device(torch::kCPU)).empty());
}

}  // namespace
}  // namespace sdbench
