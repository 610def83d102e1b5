#include "lib/training/progress.h"

#include <cstdio>
#include <string>

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

}  // namespace
}  // namespace sdbench
