#include "analysis/figures.h"

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
#include "lib/io/file_io.h"
#include "lib/model/survival.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

std::string Quote(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// Terminals: the same plot to SVG, then to PNG.
constexpr char kSvg[] = "set terminal svg size 900,560 dynamic enhanced font 'sans,13' background rgb 'white'\n";
constexpr char kPng[] = "set terminal pngcairo size 1100,680 enhanced font 'sans,12' background rgb 'white'\n";

std::string MissingLabels(const std::vector<std::string>& missing) {
  std::string out;
  for (size_t i = 0; i < missing.size(); ++i) {
    absl::StrAppend(&out, "set label ", 100 + i, " ", Quote(missing[i]),
                    " at graph 0.5, graph ", absl::StrFormat("%.3f", 0.6 - 0.07 * i),
                    " center front noenhanced textcolor rgb 'red'\n");
  }
  return out;
}

}  // namespace

std::string LineFigureScript(const LineFigure& f, const std::string& stem) {
  std::string s = "set encoding utf8\n";
  for (size_t i = 0; i < f.series.size(); ++i) {
    absl::StrAppend(&s, "$d", i, " << EOD\n");
    for (const auto& [x, y] : f.series[i].points) {
      absl::StrAppend(&s, absl::StrFormat("%.10g %.10g\n", x, y));
    }
    absl::StrAppend(&s, "EOD\n");
  }
  absl::StrAppend(&s, "set title ", Quote(f.title), "\n", "set xlabel ", Quote(f.xlabel),
                  "\n", "set ylabel ", Quote(f.ylabel), "\n",
                  "set grid\nset key below box\n");
  if (f.log_x) absl::StrAppend(&s, "set logscale x\n");
  bool right = false;
  for (const Series& series : f.series) right |= series.right_axis;
  if (right || !f.y2label.empty()) {
    absl::StrAppend(&s, "set ytics nomirror\nset y2tics\nset y2label ", Quote(f.y2label), "\n");
    if (f.log_y2) absl::StrAppend(&s, "set logscale y2\n");
  }
  if (!f.xtics.empty()) {
    std::vector<std::string> tics;
    for (const auto& [x, label] : f.xtics) tics.push_back(absl::StrCat(Quote(label), " ", x));
    absl::StrAppend(&s, "set xtics noenhanced (", absl::StrJoin(tics, ", "), ")\n");
    absl::StrAppend(&s, absl::StrFormat("set xrange [%g:%g]\n", f.xtics.front().first - 0.5,
                                        f.xtics.back().first + 0.5));
  }
  for (size_t i = 0; i < f.vertical_lines.size(); ++i) {
    const auto& [x, label] = f.vertical_lines[i];
    absl::StrAppend(&s, absl::StrFormat("set arrow %d from %g, graph 0 to %g, graph 1 nohead dashtype 2 linecolor rgb 'gray40'\n", i + 1, x, x));
    absl::StrAppend(&s, absl::StrFormat("set label %d %s at %g, graph 0.97 right offset -0.5,0 noenhanced textcolor rgb 'gray30'\n", i + 1, Quote(label).c_str(), x));
  }
  absl::StrAppend(&s, MissingLabels(f.missing));
  std::vector<std::string> plots;
  for (size_t i = 0; i < f.series.size(); ++i) {
    const Series& series = f.series[i];
    if (series.points.empty()) continue;
    std::string p = absl::StrCat("$d", i, " using 1:2 with ", series.style);
    if (!series.color.empty()) absl::StrAppend(&p, " linecolor rgb ", Quote(series.color));
    absl::StrAppend(&p, series.right_axis ? " axes x1y2" : " axes x1y1", " title ",
                    Quote(series.title), " noenhanced");
    plots.push_back(p);
  }
  if (plots.empty()) {
    absl::StrAppend(&s, "set xrange [0:1]\nset yrange [0:1]\n");
    plots.push_back("NaN notitle");
  }
  const std::string plot = absl::StrCat("plot ", absl::StrJoin(plots, ", \\\n     "), "\n");
  absl::StrAppend(&s, kSvg, "set output ", Quote(stem + ".svg"), "\n", plot, kPng,
                  "set output ", Quote(stem + ".png"), "\n", plot, "unset output\n");
  return s;
}

