#include "lib/io/file_io.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

TEST(FileIoTest, AtomicWriteRoundTripsAndReplaces) {
  const std::string path = TestDir() + "/round_trip.bin";
  std::string bytes("a\0b\xff", 4);
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  EXPECT_EQ(*ReadFileToString(path), bytes);
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFileToString(path), "second");
  EXPECT_FALSE(FileExists(TemporaryPathFor(path)));
}

TEST(FileIoTest, MissingFileIsNotFoundAndNamesThePath) {
  auto contents = ReadFileToString(TestDir() + "/no_such_file");
  ASSERT_FALSE(contents.ok());
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(contents.status().message().find("no_such_file"), std::string::npos);
}

TEST(FileIoTest, WriteIntoMissingDirectoryFails) {
  absl::Status status = WriteFileAtomically(TestDir() + "/missing_dir/x.json", "{}");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("missing_dir"), std::string::npos);
}

TEST(FileIoTest, Md5OfKnownVectors) {
  // RFC 1321 test suite.
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  const std::string path = TestDir() + "/md5.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "abc").ok());
  EXPECT_EQ(*Md5OfFile(path), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(FileIoTest, MakeDirectoriesCreatesParents) {
  const std::string dir = TestDir() + "/a/b/c";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/f", "x").ok());
  EXPECT_TRUE(FileExists(dir + "/f"));
}

}  // namespace
}  // namespace sdbench
