// Built where NCCL is missing (every CPU-only LibTorch, Debian's included):
// see process_groups.h.
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool NcclAvailable() { return false; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeNcclGroup(
    const c10::intrusive_ptr<c10d::Store>&, const GroupOptions&) {
  return absl::FailedPreconditionError("this build has no NCCL process group");
}

}  // namespace sdbench
