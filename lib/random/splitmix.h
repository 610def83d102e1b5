// SplitMix64: a strong 64-bit mix, used to derive independent random streams
// (data order, augmentation, initialisation, gates) from one run seed.
#ifndef SDBENCH_LIB_RANDOM_SPLITMIX_H_
#define SDBENCH_LIB_RANDOM_SPLITMIX_H_

#include <cstdint>

namespace sdbench {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace sdbench

#endif  // SDBENCH_LIB_RANDOM_SPLITMIX_H_
