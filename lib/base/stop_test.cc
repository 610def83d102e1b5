#include "lib/base/stop.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

TEST(StopTest, ParsesSignalNames) {
  EXPECT_EQ(*ParseStopSignals("TERM,INT,USR1"), (std::vector<int>{SIGTERM, SIGINT, SIGUSR1}));
  EXPECT_EQ(*ParseStopSignals("sigusr2"), (std::vector<int>{SIGUSR2}));
  EXPECT_TRUE(ParseStopSignals("")->empty());
  absl::StatusOr<std::vector<int>> bad = ParseStopSignals("TERM,KILL");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown signal 'KILL'"), std::string::npos);
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
}

// In a child process: the first signal only sets the flag; the process goes on.
TEST(StopTest, ASignalSetsTheFlagAndTheProcessGoesOn) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    RequestStopForTest(0);
    if (!InstallStopHandlers({SIGTERM, SIGUSR1}).ok()) _exit(2);
    if (StopRequested()) _exit(3);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGTERM);  // A second, other signal changes nothing.
    _exit(StopRequested() && StopSignal() == SIGUSR1 ? 0 : 4);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A second SIGINT ends the process at once, as SIGINT does.
TEST(StopTest, ASecondInterruptEndsTheProcess) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    RequestStopForTest(0);
    if (!InstallStopHandlers({SIGINT}).ok()) _exit(2);
    kill(getpid(), SIGINT);
    if (!StopRequested()) _exit(3);
    kill(getpid(), SIGINT);
    _exit(0);  // Not reached.
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGINT);
}

}  // namespace
}  // namespace sdbench
