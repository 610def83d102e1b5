// Tables and the regression gate on hand-made result files.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "analysis/regress.h"
#include "analysis/result_set.h"
#include "analysis/tables.h"
#include "gtest/gtest.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"
#include "lib/results/fake_result.h"
#include "lib/results/result_file.h"
#include "lib/testing/test_dir.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

nlohmann::ordered_json Paper() {
  return nlohmann::ordered_json::parse(*ReadFileToString("baselines/paper.json"));
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(BaselinesTest, NumbersMatchThePaperSpec) {
  Json p = Json::parse(Paper().dump());
  const Json& t1 = p["table1"]["rows"];
  EXPECT_EQ(t1["constant"]["cifar10_aug"]["value"], 6.41);
  EXPECT_EQ(t1["stochastic"]["cifar10_aug"]["value"], 5.25);
  EXPECT_EQ(t1["constant"]["cifar100_aug"]["value"], 27.76);
  EXPECT_EQ(t1["constant"]["cifar100_aug"]["source"], "Table 1");
  EXPECT_EQ(t1["constant"]["cifar100_aug"]["inconsistent"][0]["value"], 27.22);
  EXPECT_EQ(t1["constant"]["cifar100_aug"]["inconsistent"][1]["value"], 27.88);
  EXPECT_EQ(t1["stochastic"]["cifar100_aug"]["value"], 24.98);
  EXPECT_EQ(t1["constant"]["svhn"]["value"], 1.80);
  EXPECT_EQ(t1["stochastic"]["svhn"]["value"], 1.75);
  EXPECT_EQ(t1["constant"]["imagenet"]["value"], 21.78);
  EXPECT_EQ(t1["stochastic"]["imagenet"]["value"], 21.98);
  const Json& na = p["no_augmentation"]["rows"];
  EXPECT_EQ(na["constant"]["cifar10"]["value"], 13.63);
  EXPECT_EQ(na["stochastic"]["cifar10"]["value"], 11.66);
  EXPECT_EQ(na["constant"]["cifar100"]["value"], 44.74);
  EXPECT_EQ(na["stochastic"]["cifar100"]["value"], 37.8);
  EXPECT_EQ(p["cifar10_1202"]["constant"]["value"], 6.67);
  EXPECT_EQ(p["cifar10_1202"]["stochastic"]["value"], 4.91);
  EXPECT_EQ(p["cifar10_1202"]["he_et_al_constant"]["value"], 7.93);
  // Table 2: the stored seconds agree with the printed h/m and the ratios.
  const Json& t2 = p["table2"];
  for (const char* key : {"cifar10_aug", "cifar100_aug", "svhn"}) {
    for (const char* arm : {"constant_seconds", "stochastic_seconds"}) {
      const std::string text = t2[arm][key]["text"];
      const int hours = std::stoi(text.substr(0, text.find('h')));
      const int minutes = std::stoi(text.substr(text.find(' ') + 1));
      EXPECT_EQ(t2[arm][key]["value"], hours * 3600 + minutes * 60) << text;
    }
    EXPECT_NEAR(t2["stochastic_seconds"][key]["value"].get<double>() /
                    t2["constant_seconds"][key]["value"].get<double>(),
                t2["ratio"][key]["value"].get<double>(), 0.001)
        << key;
  }
  const Json& he = p["he_et_al_cifar10"]["by_depth"];
  EXPECT_EQ(he["20"]["value"], 8.75);
  EXPECT_EQ(he["32"]["value"], 7.51);
  EXPECT_EQ(he["44"]["value"], 7.17);
  EXPECT_EQ(he["56"]["value"], 6.97);
  EXPECT_EQ(he["110"]["value"], 6.43);
  EXPECT_EQ(he["110"]["mean_of_5"], 6.61);
  EXPECT_EQ(he["1202"]["value"], 7.93);
  for (const auto& [name, section] : p.items()) {
    if (!section.is_object()) continue;
    for (const auto& [k, v] : section.items()) {
      if (v.is_object() && v.contains("value")) {
        EXPECT_TRUE(v.contains("source")) << name << "." << k;
      }
    }
  }
}

TEST(TablesTest, MeasuredCellsBesidePaperValues) {
  ResultSet results;
  for (int seed : {1, 2, 3}) {
    FakeRun run;
    run.seed = seed;
    run.test_errors = {30, 6.0 + seed * 0.1, 8};  // 6.1, 6.2, 6.3 -> 6.20 ± 0.10
    results.Add(MakeFakeResult(run));
  }
  FakeRun stochastic;
  stochastic.arm = "stochastic";
  stochastic.profile = "reduced";
  stochastic.test_errors = {40, 12.5};
  results.Add(MakeFakeResult(stochastic));
  RenderedTables t = RenderTables(Paper(), results);
  EXPECT_TRUE(Contains(t.markdown, "| Constant Depth (sdbench) | 6.20 ± 0.10 (n=3) |"))
      << t.markdown;
  EXPECT_TRUE(Contains(t.markdown, "| difference | -0.21 |"));
  // A reduced run is labelled and never compared as a paper result.
  EXPECT_TRUE(Contains(t.markdown, "12.50 (n=1, reduced)"));
  EXPECT_TRUE(Contains(t.markdown, "+7.25 (reduced: not comparable)"));
  // Missing runs read "missing"; the out-of-scope column "not run".
  EXPECT_TRUE(Contains(t.markdown, "missing"));
  EXPECT_TRUE(Contains(t.markdown, "not run"));
  EXPECT_TRUE(Contains(t.markdown,
                       "27.76 (Table 1; also 27.22 in Section 4 text, 27.88 in Fig. 3 (right))"))
      << t.markdown;
  EXPECT_TRUE(Contains(t.latex, "\\begin{tabular}"));
  EXPECT_TRUE(Contains(t.latex, "6.20 $\\pm$ 0.10 (n=3)"));
  // Table 2 ratio from the two arms' train times (100 s each here).
  EXPECT_TRUE(Contains(t.markdown, "1.000 (reduced)"));
  // Every run listed, with its profile and seed count.
  EXPECT_TRUE(
      Contains(t.markdown, "| cifar10_110 | paper | constant | 3 | 6.20 ± 0.10 | 8.00 ± 0.00 |"))
      << t.markdown;
  EXPECT_TRUE(Contains(t.markdown, "| cifar10_110 | reduced | stochastic | 1 | 12.50 | 12.50 |"));
}

// Data parallel with per-rank BatchNorm statistics is not the paper's
// protocol: such a run is filed apart, with its world size, and never fills
// a paper cell.
TEST(TablesTest, RunsWithAnotherBatchNormBatchAreFiledApart) {
  FakeRun one_process;  // No distributed fields: a file from before them.
  EXPECT_EQ(BatchNormBatch(MakeFakeResult(one_process)), 128);
  EXPECT_EQ(FiledProfile(MakeFakeResult(one_process)), "paper");
  FakeRun two_ranks_old;  // world_size 2, fields not recorded: inferred.
  two_ranks_old.world_size = 2;
  EXPECT_EQ(BatchNormBatch(MakeFakeResult(two_ranks_old)), 64);
  EXPECT_EQ(FiledProfile(MakeFakeResult(two_ranks_old)), "paper, BN over 64 of 128 (2 ranks)");
  FakeRun four_ranks;
  four_ranks.world_size = 4;
  four_ranks.bn_batch = 32;
  four_ranks.test_errors = {30, 9};
  EXPECT_EQ(FiledProfile(MakeFakeResult(four_ranks)), "paper, BN over 32 of 128 (4 ranks)");
  FakeRun synced;  // Statistics over the whole global batch: the paper's.
  synced.world_size = 2;
  synced.bn_batch = 128;
  EXPECT_EQ(FiledProfile(MakeFakeResult(synced)), "paper");
  FakeRun reduced = two_ranks_old;
  reduced.profile = "reduced";
  EXPECT_EQ(FiledProfile(MakeFakeResult(reduced)), "reduced, BN over 64 of 128 (2 ranks)");
  FakeRun smoke = two_ranks_old;
  smoke.profile = "smoke";
  EXPECT_EQ(FiledProfile(MakeFakeResult(smoke)), "smoke");

  ResultSet results;
  results.Add(MakeFakeResult(four_ranks));
  EXPECT_TRUE(results.BestRuns("cifar10_110", "constant").second == nullptr ||
              results.BestRuns("cifar10_110", "constant").second->empty());
  RenderedTables t = RenderTables(Paper(), results);
  EXPECT_FALSE(Contains(t.markdown, "| Constant Depth (sdbench) | 9.00")) << t.markdown;
  EXPECT_TRUE(Contains(t.markdown, "paper, BN over 32 of 128 (4 ranks)")) << t.markdown;
  // Beside a paper run it stays apart.
  results.Add(MakeFakeResult(one_process));
  EXPECT_EQ(results.BestRuns("cifar10_110", "constant").second->size(), 1u);
}

// Student's t at 97.5%: published values at whole df, interpolation between.
TEST(StatisticsTest, StudentTQuantiles) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT975(4), 2.776);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.042);
  EXPECT_NEAR(StudentT975(1e9), 1.960, 1e-6);
  EXPECT_NEAR(StudentT975(60), 2.000, 1e-9);
  // Between whole df: close to the exact values (computed by integrating the
  // t density: 3.5747 at df 2.5, 3.2187 at 2.9412, 2.0141 at 45).
  EXPECT_NEAR(StudentT975(2.5), 3.5747, 0.016);
  EXPECT_NEAR(StudentT975(2.9412), 3.2187, 0.005);
  EXPECT_NEAR(StudentT975(45), 2.0141, 0.001);
  EXPECT_GT(StudentT975(2.5), StudentT975(3));
  EXPECT_LT(StudentT975(2.5), StudentT975(2));
}

