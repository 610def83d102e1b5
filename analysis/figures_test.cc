// Figures are rendered (non-empty SVG and PNG) from hand-made results and
// from none at all, where the figure must say that data is missing.
#include "analysis/figures.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/results/fake_result.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

nlohmann::ordered_json Paper() {
  return nlohmann::ordered_json::parse(*ReadFileToString("baselines/paper.json"));
}

void ExpectRendered(const std::string& stem) {
  auto svg = ReadFileToString(stem + ".svg");
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  EXPECT_GT(svg->size(), 2000u);
  auto png = ReadFileToString(stem + ".png");
  ASSERT_TRUE(png.ok()) << png.status();
  ASSERT_GT(png->size(), 5000u);
  EXPECT_EQ(png->substr(1, 3), "PNG");
}

TEST(FiguresTest, RendersEveryFigureFromResults) {
  ResultSet results;
  for (const char* arm : {"constant", "stochastic"}) {
    FakeRun run;
    run.arm = arm;
    run.test_errors = {40, 20, 12, 9, 8};
    results.Add(MakeFakeResult(run));
  }
  FakeRun sweep;
  sweep.experiment = "cifar10_110_survival_sweep";
  sweep.arm = "schedule=linear_p_last=0.5";
  results.Add(MakeFakeResult(sweep));
  const std::string out = TestDir() + "/figures";
  auto written = RenderAllFigures(Paper(), results, out);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->size(), 2u * 10);
  for (const char* name :
       {"fig2_survival", "fig3_cifar10", "fig3_cifar100", "fig4_svhn", "fig4_1202", "fig5_depth",
        "fig7_gradient", "fig8_left", "training_time", "fig8_right"}) {
    ExpectRendered(out + "/" + name);
  }
  // Fig. 3 left has data: no "no results" label for its arms.
  EXPECT_EQ(ReadFileToString(out + "/fig3_cifar10.svg")->find("no results for cifar10_110"),
            std::string::npos);
}

TEST(FiguresTest, MissingDataIsStatedOnTheFigure) {
  const std::string out = TestDir() + "/empty";
  auto written = RenderAllFigures(Paper(), ResultSet(), out);
  ASSERT_TRUE(written.ok()) << written.status();
  ExpectRendered(out + "/fig3_cifar10");
  ExpectRendered(out + "/fig8_right");
  const std::string svg = *ReadFileToString(out + "/fig3_cifar10.svg");
  EXPECT_NE(svg.find("no results for cifar10_110/constant"), std::string::npos);
  EXPECT_NE(ReadFileToString(out + "/fig8_right.svg")->find("no results for"), std::string::npos);
}

TEST(FiguresTest, ScriptHasBothTerminalsAndTheData) {
  LineFigure f;
  f.name = "x";
  f.title = "A \"quoted\" title";
  f.series.push_back({"s", {{1, 2}, {3, 4}}, "lines", false, ""});
  const std::string script = LineFigureScript(f, "/tmp/x");
  EXPECT_NE(script.find("set terminal svg"), std::string::npos);
  EXPECT_NE(script.find("set terminal pngcairo"), std::string::npos);
  EXPECT_NE(script.find("3 4\n"), std::string::npos);
  EXPECT_NE(script.find("A \\\"quoted\\\" title"), std::string::npos);
}

}  // namespace
}  // namespace sdbench
