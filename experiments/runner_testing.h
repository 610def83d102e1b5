// The runner as a program, for tests that start it: the tiny synthetic
// experiment (testdata/tiny.json: 8 epochs of 4 steps, one arm, seed 1),
// its files under a test's folder, and a run to completion.
#ifndef SDBENCH_EXPERIMENTS_RUNNER_TESTING_H_
#define SDBENCH_EXPERIMENTS_RUNNER_TESTING_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/io/process.h"

namespace sdbench {

inline constexpr char kRunner[] = "experiments/runner";
inline constexpr char kConfig[] = "experiments/testdata/tiny.json";

// The runner with standard output and error in `log`.
inline std::unique_ptr<Subprocess> Spawn(const std::vector<std::string>& args,
                                         const std::string& log) {
  Subprocess::Options options;
  options.output_file = log;
  options.stderr_to_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> child = Subprocess::Start(args, options);
  EXPECT_TRUE(child.ok()) << child.status();
  return child.ok() ? *std::move(child) : nullptr;
}

inline std::vector<std::string> RunArgs(const std::string& dir) {
  return {kRunner, std::string("--config=") + kConfig, "--out_dir=" + dir + "/results",
          "--checkpoint_dir=" + dir + "/checkpoints", "--data_dir=" + dir + "/no_data"};
}

inline std::string ResultPath(const std::string& dir) {
  return dir + "/results/tiny/paper/stochastic_seed1.json";
}
inline std::string CheckpointPath(const std::string& dir) {
  return dir + "/checkpoints/tiny/paper/stochastic_seed1.pt";
}
inline std::string MetricsPath(const std::string& dir) {
  return dir + "/checkpoints/tiny/paper/stochastic_seed1.metrics.jsonl";
}

// Runs the runner on `dir`'s files with `extra` flags; its exit code. The
// log is `dir`.log.
inline int RunToCompletion(const std::string& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = RunArgs(dir);
  args.insert(args.end(), extra.begin(), extra.end());
  std::unique_ptr<Subprocess> runner = Spawn(args, dir + ".log");
  return runner != nullptr ? runner->Wait() : -1;
}

}  // namespace sdbench

#endif  // SDBENCH_EXPERIMENTS_RUNNER_TESTING_H_
