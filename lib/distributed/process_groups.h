// The c10d process groups sdbench can create, each in its own translation
// unit that is built only where its library exists: Gloo (CPU tensors;
// gloo_group.cc, needs Gloo's headers) and NCCL (CUDA tensors;
// nccl_group.cc, needs a CUDA LibTorch and nccl.h). Where one is not built,
// its *_unavailable.cc twin answers with a clear error instead.
#ifndef SDBENCH_LIB_DISTRIBUTED_PROCESS_GROUPS_H_
#define SDBENCH_LIB_DISTRIBUTED_PROCESS_GROUPS_H_

#include <chrono>

#include "absl/status/statusor.h"
#include "lib/compat/c10d.h"

namespace sdbench {

struct GroupOptions {
  int rank = 0;
  int world_size = 1;
  std::chrono::milliseconds timeout{1800000};
  bool loopback = false;  // All ranks on this host (Gloo: bind to 127.0.0.1).
};

// Whether this build has the process group.
bool GlooAvailable();
bool NcclAvailable();

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeGlooGroup(
    const c10::intrusive_ptr<c10d::Store>& store, const GroupOptions& options);
absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeNcclGroup(
    const c10::intrusive_ptr<c10d::Store>& store, const GroupOptions& options);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DISTRIBUTED_PROCESS_GROUPS_H_
