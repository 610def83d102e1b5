// Two real ranks (forked processes) over Gloo on 127.0.0.1 against a single
// process that runs the two half-batches separately, each with its own BN
// statistics, and averages their gradients.
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/distributed/communicator.h"
#include "lib/distributed/launch.h"
#include "lib/distributed/process_groups.h"
#include "lib/model/resnet.h"
#include "lib/testing/test_dir.h"
#include "lib/training/run_settings.h"
#include "lib/training/runtime.h"
#include "lib/training/sgd.h"
#include "lib/training/step.h"
#include "nlohmann/json.hpp"

namespace sdbench {
namespace {

using Json = nlohmann::json;
constexpr int kSteps = 4;
constexpr int kGlobalBatch = 16;

ResNetOptions Model() {
  ResNetOptions options = PaperSettings().model;
  options.depth = 20;
  options.p_last = 0.3;  // Plenty of dropped blocks in 4 steps.
  options.init_seed = 21;
  options.gate_seed = 22;
  return options;
}

std::vector<torch::Tensor> Batches() {
  torch::manual_seed(5);
  std::vector<torch::Tensor> batches;
  for (int i = 0; i < kSteps; ++i) batches.push_back(torch::randn({kGlobalBatch, 3, 32, 32}));
  return batches;
}

torch::Tensor Labels(int step) { return torch::arange(kGlobalBatch).add(step).remainder(10); }

// One rank: train kSteps on its half of each batch; write gates, bytes and
// final weights for the parent to check.
int RunRank(int rank, int port, const std::string& out) {
  (void)ConfigureThreads(1);
  DistributedEnv env;
  env.rank = rank;
  env.world_size = 2;
  env.master_port = port;
  auto comm = Communicator::Connect(env, std::chrono::seconds(60));
  if (!comm.ok()) {
    std::cerr << comm.status().message() << "\n";
    return 3;
  }
  ResNet net = *MakeResNet(Model());
  net->train();
  NesterovSgd sgd(net->parameters(), PaperSettings().sgd);
  const std::vector<torch::Tensor> batches = Batches();
  Json log = {{"gates", Json::array()}, {"bytes", Json::array()}};
  const int half = kGlobalBatch / 2;
  for (int step = 0; step < kSteps; ++step) {
    int64_t bytes = 0;
    TrainStep(net, sgd, batches[step].slice(0, rank * half, (rank + 1) * half),
              Labels(step).slice(0, rank * half, (rank + 1) * half), 0.1,
              [&] { bytes = *(*comm)->AverageGradients(sgd.parameters()); });
    log["gates"].push_back(net->last_gates());
    log["bytes"].push_back(bytes);
  }
  std::ofstream(absl::StrCat(out, "/rank", rank, ".json")) << log.dump();
  std::vector<torch::Tensor> weights;
  for (const torch::Tensor& p : net->parameters()) weights.push_back(p.detach().contiguous());
  torch::save(weights, absl::StrCat(out, "/rank", rank, ".pt"));
  return 0;
}

// Forks two ranks that train kSteps each on their half of every batch and
// write their logs and weights into `out`.
void RunTwoRanks(const std::string& out) {
  const int port = *FreeLocalPort();
  std::vector<pid_t> children;
  for (int rank = 0; rank < 2; ++rank) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(RunRank(rank, port, out));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a rank failed";
  }
}

// Checks one reference step's gates and reduced bytes against the ranks'
// logs; returns the number of blocks dropped.
int CheckGatesAndBytes(const ResNet& reference, const Json (&logs)[2], int step) {
  const std::vector<uint8_t> gates = reference->last_gates();
  int dropped = 0;
  // Bytes reduced: every parameter with a gradient, none of a dropped block.
  int64_t expected_bytes = 0;
  for (const torch::Tensor& p : reference->parameters()) {
    if (p.grad().defined()) expected_bytes += p.nbytes();
  }
  for (int l = 0; l < reference->num_blocks(); ++l) {
    if (gates[l]) continue;
    ++dropped;
    for (const torch::Tensor& p : reference->BlockParameters(l)) EXPECT_FALSE(p.grad().defined());
  }
  for (int rank = 0; rank < 2; ++rank) {
    // Same gates on both ranks, and the reference's, at every step.
    EXPECT_EQ(logs[rank]["gates"][step].get<std::vector<uint8_t>>(), gates) << step;
    EXPECT_EQ(logs[rank]["bytes"][step].get<int64_t>(), expected_bytes) << step;
  }
  return dropped;
}

// Replaces both models' gradients with their mean.
void AverageGradientsByHand(ResNet& a, ResNet& b) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!pa[i].grad().defined()) continue;
    torch::Tensor mean = (pa[i].grad() + pb[i].grad()) / 2;
    pa[i].mutable_grad().copy_(mean);
    pb[i].mutable_grad().copy_(mean);
  }
}

