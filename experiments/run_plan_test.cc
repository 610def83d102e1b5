#include "experiments/run_plan.h"

#include "gtest/gtest.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Experiment TwoArms() {
  absl::StatusOr<Experiment> e = ParseExperiment("two.json", R"({
    "experiment": "two", "seeds": [1, 2],
    "model": {"depth": 20},
    "arms": [{"name": "constant", "model.schedule": "constant"},
             {"name": "stochastic", "model.schedule": "linear"}],
    "profiles": {"reduced": {"schedule.epochs": 3}}})");
  EXPECT_TRUE(e.ok()) << e.status();
  return *e;
}

std::vector<std::string> Names(const std::vector<Arm>& arms) {
  std::vector<std::string> names;
  for (const Arm& arm : arms) names.push_back(arm.name);
  return names;
}

TEST(SelectArmsTest, ByIndexByNameOrAll) {
  const Experiment e = TwoArms();
  EXPECT_EQ(Names(*SelectArms(e, -1, "")), (std::vector<std::string>{"constant", "stochastic"}));
  EXPECT_EQ(Names(*SelectArms(e, 1, "")), (std::vector<std::string>{"stochastic"}));
  EXPECT_EQ(Names(*SelectArms(e, -1, "stochastic,constant")),
            (std::vector<std::string>{"stochastic", "constant"}));
  absl::StatusOr<std::vector<Arm>> out_of_range = SelectArms(e, 2, "");
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.status().message().find("has 2 arms (0..1)"), std::string::npos);
  absl::StatusOr<std::vector<Arm>> unknown = SelectArms(e, -1, "constant,bogus");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown arm 'bogus' (known: constant, stochastic)"),
            std::string::npos);
}

TEST(ParseSeedsTest, ListOrDefaults) {
  EXPECT_EQ(*ParseSeeds("", {1, 2}), (std::vector<int>{1, 2}));
  EXPECT_EQ(*ParseSeeds("3,0,12", {1}), (std::vector<int>{3, 0, 12}));
  for (const char* bad : {"1,x", "-1", "1,,2", "1.5"}) {
    absl::StatusOr<std::vector<int>> seeds = ParseSeeds(bad, {1});
    ASSERT_FALSE(seeds.ok()) << bad;
    EXPECT_NE(seeds.status().message().find("--seeds"), std::string::npos);
  }
}

TEST(PlanRunsTest, OneRunPerArmAndSeedWithResolvedConfigsAndPaths) {
  const Experiment e = TwoArms();
  auto runs = PlanRuns(e, "reduced", e.arms, {1, 2}, {{"schedule.lr", Json(0.05)}}, "/r", "/c");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  EXPECT_EQ((*runs)[0].arm.name, "constant");
  EXPECT_EQ((*runs)[1].seed, 2);
  EXPECT_EQ((*runs)[3].result_path, "/r/two/reduced/stochastic_seed2.json");
  EXPECT_EQ((*runs)[3].checkpoint_path, "/c/two/reduced/stochastic_seed2.pt");
  EXPECT_EQ((*runs)[0].settings.config["model"]["schedule"], "constant");
  EXPECT_EQ((*runs)[2].settings.config["model"]["schedule"], "linear");
  EXPECT_EQ((*runs)[2].settings.config["schedule"]["epochs"], 3);  // The profile.
  EXPECT_EQ((*runs)[2].settings.config["schedule"]["lr"], 0.05);   // The command line.
  // Parsed once, when planned: the typed settings say the same.
  EXPECT_EQ((*runs)[0].settings.model.schedule, SurvivalSchedule::kConstant);
  EXPECT_EQ((*runs)[2].settings.model.schedule, SurvivalSchedule::kLinear);
  EXPECT_EQ((*runs)[2].settings.lr.epochs, 3);
  EXPECT_DOUBLE_EQ((*runs)[2].settings.lr.lr, 0.05);
  EXPECT_TRUE((*runs)[2].settings.device.is_cpu());
}

TEST(PlanRunsTest, BadValuesNameTheArmBeforeAnyWork) {
  const Experiment e = TwoArms();
  auto bad_name = PlanRuns(e, "paper", e.arms, {1}, {{"model.shortcut", Json("conv")}}, "/r", "/c");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("arm 'constant': unknown model.shortcut 'conv'"),
            std::string::npos)
      << bad_name.status();
  auto bad_range = PlanRuns(e, "paper", e.arms, {1}, {{"model.depth", Json(21)}}, "/r", "/c");
  ASSERT_FALSE(bad_range.ok());
  EXPECT_NE(bad_range.status().message().find("model.depth = 21"), std::string::npos);
  EXPECT_FALSE(PlanRuns(e, "smoke", e.arms, {1}, {}, "/r", "/c").ok());  // No such profile.
}

