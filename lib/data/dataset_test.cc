// BuildDataset: the paper's split per seed, the subsets, the SVHN split,
// and the normalisation of the training split only; files read from disk in
// the official formats (synthetic contents).
#include "lib/data/dataset.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/config/config_keys.h"
#include "lib/data/svhn.h"
#include "lib/data/synthetic.h"
#include "lib/io/file_io.h"
#include "lib/testing/test_dir.h"
#include "lib/training/run_settings.h"

namespace sdbench {
namespace {

DatasetFiles SyntheticCifar10Files() {
  const std::string dir = TestDir() + "/data/cifar10";
  EXPECT_TRUE(WriteSyntheticCifar10(dir, 200, 7).ok());  // 1,000 train, 200 test.
  DatasetOptions options = PaperSettings().dataset;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(options, TestDir() + "/data");
  EXPECT_TRUE(files.ok()) << files.status();
  return *files;
}

std::set<int64_t> Indices(const ImageView& view) {
  return {view.indices.begin(), view.indices.end()};
}

// The registry is the one list of datasets: the config key allows exactly
// its names, and each entry says its classes and validation rule.
TEST(DatasetRegistryTest, OneEntryPerDatasetTheConfigKeyAllows) {
  std::vector<std::string> names;
  for (const DatasetSpec& spec : DatasetRegistry()) names.push_back(spec.name);
  const ConfigKey* key = FindConfigKey("dataset.name");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->names, names);
  EXPECT_EQ(names, (std::vector<std::string>{"cifar10", "cifar100", "svhn"}));

  DatasetOptions options = PaperSettings().dataset;
  EXPECT_EQ((*FindDataset("cifar10"))->classes(options), 10);
  EXPECT_EQ((*FindDataset("svhn"))->classes(options), 10);
  options.cifar100_labels = Cifar100Labels::kFine;
  EXPECT_EQ((*FindDataset("cifar100"))->classes(options), 100);
  options.cifar100_labels = Cifar100Labels::kCoarse;
  EXPECT_EQ((*FindDataset("cifar100"))->classes(options), 20);
  EXPECT_EQ((*FindDataset("cifar100"))->validation, ValidationRule::kHeldOutTrainImages);
  EXPECT_EQ((*FindDataset("svhn"))->validation, ValidationRule::kPerClassFromTrainAndExtra);

  absl::StatusOr<const DatasetSpec*> unknown = FindDataset("mnist");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown dataset 'mnist' (known: cifar10, cifar100, svhn)");
  options.name = "mnist";
  options.synthetic = true;
  EXPECT_EQ(LoadDatasetFiles(options, "/nowhere").status().message(), unknown.status().message());
}

TEST(BuildDatasetTest, SeededSplitAndSubsets) {
  const DatasetFiles files = SyntheticCifar10Files();
  EXPECT_EQ(files.md5.size(), 6u);
  DatasetOptions options = PaperSettings().dataset;
  options.train_size = 900;
  absl::StatusOr<Dataset> full = BuildDataset(files, options, 1);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->train.size(), 900);
  EXPECT_EQ(full->validation.size(), 100);
  EXPECT_EQ(full->test.size(), 200);
  EXPECT_EQ(full->num_classes, 10);
  // Disjoint, together all 1,000; another seed, another split.
  std::set<int64_t> train = Indices(full->train), validation = Indices(full->validation);
  for (int64_t i : validation) EXPECT_EQ(train.count(i), 0u);
  EXPECT_EQ(train.size() + validation.size(), 1000u);
  EXPECT_NE(Indices(BuildDataset(files, options, 2)->validation), validation);

  // Subsets: the first K of each part, from the same split.
  options.train_subset = 300;
  options.validation_subset = 40;
  options.test_subset = 50;
  absl::StatusOr<Dataset> subset = BuildDataset(files, options, 1);
  ASSERT_TRUE(subset.ok());
  EXPECT_EQ(subset->train.size(), 300);
  EXPECT_EQ(subset->validation.size(), 40);
  EXPECT_EQ(subset->test.size(), 50);
  EXPECT_TRUE(std::equal(subset->train.indices.begin(), subset->train.indices.end(),
                         full->train.indices.begin()));
  // The normalisation comes from the training subset alone.
  Normalization own = ComputeNormalization(subset->train, options.normalization);
  EXPECT_EQ(subset->normalization->mean, own.mean);
  EXPECT_EQ(subset->normalization->scale, own.scale);
  // A subset larger than the part keeps the whole part.
  options.train_subset = 5000;
  EXPECT_EQ(BuildDataset(files, options, 1)->train.size(), 900);
}

