#include "lib/config/experiment_config.h"

#include <map>
#include <string>
#include <vector>

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
  ExpectError(ParseExperiment("x.json", R"({"experiment": "y", "arms": [{"name": "a"}]})").status(),
              "x.json: names itself 'y', but an experiment's name is its file's ('x')");
  ExpectError(ParseExperiment(".json", R"({"arms": [{"name": "a"}]})").status(),
              "the file's name gives no experiment name");
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

TEST(ExperimentConfigTest, TheNameIsTheFilesStem) {
  auto e = ParseExperiment("some/where/cifar10_110_pl02.json", R"({"arms": [{"name": "a"}]})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->name, "cifar10_110_pl02");
}

// Presets merge under the file in order (JSON merge patch): objects key by
// key, lists replaced, null removes; the file wins over every preset.
TEST(ExperimentConfigTest, PresetsMergeUnderTheFileInOrder) {
  const std::map<std::string, std::string> presets = {
      {"two_arms", R"({"arms": [{"name": "constant", "model.schedule": "constant"},
                                {"name": "stochastic", "model.schedule": "linear",
                                 "model.p_last": 0.5}]})"},
      {"smoke", R"({"profiles": {"smoke": {"schedule.epochs": 2, "schedule.batch_size": 16,
                                           "runtime.threads": 1}},
                    "model": {"depth": 20}})"},
      {"deeper", R"({"model": {"depth": 56}, "seeds": [1, 2]})"}};
  PresetReader read = [&presets](const std::string& name) -> absl::StatusOr<std::string> {
    auto it = presets.find(name);
    if (it == presets.end()) return absl::NotFoundError("cannot open presets/" + name + ".json");
    return it->second;
  };
  auto e = ParseExperiment("e.json", R"({
      "presets": ["two_arms", "smoke", "deeper"],
      "profiles": {"smoke": {"schedule.batch_size": 8, "runtime.threads": null}},
      "schedule": {"epochs": 30}})",
                           read);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->presets, (std::vector<std::string>{"two_arms", "smoke", "deeper"}));
  ASSERT_EQ(e->arms.size(), 2u);
  EXPECT_EQ(e->arms[1].overrides["model.p_last"], 0.5);
  EXPECT_EQ(e->base["model"]["depth"], 56);  // The later preset wins.
  EXPECT_EQ(e->base["schedule"]["epochs"], 30);
  EXPECT_EQ(e->seeds, (std::vector<int>{1, 2}));
  EXPECT_EQ(e->profiles["smoke"],
            Json::parse(R"({"schedule.epochs": 2, "schedule.batch_size": 8})"));
  EXPECT_EQ(e->reference_arm, "constant");
  EXPECT_EQ(e->default_profile, "paper");

  // The file's own arms replace the preset's list.
  auto own = ParseExperiment("e.json", R"({"presets": ["two_arms"],
      "arms": [{"name": "linear", "model.schedule": "linear"}]})",
                             read);
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_EQ(own->arms.size(), 1u);
  EXPECT_EQ(own->reference_arm, "linear");  // No "constant": the first arm.

  ExpectError(ParseExperiment("e.json", R"({"presets": ["two_arms", "nope"]})", read).status(),
              "e.json: preset 'nope': cannot open presets/nope.json");
  ExpectError(ParseExperiment("e.json", R"({"presets": "two_arms"})", read).status(),
              "'presets' must be a list of preset names");
  ExpectError(ParseExperiment("e.json", R"({"presets": ["two_arms"]})").status(),
              "names presets, but none can be read here");
  PresetReader bad = [](const std::string& name) -> absl::StatusOr<std::string> {
    return name == "broken" ? "[1, 2]" : R"({"presets": ["x"]})";
  };
  ExpectError(ParseExperiment("e.json", R"({"presets": ["broken"]})", bad).status(),
              "e.json: preset 'broken': not a JSON object");
  ExpectError(ParseExperiment("e.json", R"({"presets": ["nested"]})", bad).status(),
              "'presets' belongs to an experiment file");
}

TEST(ExperimentConfigTest, DefaultProfileAndReferenceArmAreChecked) {
  auto e = ParseExperiment("e.json", R"({"default_profile": "reduced",
      "reference_arm": "linear",
      "profiles": {"reduced": {"schedule.epochs": 3}},
      "arms": [{"name": "constant", "model.schedule": "constant"},
               {"name": "linear", "model.schedule": "linear"}]})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->default_profile, "reduced");
  EXPECT_EQ(e->reference_arm, "linear");
  ExpectError(ParseExperiment("e.json", R"({"default_profile": "reduced",
      "arms": [{"name": "a"}]})")
                  .status(),
              "default_profile 'reduced' is not one of its profiles");
  ExpectError(ParseExperiment("e.json", R"({"reference_arm": "uniform",
      "arms": [{"name": "a"}, {"name": "b"}]})")
                  .status(),
              "reference_arm 'uniform' is not one of its arms (a, b)");
  ExpectError(
      ParseExperiment("e.json", R"({"reference_arm": 3, "arms": [{"name": "a"}]})").status(),
      "'reference_arm' must be a non-empty string");
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
