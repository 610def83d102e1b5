#include "lib/distributed/launch.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lib/base/stop.h"
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

namespace {

// Signals received by the launcher, by number, not yet passed on.
volatile std::sig_atomic_t pending[NSIG];

void OnSignal(int signal) { pending[signal] = pending[signal] + 1; }

// Passes on the signals received since the last call.
void ForwardSignals(const std::vector<int>& signals,
                    const std::vector<std::unique_ptr<Subprocess>>& ranks) {
  for (int signal : signals) {
    while (pending[signal] > 0) {
      pending[signal] = pending[signal] - 1;
      for (const auto& rank : ranks) rank->Signal(signal);
    }
  }
}

}  // namespace

int RunLocalRanks(int nproc, const std::vector<std::string>& argv,
                  const std::vector<int>& stop_signals) {
  absl::StatusOr<int> port = FreeLocalPort();
  if (!port.ok()) {
    std::cerr << "launch: " << port.status().message() << "\n";
    return 1;
  }
  for (int signal : stop_signals) std::signal(signal, OnSignal);
  std::vector<std::unique_ptr<Subprocess>> ranks;
  for (int rank = 0; rank < nproc; ++rank) {
    Subprocess::Options options;
    options.new_process_group = true;
    options.environment = {
        {"RANK", std::to_string(rank)},        {"LOCAL_RANK", std::to_string(rank)},
        {"WORLD_SIZE", std::to_string(nproc)}, {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
        {"MASTER_ADDR", "127.0.0.1"},          {"MASTER_PORT", std::to_string(*port)}};
    absl::StatusOr<std::unique_ptr<Subprocess>> child = Subprocess::Start(argv, options);
    if (!child.ok()) {
      std::cerr << "launch: " << child.status().message() << "\n";
      return 1;  // The ranks started so far are killed with their Subprocess.
    }
    ranks.push_back(*std::move(child));
  }
  // The first rank to fail decides the exit status and stops the others; a
  // rank that stopped on request (75) is no failure.
  int exit_code = 0;
  int stopped = 0;
  for (int running = nproc; running > 0;) {
    ForwardSignals(stop_signals, ranks);
    running = 0;
    stopped = 0;
    for (int rank = 0; rank < nproc; ++rank) {
      std::optional<int> code = ranks[rank]->TryWait();
      if (!code) {
        ++running;
        continue;
      }
      stopped += *code == kStoppedExitCode;
      if (*code != 0 && *code != kStoppedExitCode && exit_code == 0) {
        exit_code = *code > 128 ? 1 : *code;
        std::cerr << "launch: rank " << rank << " of " << nproc << " failed ("
                  << Subprocess::DescribeExit(*code) << "); stopping the other ranks\n";
        for (auto& other : ranks) other->Signal(SIGKILL);
      }
    }
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (exit_code == 0 && stopped > 0) return kStoppedExitCode;
  return exit_code;
}

}  // namespace sdbench
