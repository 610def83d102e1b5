#include "lib/training/evaluation.h"

#include <c10/core/InferenceMode.h>

#include "lib/distributed/communicator.h"

namespace sdbench {

using Json = nlohmann::json;

Json Evaluation::ToJson() const {
  Json j = {{"epoch", epoch},
            {"iteration", iteration},
            {"lr", lr},
            {"train_loss", train_loss},
            {"train_error_percent", train_error},
            {"test_error_percent", test_error}};
  j["validation_error_percent"] =
      validation_error.has_value() ? Json(*validation_error) : Json(nullptr);
  if (partial_window) j["partial_window"] = true;
  return j;
}

Evaluation Evaluation::FromJson(const Json& j) {
  Evaluation e;
  e.epoch = j["epoch"];
  e.iteration = j["iteration"];
  e.lr = j["lr"];
  e.train_loss = j["train_loss"];
  e.train_error = j["train_error_percent"];
  e.test_error = j["test_error_percent"];
  if (!j["validation_error_percent"].is_null()) {
    e.validation_error = j["validation_error_percent"].get<double>();
  }
  e.partial_window = j.value("partial_window", false);
  return e;
}

int BestValidationIndex(const std::vector<Evaluation>& history, bool partial_window_candidates) {
  if (history.empty()) return -1;
  int best = -1;
  for (size_t i = 0; i < history.size(); ++i) {
    if (!history[i].validation_error.has_value()) continue;
    if (history[i].partial_window && !partial_window_candidates) continue;
    // Strictly lower: ties keep the earliest.
    if (best < 0 || *history[i].validation_error < *history[best].validation_error) {
      best = static_cast<int>(i);
    }
  }
  return best >= 0 ? best : static_cast<int>(history.size()) - 1;
}

TrainingWindow::TrainingWindow(const torch::Device& device) : TrainingWindow(device, Totals()) {}

TrainingWindow::TrainingWindow(const torch::Device& device, const Totals& start)
    : loss_sum_(
          torch::full({}, start.loss_sum, torch::TensorOptions(device).dtype(torch::kDouble))),
      errors_(torch::full({}, start.errors, torch::TensorOptions(device).dtype(torch::kLong))),
      samples_(start.samples) {}

void TrainingWindow::Add(const torch::Tensor& loss, const torch::Tensor& logits,
                         const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  const int64_t n = labels.size(0);
  loss_sum_ += loss.detach().to(torch::kDouble) * n;
  errors_ += logits.argmax(1).ne(labels).sum();
  samples_ += n;
}

TrainingWindow::Totals TrainingWindow::Read() const {
  return {loss_sum_.item<double>(), errors_.item<int64_t>(), samples_};
}

void TrainingWindow::Reset() {
  loss_sum_.zero_();
  errors_.zero_();
  samples_ = 0;
}

absl::StatusOr<EvalResult> EvaluateModel(ResNet& model, BatchSource& loader,
                                         const torch::Device& device, Communicator* communicator) {
  model->eval();
  EvalResult result;
  {
    c10::InferenceMode inference;
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions(device).dtype(torch::kDouble));
    torch::Tensor errors = torch::zeros({}, torch::TensorOptions(device).dtype(torch::kLong));
    int64_t count = 0;
    loader.StartEpoch(0, 0);
    while (std::optional<Batch> batch = loader.Next()) {
      torch::Tensor images = batch->images.to(device);
      torch::Tensor labels = batch->labels.to(device);
      torch::Tensor logits = model->forward(images);
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, labels,
                      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                      .to(torch::kDouble);
      errors += logits.argmax(1).ne(labels).sum();
      count += labels.size(0);
    }
    torch::Tensor totals =
        torch::stack({loss_sum.cpu(), errors.cpu().to(torch::kDouble),
                      torch::full({}, static_cast<double>(count), torch::kDouble)});
    if (communicator != nullptr) {
      if (absl::Status s = communicator->SumInPlace(totals); !s.ok()) return s;
    }
    const double all = totals[2].item<double>();
    if (all > 0) {
      result.loss = totals[0].item<double>() / all;
      result.error_percent = 100.0 * totals[1].item<double>() / all;
    }
  }
  model->train();
  return result;
}

}  // namespace sdbench
