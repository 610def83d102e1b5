#include "analysis/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/config/config_keys.h"
#include "lib/io/file_io.h"
#include "lib/model/survival.h"
#include "lib/training/metrics_log.h"
#include "lib/training/schedule.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// The first run (lowest seed) of the most faithful profile, or null.
const Json* FirstRun(const ResultSet& results, const std::string& experiment,
                     const std::string& arm) {
  auto [profile, runs] = results.BestRuns(experiment, arm);
  if (runs == nullptr || runs->empty()) return nullptr;
  const Json* first = &runs->front();
  for (const Json& run : *runs) {
    if (run["seed"].get<int>() < (*first)["seed"].get<int>()) first = &run;
  }
  return first;
}

std::string RunLabel(const Json& run) {
  return absl::StrCat(run["arm"].get<std::string>(), " (", run["profile"].get<std::string>(),
                      ", seed ", run["seed"].get<int>(), ")");
}

std::string MissingText(const std::string& experiment, const std::string& arm) {
  return absl::StrCat("no results for ", experiment, "/", arm,
                      ": bazel run //experiments:", experiment);
}

const char* ArmColor(const std::string& arm) { return arm == "constant" ? "#1f77b4" : "#d62728"; }

// Test error per evaluation, optional training loss (right axis) and the
// best-validation point, for both arms of an experiment.
LineFigure TrainingCurves(const std::string& name, const std::string& title,
                          const std::string& experiment, bool with_loss, const ResultSet& results,
                          const std::vector<std::pair<std::string, double>>& paper_finals) {
  LineFigure f;
  f.name = name;
  f.title = title;
  f.xlabel = "epoch";
  f.ylabel = "test error (%)";
  if (with_loss) {
    f.y2label = "training loss (log scale)";
    f.log_y2 = true;
  }
  double last_epoch = 0;
  for (const char* arm : {"constant", "stochastic"}) {
    const Json* run = FirstRun(results, experiment, arm);
    if (run == nullptr) {
      f.missing.push_back(MissingText(experiment, arm));
      continue;
    }
    Series error{absl::StrCat("test error, ", RunLabel(*run)),
                 {},
                 "lines linewidth 2",
                 false,
                 ArmColor(arm)};
    Series loss{absl::StrCat("training loss, ", arm), {}, "lines dashtype 3", true, ArmColor(arm)};
    for (const Json& e : (*run)["evaluations"]) {
      error.points.push_back({e["epoch"].get<double>(), e["test_error_percent"].get<double>()});
      loss.points.push_back(
          {e["epoch"].get<double>(), std::max(1e-4, e["train_loss"].get<double>())});
      last_epoch = std::max(last_epoch, e["epoch"].get<double>());
    }
    const Json& best = (*run)["evaluations"][(*run)["summary"]["best_validation_index"].get<int>()];
    Series circle{absl::StrCat("best validation, ", arm),
                  {{best["epoch"].get<double>(), best["test_error_percent"].get<double>()}},
                  "points pointtype 6 pointsize 3 linewidth 2",
                  false,
                  ArmColor(arm)};
    f.series.push_back(error);
    if (with_loss) f.series.push_back(loss);
    f.series.push_back(circle);
  }
  for (const auto& [arm, value] : paper_finals) {
    f.series.push_back({absl::StrFormat("paper, %s: %.2f%%", arm, value),
                        {{0, value}, {std::max(1.0, last_epoch), value}},
                        "lines dashtype 2 linewidth 1.5",
                        false,
                        ArmColor(arm)});
  }
  return f;
}

