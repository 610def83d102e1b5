#include "lib/training/schedule.h"

#include "gtest/gtest.h"

namespace sdbench {
namespace {

TEST(LrScheduleTest, CifarPaperSchedule) {
  LrSchedule s;  // 500 epochs, 0.1, /10 at 0.5 and 0.75.
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{250, 375}));
  for (int e : {1, 100, 249}) EXPECT_DOUBLE_EQ(s.LearningRate(e), 0.1) << e;
  for (int e : {250, 300, 374}) EXPECT_NEAR(s.LearningRate(e), 0.01, 1e-15) << e;
  for (int e : {375, 450, 500}) EXPECT_NEAR(s.LearningRate(e), 0.001, 1e-15) << e;
}

TEST(LrScheduleTest, SvhnSchedule) {
  LrSchedule s;
  s.epochs = 50;
  s.milestones = {0.6, 0.7};
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{30, 35}));
  EXPECT_DOUBLE_EQ(s.LearningRate(29), 0.1);
  EXPECT_NEAR(s.LearningRate(30), 0.01, 1e-15);
  EXPECT_NEAR(s.LearningRate(35), 0.001, 1e-15);
}

TEST(LrScheduleTest, Warmup1202) {
  LrSchedule s;
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
  LrSchedule s;
  s.epochs = 20;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{10, 15}));
  EXPECT_DOUBLE_EQ(s.LearningRate(9), 0.1);
  EXPECT_NEAR(s.LearningRate(10), 0.01, 1e-15);
}

Evaluation Eval(double validation, double test) {
  Evaluation e;
  e.validation_error = validation;
  e.test_error = test;
  return e;
}

TEST(LrScheduleTest, ShortSchedulesStartAtTheBaseRate) {
  LrSchedule s;
  s.epochs = 1;
  EXPECT_DOUBLE_EQ(s.LearningRate(1), 0.1);
  s.epochs = 2;
  EXPECT_EQ(s.MilestoneEpochs(), (std::vector<int>{2, 2}));
  EXPECT_DOUBLE_EQ(s.LearningRate(1), 0.1);
  EXPECT_NEAR(s.LearningRate(2), 0.001, 1e-15);
}

TEST(BestValidationTest, LowestValidationEarliestOnTies) {
  std::vector<Evaluation> history = {Eval(30, 31), Eval(12, 13), Eval(9, 11),
                                     Eval(10, 8), Eval(9, 7), Eval(15, 6)};
  // Epoch 3 and epoch 5 tie at 9% validation: the earliest wins, even
  // though epoch 5 has the lower test error; the lowest test error (6%)
  // is never picked by looking at test numbers.
  EXPECT_EQ(BestValidationIndex(history), 2);
  EXPECT_EQ(history[BestValidationIndex(history)].test_error, 11);
}

TEST(BestValidationTest, WithoutValidationTakesTheLast) {
  std::vector<Evaluation> history(3);
  history[2].test_error = 5;
  EXPECT_EQ(BestValidationIndex(history), 2);
  EXPECT_EQ(BestValidationIndex({}), -1);
}

}  // namespace
}  // namespace sdbench
