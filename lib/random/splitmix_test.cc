#include "lib/random/splitmix.h"

#include <set>

#include "gtest/gtest.h"

namespace sdbench {
namespace {

// The published output of the SplitMix64 generator seeded with 0: the
// generator adds the golden-ratio increment to its state and returns the
// mix, so output k is SplitMix64(k * 0x9e3779b97f4a7c15).
TEST(SplitMix64Test, MatchesThePublishedSequence) {
  const uint64_t gamma = 0x9e3779b97f4a7c15ULL;
  EXPECT_EQ(SplitMix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(gamma), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(SplitMix64(2 * gamma), 0x06c45d188009454fULL);
  EXPECT_EQ(SplitMix64(3 * gamma), 0xf88bb8a8724c81ecULL);
}

TEST(SplitMix64Test, NearbyInputsGiveUnrelatedOutputs) {
  std::set<uint64_t> outputs;
  int total_flipped = 0;
  for (uint64_t x = 0; x < 1000; ++x) {
    outputs.insert(SplitMix64(x));
    total_flipped += __builtin_popcountll(SplitMix64(x) ^ SplitMix64(x + 1));
  }
  EXPECT_EQ(outputs.size(), 1000u);
  // About half of the 64 bits change between neighbours.
  EXPECT_NEAR(total_flipped / 1000.0, 32.0, 1.0);
}

}  // namespace
}  // namespace sdbench
