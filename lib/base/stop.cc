#include "lib/base/stop.h"

#include <signal.h>
#include <string.h>

#include <csignal>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sdbench {
namespace {

volatile std::sig_atomic_t requested_signal = 0;

constexpr std::pair<const char*, int> kSignals[] = {{"TERM", SIGTERM}, {"INT", SIGINT},
                                                    {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                                                    {"HUP", SIGHUP},   {"QUIT", SIGQUIT}};

void OnStopSignal(int signal) {
  if (signal == SIGINT && requested_signal != 0) {
    // A second Ctrl-C: stop waiting for the step, end now.
    std::signal(SIGINT, SIG_DFL);
    raise(SIGINT);
    return;
  }
  if (requested_signal == 0) requested_signal = signal;
}

}  // namespace

absl::StatusOr<std::vector<int>> ParseStopSignals(absl::string_view names) {
  std::vector<int> signals;
  for (absl::string_view part : absl::StrSplit(names, ',', absl::SkipEmpty())) {
    std::string name = absl::AsciiStrToUpper(part);
    if (absl::StartsWith(name, "SIG")) name = name.substr(3);
    bool found = false;
    for (const auto& [known, number] : kSignals) {
      if (name == known) {
        signals.push_back(number);
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--stop_signals: unknown signal '", part, "' (known: TERM, INT, USR1, USR2, HUP, QUIT)"));
    }
  }
  return signals;
}

absl::Status InstallStopHandlers(const std::vector<int>& signals) {
  for (int signal : signals) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(signal, &action, nullptr) != 0) {
      return absl::InternalError(absl::StrCat("cannot handle ", SignalName(signal)));
    }
  }
  return absl::OkStatus();
}

bool StopRequested() { return requested_signal != 0; }

int StopSignal() { return requested_signal; }

std::string SignalName(int signal) {
  for (const auto& [name, number] : kSignals) {
    if (number == signal) return absl::StrCat("SIG", name);
  }
  return absl::StrCat("signal ", signal);
}

void RequestStopForTest(int signal) { requested_signal = signal; }

}  // namespace sdbench
