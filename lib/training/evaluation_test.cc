#include "lib/training/evaluation.h"

#include "gtest/gtest.h"

namespace sdbench {
namespace {

Evaluation Eval(double validation, double test) {
  Evaluation e;
  e.validation_error = validation;
  e.test_error = test;
  return e;
}

TEST(BestValidationTest, LowestValidationEarliestOnTies) {
  std::vector<Evaluation> history = {Eval(30, 31), Eval(12, 13), Eval(9, 11),
                                     Eval(10, 8),  Eval(9, 7),   Eval(15, 6)};
  // Epoch 3 and epoch 5 tie at 9% validation: the earliest wins, even
  // though epoch 5 has the lower test error; the lowest test error (6%)
  // is never picked by looking at test numbers.
  EXPECT_EQ(BestValidationIndex(history), 2);
  EXPECT_EQ(history[BestValidationIndex(history)].test_error, 11);
}

TEST(BestValidationTest, PartialWindowIsACandidateOnlyWhenAsked) {
  std::vector<Evaluation> history = {Eval(30, 31), Eval(12, 13), Eval(9, 11)};
  history[2].partial_window = true;
  EXPECT_EQ(BestValidationIndex(history), 1);
  EXPECT_EQ(BestValidationIndex(history, /*partial_window_candidates=*/true), 2);
}

TEST(BestValidationTest, WithoutValidationTakesTheLast) {
  std::vector<Evaluation> history(3);
  history[2].test_error = 5;
  EXPECT_EQ(BestValidationIndex(history), 2);
  EXPECT_EQ(BestValidationIndex({}), -1);
}

TEST(EvaluationTest, JsonRoundTrip) {
  Evaluation e = Eval(12.5, 13.25);
  e.epoch = 2.5;
  e.iteration = 640;
  e.lr = 0.01;
  e.train_loss = 0.75;
  e.train_error = 20;
  e.partial_window = true;
  const nlohmann::json json = e.ToJson();
  EXPECT_EQ(json["validation_error_percent"], 12.5);
  EXPECT_EQ(json["partial_window"], true);
  const Evaluation back = Evaluation::FromJson(json);
  EXPECT_EQ(back.ToJson(), json);
  Evaluation no_validation;
  EXPECT_TRUE(no_validation.ToJson()["validation_error_percent"].is_null());
  EXPECT_FALSE(no_validation.ToJson().contains("partial_window"));
  EXPECT_FALSE(Evaluation::FromJson(no_validation.ToJson()).validation_error.has_value());
}

TEST(TrainingWindowTest, SumsLossesAndErrorsOverSteps) {
  TrainingWindow window(torch::kCPU, {1.5, 2, 10});  // Restored from a checkpoint.
  // Logits: sample 0 predicts class 1, sample 1 class 0, sample 2 class 1.
  torch::Tensor logits = torch::tensor({{0.0, 1.0}, {2.0, 0.0}, {0.0, 3.0}});
  torch::Tensor labels = torch::tensor({1, 1, 0}, torch::kLong);
  window.Add(torch::tensor(0.5), logits, labels);
  TrainingWindow::Totals totals = window.Read();
  EXPECT_DOUBLE_EQ(totals.loss_sum, 1.5 + 0.5 * 3);
  EXPECT_EQ(totals.errors, 2 + 2);
  EXPECT_EQ(totals.samples, 13);
  window.Reset();
  totals = window.Read();
  EXPECT_EQ(totals.loss_sum, 0);
  EXPECT_EQ(totals.errors, 0);
  EXPECT_EQ(totals.samples, 0);
}

}  // namespace
}  // namespace sdbench
