#include "lib/io/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sdbench {

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         bool capture_stderr) {
  if (argv.empty()) return absl::InvalidArgumentError("RunCommand: empty command");
  int out[2];
  // The exec status travels back on a close-on-exec pipe: a byte means exec
  // failed (and carries errno), EOF means the program started.
  int exec_status[2];
  if (pipe(out) != 0) return absl::InternalError("RunCommand: pipe() failed");
  if (pipe2(exec_status, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError("RunCommand: pipe() failed");
  }
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("RunCommand: fork() failed");
  if (pid == 0) {
    close(out[0]);
    close(exec_status[0]);
    dup2(out[1], 1);
    const int null = open("/dev/null", O_RDWR);
    dup2(capture_stderr ? out[1] : null, 2);
    dup2(null, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const int error = errno;
    [[maybe_unused]] ssize_t n = write(exec_status[1], &error, sizeof(error));
    _exit(127);
  }
  close(out[1]);
  close(exec_status[1]);
  CommandResult result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof(buffer))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  int exec_errno = 0;
  const bool exec_failed =
      read(exec_status[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno);
  close(exec_status[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (exec_failed) {
    return absl::NotFoundError(absl::StrCat("cannot run ", argv[0], ": ",
                                            std::strerror(exec_errno)));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string SelfExecutablePath() {
  char buffer[4096];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, n) : std::string("/proc/self/exe");
}

void ExecOrExit(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (!argv.empty()) execv(args[0], args.data());
  std::fprintf(stderr, "cannot execute %s\n", argv.empty() ? "(nothing)" : args[0]);
  _exit(127);
}

}  // namespace sdbench