TEST(DistributedTest, TwoRanksEqualOneProcessAveragingTwoHalves) {
  if (!GlooAvailable()) GTEST_SKIP() << "built without Gloo (a LibTorch without its headers)";
  const std::string out = TestDir();
  RunTwoRanks(out);
  // The reference: two copies of the model, one per half-batch (own BN
  // statistics), the averaged gradient applied to both.
  (void)ConfigureThreads(1);
  ResNet a = *MakeResNet(Model());
  ResNet b = *MakeResNet(Model());
  a->train();
  b->train();
  NesterovSgd sgd_a(a->parameters(), PaperSettings().sgd);
  NesterovSgd sgd_b(b->parameters(), PaperSettings().sgd);
  const std::vector<torch::Tensor> batches = Batches();
  Json logs[2];
  for (int rank = 0; rank < 2; ++rank) {
    std::ifstream in(absl::StrCat(out, "/rank", rank, ".json"));
    logs[rank] = Json::parse(in);
  }
  int dropped_steps = 0;
  const int half = kGlobalBatch / 2;
  for (int step = 0; step < kSteps; ++step) {
    sgd_a.ZeroGrad();
    sgd_b.ZeroGrad();
    torch::nn::functional::cross_entropy(a->forward(batches[step].slice(0, 0, half)),
                                         Labels(step).slice(0, 0, half))
        .backward();
    torch::nn::functional::cross_entropy(b->forward(batches[step].slice(0, half)),
                                         Labels(step).slice(0, half))
        .backward();
    ASSERT_EQ(a->last_gates(), b->last_gates());
    dropped_steps += CheckGatesAndBytes(a, logs, step);
    AverageGradientsByHand(a, b);
    sgd_a.Step(0.1);
    sgd_b.Step(0.1);
  }
  EXPECT_GT(dropped_steps, 0) << "the test needs dropped blocks";
  for (int rank = 0; rank < 2; ++rank) {
    std::vector<torch::Tensor> weights;
    torch::load(weights, absl::StrCat(out, "/rank", rank, ".pt"));
    std::vector<torch::Tensor> reference = a->parameters();
    ASSERT_EQ(weights.size(), reference.size());
    for (size_t i = 0; i < weights.size(); ++i) {
      const double scale = std::max(reference[i].norm().item<double>(), 1e-3);
      EXPECT_LE((weights[i] - reference[i].detach()).norm().item<double>() / scale, 1e-4)
          << "rank " << rank << " parameter " << i;
    }
  }
}

