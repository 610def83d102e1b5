#include "analysis/tables.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// One measured cell.
struct Measured {
  std::string profile;  // "" when missing.
  Aggregate value;
};

// Mean and std of a metric over the runs that have it.
Aggregate SummarizeMetric(const std::vector<Json>& runs, const std::string& metric) {
  std::vector<double> values;
  for (const Json& run : runs) {
    if (std::optional<double> v = NumberAt(run, metric)) values.push_back(*v);
  }
  return Summarize(values);
}

// "mean", or "mean ± std" over more than one run.
std::string FormatMeanStd(const Aggregate& a, const char* format) {
  std::string text = absl::StrFormat(format, a.mean);
  if (a.count > 1) absl::StrAppend(&text, " ± ", absl::StrFormat(format, a.std));
  return text;
}

Measured Measure(const ResultSet& results, const std::string& experiment, const std::string& arm,
                 const std::string& metric) {
  Measured m;
  auto [profile, runs] = results.BestRuns(experiment, arm);
  if (runs == nullptr) return m;
  const Aggregate value = SummarizeMetric(*runs, metric);
  if (value.count == 0) return m;
  m.profile = profile;
  m.value = value;
  return m;
}

std::string FormatMeasured(const Measured& m, const char* format = "%.2f") {
  if (m.profile.empty()) return "missing";
  return absl::StrCat(FormatMeanStd(m.value, format), " (n=", m.value.count,
                      m.profile == "paper" ? "" : ", reduced", ")");
}

std::string FormatPaper(const OrderedJson& cell) {
  std::string text = absl::StrFormat("%.2f", cell["value"].get<double>());
  if (cell.contains("inconsistent")) {
    std::vector<std::string> others;
    for (const OrderedJson& o : cell["inconsistent"]) {
      others.push_back(
          absl::StrFormat("%.2f in %s", o["value"].get<double>(), o["source"].get<std::string>()));
    }
    absl::StrAppend(&text, " (", cell["source"].get<std::string>(), "; also ",
                    absl::StrJoin(others, ", "), ")");
  }
  return text;
}

std::string FormatDifference(const Measured& m, double paper) {
  if (m.profile.empty()) return "";
  return absl::StrFormat("%+.2f%s", m.value.mean - paper,
                         m.profile == "paper" ? "" : " (reduced: not comparable)");
}

// A table as rows of cells; rendered to Markdown and LaTeX alike.
struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string note;
};

std::string Markdown(const Table& t) {
  std::string out =
      absl::StrCat("### ", t.title, "\n\n| ", absl::StrJoin(t.header, " | "), " |\n|");
  for (size_t i = 0; i < t.header.size(); ++i) absl::StrAppend(&out, "---|");
  absl::StrAppend(&out, "\n");
  for (const auto& row : t.rows) absl::StrAppend(&out, "| ", absl::StrJoin(row, " | "), " |\n");
  if (!t.note.empty()) absl::StrAppend(&out, "\n", t.note, "\n");
  return out + "\n";
}

std::string LatexEscape(const std::string& text) {
  return absl::StrReplaceAll(
      text, {{"%", "\\%"}, {"±", "$\\pm$"}, {"_", "\\_"}, {"&", "\\&"}, {"#", "\\#"}});
}

std::string Latex(const Table& t) {
  std::string out =
      absl::StrCat("% ", t.title, "\n\\begin{table}[t]\n\\centering\n\\small\n\\begin{tabular}{l",
                   std::string(t.header.size() - 1, 'c'), "}\n\\hline\n");
  std::vector<std::string> header;
  for (const auto& h : t.header) header.push_back(LatexEscape(h));
  absl::StrAppend(&out, absl::StrJoin(header, " & "), " \\\\\n\\hline\n");
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(LatexEscape(c));
    absl::StrAppend(&out, absl::StrJoin(cells, " & "), " \\\\\n");
  }
  absl::StrAppend(&out, "\\hline\n\\end{tabular}\n\\caption{", LatexEscape(t.title));
  if (!t.note.empty()) absl::StrAppend(&out, " ", LatexEscape(t.note));
  return out + "}\n\\end{table}\n\n";
}

const char kErrorMetric[] = "summary.test_error_at_best_validation_percent";

