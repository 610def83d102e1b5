// The one source of sdbench_torch_pch, the target that precompiles
// <torch/torch.h> for the CMake build (cmake/SdbenchDependencies.cmake).
