#include "analysis/regress.h"

#include <cmath>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

absl::Status Malformed(const Json& check, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("reference check '", check.value("name", "?"), "' ", problem));
}

absl::StatusOr<double> Number(const Json& check, const char* key) {
  if (!check.contains(key) || !check[key].is_number()) {
    return Malformed(check, absl::StrCat("needs a number '", key, "'"));
  }
  return check[key].get<double>();
}

absl::StatusOr<std::string> Text(const Json& check, const char* key) {
  if (!check.contains(key) || !check[key].is_string()) {
    return Malformed(check, absl::StrCat("needs a string '", key, "'"));
  }
  return check[key].get<std::string>();
}

// An arm's metric over its runs (seeds), or why it is missing.
struct ArmValue {
  std::optional<Aggregate> value;
  std::string problem;
};

ArmValue ArmMetric(const ResultSet& results, const std::string& experiment,
                   const std::string& profile, const std::string& arm, const std::string& metric) {
  const std::vector<Json>& runs = results.Runs({experiment, arm, profile});
  if (runs.empty()) {
    return {std::nullopt, absl::StrCat("missing: no ", profile, " runs of ", experiment, "/", arm)};
  }
  std::vector<double> values;
  for (const Json& run : runs) {
    std::optional<double> v = NumberAt(run, metric);
    if (!v) return {std::nullopt, absl::StrCat("missing: ", metric, " in ", experiment, "/", arm)};
    values.push_back(*v);
  }
  return {Summarize(values), ""};
}

// The band of a band check: its center, half-width for `n` runs, and
// whether only the upper side counts.
struct Band {
  double mean = 0;
  double half_width = 0;
  bool upper_only = false;
  double k = 0;
  double sd = 0;
};

