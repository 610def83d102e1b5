// Built where Gloo's headers are missing (e.g. a pip wheel without them):
// see process_groups.h.
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool GlooAvailable() { return false; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeGlooGroup(
    const c10::intrusive_ptr<c10d::Store>&, const GroupOptions&) {
  return absl::FailedPreconditionError(
      "data-parallel training on CPUs needs c10d's Gloo process group, which this build "
      "lacks (Gloo's headers were not found when it was configured); install Gloo's "
      "headers (Debian: libgloo-dev) and rebuild, or train in one process");
}

}  // namespace sdbench
