#include "analysis/gnuplot.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/io/file_io.h"
#include "lib/io/process.h"

namespace sdbench {
namespace {

std::string Quote(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// Terminals: the same plot to SVG, then to PNG.
constexpr char kSvg[] =
    "set terminal svg size 900,560 dynamic enhanced font 'sans,13' background rgb 'white'\n";
constexpr char kPng[] =
    "set terminal pngcairo size 1100,680 enhanced font 'sans,12' background rgb 'white'\n";

std::string MissingLabels(const std::vector<std::string>& missing) {
  std::string out;
  for (size_t i = 0; i < missing.size(); ++i) {
    absl::StrAppend(&out, "set label ", 100 + i, " ", Quote(missing[i]), " at graph 0.5, graph ",
                    absl::StrFormat("%.3f", 0.6 - 0.07 * i),
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
  absl::StrAppend(&s, "set title ", Quote(f.title), "\n", "set xlabel ", Quote(f.xlabel), "\n",
                  "set ylabel ", Quote(f.ylabel), "\n", "set grid\nset key below box\n");
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
    absl::StrAppend(&s, absl::StrFormat("set arrow %d from %g, graph 0 to %g, graph 1 nohead "
                                        "dashtype 2 linecolor rgb 'gray40'\n",
                                        i + 1, x, x));
    absl::StrAppend(&s, absl::StrFormat("set label %d %s at %g, graph 0.97 right offset -0.5,0 "
                                        "noenhanced textcolor rgb 'gray30'\n",
                                        i + 1, Quote(label).c_str(), x));
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
  absl::StrAppend(&s, kSvg, "set output ", Quote(stem + ".svg"), "\n", plot, kPng, "set output ",
                  Quote(stem + ".png"), "\n", plot, "unset output\n");
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
  for (size_t i = 0; i < m.xs.size(); ++i)
    xtics.push_back(absl::StrFormat("\"%g\" %d", m.xs[i], i));
  for (size_t j = 0; j < m.ys.size(); ++j)
    ytics.push_back(absl::StrFormat("\"%g\" %d", m.ys[j], j));
  absl::StrAppend(&s, "set title ", Quote(m.title), "\nset xlabel ", Quote(m.xlabel),
                  "\nset ylabel ", Quote(m.ylabel), "\nset cblabel ", Quote(m.cblabel), "\n",
                  "set xtics (", absl::StrJoin(xtics, ", "), ")\n", "set ytics (",
                  absl::StrJoin(ytics, ", "), ")\n",
                  absl::StrFormat("set xrange [-0.5:%g]\nset yrange [-0.5:%g]\n", m.xs.size() - 0.5,
                                  m.ys.size() - 0.5),
                  "set palette defined (0 '#2c7bb6', 0.5 '#ffffbf', 1 '#d7191c')\n",
                  "set datafile missing 'NaN'\nunset key\n", MissingLabels(m.missing));
  const std::string plot =
      "plot $grid using 1:2:3 with image, $grid using 1:2:(sprintf('%.1f', $3)) with labels font "
      "',10'\n";
  absl::StrAppend(&s, kSvg, "set output ", Quote(stem + ".svg"), "\n", plot, kPng, "set output ",
                  Quote(stem + ".png"), "\n", plot, "unset output\n");
  return s;
}

absl::Status RunGnuplot(const std::string& script, const std::string& stem) {
  const std::string script_path = stem + ".gp";
  if (absl::Status s = WriteFileAtomically(script_path, script); !s.ok()) return s;
  absl::StatusOr<CommandResult> run = RunCommand({"gnuplot", script_path}, true);
  if (!run.ok() || run->exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("gnuplot failed on ", script_path,
                     " (is gnuplot-nox installed? tools/setup.sh "
                     "installs it): ",
                     run.ok() ? run->output : std::string(run.status().message())));
  }
  return absl::OkStatus();
}

}  // namespace sdbench
