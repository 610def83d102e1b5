#include "lib/training/model_file.h"

#include <torch/serialize.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/io/file_io.h"
#include "lib/training/checkpoint.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

constexpr char kWeightsFormat[] = "sdbench-weights";
constexpr int kWeightsVersion = 1;

// The model's description for Python (see model_file.h).
Json ModelDescription(ResNet& model) {
  const ResNetOptions& o = model->options();
  std::vector<double> scale = model->survival();
  if (o.test_scaling == TestScaling::kInverted) scale.assign(scale.size(), 1.0);
  return {{"depth", o.depth},
          {"num_classes", o.num_classes},
          {"shortcut", ShortcutSubsamplingName(o.shortcut)},
          {"conv_bias", o.conv_bias},
          {"test_scaling", TestScalingName(o.test_scaling)},
          {"survival", model->survival()},
          {"test_branch_scale", scale}};
}

torch::Tensor ImageTensor(const std::vector<float>& values) {
  return torch::tensor(values, torch::kFloat).reshape({3, 32, 32});
}

// Every named parameter and buffer of the model.
std::vector<std::pair<std::string, torch::Tensor>> NamedTensors(ResNet& model) {
  std::vector<std::pair<std::string, torch::Tensor>> all;
  for (const auto& p : model->named_parameters()) all.emplace_back(p.key(), p.value());
  for (const auto& b : model->named_buffers()) all.emplace_back(b.key(), b.value());
  return all;
}

// The peer names of the biases the model leaves out (model.conv_bias=false),
// with their sizes.
std::vector<std::pair<std::string, int64_t>> MissingConvBiases(ResNet& model) {
  std::vector<std::pair<std::string, int64_t>> missing;
  for (const auto& m : model->named_modules("", /*include_self=*/false)) {
    auto* conv = m.value()->as<torch::nn::Conv2d>();
    if (conv != nullptr && !conv->options.bias()) {
      missing.emplace_back(PeerName(absl::StrCat(m.key(), ".bias")), conv->options.out_channels());
    }
  }
  return missing;
}

std::string Text(const c10::impl::GenericDict& dict, const char* key) {
  return dict.at(key).toStringRef();
}

// A weights file's dict, or an error saying why `bytes` is not one.
absl::StatusOr<c10::impl::GenericDict> ReadWeightsDict(const std::vector<char>& bytes) {
  try {
    c10::IValue value = torch::pickle_load(bytes);
    if (!value.isGenericDict()) return absl::InvalidArgumentError("not a dict");
    c10::impl::GenericDict dict = value.toGenericDict();
    if (!dict.contains("format") || !dict.at("format").isString() ||
        dict.at("format").toStringRef() != kWeightsFormat) {
      return absl::InvalidArgumentError(absl::StrCat("no \"format\": \"", kWeightsFormat, "\""));
    }
    if (dict.at("version").toInt() != kWeightsVersion) {
      return absl::InvalidArgumentError(absl::StrCat("version ", dict.at("version").toInt(),
                                                     ", this program reads ", kWeightsVersion));
    }
    return dict;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    return absl::InvalidArgumentError(what.substr(0, what.find('\n')));
  }
}

// Copies the weights dict's tensors into the model's own tensors.
absl::Status CopyWeights(const std::string& path, const c10::impl::GenericDict& state,
                         ResNet& model) {
  torch::NoGradGuard no_grad;
  size_t used = 0;
  for (auto& [name, tensor] : NamedTensors(model)) {
    const std::string key = PeerName(name);
    if (!state.contains(key)) {
      return absl::DataLossError(absl::StrCat(path, ": the weights lack '", key, "'"));
    }
    const torch::Tensor saved = state.at(key).toTensor();
    if (saved.sizes() != tensor.sizes()) {
      return absl::DataLossError(absl::StrCat(path, ": '", key, "' has shape ",
                                              c10::str(saved.sizes()), ", the model's is ",
                                              c10::str(tensor.sizes())));
    }
    tensor.copy_(saved);
    ++used;
  }
  for (const auto& [key, size] : MissingConvBiases(model)) {
    if (!state.contains(key)) continue;
    if (state.at(key).toTensor().abs().max().item<double>() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": '", key, "' is not zero, but the model has no convolution biases"));
    }
    ++used;
  }
  if (used != state.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the weights hold ", state.size() - used,
                     " tensor(s) the model does not have (another architecture?)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSameModelAndData(const std::string& path, const Json& recorded, const Json& run) {
  const std::pair<const char*, std::vector<std::string>> sections[] = {
      {"model", {"gate_mode"}}, {"dataset", {"augment", "max_shift"}}};
  for (const auto& [section, skipped] : sections) {
    Json keys = recorded.value(section, Json::object());
    keys.update(run.value(section, Json::object()));
    for (const auto& [key, unused] : keys.items()) {
      if (std::find(skipped.begin(), skipped.end(), key) != skipped.end()) continue;
      const Json a = recorded.value(section, Json::object()).value(key, Json());
      const Json b = run.value(section, Json::object()).value(key, Json());
      if (a != b) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": made with ", section, ".", key, " = ", a.dump(), ", this run has ", b.dump(),
            " (only model and data settings must agree)"));
      }
    }
  }
  return absl::OkStatus();
}

