#include "lib/results/result_file.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Json ValidResult() {
  Json evaluation = {{"epoch", 1},          {"iteration", 10},
                     {"lr", 0.1},           {"train_loss", 2.0},
                     {"train_error_percent", 80.0},
                     {"validation_error_percent", 70.0},
                     {"test_error_percent", 71.0}};
  Json second = evaluation;
  second["epoch"] = 2;
  second["iteration"] = 20;
  second["validation_error_percent"] = 60.0;
  second["test_error_percent"] = 62.5;
  Json epoch = {{"epoch", 1},
                {"lr", 0.1},
                {"steps", 10},
                {"train_seconds", 3.0},
                {"eval_seconds", 1.0},
                {"images_per_second", 400.0},
                {"median_step_seconds", 0.3},
                {"mean_active_blocks", 7.0},
                {"first_conv_mean_abs_grad", 1e-4}};
  return {{"schema_version", 1},
          {"experiment", "demo"},
          {"arm", "stochastic"},
          {"profile", "reduced"},
          {"seed", 1},
          {"status", "complete"},
          {"config", {{"model", {{"depth", 20}}}}},
          {"seeds", {{"run", 1}, {"data_split", 1}, {"data_order", 2}, {"init", 3}, {"gates", 4}}},
          {"evaluations", {evaluation, second}},
          {"epochs", {epoch, epoch}},
          {"summary",
           {{"best_validation_index", 1},
            {"best_validation_epoch", 2},
            {"test_error_at_best_validation_percent", 62.5},
            {"final_test_error_percent", 62.5},
            {"total_train_seconds", 6.0},
            {"total_eval_seconds", 2.0},
            {"mean_step_seconds", 0.3},
            {"median_step_seconds", 0.3},
            {"images_per_second", 400.0},
            {"expected_active_blocks", 6.5},
            {"observed_active_blocks", 7.0},
            {"selection", "test error at the lowest validation error"}}},
          {"provenance",
           {{"git", {{"commit", "abc"}, {"dirty", false}}},
            {"machine", {{"host", "h"}, {"cpu_model", "c"}, {"libtorch_version", "1.13.0"}}},
            {"device", "cpu"},
            {"device_model", "c"},
            {"threads", 2},
            {"world_size", 1},
            {"start_time", "2026-11-26T00:00:00Z"},
            {"end_time", "2026-11-26T00:01:00Z"},
            {"dataset",
             {{"name", "cifar10"},
              {"files_md5", {{"data_batch_1.bin", "5dd7"}}},
              {"train_images", 45000},
              {"validation_images", 5000},
              {"test_images", 10000}}},
            {"command_line", {"runner"}}}}};
}

void ExpectInvalid(const Json& result, const std::string& fragment) {
  absl::Status status = ValidateResult(result, "r.json");
  ASSERT_FALSE(status.ok()) << "expected '" << fragment << "'";
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("r.json"), std::string::npos);
}

TEST(ResultFileTest, ValidResultPasses) {
  absl::Status status = ValidateResult(ValidResult(), "r.json");
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ResultFileTest, EachKindOfDefectIsNamed) {
  Json r = ValidResult();
  r.erase("provenance");
  ExpectInvalid(r, "missing field provenance");

  r = ValidResult();
  r["seed"] = "1";
  ExpectInvalid(r, "field seed has the wrong type");

  r = ValidResult();
  r["schema_version"] = 2;
  ExpectInvalid(r, "schema_version 2");

  r = ValidResult();
  r["profile"] = "fast";
  ExpectInvalid(r, "profile 'fast'");

  r = ValidResult();
  r["status"] = "running";
  ExpectInvalid(r, "status");

  r = ValidResult();
  r["evaluations"][1]["test_error_percent"] = 120.0;
  ExpectInvalid(r, "evaluations[1].test_error_percent = 120");

  r = ValidResult();
  r["evaluations"][0].erase("lr");
  ExpectInvalid(r, "missing field evaluations[0].lr");

  r = ValidResult();
  r["summary"]["test_error_at_best_validation_percent"] = 71.0;
  ExpectInvalid(r, "does not match");

  r = ValidResult();
  r["summary"]["best_validation_index"] = 5;
  ExpectInvalid(r, "out of range");

  r = ValidResult();
  r["provenance"]["git"].erase("commit");
  ExpectInvalid(r, "provenance.git.commit");

  r = ValidResult();
  r["provenance"]["dataset"].erase("files_md5");
  ExpectInvalid(r, "provenance.dataset.files_md5");

  r = ValidResult();
  r["epochs"] = Json::array();
  ExpectInvalid(r, "no evaluations or epochs");
}

TEST(ResultFileTest, RoundTripsThroughAFile) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/r.json";
  ASSERT_TRUE(WriteResultFile(path, ValidResult()).ok());
  auto read = ReadResultFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, ValidResult());
  ASSERT_TRUE(WriteFileAtomically(path, "{\"schema_version\": ").ok());
  auto malformed = ReadResultFile(path);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("not valid JSON"), std::string::npos);
  EXPECT_EQ(ReadResultFile(path + ".absent").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ResultFileTest, ProvenanceHelpers) {
  EXPECT_EQ(NowIso8601().size(), 20u);
  Json machine = MachineProvenance();
  EXPECT_EQ(machine["libtorch_version"].get<std::string>().substr(0, 4), "1.13");
  EXPECT_TRUE(GitProvenance().contains("commit"));
}

}  // namespace
}  // namespace sdbench