// Test error and training loss per evaluation for every seed of both arms:
// the seed-to-seed spread beside the difference between the arms.
LineFigure AllSeedsCurves(const std::string& name, const std::string& title,
                          const std::string& experiment, const ResultSet& results) {
  LineFigure f;
  f.name = name;
  f.title = title;
  f.xlabel = "epoch";
  f.ylabel = "test error (%), solid";
  f.y2label = "training loss (log scale), dotted";
  f.log_y2 = true;
  for (const char* arm : {"constant", "stochastic"}) {
    auto [profile, runs] = results.BestRuns(experiment, arm);
    if (runs == nullptr || runs->empty()) {
      f.missing.push_back(MissingText(experiment, arm));
      continue;
    }
    std::vector<const Json*> by_seed;
    for (const Json& run : *runs) by_seed.push_back(&run);
    std::sort(by_seed.begin(), by_seed.end(), [](const Json* a, const Json* b) {
      return (*a)["seed"].get<int>() < (*b)["seed"].get<int>();
    });
    for (const Json* run : by_seed) {
      Series error{absl::StrCat("test error, ", RunLabel(*run)),
                   {},
                   "lines linewidth 1.5",
                   false,
                   ArmColor(arm)};
      Series loss{"", {}, "lines dashtype 3 linewidth 1", true, ArmColor(arm)};
      for (const Json& e : (*run)["evaluations"]) {
        error.points.push_back({e["epoch"].get<double>(), e["test_error_percent"].get<double>()});
        loss.points.push_back(
            {e["epoch"].get<double>(), std::max(1e-4, e["train_loss"].get<double>())});
      }
      f.series.push_back(error);
      f.series.push_back(loss);
    }
    f.title += absl::StrCat(" [", arm, ": ", runs->size(), " seed", runs->size() == 1 ? "" : "s",
                            ", ", profile, "]");
  }
  return f;
}

double PaperValue(const OrderedJson& cell) { return cell["value"].get<double>(); }

// The lr drops of a run's schedule as labelled vertical lines.
std::vector<std::pair<double, std::string>> LrDrops(const Json& run) {
  LrSchedule schedule;
  schedule.epochs = run["config"]["schedule"]["epochs"];
  schedule.milestones = run["config"]["schedule"]["lr_milestones"].get<std::vector<double>>();
  // Results written before the rule was recorded used what the key table
  // says its absence meant ("round").
  const Json absent = FindConfigKey("schedule.milestone_rounding")->ValueWhenAbsent();
  const std::string rounding =
      run["config"]["schedule"].value("milestone_rounding", absent.get<std::string>());
  schedule.rounding = ParseMilestoneRounding(rounding).value_or(MilestoneRounding::kRound);
  std::vector<std::pair<double, std::string>> lines;
  for (int epoch : schedule.MilestoneEpochs()) {
    lines.push_back({epoch, absl::StrFormat("lr drop (epoch %d)", epoch)});
  }
  return lines;
}

std::optional<double> BestError(const ResultSet& results, const std::string& experiment,
                                const std::string& arm) {
  const Json* run = FirstRun(results, experiment, arm);
  if (run == nullptr) return std::nullopt;
  return (*run)["summary"]["test_error_at_best_validation_percent"].get<double>();
}

// Profile whose runs an experiment's analysis uses: paper, else reduced.
std::string BestProfile(const ResultSet& results, const std::string& experiment) {
  for (const char* profile : {"paper", "reduced"}) {
    if (!results.Arms(experiment, profile).empty()) return profile;
  }
  return "";
}

// Fig. 2: survival probabilities p_l against l (Eq. 4).
LineFigure SurvivalFigure() {
  LineFigure fig;
  fig.name = "fig2_survival";
  fig.title = "Fig. 2: survival probability p_l of block l (L = 54)";
  fig.xlabel = "block l";
  fig.ylabel = "p_l";
  for (auto [schedule, p_last, label] :
       {std::make_tuple(SurvivalSchedule::kLinear, 0.5, "linear decay, p_L = 0.5 (paper)"),
        std::make_tuple(SurvivalSchedule::kLinear, 0.2, "linear decay, p_L = 0.2"),
        std::make_tuple(SurvivalSchedule::kUniform, 0.5, "uniform, p_L = 0.5")}) {
    // Linear decay starts from p_0 = 1 (the input), as in the paper's figure.
    Series series{label, {}, "linespoints pointsize 0.6", false, ""};
    if (schedule == SurvivalSchedule::kLinear) series.points.push_back({0, 1.0});
    const std::vector<double> p = *SurvivalProbabilities(schedule, 54, p_last);
    for (size_t l = 0; l < p.size(); ++l) series.points.push_back({l + 1.0, p[l]});
    fig.series.push_back(series);
  }
  return fig;
}

// The paper's final errors of both arms from a Table 1 column.
std::vector<std::pair<std::string, double>> Table1Finals(const OrderedJson& paper,
                                                         const std::string& column) {
  const OrderedJson& rows = paper["table1"]["rows"];
  return {{"constant", PaperValue(rows["constant"][column])},
          {"stochastic", PaperValue(rows["stochastic"][column])}};
}

