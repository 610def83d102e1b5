#include "lib/model/survival.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

std::vector<double> Linear(int blocks, double p_last) {
  auto survival = SurvivalProbabilities(SurvivalSchedule::kLinear, blocks, p_last);
  EXPECT_TRUE(survival.ok()) << survival.status();
  return *survival;
}

TEST(SurvivalTest, LinearDecayMatchesPaperValues) {
  // PAPER_SPEC 2, L = 54, p_L = 0.5.
  const std::vector<double> p = Linear(54, 0.5);
  ASSERT_EQ(p.size(), 54u);
  EXPECT_NEAR(p[0], 0.9907, 1e-4);
  EXPECT_NEAR(p[17], 0.8333, 1e-4);
  EXPECT_NEAR(p[18], 0.8241, 1e-4);
  EXPECT_NEAR(p[35], 0.6667, 1e-4);
  EXPECT_NEAR(p[36], 0.6574, 1e-4);
  EXPECT_NEAR(p[53], 0.5, 1e-12);
}

TEST(SurvivalTest, LinearDecayFormulaForOtherPLast) {
  const std::vector<double> p = Linear(10, 0.2);
  for (int l = 1; l <= 10; ++l) {
    EXPECT_DOUBLE_EQ(p[l - 1], 1.0 - l / 10.0 * 0.8) << "block " << l;
  }
}

TEST(SurvivalTest, UniformAndConstant) {
  auto uniform = SurvivalProbabilities(SurvivalSchedule::kUniform, 7, 0.3);
  ASSERT_TRUE(uniform.ok());
  for (double p : *uniform) EXPECT_EQ(p, 0.3);
  auto constant = SurvivalProbabilities(SurvivalSchedule::kConstant, 7, 0.3);
  ASSERT_TRUE(constant.ok());
  for (double p : *constant) EXPECT_EQ(p, 1.0);
  EXPECT_NEAR(ExpectedActiveBlocks(*uniform), 2.1, 1e-12);
  EXPECT_EQ(ExpectedActiveBlocks(*constant), 7.0);
}

TEST(SurvivalTest, ExpectedActiveBlocksLinear) {
  EXPECT_NEAR(ExpectedActiveBlocks(Linear(54, 0.5)), 40.25, 1e-9);
  EXPECT_NEAR(ExpectedActiveBlocks(Linear(75, 0.5)), 56.0, 1e-9);
  EXPECT_NEAR(ExpectedActiveBlocks(Linear(600, 0.5)), 449.75, 1e-9);
  // E = L - (1 - p_L)(L + 1) / 2.
  EXPECT_NEAR(ExpectedActiveBlocks(Linear(54, 0.2)), 54 - 0.8 * 55 / 2, 1e-9);
}

TEST(SurvivalTest, RejectsPLastOutsideUnitInterval) {
  for (double bad : {0.0, -0.5, 1.0000001, 2.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto survival = SurvivalProbabilities(SurvivalSchedule::kLinear, 54, bad);
    ASSERT_FALSE(survival.ok()) << bad;
    EXPECT_NE(survival.status().message().find("(0, 1]"), std::string::npos);
  }
  EXPECT_TRUE(SurvivalProbabilities(SurvivalSchedule::kLinear, 54, 1.0).ok());
}

TEST(SurvivalTest, RejectsNoBlocks) {
  EXPECT_FALSE(SurvivalProbabilities(SurvivalSchedule::kLinear, 0, 0.5).ok());
}

TEST(SurvivalTest, ParsesScheduleNames) {
  EXPECT_EQ(*ParseSurvivalSchedule("linear"), SurvivalSchedule::kLinear);
  EXPECT_EQ(*ParseSurvivalSchedule("uniform"), SurvivalSchedule::kUniform);
  EXPECT_EQ(*ParseSurvivalSchedule("constant"), SurvivalSchedule::kConstant);
  auto bad = ParseSurvivalSchedule("exponential");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("exponential"), std::string::npos);
  EXPECT_STREQ(SurvivalScheduleName(SurvivalSchedule::kLinear), "linear");
}

TEST(GateSamplerTest, EmpiricalDropFrequencyMatchesOneMinusP) {
  const std::vector<double> p = Linear(54, 0.5);
  GateSampler sampler(123);
  const int draws = 40000;
  std::vector<int> kept(p.size(), 0);
  std::vector<uint8_t> gates;
  for (int i = 0; i < draws; ++i) {
    sampler.DrawBatchGates(p, &gates);
    for (size_t l = 0; l < p.size(); ++l) kept[l] += gates[l];
  }
  for (size_t l = 0; l < p.size(); ++l) {
    const double drop = 1.0 - static_cast<double>(kept[l]) / draws;
    const double sigma = std::sqrt(p[l] * (1 - p[l]) / draws);
    // 5 sigma over 54 blocks: a false alarm is ~1e-5 likely.
    EXPECT_NEAR(drop, 1.0 - p[l], 5 * sigma + 1e-12) << "block " << l + 1;
  }
}

TEST(GateSamplerTest, RowGatesPerSample) {
  const std::vector<double> p = {1.0, 0.5, 0.25};
  GateSampler sampler(5);
  std::vector<uint8_t> gates;
  const int batch = 20000;
  sampler.DrawRowGates(p, batch, &gates);
  ASSERT_EQ(gates.size(), 3u * batch);
  double kept[3] = {0, 0, 0};
  for (int b = 0; b < batch; ++b) {
    for (int l = 0; l < 3; ++l) kept[l] += gates[b * 3 + l];
  }
  EXPECT_EQ(kept[0], batch);
  EXPECT_NEAR(kept[1] / batch, 0.5, 0.02);
  EXPECT_NEAR(kept[2] / batch, 0.25, 0.02);
}

TEST(GateSamplerTest, SameSeedSameGatesOtherSeedOtherGates) {
  const std::vector<double> p = Linear(54, 0.5);
  GateSampler a(7), b(7), c(8);
  std::vector<uint8_t> ga, gb, gc;
  bool any_difference = false;
  for (int i = 0; i < 20; ++i) {
    a.DrawBatchGates(p, &ga);
    b.DrawBatchGates(p, &gb);
    c.DrawBatchGates(p, &gc);
    EXPECT_EQ(ga, gb);
    any_difference |= ga != gc;
  }
  EXPECT_TRUE(any_difference);
}

TEST(GateSamplerTest, SavedStateResumesTheSameStream) {
  const std::vector<double> p = Linear(54, 0.5);
  GateSampler sampler(99);
  std::vector<uint8_t> gates;
  for (int i = 0; i < 5; ++i) sampler.DrawBatchGates(p, &gates);
  const std::string state = sampler.SaveState();
  std::vector<std::vector<uint8_t>> expected(5);
  for (auto& g : expected) sampler.DrawBatchGates(p, &g);

  GateSampler restored(0);
  ASSERT_TRUE(restored.RestoreState(state).ok());
  for (const auto& g : expected) {
    restored.DrawBatchGates(p, &gates);
    EXPECT_EQ(gates, g);
  }
  EXPECT_FALSE(restored.RestoreState("not a state").ok());
}

}  // namespace
}  // namespace sdbench
