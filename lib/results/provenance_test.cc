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

// $SDBENCH_SOURCE_STAMP, when set, names the stamp believed even inside git;
// outside git the stamp is <tree>/SOURCE_STAMP.json. These tests control the
// variable (tools/gpu_check.sh exports it).
class StampVariableTest : public testing::Test {
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

class OutsideGitTest : public StampVariableTest {};
class InsideGitTest : public StampVariableTest {};

// A fresh repository with one commit at `tree`; its HEAD.
std::string CommittedRepository(const std::string& tree) {
  EXPECT_TRUE(MakeDirectories(tree).ok());
  Git(tree, {"init", "-q"});
  EXPECT_TRUE(WriteFileAtomically(tree + "/f.txt", "one").ok());
  Git(tree, {"add", "f.txt"});
  Git(tree, {"commit", "-q", "-m", "first"});
  absl::StatusOr<CommandResult> head = RunCommand({"git", "-C", tree, "rev-parse", "HEAD"});
  EXPECT_TRUE(head.ok());
  return head.ok() ? head->output.substr(0, 40) : "";
}

TEST_F(InsideGitTest, GitCommitAndDirtyFlagOfARealRepository) {
  const std::string tree = TestDir() + "/repo";
  const std::string head = CommittedRepository(tree);
  nlohmann::json clean = GitProvenance(tree);
  EXPECT_EQ(clean["commit"], head);
  EXPECT_EQ(clean["dirty"], false);
  ASSERT_TRUE(WriteFileAtomically(tree + "/f.txt", "two").ok());
  EXPECT_EQ(GitProvenance(tree)["dirty"], true);
  // A SOURCE_STAMP.json in the tree does not override git.
  ASSERT_TRUE(WriteFileAtomically(tree + "/SOURCE_STAMP.json", R"({"commit": "in_tree"})").ok());
  EXPECT_EQ(GitProvenance(tree)["commit"], head);
}

TEST_F(InsideGitTest, TheVariableWinsOverGit) {
  const std::string tree = TestDir() + "/repo_with_stamp";
  CommittedRepository(tree);
  const std::string stamp = TestDir() + "/explicit_stamp.json";
  ASSERT_TRUE(WriteFileAtomically(stamp, R"({"commit": "stamped", "dirty": false})").ok());
  setenv(kVariable, stamp.c_str(), 1);
  nlohmann::json git = GitProvenance(tree);
  EXPECT_EQ(git["commit"], "stamped");
  EXPECT_EQ(git["dirty"], false);
  EXPECT_EQ(git["stamp"], stamp);
}

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

// The build stamp names the commit; the checkout only beside it, when it
// differs.
TEST_F(InsideGitTest, TheBuildStampNamesTheCommitAndTheCheckoutOnlyWhenItDiffers) {
  const std::string tree = TestDir() + "/repo_built";
  const std::string head = CommittedRepository(tree);
  nlohmann::json same = SourceProvenance(BuildStamp{head, "false", "bazel"}, tree);
  EXPECT_EQ(same,
            nlohmann::json({{"commit", head}, {"dirty", false}, {"from", "build stamp (bazel)"}}));

  const std::string other(40, 'a');
  nlohmann::json older = SourceProvenance(BuildStamp{other, "true", "cmake"}, tree);
  EXPECT_EQ(older["commit"], other);
  EXPECT_EQ(older["dirty"], true);
  EXPECT_EQ(older["from"], "build stamp (cmake)");
  EXPECT_EQ(older["checkout"], nlohmann::json({{"commit", head}, {"dirty", false}}));

  ASSERT_TRUE(WriteFileAtomically(tree + "/f.txt", "edited after the build").ok());
  nlohmann::json edited = SourceProvenance(BuildStamp{head, "false", "bazel"}, tree);
  EXPECT_EQ(edited["commit"], head);
  EXPECT_EQ(edited["checkout"], nlohmann::json({{"commit", head}, {"dirty", true}}));

  // No stamp, or one that knows nothing: the checkout's state, saying so.
  nlohmann::json none = SourceProvenance(std::nullopt, tree);
  EXPECT_EQ(none["commit"], head);
  EXPECT_EQ(none["from"], "checkout at run time");
  EXPECT_FALSE(none.contains("checkout"));
  EXPECT_EQ(SourceProvenance(BuildStamp{"unknown", "unknown", "cmake"}, tree)["commit"], head);
  EXPECT_TRUE(SourceProvenance(BuildStamp{head, "unknown", "bazel"}, tree)["dirty"].is_null());
}

TEST(ProvenanceTest, TimeAndMachine) {
  EXPECT_TRUE(std::regex_match(NowIso8601(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  nlohmann::json machine = MachineProvenance();
  EXPECT_EQ(machine["cpu_model"], CpuModelName());
  EXPECT_EQ(machine["cpu_isa"], ReadCpuIdentity().isa);
  EXPECT_EQ(machine["cpu_signature"], ReadCpuIdentity().Signature());
  EXPECT_GE(machine["logical_cpus"].get<int>(), 1);
  EXPECT_FALSE(machine["host"].get<std::string>().empty());
}

}  // namespace
}  // namespace sdbench
