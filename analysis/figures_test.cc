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
  EXPECT_EQ(written->size(), 2u * 11);
  for (const char* name :
       {"fig2_survival", "fig3_cifar10", "fig3_cifar100", "fig4_svhn", "fig4_1202", "fig5_depth",
        "fig7_gradient", "fig8_left", "training_time", "fig8_right", "small_data_seeds"}) {
    ExpectRendered(out + "/" + name);
  }
  // Fig. 3 left has data: no "no results" label for its arms.
  EXPECT_EQ(ReadFileToString(out + "/fig3_cifar10.svg")->find("no results for cifar10_110"),
            std::string::npos);
}

// The small-data figure draws every seed of both arms (error and loss each).
TEST(FiguresTest, EverySeedOfTheSmallDataExperimentIsDrawn) {
  ResultSet results;
  for (const char* arm : {"constant", "stochastic"}) {
    for (int seed : {3, 1}) {
      FakeRun run;
      run.experiment = "cifar10_small_data";
      run.profile = "reduced";
      run.arm = arm;
      run.seed = seed;
      run.test_errors = {60, 50.0 - seed, 45};
      results.Add(MakeFakeResult(run));
    }
  }
  std::vector<LineFigure> figures = BuildLineFigures(Paper(), results);
  const LineFigure* seeds = nullptr;
  for (const LineFigure& f : figures) {
    if (f.name == "small_data_seeds") seeds = &f;
  }
  ASSERT_NE(seeds, nullptr);
  EXPECT_TRUE(seeds->missing.empty());
  ASSERT_EQ(seeds->series.size(), 8u);  // 2 arms x 2 seeds x (error, loss).
  EXPECT_EQ(seeds->series[0].title, "test error, constant (reduced, seed 1)");
  EXPECT_EQ(seeds->series[2].title, "test error, constant (reduced, seed 3)");
  EXPECT_EQ(seeds->series[6].title, "test error, stochastic (reduced, seed 3)");
  EXPECT_EQ(seeds->series[2].points[1], std::make_pair(2.0, 47.0));
  EXPECT_TRUE(seeds->series[3].right_axis);
  EXPECT_NE(seeds->title.find("[constant: 2 seeds, reduced]"), std::string::npos) << seeds->title;
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

TEST(FiguresTest, DrawsRunsInProgressFromTheirMetricsFiles) {
  const std::string dir = TestDir() + "/progress";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  const std::string a = dir + "/stochastic_seed1.metrics.jsonl";
  const std::string b = dir + "/constant_seed1.metrics.jsonl";
  std::string lines;
  for (int epoch = 1; epoch <= 5; ++epoch) {
    lines += nlohmann::json({{"epoch", epoch},
                             {"train_loss", 2.0 / epoch},
                             {"validation_error_percent", 60 - 5 * epoch},
                             {"test_error_percent", 61 - 5 * epoch}})
                 .dump() +
             "\n";
  }
  ASSERT_TRUE(WriteFileAtomically(a, lines + "{\"epoch\": 6, \"tr").ok());  // Being written.
  ASSERT_TRUE(WriteFileAtomically(b, "").ok());                             // No line yet.
  absl::StatusOr<LineFigure> figure = BuildProgressFigure({a, b});
  ASSERT_TRUE(figure.ok()) << figure.status();
  ASSERT_EQ(figure->series.size(), 3u);
  EXPECT_EQ(figure->series[0].title, "stochastic_seed1 test");
  ASSERT_EQ(figure->series[0].points.size(), 5u);
  EXPECT_EQ(figure->series[0].points[4], std::make_pair(5.0, 36.0));
  EXPECT_EQ(figure->series[1].points[0], std::make_pair(1.0, 55.0));
  EXPECT_TRUE(figure->series[2].right_axis);
  EXPECT_EQ(figure->missing, std::vector<std::string>{"constant_seed1: no evaluation yet"});
  absl::StatusOr<std::vector<std::string>> written = RenderLineFigure(*figure, dir);
  ASSERT_TRUE(written.ok()) << written.status();
  ExpectRendered(dir + "/progress");
  absl::StatusOr<LineFigure> missing = BuildProgressFigure({dir + "/none.jsonl"});
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace sdbench
