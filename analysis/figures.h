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
//   progress             runs in progress, from their metrics files
//                        (--metrics): test and validation error, training
//                        loss (log, right axis) against the epoch
// A figure whose runs are missing is still drawn and says so on itself.
#ifndef SDBENCH_ANALYSIS_FIGURES_H_
#define SDBENCH_ANALYSIS_FIGURES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "analysis/gnuplot.h"
#include "analysis/result_set.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// Builds every figure from the results (paper values from paper.json).
std::vector<LineFigure> BuildLineFigures(const nlohmann::ordered_json& paper,
                                         const ResultSet& results);
HeatMap BuildDepthSurvivalHeatMap(const ResultSet& results);

// The progress figure of the runs whose metrics files (one line per
// evaluation so far, lib/training/metrics_log.h) are `paths`. An error names
// a file that cannot be read.
absl::StatusOr<LineFigure> BuildProgressFigure(const std::vector<std::string>& paths);

// Renders one line figure into `out_dir`; returns the files written.
absl::StatusOr<std::vector<std::string>> RenderLineFigure(const LineFigure& figure,
                                                          const std::string& out_dir);

// Renders every figure into `out_dir`; returns the files written.
absl::StatusOr<std::vector<std::string>> RenderAllFigures(const nlohmann::ordered_json& paper,
                                                          const ResultSet& results,
                                                          const std::string& out_dir);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_FIGURES_H_
