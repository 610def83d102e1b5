#include "experiments/speed_report.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_split.h"
#include "lib/training/runtime.h"

namespace sdbench {

using Json = nlohmann::json;

double Samples::RoundMedian(int r) const {
  std::vector<double> in_round;
  for (size_t k = 0; k < step_s.size(); ++k) {
    if (round[k] == r) in_round.push_back(step_s[k]);
  }
  return Median(in_round);
}

Json SummarizeSamples(const Samples& s, int batch) {
  if (!s.error.empty() || s.step_s.empty()) {
    return {{"failed", s.error.empty() ? "no samples" : s.error}};
  }
  const double median = Median(s.step_s);
  Json j = {{"median_step_s", median},
            {"min_step_s", *std::min_element(s.step_s.begin(), s.step_s.end())},
            {"max_step_s", *std::max_element(s.step_s.begin(), s.step_s.end())},
            {"steps", s.step_s.size()},
            {"images_per_s", batch / median},
            {"mean_active_blocks",
             std::accumulate(s.active.begin(), s.active.end(), 0.0) / s.active.size()},
            {"peak_rss_bytes", s.peak_rss},
            {"step_s", s.step_s}};
  if (!s.flops_per_s.empty()) j["median_conv_gflops"] = Median(s.flops_per_s) / 1e9;
  if (!s.host_s.empty()) {
    j["median_host_s"] = Median(s.host_s);
    j["host_fraction"] = Median(s.host_s) / median;
  }
  if (s.peak_device > 0) j["peak_device_bytes"] = s.peak_device;
  return j;
}

std::optional<Json> RoundPairedRatio(const Samples& a, const Samples& b, int rounds) {
  std::vector<double> per_round;
  for (int r = 0; r < rounds; ++r) {
    const double x = a.RoundMedian(r), y = b.RoundMedian(r);
    if (x > 0 && y > 0) per_round.push_back(x / y);
  }
  if (per_round.empty()) return std::nullopt;
  return Json{{"median", Median(per_round)}, {"per_round", per_round}};
}

Json ConvLimit(const Json& conv, const std::vector<ConvShape>& shapes) {
  double flops = 0, seconds = 0, seconds_channels_last = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Json& s = conv["shapes"][i];
    const double f = s["forward_flops"].get<double>() + s["backward_flops"].get<double>();
    const double t_cl = s["channels_last"]["forward_s"].get<double>() +
                        s["channels_last"]["backward_s"].get<double>();
    const double t_nchw =
        s["contiguous"]["forward_s"].get<double>() + s["contiguous"]["backward_s"].get<double>();
    flops += shapes[i].count * f;
    seconds += shapes[i].count * std::min(t_cl, t_nchw);
    seconds_channels_last += shapes[i].count * t_cl;
  }
  return {{"network_mix_gflops", flops / seconds / 1e9},
          {"network_mix_gflops_channels_last", flops / seconds_channels_last / 1e9},
          {"conv_seconds_per_constant_step", seconds}};
}

Json CheckTargets(const Json& targets, const Json& report) {
  Json checked = Json::object();
  for (const auto& [name, target] : targets.items()) {
    const Json* node = &report;
    for (absl::string_view part : absl::StrSplit(target["metric"].get<std::string>(), '.')) {
      const std::string key(part);
      node = node->is_object() && node->contains(key) ? &(*node)[key] : nullptr;
      if (node == nullptr) break;
    }
    if (node == nullptr || !node->is_number()) continue;
    const double value = node->get<double>(), at_most = target["at_most"].get<double>();
    checked[name] = {{"at_most", at_most}, {"value", value}, {"met", value <= at_most}};
  }
  return checked;
}

}  // namespace sdbench
