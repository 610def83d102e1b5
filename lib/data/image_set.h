// Labelled 32x32 RGB images kept as uint8 in memory (SVHN with its extra set
// is 604k images: ~1.9 GB as uint8, ~28 GB as float), and index views onto
// them for the train / validation / test splits.
#ifndef SDBENCH_LIB_DATA_IMAGE_SET_H_
#define SDBENCH_LIB_DATA_IMAGE_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sdbench {

constexpr int kImageSide = 32;
constexpr int kImageChannels = 3;
constexpr int kImagePlane = kImageSide * kImageSide;       // 1024
constexpr int kImageBytes = kImageChannels * kImagePlane;  // 3072

struct ImageSet {
  // size() images of kImageBytes each, channel-major (1024 R, 1024 G,
  // 1024 B; each plane row-major), as in the CIFAR binary files.
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
  int num_classes = 0;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  const uint8_t* image(int64_t i) const { return &pixels[i * kImageBytes]; }

  // Appends another set's images (same number of classes).
  void Append(const ImageSet& other);
};

// A subset of an ImageSet, in a given order, without copying pixels.
struct ImageView {
  std::shared_ptr<const ImageSet> images;
  std::vector<int64_t> indices;

  int64_t size() const { return static_cast<int64_t>(indices.size()); }
  const uint8_t* image(int64_t i) const { return images->image(indices[i]); }
  uint8_t label(int64_t i) const { return images->labels[indices[i]]; }

  // The whole set, in its order.
  static ImageView All(std::shared_ptr<const ImageSet> images);
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_DATA_IMAGE_SET_H_
