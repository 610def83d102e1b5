#include "lib/io/process.h"

#include <unistd.h>

#include <cstdio>

namespace sdbench {

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
