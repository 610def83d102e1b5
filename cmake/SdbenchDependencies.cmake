# The libraries sdbench links, as INTERFACE targets named sdbench_<lib>, the
# counterparts of //third_party in the Bazel build. Required: LibTorch
# (find_package(Torch): CMAKE_PREFIX_PATH; or SDBENCH_TORCH_PYTHON), Abseil, nlohmann_json,
# GoogleTest, Google Benchmark, libpng, zlib, OpenSSL's libcrypto.
# Optional: matio (SVHN), Gloo's headers (c10d Gloo), NCCL (c10d NCCL).

# LibTorch comes from find_package(Torch), or, with SDBENCH_TORCH_PYTHON, from
# that Python's torch package directly: a CUDA wheel's TorchConfig.cmake
# needs the CUDA toolkit (nvcc), which a machine with pip torch alone lacks,
# while the wheel and its nvidia-* packages carry every header and library
# sdbench uses.
set(SDBENCH_TORCH_PYTHON "" CACHE FILEPATH
    "a Python whose torch package is the LibTorch to use, without find_package(Torch)")

set(SDBENCH_CXX11_ABI_ERROR
    "was built with the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0: pip wheels before 2.7, the "
    "pre-cxx11 LibTorch zips). Abseil and GoogleTest from the system use the C++11 ABI and "
    "cannot link with it: use a cxx11-ABI LibTorch (zip 'cxx11-abi', or pip torch >= 2.7).")