TEST(CheckWorldSizeTest, RowGatesNeedOneProcess) {
  const Experiment e = TwoArms();
  auto runs = PlanRuns(e, "paper", e.arms, {1}, {{"model.gate_mode", Json("row")}}, "/r", "/c");
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(CheckWorldSize(*runs, 1).ok());
  absl::Status two = CheckWorldSize(*runs, 2);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.message().find("model.gate_mode=row needs one process"), std::string::npos);
  auto batch = PlanRuns(e, "paper", e.arms, {1}, {}, "/r", "/c");
  EXPECT_TRUE(CheckWorldSize(*batch, 8).ok());
  // The batch is the global batch: 128 does not split over 3 ranks.
  absl::Status three = CheckWorldSize(*batch, 3);
  ASSERT_FALSE(three.ok());
  EXPECT_NE(
      three.message().find("arm 'constant': schedule.batch_size 128 is not divisible by the 3"),
      std::string::npos)
      << three;
}

TEST(SummaryTableTest, OneRowPerResult) {
  Json r = {{"arm", "stochastic"},
            {"seed", 3},
            {"summary",
             {{"best_validation_epoch", 12.0},
              {"test_error_at_best_validation_percent", 45.63},
              {"final_test_error_percent", 46.43},
              {"total_train_seconds", 165.0},
              {"images_per_second", 727.0},
              {"observed_active_blocks", 6.52},
              {"expected_active_blocks", 6.5}}}};
  const std::string table = SummaryTable("quickstart", "reduced", {r}, "constant");
  EXPECT_NE(table.find("quickstart, reduced profile"), std::string::npos);
  EXPECT_NE(table.find("| stochastic               |    3 |     12.00 |         45.63% |"
                       "     46.43% |      2:45 |      727 |   6.52 /   6.50 |"),
            std::string::npos)
      << table;
}

// Every other arm against the reference (means over seeds), then the reading.
TEST(SummaryTableTest, ComparesEveryArmWithTheReferenceAndAddsTheReading) {
  auto result = [](const std::string& arm, int seed, double error, double seconds) {
    return Json{{"arm", arm},
                {"seed", seed},
                {"summary",
                 {{"best_validation_epoch", 10.0},
                  {"test_error_at_best_validation_percent", error},
                  {"final_test_error_percent", error},
                  {"total_train_seconds", seconds},
                  {"images_per_second", 500.0},
                  {"observed_active_blocks", 9.0},
                  {"expected_active_blocks", 9.0}}}};
  };
  // Constant 33 and 35 (mean 34), stochastic 30 (one seed): -4 points;
  // time 150 / mean(200, 200) = 0.75. Uniform 36 in 160 s: +2, 0.80x.
  const std::vector<Json> results = {result("constant", 1, 33, 200),
                                     result("stochastic", 1, 30, 150),
                                     result("constant", 2, 35, 200), result("uniform", 1, 36, 160)};
  const std::string table = SummaryTable("demo", "reduced", results, "constant", "Paper: 6.41%.");
  EXPECT_NE(table.find("stochastic vs constant (means over seeds): test error -4.00 points "
                       "(stochastic better), training time 0.75x\n"
                       "uniform vs constant (means over seeds): test error +2.00 points "
                       "(constant better), training time 0.80x\nPaper: 6.41%.\n"),
            std::string::npos)
      << table;
  // Another reference: stochastic (30, 150 s) against uniform (36, 160 s).
  const std::string other = SummaryTable("demo", "reduced", results, "uniform");
  EXPECT_NE(other.find("constant vs uniform (means over seeds): test error -2.00 points (constant "
                       "better), training time 1.25x\nstochastic vs uniform: test error -6.00 "
                       "points (stochastic better), training time 0.94x\n"),
            std::string::npos)
      << other;
  const std::string tie =
      SummaryTable("demo", "smoke", {result("a", 1, 50, 100), result("b", 1, 50, 100)}, "a");
  EXPECT_NE(tie.find("b vs a: test error +0.00 points (equal), training time 1.00x\n"),
            std::string::npos)
      << tie;
  // The reference arm has no result: no comparison, and no reading unless given.
  const std::string none =
      SummaryTable("demo", "reduced", {result("stochastic", 1, 33, 200)}, "constant");
  EXPECT_EQ(none.find(" vs "), std::string::npos) << none;
  EXPECT_EQ(none.back(), '\n');
}

}  // namespace
}  // namespace sdbench
