#include "lib/data/dataset.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/data/svhn.h"
#include "lib/data/synthetic.h"
#include "lib/io/file_io.h"

namespace sdbench {
namespace {

absl::Status AddMd5(const std::string& dir, const std::string& file, DatasetFiles* files) {
  absl::StatusOr<std::string> md5 = Md5OfFile(dir + "/" + file);
  if (!md5.ok()) return md5.status();
  files->md5[file] = *md5;
  return absl::OkStatus();
}

void Truncate(ImageView* view, int64_t count) {
  if (count > 0 && count < view->size()) view->indices.resize(count);
}

}  // namespace

std::string DefaultDataDir() {
  const char* env = std::getenv("SDBENCH_DATA_DIR");
  return env != nullptr ? env : WorkspacePath("data");
}

namespace {

absl::Status LoadCifar10(const std::string& dir, const DatasetOptions& options,
                         DatasetFiles* files) {
  absl::StatusOr<TrainTestSets> sets = ReadCifar10(dir, options.cifar10_files);
  if (!sets.ok()) {
    return absl::Status(sets.status().code(),
                        absl::StrCat(sets.status().message(),
                                     " (prepare CIFAR-10 with tools/setup.sh, "
                                     "or point --data_dir elsewhere)"));
  }
  for (const std::string& name : Cifar10FileNames(options.cifar10_files)) {
    if (absl::Status s = AddMd5(dir, name, files); !s.ok()) return s;
  }
  files->train = std::make_shared<const ImageSet>(std::move(sets->train));
  files->test = std::make_shared<const ImageSet>(std::move(sets->test));
  return absl::OkStatus();
}

absl::Status LoadCifar100(const std::string& dir, const DatasetOptions& options,
                          DatasetFiles* files) {
  absl::StatusOr<TrainTestSets> sets = ReadCifar100(dir, options.cifar100_labels);
  if (!sets.ok()) return sets.status();
  for (const char* name : {"train.bin", "test.bin"}) {
    if (absl::Status s = AddMd5(dir, name, files); !s.ok()) return s;
  }
  files->train = std::make_shared<const ImageSet>(std::move(sets->train));
  files->test = std::make_shared<const ImageSet>(std::move(sets->test));
  return absl::OkStatus();
}

// SVHN's train set followed by its extra set, and the test set.
absl::Status LoadSvhn(const std::string& dir, const DatasetOptions&, DatasetFiles* files) {
  absl::StatusOr<ImageSet> train = ReadSvhnMat(dir + "/train_32x32.mat");
  if (!train.ok()) return train.status();
  absl::StatusOr<ImageSet> extra = ReadSvhnMat(dir + "/extra_32x32.mat");
  if (!extra.ok()) return extra.status();
  absl::StatusOr<ImageSet> test = ReadSvhnMat(dir + "/test_32x32.mat");
  if (!test.ok()) return test.status();
  for (const char* name : {"train_32x32.mat", "extra_32x32.mat", "test_32x32.mat"}) {
    if (absl::Status s = AddMd5(dir, name, files); !s.ok()) return s;
  }
  files->svhn_train_count = train->size();
  train->Append(*extra);
  files->train = std::make_shared<const ImageSet>(*std::move(train));
  files->test = std::make_shared<const ImageSet>(*std::move(test));
  return absl::OkStatus();
}

int TenClasses(const DatasetOptions&) { return 10; }

int Cifar100Classes(const DatasetOptions& options) {
  return options.cifar100_labels == Cifar100Labels::kFine ? 100 : 20;
}

}  // namespace

const std::vector<DatasetSpec>& DatasetRegistry() {
  static const auto* registry = new std::vector<DatasetSpec>{
      {"cifar10", "CIFAR-10",
       "the binary version's data_batch_1..5.bin and test_batch.bin (tools/setup.sh prepares them)",
       TenClasses, LoadCifar10, ValidationRule::kHeldOutTrainImages},
      {"cifar100", "CIFAR-100", "the binary version's train.bin and test.bin", Cifar100Classes,
       LoadCifar100, ValidationRule::kHeldOutTrainImages},
      {"svhn", "SVHN", "format 2: train_32x32.mat, extra_32x32.mat and test_32x32.mat", TenClasses,
       LoadSvhn, ValidationRule::kPerClassFromTrainAndExtra},
  };
  return *registry;
}

absl::StatusOr<const DatasetSpec*> FindDataset(const std::string& name) {
  std::vector<std::string> known;
  for (const DatasetSpec& spec : DatasetRegistry()) {
    if (name == spec.name) return &spec;
    known.push_back(spec.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dataset '", name, "' (known: ", absl::StrJoin(known, ", "), ")"));
}

absl::StatusOr<DatasetFiles> LoadDatasetFiles(const DatasetOptions& options,
                                              const std::string& data_dir,
                                              uint64_t synthetic_seed) {
  absl::StatusOr<const DatasetSpec*> spec = FindDataset(options.name);
  if (!spec.ok()) return spec.status();
  DatasetFiles files;
  files.name = options.name;
  if (options.synthetic) {
    const int classes = (*spec)->classes(options);
    ImageSet train = SyntheticImages(options.synthetic_train_images, classes, synthetic_seed);
    files.svhn_train_count = train.size() / 2;  // SVHN: half "train", half "extra".
    files.train = std::make_shared<const ImageSet>(std::move(train));
    files.test = std::make_shared<const ImageSet>(
        SyntheticImages(options.synthetic_test_images, classes, synthetic_seed + 1));
    files.md5["synthetic"] = absl::StrCat("seed ", synthetic_seed);
    return files;
  }
  files.directory = absl::StrCat(data_dir, "/", options.name);
  if (absl::Status s = (*spec)->load(files.directory, options, &files); !s.ok()) return s;
  return files;
}

absl::StatusOr<Dataset> BuildDataset(const DatasetFiles& files, const DatasetOptions& options,
                                     uint64_t split_seed) {
  absl::StatusOr<const DatasetSpec*> spec = FindDataset(files.name);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<TrainValidationSplit> split =
      (*spec)->validation == ValidationRule::kPerClassFromTrainAndExtra && options.validation
          ? SplitSvhn(files.train, files.svhn_train_count, split_seed,
                      options.svhn_validation_per_class_train,
                      options.svhn_validation_per_class_extra)
          : SplitCifar(files.train, options.train_size, split_seed, options.validation);
  if (!split.ok()) return split.status();
  Dataset dataset;
  dataset.train = std::move(split->train);
  dataset.validation = std::move(split->validation);
  dataset.test = ImageView::All(files.test);
  Truncate(&dataset.train, options.train_subset);
  Truncate(&dataset.validation, options.validation_subset);
  Truncate(&dataset.test, options.test_subset);
  dataset.num_classes = files.train->num_classes;
  dataset.normalization = std::make_shared<const Normalization>(
      ComputeNormalization(dataset.train, options.normalization));
  return dataset;
}

}  // namespace sdbench