add_library(sdbench_torch INTERFACE)
set(SDBENCH_HAVE_CUDA OFF)
if(SDBENCH_TORCH_PYTHON)
  execute_process(
    COMMAND "${SDBENCH_TORCH_PYTHON}" -c [=[
import glob, os, torch
root = os.path.dirname(torch.__file__)
nvidia = os.path.join(os.path.dirname(root), "nvidia")
print(root)
print(torch.__version__)
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))
print(torch.version.cuda or "")
print("|".join(sorted(glob.glob(os.path.join(nvidia, "*", "include")))))
# CUDA 12 wheels: nvidia/cuda_runtime/lib; CUDA 13 wheels: nvidia/cu13/lib.
print("|".join(sorted(glob.glob(os.path.join(nvidia, "*", "lib", "libcudart.so*")))))
]=]
    OUTPUT_VARIABLE torch_facts ERROR_VARIABLE torch_error RESULT_VARIABLE torch_status
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT torch_status EQUAL 0)
    message(FATAL_ERROR "SDBENCH_TORCH_PYTHON=${SDBENCH_TORCH_PYTHON} cannot import torch: "
                        "${torch_error}")
  endif()
  string(REPLACE "\n" ";" torch_facts "${torch_facts}")
  list(APPEND torch_facts "" "" "")  # Empty trailing lines are dropped by the split.
  list(GET torch_facts 0 TORCH_INSTALL_PREFIX)
  list(GET torch_facts 1 Torch_VERSION)
  list(GET torch_facts 2 torch_cxx11_abi)
  list(GET torch_facts 3 torch_cuda)
  list(GET torch_facts 4 nvidia_includes)
  list(GET torch_facts 5 cudart)
  string(REPLACE "|" ";" nvidia_includes "${nvidia_includes}")
  string(REPLACE "|" ";" cudart "${cudart}")
  if(torch_cxx11_abi STREQUAL "0")
    message(FATAL_ERROR "The LibTorch of ${SDBENCH_TORCH_PYTHON} (${TORCH_INSTALL_PREFIX}) "
                        "${SDBENCH_CXX11_ABI_ERROR}")
  endif()
  set(TORCH_INCLUDE_DIRS "${TORCH_INSTALL_PREFIX}/include"
                         "${TORCH_INSTALL_PREFIX}/include/torch/csrc/api/include")
  set(torch_libraries "${TORCH_INSTALL_PREFIX}/lib/libtorch.so"
                      "${TORCH_INSTALL_PREFIX}/lib/libtorch_cpu.so"
                      "${TORCH_INSTALL_PREFIX}/lib/libc10.so")
  if(torch_cuda AND EXISTS "${TORCH_INSTALL_PREFIX}/lib/libtorch_cuda.so")
    set(SDBENCH_HAVE_CUDA ON)
    list(APPEND torch_libraries "${TORCH_INSTALL_PREFIX}/lib/libtorch_cuda.so"
                                "${TORCH_INSTALL_PREFIX}/lib/libc10_cuda.so")
    if(cudart)  # The runtime cuda_info.cc calls (libcudart.so.N).
      list(GET cudart 0 cudart)
      list(APPEND torch_libraries "${cudart}")
    else()
      find_library(SDBENCH_CUDART cudart PATHS "${TORCH_INSTALL_PREFIX}/lib" /usr/local/cuda/lib64)
      if(NOT SDBENCH_CUDART)
        message(FATAL_ERROR "The CUDA LibTorch of ${SDBENCH_TORCH_PYTHON} has no libcudart beside "
                            "it (nvidia/*/lib) and none was found: set SDBENCH_CUDART to one")
      endif()
      list(APPEND torch_libraries "${SDBENCH_CUDART}")
    endif()
    target_include_directories(sdbench_torch SYSTEM INTERFACE ${nvidia_includes})
    # CUDA 13 wheels ship cuda_runtime.h without the crt/ headers it includes
    # (they belong to nvcc's package): take those from a CUDA toolkit, after
    # the wheel's own folders so that every header the wheel has wins.
    set(crt_found OFF)
    foreach(dir IN LISTS nvidia_includes)
      if(EXISTS "${dir}/crt/host_config.h")
        set(crt_found ON)
      endif()
    endforeach()
    if(NOT crt_found)
      find_path(SDBENCH_CUDA_TOOLKIT_INCLUDE crt/host_config.h
                PATHS "$ENV{CUDA_HOME}/include" "$ENV{CUDA_PATH}/include" /usr/local/cuda/include
                NO_DEFAULT_PATH)
      if(NOT SDBENCH_CUDA_TOOLKIT_INCLUDE)
        message(FATAL_ERROR "The CUDA LibTorch of ${SDBENCH_TORCH_PYTHON} lacks crt/host_config.h, "
                            "which its CUDA headers include (CUDA 13 wheels leave it to nvcc's "
                            "package): install the CUDA toolkit's headers (CUDA_HOME, "
                            "/usr/local/cuda) or set SDBENCH_CUDA_TOOLKIT_INCLUDE to a folder with it")
      endif()
      message(STATUS "sdbench: CUDA's crt/ headers from ${SDBENCH_CUDA_TOOLKIT_INCLUDE}")
      target_include_directories(sdbench_torch SYSTEM INTERFACE "${SDBENCH_CUDA_TOOLKIT_INCLUDE}")
    endif()
  endif()
  target_include_directories(sdbench_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  target_compile_definitions(sdbench_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
  # As below: --as-needed would drop torch_cuda, which nothing references.
  target_link_libraries(sdbench_torch INTERFACE "-Wl,--no-as-needed" ${torch_libraries}
                                                "-Wl,--as-needed")
  message(STATUS "sdbench: LibTorch ${Torch_VERSION} from ${TORCH_INSTALL_PREFIX} "
                 "(SDBENCH_TORCH_PYTHON; CUDA ${torch_cuda})")
else()
  find_package(Torch REQUIRED)
  if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
    message(FATAL_ERROR "The LibTorch found (${TORCH_INSTALL_PREFIX}) ${SDBENCH_CXX11_ABI_ERROR}")
  endif()
  message(STATUS "sdbench: LibTorch ${Torch_VERSION} from ${TORCH_INSTALL_PREFIX}")
  target_include_directories(sdbench_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  target_compile_options(sdbench_torch INTERFACE ${TORCH_CXX_FLAGS})
  if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
    set(SDBENCH_HAVE_CUDA ON)
    # Linkers that default to --as-needed drop torch_cuda, which nothing
    # references directly, and CUDA then reports itself unavailable.
    target_link_libraries(sdbench_torch INTERFACE "-Wl,--no-as-needed" ${TORCH_LIBRARIES}
                                                  "-Wl,--as-needed")
  else()
    target_link_libraries(sdbench_torch INTERFACE ${TORCH_LIBRARIES})
  endif()
endif()
message(STATUS "sdbench: CUDA ${SDBENCH_HAVE_CUDA}")

# <torch/torch.h> precompiled once, for every source that includes it
# (cmake/SdbenchRules.cmake picks them): parsing it is most of such a file's
# compile time (about 23 s of trainer.cc's 38 s on a 2-core AMD EPYC).
# Sources that do not include it are left alone: the header forced on them
# costs more than it saves. The Bazel build precompiles it for the same files
# (third_party/torch_pch.bzl; tools/check_build_lists.py keeps the two in step).
option(SDBENCH_PRECOMPILED_TORCH "precompile <torch/torch.h> once for the sources that include it" ON)
if(SDBENCH_PRECOMPILED_TORCH)
  # Its one source is an empty file in the build folder (no C++ of ours
  # outside the two builds' source lists).
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/sdbench_torch_pch.cc"
       CONTENT "// The target that precompiles <torch/torch.h>.\n")
  add_library(sdbench_torch_pch STATIC "${PROJECT_BINARY_DIR}/sdbench_torch_pch.cc")
  target_link_libraries(sdbench_torch_pch PRIVATE sdbench_torch)
  target_precompile_headers(sdbench_torch_pch PRIVATE <torch/torch.h>)
endif()

# Gloo: its headers must match the Gloo inside the LibTorch in use, so they
# come from that LibTorch's include folder, or from the system for Debian's
# own LibTorch (libgloo-dev).
find_path(SDBENCH_GLOO_INCLUDE gloo/algorithm.h PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
if(NOT SDBENCH_GLOO_INCLUDE AND (TORCH_INSTALL_PREFIX STREQUAL "/usr" OR
                                  TORCH_INSTALL_PREFIX MATCHES "^/usr/lib/python3/dist-packages/"))
  find_path(SDBENCH_GLOO_INCLUDE gloo/algorithm.h)
endif()
set(SDBENCH_HAVE_GLOO OFF)
if(SDBENCH_GLOO_INCLUDE)
  set(SDBENCH_HAVE_GLOO ON)
  target_compile_definitions(sdbench_torch INTERFACE USE_C10D_GLOO)
  # Debian links LibTorch against a shared libgloo; pip wheels carry Gloo inside.
  find_library(SDBENCH_GLOO_LIBRARY gloo)
  if(SDBENCH_GLOO_LIBRARY)
    target_link_libraries(sdbench_torch INTERFACE ${SDBENCH_GLOO_LIBRARY})
  endif()
  message(STATUS "sdbench: Gloo ON (${SDBENCH_GLOO_INCLUDE})")
else()
  message(STATUS "sdbench: Gloo OFF: no gloo/algorithm.h; data parallelism on CPUs switched off "
                 "(lib/distributed/gloo_group_unavailable.cc)")
endif()

# NCCL: with a CUDA LibTorch and nccl.h (pip: the nvidia-nccl wheel).
set(SDBENCH_HAVE_NCCL OFF)
if(SDBENCH_HAVE_CUDA)
  find_path(SDBENCH_NCCL_INCLUDE nccl.h
            HINTS ${TORCH_INSTALL_PREFIX}/include ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include)
  if(SDBENCH_NCCL_INCLUDE)
    set(SDBENCH_HAVE_NCCL ON)
    target_include_directories(sdbench_torch SYSTEM INTERFACE ${SDBENCH_NCCL_INCLUDE})
    target_compile_definitions(sdbench_torch INTERFACE USE_C10D_NCCL)
  endif()
endif()
if(SDBENCH_HAVE_NCCL)
  message(STATUS "sdbench: NCCL ON (${SDBENCH_NCCL_INCLUDE})")
else()
  message(STATUS "sdbench: NCCL OFF: data parallelism on GPUs switched off "
                 "(lib/distributed/nccl_group_unavailable.cc)")
endif()

# Everything below comes from CMAKE_PREFIX_PATH alone when asked: the check
# that an offline host's unpacked prefix (tools/gpu_deps.sh) is enough.
option(SDBENCH_DEPENDENCIES_FROM_PREFIX_ONLY
       "find the dependencies other than LibTorch only under CMAKE_PREFIX_PATH" OFF)
if(SDBENCH_DEPENDENCIES_FROM_PREFIX_ONLY)
  list(APPEND CMAKE_IGNORE_PREFIX_PATH /usr /usr/local)
  message(STATUS "sdbench: dependencies other than LibTorch only from ${CMAKE_PREFIX_PATH}")
endif()

find_package(absl REQUIRED)
add_library(sdbench_absl INTERFACE)
target_link_libraries(sdbench_absl INTERFACE
  absl::flags absl::flags_parse absl::flags_usage absl::status absl::statusor absl::strings
  absl::str_format absl::time absl::synchronization)

find_package(nlohmann_json REQUIRED)
add_library(sdbench_json INTERFACE)
target_link_libraries(sdbench_json INTERFACE nlohmann_json::nlohmann_json)

find_package(GTest REQUIRED)
add_library(sdbench_gtest_main INTERFACE)
target_link_libraries(sdbench_gtest_main INTERFACE GTest::gmock GTest::gtest_main)

find_package(benchmark REQUIRED)
add_library(sdbench_benchmark INTERFACE)
target_link_libraries(sdbench_benchmark INTERFACE benchmark::benchmark)

find_package(PNG REQUIRED)
add_library(sdbench_png INTERFACE)
target_link_libraries(sdbench_png INTERFACE PNG::PNG)

find_package(ZLIB REQUIRED)
add_library(sdbench_zlib INTERFACE)
target_link_libraries(sdbench_zlib INTERFACE ZLIB::ZLIB)

find_package(OpenSSL REQUIRED COMPONENTS Crypto)
add_library(sdbench_crypto INTERFACE)
target_link_libraries(sdbench_crypto INTERFACE OpenSSL::Crypto)

find_package(Threads REQUIRED)

# matio, for SVHN's .mat files (pkg-config: Debian's libmatio-dev).
option(SDBENCH_WITH_MATIO "use matio (SVHN) when it is found" ON)
find_package(PkgConfig)
set(SDBENCH_HAVE_MATIO OFF)
if(SDBENCH_WITH_MATIO AND PKG_CONFIG_FOUND)
  pkg_check_modules(MATIO IMPORTED_TARGET matio)
  if(MATIO_FOUND)
    set(SDBENCH_HAVE_MATIO ON)
  endif()
endif()
add_library(sdbench_matio INTERFACE)
if(SDBENCH_HAVE_MATIO)
  target_link_libraries(sdbench_matio INTERFACE PkgConfig::MATIO)
  message(STATUS "sdbench: matio ON (SVHN)")
else()
  message(STATUS "sdbench: matio OFF: no matio found; SVHN switched off "
                 "(lib/data/svhn_without_matio.cc)")
endif()
