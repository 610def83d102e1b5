// c10d across LibTorch versions: the process groups sdbench creates
// (ProcessGroupGloo, ProcessGroupNCCL) derive from c10d::ProcessGroup in
// 1.13 and from c10d::Backend in 2.x; CollectiveGroup names that base, whose
// allreduce / broadcast calls are the same in both.
#ifndef SDBENCH_LIB_COMPAT_C10D_H_
#define SDBENCH_LIB_COMPAT_C10D_H_

#include "lib/compat/libtorch.h"

#if SDBENCH_LIBTORCH_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace sdbench {

#if SDBENCH_LIBTORCH_AT_LEAST(2, 0)
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

}  // namespace sdbench

#endif  // SDBENCH_LIB_COMPAT_C10D_H_
