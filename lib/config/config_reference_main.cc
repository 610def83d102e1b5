// Writes docs/config.md, the reference of every configuration key, from the
// key table (config_keys.h):
//   bazel run //lib/config:config_reference -- --out=$PWD/docs/config.md
// With --check=FILE it writes nothing and fails when FILE differs.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "lib/config/config_keys.h"
#include "lib/io/file_io.h"

ABSL_FLAG(std::string, out, "", "write the page to this file (default: standard output)");
ABSL_FLAG(std::string, check, "", "compare the page with this file instead; exit 1 if it differs");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "writes docs/config.md from the key table: config_reference [--out=FILE | --check=FILE]");
  absl::ParseCommandLine(argc, argv);
  const std::string page = sdbench::ConfigReferenceMarkdown();
  if (const std::string check = absl::GetFlag(FLAGS_check); !check.empty()) {
    absl::StatusOr<std::string> committed =
        sdbench::ReadFileToString(sdbench::ResolveUserPath(check));
    if (!committed.ok()) {
      std::cerr << "config_reference: " << committed.status().message() << "\n";
      return 2;
    }
    if (*committed != page) {
      std::cerr << "config_reference: " << check
                << " is not the key table's page; regenerate it: bazel run "
                   "//lib/config:config_reference -- --out=$PWD/docs/config.md\n";
      return 1;
    }
    return 0;
  }
  if (const std::string out = absl::GetFlag(FLAGS_out); !out.empty()) {
    const absl::Status s = sdbench::WriteFileAtomically(sdbench::ResolveUserPath(out), page);
    if (!s.ok()) {
      std::cerr << "config_reference: " << s.message() << "\n";
      return 2;
    }
    std::cerr << "wrote " << out << "\n";
    return 0;
  }
  std::cout << page;
  return 0;
}
