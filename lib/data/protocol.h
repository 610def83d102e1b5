// The paper's data protocol (PAPER_SPEC 3), one function per step:
// the CIFAR and SVHN train/validation splits, the normalisation, and the
// training augmentation.
#ifndef SDBENCH_LIB_DATA_PROTOCOL_H_
#define SDBENCH_LIB_DATA_PROTOCOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/image_set.h"

namespace sdbench {

struct TrainValidationSplit {
  ImageView train;
  ImageView validation;  // Empty when no validation split is asked for.
};

// CIFAR: shuffle the training images once with `seed`; the first
// `train_size` train, the rest validate (paper: 45,000 / 5,000). With
// `validation` false, every image trains (in the shuffled order).
absl::StatusOr<TrainValidationSplit> SplitCifar(std::shared_ptr<const ImageSet> train_set,
                                                int64_t train_size, uint64_t seed,
                                                bool validation = true);

// SVHN: `train_and_extra` holds the train set followed by the extra set
// (`train_count` images first). Each part is shuffled with `seed`; per class
// the first 400 of the shuffled train part and the first 200 of the
// shuffled extra part validate (6,000), all the rest trains.
absl::StatusOr<TrainValidationSplit> SplitSvhn(std::shared_ptr<const ImageSet> train_and_extra,
                                               int64_t train_count, uint64_t seed,
                                               int per_class_train = 400,
                                               int per_class_extra = 200);

enum class NormalizationMode {
  // "mean_image_raw_std" (default: the original code): subtract the
  // per-pixel, per-channel mean image of the training split, divide by one
  // scalar: the std (n-1 estimator) of all elements of the RAW training
  // tensor, taken before the mean image is subtracted (the original's
  // `preprocess` calls data:std() on the raw data).
  kMeanImageRawStd,
  // "mean_image_centred_std" (also read as "mean_image_scalar_std", its
  // earlier name): as above, but the scalar is the std of the mean-subtracted
  // training tensor (population estimator), so the training data have std
  // exactly 1. About 1% smaller than the raw std on CIFAR-10.
  kMeanImageCentredStd,
  // "per_channel": subtract each channel's mean, divide by its std (what
  // most ports do).
  kPerChannel,
};

absl::StatusOr<NormalizationMode> ParseNormalizationMode(absl::string_view name);
const char* NormalizationModeName(NormalizationMode mode);

// normalised[i] = (pixel[i] - mean[i]) * scale[i], i over the 3,072 values
// of an image (channel-major).
struct Normalization {
  NormalizationMode mode{};
  std::vector<float> mean;   // 3072
  std::vector<float> scale;  // 3072

  // Summary numbers for result files: channel means (0..255) and std.
  std::vector<double> channel_means() const;
};

// Statistics of the training split, in double precision.
Normalization ComputeNormalization(const ImageView& train, NormalizationMode mode);

// One image's augmentation: shift by (dx, dy) (a pixel moves from (x, y) to
// (x + dx, y + dy); uncovered pixels are 0), then mirror left-right.
struct Augmentation {
  int dx = 0;
  int dy = 0;
  bool flip = false;
};

// Draws dx, dy uniform in {-max_shift..max_shift} and a flip with p = 1/2
// from a 64-bit random word source.
template <typename Engine>
Augmentation DrawAugmentation(Engine& engine, int max_shift) {
  const uint64_t bits = engine();
  const int span = 2 * max_shift + 1;
  Augmentation a;
  a.dx = static_cast<int>(bits % span) - max_shift;
  a.dy = static_cast<int>((bits >> 16) % span) - max_shift;
  a.flip = ((bits >> 32) & 1) != 0;
  return a;
}

// Normalises one uint8 image into `out` (3,072 floats) and applies the
// augmentation, in one pass; equivalent to normalising first, then shifting
// and flipping the normalised image.
void NormalizeAndAugment(const uint8_t* image, const Normalization& norm,
                         const Augmentation& augmentation, float* out);

// Applies shift and flip to an already normalised float image (a plain
// reference implementation, used by tests and the reference path).
void ShiftAndFlip(const float* in, const Augmentation& augmentation, float* out);

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_PROTOCOL_H_
