#include "lib/data/synthetic.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/data/cifar.h"
#include "lib/data/svhn.h"
#include "lib/io/file_io.h"

namespace sdbench {

ImageSet SyntheticImages(int64_t count, int num_classes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ImageSet images;
  images.num_classes = num_classes;
  images.labels.resize(count);
  images.pixels.resize(count * kImageBytes);
  for (int64_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(rng() % num_classes);
    images.labels[i] = static_cast<uint8_t>(label);
    // Class-dependent base colour plus noise.
    for (int c = 0; c < 3; ++c) {
      const int base = 40 + (label * (37 + 53 * c)) % 176;
      uint8_t* plane = &images.pixels[i * kImageBytes + c * kImagePlane];
      for (int p = 0; p < kImagePlane; ++p) {
        const int value = base + static_cast<int>(rng() % 81) - 40;
        plane[p] = static_cast<uint8_t>(std::clamp(value, 0, 255));
      }
    }
  }
  return images;
}

absl::Status WriteSyntheticCifar10(const std::string& dir, int64_t per_file, uint64_t seed) {
  if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
  for (int f = 0; f < 6; ++f) {
    ImageSet images = SyntheticImages(per_file, 10, seed + f);
    absl::Status s = WriteFileAtomically(absl::StrCat(dir, "/", kCifar10FileNames[f]),
                                         CifarRecords(images, CifarFormat::kCifar10));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status WriteSyntheticCifar100(const std::string& dir, int64_t train, int64_t test,
                                    uint64_t seed) {
  if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
  const std::pair<const char*, int64_t> files[] = {{"train.bin", train}, {"test.bin", test}};
  for (const auto& [name, count] : files) {
    ImageSet images = SyntheticImages(count, 100, seed++);
    std::vector<uint8_t> coarse(images.labels.size());
    for (size_t i = 0; i < coarse.size(); ++i) coarse[i] = images.labels[i] / 5;
    absl::Status s = WriteFileAtomically(absl::StrCat(dir, "/", name),
                                         CifarRecords(images, CifarFormat::kCifar100, coarse));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status WriteSyntheticSvhn(const std::string& dir, int64_t train, int64_t extra, int64_t test,
                                uint64_t seed) {
  if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
  const std::pair<const char*, int64_t> files[] = {
      {"train_32x32.mat", train}, {"extra_32x32.mat", extra}, {"test_32x32.mat", test}};
  for (const auto& [name, count] : files) {
    absl::Status s = WriteSvhnMat(absl::StrCat(dir, "/", name), SyntheticImages(count, 10, seed++));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sdbench