// Welch's interval worked by hand: a = {40, 42, 44} (mean 42, sd 2),
// b = {36, 37, 38} (mean 37, sd 1). se^2 = 4/3 + 1/3 = 5/3; df = (5/3)^2 /
// ((4/3)^2 / 2 + (1/3)^2 / 2) = 2.9412; t_{0.975}(2.9412) = 3.2187 (within
// 0.005 here), half-width 3.2187 x 1.2910 = 4.155.
TEST(StatisticsTest, WelchDifferenceByHand) {
  const Difference d = WelchDifference(Summarize({40, 42, 44}), Summarize({36, 37, 38}));
  EXPECT_DOUBLE_EQ(d.value, -5);
  ASSERT_TRUE(d.has_interval);
  EXPECT_NEAR(d.degrees_of_freedom, 2.9412, 1e-4);
  EXPECT_NEAR(d.low, -5 - 4.155, 0.01);
  EXPECT_NEAR(d.high, -5 + 4.155, 0.01);
  // One run on a side, or no spread at all: no interval.
  EXPECT_FALSE(WelchDifference(Summarize({40}), Summarize({36, 37})).has_interval);
  EXPECT_FALSE(WelchDifference(Summarize({40, 40}), Summarize({36, 36})).has_interval);
}

TEST(TablesTest, StochasticMinusConstantWithItsInterval) {
  ResultSet results;
  const std::vector<double> constant = {40, 42, 44}, stochastic = {36, 37, 38};
  for (int i = 0; i < 3; ++i) {
    for (const char* arm : {"constant", "stochastic"}) {
      FakeRun run;
      run.experiment = "cifar10_small_data";
      run.profile = "reduced";
      run.arm = arm;
      run.seed = i + 1;
      run.test_errors = {60, (std::string(arm) == "constant" ? constant : stochastic)[i]};
      results.Add(MakeFakeResult(run));
    }
  }
  RenderedTables t = RenderTables(Paper(), results);
  EXPECT_TRUE(
      Contains(t.markdown,
               "| cifar10_small_data | reduced | constant | stochastic | 42.00 ± 2.00 (n=3) "
               "| 37.00 ± 1.00 (n=3) | -5.00 | [-9.16, -0.84] (df 2.9) |"))
      << t.markdown;
}

