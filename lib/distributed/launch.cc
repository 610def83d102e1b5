#include "lib/distributed/launch.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "lib/io/process.h"

namespace sdbench {

absl::StatusOr<int> FreeLocalPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError("cannot find a free TCP port on 127.0.0.1");
  }
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

int RunLocalRanks(int nproc, const std::vector<std::string>& argv) {
  absl::StatusOr<int> port = FreeLocalPort();
  if (!port.ok()) {
    std::cerr << "launch: " << port.status().message() << "\n";
    return 1;
  }
  std::map<pid_t, int> ranks;
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::cerr << "launch: fork() failed\n";
      for (const auto& [child, r] : ranks) kill(child, SIGTERM);
      return 1;
    }
    if (pid == 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(*port).c_str(), 1);
      ExecOrExit(argv);
    }
    ranks[pid] = rank;
  }
  int exit_code = 0;
  while (!ranks.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = ranks.find(pid);
    if (it == ranks.end()) continue;
    const int rank = it->second;
    ranks.erase(it);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && exit_code == 0) {
      exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      std::cerr << "launch: rank " << rank << " of " << nproc << " failed ("
                << (WIFEXITED(status)
                        ? absl::StrCat("exit status ", WEXITSTATUS(status))
                        : absl::StrCat("signal ", WTERMSIG(status)))
                << "); stopping the other ranks\n";
      for (const auto& [child, r] : ranks) kill(child, SIGTERM);
    }
  }
  return exit_code;
}

}  // namespace sdbench