std::string HeatMapScript(const HeatMap& m, const std::string& stem) {
  std::string s = "set encoding utf8\n$grid << EOD\n";
  for (size_t j = 0; j < m.ys.size(); ++j) {
    for (size_t i = 0; i < m.xs.size(); ++i) {
      const double v = m.values[j][i];
      absl::StrAppend(&s, i, " ", j, " ", std::isnan(v) ? "NaN" : absl::StrFormat("%.4g", v), "\n");
    }
    absl::StrAppend(&s, "\n");
  }
  absl::StrAppend(&s, "EOD\n");
  std::vector<std::string> xtics, ytics;
  for (size_t i = 0; i < m.xs.size(); ++i) xtics.push_back(absl::StrFormat("\"%g\" %d", m.xs[i], i));
  for (size_t j = 0; j < m.ys.size(); ++j) ytics.push_back(absl::StrFormat("\"%g\" %d", m.ys[j], j));
  absl::StrAppend(&s, "set title ", Quote(m.title), "\nset xlabel ", Quote(m.xlabel),
                  "\nset ylabel ", Quote(m.ylabel), "\nset cblabel ", Quote(m.cblabel), "\n",
                  "set xtics (", absl::StrJoin(xtics, ", "), ")\n",
                  "set ytics (", absl::StrJoin(ytics, ", "), ")\n",
                  absl::StrFormat("set xrange [-0.5:%g]\nset yrange [-0.5:%g]\n",
                                  m.xs.size() - 0.5, m.ys.size() - 0.5),
                  "set palette defined (0 '#2c7bb6', 0.5 '#ffffbf', 1 '#d7191c')\n",
                  "set datafile missing 'NaN'\nunset key\n", MissingLabels(m.missing));
  const std::string plot =
      "plot $grid using 1:2:3 with image, $grid using 1:2:(sprintf('%.1f', $3)) with labels font ',10'\n";
  absl::StrAppend(&s, kSvg, "set output ", Quote(stem + ".svg"), "\n", plot, kPng,
                  "set output ", Quote(stem + ".png"), "\n", plot, "unset output\n");
  return s;
}

absl::Status RunGnuplot(const std::string& script, const std::string& stem) {
  const std::string script_path = stem + ".gp";
  if (absl::Status s = WriteFileAtomically(script_path, script); !s.ok()) return s;
  const std::string log_path = stem + ".gnuplot.log";
  const std::string command =
      absl::StrCat("gnuplot '", script_path, "' > '", log_path, "' 2>&1");
  const int code = std::system(command.c_str());
  std::string log = ReadFileToString(log_path).value_or("");
  std::remove(log_path.c_str());
  if (code != 0) {
    return absl::InternalError(absl::StrCat(
        "gnuplot failed on ", script_path, " (is gnuplot-nox installed? tools/setup.sh "
        "installs it): ", log));
  }
  return absl::OkStatus();
}

namespace {

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
  return absl::StrCat("no results for ", experiment, "/", arm, ": bazel run //experiments:",
                      experiment);
}

const char* ArmColor(const std::string& arm) {
  return arm == "constant" ? "#1f77b4" : "#d62728";
}