// The reference arm the results record: every other arm against it. Linear
// 30, 32 (mean 31); uniform 35, 37 (36): +5.00, and Welch with sd sqrt(2) a
// side, df 2: 5 -+ 4.303 * sqrt(2/2 + 2/2) = [-1.09, +11.09].
TEST(TablesTest, EveryArmAgainstTheReferenceArmTheResultsName) {
  ResultSet results;
  const std::map<std::string, std::vector<double>> errors = {
      {"linear", {30, 32}}, {"uniform", {35, 37}}, {"constant", {40, 41}}};
  for (const auto& [arm, values] : errors) {
    for (int i = 0; i < 2; ++i) {
      FakeRun run;
      run.experiment = "schedules";
      run.profile = "reduced";
      run.arm = arm;
      run.seed = i + 1;
      run.test_errors = {60, values[i]};
      nlohmann::json result = MakeFakeResult(run);
      result["reference_arm"] = "linear";
      results.Add(result);
    }
  }
  EXPECT_EQ(results.ReferenceArm("schedules", "reduced"), "linear");
  RenderedTables t = RenderTables(Paper(), results);
  EXPECT_TRUE(Contains(t.markdown,
                       "| schedules | reduced | linear | uniform | 31.00 ± 1.41 (n=2) | "
                       "36.00 ± 1.41 (n=2) | +5.00 | [-1.09, +11.09] (df 2.0) |"))
      << t.markdown;
  EXPECT_TRUE(Contains(t.markdown,
                       "| schedules | reduced | linear | constant | 31.00 ± 1.41 (n=2) "
                       "| 40.50 ± 0.71 (n=2) | +9.50 |"))
      << t.markdown;
  EXPECT_FALSE(Contains(t.markdown, "| linear | linear |")) << t.markdown;
  // A file from before the field: constant depth is the reference.
  ResultSet old;
  old.Add(MakeFakeResult(FakeRun()));
  EXPECT_EQ(old.ReferenceArm("cifar10_110", "paper"), "constant");
}

