// The test's own scratch directory: Bazel's TEST_TMPDIR, else /tmp.
#ifndef SDBENCH_LIB_TESTING_TEST_DIR_H_
#define SDBENCH_LIB_TESTING_TEST_DIR_H_

#include <cstdlib>
#include <string>

namespace sdbench {

inline std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

}  // namespace sdbench

#endif  // SDBENCH_LIB_TESTING_TEST_DIR_H_
