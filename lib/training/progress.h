// One updating progress line on a terminal (carriage return, no scrolling);
// plain lines, fewer of them, when the output is a file or a pipe.
#ifndef SDBENCH_LIB_TRAINING_PROGRESS_H_
#define SDBENCH_LIB_TRAINING_PROGRESS_H_

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

// "1:02:03" / "4:05" for seconds.
std::string FormatDuration(double seconds);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_PROGRESS_H_
