#include "analysis/regress.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

std::optional<double> ArmMetric(const ResultSet& results, const std::string& experiment,
                                const std::string& profile, const std::string& arm,
                                const std::string& metric, std::string* problem) {
  const std::vector<Json>& runs = results.Runs({experiment, arm, profile});
  if (runs.empty()) {
    *problem = absl::StrCat("missing: no ", profile, " runs of ", experiment, "/", arm);
    return std::nullopt;
  }
  std::vector<double> values;
  for (const Json& run : runs) {
    std::optional<double> v = NumberAt(run, metric);
    if (!v) {
      *problem = absl::StrCat("missing: ", metric, " in ", experiment, "/", arm);
      return std::nullopt;
    }
    values.push_back(*v);
  }
  return Summarize(values).mean;
}

absl::StatusOr<double> Number(const Json& check, const char* key) {
  if (!check.contains(key) || !check[key].is_number()) {
    return absl::InvalidArgumentError(absl::StrCat("reference check '", check.value("name", "?"),
                                                   "' needs a number '", key, "'"));
  }
  return check[key].get<double>();
}

absl::StatusOr<std::string> Text(const Json& check, const char* key) {
  if (!check.contains(key) || !check[key].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("reference check '", check.value("name", "?"),
                                                   "' needs a string '", key, "'"));
  }
  return check[key].get<std::string>();
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
  const std::string experiment = reference["experiment"];
  const std::string profile = reference["profile"];
  std::vector<CheckOutcome> outcomes;
  for (const Json& check : reference["checks"]) {
    absl::StatusOr<std::string> name = Text(check, "name");
    absl::StatusOr<std::string> type = Text(check, "type");
    absl::StatusOr<std::string> metric = Text(check, "metric");
    if (!name.ok()) return name.status();
    if (!type.ok()) return type.status();
    if (!metric.ok()) return metric.status();
    CheckOutcome outcome;
    outcome.name = *name;
    std::string problem;
    std::optional<double> value;
    if (*type == "ratio_max") {
      absl::StatusOr<std::string> numerator = Text(check, "numerator_arm");
      absl::StatusOr<std::string> denominator = Text(check, "denominator_arm");
      absl::StatusOr<double> max = Number(check, "max");
      if (!numerator.ok()) return numerator.status();
      if (!denominator.ok()) return denominator.status();
      if (!max.ok()) return max.status();
      std::optional<double> top =
          ArmMetric(results, experiment, profile, *numerator, *metric, &problem);
      std::optional<double> bottom =
          top ? ArmMetric(results, experiment, profile, *denominator, *metric, &problem)
              : std::nullopt;
      if (top && bottom && *bottom > 0) value = *top / *bottom;
      outcome.bound = absl::StrFormat("<= %.4g", *max);
      if (value) outcome.passed = *value <= *max;
    } else if (*type == "max" || *type == "min" || *type == "range" || *type == "min_fraction") {
      absl::StatusOr<std::string> arm = Text(check, "arm");
      if (!arm.ok()) return arm.status();
      value = ArmMetric(results, experiment, profile, *arm, *metric, &problem);
      double low = -1e300, high = 1e300;
      if (*type == "max" || *type == "range") {
        absl::StatusOr<double> max = Number(check, "max");
        if (!max.ok()) return max.status();
        high = *max;
      }
      if (*type == "min" || *type == "range") {
        absl::StatusOr<double> min = Number(check, "min");
        if (!min.ok()) return min.status();
        low = *min;
      }
      if (*type == "min_fraction") {
        absl::StatusOr<double> ref = Number(check, "reference");
        absl::StatusOr<double> fraction = Number(check, "fraction");
        if (!ref.ok()) return ref.status();
        if (!fraction.ok()) return fraction.status();
        low = *ref * *fraction;
      }
      outcome.bound = *type == "max"     ? absl::StrFormat("<= %.4g", high)
                      : *type == "range" ? absl::StrFormat("in [%.4g, %.4g]", low, high)
                                         : absl::StrFormat(">= %.4g", low);
      if (value) outcome.passed = *value >= low && *value <= high;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("reference check '", *name, "' has unknown type '", *type,
                       "' (known: max, min, range, ratio_max, min_fraction)"));
    }
    outcome.value = value ? absl::StrFormat("%.4g", *value) : problem;
    outcomes.push_back(outcome);
  }
  return outcomes;
}

std::string FormatOutcomes(const std::vector<CheckOutcome>& outcomes) {
  std::string text = "| check | value | bound | result |\n|---|---|---|---|\n";
  for (const CheckOutcome& o : outcomes) {
    absl::StrAppend(&text, "| ", o.name, " | ", o.value, " | ", o.bound, " | ",
                    o.passed ? "PASS" : "FAIL", " |\n");
  }
  return text;
}

absl::StatusOr<std::vector<CheckOutcome>> RunSpeedChecks(const Json& reference,
                                                         const Json& report) {
  if (!reference.contains("speed_checks") || !reference["speed_checks"].is_array()) {
    return absl::InvalidArgumentError("the reference has no 'speed_checks' list");
  }
  std::vector<CheckOutcome> outcomes;
  for (const Json& check : reference["speed_checks"]) {
    CheckOutcome outcome;
    outcome.name = check.value("name", "?");
    if (!check.contains("metric") || !check["metric"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("speed check '", outcome.name, "' needs a 'metric'"));
    }
    const std::string metric = check["metric"];
    const bool has_max = check.contains("max"), has_min = check.contains("min");
    if (!has_max && !has_min) {
      return absl::InvalidArgumentError(
          absl::StrCat("speed check '", outcome.name, "' needs 'max' or 'min'"));
    }
    std::optional<double> value = NumberAt(report, metric);
    std::string bound;
    bool passed = value.has_value();
    if (has_max) {
      absl::StatusOr<double> max = Number(check, "max");
      if (!max.ok()) return max.status();
      bound = absl::StrFormat("<= %g", *max);
      passed = passed && *value <= *max;
    }
    if (has_min) {
      absl::StatusOr<double> min = Number(check, "min");
      if (!min.ok()) return min.status();
      bound = absl::StrCat(bound, bound.empty() ? "" : ", ", absl::StrFormat(">= %g", *min));
      passed = passed && *value >= *min;
    }
    outcome.value = value ? absl::StrFormat("%.3f", *value) : absl::StrCat("missing: ", metric);
    outcome.bound = bound;
    outcome.passed = passed;
    outcomes.push_back(outcome);
  }
  return outcomes;
}

}  // namespace sdbench