// Paper value, sdbench value and difference rows for each arm of a
// {columns, rows} block of paper.json.
Table ErrorTable(const std::string& title, const OrderedJson& block, const ResultSet& results,
                 const std::vector<std::pair<std::string, std::string>>& arms) {
  Table t;
  t.title = title;
  t.header = {"test error (%)"};
  std::vector<std::string> keys;
  for (const auto& [key, column] : block["columns"].items()) {
    keys.push_back(key);
    t.header.push_back(column["label"].get<std::string>());
  }
  for (const auto& [arm, label] : arms) {
    const OrderedJson& row = block["rows"][arm];
    std::vector<std::string> paper = {absl::StrCat(label, " (paper)")};
    std::vector<std::string> ours = {absl::StrCat(label, " (sdbench)")};
    std::vector<std::string> diff = {"difference"};
    for (const std::string& key : keys) {
      const OrderedJson& column = block["columns"][key];
      paper.push_back(FormatPaper(row[key]));
      if (column["experiment"].is_null()) {
        ours.push_back("not run");
        diff.push_back("");
        continue;
      }
      Measured m = Measure(results, column["experiment"].get<std::string>(), arm, kErrorMetric);
      ours.push_back(FormatMeasured(m));
      diff.push_back(FormatDifference(m, row[key]["value"].get<double>()));
    }
    t.rows.push_back(paper);
    t.rows.push_back(ours);
    t.rows.push_back(diff);
  }
  return t;
}

// Every run of `results` (smoke runs excepted), one row per experiment,
// profile and arm, with mean ± std over its seeds.
Table RunsTable(const std::string& title, const ResultSet& results) {
  Table all;
  all.title = title;
  all.header = {"experiment",
                "profile",
                "arm",
                "seeds",
                "test error at best val. (%)",
                "final test error (%)",
                "train time (s)",
                "median step (s)",
                "active blocks (observed / expected)"};
  for (const auto& [key, runs] : results.groups()) {
    if (key.profile == "smoke") continue;
    auto collect = [&runs = runs](const char* metric) { return SummarizeMetric(runs, metric); };
    auto cell = FormatMeanStd;
    all.rows.push_back({key.experiment, key.profile, key.arm, absl::StrCat(runs.size()),
                        cell(collect("summary.test_error_at_best_validation_percent"), "%.2f"),
                        cell(collect("summary.final_test_error_percent"), "%.2f"),
                        cell(collect("summary.total_train_seconds"), "%.0f"),
                        cell(collect("summary.median_step_seconds"), "%.3f"),
                        absl::StrCat(cell(collect("summary.observed_active_blocks"), "%.2f"), " / ",
                                     cell(collect("summary.expected_active_blocks"), "%.2f"))});
  }
  if (all.rows.empty()) all.rows.push_back({"(none)", "", "", "", "", "", "", "", ""});
  all.note =
      "\"reduced\" runs follow the paper's protocol scaled down (see each result's config); "
      "they are not paper-protocol numbers.";
  return all;
}

// Each arm minus its experiment's reference arm (by default constant depth,
// so stochastic - constant: the effect the paper reports) under every
// profile where both ran, with its uncertainty over seeds.
Table DifferenceTable(const std::string& title, const ResultSet& results) {
  Table t;
  t.title = title;
  t.header = {"experiment",      "profile",   "reference",  "arm",
              "reference error", "arm error", "difference", "95% interval (Welch)"};
  const char* metric = "summary.test_error_at_best_validation_percent";
  auto cell = [](const Aggregate& a) {
    return absl::StrCat(FormatMeanStd(a, "%.2f"), " (n=", a.count, ")");
  };
  std::set<std::pair<std::string, std::string>> done;
  for (const auto& [key, runs] : results.groups()) {
    if (key.profile == "smoke" || !done.insert({key.experiment, key.profile}).second) continue;
    const std::string reference_arm = results.ReferenceArm(key.experiment, key.profile);
    const Aggregate reference =
        SummarizeMetric(results.Runs({key.experiment, reference_arm, key.profile}), metric);
    if (reference.count == 0) continue;
    for (const std::string& arm : results.Arms(key.experiment, key.profile)) {
      if (arm == reference_arm) continue;
      const Aggregate other =
          SummarizeMetric(results.Runs({key.experiment, arm, key.profile}), metric);
      if (other.count == 0) continue;
      const Difference d = WelchDifference(reference, other);
      t.rows.push_back({key.experiment, key.profile, reference_arm, arm, cell(reference),
                        cell(other), absl::StrFormat("%+.2f", d.value),
                        d.has_interval ? absl::StrFormat("[%+.2f, %+.2f] (df %.1f)", d.low, d.high,
                                                         d.degrees_of_freedom)
                                       : "needs 2+ seeds per arm"});
    }
  }
  if (t.rows.empty()) t.rows.push_back({"(none)", "", "", "", "", "", "", ""});
  t.note =
      "Test error (%) at the lowest validation error, mean ± std over seeds; difference = arm - "
      "reference (negative: the arm better), with a 95% Welch interval (unequal variances). An "
      "interval that excludes 0 is a difference the seeds resolve. The reference is the arm the "
      "experiment names (reference_arm in its file and results; constant depth unless it says "
      "otherwise), so for the paper's experiments the difference is stochastic - constant.";
  return t;
}

