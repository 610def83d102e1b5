#include "lib/training/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <utility>

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

ProgressReporter::ProgressReporter(ProgressLine* line, Options options)
    : line_(line), options_(std::move(options)) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
}

bool ProgressReporter::StepLineDue() {
  const double now = options_.clock();
  const double interval =
      line_->interactive() ? options_.terminal_interval_s : options_.log_interval_s;
  if (printed_step_ && now - last_step_line_ < interval) return false;
  printed_step_ = true;
  last_step_line_ = now;
  return true;
}

void ProgressReporter::StepLine(const std::string& text) { line_->Update(text, true); }

void ProgressReporter::Status(const std::string& text) { line_->Update(text, false); }

void ProgressReporter::Line(const std::string& text) { line_->Finish(text); }

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
