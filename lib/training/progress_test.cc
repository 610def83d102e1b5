#include "lib/training/progress.h"

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

TEST(FormatDurationTest, MinutesSecondsAndHours) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(59.4), "0:59");
  EXPECT_EQ(FormatDuration(59.6), "1:00");
  EXPECT_EQ(FormatDuration(245), "4:05");
  EXPECT_EQ(FormatDuration(3600), "1:00:00");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(90061), "25:01:01");  // Hours do not wrap at a day.
  EXPECT_EQ(FormatDuration(-1), "?");
  EXPECT_EQ(FormatDuration(1.0 / 0.0), "?");
}

TEST(EstimateEtaTest, FirstEpochUsesItsOwnPace) {
  // 10 of 100 steps in 20 s: 2 s a step; 90 steps and 4 more epochs left.
  Eta eta = EstimateEta(20, 10, 100, 1, 5, 0);
  EXPECT_DOUBLE_EQ(eta.epoch_seconds, 180);
  EXPECT_DOUBLE_EQ(eta.run_seconds, 180 + 4 * 200);
}

TEST(EstimateEtaTest, LaterEpochsTakeTheFinishedEpochsAverage) {
  // Epochs 1-2 took 300 s in all (evaluation included): 150 s each.
  Eta eta = EstimateEta(50, 25, 100, 3, 10, 300);
  EXPECT_DOUBLE_EQ(eta.epoch_seconds, 150);
  EXPECT_DOUBLE_EQ(eta.run_seconds, 150 + 7 * 150);
  EXPECT_DOUBLE_EQ(EstimateEta(50, 100, 100, 10, 10, 300).run_seconds, 0);
  EXPECT_LT(EstimateEta(0, 0, 100, 1, 10, 0).run_seconds, 0);  // Unknown yet.
}

TEST(ProgressLineTest, LogModePrintsMilestonesAndStageEndsOnly) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ProgressLine line(out, /*interactive=*/false);
  line.Update("step 1", false);
  line.Update("step 2", true);
  line.Finish("epoch done");
  std::fclose(out);
  EXPECT_EQ(std::string(text, size), "step 2\nepoch done\n");
  free(text);
}

TEST(ProgressLineTest, TerminalModeRewritesOneLine) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ProgressLine line(out, /*interactive=*/true);
  line.Update("a", false);
  line.Update("b", false);
  line.Finish("c");
  std::fclose(out);
  EXPECT_EQ(std::string(text, size), "\ra\033[K\rb\033[K\rc\033[K\n");
  free(text);
}

// Log mode with a fake clock: a line after the first step, then one per
// interval however many steps pass, and every epoch line.
TEST(ProgressReporterTest, LogCadenceFollowsTheClock) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ProgressLine line(out, /*interactive=*/false);
  double now = 1000;
  ProgressReporter::Options options;
  options.log_interval_s = 60;
  options.clock = [&now] { return now; };
  ProgressReporter reporter(&line, options);
  std::vector<int> printed;
  for (int step = 1; step <= 100; ++step) {
    now += 7;  // A 7-second step.
    if (reporter.StepLineDue()) {
      printed.push_back(step);
      reporter.StepLine("step " + std::to_string(step));
    }
    if (step == 50) reporter.Line("epoch 1 done");
    reporter.Status("evaluating");  // Not in a log.
  }
  std::fclose(out);
  // Steps at 7 s each: the first, then every ceil(60 / 7) = 9 steps.
  EXPECT_EQ(printed, (std::vector<int>{1, 10, 19, 28, 37, 46, 55, 64, 73, 82, 91, 100}));
  const std::string log(text, size);
  free(text);
  EXPECT_EQ(log.find("evaluating"), std::string::npos);
  EXPECT_NE(log.find("step 46\nepoch 1 done\nstep 55\n"), std::string::npos) << log;
}

TEST(ProgressReporterTest, TerminalRedrawsAtMostEveryInterval) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ProgressLine line(out, /*interactive=*/true);
  double now = 0;
  ProgressReporter::Options options;
  options.terminal_interval_s = 0.25;
  options.clock = [&now] { return now; };
  ProgressReporter reporter(&line, options);
  int redraws = 0;
  for (int step = 0; step < 100; ++step) {
    now += 0.1;
    if (reporter.StepLineDue()) ++redraws;
  }
  std::fclose(out);
  free(text);
  EXPECT_EQ(redraws, 34);  // 10 s of 0.1 s steps: the first, then every third.
}

}  // namespace
}  // namespace sdbench
