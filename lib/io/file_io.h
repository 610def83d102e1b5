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
