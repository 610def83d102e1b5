// Built where NCCL is missing (every CPU-only LibTorch, Debian's included):
// see process_groups.h.
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool NcclAvailable() { return false; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeNcclGroup(
    const c10::intrusive_ptr<c10d::Store>&, const GroupOptions&) {
  return absl::FailedPreconditionError(
      "data-parallel training on CUDA needs c10d's NCCL process group, which this build "
      "does not have (a CPU-only LibTorch, such as Debian's, or no nccl.h when it was "
      "configured); use --device=cpu (Gloo), one process per GPU job, or build against a "
      "CUDA LibTorch with NCCL (README: GPU and other LibTorch builds)");
}

}  // namespace sdbench
