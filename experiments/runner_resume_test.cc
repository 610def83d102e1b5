// The runner end to end on a tiny synthetic experiment:
//  - two uninterrupted runs with one seed give identical metrics and weights;
//  - a run killed with SIGKILL after its first checkpoint and resumed with
//    --resume ends with exactly the metrics and weights of an uninterrupted
//    run;
//  - a run stopped with SIGTERM at a random step (one process, and two with
//    --nproc=2) exits 75 with a checkpoint at that step, and --resume ends
//    it exactly as an uninterrupted run;
//  - a checkpoint that cannot be written (a file-size limit) fails the run
//    with the path and the reason, leaves no temporary file, and the
//    previous checkpoint still resumes;
//  - bad flags and configs fail with a clear message before any work;
//  - --print_config shows each run's configuration and what --resume would
//    do, and trains nothing.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "experiments/runner_testing.h"
#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/model/resnet.h"
#include "lib/random/splitmix.h"
#include "lib/testing/test_dir.h"
#include "lib/training/run_settings.h"
#include "nlohmann/json.hpp"

namespace sdbench {
namespace {

using Json = nlohmann::json;

// What must not depend on interruptions or on the run: every metric but
// wall-clock times.
Json Deterministic(const std::string& dir) {
  Json r = Json::parse(*ReadFileToString(ResultPath(dir)));
  Json out = {{"evaluations", r["evaluations"]}, {"seeds", r["seeds"]}};
  for (const Json& e : r["epochs"]) {
    out["epochs"].push_back({{"lr", e["lr"]},
                             {"steps", e["steps"]},
                             {"mean_active_blocks", e["mean_active_blocks"]},
                             {"first_conv_mean_abs_grad", e["first_conv_mean_abs_grad"]},
                             {"conv_weight_norm", e["conv_weight_norm"]}});
  }
  out["best"] = r["summary"]["best_validation_index"];
  return out;
}

std::vector<torch::Tensor> FinalWeights(const std::string& dir) {
  ResNetOptions options = PaperSettings().model;
  options.depth = 20;
  ResNet model(options);
  torch::serialize::InputArchive archive, model_archive;
  archive.load_from(CheckpointPath(dir));
  archive.read("model", model_archive);
  model->load(model_archive);
  std::vector<torch::Tensor> tensors = model->parameters();
  for (const auto& b : model->buffers()) tensors.push_back(b);
  return tensors;
}

void ExpectSameWeights(const std::string& a, const std::string& b) {
  std::vector<torch::Tensor> wa = FinalWeights(a), wb = FinalWeights(b);
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_TRUE(torch::equal(wa[i], wb[i])) << "tensor " << i;
  }
}

TEST(RunnerTest, SameSeedGivesIdenticalRuns) {
  const std::string a = TestDir() + "/a", b = TestDir() + "/b";
  ASSERT_EQ(RunToCompletion(a), 0) << *ReadFileToString(a + ".log");
  ASSERT_EQ(RunToCompletion(b), 0) << *ReadFileToString(b + ".log");
  EXPECT_EQ(Deterministic(a), Deterministic(b));
  ExpectSameWeights(a, b);
  EXPECT_EQ(Deterministic(a)["evaluations"].size(), 8u);
}

// Runs to completion in `whole`; in `killed`, kills the run with SIGKILL as
// soon as its first checkpoint exists, resumes it, and compares.
void ExpectResumeEqualsUninterrupted(const std::string& name,
                                     const std::vector<std::string>& extra) {
  const std::string whole = TestDir() + "/" + name + "_whole";
  const std::string killed = TestDir() + "/" + name + "_killed";
  ASSERT_EQ(RunToCompletion(whole, extra), 0) << *ReadFileToString(whole + ".log");

  std::vector<std::string> args = RunArgs(killed);
  args.insert(args.end(), extra.begin(), extra.end());
  std::unique_ptr<Subprocess> runner = Spawn(args, killed + ".first.log");
  ASSERT_NE(runner, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!FileExists(CheckpointPath(killed)) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(FileExists(CheckpointPath(killed))) << "no checkpoint appeared";
  runner->Signal(SIGKILL);
  EXPECT_EQ(runner->Wait(), 128 + SIGKILL);
  ASSERT_FALSE(FileExists(ResultPath(killed))) << "the run finished before it could be killed";

  std::vector<std::string> resume = extra;
  resume.push_back("--resume");
  ASSERT_EQ(RunToCompletion(killed, resume), 0) << *ReadFileToString(killed + ".log");
  Json resumed = Json::parse(*ReadFileToString(ResultPath(killed)));
  EXPECT_TRUE(resumed["provenance"]["resumed"].get<bool>());
  EXPECT_EQ(Deterministic(killed), Deterministic(whole));
  ExpectSameWeights(killed, whole);
}

TEST(RunnerTest, KilledAndResumedEqualsUninterrupted) {
  ExpectResumeEqualsUninterrupted("per_epoch", {});
}

// Evaluations every 3 steps with 4 steps an epoch: the training-loss window
// spans epoch boundaries (and so checkpoints), and the run ends mid-window.
TEST(RunnerTest, ResumeWithEvaluationsEveryKIterations) {
  ExpectResumeEqualsUninterrupted("every_3", {"--set=schedule.eval_every_iterations=3"});
  Json r = Json::parse(*ReadFileToString(ResultPath(TestDir() + "/every_3_whole")));
  ASSERT_EQ(r["evaluations"].size(), 11u);  // Iterations 3, 6, ..., 30, then 32.
  EXPECT_EQ(r["evaluations"][9]["iteration"], 30);
  EXPECT_EQ(r["evaluations"][10]["iteration"], 32);
  EXPECT_DOUBLE_EQ(r["evaluations"][0]["epoch"].get<double>(), 0.75);
  // The final partial window is recorded, but is no candidate for the best
  // validation point (the original evaluated every K iterations only).
  EXPECT_TRUE(r["evaluations"][10].value("partial_window", false));
  EXPECT_FALSE(r["evaluations"][9].value("partial_window", false));
  EXPECT_LT(r["summary"]["best_validation_index"].get<int>(), 10);
}

TEST(RunnerTest, FinishedRunIsNotRepeatedUnlessForced) {
  const std::string dir = TestDir() + "/again";
  ASSERT_EQ(RunToCompletion(dir), 0);
  const std::string first = *ReadFileToString(ResultPath(dir));
  ASSERT_EQ(RunToCompletion(dir), 0);
  EXPECT_EQ(*ReadFileToString(ResultPath(dir)), first);
  EXPECT_NE(ReadFileToString(dir + ".log")->find("already complete"), std::string::npos);
  ASSERT_EQ(RunToCompletion(dir, {"--force", "--epochs=2"}), 0);
  Json forced = Json::parse(*ReadFileToString(ResultPath(dir)));
  EXPECT_EQ(forced["evaluations"].size(), 2u);
}

// The number of step lines in a log (with --log_every_s=0: one a step).
int StepLines(const std::string& log) {
  absl::StatusOr<std::string> text = ReadFileToString(log);
  if (!text.ok()) return 0;
  int lines = 0;
  for (size_t at = text->find(" step "); at != std::string::npos;
       at = text->find(" step ", at + 1)) {
    ++lines;
  }
  return lines;
}

// Starts a run, sends SIGTERM to it once its log shows `steps` steps, and
// expects the stop: exit 75, a checkpoint, no result, the resume hint.
void StopAfterSteps(const std::string& dir, std::vector<std::string> extra, int steps,
                    Subprocess::Options options = {}) {
  std::vector<std::string> args = RunArgs(dir);
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("--log_every_s=0");
  options.output_file = dir + ".stop.log";
  options.stderr_to_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> runner = Subprocess::Start(args, options);
  ASSERT_TRUE(runner.ok()) << runner.status();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (StepLines(options.output_file) < steps && !(*runner)->TryWait() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  (*runner)->Signal(SIGTERM);
  const std::string log = *ReadFileToString(options.output_file);
  ASSERT_EQ((*runner)->Wait(), 75) << log;
  const std::string stopped = *ReadFileToString(options.output_file);
  EXPECT_NE(stopped.find("stopped by SIGTERM at epoch"), std::string::npos) << stopped;
  EXPECT_NE(stopped.find("run the same command with --resume"), std::string::npos) << stopped;
  EXPECT_TRUE(FileExists(CheckpointPath(dir)));
  EXPECT_FALSE(FileExists(ResultPath(dir))) << "the run finished before the stop";
}

// A random step of the 32 (8 epochs of 4), not the last few.
int RandomStep(int seed) { return 2 + static_cast<int>(SplitMix64(seed + time(nullptr)) % 24); }

TEST(RunnerTest, StoppedWithSigtermAtARandomStepResumesExactly) {
  const std::string whole = TestDir() + "/term_whole", stopped = TestDir() + "/term_stopped";
  ASSERT_EQ(RunToCompletion(whole), 0) << *ReadFileToString(whole + ".log");
  const int step = RandomStep(1);
  StopAfterSteps(stopped, {}, step);
  ASSERT_EQ(RunToCompletion(stopped, {"--resume"}), 0) << *ReadFileToString(stopped + ".log");
  EXPECT_NE(ReadFileToString(stopped + ".log")->find("resuming from"), std::string::npos);
  EXPECT_EQ(Deterministic(stopped), Deterministic(whole)) << "stopped after step " << step;
  ExpectSameWeights(stopped, whole);
}

TEST(RunnerTest, TwoRanksStopTogetherAndResumeExactly) {
  const std::vector<std::string> two = {"--nproc=2", "--stop_check_every=3"};
  const std::string whole = TestDir() + "/nproc_whole", stopped = TestDir() + "/nproc_stopped";
  ASSERT_EQ(RunToCompletion(whole, two), 0) << *ReadFileToString(whole + ".log");
  StopAfterSteps(stopped, two, RandomStep(2) % 20 + 2);
  std::vector<std::string> resume = two;
  resume.push_back("--resume");
  ASSERT_EQ(RunToCompletion(stopped, resume), 0) << *ReadFileToString(stopped + ".log");
  EXPECT_EQ(Deterministic(stopped), Deterministic(whole));
  ExpectSameWeights(stopped, whole);
}

// A full disk, as a file-size limit: the checkpoint write fails cleanly.
TEST(RunnerTest, AnUnwritableCheckpointFailsClearlyAndKeepsThePreviousOne) {
  const std::string whole = TestDir() + "/disk_whole", dir = TestDir() + "/disk";
  ASSERT_EQ(RunToCompletion(whole), 0) << *ReadFileToString(whole + ".log");
  StopAfterSteps(dir, {}, 3);  // A checkpoint mid-epoch 1.
  const std::string before = *ReadFileToString(CheckpointPath(dir));
  std::vector<std::string> args = RunArgs(dir);
  args.push_back("--resume");
  Subprocess::Options limited;
  limited.output_file = dir + ".limited.log";
  limited.stderr_to_stdout = true;
  limited.file_size_limit = 100 << 10;  // The checkpoint is ~2 MB.
  absl::StatusOr<std::unique_ptr<Subprocess>> runner = Subprocess::Start(args, limited);
  ASSERT_TRUE(runner.ok());
  EXPECT_EQ((*runner)->Wait(), 1);  // An error, not a signal or a core dump.
  const std::string log = *ReadFileToString(limited.output_file);
  EXPECT_NE(log.find(CheckpointPath(dir)), std::string::npos) << log;
  EXPECT_NE(log.find("File too large"), std::string::npos) << log;
  EXPECT_FALSE(FileExists(TemporaryPathFor(CheckpointPath(dir))));
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(CheckpointPath(dir)).parent_path())) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
  EXPECT_EQ(*ReadFileToString(CheckpointPath(dir)), before);
  // The previous checkpoint resumes, and the run ends as an uninterrupted one.
  ASSERT_EQ(RunToCompletion(dir, {"--resume"}), 0) << *ReadFileToString(dir + ".log");
  EXPECT_EQ(Deterministic(dir), Deterministic(whole));
}

void ExpectFailure(const std::vector<std::string>& extra, const std::string& message) {
  const std::string dir = TestDir() + "/bad";
  ASSERT_NE(RunToCompletion(dir, extra), 0);
  const std::string log = *ReadFileToString(dir + ".log");
  EXPECT_NE(log.find(message), std::string::npos) << log;
  EXPECT_FALSE(FileExists(ResultPath(dir)));
}

TEST(RunnerTest, BadInputFailsClearlyBeforeAnyWork) {
  ExpectFailure({"--no_such_flag=1"}, "no_such_flag");
  ExpectFailure({"--epochs=ten"}, "'schedule.epochs' must be an integer");
  ExpectFailure({"--set=schedule.milestone_rounding=floor"},
                "unknown schedule.milestone_rounding 'floor' (known: ceil, round)");
  ExpectFailure({"--set=schedule.final_partial_window=best"},
                "unknown schedule.final_partial_window 'best'");
  // Every --set counts, not only the last.
  ExpectFailure({"--set=schedule.milestone_rounding=floor", "--set=schedule.epochs=2"},
                "unknown schedule.milestone_rounding 'floor'");
  ExpectFailure({"--set", "model.widht=3", "--set=schedule.epochs=2"},
                "unknown config key 'model.widht'");
  ExpectFailure({"--set=model.gate_mode=row", "--nproc=2"},
                "model.gate_mode=row needs one process");
  ExpectFailure({"--depth=21"}, "model.depth = 21 is out of range");
  ExpectFailure({"--p_last=0"}, "model.p_last");
  ExpectFailure({"--schedule=exponential"}, "unknown model.schedule 'exponential'");
  ExpectFailure({"--set=model.shortcut=conv1x1"}, "unknown model.shortcut 'conv1x1'");
  ExpectFailure({"--batch_size=31", "--nproc=2"},
                "schedule.batch_size 31 is not divisible by the 2 processes");
  ExpectFailure({"--set=model.widht=3"}, "unknown config key 'model.widht'");
  ExpectFailure({"--profile=fast"}, "unknown profile 'fast'");
  ExpectFailure({"--arms=bogus"}, "unknown arm 'bogus'");
  ExpectFailure({"--arm_index=3"}, "--arm_index=3");
  // No machine has a 100th GPU: an error whether CUDA exists or not.
  ExpectFailure({"--device=cuda:99"}, "cuda:99");
  ExpectFailure({"--seeds=1,x"}, "--seeds");
}

// --print_config's JSON (stdout; the runner prints nothing else).
Json PrintedPlan(const std::string& dir, std::vector<std::string> extra) {
  extra.push_back("--print_config");
  EXPECT_EQ(RunToCompletion(dir, extra), 0) << *ReadFileToString(dir + ".log");
  return Json::parse(*ReadFileToString(dir + ".log"));
}

TEST(RunnerTest, PrintConfigShowsEachRunAndWhatResumeWouldDoAndTrainsNothing) {
  const std::string dir = TestDir() + "/plan";
  const Json plan = PrintedPlan(dir, {"--epochs=3", "--set=model.p_last=0.3"});
  ASSERT_EQ(plan["runs"].size(), 1u);
  const Json& run = plan["runs"][0];
  EXPECT_EQ(run["arm"], "stochastic");
  EXPECT_EQ(run["seed"], 1);
  EXPECT_EQ(run["config"]["schedule"]["epochs"], 3);        // A flag.
  EXPECT_EQ(run["config"]["model"]["p_last"], 0.3);         // --set.
  EXPECT_EQ(run["config"]["schedule"]["batch_size"], 32);   // The experiment file.
  EXPECT_EQ(run["config"]["optimizer"]["momentum"], 0.9);   // The paper's default.
  EXPECT_EQ(run["config"]["model"]["schedule"], "linear");  // The arm.
  EXPECT_EQ(run["device"], "cpu");
  EXPECT_EQ(run["result"]["path"], ResultPath(dir));
  EXPECT_EQ(run["result"]["state"], "absent");
  EXPECT_EQ(run["checkpoint"]["path"], CheckpointPath(dir));
  EXPECT_EQ(run["checkpoint"]["state"], "absent: the run starts from scratch");
  EXPECT_FALSE(FileExists(ResultPath(dir)));
  EXPECT_FALSE(FileExists(CheckpointPath(dir)));

  // A run stopped mid-epoch: --resume continues it, also with other threads
  // (speed only), and refuses another p_L, naming it; so does the runner.
  StopAfterSteps(dir, {}, 3);
  const Json same = PrintedPlan(dir, {"--resume", "--threads=2"})["runs"][0]["checkpoint"];
  EXPECT_EQ(same["epochs_done"], 0);
  EXPECT_NE(same["state"].get<std::string>().find("--resume continues it after iteration"),
            std::string::npos)
      << same;
  const Json other = PrintedPlan(dir, {"--resume", "--p_last=0.3"})["runs"][0]["checkpoint"];
  EXPECT_NE(other["state"].get<std::string>().find(
                "--resume refuses it: the checkpoint was made with settings that change "
                "training: model.p_last: checkpoint 0.5, this run 0.3"),
            std::string::npos)
      << other;
  ASSERT_NE(RunToCompletion(dir, {"--resume", "--p_last=0.3"}), 0);
  EXPECT_NE(ReadFileToString(dir + ".log")->find("model.p_last: checkpoint 0.5, this run 0.3"),
            std::string::npos);
  ASSERT_EQ(RunToCompletion(dir, {"--resume", "--threads=2"}), 0)
      << *ReadFileToString(dir + ".log");
  EXPECT_TRUE(Json::parse(*ReadFileToString(ResultPath(dir)))["provenance"]["resumed"].get<bool>());
}

TEST(RunnerTest, ListsArms) {
  const std::string dir = TestDir() + "/list";
  ASSERT_EQ(RunToCompletion(dir, {"--list_arms"}), 0);
  EXPECT_EQ(*ReadFileToString(dir + ".log"), "0\tstochastic\n");
}

}  // namespace
}  // namespace sdbench
