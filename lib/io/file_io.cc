#include "lib/io/file_io.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

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

std::string CpuIdentity::Signature() const {
  if (vendor.empty() || family < 0) return "unknown";
  return absl::StrCat(vendor, " family ", family, " model ", model, " stepping ", stepping);
}

std::string CpuIdentity::NameAndIsa() const {
  return isa == "unknown" ? model_name : absl::StrCat(model_name, " ", isa);
}

CpuIdentity ParseCpuInfo(absl::string_view text) {
  CpuIdentity cpu;
  bool named = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StripAsciiWhitespace(line).empty()) {
      if (named) break;  // The end of the first processor's block.
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    int number = -1;
    if (key == "model name") {
      cpu.model_name = std::string(value);
      named = true;
    } else if (key == "vendor_id") {
      cpu.vendor = std::string(value);
    } else if (key == "cpu family" && absl::SimpleAtoi(value, &number)) {
      cpu.family = number;
    } else if (key == "model" && absl::SimpleAtoi(value, &number)) {
      cpu.model = number;
    } else if (key == "stepping" && absl::SimpleAtoi(value, &number)) {
      cpu.stepping = number;
    } else if (key == "flags") {
      const std::vector<absl::string_view> flags = absl::StrSplit(value, ' ', absl::SkipEmpty());
      auto has = [&flags](absl::string_view flag) {
        return std::find(flags.begin(), flags.end(), flag) != flags.end();
      };
      cpu.isa = has("avx512f") ? "AVX-512" : has("avx2") ? "AVX2" : has("avx") ? "AVX" : "SSE";
    }
  }
  return cpu;
}

CpuIdentity ReadCpuIdentity() {
  absl::StatusOr<std::string> text = ReadFileToString("/proc/cpuinfo");
  return text.ok() ? ParseCpuInfo(*text) : CpuIdentity();
}

std::string CpuModelName() { return ReadCpuIdentity().model_name; }

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
