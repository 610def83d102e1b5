// Validates result files against results/SCHEMA.md:
//   bazel run //lib/results:validate -- results/quickstart/reduced/*.json
#include <cstdlib>
#include <iostream>
#include <string>

#include "lib/io/file_io.h"
#include "lib/results/result_file.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: validate RESULT.json...\n";
    return 2;
  }
  int invalid = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string path = sdbench::ResolveUserPath(argv[i]);
    auto result = sdbench::ReadResultFile(path);
    if (result.ok()) {
      std::cout << "valid: " << path << "\n";
    } else {
      std::cout << "INVALID: " << result.status().message() << "\n";
      ++invalid;
    }
  }
  return invalid == 0 ? 0 : 1;
}
