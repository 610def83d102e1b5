#include "lib/data/protocol.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/named_enum.h"

namespace sdbench {
namespace {

constexpr NamedValue<NormalizationMode> kNormalizationNames[] = {
    {"mean_image_raw_std", NormalizationMode::kMeanImageRawStd},
    {"mean_image_centred_std", NormalizationMode::kMeanImageCentredStd},
    {"mean_image_scalar_std", NormalizationMode::kMeanImageCentredStd},  // Old name.
    {"per_channel", NormalizationMode::kPerChannel},
};

// A permutation of 0..n-1 from `seed` (Fisher-Yates over mt19937_64 words,
// the same on every platform).
std::vector<int64_t> SeededPermutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 engine(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(engine() % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace

absl::StatusOr<NormalizationMode> ParseNormalizationMode(absl::string_view name) {
  return ParseNamed("normalization", name, kNormalizationNames);
}

const char* NormalizationModeName(NormalizationMode mode) {
  return NameOf(mode, kNormalizationNames);
}

absl::StatusOr<TrainValidationSplit> SplitCifar(std::shared_ptr<const ImageSet> train_set,
                                                int64_t train_size, uint64_t seed,
                                                bool validation) {
  const int64_t n = train_set->size();
  if (validation && (train_size < 1 || train_size >= n)) {
    return absl::InvalidArgumentError(absl::StrCat("train split size must be in 1..", n - 1,
                                                   " for ", n, " training images, got ",
                                                   train_size));
  }
  std::vector<int64_t> order = SeededPermutation(n, seed);
  TrainValidationSplit split;
  split.train.images = train_set;
  split.validation.images = train_set;
  if (!validation) {
    split.train.indices = std::move(order);
    return split;
  }
  split.train.indices.assign(order.begin(), order.begin() + train_size);
  split.validation.indices.assign(order.begin() + train_size, order.end());
  return split;
}

absl::StatusOr<TrainValidationSplit> SplitSvhn(std::shared_ptr<const ImageSet> train_and_extra,
                                               int64_t train_count, uint64_t seed,
                                               int per_class_train, int per_class_extra) {
  const int64_t n = train_and_extra->size();
  if (train_count < 0 || train_count > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("SVHN train count ", train_count, " outside 0..", n));
  }
  TrainValidationSplit split;
  split.train.images = train_and_extra;
  split.validation.images = train_and_extra;
  const std::pair<int64_t, int64_t> parts[] = {{0, train_count}, {train_count, n}};
  const int quota[] = {per_class_train, per_class_extra};
  for (int part = 0; part < 2; ++part) {
    const int64_t begin = parts[part].first;
    std::vector<int64_t> order = SeededPermutation(parts[part].second - begin, seed + part);
    std::vector<int> taken(train_and_extra->num_classes, 0);
    for (int64_t k : order) {
      const int64_t index = begin + k;
      int& count = taken[train_and_extra->labels[index]];
      if (count < quota[part]) {
        ++count;
        split.validation.indices.push_back(index);
      } else {
        split.train.indices.push_back(index);
      }
    }
    for (size_t c = 0; c < taken.size(); ++c) {
      if (taken[c] < quota[part]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SVHN ", part == 0 ? "train" : "extra", " set has only ", taken[c], " images of class ",
            c, ", fewer than the ", quota[part], " the validation split needs"));
      }
    }
  }
  return split;
}

std::vector<double> Normalization::channel_means() const {
  std::vector<double> means(3, 0.0);
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < kImagePlane; ++p) means[c] += mean[c * kImagePlane + p];
    means[c] /= kImagePlane;
  }
  return means;
}

