// Survival probabilities of stochastic depth (PAPER_SPEC section 2) and the
// sampler that draws the per-block gates.
//
// Block l (1-based, l = 1..L) survives a training step with probability p_l:
//   constant: p_l = 1                       (plain ResNet)
//   linear:   p_l = 1 - (l / L) (1 - p_L)   (Eq. 4, the paper's default)
//   uniform:  p_l = p_L
// Vectors below are indexed from 0, so p[0] is p_1.
#ifndef SDBENCH_LIB_MODEL_SURVIVAL_H_
#define SDBENCH_LIB_MODEL_SURVIVAL_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

enum class SurvivalSchedule { kConstant, kLinear, kUniform };

absl::StatusOr<SurvivalSchedule> ParseSurvivalSchedule(absl::string_view name);
const char* SurvivalScheduleName(SurvivalSchedule schedule);

// p_1..p_L; an error when num_blocks < 1 or p_last is outside (0, 1].
absl::StatusOr<std::vector<double>> SurvivalProbabilities(SurvivalSchedule schedule, int num_blocks,
                                                          double p_last);

// E[number of active blocks] = sum of p_l.
double ExpectedActiveBlocks(const std::vector<double>& survival);

// Draws gates from its own seeded engine, so that the gates never disturb
// the data order or augmentation (and every data-parallel rank seeded alike
// draws the same gates). The engine state can be saved for checkpoints.
class GateSampler {
 public:
  explicit GateSampler(uint64_t seed = 0) : engine_(seed) {}

  void Seed(uint64_t seed) { engine_.seed(seed); }

  // A uniform draw in [0, 1) with 53 random bits (the same on every
  // platform, unlike std::uniform_real_distribution).
  double NextUniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // One Bernoulli(p_l) draw per block: gates[l] = 1 keeps block l.
  void DrawBatchGates(const std::vector<double>& survival, std::vector<uint8_t>* gates);

  // Per-sample draws, row-major [batch][block].
  void DrawRowGates(const std::vector<double>& survival, int64_t batch,
                    std::vector<uint8_t>* gates);

  std::string SaveState() const;
  absl::Status RestoreState(absl::string_view state);

 private:
  std::mt19937_64 engine_;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_MODEL_SURVIVAL_H_