TEST(TablesTest, SmokeRunsAreNeverShown) {
  ResultSet results;
  FakeRun smoke;
  smoke.profile = "smoke";
  results.Add(MakeFakeResult(smoke));
  RenderedTables t = RenderTables(Paper(), results);
  EXPECT_FALSE(Contains(t.markdown, "10.00 (n=1"));
}

TEST(ResultSetTest, ResultFilesAreRecognisedByLocation) {
  const std::string dir = TestDir() + "/by_location";
  const std::string runs = dir + "/cifar10_110/paper";
  ASSERT_TRUE(MakeDirectories(runs).ok());
  ASSERT_TRUE(MakeDirectories(dir + "/benchmarks").ok());
  ASSERT_TRUE(WriteResultFile(runs + "/constant_seed1.json", MakeFakeResult(FakeRun())).ok());
  // Other JSON (a speed report, a note beside results) is skipped, not read.
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/benchmarks/train_step_110.json", "{\"depth\": 110}").ok());
  ASSERT_TRUE(WriteFileAtomically(runs + "/notes.json", "[]").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/top.json", "not even JSON").ok());
  absl::StatusOr<LoadedResults> loaded = LoadResults(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->committed.size(), 1u);
  EXPECT_TRUE(loaded->local.empty());  // Not a git checkout: nothing is ignored.
  EXPECT_FALSE(loaded->git_checked);
  EXPECT_EQ(loaded->skipped,
            (std::vector<std::string>{"benchmarks/train_step_110.json",
                                      "cifar10_110/paper/notes.json", "top.json"}));
  EXPECT_TRUE(Contains(SkippedFilesLine(*loaded), "skipped 3 JSON file(s)"));
  EXPECT_TRUE(Contains(SkippedFilesLine(*loaded), "benchmarks/train_step_110.json"));
}