Normalization ComputeNormalization(const ImageView& train, NormalizationMode mode) {
  const int64_t n = train.size();
  std::vector<double> sum(kImageBytes, 0.0), sum_sq(kImageBytes, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* image = train.image(i);
    for (int k = 0; k < kImageBytes; ++k) {
      const double v = image[k];
      sum[k] += v;
      sum_sq[k] += v * v;
    }
  }
  Normalization norm;
  norm.mode = mode;
  norm.mean.resize(kImageBytes);
  norm.scale.resize(kImageBytes);
  if (mode == NormalizationMode::kMeanImageRawStd ||
      mode == NormalizationMode::kMeanImageCentredStd) {
    double total = 0.0, total_sq = 0.0, centred_variance = 0.0;
    for (int k = 0; k < kImageBytes; ++k) {
      const double m = sum[k] / n;
      norm.mean[k] = static_cast<float>(m);
      total += sum[k];
      total_sq += sum_sq[k];
      // Var over all elements of (x - mean image) = mean over pixels of the
      // per-pixel variances.
      centred_variance += sum_sq[k] / n - m * m;
    }
    double std = std::sqrt(centred_variance / kImageBytes);
    if (mode == NormalizationMode::kMeanImageRawStd) {
      const double count = static_cast<double>(n) * kImageBytes;
      std = std::sqrt((total_sq - total * total / count) / (count - 1));
    }
    std::fill(norm.scale.begin(), norm.scale.end(), static_cast<float>(1.0 / std));
  } else {
    for (int c = 0; c < 3; ++c) {
      double s = 0.0, sq = 0.0;
      for (int p = 0; p < kImagePlane; ++p) {
        s += sum[c * kImagePlane + p];
        sq += sum_sq[c * kImagePlane + p];
      }
      const double count = static_cast<double>(n) * kImagePlane;
      const double m = s / count;
      const double std = std::sqrt(sq / count - m * m);
      for (int p = 0; p < kImagePlane; ++p) {
        norm.mean[c * kImagePlane + p] = static_cast<float>(m);
        norm.scale[c * kImagePlane + p] = static_cast<float>(1.0 / std);
      }
    }
  }
  return norm;
}

void NormalizeAndAugment(const uint8_t* image, const Normalization& norm, const Augmentation& a,
                         float* out) {
  const float* mean = norm.mean.data();
  const float* scale = norm.scale.data();
  for (int c = 0; c < 3; ++c) {
    const int plane = c * kImagePlane;
    for (int y = 0; y < kImageSide; ++y) {
      float* row_out = out + plane + y * kImageSide;
      const int sy = y - a.dy;
      if (sy < 0 || sy >= kImageSide) {
        std::fill(row_out, row_out + kImageSide, 0.0f);
        continue;
      }
      const int row = plane + sy * kImageSide;
      // Output column x reads shifted column x' = (flip ? 31 - x : x), which
      // came from source column x' - dx.
      for (int x = 0; x < kImageSide; ++x) {
        const int sx = (a.flip ? kImageSide - 1 - x : x) - a.dx;
        if (sx < 0 || sx >= kImageSide) {
          row_out[x] = 0.0f;
        } else {
          const int k = row + sx;
          row_out[x] = (static_cast<float>(image[k]) - mean[k]) * scale[k];
        }
      }
    }
  }
}

void ShiftAndFlip(const float* in, const Augmentation& a, float* out) {
  std::vector<float> shifted(kImageBytes, 0.0f);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < kImageSide; ++y) {
      for (int x = 0; x < kImageSide; ++x) {
        const int ty = y + a.dy, tx = x + a.dx;
        if (ty < 0 || ty >= kImageSide || tx < 0 || tx >= kImageSide) continue;
        shifted[c * kImagePlane + ty * kImageSide + tx] = in[c * kImagePlane + y * kImageSide + x];
      }
    }
  }
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < kImageSide; ++y) {
      for (int x = 0; x < kImageSide; ++x) {
        const int sx = a.flip ? kImageSide - 1 - x : x;
        out[c * kImagePlane + y * kImageSide + x] = shifted[c * kImagePlane + y * kImageSide + sx];
      }
    }
  }
}

}  // namespace sdbench
