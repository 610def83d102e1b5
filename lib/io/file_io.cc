#include "lib/io/file_io.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sdbench {
namespace {

absl::Status ErrnoError(const std::string& path, absl::string_view action) {
  const int error = errno;
  std::string message = absl::StrCat(path, ": cannot ", action, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  return absl::InternalError(message);
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError(path, "open");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return ErrnoError(path, "read");
  return contents.str();
}

std::string TemporaryPathFor(const std::string& path) {
  return absl::StrCat(path, ".tmp.", getpid());
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string temporary = TemporaryPathFor(path);
  // Errors name the file being written and the system's reason; the
  // temporary file is removed, the previous file is left as it was.
  auto fail = [&](absl::string_view action) {
    const int error = errno;
    std::string message =
        absl::StrCat(path, ": cannot ", action, " (via ", temporary, "): ", std::strerror(error));
    unlink(temporary.c_str());
    return error == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  };
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return fail("create");
  const char* data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    const ssize_t written = write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      absl::Status error = fail("write");
      close(fd);
      return error;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  if (fsync(fd) != 0) {
    absl::Status error = fail("flush");
    close(fd);
    return error;
  }
  if (close(fd) != 0) return fail("flush");
  if (rename(temporary.c_str(), path.c_str()) != 0) return fail("rename its temporary file");
  return absl::OkStatus();
}

std::string Md5Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    absl::StrAppend(&hex, absl::StrFormat("%02x", digest[i]));
  }
  return hex;
}

absl::StatusOr<std::string> Md5OfFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  return Md5Hex(*contents);
}

absl::Status MakeDirectories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::InternalError(absl::StrCat(path, ": cannot create directory: ", error.message()));
  }
  return absl::OkStatus();
}

bool FileExists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

std::string CpuModelName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      std::string name = line.substr(line.find(':') + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      return name;
    }
  }
  return "unknown CPU";
}

std::string ResolveUserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

std::string WorkspacePath(const std::string& relative) {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (workspace == nullptr) workspace = std::getenv("SDBENCH_WORKSPACE");
  return workspace != nullptr ? absl::StrCat(workspace, "/", relative) : relative;
}

std::string UserOrWorkspacePath(const std::string& flag, const std::string& fallback) {
  return flag.empty() ? WorkspacePath(fallback) : ResolveUserPath(flag);
}

}  // namespace sdbench
