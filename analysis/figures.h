// The paper's figures from result files, rendered by gnuplot to SVG and PNG:
//   fig2_survival        p_l against l (Eq. 4), linear decay and uniform
//   fig3_cifar10/100     test error and training loss (log, right axis) per
//                        epoch, constant vs stochastic, best-validation
//                        points circled, the paper's final errors dashed
//   fig4_svhn, fig4_1202 test error during training
//   fig5_depth           110 vs 1202 layers, constant vs stochastic
//   fig7_gradient        mean |grad| of the first conv of the first block,
//                        lr drops marked
//   fig8_left            test error against p_L, linear and uniform, with
//                        the constant-depth line
//   fig8_right           heat map of test error over depth x p_L
//   training_time        stochastic / constant training time: measured,
//                        the paper's (Table 2) and the expected-depth
//                        prediction
// A figure whose runs are missing is still drawn and says so on itself.
#ifndef SDBENCH_ANALYSIS_FIGURES_H_
#define SDBENCH_ANALYSIS_FIGURES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "analysis/result_set.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct Series {
  std::string title;
  std::vector<std::pair<double, double>> points;
  std::string style = "lines";  // gnuplot "with" style.
  bool right_axis = false;
  std::string color;  // Empty: gnuplot's default.
};

struct LineFigure {
  std::string name;  // File stem.
  std::string title;
  std::string xlabel, ylabel, y2label;
  bool log_y2 = false;
  bool log_x = false;
  std::vector<Series> series;
  std::vector<std::pair<double, std::string>> vertical_lines;  // x, label
  std::vector<std::pair<double, std::string>> xtics;  // Named x positions.
  std::vector<std::string> missing;  // Shown on the figure when not empty.
};

struct HeatMap {
  std::string name, title, xlabel, ylabel, cblabel;
  std::vector<double> xs, ys;
  // values[j][i] for ys[j], xs[i]; NaN where missing.
  std::vector<std::vector<double>> values;
  std::vector<std::string> missing;
};

// The gnuplot script that draws the figure to `stem`.svg and `stem`.png.
std::string LineFigureScript(const LineFigure& figure, const std::string& stem);
std::string HeatMapScript(const HeatMap& map, const std::string& stem);

// Runs gnuplot on a script; an error with gnuplot's message on failure.
absl::Status RunGnuplot(const std::string& script, const std::string& stem);

// Builds every figure from the results (paper values from paper.json).
std::vector<LineFigure> BuildLineFigures(const nlohmann::ordered_json& paper,
                                         const ResultSet& results);
HeatMap BuildDepthSurvivalHeatMap(const ResultSet& results);

// Renders every figure into `out_dir`; returns the files written.
absl::StatusOr<std::vector<std::string>> RenderAllFigures(
    const nlohmann::ordered_json& paper, const ResultSet& results,
    const std::string& out_dir);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_FIGURES_H_