TEST(DistributedTest, ReadsLauncherVariables) {
  auto from = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  auto none = ReadDistributedEnv(from({}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->world_size, 1);
  auto torchrun = ReadDistributedEnv(from({{"RANK", "3"},
                                           {"WORLD_SIZE", "4"},
                                           {"LOCAL_RANK", "1"},
                                           {"MASTER_ADDR", "node7"},
                                           {"MASTER_PORT", "29611"}}));
  ASSERT_TRUE(torchrun.ok()) << torchrun.status();
  EXPECT_EQ(torchrun->rank, 3);
  EXPECT_EQ(torchrun->world_size, 4);
  EXPECT_EQ(torchrun->local_rank, 1);
  EXPECT_EQ(torchrun->master_addr, "node7");
  EXPECT_EQ(torchrun->master_port, 29611);
  auto slurm = ReadDistributedEnv(from({{"SLURM_PROCID", "5"},
                                        {"SLURM_NTASKS", "8"},
                                        {"SLURM_LOCALID", "1"},
                                        {"MASTER_ADDR", "node1"}}));
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_EQ(slurm->rank, 5);
  EXPECT_EQ(slurm->source, "slurm");
  EXPECT_EQ(slurm->local_world_size, 0);  // Not said.
  EXPECT_EQ(torchrun->local_world_size, 0);
  // The ranks on this node (L), from each launcher.
  auto torchrun_l = ReadDistributedEnv(
      from({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"}}));
  ASSERT_TRUE(torchrun_l.ok()) << torchrun_l.status();
  EXPECT_EQ(torchrun_l->local_world_size, 2);
  auto slurm_l = ReadDistributedEnv(from({{"SLURM_PROCID", "6"},
                                          {"SLURM_NTASKS", "7"},
                                          {"SLURM_LOCALID", "0"},
                                          {"SLURM_NODEID", "3"},
                                          {"SLURM_TASKS_PER_NODE", "4(x9)"},
                                          {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"},
                                          {"MASTER_ADDR", "node1"}}));
  ASSERT_TRUE(slurm_l.ok()) << slurm_l.status();
  EXPECT_EQ(slurm_l->local_world_size, 1);  // The step's list wins over the job's.
  auto mpirun_l = ReadDistributedEnv(from({{"OMPI_COMM_WORLD_RANK", "1"},
                                           {"OMPI_COMM_WORLD_SIZE", "2"},
                                           {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                           {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"},
                                           {"MASTER_ADDR", "node1"}}));
  ASSERT_TRUE(mpirun_l.ok()) << mpirun_l.status();
  EXPECT_EQ(mpirun_l->local_world_size, 2);
  EXPECT_EQ(*SlurmTasksOnNode("V", "2(x3),1", 0), 2);
  EXPECT_EQ(*SlurmTasksOnNode("V", "2(x3),1", 2), 2);
  EXPECT_EQ(*SlurmTasksOnNode("V", "2(x3),1", 3), 1);
  EXPECT_EQ(*SlurmTasksOnNode("V", "3", 0), 3);
  // Malformed, or too short for the node (the list is read up to the node).
  for (auto [bad, node] : std::vector<std::pair<std::string, int>>{
           {"2(x3),1", 4}, {"", 0}, {"x", 0}, {"2(x0)", 0}, {"2(x3", 0}, {"0", 0}, {"2,,1", 1}}) {
    absl::StatusOr<int> tasks = SlurmTasksOnNode("SLURM_TASKS_PER_NODE", bad, node);
    ASSERT_FALSE(tasks.ok()) << bad;
    EXPECT_NE(tasks.status().message().find("SLURM_TASKS_PER_NODE"), std::string::npos);
  }
  // Errors name the variable.
  for (auto bad : std::vector<std::map<std::string, std::string>>{
           {{"RANK", "2"}, {"WORLD_SIZE", "2"}},
           {{"RANK", "x"}, {"WORLD_SIZE", "2"}},
           {{"RANK", "0"}},
           {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}},
           {{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}},
           // LOCAL_RANK beyond the ranks on the node.
           {{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "1"}},
           {{"SLURM_PROCID", "1"},
            {"SLURM_NTASKS", "2"},
            {"MASTER_ADDR", "n"},
            {"SLURM_TASKS_PER_NODE", "2(x"}}}) {
    auto env = ReadDistributedEnv(from(bad));
    EXPECT_FALSE(env.ok());
  }
  auto message = ReadDistributedEnv(from({{"RANK", "2"}, {"WORLD_SIZE", "2"}}));
  EXPECT_NE(std::string(message.status().message()).find("RANK"), std::string::npos);
}

TEST(DistributedTest, BackendFollowsTheDevice) {
  EXPECT_EQ(*ChooseBackend("cpu", "auto", true, false), CollectiveBackend::kGloo);
  EXPECT_EQ(*ChooseBackend("cuda", "auto", true, true), CollectiveBackend::kNccl);
  EXPECT_EQ(*ChooseBackend("cuda:1", "auto", false, true), CollectiveBackend::kNccl);
  absl::StatusOr<CollectiveBackend> no_nccl = ChooseBackend("cuda", "auto", true, false);
  ASSERT_FALSE(no_nccl.ok());
  EXPECT_NE(no_nccl.status().message().find("needs c10d's NCCL process group"), std::string::npos);
  EXPECT_NE(no_nccl.status().message().find("--dist_backend=gloo"), std::string::npos);
  absl::StatusOr<CollectiveBackend> no_gloo = ChooseBackend("cpu", "auto", false, true);
  ASSERT_FALSE(no_gloo.ok());
  EXPECT_NE(no_gloo.status().message().find("needs c10d's Gloo process group"), std::string::npos);
  // Asked for by name: Gloo for CUDA tensors too (ranks sharing one GPU);
  // NCCL never for the CPU; a backend name that does not exist.
  EXPECT_EQ(*ChooseBackend("cuda:0", "gloo", true, true), CollectiveBackend::kGloo);
  EXPECT_EQ(*ChooseBackend("cuda", "nccl", true, true), CollectiveBackend::kNccl);
  EXPECT_FALSE(ChooseBackend("cuda", "gloo", false, true).ok());
  absl::StatusOr<CollectiveBackend> nccl_on_cpu = ChooseBackend("cpu", "nccl", true, true);
  ASSERT_FALSE(nccl_on_cpu.ok());
  EXPECT_NE(nccl_on_cpu.status().message().find("needs CUDA tensors"), std::string::npos);
  absl::StatusOr<CollectiveBackend> mpi = ChooseBackend("cpu", "mpi", true, true);
  ASSERT_FALSE(mpi.ok());
  EXPECT_NE(mpi.status().message().find("unknown collective backend 'mpi'"), std::string::npos);
  // Gloo exactly where the build found its headers (Debian's LibTorch: yes;
  // a pip wheel, which ships none: no).
#ifdef USE_C10D_GLOO
  EXPECT_TRUE(GlooAvailable());
#else
  EXPECT_FALSE(GlooAvailable());
#endif
  EXPECT_EQ(NcclAvailable(), torch::cuda::is_available() && NcclAvailable());
  EXPECT_STREQ(CollectiveBackendName(CollectiveBackend::kNccl), "nccl");
}

TEST(DistributedTest, ConnectTimesOutWhenAPeerNeverComes) {
  DistributedEnv env;
  env.rank = 0;
  env.world_size = 2;
  env.master_port = *FreeLocalPort();
  const auto start = std::chrono::steady_clock::now();
  auto comm = Communicator::Connect(env, std::chrono::seconds(3));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(comm.ok());
  EXPECT_LT(seconds, 30.0);
}

}  // namespace
}  // namespace sdbench
