#include "lib/io/process.h"

#include "gtest/gtest.h"

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
