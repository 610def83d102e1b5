// What a run prints while it trains: one updating line on a terminal
// (carriage return, no scrolling), plain lines in a log file or pipe; the
// ETA arithmetic and the duration format behind them.
#ifndef SDBENCH_LIB_TRAINING_PROGRESS_H_
#define SDBENCH_LIB_TRAINING_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
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

// When a run's step lines are printed. On a terminal, the updating line is
// redrawn at most every `terminal_interval_s` (each redraw reads the loss
// from the device). In a log file or pipe, a line after the first step of
// the run (or of a resumed run), then one at least every `log_interval_s`,
// so a person following the log always sees a recent ETA; epoch ends print
// their own line either way.
class ProgressReporter {
 public:
  struct Options {
    double log_interval_s = 60;
    double terminal_interval_s = 0.25;
    // Seconds on a steady clock (tests pass a fake one).
    std::function<double()> clock;
  };
  ProgressReporter(ProgressLine* line, Options options);

  // Whether the step that just finished should print its line now.
  bool StepLineDue();
  // Prints a step line (after StepLineDue said so).
  void StepLine(const std::string& text);
  // A transient status on a terminal ("evaluating"); nothing in a log.
  void Status(const std::string& text);
  // A line that stays: an epoch's summary, a resume or stop notice.
  void Line(const std::string& text);

 private:
  ProgressLine* line_;
  Options options_;
  bool printed_step_ = false;
  double last_step_line_ = 0;
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
