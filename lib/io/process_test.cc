#include "lib/io/process.h"

#include <signal.h>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

TEST(RunCommandTest, ReturnsStandardOutputAndExitCode) {
  absl::StatusOr<CommandResult> echo = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->output, "out\n");
  EXPECT_EQ(echo->exit_code, 3);
  absl::StatusOr<CommandResult> both =
      RunCommand({"sh", "-c", "echo out; echo err >&2"}, /*capture_stderr=*/true);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->output, "out\nerr\n");
  EXPECT_EQ(both->exit_code, 0);
}

TEST(RunCommandTest, ArgumentsAreNotInterpretedByAShell) {
  absl::StatusOr<CommandResult> echo = RunCommand({"echo", "$HOME; 'x'"});
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->output, "$HOME; 'x'\n");
}

TEST(RunCommandTest, AProgramThatCannotStartIsAnErrorNamingIt) {
  absl::StatusOr<CommandResult> missing = RunCommand({"/no/such/program", "x"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/no/such/program"), std::string::npos);
  EXPECT_FALSE(RunCommand({}).ok());
}

TEST(RunCommandTest, ASignalIsReportedAs128PlusItsNumber) {
  absl::StatusOr<CommandResult> killed = RunCommand({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(killed->exit_code, 128 + 9);
}

}  // namespace
}  // namespace sdbench

namespace sdbench {
namespace {

TEST(SubprocessTest, TalksOverPipesLineByLine) {
  Subprocess::Options options;
  options.pipe_stdin = true;
  options.pipe_stdout = true;
  auto child = Subprocess::Start({"sh", "-c", "while read x; do echo \"got $x\"; done"}, options);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE((*child)->WriteLine("one").ok());
  EXPECT_EQ((*child)->ReadLine(), "got one");
  ASSERT_TRUE((*child)->WriteLine("two").ok());
  EXPECT_EQ((*child)->ReadLine(), "got two");
  (*child)->CloseStdin();
  EXPECT_EQ((*child)->ReadLine(), std::nullopt);
  EXPECT_EQ((*child)->Wait(), 0);
}

TEST(SubprocessTest, OutputFileEnvironmentAndSignals) {
  const std::string log = TestDir() + "/child.log";
  Subprocess::Options options;
  options.output_file = log;
  options.stderr_to_stdout = true;
  options.environment = {{"SDBENCH_TEST_VALUE", "42"}};
  auto child = Subprocess::Start({"sh", "-c", "echo $SDBENCH_TEST_VALUE; echo e >&2"}, options);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ((*child)->Wait(), 0);
  EXPECT_EQ(*ReadFileToString(log), "42\ne\n");

  auto sleeper = Subprocess::Start({"sleep", "30"}, Subprocess::Options());
  ASSERT_TRUE(sleeper.ok());
  EXPECT_EQ((*sleeper)->TryWait(), std::nullopt);
  (*sleeper)->Signal(SIGTERM);
  EXPECT_EQ((*sleeper)->Wait(), 128 + SIGTERM);
  EXPECT_EQ(Subprocess::DescribeExit(128 + SIGTERM), "killed by signal 15");
  EXPECT_EQ(Subprocess::DescribeExit(3), "exit status 3");
}

}  // namespace
}  // namespace sdbench
