// Built only where Gloo's headers exist (USE_C10D_GLOO): see process_groups.h.
#include <algorithm>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "absl/strings/str_cat.h"
#include "lib/distributed/process_groups.h"

namespace sdbench {

bool GlooAvailable() { return true; }

absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> MakeGlooGroup(
    const c10::intrusive_ptr<c10d::Store>& store, const GroupOptions& options) {
  try {
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    // Loopback when everything runs here; else the address the hostname
    // resolves to.
    gloo_options->devices.push_back(
        options.loopback ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                         : c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::intrusive_ptr<CollectiveGroup>(c10::make_intrusive<c10d::ProcessGroupGloo>(
        store, options.rank, options.world_size, gloo_options));
  } catch (const std::exception& e) {
    std::string message = e.what();
    message.resize(std::min(message.size(), message.find('\n')));
    return absl::UnavailableError(absl::StrCat("Gloo process group: ", message));
  }
}

}  // namespace sdbench
