#include "lib/io/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sdbench {
namespace {

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// In the forked child: wire up the descriptors and exec; on failure report
// errno on `status_fd` and exit.
[[noreturn]] void ExecChild(const std::vector<std::string>& argv,
                            const Subprocess::Options& options, int stdin_fd, int stdout_fd,
                            int status_fd) {
  const int null = open("/dev/null", O_RDWR);
  dup2(stdin_fd >= 0 ? stdin_fd : null, 0);
  if (stdout_fd >= 0) dup2(stdout_fd, 1);
  if (options.stderr_to_stdout) {
    dup2(1, 2);
  } else if (options.quiet_stderr) {
    dup2(null, 2);
  }
  for (const auto& [name, value] : options.environment) setenv(name.c_str(), value.c_str(), 1);
  if (options.new_process_group) setpgid(0, 0);
  if (options.file_size_limit > 0) {
    const rlimit limit = {static_cast<rlim_t>(options.file_size_limit),
                          static_cast<rlim_t>(options.file_size_limit)};
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  const int error = errno;
  [[maybe_unused]] ssize_t n = write(status_fd, &error, sizeof(error));
  _exit(127);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const std::vector<std::string>& argv,
                                                              const Options& options) {
  if (argv.empty()) return absl::InvalidArgumentError("Subprocess: empty command");
  int in[2] = {-1, -1}, out[2] = {-1, -1}, status[2];
  // The exec status travels on a close-on-exec pipe: bytes mean exec failed
  // (errno), EOF means the program started.
  if (pipe2(status, O_CLOEXEC) != 0 || (options.pipe_stdin && pipe2(in, O_CLOEXEC) != 0) ||
      (options.pipe_stdout && pipe2(out, O_CLOEXEC) != 0)) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": pipe() failed"));
  }
  int file = -1;
  if (!options.pipe_stdout && !options.output_file.empty()) {
    file = open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file < 0) {
      return absl::InternalError(
          absl::StrCat(options.output_file, ": cannot create: ", std::strerror(errno)));
    }
  }
  const pid_t pid = fork();
  if (pid < 0)
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": fork() failed"));
  if (pid == 0) ExecChild(argv, options, in[0], options.pipe_stdout ? out[1] : file, status[1]);
  for (int fd : {in[0], out[1], status[1], file}) {
    if (fd >= 0) close(fd);
  }
  std::unique_ptr<Subprocess> child(new Subprocess);
  child->pid_ = pid;
  child->name_ = absl::StrJoin(argv, " ");
  if (options.pipe_stdin) child->to_ = fdopen(in[1], "w");
  if (options.pipe_stdout) child->from_ = fdopen(out[0], "r");
  int exec_errno = 0;
  const bool exec_failed = read(status[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno);
  close(status[0]);
  if (exec_failed) {
    child->Wait();
    return absl::NotFoundError(
        absl::StrCat("cannot run ", argv[0], ": ", std::strerror(exec_errno)));
  }
  return child;
}

Subprocess::~Subprocess() {
  if (to_ != nullptr) std::fclose(to_);
  if (from_ != nullptr) std::fclose(from_);
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

absl::Status Subprocess::WriteLine(const std::string& line) {
  if (to_ == nullptr) return absl::FailedPreconditionError("no pipe to " + name_);
  if (std::fprintf(to_, "%s\n", line.c_str()) < 0 || std::fflush(to_) != 0) {
    return absl::InternalError(absl::StrCat("cannot write to ", name_, ": it has ended"));
  }
  return absl::OkStatus();
}

void Subprocess::CloseStdin() {
  if (to_ != nullptr) std::fclose(to_);
  to_ = nullptr;
}

std::optional<std::string> Subprocess::ReadLine() {
  if (from_ == nullptr) return std::nullopt;
  std::string line;
  char buffer[1 << 16];
  while (std::fgets(buffer, sizeof(buffer), from_) != nullptr) {
    line += buffer;
    if (line.back() == '\n') {
      line.pop_back();
      return line;
    }
  }
  if (line.empty()) return std::nullopt;
  return line;
}

std::string Subprocess::ReadAll() {
  std::string all;
  if (from_ == nullptr) return all;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), from_)) > 0) all.append(buffer, n);
  return all;
}

int Subprocess::Wait() {
  if (exit_code_) return *exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return *(exit_code_ = 128 + SIGKILL);
  }
  return *(exit_code_ = ExitCode(status));
}

std::optional<int> Subprocess::TryWait() {
  if (exit_code_) return exit_code_;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) exit_code_ = ExitCode(status);
  return exit_code_;
}

void Subprocess::Signal(int signal) {
  if (!exit_code_) kill(pid_, signal);
}

std::string Subprocess::DescribeExit(int exit_code) {
  if (exit_code > 128) return absl::StrCat("killed by signal ", exit_code - 128);
  return absl::StrCat("exit status ", exit_code);
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         bool capture_stderr) {
  Subprocess::Options options;
  options.pipe_stdout = true;
  options.stderr_to_stdout = capture_stderr;
  options.quiet_stderr = !capture_stderr;
  absl::StatusOr<std::unique_ptr<Subprocess>> child = Subprocess::Start(argv, options);
  if (!child.ok()) return child.status();
  CommandResult result;
  result.output = (*child)->ReadAll();
  result.exit_code = (*child)->Wait();
  return result;
}

std::string SelfExecutablePath() {
  char buffer[4096];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, n) : std::string("/proc/self/exe");
}

}  // namespace sdbench
