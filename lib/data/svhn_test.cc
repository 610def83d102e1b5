// The SVHN reader (format 2 .mat files, through libmatio) against files
// written in that format, and every kind of bad file. Built only with matio.
#include "lib/data/svhn.h"

#include <matio.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/synthetic.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

void ExpectErrorMentions(const absl::Status& status, const std::vector<std::string>& words) {
  ASSERT_FALSE(status.ok());
  for (const std::string& word : words) {
    EXPECT_NE(status.message().find(word), std::string::npos)
        << "'" << status.message() << "' lacks '" << word << "'";
  }
}

TEST(SvhnReaderTest, RoundTripAndLabelTenIsZero) {
  ImageSet images = SyntheticImages(40, 10, 5);
  images.labels[0] = 0;
  const std::string path = TestDir() + "/svhn.mat";
  ASSERT_TRUE(WriteSvhnMat(path, images).ok());
  auto read = ReadSvhnMat(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->pixels, images.pixels);
  EXPECT_EQ(read->labels, images.labels);

  // The file itself holds MATLAB's layout: X(row, col, channel, image) and
  // y = 10 for the digit 0.
  mat_t* mat = Mat_Open(path.c_str(), MAT_ACC_RDONLY);
  ASSERT_NE(mat, nullptr);
  matvar_t* x = Mat_VarRead(mat, "X");
  matvar_t* y = Mat_VarRead(mat, "y");
  ASSERT_NE(x, nullptr);
  ASSERT_NE(y, nullptr);
  const auto* xd = static_cast<const uint8_t*>(x->data);
  const int row = 3, col = 17, c = 2, n = 9;
  EXPECT_EQ(xd[row + 32 * col + 1024 * c + 3072 * n],
            images.pixels[n * 3072 + c * 1024 + row * 32 + col]);
  EXPECT_EQ(static_cast<const double*>(y->data)[0], 10.0);
  Mat_VarFree(x);
  Mat_VarFree(y);
  Mat_Close(mat);
}

// Writes a .mat with the given variables (data owned by the caller).
void WriteMat(const std::string& path, const std::vector<matvar_t*>& vars) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr);
  for (matvar_t* var : vars) {
    ASSERT_EQ(Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE), 0);
    Mat_VarFree(var);
  }
  Mat_Close(mat);
}

TEST(SvhnReaderTest, BadFiles) {
  const std::string dir = TestDir();
  std::vector<uint8_t> x(32 * 32 * 3 * 2, 0);
  std::vector<double> y = {1, 10};
  size_t x_dims[4] = {32, 32, 3, 2};
  size_t y_dims[2] = {2, 1};
  auto make_x = [&] {
    return Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, x_dims, x.data(), MAT_F_DONT_COPY_DATA);
  };
  auto make_y = [&](double* data, size_t* dims) {
    return Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, data, MAT_F_DONT_COPY_DATA);
  };

  WriteMat(dir + "/no_x.mat", {make_y(y.data(), y_dims)});
  ExpectErrorMentions(ReadSvhnMat(dir + "/no_x.mat").status(), {"no_x.mat", "'X'"});
  WriteMat(dir + "/no_y.mat", {make_x()});
  ExpectErrorMentions(ReadSvhnMat(dir + "/no_y.mat").status(), {"no_y.mat", "'y'"});

  size_t gray_dims[4] = {32, 32, 1, 6};
  WriteMat(dir + "/gray.mat", {Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, gray_dims, x.data(),
                                             MAT_F_DONT_COPY_DATA),
                               make_y(y.data(), y_dims)});
  ExpectErrorMentions(ReadSvhnMat(dir + "/gray.mat").status(),
                      {"gray.mat", "32x32x1x6", "expected 32x32x3xN"});

  std::vector<double> x_double(32 * 32 * 3 * 2, 0.0);
  WriteMat(dir + "/double.mat", {Mat_VarCreate("X", MAT_C_DOUBLE, MAT_T_DOUBLE, 4, x_dims,
                                               x_double.data(), MAT_F_DONT_COPY_DATA),
                                 make_y(y.data(), y_dims)});
  ExpectErrorMentions(ReadSvhnMat(dir + "/double.mat").status(), {"double.mat", "uint8"});

  std::vector<double> y3 = {1, 2, 3};
  size_t y3_dims[2] = {3, 1};
  WriteMat(dir + "/y_len.mat", {make_x(), make_y(y3.data(), y3_dims)});
  ExpectErrorMentions(ReadSvhnMat(dir + "/y_len.mat").status(),
                      {"y_len.mat", "3x1", "expected 2x1"});

  std::vector<double> y_bad = {1, 11};
  WriteMat(dir + "/y_bad.mat", {make_x(), make_y(y_bad.data(), y_dims)});
  ExpectErrorMentions(ReadSvhnMat(dir + "/y_bad.mat").status(),
                      {"y_bad.mat", "label 1 is 11", "1..10"});

  ASSERT_TRUE(WriteFileAtomically(dir + "/garbage.mat", "not a mat file").ok());
  ExpectErrorMentions(ReadSvhnMat(dir + "/garbage.mat").status(), {"garbage.mat"});
  ExpectErrorMentions(ReadSvhnMat(dir + "/absent.mat").status(), {"absent.mat", "no such file"});
}

TEST(SvhnReaderTest, SyntheticDirectory) {
  ASSERT_TRUE(WriteSyntheticSvhn(TestDir() + "/svhn", 30, 20, 10, 6).ok());
  for (const char* name : {"train_32x32.mat", "extra_32x32.mat", "test_32x32.mat"}) {
    auto read = ReadSvhnMat(TestDir() + "/svhn/" + name);
    ASSERT_TRUE(read.ok()) << read.status();
  }
  EXPECT_EQ(ReadSvhnMat(TestDir() + "/svhn/extra_32x32.mat")->size(), 20);
}

}  // namespace
}  // namespace sdbench
