#include "lib/results/provenance.h"

#include <cstdlib>
#include <optional>
#include <regex>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

void Git(const std::string& tree, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git", "-C", tree, "-c", "user.name=t", "-c", "user.email=t@t"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> run = RunCommand(argv, /*capture_stderr=*/true);
  ASSERT_TRUE(run.ok() && run->exit_code == 0) << (run.ok() ? run->output : "no git");
}

TEST(ProvenanceTest, GitCommitAndDirtyFlagOfARealRepository) {
  const std::string tree = TestDir() + "/repo";
  ASSERT_TRUE(MakeDirectories(tree).ok());
  Git(tree, {"init", "-q"});
  ASSERT_TRUE(WriteFileAtomically(tree + "/f.txt", "one").ok());
  Git(tree, {"add", "f.txt"});
  Git(tree, {"commit", "-q", "-m", "first"});
  absl::StatusOr<CommandResult> head = RunCommand({"git", "-C", tree, "rev-parse", "HEAD"});
  ASSERT_TRUE(head.ok());
  nlohmann::json clean = GitProvenance(tree);
  EXPECT_EQ(clean["commit"], head->output.substr(0, 40));
  EXPECT_EQ(clean["dirty"], false);
  ASSERT_TRUE(WriteFileAtomically(tree + "/f.txt", "two").ok());
  EXPECT_EQ(GitProvenance(tree)["dirty"], true);
}

// Outside git the stamp is $SDBENCH_SOURCE_STAMP, else <tree>/SOURCE_STAMP.json;
// these tests control the variable (tools/gpu_check.sh exports it).
class OutsideGitTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* value = std::getenv(kVariable);
    saved_ = value != nullptr ? std::optional<std::string>(value) : std::nullopt;
    unsetenv(kVariable);
  }
  void TearDown() override {
    if (saved_) {
      setenv(kVariable, saved_->c_str(), 1);
    } else {
      unsetenv(kVariable);
    }
  }
  static constexpr const char* kVariable = "SDBENCH_SOURCE_STAMP";
  std::optional<std::string> saved_;
};

TEST_F(OutsideGitTest, TheCommitIsUnknown) {
  const std::string tree = TestDir() + "/not_a_repo";
  ASSERT_TRUE(MakeDirectories(tree).ok());
  nlohmann::json git = GitProvenance(tree);
  EXPECT_EQ(git["commit"], "unknown");
  EXPECT_TRUE(git["dirty"].is_null());
}

TEST_F(OutsideGitTest, AStampStandsInForGit) {
  const std::string tree = TestDir() + "/stamped";
  ASSERT_TRUE(MakeDirectories(tree).ok());
  ASSERT_TRUE(WriteFileAtomically(tree + "/SOURCE_STAMP.json",
                                  R"({"commit": "0123abc", "dirty": true, "diff_sha256": "ff"})")
                  .ok());
  nlohmann::json git = GitProvenance(tree);
  EXPECT_EQ(git["commit"], "0123abc");
  EXPECT_EQ(git["dirty"], true);
  EXPECT_EQ(git["diff_sha256"], "ff");
  EXPECT_EQ(git["stamp"], tree + "/SOURCE_STAMP.json");
  // A broken stamp is not believed, and says so.
  ASSERT_TRUE(WriteFileAtomically(tree + "/SOURCE_STAMP.json", R"({"commit": )").ok());
  git = GitProvenance(tree);
  EXPECT_EQ(git["commit"], "unknown");
  EXPECT_NE(git["stamp"].get<std::string>().find("unreadable"), std::string::npos);
}

TEST_F(OutsideGitTest, TheVariableNamesTheStamp) {
  const std::string tree = TestDir() + "/stamped_elsewhere";
  ASSERT_TRUE(MakeDirectories(tree).ok());
  ASSERT_TRUE(WriteFileAtomically(tree + "/SOURCE_STAMP.json", R"({"commit": "in_tree"})").ok());
  const std::string elsewhere = TestDir() + "/stamp_elsewhere.json";
  ASSERT_TRUE(WriteFileAtomically(elsewhere, R"({"commit": "from_variable"})").ok());
  setenv(kVariable, elsewhere.c_str(), 1);
  nlohmann::json git = GitProvenance(tree);
  EXPECT_EQ(git["commit"], "from_variable");
  EXPECT_EQ(git["stamp"], elsewhere);
  setenv(kVariable, (TestDir() + "/no_such_stamp.json").c_str(), 1);
  EXPECT_EQ(GitProvenance(tree)["commit"], "unknown");  // Named but missing: not the tree's.
}

TEST(ProvenanceTest, TimeAndMachine) {
  EXPECT_TRUE(std::regex_match(NowIso8601(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  nlohmann::json machine = MachineProvenance();
  EXPECT_EQ(machine["cpu_model"], CpuModelName());
  EXPECT_GE(machine["logical_cpus"].get<int>(), 1);
  EXPECT_FALSE(machine["host"].get<std::string>().empty());
}

}  // namespace
}  // namespace sdbench