// Fig. 5: final errors at 110 and 1202 layers, ours and the paper's.
LineFigure DepthFigure(const OrderedJson& paper, const ResultSet& results) {
  LineFigure fig;
  fig.name = "fig5_depth";
  fig.title = "Fig. 5: 110 vs 1202 layers on CIFAR-10+";
  fig.xlabel = "layers";
  fig.ylabel = "test error (%)";
  fig.xtics = {{0, "110"}, {1, "1202"}};
  for (const char* arm : {"constant", "stochastic"}) {
    Series ours{absl::StrCat("sdbench, ", arm),
                {},
                "linespoints pointtype 7 pointsize 1.5 linewidth 2",
                false,
                ArmColor(arm)};
    int x = 0;
    for (const char* experiment : {"cifar10_110", "cifar10_1202"}) {
      if (std::optional<double> e = BestError(results, experiment, arm)) {
        ours.points.push_back({static_cast<double>(x), *e});
      } else {
        fig.missing.push_back(MissingText(experiment, arm));
      }
      ++x;
    }
    fig.series.push_back(ours);
    const double p110 = PaperValue(paper["table1"]["rows"][arm]["cifar10_aug"]);
    const double p1202 = PaperValue(paper["cifar10_1202"][arm]);
    fig.series.push_back({absl::StrCat("paper, ", arm),
                          {{0, p110}, {1, p1202}},
                          "linespoints pointtype 4 pointsize 1.5 dashtype 2",
                          false,
                          ArmColor(arm)});
  }
  return fig;
}

// Fig. 7: mean |gradient| of the first conv of the first block per epoch,
// with the lr drops marked.
LineFigure GradientFigure(const ResultSet& results) {
  LineFigure fig;
  fig.name = "fig7_gradient";
  fig.title =
      "Fig. 7: mean |gradient| of the first conv layer of the first block, CIFAR-10+, 110 layers";
  fig.xlabel = "epoch";
  fig.ylabel = "mean |gradient| (x 1e-5)";
  for (const char* arm : {"constant", "stochastic"}) {
    const Json* run = FirstRun(results, "cifar10_110", arm);
    if (run == nullptr) {
      fig.missing.push_back(MissingText("cifar10_110", arm));
      continue;
    }
    Series series{RunLabel(*run), {}, "lines linewidth 2", false, ArmColor(arm)};
    for (const Json& e : (*run)["epochs"]) {
      series.points.push_back(
          {e["epoch"].get<double>(), e["first_conv_mean_abs_grad"].get<double>() * 1e5});
    }
    fig.series.push_back(series);
    if (fig.vertical_lines.empty()) fig.vertical_lines = LrDrops(*run);
  }
  return fig;
}

// Fig. 8 left: test error against p_L, linear decay and uniform, with the
// constant-depth line.
LineFigure SurvivalSweepFigure(const ResultSet& results) {
  LineFigure fig;
  fig.name = "fig8_left";
  fig.title = "Fig. 8 left: CIFAR-10+, 110 layers: test error against p_L";
  fig.xlabel = "p_L";
  fig.ylabel = "test error (%)";
  const std::string sweep = "cifar10_110_survival_sweep";
  const std::string profile = BestProfile(results, sweep);
  std::map<std::string, std::map<double, double>> by_schedule;
  std::optional<double> constant_error;
  for (const std::string& arm : results.Arms(sweep, profile)) {
    const Json& run = results.Runs({sweep, arm, profile}).front();
    const double error = run["summary"]["test_error_at_best_validation_percent"];
    const std::string schedule = run["config"]["model"]["schedule"];
    if (schedule == "constant") {
      constant_error = error;
    } else {
      by_schedule[schedule][run["config"]["model"]["p_last"].get<double>()] = error;
    }
  }
  for (const char* schedule : {"linear", "uniform"}) {
    Series series{absl::StrCat(schedule, profile.empty() ? "" : absl::StrCat(" (", profile, ")")),
                  {},
                  "linespoints pointtype 7 linewidth 2",
                  false,
                  std::string(schedule) == "linear" ? "#d62728" : "#2ca02c"};
    for (const auto& [p, e] : by_schedule[schedule]) series.points.push_back({p, e});
    if (series.points.empty()) fig.missing.push_back(MissingText(sweep, schedule));
    fig.series.push_back(series);
  }
  if (constant_error) {
    fig.series.push_back({"constant depth",
                          {{0.1, *constant_error}, {1.0, *constant_error}},
                          "lines dashtype 2 linewidth 2",
                          false,
                          "#1f77b4"});
  } else {
    fig.missing.push_back(MissingText(sweep, "constant"));
  }
  return fig;
}

