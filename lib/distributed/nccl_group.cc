// Built only with a CUDA LibTorch and NCCL's header (USE_C10D_NCCL): see
// process_groups.h. Not compiled on the CPU-only machines sdbench is
// developed on; tools/gpu_check.sh builds and runs it on a GPU host.
#include <algorithm>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "absl/strings/str_cat.h"
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool NcclAvailable() { return true; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeNcclGroup(
    const c10::intrusive_ptr<c10d::Store>& store, const GroupOptions& options) {
  try {
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = options.timeout;
    return c10::intrusive_ptr<CollectiveGroup>(c10::make_intrusive<c10d::ProcessGroupNCCL>(
        store, options.rank, options.world_size, nccl_options));
  } catch (const std::exception& e) {
    std::string message = e.what();
    message.resize(std::min(message.size(), message.find('\n')));
    return absl::UnavailableError(absl::StrCat("NCCL process group: ", message));
  }
}

}  // namespace sdbench