TEST(ResultSetTest, GitIgnoredResultsAreLocal) {
  const std::string dir = TestDir() + "/checkout";
  ASSERT_TRUE(MakeDirectories(dir + "/quickstart/reduced").ok());
  ASSERT_TRUE(MakeDirectories(dir + "/cifar10_110/paper").ok());
  absl::StatusOr<CommandResult> init = RunCommand({"git", "init", "-q", dir});
  ASSERT_TRUE(init.ok() && init->exit_code == 0) << "git is needed for this test";
  ASSERT_TRUE(WriteFileAtomically(dir + "/.gitignore", "/quickstart/\n").ok());
  FakeRun quickstart;
  quickstart.experiment = "quickstart";
  quickstart.profile = "reduced";
  ASSERT_TRUE(
      WriteResultFile(dir + "/quickstart/reduced/constant_seed1.json", MakeFakeResult(quickstart))
          .ok());
  ASSERT_TRUE(
      WriteResultFile(dir + "/cifar10_110/paper/constant_seed1.json", MakeFakeResult(FakeRun()))
          .ok());
  absl::StatusOr<LoadedResults> loaded = LoadResults(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->git_checked);
  ASSERT_EQ(loaded->local.size(), 1u);
  EXPECT_EQ(loaded->local.groups().begin()->first.experiment, "quickstart");
  ASSERT_EQ(loaded->committed.size(), 1u);
  EXPECT_EQ(loaded->committed.groups().begin()->first.experiment, "cifar10_110");
}

TEST(ResultSetTest, ParsesResultLocations) {
  std::optional<ResultLocation> grid =
      ParseResultLocation("cifar10_depth_survival_grid/reduced/depth=20_p_last=0.5_seed12.json");
  ASSERT_TRUE(grid.has_value());
  EXPECT_EQ(grid->experiment, "cifar10_depth_survival_grid");
  EXPECT_EQ(grid->profile, "reduced");
  EXPECT_EQ(grid->arm, "depth=20_p_last=0.5");
  EXPECT_EQ(grid->seed, 12);
  for (const char* not_a_result :
       {"benchmarks/train_step_110.json", "a/b/c/constant_seed1.json", "a/b/constant.json",
        "a/b/constant_seedx.json", "a/b/_seed1.json", "a/b/constant_seed1.txt",
        "a/b/constant_seed.json"}) {
    EXPECT_FALSE(ParseResultLocation(not_a_result).has_value()) << not_a_result;
  }
}

TEST(ResultSetTest, MalformedMisplacedAndMissingInputAreErrors) {
  const std::string dir = TestDir() + "/malformed";
  const std::string runs = dir + "/cifar10_110/paper";
  ASSERT_TRUE(MakeDirectories(runs).ok());
  ASSERT_TRUE(WriteResultFile(runs + "/constant_seed1.json", MakeFakeResult(FakeRun())).ok());
  ASSERT_TRUE(LoadResults(dir).ok());
  Json bad = MakeFakeResult(FakeRun());
  bad["summary"].erase("final_test_error_percent");
  ASSERT_TRUE(WriteResultFile(runs + "/constant_seed2.json", bad).ok());
  auto loaded = LoadResults(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(Contains(std::string(loaded.status().message()), "constant_seed2.json"));
  EXPECT_TRUE(Contains(std::string(loaded.status().message()), "final_test_error_percent"));
  ASSERT_TRUE(WriteFileAtomically(runs + "/constant_seed2.json", "{").ok());
  EXPECT_TRUE(Contains(std::string(LoadResults(dir).status().message()), "not valid JSON"));
  // A valid result under another run's name.
  FakeRun seed3;
  seed3.seed = 3;
  ASSERT_TRUE(WriteResultFile(runs + "/constant_seed2.json", MakeFakeResult(seed3)).ok());
  EXPECT_TRUE(Contains(std::string(LoadResults(dir).status().message()),
                       "says seed 3 but is named for seed 2"));
  FakeRun stochastic;
  stochastic.arm = "stochastic";
  stochastic.seed = 2;
  ASSERT_TRUE(WriteResultFile(runs + "/constant_seed2.json", MakeFakeResult(stochastic)).ok());
  EXPECT_TRUE(Contains(std::string(LoadResults(dir).status().message()), "arm \"stochastic\""));
  EXPECT_EQ(LoadResults(TestDir() + "/absent").status().code(), absl::StatusCode::kNotFound);
}

TEST(TablesTest, LocalRunsHaveTheirOwnSection) {
  EXPECT_EQ(RenderLocalRuns(ResultSet()), "");
  ResultSet local;
  FakeRun quickstart;
  quickstart.experiment = "quickstart";
  quickstart.profile = "reduced";
  local.Add(MakeFakeResult(quickstart));
  const std::string section = RenderLocalRuns(local);
  EXPECT_TRUE(Contains(section, "### Local runs")) << section;
  EXPECT_TRUE(Contains(section, "| quickstart | reduced | constant | 1 |")) << section;
}

// --- The regression gate -------------------------------------------------

Json Reference() {
  return Json::parse(R"({
    "experiment": "ci", "profile": "reduced",
    "checks": [
      {"name": "constant error", "type": "max", "arm": "constant",
       "metric": "summary.test_error_at_best_validation_percent", "max": 40},
      {"name": "stochastic error", "type": "range", "arm": "stochastic",
       "metric": "summary.test_error_at_best_validation_percent", "min": 1, "max": 45},
      {"name": "step time ratio", "type": "ratio_max", "numerator_arm": "stochastic",
       "denominator_arm": "constant", "metric": "summary.median_step_seconds", "max": 0.9},
      {"name": "throughput", "type": "min_fraction", "arm": "constant",
       "metric": "summary.images_per_second", "reference": 500, "fraction": 0.5}
    ]})");
}