// Training time, stochastic / constant: measured, the paper's (Table 2) and
// the expected-depth prediction, per experiment.
LineFigure TrainingTimeFigure(const OrderedJson& paper, const ResultSet& results) {
  LineFigure fig;
  fig.name = "training_time";
  fig.title = "Training time, stochastic / constant depth (Table 2)";
  fig.ylabel = "time ratio";
  Series measured{"sdbench (train time)", {}, "points pointtype 7 pointsize 2", false, "#d62728"};
  Series predicted{"expected active blocks / all blocks",
                   {},
                   "points pointtype 2 pointsize 2",
                   false,
                   "#555555"};
  Series paper_ratio{"paper (Table 2)", {}, "points pointtype 4 pointsize 2", false, "#1f77b4"};
  const std::vector<std::pair<std::string, std::string>> experiments = {
      {"cifar10_110", "cifar10_aug"},
      {"cifar100_110", "cifar100_aug"},
      {"svhn_152", "svhn"},
      {"cifar10_1202", ""},
      {"cifar10_56", ""},
      {"ci_regression", ""}};
  for (size_t i = 0; i < experiments.size(); ++i) {
    const auto& [experiment, table2_key] = experiments[i];
    const double x = static_cast<double>(i);
    fig.xtics.push_back({x, experiment});
    if (!table2_key.empty()) {
      paper_ratio.points.push_back({x, PaperValue(paper["table2"]["ratio"][table2_key])});
    }
    const Json* c = FirstRun(results, experiment, "constant");
    const Json* s = FirstRun(results, experiment, "stochastic");
    if (c == nullptr || s == nullptr) continue;
    measured.points.push_back({x, (*s)["summary"]["total_train_seconds"].get<double>() /
                                      (*c)["summary"]["total_train_seconds"].get<double>()});
    predicted.points.push_back({x, (*s)["summary"]["expected_active_blocks"].get<double>() /
                                       (*c)["summary"]["expected_active_blocks"].get<double>()});
  }
  if (measured.points.empty()) fig.missing.push_back("no constant/stochastic pairs in the results");
  fig.series = {measured, predicted, paper_ratio};
  return fig;
}

}  // namespace

std::vector<LineFigure> BuildLineFigures(const OrderedJson& paper, const ResultSet& results) {
  const OrderedJson& b1202 = paper["cifar10_1202"];
  return {SurvivalFigure(),
          TrainingCurves("fig3_cifar10", "Fig. 3 left: 110 layers on CIFAR-10+", "cifar10_110",
                         true, results, Table1Finals(paper, "cifar10_aug")),
          TrainingCurves("fig3_cifar100", "Fig. 3 right: 110 layers on CIFAR-100+", "cifar100_110",
                         true, results, Table1Finals(paper, "cifar100_aug")),
          TrainingCurves("fig4_svhn", "Fig. 4 left: 152 layers on SVHN", "svhn_152", false, results,
                         Table1Finals(paper, "svhn")),
          TrainingCurves("fig4_1202", "Fig. 4 right: 1202 layers on CIFAR-10+", "cifar10_1202",
                         false, results,
                         {{"constant", PaperValue(b1202["constant"])},
                          {"stochastic", PaperValue(b1202["stochastic"])}}),
          DepthFigure(paper, results),
          GradientFigure(results),
          SurvivalSweepFigure(results),
          TrainingTimeFigure(paper, results),
          AllSeedsCurves("small_data_seeds",
                         "ResNet-56 on 5,000 CIFAR-10 images, no augmentation, every seed",
                         "cifar10_small_data", results)};
}