const std::vector<std::pair<std::string, std::string>>& Arms() {
  static const auto* arms = new std::vector<std::pair<std::string, std::string>>{
      {"constant", "Constant Depth"}, {"stochastic", "Stochastic Depth"}};
  return *arms;
}

// 1202 layers: the paper's two numbers and He et al.'s.
Table Table1202(const OrderedJson& paper, const ResultSet& results) {
  Table t;
  t.title = "1202 layers, CIFAR-10+ (Fig. 4 right, Fig. 5)";
  t.header = {"", "paper", "sdbench", "difference"};
  const OrderedJson& b = paper["cifar10_1202"];
  for (const auto& [arm, label] : Arms()) {
    Measured m = Measure(results, b["experiment"].get<std::string>(), arm, kErrorMetric);
    t.rows.push_back({label, FormatPaper(b[arm]), FormatMeasured(m),
                      FormatDifference(m, b[arm]["value"].get<double>())});
  }
  t.rows.push_back({"Constant Depth (He et al.)", FormatPaper(b["he_et_al_constant"]), "", ""});
  return t;
}

// Table 2: training time of the full schedule, and the ratio.
Table Table2(const OrderedJson& paper, const ResultSet& results) {
  Table t;
  t.title = "Table 2: training time of the full schedule";
  t.header = {"",
              "paper constant",
              "paper stochastic",
              "paper ratio",
              "sdbench constant (s)",
              "sdbench stochastic (s)",
              "sdbench ratio"};
  const OrderedJson& b = paper["table2"];
  for (const auto& [key, column] : b["columns"].items()) {
    const std::string experiment = column["experiment"].get<std::string>();
    Measured c = Measure(results, experiment, "constant", "summary.total_train_seconds");
    Measured s = Measure(results, experiment, "stochastic", "summary.total_train_seconds");
    std::string ratio = "missing";
    if (!c.profile.empty() && !s.profile.empty() && c.value.mean > 0) {
      ratio = absl::StrFormat("%.3f%s", s.value.mean / c.value.mean,
                              c.profile == "paper" && s.profile == "paper" ? "" : " (reduced)");
    }
    t.rows.push_back({column["label"].get<std::string>(),
                      b["constant_seconds"][key]["text"].get<std::string>(),
                      b["stochastic_seconds"][key]["text"].get<std::string>(),
                      absl::StrFormat("%.3f", b["ratio"][key]["value"].get<double>()),
                      FormatMeasured(c, "%.0f"), FormatMeasured(s, "%.0f"), ratio});
  }
  t.note =
      "Times depend on the hardware (the paper: one GPU; sdbench: see each result's "
      "provenance); compare the ratios. Expected from the active blocks alone: about 0.75.";
  return t;
}

}  // namespace

RenderedTables RenderTables(const OrderedJson& paper, const ResultSet& results) {
  Table t1 = ErrorTable("Table 1: test error (%), 110 layers (CIFAR), 152 layers (SVHN)",
                        paper["table1"], results, Arms());
  t1.note =
      "Measured: test error at the lowest validation error, mean ± std over seeds "
      "(n = seeds). \"reduced\" marks runs of the scaled-down profile, which are not "
      "paper-protocol results.";
  const std::vector<Table> tables = {
      t1,
      ErrorTable("Section 4: test error (%) without data augmentation", paper["no_augmentation"],
                 results, Arms()),
      Table1202(paper, results),
      Table2(paper, results),
      DifferenceTable("Each arm against its experiment's reference arm", results),
      RunsTable("Every run in the results directory", results)};
  RenderedTables rendered;
  for (const Table& t : tables) {
    rendered.markdown += Markdown(t);
    rendered.latex += Latex(t);
  }
  return rendered;
}

std::string RenderLocalRuns(const ResultSet& local) {
  if (local.empty()) return "";
  Table t = RunsTable("Local runs (git-ignored result files, e.g. your quickstart)", local);
  t.note = absl::StrCat(t.note,
                        " These files are every user's own output; the committed tables "
                        "above never include them.");
  return Markdown(t);
}

}  // namespace sdbench
