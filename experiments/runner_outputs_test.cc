// What a run leaves besides its result, end to end on the tiny synthetic
// experiment (issue 30):
//  - the metrics file grows by one line per evaluation; after SIGKILLs at
//    several moments and resumes it equals an uninterrupted run's apart from
//    its timing fields;
//  - --evaluate on a run's final checkpoint, and on the weights saved from
//    it, gives the run's final validation and test errors exactly; only the
//    model and data settings must agree; bad files and mismatches are clear
//    errors.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "experiments/runner_testing.h"
#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/random/splitmix.h"
#include "lib/testing/test_dir.h"
#include "lib/training/metrics_log.h"
#include "nlohmann/json.hpp"

namespace sdbench {
namespace {

using Json = nlohmann::json;

// The metrics file's lines without their timing fields.
std::vector<Json> DeterministicMetrics(const std::string& dir) {
  absl::StatusOr<std::vector<Json>> lines = ReadMetricsFile(MetricsPath(dir));
  EXPECT_TRUE(lines.ok()) << lines.status();
  if (!lines.ok()) return {};
  for (Json& line : *lines) {
    for (const char* field : kMetricsTimingFields) {
      EXPECT_TRUE(line.contains(field)) << field;
      line.erase(field);
    }
  }
  return *lines;
}

size_t MetricsLines(const std::string& dir) {
  absl::StatusOr<std::vector<Json>> lines = ReadMetricsFile(MetricsPath(dir));
  return lines.ok() ? lines->size() : 0;
}

// Starts the run (resuming with `resume`), waits until its metrics file has
// `lines` lines, waits `delay_ms` more, and kills it with SIGKILL.
void KillAfter(const std::string& dir, size_t lines, int delay_ms, bool resume) {
  std::vector<std::string> args = RunArgs(dir);
  if (resume) args.push_back("--resume");
  std::unique_ptr<Subprocess> runner = Spawn(args, dir + ".killed.log");
  ASSERT_NE(runner, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (MetricsLines(dir) < lines && !runner->TryWait() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  runner->Signal(SIGKILL);
  EXPECT_EQ(runner->Wait(), 128 + SIGKILL) << "the run ended before it could be killed";
}

TEST(RunnerOutputsTest, MetricsFileSurvivesKillsAndEqualsAnUninterruptedRuns) {
  const std::string whole = TestDir() + "/metrics_whole";
  ASSERT_EQ(RunToCompletion(whole), 0) << *ReadFileToString(whole + ".log");
  const std::vector<Json> expected = DeterministicMetrics(whole);
  ASSERT_EQ(expected.size(), 8u);  // One evaluation an epoch.
  const Json result = Json::parse(*ReadFileToString(ResultPath(whole)));
  for (size_t i = 0; i < expected.size(); ++i) {
    Json evaluation = expected[i];
    evaluation.erase("mean_active_blocks");
    evaluation.erase("expected_active_blocks");
    EXPECT_EQ(evaluation, result["evaluations"][i]) << "line " << i + 1;
    EXPECT_EQ(expected[i]["mean_active_blocks"], result["epochs"][i]["mean_active_blocks"]);
  }

  // Kills right at a line, and a random few milliseconds after one (inside
  // an epoch, or between a line and its checkpoint).
  const std::string killed = TestDir() + "/metrics_killed";
  const uint64_t r = SplitMix64(static_cast<uint64_t>(time(nullptr)));
  KillAfter(killed, 1, 0, false);
  KillAfter(killed, 3, static_cast<int>(r % 40), true);
  KillAfter(killed, 6, static_cast<int>((r >> 8) % 40), true);
  ASSERT_EQ(RunToCompletion(killed, {"--resume"}), 0) << *ReadFileToString(killed + ".log");
  EXPECT_EQ(DeterministicMetrics(killed), expected) << "random delays from " << r;
}

// The final errors of the run in `dir`.
std::pair<double, double> FinalErrors(const std::string& dir) {
  const Json result = Json::parse(*ReadFileToString(ResultPath(dir)));
  const Json& last = result["evaluations"].back();
  return {last["validation_error_percent"], last["test_error_percent"]};
}

std::pair<double, double> EvaluatedErrors(const std::string& json_path) {
  const Json doc = Json::parse(*ReadFileToString(json_path));
  return {doc["validation_error_percent"], doc["test_error_percent"]};
}

void ExpectEvaluationFails(const std::string& dir, const std::vector<std::string>& extra,
                           const std::string& message) {
  const std::string bad = dir + "_bad";
  std::vector<std::string> args = RunArgs(dir);
  args.insert(args.end(), extra.begin(), extra.end());
  std::unique_ptr<Subprocess> runner = Spawn(args, bad + ".log");
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(runner->Wait(), 1);
  const std::string log = *ReadFileToString(bad + ".log");
  EXPECT_NE(log.find(message), std::string::npos) << log;
}

TEST(RunnerOutputsTest, EvaluateGivesTheRunsFinalErrorsFromCheckpointAndWeights) {
  const std::string dir = TestDir() + "/evaluate";
  ASSERT_EQ(RunToCompletion(dir), 0) << *ReadFileToString(dir + ".log");
  const auto [validation, test] = FinalErrors(dir);
  const std::string checkpoint = CheckpointPath(dir);
  const std::string stem = checkpoint.substr(0, checkpoint.size() - 3);

  ASSERT_EQ(RunToCompletion(dir, {"--evaluate=" + checkpoint, "--save_weights"}), 0)
      << *ReadFileToString(dir + ".log");
  EXPECT_EQ(EvaluatedErrors(stem + ".evaluation.json"), std::make_pair(validation, test));
  const Json doc = Json::parse(*ReadFileToString(stem + ".evaluation.json"));
  EXPECT_EQ(doc["evaluated"]["kind"], "checkpoint");
  EXPECT_EQ(doc["evaluated"]["md5"], *Md5OfFile(checkpoint));
  EXPECT_EQ(doc["test_images"], 64);
  EXPECT_TRUE(doc["provenance"].contains("git"));
  // --evaluate names the commit the runner was built from, as training does.
  const Json trained = Json::parse(*ReadFileToString(ResultPath(dir)));
  EXPECT_EQ(doc["provenance"]["git"]["from"], trained["provenance"]["git"]["from"]);
  EXPECT_EQ(doc["provenance"]["git"]["commit"], trained["provenance"]["git"]["commit"]);
  EXPECT_NE(ReadFileToString(dir + ".log")->find("test error"), std::string::npos);

  // The weights saved from it evaluate the same; so does a run whose
  // training settings differ (only model and data settings must agree).
  const std::string weights = stem + ".weights.pt";
  ASSERT_TRUE(FileExists(weights));
  ASSERT_EQ(RunToCompletion(dir, {"--evaluate=" + weights, "--epochs=3",
                                  "--evaluate_out=" + dir + "/weights_eval.json"}),
            0)
      << *ReadFileToString(dir + ".log");
  EXPECT_EQ(EvaluatedErrors(dir + "/weights_eval.json"), std::make_pair(validation, test));

  ExpectEvaluationFails(dir, {"--evaluate=" + checkpoint, "--depth=32"},
                        "made with model.depth = 20, this run has 32");
  ExpectEvaluationFails(dir, {"--evaluate=" + weights, "--set=dataset.train_size=96"},
                        "made with dataset.train_size = 128, this run has 96");
  ExpectEvaluationFails(dir, {"--evaluate=" + weights, "--seeds=2"},
                        "trained with seed 1, this run is seed 2");
  ExpectEvaluationFails(dir, {"--evaluate=" + weights, "--seeds=1,2"},
                        "--evaluate needs one planned run");
  ExpectEvaluationFails(dir, {"--evaluate=" + weights, "--save_weights"}, "is a weights file");
  const std::string bytes = *ReadFileToString(checkpoint);
  const std::string truncated = dir + "/truncated.pt";
  ASSERT_TRUE(WriteFileAtomically(truncated, bytes.substr(0, bytes.size() - 1000)).ok());
  ExpectEvaluationFails(dir, {"--evaluate=" + truncated},
                        truncated + ": neither an sdbench weights file");
  ExpectEvaluationFails(dir, {"--evaluate=" + dir + "/none.pt"}, dir + "/none.pt");
}

}  // namespace
}  // namespace sdbench
