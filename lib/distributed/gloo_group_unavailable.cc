// Built where Gloo's headers are missing (e.g. a pip wheel without them):
// see process_groups.h.
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool GlooAvailable() { return false; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeGlooGroup(
    const c10::intrusive_ptr<c10d::Store>&, const GroupOptions&) {
  return absl::FailedPreconditionError("this build has no Gloo process group");
}

}  // namespace sdbench