TEST(BuildDatasetTest, FirstBatchReadsOneTrainingBatchAndAPartialTestFile) {
  // data_batch_1.bin alone, and a test_batch.bin cut to its first 50
  // records: the files a machine without network gets.
  const std::string dir = TestDir() + "/first_batch/cifar10";
  ASSERT_TRUE(WriteSyntheticCifar10(dir, 200, 7).ok());
  absl::StatusOr<std::string> test = ReadFileToString(dir + "/test_batch.bin");
  ASSERT_TRUE(test.ok());
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/test_batch.bin", test->substr(0, 50 * kCifar10RecordBytes)).ok());
  for (int b = 2; b <= 5; ++b)
    ASSERT_EQ(std::remove(absl::StrCat(dir, "/data_batch_", b, ".bin").c_str()), 0);
  DatasetOptions options = PaperSettings().dataset;
  absl::StatusOr<DatasetFiles> all = LoadDatasetFiles(options, TestDir() + "/first_batch");
  ASSERT_FALSE(all.ok());  // The paper's file set needs every batch.
  EXPECT_NE(all.status().message().find("data_batch_2.bin"), std::string::npos) << all.status();
  options.cifar10_files = Cifar10Files::kFirstBatch;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(options, TestDir() + "/first_batch");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->train->size(), 200);
  EXPECT_EQ(files->test->size(), 50);
  // The checksums name exactly the files read.
  ASSERT_EQ(files->md5.size(), 2u);
  EXPECT_EQ(files->md5.count("data_batch_1.bin"), 1u);
  EXPECT_EQ(files->md5.at("test_batch.bin"), *Md5OfFile(dir + "/test_batch.bin"));
  // The first batch is the first 200 images of the whole set.
  const DatasetFiles whole = SyntheticCifar10Files();
  EXPECT_TRUE(std::equal(files->train->pixels.begin(), files->train->pixels.end(),
                         whole.train->pixels.begin()));
  options.train_size = 180;
  absl::StatusOr<Dataset> dataset = BuildDataset(*files, options, 1);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->train.size(), 180);
  EXPECT_EQ(dataset->validation.size(), 20);
  options.train_size = 45000;  // The paper's split does not fit one batch: a clear error.
  EXPECT_FALSE(BuildDataset(*files, options, 1).ok());
}

TEST(BuildDatasetTest, NoValidationSplitTrainsOnEverything) {
  const DatasetFiles files = SyntheticCifar10Files();
  DatasetOptions options = PaperSettings().dataset;
  options.validation = false;
  absl::StatusOr<Dataset> d = BuildDataset(files, options, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->train.size(), 1000);
  EXPECT_EQ(d->validation.size(), 0);
  options.validation = true;
  options.train_size = 1000;  // Nothing left to validate on.
  EXPECT_FALSE(BuildDataset(files, options, 3).ok());
}

TEST(BuildDatasetTest, SvhnSplitTakesPerClassQuotasFromTrainAndExtra) {
  if (!SvhnSupported()) GTEST_SKIP() << "this build has no libmatio (SVHN support off)";
  const std::string dir = TestDir() + "/svhn_data/svhn";
  ASSERT_TRUE(WriteSyntheticSvhn(dir, 300, 200, 50, 9).ok());
  DatasetOptions options = PaperSettings().dataset;
  options.name = "svhn";
  options.svhn_validation_per_class_train = 4;
  options.svhn_validation_per_class_extra = 2;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(options, TestDir() + "/svhn_data");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->svhn_train_count, 300);
  EXPECT_EQ(files->train->size(), 500);
  absl::StatusOr<Dataset> d = BuildDataset(*files, options, 1);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->validation.size(), 10 * (4 + 2));
  EXPECT_EQ(d->train.size(), 500 - 60);
  int from_train = 0;
  std::vector<int> per_class(10, 0);
  for (int64_t i = 0; i < d->validation.size(); ++i) {
    from_train += d->validation.indices[i] < 300;
    ++per_class[d->validation.label(i)];
  }
  EXPECT_EQ(from_train, 40);
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 6) << c;
  EXPECT_EQ(d->test.size(), 50);
}

TEST(BuildDatasetTest, MissingFilesNameTheDirectoryAndTheFix) {
  DatasetOptions options = PaperSettings().dataset;
  absl::StatusOr<DatasetFiles> files = LoadDatasetFiles(options, TestDir() + "/nowhere");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("nowhere/cifar10"), std::string::npos);
  EXPECT_NE(files.status().message().find("tools/setup.sh"), std::string::npos);
}

}  // namespace
}  // namespace sdbench
