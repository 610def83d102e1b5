#include "lib/training/schedule.h"

#include "gtest/gtest.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

TEST(LrScheduleTest, CifarPaperSchedule) {
  LrSchedule s = PaperSettings().lr;  // 500 epochs, 0.1, /10 at 0.5 and 0.75.
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{250, 375}));
  for (int e : {1, 100, 249}) EXPECT_DOUBLE_EQ(s.LearningRate(e), 0.1) << e;
  for (int e : {250, 300, 374}) EXPECT_NEAR(s.LearningRate(e), 0.01, 1e-15) << e;
  for (int e : {375, 450, 500}) EXPECT_NEAR(s.LearningRate(e), 0.001, 1e-15) << e;
}

TEST(LrScheduleTest, SvhnSchedule) {
  LrSchedule s = PaperSettings().lr;
  s.epochs = 50;
  s.milestones = {0.6, 0.7};
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{30, 35}));
  EXPECT_DOUBLE_EQ(s.LearningRate(29), 0.1);
  EXPECT_NEAR(s.LearningRate(30), 0.01, 1e-15);
  EXPECT_NEAR(s.LearningRate(35), 0.001, 1e-15);
}

TEST(LrScheduleTest, Warmup1202) {
  LrSchedule s = PaperSettings().lr;
  s.epochs = 300;
  s.warmup_epochs = 10;
  s.warmup_lr = 0.01;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{150, 225}));
  for (int e : {1, 5, 10}) EXPECT_DOUBLE_EQ(s.LearningRate(e), 0.01) << e;
  for (int e : {11, 100, 149}) EXPECT_DOUBLE_EQ(s.LearningRate(e), 0.1) << e;
  EXPECT_NEAR(s.LearningRate(150), 0.01, 1e-15);
  EXPECT_NEAR(s.LearningRate(225), 0.001, 1e-15);
}

TEST(LrScheduleTest, ReducedProfileKeepsFractions) {
  LrSchedule s = PaperSettings().lr;
  s.epochs = 20;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{10, 15}));
  EXPECT_DOUBLE_EQ(s.LearningRate(9), 0.1);
  EXPECT_NEAR(s.LearningRate(10), 0.01, 1e-15);
}

// PAPER_SPEC 3: the first decayed epoch is ceil(f x E) (the original tests
// epoch >= f x E); the earlier rule rounded and never decayed epoch 1.
TEST(LrScheduleTest, MilestoneRulesDifferOnlyForShortOrOddSchedules) {
  LrSchedule s = PaperSettings().lr;
  s.epochs = 15;  // The quickstart.
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{8, 12}));
  s.rounding = MilestoneRounding::kRound;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{8, 11}));
  for (int epochs : {500, 300, 50, 10, 6}) {
    LrSchedule ceil_rule, round_rule;
    ceil_rule.epochs = round_rule.epochs = epochs;
    round_rule.rounding = MilestoneRounding::kRound;
    EXPECT_EQ(ceil_rule.MilestoneEpochs(), round_rule.MilestoneEpochs()) << epochs;
  }
  // Products a hair above an integer stay at it: 0.7 * 10 = 7.000000000000001.
  LrSchedule odd = PaperSettings().lr;
  odd.epochs = 10;
  odd.milestones = {0.7};
  EXPECT_EQ(odd.MilestoneEpochs(), (std::vector<int>{7}));
}

TEST(LrScheduleTest, ShortSchedules) {
  LrSchedule s = PaperSettings().lr;
  s.epochs = 1;  // The original: epoch 1 >= 0.5 and >= 0.75: decayed twice.
  EXPECT_NEAR(s.LearningRate(1), 0.001, 1e-15);
  s.epochs = 2;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{1, 2}));
  EXPECT_NEAR(s.LearningRate(1), 0.01, 1e-15);
  EXPECT_NEAR(s.LearningRate(2), 0.001, 1e-15);
  // The "round" rule keeps epoch 1 at the base rate.
  s.rounding = MilestoneRounding::kRound;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{2, 2}));
  EXPECT_DOUBLE_EQ(s.LearningRate(1), 0.1);
  EXPECT_NEAR(s.LearningRate(2), 0.001, 1e-15);
  s.epochs = 1;
  EXPECT_DOUBLE_EQ(s.LearningRate(1), 0.1);
  EXPECT_EQ(*ParseMilestoneRounding("round"), MilestoneRounding::kRound);
  EXPECT_FALSE(ParseMilestoneRounding("floor").ok());
}

}  // namespace
}  // namespace sdbench
