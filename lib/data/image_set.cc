#include "lib/data/image_set.h"

#include <numeric>
#include <utility>

namespace sdbench {

void ImageSet::Append(const ImageSet& other) {
  pixels.insert(pixels.end(), other.pixels.begin(), other.pixels.end());
  labels.insert(labels.end(), other.labels.begin(), other.labels.end());
}

ImageView ImageView::All(std::shared_ptr<const ImageSet> images) {
  ImageView view;
  view.indices.resize(images->size());
  std::iota(view.indices.begin(), view.indices.end(), 0);
  view.images = std::move(images);
  return view;
}

}  // namespace sdbench
