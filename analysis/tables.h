// The paper's tables with sdbench's measurements beside them: Table 1
// (test error), the no-augmentation numbers, the 1202-layer numbers, and
// Table 2 (training time). Each measured cell is mean +- std over seeds with
// the number of seeds and the profile; a reduced-profile cell is labelled
// "reduced" (never a paper-protocol number); missing runs read "missing".
#ifndef SDBENCH_ANALYSIS_TABLES_H_
#define SDBENCH_ANALYSIS_TABLES_H_

#include <string>

#include "analysis/result_set.h"
#include "nlohmann/json.hpp"

namespace sdbench {

struct RenderedTables {
  std::string markdown;
  std::string latex;
};

// `paper` is baselines/paper.json, parsed in file order (the paper's column order).
RenderedTables RenderTables(const nlohmann::ordered_json& paper, const ResultSet& results);

// A Markdown section listing local runs (LoadedResults::local); empty when
// there are none.
std::string RenderLocalRuns(const ResultSet& local);

}  // namespace sdbench

#endif  // SDBENCH_ANALYSIS_TABLES_H_