ResultSet GoodRuns(double constant_error = 30, double stochastic_error = 32,
                   double stochastic_step = 0.8, double constant_images = 500) {
  ResultSet results;
  FakeRun c;
  c.experiment = "ci";
  c.profile = "reduced";
  c.test_errors = {60, constant_error};
  c.images_per_second = constant_images;
  results.Add(MakeFakeResult(c));
  FakeRun s = c;
  s.arm = "stochastic";
  s.test_errors = {60, stochastic_error};
  s.median_step_seconds = stochastic_step;
  results.Add(MakeFakeResult(s));
  return results;
}

int Failures(const ResultSet& results) {
  auto outcomes = RunChecks(Reference(), results);
  EXPECT_TRUE(outcomes.ok()) << outcomes.status();
  int failed = 0;
  for (const auto& o : *outcomes) failed += !o.passed;
  return failed;
}

TEST(RegressTest, PassesOnGoodInput) {
  EXPECT_EQ(Failures(GoodRuns()), 0);
  auto outcomes = RunChecks(Reference(), GoodRuns());
  const std::string table = FormatOutcomes(*outcomes);
  EXPECT_TRUE(Contains(table, "| step time ratio | 0.8 | <= 0.9 | PASS |")) << table;
}

TEST(RegressTest, FailsOnEachKindOfRegression) {
  EXPECT_EQ(Failures(GoodRuns(/*constant_error=*/55)), 1);                 // Learning broke.
  EXPECT_EQ(Failures(GoodRuns(30, /*stochastic_error=*/90)), 1);           // Stochastic broke.
  EXPECT_EQ(Failures(GoodRuns(30, 32, /*stochastic_step=*/1.0)), 1);       // No time saved.
  EXPECT_EQ(Failures(GoodRuns(30, 32, 0.8, /*constant_images=*/200)), 1);  // Slower.
}

TEST(RegressTest, MissingRunsFail) {
  ResultSet only_constant;
  FakeRun c;
  c.experiment = "ci";
  c.profile = "reduced";
  only_constant.Add(MakeFakeResult(c));
  auto outcomes = RunChecks(Reference(), only_constant);
  ASSERT_TRUE(outcomes.ok());
  int failed = 0;
  for (const auto& o : *outcomes) {
    failed += !o.passed;
    if (o.name == "stochastic error") EXPECT_TRUE(Contains(o.value, "missing"));
  }
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(Failures(ResultSet()), 4);
}

