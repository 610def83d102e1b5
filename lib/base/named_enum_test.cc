#include "lib/base/named_enum.h"

#include "gtest/gtest.h"

namespace sdbench {
namespace {

enum class Colour { kRed, kBlue };
constexpr NamedValue<Colour> kColours[] = {{"red", Colour::kRed}, {"blue", Colour::kBlue}};

TEST(NamedEnumTest, RoundTripsEveryName) {
  for (const auto& entry : kColours) {
    auto parsed = ParseNamed("colour", entry.name, kColours);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, entry.value);
    EXPECT_STREQ(NameOf(*parsed, kColours), entry.name);
  }
}

TEST(NamedEnumTest, UnknownNameListsKnownOnes) {
  auto parsed = ParseNamed("colour", "green", kColours);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "unknown colour 'green' (known: 'red', 'blue')");
}

TEST(NamedEnumTest, MatchIsExact) {
  EXPECT_FALSE(ParseNamed("colour", "Red", kColours).ok());
  EXPECT_FALSE(ParseNamed("colour", "", kColours).ok());
}

}  // namespace
}  // namespace sdbench
