// Syntax-check stub (tools/check_libtorch2.sh): a real CUDA LibTorch
// generates this file at its build.
#pragma once