absl::StatusOr<Band> ReadBand(const Json& check, int n) {
  Band band;
  for (auto [key, field] : {std::make_pair("mean", &band.mean), std::make_pair("sd", &band.sd),
                            std::make_pair("k", &band.k)}) {
    absl::StatusOr<double> v = Number(check, key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  if (band.sd <= 0 || band.k <= 0) return Malformed(check, "needs sd > 0 and k > 0");
  band.upper_only = check.value("side", "both") == "upper";
  band.half_width = band.k * band.sd / std::sqrt(static_cast<double>(std::max(1, n)));
  return band;
}

void ApplyBand(const Band& band, double value, int n, CheckOutcome* outcome) {
  const double z = (value - band.mean) / (band.sd / std::sqrt(static_cast<double>(std::max(1, n))));
  outcome->value = absl::StrFormat("%.4g (n=%d, z=%+.1f)", value, n, z);
  outcome->bound = band.upper_only
                       ? absl::StrFormat("<= %.4g + %g sd/sqrt(n) = %.4g", band.mean, band.k,
                                         band.mean + band.half_width)
                       : absl::StrFormat("%.4g +- %g sd/sqrt(n) = [%.4g, %.4g]", band.mean, band.k,
                                         band.mean - band.half_width, band.mean + band.half_width);
  outcome->passed = band.upper_only ? value <= band.mean + band.half_width
                                    : std::abs(value - band.mean) <= band.half_width;
}

// Checks of one arm's metric: band, max, min, range, min_fraction.
absl::Status ArmCheck(const Json& check, const std::string& type, const ArmValue& arm,
                      CheckOutcome* outcome) {
  const int n = arm.value ? arm.value->count : 0;
  if (type == "band") {
    absl::StatusOr<Band> band = ReadBand(check, n);
    if (!band.ok()) return band.status();
    if (arm.value) ApplyBand(*band, arm.value->mean, n, outcome);
    return absl::OkStatus();
  }
  double low = -1e300, high = 1e300;
  if (type == "max" || type == "range") {
    absl::StatusOr<double> max = Number(check, "max");
    if (!max.ok()) return max.status();
    high = *max;
  }
  if (type == "min" || type == "range") {
    absl::StatusOr<double> min = Number(check, "min");
    if (!min.ok()) return min.status();
    low = *min;
  }
  if (type == "min_fraction") {
    absl::StatusOr<double> reference = Number(check, "reference");
    absl::StatusOr<double> fraction = Number(check, "fraction");
    if (!reference.ok()) return reference.status();
    if (!fraction.ok()) return fraction.status();
    low = *reference * *fraction;
  }
  outcome->bound = type == "max"     ? absl::StrFormat("<= %.4g", high)
                   : type == "range" ? absl::StrFormat("in [%.4g, %.4g]", low, high)
                                     : absl::StrFormat(">= %.4g", low);
  if (arm.value) {
    outcome->value = absl::StrFormat("%.4g", arm.value->mean);
    outcome->passed = arm.value->mean >= low && arm.value->mean <= high;
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckOutcome> RunCheck(const Json& check, const std::string& experiment,
                                      const std::string& profile, const ResultSet& results) {
  absl::StatusOr<std::string> name = Text(check, "name");
  absl::StatusOr<std::string> type = Text(check, "type");
  absl::StatusOr<std::string> metric = Text(check, "metric");
  for (const auto* s : {&name, &type, &metric}) {
    if (!s->ok()) return s->status();
  }
  CheckOutcome outcome;
  outcome.name = *name;
  if (*type == "ratio_max") {
    absl::StatusOr<std::string> top = Text(check, "numerator_arm");
    absl::StatusOr<std::string> bottom = Text(check, "denominator_arm");
    absl::StatusOr<double> max = Number(check, "max");
    if (!top.ok()) return top.status();
    if (!bottom.ok()) return bottom.status();
    if (!max.ok()) return max.status();
    const ArmValue a = ArmMetric(results, experiment, profile, *top, *metric);
    const ArmValue b = ArmMetric(results, experiment, profile, *bottom, *metric);
    outcome.bound = absl::StrFormat("<= %.4g", *max);
    outcome.value = !a.value ? a.problem : b.problem;
    if (a.value && b.value && b.value->mean > 0) {
      const double ratio = a.value->mean / b.value->mean;
      outcome.value = absl::StrFormat("%.4g", ratio);
      outcome.passed = ratio <= *max;
    }
    return outcome;
  }
  if (*type != "band" && *type != "max" && *type != "min" && *type != "range" &&
      *type != "min_fraction") {
    return Malformed(check, absl::StrCat("has unknown type '", *type,
                                         "' (known: band, max, min, range, ratio_max, "
                                         "min_fraction)"));
  }
  absl::StatusOr<std::string> arm = Text(check, "arm");
  if (!arm.ok()) return arm.status();
  const ArmValue value = ArmMetric(results, experiment, profile, *arm, *metric);
  outcome.value = value.problem;
  if (absl::Status s = ArmCheck(check, *type, value, &outcome); !s.ok()) return s;
  return outcome;
}

// One speed check on the report.
absl::StatusOr<CheckOutcome> RunSpeedCheck(const Json& check, const Json& report) {
  CheckOutcome outcome;
  outcome.name = check.value("name", "?");
  absl::StatusOr<std::string> metric = Text(check, "metric");
  if (!metric.ok()) return metric.status();
  const std::optional<double> value = NumberAt(report, *metric);
  if (check.contains("mean")) {
    absl::StatusOr<Band> band = ReadBand(check, 1);
    if (!band.ok()) return band.status();
    outcome.value = absl::StrCat("missing: ", *metric);
    if (value) ApplyBand(*band, *value, 1, &outcome);
    return outcome;
  }
  if (!check.contains("max") && !check.contains("min")) {
    return Malformed(check, "needs 'max', 'min' or a band ('mean', 'sd', 'k')");
  }
  bool passed = value.has_value();
  std::string bound;
  for (const char* key : {"max", "min"}) {
    if (!check.contains(key)) continue;
    absl::StatusOr<double> limit = Number(check, key);
    if (!limit.ok()) return limit.status();
    const bool is_max = std::string(key) == "max";
    absl::StrAppend(&bound, bound.empty() ? "" : ", ",
                    is_max ? "<= " : ">= ", absl::StrFormat("%g", *limit));
    passed = passed && (is_max ? *value <= *limit : *value >= *limit);
  }
  outcome.value = value ? absl::StrFormat("%.3f", *value) : absl::StrCat("missing: ", *metric);
  outcome.bound = bound;
  outcome.passed = passed;
  return outcome;
}

}  // namespace

absl::StatusOr<std::vector<CheckOutcome>> RunChecks(const Json& reference,
                                                    const ResultSet& results) {
  if (!reference.is_object() || !reference.contains("experiment") ||
      !reference.contains("profile") || !reference.contains("checks") ||
      !reference["checks"].is_array() || reference["checks"].empty()) {
    return absl::InvalidArgumentError(
        "reference must name 'experiment', 'profile' and a non-empty 'checks' list");
  }
  std::vector<CheckOutcome> outcomes;
  for (const Json& check : reference["checks"]) {
    absl::StatusOr<CheckOutcome> outcome =
        RunCheck(check, reference["experiment"], reference["profile"], results);
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(*std::move(outcome));
  }
  return outcomes;
}

absl::StatusOr<SpeedOutcomes> RunSpeedChecks(const Json& reference, const Json& report) {
  const Json& speed = reference.value("speed_checks", Json());
  if (!speed.is_object() || !speed.contains("default") || !speed["default"].is_array()) {
    return absl::InvalidArgumentError(
        "the reference's 'speed_checks' needs a 'default' list (and optionally 'by_cpu_model')");
  }
  SpeedOutcomes result;
  result.reference_used = "default";
  const Json* checks = &speed["default"];
  // The model name and, where the report has it, the ISA ("AMD EPYC AVX2"):
  // one model name has covered hosts with and without AVX-512, whose
  // kernels and ratios differ.
  CpuIdentity identity;
  identity.model_name = "";
  if (report.contains("provenance") && report["provenance"].contains("machine")) {
    const Json& machine = report["provenance"]["machine"];
    identity.model_name = machine.value("cpu_model", "");
    identity.isa = machine.value("cpu_isa", identity.isa);
  }
  const std::string cpu = identity.NameAndIsa();
  result.cpu = cpu;
  // A key names a CPU model or the start of one ("Intel Xeon" covers "Intel
  // Xeon Platinum 8375C AVX-512"); the longest matching key wins.
  if (speed.contains("by_cpu_model") && speed["by_cpu_model"].is_object()) {
    size_t longest = 0;
    for (const auto& [key, list] : speed["by_cpu_model"].items()) {
      if (!key.empty() && key.size() > longest && absl::StartsWith(cpu, key)) {
        longest = key.size();
        checks = &list;
        result.reference_used = key;
      }
    }
  }
  for (const Json& check : *checks) {
    absl::StatusOr<CheckOutcome> outcome = RunSpeedCheck(check, report);
    if (!outcome.ok()) return outcome.status();
    result.outcomes.push_back(*std::move(outcome));
  }
  return result;
}

std::string FormatOutcomes(const std::vector<CheckOutcome>& outcomes) {
  std::string text = "| check | value | bound | result |\n|---|---|---|---|\n";
  for (const CheckOutcome& o : outcomes) {
    absl::StrAppend(&text, "| ", o.name, " | ", o.value, " | ", o.bound, " | ",
                    o.passed ? "PASS" : "FAIL", " |\n");
  }
  return text;
}

}  // namespace sdbench