std::string PeerName(const std::string& name) {
  if (absl::StartsWith(name, "stem_conv.")) return "conv." + name.substr(10);
  if (absl::StartsWith(name, "stem_bn.")) return "bn." + name.substr(8);
  int block = 0;
  const size_t dot = name.find('.');
  if (absl::StartsWith(name, "block") && dot != std::string::npos &&
      absl::SimpleAtoi(name.substr(5, dot - 5), &block)) {
    return absl::StrCat("blocks.", block - 1, name.substr(dot));
  }
  return name;
}

absl::Status SaveWeights(const std::string& path, ResNet& model, const Normalization& normalization,
                         const Json& config, const Json& run) {
  std::vector<char> bytes;
  try {
    c10::impl::GenericDict state(c10::StringType::get(), c10::TensorType::get());
    for (const auto& [name, tensor] : NamedTensors(model)) {
      state.insert(PeerName(name), tensor.detach().to(torch::kCPU).contiguous().clone());
    }
    for (const auto& [key, size] : MissingConvBiases(model)) {
      state.insert(key, torch::zeros({size}));
    }
    c10::impl::GenericDict file(c10::StringType::get(), c10::AnyType::get());
    file.insert("format", kWeightsFormat);
    file.insert("version", kWeightsVersion);
    file.insert("model", ModelDescription(model).dump());
    file.insert("config", config.dump());
    file.insert("run", run.dump());
    file.insert("state_dict", state);
    file.insert("mean", ImageTensor(normalization.mean));
    file.insert("scale", ImageTensor(normalization.scale));
    bytes = torch::pickle_save(file);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialise the weights: ", e.what()));
  }
  return WriteFileAtomically(path, absl::string_view(bytes.data(), bytes.size()));
}

absl::StatusOr<ModelFile> LoadModelFile(
    const std::string& path, ResNet& model, const torch::Device& device,
    const std::function<absl::Status(const ModelFile&)>& accept) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<c10::impl::GenericDict> weights =
      ReadWeightsDict(std::vector<char>(bytes->begin(), bytes->end()));
  ModelFile file;
  if (weights.ok()) {
    file.kind = "weights";
    try {
      file.config = Json::parse(Text(*weights, "config"));
      file.run = Json::parse(Text(*weights, "run"));
    } catch (const std::exception& e) {
      return absl::DataLossError(absl::StrCat(path, ": unreadable weights file: ", e.what()));
    }
    if (absl::Status s = accept(file); !s.ok()) return s;
    const c10::impl::GenericDict state = weights->at("state_dict").toGenericDict();
    if (absl::Status s = CopyWeights(path, state, model); !s.ok()) return s;
    model->to(device);
    return file;
  }
  file.kind = "checkpoint";
  absl::StatusOr<Json> config = LoadCheckpointModel(path, model, device, [&](const Json& recorded) {
    file.config = recorded;
    return accept(file);
  });
  if (absl::IsDataLoss(config.status())) {
    return absl::DataLossError(
        absl::StrCat(path, ": neither an sdbench weights file (", weights.status().message(),
                     ") nor a readable checkpoint (", config.status().message(), ")"));
  }
  if (!config.ok()) return config.status();
  return file;
}

}  // namespace sdbench
