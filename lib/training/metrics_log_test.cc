#include "lib/training/metrics_log.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Json Line(int epoch) { return {{"epoch", epoch}, {"test_error_percent", 50.0 - epoch}}; }

TEST(MetricsLogTest, OpenRewritesTheHistoryThenAppendsFlushedLines) {
  const std::string path = TestDir() + "/run.metrics.jsonl";
  // What an interrupted run left: three lines and a partly written fourth.
  ASSERT_TRUE(WriteFileAtomically(path, Line(1).dump() + "\n" + Line(2).dump() + "\n" +
                                            Line(3).dump() + "\n{\"epoch\": 4, \"te")
                  .ok());
  absl::StatusOr<std::unique_ptr<MetricsLog>> log =
      MetricsLog::Open(path, Json::array({Line(1), Line(2)}));  // The checkpoint's two.
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(*ReadFileToString(path), Line(1).dump() + "\n" + Line(2).dump() + "\n");
  ASSERT_TRUE((*log)->Append(Line(3)).ok());
  // Flushed at once: a reader sees the line while the log is still open.
  absl::StatusOr<std::vector<Json>> read = ReadMetricsFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, (std::vector<Json>{Line(1), Line(2), Line(3)}));
}

TEST(MetricsLogTest, ReaderSkipsALineStillBeingWrittenAndNamesABadOne) {
  const std::string path = TestDir() + "/partial.metrics.jsonl";
  ASSERT_TRUE(WriteFileAtomically(path, Line(1).dump() + "\n{\"epoch\": 2").ok());
  absl::StatusOr<std::vector<Json>> read = ReadMetricsFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, std::vector<Json>{Line(1)});

  ASSERT_TRUE(WriteFileAtomically(path, Line(1).dump() + "\nnot json\n").ok());
  read = ReadMetricsFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(path + ": line 2 is not a JSON object"), std::string::npos)
      << read.status();
  EXPECT_FALSE(ReadMetricsFile(TestDir() + "/missing.jsonl").ok());
}

TEST(MetricsLogTest, AnUnwritableFolderIsAnErrorNamingThePath) {
  const std::string path = TestDir() + "/no/such/folder/run.metrics.jsonl";
  absl::StatusOr<std::unique_ptr<MetricsLog>> log = MetricsLog::Open(path, Json::array());
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find(path), std::string::npos) << log.status();
}

TEST(MetricsLogTest, LivesBesideTheCheckpoint) {
  EXPECT_EQ(MetricsPathFor("ck/exp/reduced/stochastic_seed3.pt"),
            "ck/exp/reduced/stochastic_seed3.metrics.jsonl");
}

}  // namespace
}  // namespace sdbench