// Test error per evaluation, optional training loss (right axis) and the
// best-validation point, for both arms of an experiment.
LineFigure TrainingCurves(const std::string& name, const std::string& title,
                          const std::string& experiment, bool with_loss,
                          const ResultSet& results,
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
    Series error{absl::StrCat("test error, ", RunLabel(*run)), {}, "lines linewidth 2", false, ArmColor(arm)};
    Series loss{absl::StrCat("training loss, ", arm), {}, "lines dashtype 3", true, ArmColor(arm)};
    for (const Json& e : (*run)["evaluations"]) {
      error.points.push_back({e["epoch"].get<double>(), e["test_error_percent"].get<double>()});
      loss.points.push_back({e["epoch"].get<double>(), std::max(1e-4, e["train_loss"].get<double>())});
      last_epoch = std::max(last_epoch, e["epoch"].get<double>());
    }
    const Json& best = (*run)["evaluations"][(*run)["summary"]["best_validation_index"].get<int>()];
    Series circle{absl::StrCat("best validation, ", arm),
                  {{best["epoch"].get<double>(), best["test_error_percent"].get<double>()}},
                  "points pointtype 6 pointsize 3 linewidth 2", false, ArmColor(arm)};
    f.series.push_back(error);
    if (with_loss) f.series.push_back(loss);
    f.series.push_back(circle);
  }
  for (const auto& [arm, value] : paper_finals) {
    f.series.push_back({absl::StrFormat("paper, %s: %.2f%%", arm, value),
                        {{0, value}, {std::max(1.0, last_epoch), value}},
                        "lines dashtype 2 linewidth 1.5", false, ArmColor(arm)});
  }
  return f;
}

double PaperValue(const OrderedJson& cell) { return cell["value"].get<double>(); }

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

}  // namespace

