#include "experiments/speed_report.h"

#include "gtest/gtest.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Samples Steps(std::vector<double> seconds, std::vector<int> rounds) {
  Samples s;
  s.step_s = std::move(seconds);
  s.round = std::move(rounds);
  s.active.assign(s.step_s.size(), 10);
  s.peak_rss = 1 << 20;
  return s;
}

TEST(SpeedReportTest, SummaryOfSamples) {
  Samples s = Steps({0.5, 0.4, 0.7}, {0, 0, 1});
  s.active = {9, 10, 11};
  s.flops_per_s = {1e9, 3e9, 2e9};
  const Json j = SummarizeSamples(s, 128);
  EXPECT_DOUBLE_EQ(j["median_step_s"], 0.5);
  EXPECT_DOUBLE_EQ(j["min_step_s"], 0.4);
  EXPECT_DOUBLE_EQ(j["max_step_s"], 0.7);
  EXPECT_EQ(j["steps"], 3);
  EXPECT_DOUBLE_EQ(j["images_per_s"], 256.0);
  EXPECT_DOUBLE_EQ(j["mean_active_blocks"], 10.0);
  EXPECT_DOUBLE_EQ(j["median_conv_gflops"], 2.0);
  EXPECT_FALSE(j.contains("host_fraction"));  // CPU: no launch time, no device memory.
  EXPECT_FALSE(j.contains("peak_device_bytes"));
  Samples gpu = s;
  gpu.host_s = {0.1, 0.3, 0.2};
  gpu.peak_device = 5 << 20;
  const Json g = SummarizeSamples(gpu, 128);
  EXPECT_DOUBLE_EQ(g["median_host_s"], 0.2);
  EXPECT_DOUBLE_EQ(g["host_fraction"], 0.4);
  EXPECT_EQ(g["peak_device_bytes"], 5 << 20);
  Samples failed = s;
  failed.error = "killed by signal 9";
  EXPECT_EQ(SummarizeSamples(failed, 128)["failed"], "killed by signal 9");
  EXPECT_EQ(SummarizeSamples(Samples(), 128)["failed"], "no samples");
}

TEST(SpeedReportTest, RoundPairedRatioIsTheMedianOfPerRoundRatios) {
  // Round 0: medians 1.0 / 2.0; round 1: 3.0 / 4.0; round 2: only `a`.
  const Samples a = Steps({1.0, 0.9, 1.1, 3.0, 5.0}, {0, 0, 0, 1, 2});
  const Samples b = Steps({2.0, 4.0}, {0, 1});
  std::optional<Json> r = RoundPairedRatio(a, b, 3);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)["per_round"], Json({0.5, 0.75}));
  EXPECT_DOUBLE_EQ((*r)["median"], 0.625);
  EXPECT_FALSE(RoundPairedRatio(a, Samples(), 3).has_value());
}

TEST(SpeedReportTest, ConvLimitWeighsShapesByTheirCounts) {
  std::vector<ConvShape> shapes = {{"a", 1, 1, 1, 1, 2}, {"b", 1, 1, 1, 1, 1}};
  auto shape = [](double flops, double cl, double nchw) {
    return Json{{"forward_flops", flops},
                {"backward_flops", 2 * flops},
                {"channels_last", {{"forward_s", cl}, {"backward_s", cl}}},
                {"contiguous", {{"forward_s", nchw}, {"backward_s", nchw}}}};
  };
  // a: 3 GFLOP in 1 s (channels-last) or 2 s; b: 3 GFLOP in 3 s or 1.5 s.
  const Json conv = {{"shapes", {shape(1e9, 0.5, 1.0), shape(1e9, 1.5, 0.75)}}};
  const Json limit = ConvLimit(conv, shapes);
  // Faster layout each: 2 x 1 s + 1.5 s for 9 GFLOP.
  EXPECT_DOUBLE_EQ(limit["conv_seconds_per_constant_step"], 3.5);
  EXPECT_DOUBLE_EQ(limit["network_mix_gflops"], 9.0 / 3.5);
  EXPECT_DOUBLE_EQ(limit["network_mix_gflops_channels_last"], 9.0 / 5.0);
}

TEST(SpeedReportTest, TargetsAreMetOrMissedAndAbsentMetricsSkipped) {
  const Json targets = {{"saving", {{"metric", "ratios.s"}, {"at_most", 0.78}}},
                        {"pipeline", {{"metric", "epoch.overhead"}, {"at_most", 0.03}}},
                        {"absent", {{"metric", "ratios.none"}, {"at_most", 1}}}};
  const Json report = {{"ratios", {{"s", 0.8}}}, {"epoch", {{"overhead", 0.01}}}};
  const Json checked = CheckTargets(targets, report);
  EXPECT_EQ(checked["saving"]["met"], false);
  EXPECT_EQ(checked["saving"]["value"], 0.8);
  EXPECT_EQ(checked["pipeline"]["met"], true);
  EXPECT_FALSE(checked.contains("absent"));
}

}  // namespace
}  // namespace sdbench
