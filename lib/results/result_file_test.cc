#include "lib/results/result_file.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/results/fake_result.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

Json ValidResult() { return MakeFakeResult(FakeRun()); }

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
  r["evaluations"][1]["test_error_percent"] = 120.0;  // Not the best one.
  ExpectInvalid(r, "evaluations[1].test_error_percent = 120");

  r = ValidResult();
  r["evaluations"][0].erase("lr");
  ExpectInvalid(r, "missing field evaluations[0].lr");

  r = ValidResult();
  r["summary"]["test_error_at_best_validation_percent"] = 71.0;  // Not 10.
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

  // The reference arm is optional (older files lack it), a name when given.
  r = ValidResult();
  r["reference_arm"] = "uniform";
  EXPECT_TRUE(ValidateResult(r, "r.json").ok());
  r["reference_arm"] = "";
  ExpectInvalid(r, "field reference_arm must be a non-empty string");
  r["reference_arm"] = 3;
  ExpectInvalid(r, "field reference_arm must be a non-empty string");

  // A data-parallel run's batches must add up.
  FakeRun two_ranks;
  two_ranks.world_size = 2;
  two_ranks.bn_batch = 64;
  EXPECT_TRUE(ValidateResult(MakeFakeResult(two_ranks), "r.json").ok());
  r = MakeFakeResult(two_ranks);
  r["provenance"]["distributed"]["per_rank_batch"] = 32;
  ExpectInvalid(r, "per_rank_batch 32 x world_size 2 must be global_batch 128");
  r = MakeFakeResult(two_ranks);
  r["provenance"]["distributed"]["bn_batch"] = 256;
  ExpectInvalid(r, "bn_batch 256 between the two");
  r = MakeFakeResult(two_ranks);
  r["provenance"]["distributed"].erase("global_batch");
  ExpectInvalid(r, "provenance.distributed.global_batch");
}

TEST(ResultFileTest, RoundTripsThroughAFile) {
  const std::string path = TestDir() + "/r.json";
  ASSERT_TRUE(WriteResultFile(path, ValidResult()).ok());
  auto read = ReadResultFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, ValidResult());
  ASSERT_TRUE(WriteFileAtomically(path, "{\"schema_version\": ").ok());
  auto malformed = ReadResultFile(path);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("not valid JSON"), std::string::npos);
  EXPECT_EQ(ReadResultFile(path + ".absent").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sdbench
