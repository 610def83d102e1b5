// What a run prints while it trains: one updating line on a terminal
// (carriage return, no scrolling), plain lines in a log file or pipe; the
// ETA arithmetic and the duration format behind them.
#ifndef SDBENCH_LIB_TRAINING_PROGRESS_H_
#define SDBENCH_LIB_TRAINING_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <string>

namespace sdbench {

class ProgressLine {
 public:
  // `interactive`: whether `out` is a terminal (see IsTerminal).
  ProgressLine(FILE* out, bool interactive) : out_(out), interactive_(interactive) {}

  static bool IsTerminal(FILE* out);

  // Replaces the line on a terminal; elsewhere prints it only when `milestone`.
  void Update(const std::string& text, bool milestone);
  // Ends the stage: the line stays.
  void Finish(const std::string& text);

  bool interactive() const { return interactive_; }

 private:
  FILE* out_;
  bool interactive_;
  bool open_ = false;
};

// "1:02:03" / "4:05" for seconds; "?" when unknown.
std::string FormatDuration(double seconds);

// Remaining time of the epoch in progress and of the whole run.
struct Eta {
  double epoch_seconds = 0;
  double run_seconds = 0;
};

// `steps_done` of `steps_per_epoch` steps of 1-based `epoch` (of `epochs`)
// took `epoch_elapsed` seconds; the finished epochs before it took
// `finished_seconds` in all (training and evaluation). Later epochs are
// expected to take as long as the finished ones did on average (the current
// epoch's pace while none is finished).
Eta EstimateEta(double epoch_elapsed, int64_t steps_done, int64_t steps_per_epoch, int epoch,
                int epochs, double finished_seconds);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_PROGRESS_H_
