// A trained model outside its run: evaluating a checkpoint or a weights
// file, and saving weights that Python's torch.load reads.
//
// Weights file (`runner --save_weights`, <arm>_seed<k>.weights.pt): a
// pickle that `torch.load` reads as a dict
//   "format":     "sdbench-weights", "version": 1
//   "model":      JSON text: depth, classes, shortcut, conv_bias,
//                 test_scaling, survival (p_l per block) and
//                 test_branch_scale (what each block's branch is multiplied
//                 by at test time: p_l under the paper's rule, 1 under
//                 inverted scaling or constant depth)
//   "config":     JSON text: the run's resolved config
//   "run":        JSON text: experiment, arm, profile, seed
//   "state_dict": tensors under the names of baselines/peer's PyTorch
//                 model (PeerName); convolution biases are zeros when the
//                 run had none (model.conv_bias=false)
//   "mean", "scale": [3, 32, 32] float tensors: an image's input is
//                 (pixel - mean) * scale, pixels 0..255, channels RGB
// baselines/peer/sdbench_weights.py loads it into that model.
#ifndef SDBENCH_LIB_TRAINING_MODEL_FILE_H_
#define SDBENCH_LIB_TRAINING_MODEL_FILE_H_

#include <torch/torch.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/protocol.h"
#include "lib/model/resnet.h"
#include "nlohmann/json.hpp"

namespace sdbench {

// What a model file says about the run that made it.
struct ModelFile {
  std::string kind;       // "checkpoint" or "weights".
  nlohmann::json config;  // The run's resolved config.
  nlohmann::json run;     // Weights: experiment, arm, profile, seed. Checkpoint: null.
};

// The settings that define a model and its data, the only ones an
// evaluation compares: every model.* key but gate_mode, every dataset.* key
// but augment and max_shift (training-only choices). An error names `path`,
// the first key that differs and both values.
absl::Status CheckSameModelAndData(const std::string& path, const nlohmann::json& recorded,
                                   const nlohmann::json& run);

// baselines/peer's name of a parameter or buffer of ResNet: "stem_conv.weight"
// -> "conv.weight", "stem_bn.*" -> "bn.*", "block3.conv1.bias" ->
// "blocks.2.conv1.bias", "fc.*" unchanged.
std::string PeerName(const std::string& name);

// Writes the weights file described above (atomically).
absl::Status SaveWeights(const std::string& path, ResNet& model, const Normalization& normalization,
                         const nlohmann::json& config, const nlohmann::json& run);

// Loads the weights of `path` (a checkpoint or a weights file) into `model`
// (on `device`), once `accept` agreed to what the file records. An error
// names the path and the problem: unreadable, truncated, neither kind, a
// tensor missing or of another shape.
absl::StatusOr<ModelFile> LoadModelFile(
    const std::string& path, ResNet& model, const torch::Device& device,
    const std::function<absl::Status(const ModelFile&)>& accept);

}  // namespace sdbench

#endif  // SDBENCH_LIB_TRAINING_MODEL_FILE_H_
