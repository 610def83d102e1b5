#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/data/cifar.h"
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

}  // namespace
}  // namespace sdbench