TEST(RegressTest, MalformedReferenceIsAnError) {
  Json reference = Reference();
  reference["checks"][0]["type"] = "maximum";
  EXPECT_FALSE(RunChecks(reference, GoodRuns()).ok());
  reference = Reference();
  reference["checks"][2].erase("max");
  EXPECT_FALSE(RunChecks(reference, GoodRuns()).ok());
  EXPECT_FALSE(RunChecks(Json::object(), GoodRuns()).ok());
}

TEST(RegressTest, TheCommittedCiReferenceIsWellFormed) {
  Json reference = Json::parse(*ReadFileToString("baselines/ci_reference.json"));
  auto outcomes = RunChecks(reference, ResultSet());
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_GE(outcomes->size(), 4u);
  for (const CheckOutcome& o : *outcomes) EXPECT_FALSE(o.passed) << o.name;  // Nothing to check.
  Json report;
  report["provenance"]["machine"]["cpu_model"] = "AMD EPYC";
  auto speed = RunSpeedChecks(reference, report);
  ASSERT_TRUE(speed.ok()) << speed.status();
  EXPECT_GE(speed->outcomes.size(), 2u);
}

// A band is the reference mean +- k sd / sqrt(n): n seeds narrow it.
TEST(RegressTest, BandsFollowTheNoiseModel) {
  Json reference = Json::parse(R"({
    "experiment": "ci", "profile": "reduced",
    "checks": [{"name": "loss", "type": "band", "arm": "constant",
                "metric": "summary.final_test_error_percent", "mean": 30, "sd": 1, "k": 4}]})");
  auto outcome = [&](std::vector<double> errors) {
    ResultSet results;
    for (size_t i = 0; i < errors.size(); ++i) {
      FakeRun run;
      run.experiment = "ci";
      run.profile = "reduced";
      run.seed = static_cast<int>(i) + 1;
      run.test_errors = {60, errors[i]};
      results.Add(MakeFakeResult(run));
    }
    return (*RunChecks(reference, results))[0];
  };
  EXPECT_TRUE(outcome({33.9}).passed);  // Within 30 +- 4.
  EXPECT_FALSE(outcome({34.1}).passed);
  EXPECT_FALSE(outcome({25.9}).passed);        // Both sides.
  EXPECT_FALSE(outcome({33.0, 33.2}).passed);  // n = 2: 30 +- 2.83.
  EXPECT_TRUE(outcome({32.0, 32.6}).passed);
  const CheckOutcome shown = outcome({31});
  EXPECT_TRUE(Contains(shown.value, "(n=1, z=+1.0)")) << shown.value;
  EXPECT_TRUE(Contains(shown.bound, "[26, 34]")) << shown.bound;
  reference["checks"][0]["sd"] = 0;
  EXPECT_FALSE(RunChecks(reference, ResultSet()).ok());
}

Json SpeedReference() {
  return Json::parse(R"({"speed_checks": {"default": [
    {"name": "stochastic saves time", "metric": "ratios.ours_stochastic_over_constant", "max": 0.85},
    {"name": "faster than the peer", "metric": "ratios.ours_over_peer_a_constant", "max": 0.92},
    {"name": "pipeline hidden", "metric": "epoch.overhead", "max": 0.05, "min": -0.05}]}})");
}

Json SpeedReport(double stochastic_ratio, double peer_ratio, double overhead) {
  Json report;
  report["ratios"]["ours_stochastic_over_constant"] = stochastic_ratio;
  report["ratios"]["ours_over_peer_a_constant"] = peer_ratio;
  report["epoch"]["overhead"] = overhead;
  return report;
}

