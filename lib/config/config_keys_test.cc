#include "lib/config/config_keys.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "lib/config/experiment_config.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

void ExpectError(const absl::Status& status, const std::string& fragment) {
  ASSERT_FALSE(status.ok()) << "expected an error with '" << fragment << "'";
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
}

const ConfigKey& Key(const std::string& path) {
  const ConfigKey* key = FindConfigKey(path);
  EXPECT_NE(key, nullptr) << path;
  return *key;
}

// CI's check that the reference page is the table's (regenerate it with
// bazel run //lib/config:config_reference -- --out=$PWD/docs/config.md).
TEST(ConfigKeysTest, TheCommittedReferencePageIsTheTables) {
  absl::StatusOr<std::string> committed = ReadFileToString("docs/config.md");
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(*committed, ConfigReferenceMarkdown())
      << "docs/config.md is stale: bazel run //lib/config:config_reference -- "
         "--out=$PWD/docs/config.md";
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_NE(committed->find("| `" + key.path() + "` |"), std::string::npos) << key.path();
  }
}

TEST(ConfigKeysTest, EveryKeyOnceEveryDefaultOfItsTypeAndAllowed) {
  std::set<std::string> paths;
  for (const ConfigKey& key : ConfigKeys()) {
    EXPECT_TRUE(paths.insert(key.path()).second) << "twice: " << key.path();
    EXPECT_TRUE(HasKeyType(key, key.default_value)) << key.path();
    EXPECT_TRUE(CheckKeyValue(key, key.default_value).ok()) << key.path();
    if (!key.absent_means.is_null()) {
      EXPECT_TRUE(CheckKeyValue(key, key.absent_means).ok()) << key.path();
    }
    EXPECT_FALSE(key.meaning.empty()) << key.path();
  }
  EXPECT_EQ(paths.size(), 48u);
  EXPECT_EQ(DefaultConfig(), DefaultsFromTable());
  EXPECT_EQ(ConfigSections(),
            (std::vector<std::string>{"dataset", "model", "optimizer", "schedule", "runtime"}));
  // The paper's values, spot-checked against PAPER_SPEC rather than the table.
  EXPECT_EQ(DefaultConfig()["model"]["depth"], 110);
  EXPECT_EQ(DefaultConfig()["model"]["p_last"], 0.5);
  EXPECT_EQ(DefaultConfig()["schedule"]["lr_milestones"], Json::array({0.5, 0.75}));
  EXPECT_EQ(DefaultConfig()["optimizer"]["weight_decay"], 1e-4);
}

TEST(ConfigKeysTest, RangesNamesAndRulesAtTheirEdges) {
  EXPECT_TRUE(CheckKeyValue(Key("model.p_last"), 1.0).ok());
  ExpectError(CheckKeyValue(Key("model.p_last"), 0.0),
              "config value model.p_last = 0.0 is out of range: expected (0, 1]");
  EXPECT_TRUE(CheckKeyValue(Key("dataset.max_shift"), 16).ok());
  ExpectError(CheckKeyValue(Key("dataset.max_shift"), 17), "expected 0..16");
  ExpectError(CheckKeyValue(Key("schedule.epochs"), 0), "expected >= 1");
  EXPECT_TRUE(CheckKeyValue(Key("optimizer.momentum"), 0.0).ok());
  ExpectError(CheckKeyValue(Key("optimizer.momentum"), 1.0), "expected [0, 1)");
  ExpectError(CheckKeyValue(Key("schedule.lr"), 10), "expected (0, 10)");
  EXPECT_TRUE(CheckKeyValue(Key("model.depth"), 20).ok());
  ExpectError(CheckKeyValue(Key("model.depth"), 21), "model.depth = 21 is out of range");
  ExpectError(CheckKeyValue(Key("model.depth"), 2), "6N+2 with N >= 1");
  ExpectError(CheckKeyValue(Key("schedule.lr_milestones"), Json::array({0.75, 0.5})),
              "increasing fractions");
  ExpectError(CheckKeyValue(Key("schedule.lr_milestones"), Json::array({0.5, 1.0})),
              "each in (0, 1)");
  ExpectError(CheckKeyValue(Key("model.schedule"), "exponential"),
              "unknown model.schedule 'exponential' (known: constant, linear, uniform)");
  EXPECT_TRUE(CheckKeyValue(Key("runtime.device"), "cuda:3").ok());
  ExpectError(CheckKeyValue(Key("runtime.device"), "tpu"), "unknown device 'tpu'");
  ExpectError(CheckKeyValue(Key("runtime.device"), "cuda:x"), "'cuda:x'");
  EXPECT_TRUE(HasKeyType(Key("schedule.lr"), 1));  // An integer stands for a number.
  EXPECT_FALSE(HasKeyType(Key("schedule.epochs"), 1.5));
  EXPECT_FALSE(HasKeyType(Key("schedule.lr_milestones"), Json::array({"half"})));
}

TEST(ConfigKeysTest, ResumeNeedsTheTrainingKeysToAgreeOnly) {
  const Json current = DefaultConfig();
  EXPECT_TRUE(CheckResumable(current, current).ok());
  // Speed and placement may change between a run and its resume.
  Json faster = current;
  faster["runtime"]["threads"] = 7;
  faster["runtime"]["device"] = "cuda";
  faster["schedule"]["eval_batch_size"] = 500;
  EXPECT_TRUE(CheckResumable(current, faster).ok());
  // A training key may not; the error names it with both values.
  Json other = current;
  other["model"]["p_last"] = 0.2;
  other["schedule"]["epochs"] = 400;
  ExpectError(CheckResumable(current, other), "model.p_last: checkpoint 0.5, this run 0.2");
  ExpectError(CheckResumable(current, other), "schedule.epochs: checkpoint 500, this run 400");
  // 1 and 1.0 are one number.
  Json whole = current;
  whole["model"]["p_last"] = 1;
  Json real = current;
  real["model"]["p_last"] = 1.0;
  EXPECT_TRUE(CheckResumable(whole, real).ok());
}

TEST(ConfigKeysTest, AKeyTheCheckpointLacksCountsAsWhatItsAbsenceMeant) {
  const Json current = DefaultConfig();
  Json old = current;
  old["runtime"].erase("precision");  // Absent meant the default, fp32.
  EXPECT_TRUE(CheckResumable(old, current).ok());
  old["schedule"].erase("milestone_rounding");  // Absent meant "round".
  ExpectError(CheckResumable(old, current),
              "schedule.milestone_rounding: checkpoint \"round\" (made before the key existed), "
              "this run \"ceil\"");
  Json round = current;
  round["schedule"]["milestone_rounding"] = "round";
  EXPECT_TRUE(CheckResumable(old, round).ok());
  // A key this sdbench does not know: a newer one made the checkpoint.
  Json newer = current;
  newer["model"]["width"] = 2;
  ExpectError(CheckResumable(newer, current), "model.width: unknown to this sdbench");
}

}  // namespace
}  // namespace sdbench