HeatMap BuildDepthSurvivalHeatMap(const ResultSet& results) {
  HeatMap m;
  m.name = "fig8_right";
  m.title = "Fig. 8 right: CIFAR-10+ test error (%) over depth and p_L (linear decay)";
  m.xlabel = "p_L";
  m.ylabel = "layers";
  m.cblabel = "test error (%)";
  m.xs = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  m.ys = {20, 38, 56, 74, 92, 110};
  m.values.assign(m.ys.size(), std::vector<double>(m.xs.size(), std::nan("")));
  const std::string experiment = "cifar10_depth_survival_grid";
  const std::string profile = BestProfile(results, experiment);
  int found = 0;
  for (const std::string& arm : results.Arms(experiment, profile)) {
    const Json& run = results.Runs({experiment, arm, profile}).front();
    const double depth = run["config"]["model"]["depth"];
    const double p = run["config"]["model"]["p_last"];
    for (size_t j = 0; j < m.ys.size(); ++j) {
      for (size_t i = 0; i < m.xs.size(); ++i) {
        if (m.ys[j] == depth && std::abs(m.xs[i] - p) < 1e-9) {
          m.values[j][i] = run["summary"]["test_error_at_best_validation_percent"];
          ++found;
        }
      }
    }
  }
  if (found == 0) {
    m.missing.push_back(MissingText(experiment, "*"));
  } else if (found < 36) {
    m.missing.push_back(absl::StrCat(36 - found, " of 36 cells missing (", profile, " profile)"));
  }
  if (!profile.empty()) m.title += absl::StrCat(" [", profile, "]");
  return m;
}

absl::StatusOr<LineFigure> BuildProgressFigure(const std::vector<std::string>& paths) {
  LineFigure f;
  f.name = "progress";
  f.title = "Runs in progress";
  f.xlabel = "epoch";
  f.ylabel = "error (%)";
  f.y2label = "training loss";
  f.log_y2 = true;
  for (const std::string& path : paths) {
    absl::StatusOr<std::vector<Json>> lines = ReadMetricsFile(path);
    if (!lines.ok()) return lines.status();
    std::string run = path.substr(path.find_last_of('/') + 1);
    run = absl::StrReplaceAll(run, {{".metrics.jsonl", ""}});
    Series test{run + " test"}, validation{run + " validation"}, loss{run + " training loss"};
    validation.style = "lines dashtype 2";
    loss.style = "lines dashtype 3";
    loss.right_axis = true;
    for (const Json& line : *lines) {
      const double epoch = line.value("epoch", 0.0);
      test.points.emplace_back(epoch, line.value("test_error_percent", 0.0));
      if (line.contains("validation_error_percent") &&
          line["validation_error_percent"].is_number()) {
        validation.points.emplace_back(epoch, line["validation_error_percent"].get<double>());
      }
      loss.points.emplace_back(epoch, line.value("train_loss", 0.0));
    }
    if (lines->empty()) f.missing.push_back(absl::StrCat(run, ": no evaluation yet"));
    for (Series* series : {&test, &validation, &loss}) {
      if (!series->points.empty()) f.series.push_back(std::move(*series));
    }
  }
  return f;
}

absl::StatusOr<std::vector<std::string>> RenderLineFigure(const LineFigure& figure,
                                                          const std::string& out_dir) {
  if (absl::Status s = MakeDirectories(out_dir); !s.ok()) return s;
  const std::string stem = out_dir + "/" + figure.name;
  if (absl::Status s = RunGnuplot(LineFigureScript(figure, stem), stem); !s.ok()) return s;
  return std::vector<std::string>{stem + ".svg", stem + ".png"};
}

absl::StatusOr<std::vector<std::string>> RenderAllFigures(const OrderedJson& paper,
                                                          const ResultSet& results,
                                                          const std::string& out_dir) {
  std::vector<std::string> written;
  for (const LineFigure& figure : BuildLineFigures(paper, results)) {
    absl::StatusOr<std::vector<std::string>> files = RenderLineFigure(figure, out_dir);
    if (!files.ok()) return files.status();
    written.insert(written.end(), files->begin(), files->end());
  }
  HeatMap map = BuildDepthSurvivalHeatMap(results);
  const std::string stem = out_dir + "/" + map.name;
  if (absl::Status s = RunGnuplot(HeatMapScript(map, stem), stem); !s.ok()) return s;
  written.push_back(stem + ".svg");
  written.push_back(stem + ".png");
  return written;
}

}  // namespace sdbench
