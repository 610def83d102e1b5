#include "lib/config/experiment_config.h"

#include <string>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

void ExpectError(const absl::Status& status, const std::string& fragment) {
  ASSERT_FALSE(status.ok()) << "expected an error with '" << fragment << "'";
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
}

const char kExperiment[] = R"json({
  "experiment": "demo",
  "model": {"depth": 56},
  "schedule": {"epochs": 100},
  "seeds": [1, 2],
  "arms": [
    {"name": "constant", "model.schedule": "constant"},
    {"name": "stochastic", "model.schedule": "linear", "model.p_last": 0.5}
  ],
  "profiles": {
    "reduced": {"schedule.epochs": 10, "dataset.train_subset": 1000},
    "smoke": {"dataset.synthetic": true, "schedule.epochs": 1}
  }
})json";

TEST(ExperimentConfigTest, LayersDefaultsFileProfileArmAndCommandLine) {
  auto experiment = ParseExperiment("demo.json", kExperiment);
  ASSERT_TRUE(experiment.ok()) << experiment.status();
  EXPECT_EQ(experiment->name, "demo");
  EXPECT_EQ(experiment->seeds, (std::vector<int>{1, 2}));
  ASSERT_EQ(experiment->arms.size(), 2u);

  auto paper = ResolveRunConfig(*experiment, "paper", experiment->arms[0], {});
  ASSERT_TRUE(paper.ok()) << paper.status();
  EXPECT_EQ((*paper)["model"]["depth"], 56);             // File.
  EXPECT_EQ((*paper)["schedule"]["epochs"], 100);        // File.
  EXPECT_EQ((*paper)["schedule"]["batch_size"], 128);    // Default.
  EXPECT_EQ((*paper)["model"]["schedule"], "constant");  // Arm.

  auto reduced =
      ResolveRunConfig(*experiment, "reduced", experiment->arms[1], {{"schedule.epochs", 7}});
  ASSERT_TRUE(reduced.ok()) << reduced.status();
  EXPECT_EQ((*reduced)["schedule"]["epochs"], 7);          // Command line.
  EXPECT_EQ((*reduced)["dataset"]["train_subset"], 1000);  // Profile.
  EXPECT_EQ((*reduced)["model"]["p_last"], 0.5);           // Arm.
}

TEST(ExperimentConfigTest, GridExpandsEveryCombination) {
  auto experiment = ParseExperiment("grid.json", R"json({
    "experiment": "grid",
    "arms": [{"name": "constant", "model.schedule": "constant"}],
    "grid": {"model.depth": [20, 38], "model.p_last": [0.5, 0.6, 1.0]}
  })json");
  ASSERT_TRUE(experiment.ok()) << experiment.status();
  ASSERT_EQ(experiment->arms.size(), 7u);
  EXPECT_EQ(experiment->arms[0].name, "constant");
  EXPECT_EQ(experiment->arms[1].name, "depth=20_p_last=0.5");
  EXPECT_EQ(experiment->arms[6].name, "depth=38_p_last=1.0");
  auto config = ResolveRunConfig(*experiment, "paper", experiment->arms[6], {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ((*config)["model"]["depth"], 38);
  EXPECT_EQ((*config)["model"]["p_last"], 1.0);
}

TEST(ExperimentConfigTest, UnknownKeysAreErrors) {
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "model": {"dpeth": 20}})")
                  .status(),
              "unknown config key 'model.dpeth'");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "trainer": {}})")
                  .status(),
              "unknown top-level key 'trainer'");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x",
      "arms": [{"name": "a", "model.widht": 2}]})")
                  .status(),
              "arm 'a': unknown config key 'model.widht'");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "profiles": {"fast": {}}})")
                  .status(),
              "unknown profile 'fast'");
  auto experiment = ParseExperiment("demo.json", kExperiment);
  ASSERT_TRUE(experiment.ok());
  ExpectError(
      ResolveRunConfig(*experiment, "paper", experiment->arms[0], {{"schedule.epoch", 3}}).status(),
      "unknown config key 'schedule.epoch'");
  ExpectError(ResolveRunConfig(*experiment, "fast", experiment->arms[0], {}).status(),
              "unknown profile 'fast'");
}

TEST(ExperimentConfigTest, WrongTypesAreErrors) {
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "model": {"depth": "110"}})")
                  .status(),
              "'model.depth' must be an integer, got \"110\"");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "schedule": {"lr": true}})")
                  .status(),
              "'schedule.lr' must be a number");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "schedule": {"lr_milestones": ["a"]}})")
                  .status(),
              "list of numbers");
  ExpectError(ParseExperiment("x.json", "{not json").status(), "not valid JSON");
  ExpectError(ParseExperiment("x.json", R"({"arms": [{"name": "a"}]})").status(),
              "'experiment' (its name) is required");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x"})").status(), "no arms");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "reading": "text"})")
                  .status(),
              "'reading' must map profiles to text");
  ExpectError(ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "reading": {"reduced": 3}})")
                  .status(),
              "'reading.reduced' must be a string");
}

TEST(ExperimentConfigTest, ReadingIsKeptByProfile) {
  auto e = ParseExperiment("x.json", R"({"experiment": "x", "arms": [{"name": "a"}],
      "reading": {"reduced": "Paper: 6.41%."}})");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->reading.size(), 1u);
  EXPECT_EQ(e->reading.at("reduced"), "Paper: 6.41%.");
}

TEST(ExperimentConfigTest, OutOfRangeValuesAreErrors) {
  auto experiment = ParseExperiment("demo.json", kExperiment);
  ASSERT_TRUE(experiment.ok());
  const Arm& arm = experiment->arms[1];
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"model.depth", 111}}).status(),
              "model.depth = 111 is out of range");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"model.p_last", 0.0}}).status(),
              "model.p_last = 0.0 is out of range");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"model.p_last", 1.5}}).status(),
              "model.p_last");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"schedule.epochs", 0}}).status(),
              "schedule.epochs");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm,
                               {{"schedule.lr_milestones", Json::array({0.75, 0.5})}})
                  .status(),
              "increasing fractions");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"schedule.lr", -0.1}}).status(),
              "schedule.lr");
  ExpectError(ResolveRunConfig(*experiment, "paper", arm, {{"runtime.threads", -1}}).status(),
              "runtime.threads");
}

TEST(ExperimentConfigTest, ParsesCommandLineOverrides) {
  auto number = ParseOverride("schedule.epochs=12");
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number->first, "schedule.epochs");
  EXPECT_EQ(number->second, 12);
  EXPECT_EQ(ParseOverride("model.schedule=linear")->second, "linear");
  EXPECT_EQ(ParseOverride("schedule.lr_milestones=[0.6,0.7]")->second, Json::array({0.6, 0.7}));
  EXPECT_EQ(ParseOverride("model.conv_bias=false")->second, false);
  EXPECT_FALSE(ParseOverride("schedule.epochs").ok());
  EXPECT_FALSE(ParseOverride("=3").ok());
}

}  // namespace
}  // namespace sdbench
