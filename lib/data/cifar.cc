#include "lib/data/cifar.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/base/named_enum.h"
#include "lib/io/file_io.h"

namespace sdbench {

const char* const kCifar10FileNames[6] = {"data_batch_1.bin", "data_batch_2.bin",
                                          "data_batch_3.bin", "data_batch_4.bin",
                                          "data_batch_5.bin", "test_batch.bin"};

absl::StatusOr<ImageSet> ParseCifarRecords(absl::string_view name, absl::string_view bytes,
                                           CifarFormat format, Cifar100Labels labels) {
  const bool cifar10 = format == CifarFormat::kCifar10;
  const size_t record = cifar10 ? kCifar10RecordBytes : kCifar100RecordBytes;
  const size_t other = cifar10 ? kCifar100RecordBytes : kCifar10RecordBytes;
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": file is empty"));
  }
  if (bytes.size() % record != 0) {
    std::string hint;
    if (bytes.size() % other == 0) {
      hint = absl::StrCat(" (it is a multiple of ", other, ": is this a ",
                          cifar10 ? "CIFAR-100" : "CIFAR-10", " file?)");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": size ", bytes.size(), " is not a multiple of the ",
                     cifar10 ? "CIFAR-10" : "CIFAR-100", " record size ", record,
                     "; file truncated or of the wrong format", hint));
  }
  const size_t count = bytes.size() / record;
  ImageSet images;
  images.num_classes = cifar10 ? 10 : (labels == Cifar100Labels::kFine ? 100 : 20);
  images.labels.resize(count);
  images.pixels.resize(count * kImageBytes);
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* r = data + i * record;
    if (!cifar10 && r[0] >= 20) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": record ", i, " has coarse label ",
                                                     static_cast<int>(r[0]), ", outside 0..19"));
    }
    const int label_offset = cifar10 ? 0 : (labels == Cifar100Labels::kFine ? 1 : 0);
    const uint8_t label = r[label_offset];
    const int fine_limit = cifar10 ? 10 : 100;
    if ((cifar10 || labels == Cifar100Labels::kFine) && label >= fine_limit) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": record ", i, " has label ",
                                                     static_cast<int>(label), ", outside 0..",
                                                     fine_limit - 1));
    }
    if (!cifar10 && r[1] >= 100) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": record ", i, " has fine label ",
                                                     static_cast<int>(r[1]), ", outside 0..99"));
    }
    images.labels[i] = label;
    std::memcpy(&images.pixels[i * kImageBytes], r + (record - kImageBytes), kImageBytes);
  }
  return images;
}

absl::StatusOr<ImageSet> ReadCifarFile(const std::string& path, CifarFormat format,
                                       Cifar100Labels labels) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  return ParseCifarRecords(path, *bytes, format, labels);
}

std::string CifarRecords(const ImageSet& images, CifarFormat format,
                         const std::vector<uint8_t>& coarse) {
  const bool cifar10 = format == CifarFormat::kCifar10;
  std::string out;
  out.reserve(images.size() * (cifar10 ? kCifar10RecordBytes : kCifar100RecordBytes));
  for (int64_t i = 0; i < images.size(); ++i) {
    if (!cifar10) out.push_back(static_cast<char>(coarse.at(i)));
    out.push_back(static_cast<char>(images.labels[i]));
    out.append(reinterpret_cast<const char*>(images.image(i)), kImageBytes);
  }
  return out;
}

namespace {

constexpr NamedValue<Cifar10Files> kCifar10FilesNames[] = {
    {"all", Cifar10Files::kAll},
    {"first_batch", Cifar10Files::kFirstBatch},
};

}  // namespace

absl::StatusOr<Cifar10Files> ParseCifar10Files(absl::string_view name) {
  return ParseNamed("CIFAR-10 file set", name, kCifar10FilesNames);
}

const char* Cifar10FilesName(Cifar10Files files) { return NameOf(files, kCifar10FilesNames); }

std::vector<std::string> Cifar10FileNames(Cifar10Files files) {
  if (files == Cifar10Files::kFirstBatch) return {kCifar10FileNames[0], kCifar10FileNames[5]};
  return std::vector<std::string>(std::begin(kCifar10FileNames), std::end(kCifar10FileNames));
}

absl::StatusOr<TrainTestSets> ReadCifar10(const std::string& dir, Cifar10Files files) {
  TrainTestSets sets;
  const std::vector<std::string> names = Cifar10FileNames(files);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string path = absl::StrCat(dir, "/", names[i]);
    absl::StatusOr<ImageSet> batch = ReadCifarFile(path, CifarFormat::kCifar10);
    if (!batch.ok()) return batch.status();
    ImageSet& target = i + 1 < names.size() ? sets.train : sets.test;
    target.num_classes = 10;
    target.Append(*batch);
  }
  return sets;
}

absl::StatusOr<TrainTestSets> ReadCifar100(const std::string& dir, Cifar100Labels labels) {
  TrainTestSets sets;
  const std::string train_path = dir + "/train.bin";
  const std::string test_path = dir + "/test.bin";
  absl::StatusOr<ImageSet> train = ReadCifarFile(train_path, CifarFormat::kCifar100, labels);
  if (!train.ok()) return train.status();
  absl::StatusOr<ImageSet> test = ReadCifarFile(test_path, CifarFormat::kCifar100, labels);
  if (!test.ok()) return test.status();
  sets.train = *std::move(train);
  sets.test = *std::move(test);
  return sets;
}

}  // namespace sdbench
