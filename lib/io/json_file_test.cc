#include "lib/io/json_file.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

TEST(JsonFileTest, ReadsAndKeepsKeyOrderWhenAsked) {
  const std::string path = TestDir() + "/order.json";
  ASSERT_TRUE(WriteFileAtomically(path, R"({"b": 1, "a": [2, 3]})").ok());
  absl::StatusOr<nlohmann::json> plain = ReadJsonFile(path);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ((*plain)["a"][1], 3);
  absl::StatusOr<nlohmann::ordered_json> ordered = ReadOrderedJsonFile(path);
  ASSERT_TRUE(ordered.ok());
  EXPECT_EQ(ordered->begin().key(), "b");
}

TEST(JsonFileTest, ErrorsNameTheFileAndTheProblem) {
  const std::string path = TestDir() + "/broken.json";
  ASSERT_TRUE(WriteFileAtomically(path, R"({"b": 1,)").ok());
  absl::StatusOr<nlohmann::json> broken = ReadJsonFile(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("broken.json: not valid JSON"), std::string::npos)
      << broken.status();
  absl::StatusOr<nlohmann::json> missing = ReadJsonFile(TestDir() + "/absent.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent.json"), std::string::npos);
}

}  // namespace
}  // namespace sdbench
