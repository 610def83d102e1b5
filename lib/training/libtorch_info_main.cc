// Prints the facts result files record about the LibTorch this binary runs
// on (version, the library actually loaded, CUDA and cuDNN versions), e.g.
// to check a build against another LibTorch:
//   bazel run //lib/training:libtorch_info
#include <iostream>

#include "lib/training/runtime.h"

int main() {
  std::cout << sdbench::LibTorchProvenance().dump(2) << std::endl;
  return 0;
}