std::vector<LineFigure> BuildLineFigures(const OrderedJson& paper, const ResultSet& results) {
  std::vector<LineFigure> figures;

  // Fig. 2: survival probabilities.
  LineFigure fig2;
  fig2.name = "fig2_survival";
  fig2.title = "Fig. 2: survival probability p_l of block l (L = 54)";
  fig2.xlabel = "block l";
  fig2.ylabel = "p_l";
  for (auto [schedule, p_last, label] :
       {std::make_tuple(SurvivalSchedule::kLinear, 0.5, "linear decay, p_L = 0.5 (paper)"),
        std::make_tuple(SurvivalSchedule::kLinear, 0.2, "linear decay, p_L = 0.2"),
        std::make_tuple(SurvivalSchedule::kUniform, 0.5, "uniform, p_L = 0.5")}) {
    // Linear decay starts from p_0 = 1 (the input), as in the paper's figure.
    Series series{label, {}, "linespoints pointsize 0.6", false, ""};
    if (schedule == SurvivalSchedule::kLinear) series.points.push_back({0, 1.0});
    const std::vector<double> p = *SurvivalProbabilities(schedule, 54, p_last);
    for (size_t l = 0; l < p.size(); ++l) series.points.push_back({l + 1.0, p[l]});
    fig2.series.push_back(series);
  }
  figures.push_back(fig2);

  const OrderedJson& t1 = paper["table1"]["rows"];
  figures.push_back(TrainingCurves(
      "fig3_cifar10", "Fig. 3 left: 110 layers on CIFAR-10+", "cifar10_110", true, results,
      {{"constant", PaperValue(t1["constant"]["cifar10_aug"])},
       {"stochastic", PaperValue(t1["stochastic"]["cifar10_aug"])}}));
  figures.push_back(TrainingCurves(
      "fig3_cifar100", "Fig. 3 right: 110 layers on CIFAR-100+", "cifar100_110", true, results,
      {{"constant", PaperValue(t1["constant"]["cifar100_aug"])},
       {"stochastic", PaperValue(t1["stochastic"]["cifar100_aug"])}}));
  figures.push_back(TrainingCurves(
      "fig4_svhn", "Fig. 4 left: 152 layers on SVHN", "svhn_152", false, results,
      {{"constant", PaperValue(t1["constant"]["svhn"])},
       {"stochastic", PaperValue(t1["stochastic"]["svhn"])}}));
  const OrderedJson& b1202 = paper["cifar10_1202"];
  figures.push_back(TrainingCurves(
      "fig4_1202", "Fig. 4 right: 1202 layers on CIFAR-10+", "cifar10_1202", false, results,
      {{"constant", PaperValue(b1202["constant"])}, {"stochastic", PaperValue(b1202["stochastic"])}}));

  // Fig. 5: 110 vs 1202 layers.
  LineFigure fig5;
  fig5.name = "fig5_depth";
  fig5.title = "Fig. 5: 110 vs 1202 layers on CIFAR-10+";
  fig5.xlabel = "layers";
  fig5.ylabel = "test error (%)";
  fig5.xtics = {{0, "110"}, {1, "1202"}};
  for (const char* arm : {"constant", "stochastic"}) {
    Series ours{absl::StrCat("sdbench, ", arm), {}, "linespoints pointtype 7 pointsize 1.5 linewidth 2", false, ArmColor(arm)};
    int x = 0;
    for (const char* experiment : {"cifar10_110", "cifar10_1202"}) {
      if (std::optional<double> e = BestError(results, experiment, arm)) {
        ours.points.push_back({static_cast<double>(x), *e});
      } else {
        fig5.missing.push_back(MissingText(experiment, arm));
      }
      ++x;
    }
    fig5.series.push_back(ours);
    const double p110 = PaperValue(t1[arm]["cifar10_aug"]);
    const double p1202 = PaperValue(b1202[arm]);
    fig5.series.push_back({absl::StrCat("paper, ", arm), {{0, p110}, {1, p1202}},
                           "linespoints pointtype 4 pointsize 1.5 dashtype 2", false, ArmColor(arm)});
  }
  figures.push_back(fig5);

  // Fig. 7: gradient magnitude of the first conv of the first block.
  LineFigure fig7;
  fig7.name = "fig7_gradient";
  fig7.title = "Fig. 7: mean |gradient| of the first conv layer of the first block, CIFAR-10+, 110 layers";
  fig7.xlabel = "epoch";
  fig7.ylabel = "mean |gradient| (x 1e-5)";
  for (const char* arm : {"constant", "stochastic"}) {
    const Json* run = FirstRun(results, "cifar10_110", arm);
    if (run == nullptr) {
      fig7.missing.push_back(MissingText("cifar10_110", arm));
      continue;
    }
    Series series{RunLabel(*run), {}, "lines linewidth 2", false, ArmColor(arm)};
    for (const Json& e : (*run)["epochs"]) {
      series.points.push_back({e["epoch"].get<double>(), e["first_conv_mean_abs_grad"].get<double>() * 1e5});
    }
    fig7.series.push_back(series);
    if (fig7.vertical_lines.empty()) {
      const int epochs = (*run)["config"]["schedule"]["epochs"];
      for (const Json& m : (*run)["config"]["schedule"]["lr_milestones"]) {
        const double at = std::max(2.0, std::round(m.get<double>() * epochs));
        fig7.vertical_lines.push_back({at, absl::StrFormat("lr drop (epoch %g)", at)});
      }
    }
  }
  figures.push_back(fig7);

  // Fig. 8 left: p_L sweep.
  LineFigure fig8;
  fig8.name = "fig8_left";
  fig8.title = "Fig. 8 left: CIFAR-10+, 110 layers: test error against p_L";
  fig8.xlabel = "p_L";
  fig8.ylabel = "test error (%)";
  const std::string sweep = "cifar10_110_survival_sweep";
  const std::string sweep_profile = BestProfile(results, sweep);
  std::map<std::string, std::map<double, double>> by_schedule;
  std::optional<double> constant_error;
  for (const std::string& arm : results.Arms(sweep, sweep_profile)) {
    const Json& run = results.Runs({sweep, arm, sweep_profile}).front();
    const double error = run["summary"]["test_error_at_best_validation_percent"];
    const std::string schedule = run["config"]["model"]["schedule"];
    if (schedule == "constant") {
      constant_error = error;
    } else {
      by_schedule[schedule][run["config"]["model"]["p_last"].get<double>()] = error;
    }
  }
  for (const char* schedule : {"linear", "uniform"}) {
    Series series{absl::StrCat(schedule, sweep_profile.empty() ? "" : absl::StrCat(" (", sweep_profile, ")")),
                  {}, "linespoints pointtype 7 linewidth 2", false,
                  std::string(schedule) == "linear" ? "#d62728" : "#2ca02c"};
    for (const auto& [p, e] : by_schedule[schedule]) series.points.push_back({p, e});
    if (series.points.empty()) fig8.missing.push_back(MissingText(sweep, schedule));
    fig8.series.push_back(series);
  }
  if (constant_error) {
    fig8.series.push_back({"constant depth", {{0.1, *constant_error}, {1.0, *constant_error}},
                           "lines dashtype 2 linewidth 2", false, "#1f77b4"});
  } else {
    fig8.missing.push_back(MissingText(sweep, "constant"));
  }
  figures.push_back(fig8);

  // Training time: measured ratio, paper ratio, expected-depth prediction.
  LineFigure time;
  time.name = "training_time";
  time.title = "Training time, stochastic / constant depth (Table 2)";
  time.ylabel = "time ratio";
  Series measured{"sdbench (train time)", {}, "points pointtype 7 pointsize 2", false, "#d62728"};
  Series predicted{"expected active blocks / all blocks", {}, "points pointtype 2 pointsize 2", false, "#555555"};
  Series paper_ratio{"paper (Table 2)", {}, "points pointtype 4 pointsize 2", false, "#1f77b4"};
  const std::vector<std::pair<std::string, std::string>> experiments = {
      {"cifar10_110", "cifar10_aug"}, {"cifar100_110", "cifar100_aug"}, {"svhn_152", "svhn"},
      {"cifar10_1202", ""}, {"cifar10_56", ""}, {"ci_regression", ""}};
  int x = 0;
  for (const auto& [experiment, table2_key] : experiments) {
    time.xtics.push_back({static_cast<double>(x), experiment});
    if (!table2_key.empty()) {
      paper_ratio.points.push_back({static_cast<double>(x), PaperValue(paper["table2"]["ratio"][table2_key])});
    }
    const Json* c = FirstRun(results, experiment, "constant");
    const Json* s = FirstRun(results, experiment, "stochastic");
    if (c != nullptr && s != nullptr) {
      measured.points.push_back({static_cast<double>(x),
                                 (*s)["summary"]["total_train_seconds"].get<double>() /
                                     (*c)["summary"]["total_train_seconds"].get<double>()});
      predicted.points.push_back({static_cast<double>(x),
                                  (*s)["summary"]["expected_active_blocks"].get<double>() /
                                      (*c)["summary"]["expected_active_blocks"].get<double>()});
    }
    ++x;
  }
  if (measured.points.empty()) time.missing.push_back("no constant/stochastic pairs in the results");
  time.series = {measured, predicted, paper_ratio};
  figures.push_back(time);
  return figures;
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

absl::StatusOr<std::vector<std::string>> RenderAllFigures(const OrderedJson& paper,
                                                          const ResultSet& results,
                                                          const std::string& out_dir) {
  if (absl::Status s = MakeDirectories(out_dir); !s.ok()) return s;
  std::vector<std::string> written;
  for (const LineFigure& figure : BuildLineFigures(paper, results)) {
    const std::string stem = out_dir + "/" + figure.name;
    if (absl::Status s = RunGnuplot(LineFigureScript(figure, stem), stem); !s.ok()) return s;
    written.push_back(stem + ".svg");
    written.push_back(stem + ".png");
  }
  HeatMap map = BuildDepthSurvivalHeatMap(results);
  const std::string stem = out_dir + "/" + map.name;
  if (absl::Status s = RunGnuplot(HeatMapScript(map, stem), stem); !s.ok()) return s;
  written.push_back(stem + ".svg");
  written.push_back(stem + ".png");
  return written;
}

}  // namespace sdbench
