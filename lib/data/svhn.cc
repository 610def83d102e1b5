#include "lib/data/svhn.h"

#include <matio.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

struct MatCloser {
  void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFreer {
  void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatFile = std::unique_ptr<mat_t, MatCloser>;
using MatVar = std::unique_ptr<matvar_t, VarFreer>;

std::string Dims(const matvar_t& var) {
  std::string dims;
  for (int i = 0; i < var.rank; ++i) {
    absl::StrAppend(&dims, i ? "x" : "", var.dims[i]);
  }
  return dims;
}

// Label value i of y as a double, for any numeric MATLAB class.
bool LabelValue(const matvar_t& y, size_t i, double* value) {
  switch (y.class_type) {
    case MAT_C_UINT8:
      *value = static_cast<const uint8_t*>(y.data)[i];
      return true;
    case MAT_C_INT8:
      *value = static_cast<const int8_t*>(y.data)[i];
      return true;
    case MAT_C_UINT16:
      *value = static_cast<const uint16_t*>(y.data)[i];
      return true;
    case MAT_C_INT16:
      *value = static_cast<const int16_t*>(y.data)[i];
      return true;
    case MAT_C_UINT32:
      *value = static_cast<const uint32_t*>(y.data)[i];
      return true;
    case MAT_C_INT32:
      *value = static_cast<const int32_t*>(y.data)[i];
      return true;
    case MAT_C_DOUBLE:
      *value = static_cast<const double*>(y.data)[i];
      return true;
    case MAT_C_SINGLE:
      *value = static_cast<const float*>(y.data)[i];
      return true;
    default:
      return false;
  }
}

}  // namespace

namespace {

// X must be uint8 32x32x3xN, y a real Nx1 (or 1xN) array.
absl::Status CheckShapes(const std::string& path, const matvar_t& x, const matvar_t& y) {
  if (x.class_type != MAT_C_UINT8 || x.data_type != MAT_T_UINT8) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": X must be uint8"));
  }
  if (x.rank != 4 || x.dims[0] != 32 || x.dims[1] != 32 || x.dims[2] != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": X has shape ", Dims(x), ", expected 32x32x3xN"));
  }
  const size_t n = x.dims[3];
  const bool column =
      y.rank == 2 && ((y.dims[0] == n && y.dims[1] == 1) || (y.dims[0] == 1 && y.dims[1] == n));
  if (!column) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": y has shape ", Dims(y), ", expected ", n, "x1"));
  }
  if (y.isComplex || y.data == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": y must be a real numeric array"));
  }
  return absl::OkStatus();
}

// Labels 1..10, the digit 0 stored as 10, to 0..9.
absl::Status ReadLabels(const std::string& path, const matvar_t& y, size_t n, ImageSet* images) {
  images->labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    double value = 0;
    if (!LabelValue(y, i, &value)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": y has an unsupported numeric type"));
    }
    if (value != std::floor(value) || value < 1 || value > 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": label ", i, " is ", value, ", outside 1..10"));
    }
    images->labels[i] = static_cast<uint8_t>(static_cast<int>(value) % 10);
  }
  return absl::OkStatus();
}

// Column-major X(row, col, channel, image) -> channel-major rows.
void ReadPixels(const matvar_t& x, size_t n, ImageSet* images) {
  images->pixels.resize(n * kImageBytes);
  const auto* source = static_cast<const uint8_t*>(x.data);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* in = source + i * kImageBytes;
    uint8_t* out = &images->pixels[i * kImageBytes];
    for (int c = 0; c < 3; ++c) {
      for (int col = 0; col < 32; ++col) {
        for (int row = 0; row < 32; ++row) {
          out[c * kImagePlane + row * 32 + col] = in[c * kImagePlane + col * 32 + row];
        }
      }
    }
  }
}

}  // namespace

bool SvhnSupported() { return true; }

absl::StatusOr<ImageSet> ReadSvhnMat(const std::string& path) {
  if (!FileExists(path)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  MatFile mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (mat == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable MATLAB .mat file"));
  }
  MatVar x(Mat_VarRead(mat.get(), "X"));
  if (x == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": has no variable 'X' (SVHN format 2 images)"));
  }
  MatVar y(Mat_VarRead(mat.get(), "y"));
  if (y == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": has no variable 'y' (SVHN format 2 labels)"));
  }
  if (absl::Status s = CheckShapes(path, *x, *y); !s.ok()) return s;
  const size_t n = x->dims[3];
  ImageSet images;
  images.num_classes = 10;
  if (absl::Status s = ReadLabels(path, *y, n, &images); !s.ok()) return s;
  ReadPixels(*x, n, &images);
  return images;
}

absl::Status WriteSvhnMat(const std::string& path, const ImageSet& images) {
  const size_t n = static_cast<size_t>(images.size());
  std::vector<uint8_t> x(n * kImageBytes);
  std::vector<double> y(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* in = images.image(i);
    uint8_t* out = &x[i * kImageBytes];
    for (int c = 0; c < 3; ++c) {
      for (int row = 0; row < 32; ++row) {
        for (int col = 0; col < 32; ++col) {
          out[c * kImagePlane + col * 32 + row] = in[c * kImagePlane + row * 32 + col];
        }
      }
    }
    y[i] = images.labels[i] == 0 ? 10 : images.labels[i];
  }
  const std::string temporary = TemporaryPathFor(path);
  {
    MatFile mat(Mat_CreateVer(temporary.c_str(), nullptr, MAT_FT_MAT5));
    if (mat == nullptr) {
      return absl::InternalError(absl::StrCat(temporary, ": cannot create"));
    }
    size_t x_dims[4] = {32, 32, 3, n};
    size_t y_dims[2] = {n, 1};
    MatVar x_var(
        Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, x_dims, x.data(), MAT_F_DONT_COPY_DATA));
    MatVar y_var(
        Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, y_dims, y.data(), MAT_F_DONT_COPY_DATA));
    if (x_var == nullptr || y_var == nullptr ||
        Mat_VarWrite(mat.get(), x_var.get(), MAT_COMPRESSION_NONE) != 0 ||
        Mat_VarWrite(mat.get(), y_var.get(), MAT_COMPRESSION_NONE) != 0) {
      std::remove(temporary.c_str());
      return absl::InternalError(absl::StrCat(temporary, ": cannot write"));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place"));
  }
  return absl::OkStatus();
}

}  // namespace sdbench
