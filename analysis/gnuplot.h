// Figures as data (line figures and heat maps) and their rendering by
// gnuplot to SVG and PNG. What a figure shows is decided in figures.cc; this
// file only draws.
#ifndef SDBENCH_ANALYSIS_GNUPLOT_H_
#define SDBENCH_ANALYSIS_GNUPLOT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

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
  std::vector<std::pair<double, std::string>> xtics;           // Named x positions.
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

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_GNUPLOT_H_
