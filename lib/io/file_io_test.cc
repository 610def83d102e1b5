#include "lib/io/file_io.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
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

// A full disk, as a file-size limit (in a child, so the limit stays there):
// the write fails naming the file and the reason, removes its temporary
// file and leaves the old file as it was.
TEST(FileIoTest, AFailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  const std::string path = TestDir() + "/limited.bin";
  ASSERT_TRUE(WriteFileAtomically(path, "old contents").ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit = {4096, 4096};
    setrlimit(RLIMIT_FSIZE, &limit);
    absl::Status status = WriteFileAtomically(path, std::string(100000, 'x'));
    const std::string message(status.message());
    const bool named = message.find(path) != std::string::npos &&
                       message.find("File too large") != std::string::npos;
    _exit(status.ok() ? 1 : named ? 0 : 2);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the write succeeded; 2: the error lacks path or reason";
  EXPECT_EQ(*ReadFileToString(path), "old contents");
  // The child's temporary file (named after its pid) is gone too.
  for (const auto& entry : std::filesystem::directory_iterator(TestDir())) {
    EXPECT_EQ(entry.path().filename().string().find("limited.bin.tmp."), std::string::npos);
  }
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

// Two processors' blocks as /proc/cpuinfo writes them (abridged): the first
// block is the one read; flags decide the ISA.
TEST(FileIoTest, ParseCpuInfoReadsTheFirstProcessor) {
  const std::string zen3 =
      "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
      "model name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: fpu sse2 avx avx2 fma\n\n"
      "processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: other\nflags\t\t: avx512f\n";
  const CpuIdentity cpu = ParseCpuInfo(zen3);
  EXPECT_EQ(cpu.model_name, "AMD EPYC");
  EXPECT_EQ(cpu.Signature(), "AuthenticAMD family 25 model 1 stepping 1");
  EXPECT_EQ(cpu.isa, "AVX2");
  EXPECT_EQ(cpu.NameAndIsa(), "AMD EPYC AVX2");
  EXPECT_EQ(ParseCpuInfo("model name : X\nflags : sse avx512f avx2\n").isa, "AVX-512");
  EXPECT_EQ(ParseCpuInfo("model name : X\nflags : sse avx\n").isa, "AVX");
  EXPECT_EQ(ParseCpuInfo("model name : X\nflags : sse sse2\n").isa, "SSE");
  const CpuIdentity none = ParseCpuInfo("");  // Not Linux, or no /proc.
  EXPECT_EQ(none.model_name, "unknown CPU");
  EXPECT_EQ(none.isa, "unknown");
  EXPECT_EQ(none.Signature(), "unknown");
  EXPECT_EQ(none.NameAndIsa(), "unknown CPU");
  EXPECT_EQ(ReadCpuIdentity().model_name, CpuModelName());
}

}  // namespace
}  // namespace sdbench
