#include <matio.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/cifar.h"
#include "lib/data/svhn.h"
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

TEST(CifarReaderTest, Cifar10RoundTrip) {
  ImageSet images = SyntheticImages(25, 10, 1);
  const std::string path = TestDir() + "/c10.bin";
  ASSERT_TRUE(WriteFileAtomically(path, CifarRecords(images, CifarFormat::kCifar10)).ok());
  auto read = ReadCifarFile(path, CifarFormat::kCifar10);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->pixels, images.pixels);
  EXPECT_EQ(read->labels, images.labels);
  EXPECT_EQ(read->num_classes, 10);
}

TEST(CifarReaderTest, Cifar10RecordLayout) {
  // Label byte, then 1024 R, 1024 G, 1024 B.
  std::string record(kCifar10RecordBytes, '\0');
  record[0] = 7;
  record[1 + 0] = 11;            // R(0, 0)
  record[1 + 1024 + 33] = 22;    // G(1, 1)
  record[1 + 2048 + 1023] = 33;  // B(31, 31)
  auto images = ParseCifarRecords("mem", record, CifarFormat::kCifar10);
  ASSERT_TRUE(images.ok());
  EXPECT_EQ(images->labels[0], 7);
  EXPECT_EQ(images->pixels[0], 11);
  EXPECT_EQ(images->pixels[1024 + 33], 22);
  EXPECT_EQ(images->pixels[3071], 33);
}

TEST(CifarReaderTest, Cifar100FineAndCoarse) {
  ImageSet images = SyntheticImages(30, 100, 2);
  std::vector<uint8_t> coarse(30);
  for (int i = 0; i < 30; ++i) coarse[i] = images.labels[i] / 5;
  const std::string path = TestDir() + "/c100.bin";
  ASSERT_TRUE(WriteFileAtomically(path, CifarRecords(images, CifarFormat::kCifar100, coarse)).ok());
  auto fine = ReadCifarFile(path, CifarFormat::kCifar100);
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->labels, images.labels);
  EXPECT_EQ(fine->pixels, images.pixels);
  EXPECT_EQ(fine->num_classes, 100);
  auto coarse_read = ReadCifarFile(path, CifarFormat::kCifar100, Cifar100Labels::kCoarse);
  ASSERT_TRUE(coarse_read.ok());
  EXPECT_EQ(coarse_read->labels, coarse);
  EXPECT_EQ(coarse_read->num_classes, 20);
}

TEST(CifarReaderTest, SyntheticDirectoriesRead) {
  ASSERT_TRUE(WriteSyntheticCifar10(TestDir() + "/c10dir", 12, 3).ok());
  auto sets = ReadCifar10(TestDir() + "/c10dir");
  ASSERT_TRUE(sets.ok()) << sets.status();
  EXPECT_EQ(sets->train.size(), 60);
  EXPECT_EQ(sets->test.size(), 12);
  ASSERT_TRUE(WriteSyntheticCifar100(TestDir() + "/c100dir", 40, 10, 4).ok());
  auto sets100 = ReadCifar100(TestDir() + "/c100dir", Cifar100Labels::kFine);
  ASSERT_TRUE(sets100.ok()) << sets100.status();
  EXPECT_EQ(sets100->train.size(), 40);
  EXPECT_EQ(sets100->test.size(), 10);
}

TEST(CifarReaderTest, MissingFile) {
  ExpectErrorMentions(ReadCifarFile(TestDir() + "/absent.bin", CifarFormat::kCifar10).status(),
                      {"absent.bin"});
  ExpectErrorMentions(ReadCifar10(TestDir() + "/no_dir").status(), {"data_batch_1.bin"});
}

TEST(CifarReaderTest, EmptyFile) {
  const std::string path = TestDir() + "/empty.bin";
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  ExpectErrorMentions(ReadCifarFile(path, CifarFormat::kCifar10).status(), {"empty.bin", "empty"});
}

TEST(CifarReaderTest, TruncatedFile) {
  ImageSet images = SyntheticImages(3, 10, 1);
  std::string bytes = CifarRecords(images, CifarFormat::kCifar10);
  bytes.pop_back();
  ExpectErrorMentions(ParseCifarRecords("trunc.bin", bytes, CifarFormat::kCifar10).status(),
                      {"trunc.bin", "9218", "3073"});
}

TEST(CifarReaderTest, LabelOutOfRange) {
  ImageSet images = SyntheticImages(4, 10, 1);
  std::string bytes = CifarRecords(images, CifarFormat::kCifar10);
  bytes[2 * kCifar10RecordBytes] = 10;
  ExpectErrorMentions(ParseCifarRecords("bad.bin", bytes, CifarFormat::kCifar10).status(),
                      {"bad.bin", "record 2", "label 10"});
  ImageSet images100 = SyntheticImages(2, 100, 1);
  std::string bytes100 =
      CifarRecords(images100, CifarFormat::kCifar100, std::vector<uint8_t>{1, 25});
  ExpectErrorMentions(ParseCifarRecords("c.bin", bytes100, CifarFormat::kCifar100).status(),
                      {"record 1", "coarse label 25"});
  bytes100 = CifarRecords(images100, CifarFormat::kCifar100, std::vector<uint8_t>{1, 2});
  bytes100[kCifar100RecordBytes + 1] = static_cast<char>(100);
  ExpectErrorMentions(ParseCifarRecords("f.bin", bytes100, CifarFormat::kCifar100).status(),
                      {"record 1", "label 100"});
}

TEST(CifarReaderTest, Cifar100FileGivenAsCifar10) {
  ImageSet images = SyntheticImages(10, 100, 1);
  std::string bytes = CifarRecords(images, CifarFormat::kCifar100, std::vector<uint8_t>(10, 0));
  ExpectErrorMentions(ParseCifarRecords("train.bin", bytes, CifarFormat::kCifar10).status(),
                      {"train.bin", "CIFAR-100 file?"});
  ImageSet images10 = SyntheticImages(10, 10, 1);
  ExpectErrorMentions(
      ParseCifarRecords("data_batch_1.bin", CifarRecords(images10, CifarFormat::kCifar10),
                        CifarFormat::kCifar100)
          .status(),
      {"CIFAR-10 file?"});
}

// --- SVHN ----------------------------------------------------------------

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
