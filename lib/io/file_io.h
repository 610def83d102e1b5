// Whole-file reads, atomic writes and MD5 checksums. Errors name the file.
//
// WriteFileAtomically writes to a temporary file beside the target, flushes
// it to disk and renames it over the target, so a reader (or a run killed at
// any moment) sees either the old file or the complete new one.
#ifndef SDBENCH_LIB_IO_FILE_IO_H_
#define SDBENCH_LIB_IO_FILE_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

absl::StatusOr<std::string> ReadFileToString(const std::string& path);

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

// The name WriteFileAtomically uses for its temporary file.
std::string TemporaryPathFor(const std::string& path);

// Lower-case hex MD5 of bytes / of a file's contents.
std::string Md5Hex(absl::string_view bytes);
absl::StatusOr<std::string> Md5OfFile(const std::string& path);

// Creates a directory and its parents (like mkdir -p).
absl::Status MakeDirectories(const std::string& path);

bool FileExists(const std::string& path);

// What /proc/cpuinfo says of the first processor. The model name alone is
// not enough: "AMD EPYC" has named both a Zen 3 host without AVX-512 and
// one with it, whose oneDNN kernels (so rounding, and a run's numbers) and
// speed (3x in training) differ.
struct CpuIdentity {
  std::string model_name = "unknown CPU";
  std::string vendor;  // vendor_id: AuthenticAMD, GenuineIntel
  int family = -1;
  int model = -1;
  int stepping = -1;
  // The widest x86 vector extension its flags name: "AVX-512" (avx512f),
  // "AVX2", "AVX", "SSE" (none of those), or "unknown" (no flags line).
  std::string isa = "unknown";

  // "AuthenticAMD family 25 model 1 stepping 1", or "unknown".
  std::string Signature() const;
  // The model name and the ISA, "AMD EPYC AVX2" (the name alone when the
  // ISA is unknown): what speed bounds are keyed by (analysis/regress).
  std::string NameAndIsa() const;
};

// Parses /proc/cpuinfo's text (its first processor).
CpuIdentity ParseCpuInfo(absl::string_view text);
// This machine's, from /proc/cpuinfo.
CpuIdentity ReadCpuIdentity();

// The CPU's model name from /proc/cpuinfo, or "unknown CPU".
std::string CpuModelName();

// A path the user typed: under `bazel run` a relative path is taken from the
// directory the user ran it in (BUILD_WORKING_DIRECTORY), else left as is.
std::string ResolveUserPath(const std::string& path);

// `relative` inside the source tree under `bazel run`
// (BUILD_WORKSPACE_DIRECTORY) or a CMake experiment script
// (SDBENCH_WORKSPACE), else relative to the current directory.
std::string WorkspacePath(const std::string& relative);

// A path flag's value: ResolveUserPath(`flag`), or WorkspacePath(`fallback`)
// when the flag is empty.
std::string UserOrWorkspacePath(const std::string& flag, const std::string& fallback);

}  // namespace sdbench

#endif  // SDBENCH_LIB_IO_FILE_IO_H_
