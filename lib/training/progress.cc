#include "lib/training/progress.h"

#include <unistd.h>

#include <cmath>

#include "absl/strings/str_format.h"

namespace sdbench {

bool ProgressLine::IsTerminal(FILE* out) { return isatty(fileno(out)) != 0; }

void ProgressLine::Update(const std::string& text, bool milestone) {
  if (interactive_) {
    std::fprintf(out_, "\r%s\033[K", text.c_str());
    open_ = true;
  } else if (milestone) {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void ProgressLine::Finish(const std::string& text) {
  if (interactive_) {
    std::fprintf(out_, "\r%s\033[K\n", text.c_str());
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  open_ = false;
  std::fflush(out_);
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0) return absl::StrFormat("%d:%02d:%02d", h, m, s);
  return absl::StrFormat("%d:%02d", m, s);
}

Eta EstimateEta(double epoch_elapsed, int64_t steps_done, int64_t steps_per_epoch, int epoch,
                int epochs, double finished_seconds) {
  Eta eta;
  if (steps_done <= 0) return {-1, -1};
  const double per_step = epoch_elapsed / steps_done;
  eta.epoch_seconds = per_step * (steps_per_epoch - steps_done);
  const double per_epoch = epoch > 1 ? finished_seconds / (epoch - 1) : per_step * steps_per_epoch;
  eta.run_seconds = eta.epoch_seconds + per_epoch * (epochs - epoch);
  return eta;
}

}  // namespace sdbench
