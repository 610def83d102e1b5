// Throughput of the whole input pipeline on one core: from uint8 images to
// normalised, augmented float batches of 128 (BM_Pipeline), and the
// per-image kernel alone (BM_NormalizeAndAugment).
//   bazel run //lib/data:loader_benchmark
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <random>
#include <vector>

#include "lib/data/loader.h"
#include "lib/data/synthetic.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

struct Fixture {
  Fixture() {
    images = std::make_shared<const ImageSet>(SyntheticImages(10000, 10, 1));
    view = ImageView::All(images);
    norm = std::make_shared<const Normalization>(
        ComputeNormalization(view, NormalizationMode::kMeanImageRawStd));
  }
  std::shared_ptr<const ImageSet> images;
  ImageView view;
  std::shared_ptr<const Normalization> norm;
};

const Fixture& Data() {
  static const Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_Pipeline(benchmark::State& state) {
  const Fixture& data = Data();
  // The paper's batch and shifts.
  LoaderOptions options;
  options.batch_size = PaperSettings().batch_size;
  options.max_shift = PaperSettings().max_shift;
  options.augment = state.range(0) != 0;
  options.prefetch_batches = 0;  // Measure the work itself, on this thread.
  BatchLoader loader(data.view, data.norm, options);
  int64_t images = 0;
  int64_t epoch = 0;
  loader.StartEpoch(epoch);
  for (auto _ : state) {
    std::optional<Batch> batch = loader.Next();
    if (!batch) {
      loader.StartEpoch(++epoch);
      batch = loader.Next();
    }
    images += batch->labels.size(0);
    benchmark::DoNotOptimize(batch->images.data_ptr<float>());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Pipeline)->ArgName("augment")->Arg(0)->Arg(1)->UseRealTime();

void BM_NormalizeAndAugment(benchmark::State& state) {
  const Fixture& data = Data();
  std::vector<float> out(kImageBytes);
  std::mt19937_64 engine(1);
  int64_t i = 0;
  for (auto _ : state) {
    NormalizeAndAugment(data.view.image(i++ % 10000), *data.norm,
                        DrawAugmentation(engine, PaperSettings().max_shift), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NormalizeAndAugment);

}  // namespace
}  // namespace sdbench

BENCHMARK_MAIN();