TEST(RegressTest, SpeedChecksPassAndFail) {
  auto good = RunSpeedChecks(SpeedReference(), SpeedReport(0.75, 0.66, 0.001));
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_EQ(good->outcomes.size(), 3u);
  EXPECT_EQ(good->reference_used, "default");
  for (const CheckOutcome& o : good->outcomes) EXPECT_TRUE(o.passed) << o.name;

  // Each regression fails its own check and only that one.
  const Json bad_reports[] = {SpeedReport(0.97, 0.66, 0.001), SpeedReport(0.75, 0.95, 0.001),
                              SpeedReport(0.75, 0.66, 0.08)};
  for (int k = 0; k < 3; ++k) {
    auto outcomes = RunSpeedChecks(SpeedReference(), bad_reports[k]);
    ASSERT_TRUE(outcomes.ok());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(outcomes->outcomes[i].passed, i != k) << k << " " << i;
  }
  Json missing = SpeedReport(0.75, 0.66, 0.001);
  missing.erase("epoch");
  auto outcomes = RunSpeedChecks(SpeedReference(), missing);
  ASSERT_TRUE(outcomes.ok());
  EXPECT_FALSE(outcomes->outcomes[2].passed);
  EXPECT_NE(outcomes->outcomes[2].value.find("missing"), std::string::npos);
}

// Speed references by CPU model, with a band on the upper side only.
TEST(RegressTest, SpeedReferenceIsChosenByCpuModel) {
  Json reference = SpeedReference();
  reference["speed_checks"]["by_cpu_model"]["Model X"] = Json::parse(R"([
    {"name": "faster than the peer", "metric": "ratios.ours_over_peer_a_constant",
     "mean": 0.7, "sd": 0.02, "k": 3, "side": "upper"}])");
  Json report = SpeedReport(0.75, 0.77, 0.001);
  report["provenance"]["machine"]["cpu_model"] = "Model X";
  auto keyed = RunSpeedChecks(reference, report);
  ASSERT_TRUE(keyed.ok()) << keyed.status();
  EXPECT_EQ(keyed->reference_used, "Model X");
  ASSERT_EQ(keyed->outcomes.size(), 1u);
  EXPECT_FALSE(keyed->outcomes[0].passed);              // 0.77 > 0.7 + 3 x 0.02.
  report["ratios"]["ours_over_peer_a_constant"] = 0.5;  // Faster is never a failure.
  EXPECT_TRUE(RunSpeedChecks(reference, report)->outcomes[0].passed);
  report["provenance"]["machine"]["cpu_model"] = "Model Y";  // Unknown: the default list.
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "default");
  // A key is a prefix of the model name; the longest matching one wins.
  reference["speed_checks"]["by_cpu_model"]["Model X 9"] = Json::array();
  report["provenance"]["machine"]["cpu_model"] = "Model X 9654 96-Core";
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "Model X 9");
  report["provenance"]["machine"]["cpu_model"] = "Model X 7763";
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "Model X");
  report["provenance"]["machine"]["cpu_model"] = "Mode";  // A key longer than the name.
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "default");
  // With the ISA in the report, a key may name it: the same model name
  // without AVX-512 gets the default list.
  reference["speed_checks"]["by_cpu_model"]["Model Z AVX-512"] = Json::array();
  report["provenance"]["machine"]["cpu_model"] = "Model Z";
  report["provenance"]["machine"]["cpu_isa"] = "AVX-512";
  auto with_isa = RunSpeedChecks(reference, report);
  EXPECT_EQ(with_isa->reference_used, "Model Z AVX-512");
  EXPECT_EQ(with_isa->cpu, "Model Z AVX-512");
  report["provenance"]["machine"]["cpu_isa"] = "AVX2";
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "default");
  report["provenance"]["machine"]["cpu_model"] =
      "Model X 7763";  // Keys without an ISA still match.
  EXPECT_EQ(RunSpeedChecks(reference, report)->reference_used, "Model X");
}

TEST(RegressTest, MalformedSpeedReferenceIsAnError) {
  const Json report = SpeedReport(0.75, 0.66, 0.001);
  EXPECT_FALSE(RunSpeedChecks(Json::object(), report).ok());
  Json reference = SpeedReference();
  reference["speed_checks"]["default"][0].erase("max");
  EXPECT_FALSE(RunSpeedChecks(reference, report).ok());
  reference = SpeedReference();
  reference["speed_checks"]["default"][1].erase("metric");
  EXPECT_FALSE(RunSpeedChecks(reference, report).ok());
}

}  // namespace
}  // namespace sdbench
